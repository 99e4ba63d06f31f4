"""Per-request staff session: lifetime limits, the key cookie, and the request's keyring."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from haven.audit.log import record
from haven.vault.keyring import PROCESS_KEY_STORE, Keyring, SessionKeyCache
from haven.vault.userkeys import open_session

if TYPE_CHECKING:
    # The request this middleware makes: it sets `keyring` on every request (annotations only;
    # accounts sits below core in the layers).
    from haven.core.http import HavenRequest

SESSION_KEY = "haven_key"
SESSION_KEY_ID = "haven_key_id"
SESSION_LOGIN_AT = "haven_login_at"
SESSION_SEEN_AT = "haven_seen_at"
SESSION_DURESS = "haven_duress"
SESSION_VAULT_CACHE = "haven_vault_keys"  # no longer written; see keyring.ProcessKeyStore
SEEN_AT_RESOLUTION_SECONDS = 60


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HavenRequest) -> HttpResponse:
        request.keyring = Keyring.empty()
        ended = self._check(request)
        try:
            response = self.get_response(request)
        finally:
            keyring = request.keyring
            keyring.flush_audit()
        if ended:
            response.delete_cookie(settings.HAVEN_KEY_COOKIE_NAME, samesite="Strict")
        return response

    def _check(self, request: HavenRequest) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        session = request.session
        now = time.time()
        reason = ""
        if now - float(session.get(SESSION_LOGIN_AT, 0)) > settings.HAVEN_SESSION_MAX_SECONDS:
            reason = "lifetime"
        elif now - float(session.get(SESSION_SEEN_AT, 0)) > settings.HAVEN_IDLE_TIMEOUT_SECONDS:
            reason = "idle"
        duress = bool(session.get(SESSION_DURESS))
        opened = None
        binding = f"{user.pk}|{session.get(SESSION_KEY_ID, '')}"
        if not reason and not duress:
            cookie = request.COOKIES.get(settings.HAVEN_KEY_COOKIE_NAME, "")
            opened = open_session(cookie, session.get(SESSION_KEY, ""), binding)
            if opened is None:
                reason = "key"
        if reason:
            record(
                actor=user,
                action="session.end",
                object_type="user",
                object_id=user.pk,
                data={"reason": reason},
            )
            logout(request)
            if reason == "key":
                messages.warning(
                    request, _("Your session could not be unlocked. Please sign in again.")
                )
            else:
                messages.info(request, _("Your session has ended. Please sign in again."))
            return True
        # The last-seen time is written at most once a minute: rewriting the session row on
        # every request was a write transaction per page view. The idle timeout is measured
        # from the recorded time, so a session ends up to a minute *earlier*, never later.
        if now - float(session.get(SESSION_SEEN_AT, 0)) >= SEEN_AT_RESOLUTION_SECONDS:
            session[SESSION_SEEN_AT] = now
        if opened is None:
            request.keyring = Keyring(user, None, duress=duress)
        else:
            # Sessions from before the cache left the session row: drop it once.
            session.pop(SESSION_VAULT_CACHE, None)
            cache = SessionKeyCache(PROCESS_KEY_STORE, opened[1], binding)
            request.keyring = Keyring(user, opened[0], duress=duress, session_cache=cache)
        return False
