"""Surviving a surge: the waiting-time rule, claims, canned replies and the queue's figures.

Writes here are actions like those in actions.py (keyword-only arguments, one transaction, the
audit event inside it). The waiting-time sweep is called by the safety worker (`haven worker`,
haven/safety/worker.py), which holds no key: it reads only urgencies, times and ids, and every
alert it raises is claimed with a conditional UPDATE, so two workers never alert twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from haven.alerts.actions import notify
from haven.audit.log import log_event
from haven.intake.models import CannedReply, HelpRequest, TriageRules
from haven.lib.errors import ActionError
from haven.vault.keyring import seal_box
from haven.vault.models import Vault

if TYPE_CHECKING:
    from haven.accounts.models import User

URGENCIES = [u.value for u in HelpRequest.Urgency]
# One notification kind per urgency (haven.alerts.models.Notification.Kind), so the alert says
# the urgency in words; its reference is the wait in minutes. Nothing else: no content, no
# request reference, no contact (invariant 4).
WAIT_KINDS = {"urgent": "urgent_waiting", "high": "high_waiting", "normal": "normal_waiting"}
BATCH = 500


class ClaimedByOther(ActionError):
    """Another operator is answering this person; taking over must be explicit."""


def rules() -> TriageRules:
    return TriageRules.current()


def save_rules(
    *,
    actor: User,
    urgent_minutes: int,
    high_minutes: int,
    normal_minutes: int,
    claim_minutes: int,
) -> TriageRules:
    with transaction.atomic():
        saved, _created = TriageRules.objects.update_or_create(
            pk=1,
            defaults={
                "urgent_minutes": urgent_minutes,
                "high_minutes": high_minutes,
                "normal_minutes": normal_minutes,
                "claim_minutes": claim_minutes,
                "updated_at": timezone.now(),
            },
        )
        log_event(
            actor=actor,
            action="intake.rules",
            object_type="triage_rules",
            object_id="1",
            data={
                "urgent": urgent_minutes,
                "high": high_minutes,
                "normal": normal_minutes,
                "claim": claim_minutes,
            },
        )
    return saved


# --- the queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueLine:
    urgency: str
    label: str
    waiting: int
    oldest_since: dt.datetime | None
    threshold_minutes: int
    overdue: bool  # the longest wait is past the urgency's waiting time


def queue_summary(
    rows: QuerySet[HelpRequest], now: dt.datetime, current: TriageRules | None = None
) -> list[QueueLine]:
    """How many requests wait for an answer and since when, per urgency: one aggregate query
    over the waiting index (the triage header is read under load, on every refresh)."""
    current = current or rules()
    # GROUP BY over the partial waiting index, which also holds the vault that the keyring
    # filters on: the index alone answers, without reading a row.
    grouped = (
        rows.filter(waiting_since__isnull=False)
        .order_by()
        .values("urgency")
        .annotate(n=Count("*"), oldest=Min("waiting_since"))
    )
    figures: dict[str, Any] = {}
    for group in grouped:
        figures[f"{group['urgency']}_n"] = group["n"]
        figures[f"{group['urgency']}_oldest"] = group["oldest"]
    return [
        QueueLine(
            urgency=u,
            label=str(HelpRequest.Urgency(u).label),
            waiting=figures.get(f"{u}_n", 0),
            oldest_since=figures.get(f"{u}_oldest"),
            threshold_minutes=current.minutes_for(u),
            overdue=figures.get(f"{u}_oldest") is not None
            and now - figures[f"{u}_oldest"] >= dt.timedelta(minutes=current.minutes_for(u)),
        )
        for u in URGENCIES
    ]


# --- claims --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    user_id: int
    username: str
    at: dt.datetime

    def minutes_ago(self, now: dt.datetime) -> int:
        return max(0, int((now - self.at).total_seconds() // 60))


def claim_cutoff(now: dt.datetime, current: TriageRules | None = None) -> dt.datetime:
    return now - dt.timedelta(minutes=(current or rules()).claim_minutes)


def active_claim(
    request: HelpRequest, now: dt.datetime, current: TriageRules | None = None
) -> Claim | None:
    """Who is answering the person now; a claim older than the timeout counts as released."""
    if request.claimed_by_id is None or request.claimed_at is None:
        return None
    if request.claimed_at <= claim_cutoff(now, current):
        return None
    holder = request.claimed_by
    return Claim(request.claimed_by_id, holder.username if holder else "", request.claimed_at)


def _refused(claim: Claim, now: dt.datetime) -> ClaimedByOther:
    minutes = claim.minutes_ago(now)
    return ClaimedByOther(
        ngettext(
            "%(user)s claimed this request %(n)d minute ago and may be answering the person now. Take it over explicitly if you must answer.",
            "%(user)s claimed this request %(n)d minutes ago and may be answering the person now. Take it over explicitly if you must answer.",
            minutes,
        )
        % {"user": claim.username, "n": minutes}
    )


def claim_request(
    *, actor: User, request: HelpRequest, take_over: bool = False, now: dt.datetime | None = None
) -> bool:
    """Claim the request for `actor`. Race-safe: the claim is one conditional UPDATE, so of two
    operators pressing at once exactly one wins and the other is told who did. Taking over
    another's live claim must be asked for and is audited with whom it was taken from. Returns
    whether a claim was written (False: the actor already held it)."""
    now = now or timezone.now()
    current = rules()
    with transaction.atomic():
        fresh = HelpRequest.objects.select_related("claimed_by").get(pk=request.pk)
        held = active_claim(fresh, now, current)
        if held is not None and held.user_id == actor.pk:
            HelpRequest.objects.filter(pk=request.pk, claimed_by=actor).update(claimed_at=now)
            _copy_claim(request, actor, now)
            return False
        if held is not None and not take_over:
            raise _refused(held, now)
        free = Q(claimed_by__isnull=True) | Q(claimed_at__isnull=True)
        free |= Q(claimed_at__lte=claim_cutoff(now, current))
        if held is not None:
            # The take-over still compares and sets: if the holder changed meanwhile, the
            # operator is shown the new holder rather than taking from someone they never saw.
            free = Q(claimed_by_id=held.user_id, claimed_at=held.at)
        won = (
            HelpRequest.objects.filter(free, pk=request.pk)
            .exclude(status=HelpRequest.Status.CASE_OPENED)
            .update(claimed_by=actor, claimed_at=now)
        )
        if not won:
            fresh = HelpRequest.objects.select_related("claimed_by").get(pk=request.pk)
            other = active_claim(fresh, now, current)
            if other is None:  # a case was opened meanwhile
                raise ClaimedByOther(_("A case is already open for this request."))
            raise _refused(other, now)
        log_event(
            actor=actor,
            action="intake.claim_take_over" if held is not None else "intake.claim",
            object_type="request",
            object_id=request.reference,
            data={"from": held.user_id} if held is not None else {},
        )
    _copy_claim(request, actor, now)
    return True


def _copy_claim(request: HelpRequest, actor: User | None, now: dt.datetime | None) -> None:
    request.claimed_by, request.claimed_at = actor, now


def release_claim(*, actor: User, request: HelpRequest) -> bool:
    """The holder lets the request go (answering releases it too, in actions.reply)."""
    with transaction.atomic():
        released = HelpRequest.objects.filter(pk=request.pk, claimed_by=actor).update(
            claimed_by=None, claimed_at=None
        )
        if released:
            log_event(
                actor=actor,
                action="intake.claim_release",
                object_type="request",
                object_id=request.reference,
            )
            _copy_claim(request, None, None)
    return bool(released)


def check_claim_for_reply(*, actor: User, request: HelpRequest, take_over: bool) -> None:
    """Called inside actions.reply's transaction: a reply to a request someone else is
    answering is refused (nothing is sent) unless the operator takes it over."""
    now = timezone.now()
    fresh = HelpRequest.objects.select_related("claimed_by").get(pk=request.pk)
    held = active_claim(fresh, now)
    if held is None or held.user_id == actor.pk:
        return
    if not take_over:
        raise _refused(held, now)
    claim_request(actor=actor, request=request, take_over=True, now=now)


# --- the waiting-time rule -----------------------------------------------------------------


def due_wait_alerts(now: dt.datetime) -> list[tuple[Any, dt.datetime, str]]:
    """Requests that have waited past their urgency's threshold and whose current wait has not
    been alerted: (id, waiting_since, urgency). Over the waiting index, never a scan."""
    current = rules()
    due = Q()
    for u in URGENCIES:
        due |= Q(urgency=u, waiting_since__lte=now - dt.timedelta(minutes=current.minutes_for(u)))
    found = (
        HelpRequest.objects.filter(due, waiting_since__isnull=False, wait_alerted_at__isnull=True)
        .exclude(status=HelpRequest.Status.CASE_OPENED)
        .order_by("waiting_since")
        .values_list("id", "waiting_since", "urgency")[:BATCH]
    )
    # waiting_since is never None here (filtered above).
    return [(rid, since, u) for rid, since, u in found if since is not None]


def raise_wait_alert(
    *,
    request_id: Any,
    waiting_since: dt.datetime,
    urgency: str,
    now: dt.datetime,
    recipients: Iterable[User],
) -> int:
    """Alert the on-duty operators that a request of this urgency has waited N minutes. The
    claim is a conditional UPDATE on the wait it was found with: a second worker, or a reply
    that ended the wait meanwhile, makes it miss. Run inside the caller's transaction."""
    claimed = HelpRequest.objects.filter(
        pk=request_id, waiting_since=waiting_since, wait_alerted_at__isnull=True
    ).update(wait_alerted_at=now)
    if not claimed:
        return 0
    minutes = max(0, int((now - waiting_since).total_seconds() // 60))
    people = list(recipients)
    notify(
        recipients=people,
        kind=WAIT_KINDS.get(urgency, WAIT_KINDS["normal"]),
        reference=f"{minutes} min",
        link=f"/staff/intake/{request_id}/",
    )
    reference = HelpRequest.objects.filter(pk=request_id).values_list("reference", flat=True)
    log_event(
        action="intake.wait_alert",
        object_type="request",
        object_id=reference.first() or "",
        data={"urgency": urgency, "minutes": minutes, "recipients": len(people)},
    )
    return 1


def start_waiting(request: HelpRequest, now: dt.datetime) -> list[str]:
    """The person wrote: a new wait begins unless one is already running (the oldest
    unanswered message counts). Returns the fields to save."""
    if request.waiting_since is not None or request.case_id:
        return []
    request.waiting_since, request.wait_alerted_at = now, None
    return ["waiting_since", "wait_alerted_at"]


def end_waiting(request: HelpRequest) -> list[str]:
    """A staff member answered (or opened a case): the wait and any claim end."""
    request.waiting_since = request.wait_alerted_at = None
    request.claimed_by, request.claimed_at = None, None
    return ["waiting_since", "wait_alerted_at", "claimed_by", "claimed_at"]


# --- canned replies ------------------------------------------------------------------------


def save_canned_reply(
    *,
    actor: User,
    vault: Vault,
    title: str,
    text_ru: str,
    text_en: str,
    position: int = 0,
    canned: CannedReply | None = None,
) -> CannedReply:
    """Create or change a canned reply, sealed to the intake vault's public key."""
    with transaction.atomic():
        row = canned or CannedReply(vault=vault)
        seal_box(row, title=title, text_ru=text_ru, text_en=text_en)
        row.position, row.updated_at = position, timezone.now()
        row.save()
        log_event(
            actor=actor,
            action="intake.canned_reply_save",
            object_type="canned_reply",
            object_id=str(row.pk),
            data={"new": canned is None},
        )
    return row


def delete_canned_reply(*, actor: User, canned: CannedReply) -> None:
    with transaction.atomic():
        pk = str(canned.pk)
        canned.delete()
        log_event(
            actor=actor,
            action="intake.canned_reply_delete",
            object_type="canned_reply",
            object_id=pk,
        )


def canned_text(opened: Any, canned: CannedReply, language: str) -> str:
    """The canned reply in the person's language (the other one if that is empty)."""
    first, second = ("text_en", "text_ru") if language == "en" else ("text_ru", "text_en")
    return opened.unseal(canned, first) or opened.unseal(canned, second) or ""
