"""Portal sign-in with a codename: identities, the split-key portal session.

Reusable by every portal feature (requests, check-ins, panic): decorate a view with
`@portal_login_required` and read `request.portal` (a `PortalVisit`: the identity and the
codename keys for this request)."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation

from haven.audit.log import log_event
from haven.intake.middleware import codename_derivations
from haven.intake.models import HelpRequest, PortalConfig, PortalIdentity, PortalSession
from haven.lib.admission import acquire_in_turn
from haven.vault import codename as codename_crypto
from haven.vault.codename import CodenameKeys
from haven.vault.models import Vault

COOKIE = "haven_portal"
SESSION_MINUTES = 30


@dataclass
class PortalVisit:
    identity: PortalIdentity
    keys: CodenameKeys
    session: PortalSession


class PortalRequest(HttpRequest):
    """For type checking only: views behind `portal_login_required` annotate
    `request: PortalRequest`, the request it hands them with `request.portal` set."""

    portal: PortalVisit


def _salt() -> bytes:
    config = PortalConfig.objects.filter(pk=1).first()
    if config is None:
        try:
            with transaction.atomic():
                config = PortalConfig.objects.create(pk=1, codename_salt=codename_crypto.new_salt())
        except IntegrityError:
            config = PortalConfig.objects.get(pk=1)
    return bytes(config.codename_salt)


def derive_keys(normalised_codename: str) -> CodenameKeys:
    """The current derivation (about 1 ms): what a new codename is issued under."""
    return codename_crypto.derive(normalised_codename, _salt())


# --- finding the person behind a codename -----------------------------------------------------
#
# Every attempt first takes the current derivation (1 MiB, about 1 ms), which needs no slot: the
# sign-in places (middleware.sign_in_places) already bound how many run at once, and their
# memory (24 x 1 MiB). Only when that finds nobody, and only while identities issued under the
# legacy derivation (64 MiB) remain, is the legacy one tried, in its own lane: at most
# HAVEN_CODENAME_KDF_CONCURRENCY at once installation-wide, taken in turn
# (middleware.codename_derivations). A match is re-keyed on the spot, so each person pays the
# legacy cost once. So a flood of wrong codenames costs at most that lane (one core and 64 MiB
# by default), the people whose codenames are current never wait behind it, and the lane
# closes by itself when the last legacy identity has been re-keyed (or at once with
# HAVEN_CODENAME_LEGACY_SIGN_IN=0, which gives up the legacy codenames nobody has used since).


class SignInBusy(Exception):
    """The legacy lane had no free slot within the wait: answer "busy", nothing was checked."""


def legacy_identities_left() -> bool:
    return PortalIdentity.objects.filter(kdf=codename_crypto.LEGACY).exists()


def identify(normalised_codename: str) -> tuple[PortalIdentity, CodenameKeys] | None:
    """The identity and its keys for a codename, or None. Raises SignInBusy."""
    salt = _salt()
    current = codename_crypto.derive(normalised_codename, salt)
    identity = (
        PortalIdentity.objects.select_related("vault")
        .filter(lookup_id=current.lookup_id, kdf=codename_crypto.CURRENT)
        .first()
    )
    if identity is not None:
        if identity.legacy_private_key is None:
            return identity, current
        keys = codename_crypto.open_legacy_key(
            current,
            bytes(identity.legacy_private_key),
            identity.pk,
            bytes(identity.vault.public_key),
        )
        return (identity, keys) if keys is not None else None
    if not settings.HAVEN_CODENAME_LEGACY_SIGN_IN or not legacy_identities_left():
        return None
    slot = acquire_in_turn(
        codename_derivations(), timeout=settings.HAVEN_PORTAL_SIGNIN_WAIT_SECONDS
    )
    if slot is None:
        raise SignInBusy
    with slot:
        legacy = codename_crypto.derive_legacy(normalised_codename, salt)
    identity = (
        PortalIdentity.objects.select_related("vault")
        .filter(lookup_id=legacy.lookup_id, kdf=codename_crypto.LEGACY)
        .first()
    )
    if identity is None:
        return None
    rekey_identity(identity=identity, current=current, legacy=legacy)
    return identity, CodenameKeys(current.lookup_id, legacy.public_key, legacy._private_key)


def rekey_identity(
    *, identity: PortalIdentity, current: CodenameKeys, legacy: CodenameKeys
) -> None:
    """A legacy identity signed in: from now on the current derivation finds it, and its own key
    pair (everything is sealed to it) is kept sealed under that derivation. Two sign-ins racing
    here both succeed; the first one's row wins. The audit row names nobody: it counts."""
    with transaction.atomic():
        rekeyed = PortalIdentity.objects.filter(pk=identity.pk, kdf=codename_crypto.LEGACY).update(
            lookup_id=current.lookup_id,
            kdf=codename_crypto.CURRENT,
            legacy_private_key=codename_crypto.wrap_legacy_key(current, legacy, identity.pk),
        )
        if rekeyed:
            log_event(action="intake.codename_rekeyed", data={"kdf": codename_crypto.CURRENT})
    identity.lookup_id, identity.kdf = current.lookup_id, codename_crypto.CURRENT


def create_identity(keys: CodenameKeys, *, language: str) -> PortalIdentity:
    vault = Vault.objects.create(
        kind=Vault.Kind.CODENAME, public_key=keys.public_key, sealed_private_key=None
    )
    return PortalIdentity.objects.create(lookup_id=keys.lookup_id, vault=vault, language=language)


# --- no failure throttle -------------------------------------------------------------------
#
# A codename carries >= 90 bits: guessing one online is hopeless at any rate this server can
# answer, and the rate is bounded anyway by the installation-wide cap on codename derivations
# (middleware.codename_derivations). What a flood of wrong codenames does threaten is everyone
# else's sign-in, so failures are not counted at all: a count is a database write per wrong
# guess (SQLite's single write lock, shared with every real sign-in), and a delay for "everyone"
# after a campaign made each returning person wait seconds for ten minutes (issue 14, finding 5).


def pad_to_minimum(started: float) -> None:
    """Every codename attempt takes at least the same time, right or wrong."""
    remaining = settings.HAVEN_PORTAL_MIN_SECONDS - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)


# --- sessions ------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _set_cookie(response: HttpResponse, value: str) -> None:
    # A session cookie (no Expires, no Max-Age): the browser forgets it when it closes, so a
    # phone seized later holds no codename session. The 30 idle minutes are kept on the server
    # (PortalSession.expires_at), where a person cannot be made to extend them.
    response.set_cookie(
        COOKIE,
        value,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Strict",
    )


def start_session(
    response: HttpResponse, identity: PortalIdentity, keys: CodenameKeys, *, language: str
) -> None:
    # Expired sessions go first: their rows hold (useless without the cookie, but still)
    # wrapped keys, and nothing else ever sweeps them.
    PortalSession.objects.filter(expires_at__lt=timezone.now()).delete()
    # They typed their codename, so they have it: the copy kept for a resubmitted help form
    # (see actions.submit_request) has done its job.
    HelpRequest.objects.filter(identity=identity, retry_codename__isnull=False).update(
        retry_codename=None
    )
    token = secrets.token_urlsafe(24)
    secret, blob = keys.session_blob(_hash(token))
    PortalSession.objects.create(
        token_hash=_hash(token),
        identity=identity,
        wrapped_key=blob,
        language=language,
        expires_at=timezone.now() + timedelta(minutes=SESSION_MINUTES),
    )
    _set_cookie(response, f"{token}.{secret}")


def current_visit(request: HttpRequest) -> PortalVisit | None:
    raw = request.COOKIES.get(COOKIE, "")
    token, _dot, secret = raw.partition(".")
    if not token or not secret:
        return None
    session = (
        PortalSession.objects.select_related("identity__vault")
        .filter(token_hash=_hash(token))
        .first()
    )
    if session is None or session.expires_at < timezone.now():
        return None
    identity = session.identity
    keys = codename_crypto.from_session(
        identity.lookup_id,
        bytes(identity.vault.public_key),
        secret,
        session.wrapped_key,
        _hash(token),
    )
    if keys is None:
        return None
    # The idle expiry slides at most once a minute: a write per request would be a second write
    # transaction in every check-in (SQLite serialises writers, each with a sync), for a
    # deadline that moves by seconds. The idle limit is therefore 29 to 30 minutes.
    now = timezone.now()
    if session.expires_at < now + timedelta(minutes=SESSION_MINUTES - 1):
        PortalSession.objects.filter(pk=session.pk).update(
            expires_at=now + timedelta(minutes=SESSION_MINUTES)
        )
    return PortalVisit(identity, keys, session)


def end_session(request: HttpRequest, response: HttpResponse) -> None:
    token = request.COOKIES.get(COOKIE, "").partition(".")[0]
    if token:
        PortalSession.objects.filter(token_hash=_hash(token)).delete()
    response.delete_cookie(COOKIE, samesite="Strict")


def _use_session_language(request: HttpRequest, session: PortalSession) -> None:
    """The signed-in person's language: a `?lang=` they just chose wins and is remembered in the
    session row; otherwise the session's, never the browser's Accept-Language (an English phone
    must not turn a Russian conversation English after a redirect)."""
    chosen = request.GET.get("lang", "")
    if chosen in {code for code, _name in settings.LANGUAGES} and chosen != session.language:
        PortalSession.objects.filter(pk=session.pk).update(language=chosen)
        session.language = chosen
    translation.activate(session.language)
    request.LANGUAGE_CODE = session.language


def with_language(url: str, language: str | None = None) -> str:
    """A portal address that carries the language, for redirects and links."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    return f"{url}{'&' if '?' in url else '?'}lang={language}"


def _sign_in_url(request: HttpRequest) -> str:
    """Where an expired or missing session goes: the sign-in page, in the language the address
    asked for (there is no session left to remember it)."""
    url = reverse("intake-enter")
    chosen = request.GET.get("lang", "")
    return with_language(url, chosen) if chosen in dict(settings.LANGUAGES) else url


def portal_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A portal view for a person signed in with their codename; others go to the sign-in."""

    @wraps(view)
    def wrapped(request: PortalRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        visit = current_visit(request)
        if visit is None:
            to_sign_in = redirect(_sign_in_url(request))
            if COOKIE in request.COOKIES:
                to_sign_in.delete_cookie(COOKIE, samesite="Strict")
            return to_sign_in
        request.portal = visit
        _use_session_language(request, visit.session)
        # The server row slides with each use (current_visit); the cookie has no lifetime of
        # its own to slide.
        return view(request, *args, **kwargs)

    return wrapped
