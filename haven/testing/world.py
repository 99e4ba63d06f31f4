"""An awkward world for tests that cross every app: the demo organisation loaded for the test
personas, plus records in every app whose values are the ones that break pages — 100,000
characters, Cyrillic, Latin, Arabic (right to left), bidi controls, emoji, empty optional fields,
dates known only to the year or month and dates not known at all.

`build_awkward_world(personas)` returns an `AwkwardWorld` (what was made, for tests to find).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from haven.core.demo import DemoContext
from haven.core.registry import demo_loaders
from haven.testing.personas import PASSWORD, make_staff

# The values that break pages. A right-to-left override in the middle of a name reverses
# everything after it on a page that prints the value raw.
BIDI = (
    "Ислам \u202eИсаев\u202c \u2066ليلى\u2069 \u200fZoë\u200e \u061c\u202a\u202b\u202d\u2067\u2068"
)
ARABIC = "ليلى عبد الله"
EMOJI = "🏳️‍🌈🚨 👨‍👩‍👧 🇷🇺"
MIXED = f"{BIDI} {ARABIC} {EMOJI} Łukasz Ñandú"
LONG = ("Очень длинный текст; a very long text; نص طويل جدا. " * 2500)[:100_000]


@dataclass
class AwkwardWorld:
    ctx: DemoContext
    made: dict[str, Any] = field(default_factory=dict)


def demo_context(personas: Any) -> DemoContext:
    """The demo organisation's roles mapped onto the test personas (all share one password)."""
    users = {
        "operator": personas.operator,
        "caseworker": personas.caseworker,
        "caseworker2": make_staff("cw2", "caseworker"),
        "coordinator": personas.coordinator,
        "coordinator2": personas.coordinator2,
        "lawyer": personas.lawyer,
        "docofficer": personas.docofficer,
        "admin": personas.admin,
    }
    return DemoContext(users=users, passwords=dict.fromkeys(users, PASSWORD))


def build_awkward_world(personas: Any, *, full_birth_date: bool = False) -> AwkwardWorld:
    """The demo world plus awkward records in every app. `full_birth_date` also gives one
    case person a full date of birth (issue 13, defect 1: that case page is a 500 on main)."""
    ctx = demo_context(personas)
    for label, loader in demo_loaders():
        if label != "reports":  # two years of nameless history: the figures' test, not ours
            loader(ctx)
    world = AwkwardWorld(ctx)
    _cases(world, full_birth_date=full_birth_date)
    _intake(world)
    _safety(world)
    _missing(world)
    _evidence(world)
    ctx.flush()
    return world


def _cases(world: AwkwardWorld, *, full_birth_date: bool) -> None:
    from haven.cases import actions
    from haven.cases.models import RelocationDocument

    ctx = world.ctx
    ring = ctx.keyring("caseworker")
    coordinator = ctx.users["coordinator"]
    case = actions.create_case(
        keyring=ctx.keyring("coordinator"),
        risk="critical",
        risk_reason=MIXED,
        region_of_origin="RU-CE",
        caseworker=ctx.users["caseworker"],
    )
    for colleague in ("lawyer", "docofficer"):
        actions.assign(keyring=ctx.keyring("coordinator"), case=case, user=ctx.users[colleague])
    birth: dict[str, Any] = {"date": "1990-05-05"} if full_birth_date else {"year": 1990}
    actions.save_person(
        keyring=ring,
        case=case,
        values={
            "given_name": MIXED,
            "family_name": MIXED,
            "patronymic": BIDI,
            "aliases": [BIDI, ARABIC, EMOJI],
            "notes": LONG,
            "gender": "мужчина / man",
            "birth": birth,
            "languages": ["русский", "чеченский", "العربية"],
            "contacts": [f"Signal: {BIDI}", EMOJI],
            "documents": {"passport": "confiscated", "expiry": "2027-01"},
            "health_safety": MIXED,
            "family_risk": MIXED,
            "trusted_contacts": BIDI,
        },
    )
    # A companion with nothing but a given name: every optional field empty.
    actions.save_person(keyring=ring, case=case, values={"given_name": ARABIC})
    actions.transition(keyring=ring, case=case, to_state="vetting", reason=MIXED)
    actions.update_vetting(
        keyring=ring,
        case=case,
        identity_corroborated=True,
        vouched_for=False,
        interview_done=True,
        red_flags=MIXED,
    )
    actions.add_note(keyring=ring, case=case, text=LONG)
    actions.add_note(keyring=ring, case=case, text=MIXED)
    actions.add_task(
        keyring=ring,
        case=case,
        kind="court_deadline",
        title=MIXED,
        due_date=timezone.localdate() - datetime.timedelta(days=400),
    )
    actions.add_relocation_document(
        keyring=ring,
        case=case,
        kind=MIXED,
        status=RelocationDocument.Status.REFUSED,
        deadline=None,
        notes=BIDI,
    )
    actions.set_relocation(
        actor=coordinator,
        case=case,
        destination_country="DE",
        pathway="asylum_on_arrival",
        outcome="",
        outcome_country="",
    )
    # A case with nobody in it yet and no optional field filled.
    bare = actions.create_case(keyring=ctx.keyring("coordinator"), risk="low")
    actions.assign(keyring=ctx.keyring("coordinator"), case=bare, user=ctx.users["caseworker"])
    world.made["case"] = case
    world.made["bare_case"] = bare


def _intake(world: AwkwardWorld) -> None:
    from haven.intake import actions
    from haven.intake.models import HelpRequest

    ctx = world.ctx
    long_request = actions.submit_request(
        text=LONG, felt_urgency="now", contact=MIXED, files=[], language="ru"
    )
    bidi_request = actions.submit_request(
        text=MIXED, felt_urgency="later", contact="", files=[], language="en"
    )
    request = HelpRequest.objects.get(pk=bidi_request.request.pk)
    actions.reply(actor=ctx.users["operator"], request=request, text=MIXED)
    actions.write_again(identity=request.identity, text=BIDI, files=[])
    opened = actions.open_case(
        keyring=ctx.keyring("operator"),
        request=HelpRequest.objects.get(pk=long_request.request.pk),
        caseworker=ctx.users["caseworker"],
    )
    world.made["codename"] = bidi_request.codename
    world.made["opened_codename"] = long_request.codename
    world.made["opened_case"] = opened


def _safety(world: AwkwardWorld) -> None:
    from haven.safety import actions
    from haven.safety.models import Watch
    from haven.safety.worker import run_once

    ctx = world.ctx
    coordinator = ctx.users["coordinator"]
    house = actions.create_house(
        keyring=ctx.keyring("coordinator"),
        code="ليلى🏠",
        capacity=1,
        address=LONG,
        access_instructions=BIDI,
        host_contact="",
    )
    case = world.made["case"]
    watch = actions.save_watch(
        actor=coordinator,
        case=case,
        interval_minutes=1,
        fixed_times=[],
        time_zone="Asia/Kamchatka",
        grace_minutes=0,
        pin="0000",
        duress_pin="9999",
    )
    now = timezone.now()
    actions.record_checkin(
        watch=watch,
        method="in_person",
        recorded_by=coordinator,
        at=now - datetime.timedelta(days=3),
    )
    # The same missed check-in raised again and again, then a panic for the same case.
    for minutes in (30, 20, 10):
        run_once(now - datetime.timedelta(minutes=minutes))
    actions.open_incident(
        kind="panic", case=case, watch=watch, house=None, reference=case.reference, now=now
    )
    run_once(now)
    actions.mark_compromised(actor=coordinator, house=house)
    world.made["house"] = house
    world.made["watch"] = Watch.objects.get(pk=watch.pk)


def _missing(world: AwkwardWorld) -> None:
    from haven.missing import actions
    from haven.missing.models import MissingPersonReport

    ctx = world.ctx
    ring = ctx.keyring("docofficer")
    full = actions.save_report(
        keyring=ring,
        values={
            "full_name": MIXED,
            "given_name": BIDI,
            "family_name": MIXED,
            "alternate_names": [ARABIC, EMOJI],
            "sex": "female",
            "birth": {"age": "30-35"},
            "home_place": MIXED,
            "description": LONG,
            "last_seen": {
                "place": MIXED,
                "date": "2026-09",
                "with_whom": BIDI,
                "circumstances": MIXED,
            },
            "reporter": {"name": MIXED, "relation": BIDI, "contact": EMOJI},
            "source": {"name": EMOJI},
        },
        source_kind=MissingPersonReport.Source.PARTNER,
        reliability=MissingPersonReport.Reliability.DOUBTFUL,
    )
    actions.add_note(
        keyring=ring,
        report=full,
        status="believed_dead",
        text=MIXED,
        source_date=timezone.now() - datetime.timedelta(days=800),
        last_known_location=MIXED,
        author_name=BIDI,
    )
    bare = actions.save_report(
        keyring=ring,
        values={"full_name": ARABIC},
        source_kind=MissingPersonReport.Source.OTHER
        if hasattr(MissingPersonReport.Source, "OTHER")
        else MissingPersonReport.Source.FRIEND,
        reliability=MissingPersonReport.Reliability.UNKNOWN,
    )
    world.made["report"] = full
    world.made["bare_report"] = bare


def _evidence(world: AwkwardWorld) -> None:
    from haven.evidence import actions
    from haven.evidence.models import Audience, EvidenceIncident, Place, Source

    ctx = world.ctx
    ring = ctx.keyring("docofficer")
    cases_case = world.made["case"]
    incidents = []
    for precision, start, end in (
        (EvidenceIncident.Precision.YEAR, datetime.date(2019, 1, 1), None),
        (EvidenceIncident.Precision.MONTH, datetime.date(2021, 2, 1), None),
        (EvidenceIncident.Precision.UNKNOWN, None, None),
        (EvidenceIncident.Precision.DAY, datetime.date(2024, 2, 29), None),
    ):
        incidents.append(
            actions.create_incident(
                keyring=ring,
                title=MIXED if start else EMOJI,
                summary=LONG if precision == EvidenceIncident.Precision.YEAR else "",
                violations=["enforced_disappearance", "torture"] if start else [],
                date_start=start,
                date_end=end,
                date_precision=precision,
                region="" if start is None else "Чечня ليلى",
                colleague=ctx.users["lawyer"],
            )
        )
    incident = incidents[0]
    actions.add_place(
        keyring=ring,
        incident=incident,
        kind=Place.Kind.DETENTION_SITE,
        name=BIDI,
        description=MIXED,
    )
    actions.add_perpetrator(
        keyring=ring,
        incident=incident,
        kind="unit",
        name=MIXED,
        unit=MIXED,
        role="",
        known_how=BIDI,
    )
    actions.add_victim(
        keyring=ring, incident=incident, description=MIXED, case_reference=cases_case.reference
    )
    actions.add_source(
        keyring=ring,
        incident=incident,
        kind=Source.Kind.WITNESS,
        reliability="F",
        description=MIXED,
    )
    testimony = actions.add_testimony(
        keyring=ring,
        incident=incident,
        given_by=MIXED,
        given_on=datetime.date(2020, 1, 1),
        language="other",
        text=LONG + " " + MIXED,
        consent=[Audience.INTERNAL, Audience.COURT],
        may_be_named=False,
    )
    actions.propose_redactions(keyring=ring, testimony=testimony)
    actions.add_testimony(
        keyring=ring,
        incident=incidents[2],
        given_by="",
        given_on=timezone.localdate(),
        language="ru",
        text=BIDI,
        consent=[],
        may_be_named=True,
    )
    actions.capture_attachment(
        keyring=ring,
        incident=incident,
        name=f"{BIDI}.txt",
        data=MIXED.encode(),
        declared_type="text/plain",
        notes=MIXED,
        testimony=testimony,
    )
    # A court bundle of the demo's incident (its redactions are reviewed): the incident page
    # lists the export and the photo's chain of custody shows it.
    from haven.evidence.bundle import build_bundle
    from haven.evidence.models import EvidenceIncident as IncidentModel

    demo_incident = IncidentModel.objects.exclude(pk__in=[i.pk for i in incidents]).first()
    if demo_incident is not None:
        build_bundle(keyring=ring, incident=demo_incident, audience="court")
    world.made["incident"] = incident
    world.made["incidents"] = incidents
