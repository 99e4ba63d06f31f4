"""Safety views: the watch board, incidents, rosters, channels, safe houses, and the portal's
check-in page."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.access import require_role
from haven.accounts.models import Role
from haven.cases.public import Case, get_case_for_user
from haven.core.http import HavenRequest
from haven.core.registry import Panel
from haven.intake.public import portal_login_required
from haven.safety import actions
from haven.safety.access import (
    channels_of,
    get_channel_for_user,
    get_house_for_user,
    get_incident_for_user,
    get_placement_for_user,
    get_shift_for_user,
    get_watch_for_user,
    open_incidents_for,
    watch_for_portal_identity,
    watch_of_case,
)
from haven.safety.forms import (
    ChannelForm,
    HouseForm,
    HouseStatusForm,
    PinForm,
    PlaceForm,
    ShiftForm,
    StaffCheckInForm,
    WatchForm,
)
from haven.safety.models import (
    STATUS_LABELS,
    OnCallShift,
    SafeHouse,
    SafetyIncident,
    Watch,
)

WATCH_ROLES = (Role.CASEWORKER, Role.COORDINATOR, Role.LAWYER)
HOUSE_ROLES = (Role.CASEWORKER, Role.COORDINATOR)
ROSTER_DAYS = 7  # how far ahead the roster page looks for gaps


@require_GET
@require_role(*WATCH_ROLES)
def board(request: HavenRequest) -> HttpResponse:
    now = timezone.now()
    watches = (
        Watch.objects.filter(case__in=request.keyring.visible(Case.objects.all()))
        .select_related("case")
        .order_by("next_deadline")[:500]
    )
    rows = [
        {"watch": w, "status": status, "label": STATUS_LABELS[status]}
        for w in watches
        for status in [w.get_status(now)]
    ]
    order = {"down": 0, "late": 1, "new": 2, "up": 3, "paused": 4}
    rows.sort(key=lambda r: order[str(r["status"])])
    from haven.alerts.grouping import group_repeats

    # The same alarm raised again for one case (panic pressed twice, a PIN guessed again) is
    # one row with a count; each incident stays reachable from its own page.
    incidents = group_repeats(
        open_incidents_for(request)[:500],
        lambda i: (i.kind, i.reference, i.acknowledged_at is None),
    )[:200]
    if request.keyring.duress:
        rows, incidents = [], []
    return render(
        request,
        "safety/board.html",
        {"rows": rows, "incidents": incidents, "now": now, "checkin_form": StaffCheckInForm()},
    )


@require_GET
@require_role(*WATCH_ROLES)
def incident_detail(request: HavenRequest, incident_id: UUID) -> HttpResponse:
    incident = get_incident_for_user(request, incident_id)
    # The house's code name is shown only to those who hold the house itself.
    house = (
        incident.house
        if incident.house and request.keyring.can_open(incident.house.vault_id)
        else None
    )
    return render(request, "safety/incident.html", {"incident": incident, "house": house})


@require_POST
@require_role(*WATCH_ROLES)
def incident_ack(request: HavenRequest, incident_id: UUID) -> HttpResponse:
    incident = get_incident_for_user(request, incident_id)
    actions.acknowledge(actor=request.user, incident=incident)
    messages.success(request, _("Acknowledged: the alerts stop. Now act, then resolve it."))
    return redirect("safety-incident", incident_id=incident.id)


@require_POST
@require_role(*WATCH_ROLES)
def incident_resolve(request: HavenRequest, incident_id: UUID) -> HttpResponse:
    incident = get_incident_for_user(request, incident_id)
    actions.resolve(actor=request.user, incident=incident)
    messages.success(request, _("Resolved."))
    return redirect("safety-incident", incident_id=incident.id)


@require_http_methods(["GET", "POST"])
@require_role(Role.CASEWORKER, Role.COORDINATOR)
def watch_edit(request: HavenRequest, case_id: UUID) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    watch = watch_of_case(case)
    initial = None
    if watch:
        initial = {
            "interval_minutes": watch.interval_minutes,
            "fixed_times": ", ".join(watch.fixed_times),
            "time_zone": watch.time_zone,
            "grace_minutes": watch.grace_minutes,
            "escalation_step_minutes": watch.escalation_step_minutes,
            "escalation_repeat_minutes": watch.escalation_repeat_minutes,
        }
    form = WatchForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.save_watch(
                actor=request.user,
                case=case,
                interval_minutes=d["interval_minutes"],
                fixed_times=d["fixed_times"],
                time_zone=d["time_zone"],
                grace_minutes=d["grace_minutes"],
                pin=d["pin"] or "",
                duress_pin=d["duress_pin"] or "",
                watch=watch,
                escalation_step_minutes=d.get("escalation_step_minutes"),
                escalation_repeat_minutes=d.get("escalation_repeat_minutes"),
            )
        except actions.SafetyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Check-in schedule saved. Give the person their PINs in person.")
            )
            return redirect("safety-board")
    return render(
        request,
        "safety/watch_form.html",
        {
            "case": case,
            "form": form,
            "watch": watch,
            "status": watch.get_status() if watch else None,
            "status_label": watch.get_status_display() if watch else "",
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@require_role(Role.CASEWORKER, Role.COORDINATOR)
def watch_pause(request: HavenRequest, watch_id: UUID) -> HttpResponse:
    """Pause a watch (the person is with staff, or the watch is over) or resume it; resuming
    starts a fresh period, so a long pause does not raise an alarm the moment it ends."""
    watch = get_watch_for_user(request, watch_id)
    paused = request.POST.get("paused") == "1"
    actions.set_paused(actor=request.user, watch=watch, paused=paused)
    messages.success(request, _("Watch paused.") if paused else _("Watch resumed."))
    return redirect("safety-watch-edit", case_id=watch.case_id)


@require_POST
@require_role(*WATCH_ROLES)
def staff_checkin(request: HavenRequest, watch_id: UUID) -> HttpResponse:
    watch = get_watch_for_user(request, watch_id)
    form = StaffCheckInForm(request.POST)
    if form.is_valid():
        try:
            actions.record_checkin(
                watch=watch,
                method=form.cleaned_data["method"],
                recorded_by=request.user,
                at=form.cleaned_data["at"],
            )
        except actions.SafetyError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Check-in recorded."))
    else:
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, " ".join(errors))
    return redirect("safety-board")


@require_http_methods(["GET", "POST"])
@require_role(Role.COORDINATOR)
def roster(request: HavenRequest) -> HttpResponse:
    form = ShiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.add_shift(
                actor=request.user,
                user=d["user"],
                starts_at=d["starts_at"],
                ends_at=d["ends_at"],
                time_zone=d["time_zone"],
            )
        except actions.SafetyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Shift added."))
            return redirect("safety-roster")
    now = timezone.now()
    gaps = actions.roster_gaps(now, now + dt.timedelta(days=ROSTER_DAYS))
    shifts = OnCallShift.objects.filter(ends_at__gt=now).select_related("user")[:200]
    return render(
        request,
        "safety/roster.html",
        {"form": form, "shifts": shifts, "gaps": gaps},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@require_role(Role.COORDINATOR)
def shift_remove(request: HavenRequest, shift_id: int) -> HttpResponse:
    shift = get_shift_for_user(request, shift_id)
    actions.remove_shift(actor=request.user, shift=shift)
    messages.success(request, _("Shift removed."))
    return redirect("safety-roster")


@require_http_methods(["GET", "POST"])
def channels(request: HavenRequest) -> HttpResponse:
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.add_channel(
            actor=request.user,
            label=form.cleaned_data["label"],
            url=form.cleaned_data["url"],
            priority=form.cleaned_data["priority"],
        )
        messages.success(request, _("Channel added."))
        return redirect("safety-channels")
    mine = channels_of(request)
    return render(
        request,
        "safety/channels.html",
        {"form": form, "channels": mine},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def channel_delete(request: HavenRequest, channel_id: UUID) -> HttpResponse:
    channel = get_channel_for_user(request, channel_id)
    actions.remove_channel(actor=request.user, channel=channel)
    messages.success(request, _("Channel removed."))
    return redirect("safety-channels")


def _house_rows(request: HavenRequest) -> list[tuple[object, int]]:
    houses = list(request.keyring.visible(SafeHouse.objects.all()).order_by("code"))
    readers = request.keyring.readers(houses)
    return [
        (reader, len(actions.current_residents(house)))
        for reader, house in zip(readers, houses, strict=True)
    ]


@require_GET
@require_role(*HOUSE_ROLES)
def houses(request: HavenRequest) -> HttpResponse:
    return render(
        request, "safety/houses.html", {"rows": _house_rows(request), "form": HouseForm()}
    )


@require_POST
@require_role(Role.COORDINATOR)
def house_create(request: HavenRequest) -> HttpResponse:
    form = HouseForm(request.POST)
    house = None
    if form.is_valid():
        try:
            house = actions.create_house(keyring=request.keyring, **form.cleaned_data)
        except actions.SafetyError as exc:
            form.add_error(None, str(exc))
    if house is not None:
        messages.success(
            request,
            _(
                "Safe house %(code)s added. Only you can open it until you share it (two-person rule)."
            )
            % {"code": house.code},
        )
        return redirect("safety-house", house_id=house.id)
    return render(
        request, "safety/houses.html", {"rows": _house_rows(request), "form": form}, status=400
    )


@require_GET
@require_role(*HOUSE_ROLES)
def house_detail(request: HavenRequest, house_id: UUID) -> HttpResponse:
    house = get_house_for_user(request, house_id)
    return _house_page(request, house)


def _house_page(
    request: HavenRequest, house: Any, *, status: int = 200, **forms: Any
) -> HttpResponse:
    """The house page; after a refused change, with the form as it was typed (400)."""
    from haven.cases.public import ApprovalForm

    cases = request.keyring.visible(Case.objects.all()).order_by("reference")
    context = {
        "house": request.keyring.reader(house),
        "residents": actions.current_residents(house),
        "status_form": HouseStatusForm(initial={"status": house.status}),
        "place_form": PlaceForm(cases=cases),
        "approval_form": ApprovalForm(),
        **forms,
    }
    return render(request, "safety/house.html", context, status=status)


@require_POST
@require_role(Role.COORDINATOR)
def house_disclose(request: HavenRequest, house_id: UUID) -> HttpResponse:
    """Sharing a safe house's location with someone new needs a second coordinator."""
    from haven.cases.public import ApprovalForm, ApprovalRequest, CaseError, request_approval

    house = get_house_for_user(request, house_id)
    form = ApprovalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the person and give a reason."))
        return _house_page(request, house, status=400, approval_form=form)
    try:
        request_approval(
            keyring=request.keyring,
            kind=ApprovalRequest.Kind.DISCLOSE_VAULT,
            vault=house.vault,
            target_user=form.cleaned_data["target_user"],
            reason=form.cleaned_data["reason"],
        )
    except CaseError as exc:
        form.add_error(None, str(exc))
        return _house_page(request, house, status=400, approval_form=form)
    messages.success(request, _("Asked a second coordinator to approve."))
    return redirect("safety-house", house_id=house.id)


@require_POST
@require_role(*HOUSE_ROLES)
def house_place(request: HavenRequest, house_id: UUID) -> HttpResponse:
    house = get_house_for_user(request, house_id)
    form = PlaceForm(request.POST, cases=request.keyring.visible(Case.objects.all()))
    if not form.is_valid():
        messages.error(request, _("Choose a case you can open."))
        return _house_page(request, house, status=400, place_form=form)
    try:
        actions.place(actor=request.user, house=house, case=form.cleaned_data["case"])
    except actions.SafetyError as exc:
        # The refusal on the page, next to the form with the case still chosen.
        form.add_error(None, str(exc))
        return _house_page(request, house, status=400, place_form=form)
    messages.success(request, _("Placed."))
    return redirect("safety-house", house_id=house.id)


@require_POST
@require_role(*HOUSE_ROLES)
def placement_end(request: HavenRequest, house_id: UUID, placement_id: UUID) -> HttpResponse:
    """The person has left the house (relocated after a compromise, or moved on)."""
    house = get_house_for_user(request, house_id)
    placement = get_placement_for_user(request, house, placement_id)
    actions.end_placement(actor=request.user, placement=placement)
    messages.success(request, _("Moved out."))
    return redirect("safety-house", house_id=house.id)


@require_POST
@require_role(Role.COORDINATOR)
def house_status(request: HavenRequest, house_id: UUID) -> HttpResponse:
    house = get_house_for_user(request, house_id)
    form = HouseStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return _house_page(request, house, status=400, status_form=form)
    try:
        actions.set_house_status(
            actor=request.user, house=house, status=form.cleaned_data["status"]
        )
    except actions.SafetyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Status changed."))
    return redirect("safety-house", house_id=house.id)


@require_POST
@require_role(Role.COORDINATOR, Role.CASEWORKER)
def house_compromised(request: HavenRequest, house_id: UUID) -> HttpResponse:
    house = get_house_for_user(request, house_id)
    residents = actions.mark_compromised(actor=request.user, house=house)
    messages.warning(
        request,
        _(
            "House locked. %(n)d resident(s) to relocate now; their caseworkers and the coordinators are being alerted."
        )
        % {"n": len(residents)},
    )
    return redirect("safety-house", house_id=house.id)


def watch_panel(request: HavenRequest) -> Panel | None:
    # Shown under duress too (counted from what the keyring sees: nothing), so that the duress
    # workspace has every panel a real empty one has.
    if not request.user.has_role(*WATCH_ROLES):
        return None
    now = timezone.now()
    watches = Watch.objects.filter(case__in=request.keyring.visible(Case.objects.all()))
    statuses = [w.get_status(now) for w in watches[:1000]]
    open_incidents = SafetyIncident.objects.filter(
        resolved_at__isnull=True,
        acknowledged_at__isnull=True,
        case__in=request.keyring.visible(Case.objects.all()),
    ).count()
    return Panel(
        _("Watch"),
        "safety/panel.html",
        {
            "late": statuses.count("late"),
            "down": statuses.count("down"),
            "total": len(statuses),
            "incidents": open_incidents,
        },
        order=5,
    )


# --- the portal -----------------------------------------------------------------------------


@login_not_required
@csrf_exempt  # the portal session cookie is SameSite=Strict; see haven/intake/views_portal.py
@require_http_methods(["GET", "POST"])
@portal_login_required
def portal_checkin(request: HttpRequest) -> HttpResponse:
    identity = request.portal.identity  # type: ignore[attr-defined]
    lang = translation.get_language()
    form = PinForm(request.POST or None)
    done = False
    if request.method == "POST" and form.is_valid():
        if actions.portal_checkin(identity=identity, pin=form.cleaned_data["pin"]):
            done = True
            form = PinForm()
        else:
            form.add_error("pin", _("This PIN is not right. Try again."))
    # Read after the check-in, which moved the next deadline (once per request).
    watch = watch_for_portal_identity(identity)
    return render(
        request,
        "safety/portal_checkin.html",
        {
            "form": form,
            "done": done,
            "has_watch": watch is not None,
            "next_due": _next_due(watch),
            "next_zone": watch.time_zone if watch else "UTC",
            "lang": lang,
        },
    )


def _next_due(watch: Watch | None) -> dt.datetime | None:
    """When the person is next expected to check in (the grace period is not theirs to plan
    with: telling it would only teach them to be late)."""
    if watch is None or watch.state == Watch.State.PAUSED:
        return None
    return watch.expected_at()


@login_not_required
@csrf_exempt  # the portal session cookie is SameSite=Strict; see haven/intake/views_portal.py
@require_http_methods(["GET", "POST"])
@portal_login_required
def portal_panic(request: HttpRequest) -> HttpResponse:
    """Panic in two presses: the button on every signed-in page opens this confirmation (a page,
    so it works without JavaScript), and only the second press alerts. A frightened thumb on a
    small screen must not raise the alarm by accident, nor fail to raise it on purpose."""
    lang = translation.get_language()
    if request.method == "POST" and request.POST.get("confirm") == "1":
        actions.panic(identity=request.portal.identity)  # type: ignore[attr-defined]
        return render(request, "safety/portal_panic.html", {"lang": lang, "done": True})
    return render(request, "safety/portal_panic.html", {"lang": lang, "done": False})
