from __future__ import annotations

import pytest

from haven.channels import demo
from haven.channels.models import Reply, Sender
from haven.intake.models import HelpRequest


class _Ctx:
    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        self.notes.append(text)


@pytest.mark.django_db
def test_the_demo_has_requests_from_several_channels(intake_vault) -> None:
    ctx = _Ctx()
    demo.load(ctx)
    kinds = set(Sender.objects.values_list("channel__kind", flat=True))
    assert kinds == {"sms", "gammu", "telegram", "signal", "email", "matrix"}
    assert HelpRequest.objects.count() == len(demo.MESSAGES)
    assert HelpRequest.objects.filter(urgency=HelpRequest.Urgency.URGENT).count() == 1
    assert Reply.objects.filter(purpose=Reply.Purpose.FIRST).count() == len(demo.MESSAGES)
    assert ctx.notes


@pytest.mark.django_db
def test_the_demo_watched_person_has_a_registered_sms_number(intake_vault, personas) -> None:
    from haven.cases import actions as case_actions
    from haven.channels.models import KnownHandle
    from haven.safety import actions as safety_actions
    from haven.testing.personas import keyring_for

    ring = keyring_for(personas.caseworker)
    case = case_actions.create_case(keyring=ring, risk="high")
    safety_actions.save_watch(
        actor=personas.caseworker,
        case=case,
        interval_minutes=240,
        fixed_times=[],
        time_zone="Europe/Moscow",
        grace_minutes=30,
        pin="2468",
    )

    class _WithKeyring(_Ctx):
        def keyring(self, username: str):  # type: ignore[no-untyped-def]
            return ring

    ctx = _WithKeyring()
    demo.load(ctx)
    known = KnownHandle.objects.get()
    assert known.case_id == case.pk and known.kind == "sms"
    assert ring.open(case.vault).unseal(known, "handle") == demo.WATCHED_PHONE
    assert any(demo.WATCHED_PHONE in n for n in ctx.notes)
