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
    assert kinds == {"sms", "telegram", "signal"}
    assert HelpRequest.objects.count() == len(demo.MESSAGES)
    assert HelpRequest.objects.filter(urgency=HelpRequest.Urgency.URGENT).count() == 1
    assert Reply.objects.filter(purpose=Reply.Purpose.FIRST).count() == len(demo.MESSAGES)
    assert ctx.notes
