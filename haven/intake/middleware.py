"""Portal middleware: the visitor's language without a cookie, and admission control."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

PORTAL_LANGUAGES = {code for code, _name in settings.LANGUAGES}


class PortalLanguageMiddleware:
    """`?lang=ru|en` chooses the portal's language. The portal keeps it in its links and form
    actions instead of a cookie: an anonymous visitor must leave nothing in the browser."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        lang = request.GET.get("lang", "")
        if lang in PORTAL_LANGUAGES and not request.path.startswith("/staff/"):
            translation.activate(lang)
            request.LANGUAGE_CODE = lang
        return self.get_response(request)


class TokenBucket:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens, self.stamp = float(burst), time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


def is_new_submission(request: HttpRequest) -> bool:
    return request.method == "POST" and request.path == "/help/"


class AdmissionControlMiddleware:
    """Keeps a flood of new submissions from starving people who already have a codename.

    New submissions (POST /help/) pass a per-process token bucket and a cap on how many are
    processed at once; anything else on the portal (codename sign-in, reading replies, writing
    again, check-ins) is never held back here. A refused submission gets 503 with Retry-After and
    its text shown back; it was never accepted, so nothing accepted is dropped. Each web process
    has its own budget: the total is the per-process budget times the number of processes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.bucket = TokenBucket(
            settings.HAVEN_INTAKE_NEW_PER_SECOND, settings.HAVEN_INTAKE_NEW_BURST
        )
        self.in_flight = threading.BoundedSemaphore(settings.HAVEN_INTAKE_NEW_CONCURRENCY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_new_submission(request):
            return self.get_response(request)
        if not self.bucket.take() or not self.in_flight.acquire(blocking=False):
            return busy(request)
        try:
            return self.get_response(request)
        finally:
            self.in_flight.release()


def busy(request: HttpRequest) -> HttpResponse:
    from haven.intake.forms import HelpForm, form_token

    form = None
    try:
        data = request.POST.copy()
        data["form_token"] = form_token()
        form = HelpForm(
            initial={
                "form_token": data["form_token"],
                **{k: data.get(k, "") for k in ("text", "contact", "felt_urgency")},
            }
        )
    except Exception:  # noqa: BLE001  (an unreadable body still gets the busy page)
        form = None
    response = render(
        request,
        "intake/portal_busy.html",
        {"form": form, "lang": translation.get_language()},
        status=503,
    )
    response["Retry-After"] = "60"
    return response
