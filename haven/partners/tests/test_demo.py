from __future__ import annotations

import pytest

from haven.cases import demo as cases_demo
from haven.partners import demo
from haven.partners.models import IncomingReferral, Partner, Referral
from haven.testing.world import demo_context

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_directory_a_referral_answered_one_waiting_and_one_received(personas):  # type: ignore[no-untyped-def]
    ctx = demo_context(personas)
    cases_demo.load(ctx)
    demo.load(ctx)
    assert Partner.objects.count() == 3
    statuses = sorted(Referral.objects.values_list("status", flat=True))
    assert statuses == [Referral.Status.ACCEPTED, Referral.Status.AWAITING_APPROVAL]
    assert IncomingReferral.objects.get().status == IncomingReferral.Status.PENDING
    assert any("Partners:" in line for line in ctx.notes)
