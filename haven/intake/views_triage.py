"""The hotline's triage inbox: operators holding the intake vault's grant."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from haven.accounts.access import require_role
from haven.accounts.models import Role
from haven.core.http import HavenRequest
from haven.core.registry import Panel, call_hooks
from haven.intake import actions
from haven.intake.access import get_attachment_for_user, get_request_for_user
from haven.intake.forms import OpenCaseForm, ReplyForm, UrgencyForm
from haven.intake.models import HelpRequest
from haven.lib import uploads
from haven.vault.actions import GrantError
from haven.vault.models import Vault

TRIAGE_ROLES = (Role.OPERATOR, Role.COORDINATOR)
URGENCY_ORDER = {"urgent": 0, "high": 1, "normal": 2}


def _rank(field: str, order: dict[str, int], default: int) -> Case:
    return Case(
        *(When(**{field: value}, then=Value(rank)) for value, rank in order.items()),
        default=Value(default),
        output_field=IntegerField(),
    )


def in_triage_order(rows: QuerySet[HelpRequest]) -> QuerySet[HelpRequest]:
    """Most urgent first; within an urgency, what nobody has read yet, then what still waits for
    an answer, each longest-waiting first. An unread urgent request is always at the top."""
    return rows.annotate(
        urgency_rank=_rank("urgency", URGENCY_ORDER, len(URGENCY_ORDER)),
        unread_rank=_rank("status", {HelpRequest.Status.NEW: 0}, 1),
        waiting_rank=_rank(
            "status",
            {
                HelpRequest.Status.NEW: 0,
                HelpRequest.Status.READ: 0,
                HelpRequest.Status.REPLIED: 1,
            },
            2,
        ),
    ).order_by("urgency_rank", "unread_rank", "waiting_rank", "last_message_at", "created_at")


@require_GET
@require_role(*TRIAGE_ROLES)
def triage(request: HavenRequest) -> HttpResponse:
    show = request.GET.get("show", "open")
    rows = request.keyring.visible(HelpRequest.objects.all())
    if show == "open":
        rows = rows.exclude(status=HelpRequest.Status.CASE_OPENED)
    rows = in_triage_order(rows.annotate(message_count=Count("messages")))[:200]
    has_vault = Vault.objects.current(Vault.Kind.INTAKE) is not None
    return render(
        request,
        "intake/triage_list.html",
        {
            "rows": rows,
            "show": show,
            "has_vault": has_vault,
            "can_open": request.keyring.vault_ids(),
        },
    )


@require_GET
@require_role(*TRIAGE_ROLES)
def triage_detail(request: HavenRequest, request_id: UUID) -> HttpResponse:
    help_request = get_request_for_user(request, request_id)
    actions.mark_read(actor=request.user, request=help_request)
    return _with_form(request, help_request, status=200)


@require_POST
@require_role(*TRIAGE_ROLES)
def triage_urgency(request: HavenRequest, request_id: UUID) -> HttpResponse:
    help_request = get_request_for_user(request, request_id)
    form = UrgencyForm(request.POST)
    if form.is_valid():
        actions.set_urgency(
            actor=request.user, request=help_request, urgency=form.cleaned_data["urgency"]
        )
        messages.success(request, _("Urgency saved."))
    else:
        messages.error(request, _("Choose an urgency from the list."))
    return redirect("intake-triage-detail", request_id=help_request.id)


@require_POST
@require_role(*TRIAGE_ROLES)
def triage_reply(request: HavenRequest, request_id: UUID) -> HttpResponse:
    help_request = get_request_for_user(request, request_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        actions.reply(actor=request.user, request=help_request, text=form.cleaned_data["text"])
        messages.success(request, _("Reply sent. The person reads it with their codename."))
        return redirect("intake-triage-detail", request_id=help_request.id)
    return _with_form(request, help_request, reply_form=form, status=400)


def _registry_matches(request: HavenRequest, help_request: HelpRequest) -> list[object]:
    """Names in the request looked up in the missing-persons registry, if it is installed."""
    return [
        m for found in call_hooks("request_registry_matches", request, help_request) for m in found
    ]


def _with_form(
    request: HavenRequest, help_request: HelpRequest, *, status: int, **forms: object
) -> HttpResponse:
    opened = request.keyring.open(help_request.vault)
    conversation = [
        {
            "message": m,
            "body": opened.unseal(m, "body"),
            "contact": opened.unseal(m, "contact"),
            "attachments": [
                (a, meta, _has_original(meta))
                for a in m.attachments.all()
                for meta in [opened.unseal(a, "meta")]
            ],
        }
        for m in help_request.messages.select_related("author").prefetch_related("attachments")
    ]
    context = {
        "req": help_request,
        "conversation": conversation,
        "reply_form": ReplyForm(),
        "urgency_form": UrgencyForm(initial={"urgency": help_request.urgency}),
        "case_form": OpenCaseForm(),
        "registry_matches": _registry_matches(request, help_request),
        # The channel the request came through and each reply's delivery (haven.channels).
        "channel_status": [
            row
            for rows in call_hooks("request_channel_status", request, help_request)
            for row in rows
        ],
        "is_coordinator": request.user.has_role(Role.COORDINATOR),
        **forms,
    }
    return render(request, "intake/triage_detail.html", context, status=status)


@require_POST
@require_role(*TRIAGE_ROLES)
def triage_open_case(request: HavenRequest, request_id: UUID) -> HttpResponse:
    help_request = get_request_for_user(request, request_id)
    form = OpenCaseForm(request.POST)
    if form.is_valid():
        try:
            case = actions.open_case(
                keyring=request.keyring,
                request=help_request,
                caseworker=form.cleaned_data["caseworker"],
            )
        except (ValueError, GrantError) as exc:
            form.add_error("caseworker", str(exc))
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Case %(ref)s opened.") % {"ref": case.reference})
            return redirect("intake-triage-detail", request_id=help_request.id)
    return _with_form(request, help_request, case_form=form, status=400)


def _has_original(meta: dict[str, object]) -> bool:
    """A PDF keeps what was sent: in `original` since working copies were made, or still in
    `content` for one stored before (then `metadata_stripped` is false)."""
    return meta.get("type") == "application/pdf" and (
        meta.get("original_size") is not None or not meta.get("metadata_stripped")
    )


@require_GET
@require_role(*TRIAGE_ROLES)
def triage_attachment(request: HavenRequest, request_id: UUID, attachment_id: UUID) -> HttpResponse:
    """The working copy, always. `?copy=original` gives a coordinator the PDF exactly as it was
    sent (it may run JavaScript and names its author): deliberately, and audited."""
    help_request = get_request_for_user(request, request_id)
    attachment = get_attachment_for_user(request, help_request, attachment_id)
    opened = request.keyring.open(help_request.vault)
    meta = opened.unseal(attachment, "meta")
    if request.GET.get("copy") == "original":
        if not request.user.has_role(Role.COORDINATOR):
            raise PermissionDenied
        if not _has_original(meta):
            raise Http404
        data = opened.unseal(attachment, "original")
        if data is None:
            data = opened.unseal(attachment, "content")  # stored before working copies
        actions.note_original_download(
            actor=request.user, request=help_request, attachment=attachment
        )
        name = "original"
    else:
        data = opened.unseal(attachment, "content")
        if meta.get("type") == "application/pdf" and not meta.get("metadata_stripped"):
            # Stored before PDFs got a working copy: make one now rather than pass it through.
            try:
                data = uploads.strip_pdf(data)
            except ValueError:
                messages.error(
                    request,
                    _(
                        "This PDF cannot be rebuilt without its active content, so it is not offered for download. A coordinator can download the original deliberately."
                    ),
                )
                return redirect("intake-triage-detail", request_id=help_request.id)
        name = "attachment"
    response = HttpResponse(data, content_type=meta["type"])
    # Always a download: never rendered in the staff origin.
    response["Content-Disposition"] = f"attachment; filename={name}"
    return response


@require_POST
@require_role(Role.COORDINATOR)
def triage_setup(request: HavenRequest) -> HttpResponse:
    actions.set_up_intake_vault(actor=request.user, keyring=request.keyring)
    messages.success(
        request, _("The intake vault is ready. Grant it to the operators from their account pages.")
    )
    return redirect("intake-triage")


def triage_panel(request: HavenRequest) -> Panel | None:
    """Dashboard: unread urgent requests, for operators and coordinators who hold the intake grant."""
    if not request.user.has_role(*TRIAGE_ROLES):
        return None
    rows = request.keyring.visible(HelpRequest.objects.all())
    counts = rows.aggregate(
        new=Count("id", filter=Q(status=HelpRequest.Status.NEW)),
        urgent=Count(
            "id", filter=Q(status=HelpRequest.Status.NEW, urgency=HelpRequest.Urgency.URGENT)
        ),
    )
    return Panel(_("Requests for help"), "intake/triage_panel.html", counts, order=10)
