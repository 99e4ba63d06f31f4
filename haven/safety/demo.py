"""Demo safe houses, watches in every state, a roster, and an open alarm for the lawyer."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from haven.cases.public import Case
from haven.core.demo import DemoContext
from haven.safety import actions
from haven.safety.channels import seal_url
from haven.safety.models import Channel, Watch


def load(ctx: DemoContext) -> None:
    coordinator, lawyer = ctx.users["coordinator"], ctx.users["lawyer"]
    ring = ctx.keyring("coordinator")
    now = timezone.now()
    north = actions.create_house(
        keyring=ring,
        code="Берёза",
        capacity=3,
        address="ул. Садовая, д. 10, кв. 4 (вымышленный адрес)",
        access_instructions="Код домофона 1234; спросить Марину",
        host_contact="+7 900 000-00-00",
    )
    actions.create_house(
        keyring=ring,
        code="Oak",
        capacity=2,
        address="12 Example Street, Tbilisi (fictional)",
        access_instructions="",
        host_contact="",
    )
    cases = {c.state: c for c in ring.visible(Case.objects.all())}
    for state in ("sheltered", "documents"):
        if state in cases:
            actions.place(actor=coordinator, house=north, case=cases[state])
    for user in (coordinator, lawyer, ctx.users["caseworker"]):
        channel = Channel(user=user, label="Demo outbox", priority=1)
        channel.encrypted_url = seal_url(channel.id, "outbox://demo")
        channel.save()
    actions.add_shift(
        actor=coordinator,
        user=lawyer,
        starts_at=now - dt.timedelta(hours=2),
        ends_at=now + dt.timedelta(days=2),
        time_zone="Europe/Moscow",
    )
    plan = [
        ("sheltered", 12 * 60, "up"),
        ("documents", 24 * 60, "late"),
        ("in_transit", 6 * 60, "down"),
        ("planning", 12 * 60, "new"),
    ]
    for state, minutes, wanted in plan:
        if state not in cases:
            continue
        watch = actions.save_watch(
            actor=coordinator,
            case=cases[state],
            interval_minutes=minutes,
            fixed_times=[],
            time_zone="Europe/Moscow",
            grace_minutes=60,
            pin="2468",
            duress_pin="1357",
        )
        if wanted == "up":
            actions.record_checkin(
                watch=watch, method="phone", recorded_by=coordinator, at=now - dt.timedelta(hours=1)
            )
        elif wanted == "late":
            actions.record_checkin(
                watch=watch,
                method="phone",
                recorded_by=coordinator,
                at=now - dt.timedelta(minutes=minutes + 20),
            )
        elif wanted == "down":
            actions.record_checkin(
                watch=watch,
                method="phone",
                recorded_by=coordinator,
                at=now - dt.timedelta(minutes=minutes + 90),
            )
    from haven.safety.worker import run_once

    run_once(now)  # the down watch becomes an alarm: caseworker first, then the on-call lawyer
    down = Watch.objects.filter(state="down").first()
    if down is not None:
        for incident in down.incidents.all():
            incident.next_step_at = now
            incident.save(update_fields=["next_step_at"])
        run_once(now)
    ctx.note(
        "Watch: sign in as `lawyer` (on call) → Alerts shows a missed check-in to acknowledge; `caseworker` sees the board (/staff/watch/: up, late, down, new). Check-in PIN 2468, duress PIN 1357."
    )
    ctx.note(
        "Safe houses: `coordinator` → /staff/safe-houses/ (Берёза is nearly full; try “mark compromised”); the on-call roster is at /staff/watch/roster/ (gaps after the lawyer's shift are shown)."
    )
