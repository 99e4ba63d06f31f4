"""The public portal: ask for help, get a codename, come back with it. No JavaScript, no
cookie until a codename sign-in, nothing from another origin."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.intake import actions, portal
from haven.intake.forms import CodenameForm, HelpForm, WriteForm, form_token, with_page_error
from haven.intake.middleware import busy_sign_in
from haven.intake.models import HelpRequest
from haven.lib import uploads
from haven.ops.public import UPLOAD_MESSAGES as UPLOAD_PROBLEMS

# Portal forms are exempt from Django's CSRF cookie check on purpose: the portal must set no
# cookie before a codename sign-in. Anonymous forms carry a signed token instead (forms.py), and
# the signed-in portal cookie is SameSite=Strict, which browsers never send on a cross-site post.


def _lang(request: HttpRequest) -> str:
    return translation.get_language() or "ru"


def _render(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    return render(request, template, {"lang": _lang(request), **context}, status=status)


def _redirect(url_name: str) -> HttpResponse:
    """A redirect that keeps the person's language in the address (the portal has no cookie
    for it before sign-in, and the next page must not fall back to the browser's language)."""
    return redirect(portal.with_language(reverse(url_name)))


# What a person may attach: pictures and PDFs, recognised by their bytes (haven.lib.uploads).
_CONTENT_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
}


def _upload_error(name: str, problem: str, max_bytes: int) -> str:
    """The person's own words for what is wrong with one file, naming it (they may send several)."""
    named = {"name": name}
    if problem == uploads.EMPTY:
        return _("The file %(name)s is empty.") % named
    if problem == uploads.TOO_LARGE:
        return _("The file %(name)s is larger than %(mb)d MB.") % {
            **named,
            "mb": max_bytes // 2**20,
        }
    if problem in (uploads.UNKNOWN_TYPE, uploads.TYPE_NOT_ALLOWED):
        return _("The file %(name)s is not a picture or a PDF.") % named
    if problem == uploads.IMAGE_TOO_LARGE:
        return _("The picture %(name)s is too large to process.") % named
    reason = UPLOAD_PROBLEMS.get(problem, UPLOAD_PROBLEMS[uploads.CORRUPT])
    return _("%(name)s: %(problem)s") % {**named, "problem": reason}


def _files(form_files: list, errors: list[str]) -> list[actions.UploadedFile]:
    """Every attachment through the hostile-upload inspector (type by content, polyglots, image
    and archive bombs, names); pictures are re-encoded so that EXIF and GPS data stay behind,
    PDFs rebuilt from their pages so that metadata and active content stay behind."""
    max_bytes = settings.HAVEN_INTAKE_MAX_FILE_BYTES
    cleaned = []
    for f in form_files:
        verdict = uploads.inspect_upload(
            f.name or "", f, max_bytes=max_bytes, allowed_kinds=_CONTENT_TYPES
        )
        if verdict.problems:
            errors.append(_upload_error(uploads.sent_name(f.name), verdict.problems[0], max_bytes))
            continue
        kind = verdict.kind or ""
        data = f.read(max_bytes + 1)
        original = None
        try:
            if kind in uploads.IMAGE_KINDS:
                data = uploads.reencode_image(data)
            elif kind == "pdf":
                # The operator gets the pages alone; what was sent stays sealed beside them.
                original, data = data, uploads.strip_pdf(data)
        except ValueError:
            errors.append(_upload_error(uploads.sent_name(f.name), uploads.CORRUPT, max_bytes))
            continue
        cleaned.append(
            actions.UploadedFile(
                verdict.safe_name, _CONTENT_TYPES[kind], data, stripped=True, original=original
            )
        )
    return cleaned


def _too_big(
    request: HttpRequest, template: str, form_class: type, extra: dict | None = None
) -> HttpResponse:
    form = with_page_error(
        form_class(initial={"form_token": form_token()}),
        _(
            "What you sent was too large to accept. Please shorten the text or send fewer or smaller files."
        ),
    )
    return _render(request, template, {"form": form, **(extra or {})}, status=413)


@login_not_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return _render(
        request,
        "intake/portal_home.html",
        {"codename_form": CodenameForm(initial={"form_token": form_token()})},
    )


@login_not_required
@csrf_exempt
@require_http_methods(["GET", "POST"])
def ask_for_help(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _render(
            request,
            "intake/portal_help.html",
            {"form": HelpForm(initial={"form_token": form_token()})},
        )
    try:
        form = HelpForm(request.POST, request.FILES)
        valid = form.is_valid()
    except (RequestDataTooBig, TooManyFieldsSent):
        return _too_big(request, "intake/portal_help.html", HelpForm)
    if valid:
        errors: list[str] = []
        files = _files(form.cleaned_data["attachments"], errors)
        for e in errors:
            form.add_error("attachments", e)
        if not errors:
            try:
                submission = actions.submit_request(
                    text=form.cleaned_data["text"],
                    felt_urgency=form.cleaned_data["felt_urgency"],
                    contact=form.cleaned_data["contact"],
                    files=files,
                    language=_lang(request),
                    form_token=form.unique_token,
                )
            except actions.IntakeClosed:
                return _render(request, "intake/portal_closed.html", {}, status=503)
            # Shown once, only now that the request is committed. Never in a URL or a cookie.
            return _render(
                request,
                "intake/portal_codename.html",
                {
                    "codename": submission.codename,
                    "reference": submission.request.reference,
                    "repeated": submission.repeated,
                    "in_danger": submission.request.felt_urgency == HelpRequest.FeltUrgency.NOW,
                },
            )
    # Keep what the person typed; a fresh token so an expired one does not fail twice.
    data = request.POST.copy()
    data["form_token"] = form_token()
    form.data = data
    return _render(request, "intake/portal_help.html", {"form": form}, status=400)


@login_not_required
@csrf_exempt
@require_http_methods(["GET", "POST"])
def enter(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        visit = portal.current_visit(request)
        if visit is not None:
            return redirect(portal.with_language(reverse("intake-inbox"), visit.session.language))
        return _render(
            request,
            "intake/portal_enter.html",
            {"form": CodenameForm(initial={"form_token": form_token()})},
        )
    started = time.monotonic()
    try:
        form = CodenameForm(request.POST)
        valid = form.is_valid()
    except (RequestDataTooBig, TooManyFieldsSent):
        # Nobody types a codename this long: answer like any other failure, same delay.
        portal.pad_to_minimum(started)
        retry = with_page_error(
            CodenameForm(initial={"form_token": form_token()}),
            _("We could not find this codename. Check each word and try again."),
        )
        return _render(request, "intake/portal_enter.html", {"form": retry, "hints": []})
    check = getattr(form, "check", None)
    identity = keys = None
    if valid and check is not None and check.ok:
        # The current derivation costs about a millisecond; a legacy one waits in turn in its
        # own capped lane, and only while legacy identities remain (portal.identify).
        try:
            found = portal.identify(form.cleaned_data["codename"])
        except portal.SignInBusy:
            return busy_sign_in(request)
        if found is not None:
            identity, keys = found
    portal.pad_to_minimum(started)
    if identity is None or keys is None:
        # One message for every failure; the hints speak only of the word list, never of
        # whether a codename exists.
        retry = CodenameForm(
            {"form_token": form_token(), "codename": request.POST.get("codename", "")}
        )
        if retry.is_valid() or "form_token" in form.errors:
            retry.add_error(
                None, _("We could not find this codename. Check each word and try again.")
            )
        return _render(request, "intake/portal_enter.html", {"form": retry, "hints": _hints(check)})
    response = _redirect("intake-inbox")
    portal.start_session(response, identity, keys, language=_lang(request))
    return response


def _hints(check: Any) -> list[str]:
    hints: list[str] = []
    if check is None or check.ok:
        return hints
    if check.wrong_count:
        hints.append(
            _("A codename has 7 words; you typed %(n)d.") % {"n": len(check.codename.split())}
        )
    for position, suggestion in check.unknown:
        if suggestion:
            hints.append(
                _("Word %(n)d is not one of ours. Did you mean “%(word)s”?")
                % {"n": position, "word": suggestion}
            )
        else:
            hints.append(_("Word %(n)d is not one of ours.") % {"n": position})
    return hints


@login_not_required
@csrf_exempt
@require_GET
@portal.portal_login_required
def inbox(request: portal.PortalRequest) -> HttpResponse:
    visit = request.portal
    messages = actions.conversation_for_person(visit.keys, visit.identity)
    return _render(
        request, "intake/portal_inbox.html", {"conversation": messages, "form": WriteForm()}
    )


@login_not_required
@csrf_exempt
@require_POST
@portal.portal_login_required
def write(request: portal.PortalRequest) -> HttpResponse:
    visit = request.portal
    try:
        form = WriteForm(request.POST, request.FILES)
        valid = form.is_valid()
    except (RequestDataTooBig, TooManyFieldsSent):
        return _too_big(
            request,
            "intake/portal_inbox.html",
            WriteForm,
            {
                "conversation": actions.conversation_for_person(visit.keys, visit.identity),
                "lang_path": reverse("intake-inbox"),
            },
        )
    if valid:
        errors: list[str] = []
        files = _files(form.cleaned_data["attachments"], errors)
        for e in errors:
            form.add_error("attachments", e)
        if not errors:
            actions.write_again(
                identity=visit.identity, text=form.cleaned_data["text"], files=files
            )
            return _redirect("intake-inbox")
    conversation = actions.conversation_for_person(visit.keys, visit.identity)
    return _render(
        request,
        "intake/portal_inbox.html",
        # The language switch must lead to the inbox: /inbox/write/ takes only posts.
        {"conversation": conversation, "form": form, "lang_path": reverse("intake-inbox")},
        status=400,
    )


@login_not_required
@require_GET
def quick_exit(request: HttpRequest) -> HttpResponse:
    """ "Leave this site" for a signed-in person: end the codename session (server row and
    cookie) on the way out, so the back button shows a sign-in page, not their conversation.
    Anonymous pages link to the harmless site directly (one hop fewer over Tor)."""
    response = redirect(settings.HAVEN_QUICK_EXIT_URL)
    portal.end_session(request, response)
    return response


@login_not_required
@csrf_exempt
@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    response = _redirect("intake-home")
    portal.end_session(request, response)
    return response
