"""Portal middleware: the visitor's language without a cookie, and admission control."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from haven.lib.admission import SharedBudget

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


def is_new_submission(request: HttpRequest) -> bool:
    return request.method == "POST" and request.path == "/help/"


def new_submission_budget() -> SharedBudget:
    """The installation-wide budget for new submissions, shared by every process through files
    under the data directory (see haven/lib/admission and docs/intake.md)."""
    directory = (
        getattr(settings, "HAVEN_ADMISSION_DIR", "") or Path(settings.DATA_DIR) / "admission"
    )
    return SharedBudget(
        Path(directory),
        "new-submissions",
        slots=settings.HAVEN_INTAKE_NEW_CONCURRENCY,
        rate=settings.HAVEN_INTAKE_NEW_PER_SECOND,
        burst=settings.HAVEN_INTAKE_NEW_BURST,
    )


def is_codename_sign_in(request: HttpRequest) -> bool:
    return request.method == "POST" and request.path == "/enter/"


def _admission_directory() -> Path:
    return Path(
        getattr(settings, "HAVEN_ADMISSION_DIR", "") or Path(settings.DATA_DIR) / "admission"
    )


def sign_in_places() -> SharedBudget:
    """How many codename sign-ins may be in the web server at once, installation-wide. Taken
    without waiting: the threads beyond these stay free for people already signed in (reading
    replies, writing, checking in, pressing panic), whatever a flood of wrong codenames does."""
    return SharedBudget(
        _admission_directory(),
        "codename-sign-in-places",
        slots=settings.HAVEN_PORTAL_SIGNIN_PLACES,
        rate=0,
        burst=0,
    )


def codename_derivations() -> SharedBudget:
    """The legacy codename derivations (Argon2id, 64 MiB) that run at once, installation-wide: the
    only expensive step a wrong codename can cause, and only while legacy identities remain
    (portal.identify). A sign-in waits for one in turn (haven.lib.admission.acquire_in_turn), so
    a flood queues behind a real person instead of crowding the cores around them."""
    return SharedBudget(
        _admission_directory(),
        "codename-derivations",
        slots=settings.HAVEN_CODENAME_KDF_CONCURRENCY,
        rate=0,
        burst=0,
    )


class AdmissionControlMiddleware:
    """Keeps a flood of new submissions from starving people who already have a codename.

    A new submission (POST /help/) must take one of a few slots shared by all web processes and a
    token from a shared bucket before its body is even read; when either is out, it gets the busy
    page (503, Retry-After) at once, for the cost of two small file locks. Everything else on the
    portal (codename sign-in, reading replies, writing again, check-ins, panic) never waits here,
    so the web server's remaining threads are always theirs. A refused submission was never
    accepted; its text is shown back so the person can send it again. Nothing accepted is
    dropped: a submission holding a slot runs to its commit like any other request.

    Codename sign-ins (POST /enter/) each take one of `HAVEN_PORTAL_SIGNIN_PLACES` places (busy
    page when none is free), so wrong-codename floods never take every thread; a legacy
    derivation then waits in turn for its own slot (portal.identify), so it never pushes ahead
    of a real codename holder."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_codename_sign_in(request):
            # The returning lane's own budget: a codename sign-in costs a derivation, so a flood
            # of wrong codenames may hold at most these places; the view then waits in turn for
            # a derivation slot (views_portal.enter).
            place = sign_in_places().try_acquire()
            if place is None:
                return busy_sign_in(request)
            with place:
                return self.get_response(request)
        if not is_new_submission(request):
            return self.get_response(request)
        slot = new_submission_budget().try_acquire()
        if slot is None:
            return busy(request)
        with slot:
            return self.get_response(request)


# Echo the typed text on the busy page only for bodies this small: parsing a large upload would
# spend the very capacity the busy page exists to save.
ECHO_MAX_BYTES = 2 * 1024 * 1024


def busy(request: HttpRequest) -> HttpResponse:
    """The busy page. Deliberately cheap (a flood is made of these): a small template with the
    typed text put back in plain fields, no form machinery."""
    from haven.intake.forms import form_token
    from haven.intake.models import HelpRequest

    echo = {"text": "", "contact": "", "felt_urgency": HelpRequest.FeltUrgency.DAYS}
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) <= ECHO_MAX_BYTES:
            felt = request.POST.get("felt_urgency", "")
            echo = {
                "text": request.POST.get("text", "")[: settings.HAVEN_INTAKE_MAX_TEXT],
                "contact": request.POST.get("contact", "")[:500],
                "felt_urgency": felt
                if felt in HelpRequest.FeltUrgency.values
                else echo["felt_urgency"],
            }
    except Exception:  # noqa: BLE001, S110  (an unreadable body still gets the busy page)
        pass
    response = render(
        request,
        "intake/portal_busy.html",
        {**echo, "form_token": form_token(), "lang": translation.get_language()},
        status=503,
    )
    response["Retry-After"] = "60"
    # An expected answer under load, not a server error: without this Django would write an
    # ERROR line per refused visitor, and a flood would become a flood of log lines.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def busy_sign_in(request: HttpRequest) -> HttpResponse:
    """The codename sign-in's busy page (503): the sign-in form again with the codename as typed,
    so that pressing the button once more is all it takes. Nothing was checked."""
    from haven.intake.forms import CodenameForm, form_token, with_page_error

    codename = ""
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) <= 4096:
            codename = request.POST.get("codename", "")[:400]
    except Exception:  # noqa: BLE001, S110  (an unreadable body still gets the busy page)
        pass
    form = with_page_error(
        CodenameForm(initial={"form_token": form_token(), "codename": codename}),
        _("We are very busy right now. Please wait a moment and press Sign in again."),
    )
    response = render(
        request,
        "intake/portal_enter.html",
        {"form": form, "hints": [], "lang": translation.get_language()},
        status=503,
    )
    response["Retry-After"] = "30"
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response
