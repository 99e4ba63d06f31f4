"""Cross-cutting request rules: deny by default, security headers, no client addresses."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

# Views run only for signed-in, two-factor-verified staff unless they carry
# `login_required = False` (Django's @login_not_required). That list is tested.


class LoginRequiredByDefaultMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view_func, "login_required", True) is False:
            return None
        user: Any = request.user
        keyring: Any = getattr(request, "keyring", None)
        if user.is_authenticated and user.is_verified():
            if (
                user.must_change_password
                and request.path != "/staff/account/password/"
                and not keyring.duress
            ):
                from django.shortcuts import redirect

                return redirect("accounts-password")
            return None
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)


class SecurityHeadersMiddleware:
    """No page may be cached, framed, or leak where it was reached from. Staff pages get the same
    no-store rule as the portal: a seized laptop's cache must hold nothing."""

    CSP = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; img-src 'self' data:; style-src 'self'"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Cache-Control"] = "no-store, max-age=0"
        response["Pragma"] = "no-cache"
        response.setdefault("Content-Security-Policy", self.CSP)
        # Staff pages: same-origin. With no-referrer, browsers send `Origin: null` on form posts
        # and Django's CSRF check (rightly) refuses them. Nothing is sent to other origins either
        # way. The public portal keeps no-referrer and does not use the CSRF cookie.
        response["Referrer-Policy"] = (
            "same-origin" if request.path.startswith("/staff/") else "no-referrer"
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cross-Origin-Opener-Policy"] = "same-origin"
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        response["Permissions-Policy"] = (
            "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        if settings.HAVEN_ONION_LOCATION and not request.path.startswith("/staff/"):
            response["Onion-Location"] = (
                settings.HAVEN_ONION_LOCATION.rstrip("/") + request.get_full_path()
            )
        return response


class NoClientAddressMiddleware:
    """Drop the client address, user agent and referrer before any view or log can see them.
    Everyone arrives through Tor anyway; what is never read cannot be stored (invariant 1)."""

    DROPPED = (
        "REMOTE_ADDR",
        "HTTP_USER_AGENT",
        "HTTP_REFERER",
        "HTTP_X_FORWARDED_FOR",
        "HTTP_X_REAL_IP",
        "HTTP_FORWARDED",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The one thing kept from the address: a yes/no for /staff/healthz (may a monitoring
        # system on this network ask?). The address itself is gone before any view runs.
        request.from_monitoring_network = _in_networks(  # type: ignore[attr-defined]
            request.META.get("REMOTE_ADDR", ""), tuple(settings.HAVEN_HEALTHZ_NETWORKS)
        )
        for key in self.DROPPED:
            if key in request.META:
                request.META[key] = "" if key == "REMOTE_ADDR" else "-"
        return self.get_response(request)


@cache
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    found = []
    for network in spec:
        try:
            found.append(ipaddress.ip_network(network, strict=False))
        except ValueError:  # refused at start-up by check haven.E082; never a 500 here
            continue
    return tuple(found)


def _in_networks(address: str, spec: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(spec) if network.version == ip.version)


class BidiControlMiddleware:
    """Every HTML page leaves without bidi control characters (haven/lib/bidi.py), whatever
    field or message they were typed into: one place, so no template can forget it. Haven's
    own templates contain none, so nothing meant is removed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from haven.lib.bidi import has_controls, neutralise

        response = self.get_response(request)
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return response
        charset = response.charset or "utf-8"
        text = response.content.decode(charset, "replace")
        if has_controls(text):
            response.content = neutralise(text).encode(charset)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
