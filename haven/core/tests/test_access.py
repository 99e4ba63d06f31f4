"""Deny by default: the public views are an explicit list, and staff views check role and method."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# Every view reachable without signing in. Adding one here is a security decision: say why.
PUBLIC_VIEWS = {
    "haven.accounts.views.login_view",  # staff must be able to reach the sign-in page
    "django.views.i18n.set_language",  # switching language before signing in
    "django.views.static.serve",  # the stylesheet (demo only; nginx serves it in production)
}


def _walk(patterns, prefix=""):  # type: ignore[no-untyped-def]
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def _public_views() -> set[str]:
    found = set()
    for _route, callback in _walk(get_resolver().url_patterns):
        if getattr(callback, "login_required", True) is False:
            found.add(f"{callback.__module__}.{getattr(callback, '__name__', '')}")
    return found


def test_only_the_declared_views_are_public() -> None:
    assert _public_views() <= PUBLIC_VIEWS | _extra_public_views()


def _extra_public_views() -> set[str]:
    """Apps that add public views (the portal) list them in `PUBLIC_VIEWS` of their tests
    module `haven/<app>/tests/public_views.py`."""
    import importlib
    import pkgutil

    import haven

    extra: set[str] = set()
    for module in pkgutil.iter_modules(haven.__path__):
        try:
            mod = importlib.import_module(f"haven.{module.name}.tests.public_views")
        except ModuleNotFoundError:
            continue
        extra |= set(mod.PUBLIC_VIEWS)
    return extra


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/staff/", "/staff/notifications/", "/staff/accounts/", "/staff/account/password/"]
)
def test_staff_pages_send_anonymous_visitors_to_sign_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


@pytest.mark.django_db
def test_an_account_that_does_not_exist_is_a_404_for_the_admin(personas, client_for) -> None:
    # The matrix (haven/accounts/tests/authz.py) calls the account pages with a real account:
    # who may open them and with which method is declared there.
    assert client_for(personas.admin).get("/staff/accounts/999999/").status_code == 404


@pytest.mark.django_db
def test_every_response_forbids_caching_framing_and_referrers(client: Client) -> None:
    response = client.get("/staff/login/")
    assert response["Cache-Control"].startswith("no-store")
    assert (
        response["Referrer-Policy"] == "same-origin"
    )  # staff: no-referrer would break CSRF (Origin: null)
    assert response["X-Frame-Options"] == "DENY"
    assert "script-src 'none'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_an_unknown_address_is_a_plain_404_page(client: Client) -> None:
    response = client.get("/staff/no-such-page/")
    assert response.status_code in (302, 404)


@pytest.mark.django_db
def test_the_stylesheet_is_served_by_haven_itself(client: Client) -> None:
    response = client.get("/static/haven.css")
    assert response.status_code == 200


def test_production_refuses_to_start_without_its_secret(settings) -> None:
    from haven.core.checks import production_secrets

    settings.PRODUCTION = True
    settings.SECRET_KEY = settings.DEV_SECRET_KEY
    ids = {e.id for e in production_secrets(None)}
    assert "haven.E001" in ids
    settings.PRODUCTION = False
    assert production_secrets(None) == []
