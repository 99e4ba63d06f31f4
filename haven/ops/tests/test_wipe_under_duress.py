"""The emergency wipe needs two administrators, and a coerced one is not one of them: a duress
session that "confirms" sees what a real confirmation shows and wipes nothing."""

from __future__ import annotations

import pytest

from haven.accounts.actions import set_duress_password
from haven.accounts.models import Role, StaffSession
from haven.ops.models import WipeRecord, WipeRequest
from haven.testing.personas import make_staff
from haven.vault.models import Grant, UserKey

pytestmark = pytest.mark.django_db


def test_a_duress_administrator_confirming_a_wipe_is_signed_out_and_nothing_is_wiped(
    personas, client_for, a_case
) -> None:
    second = make_staff("admin2", Role.ADMIN)
    one = client_for(personas.admin)
    assert one.post("/staff/ops/wipe/start/", {"phrase": "WIPE"}).status_code == 302
    request = WipeRequest.objects.get()
    set_duress_password(user=second, duress_password="they are watching")
    coerced = client_for(second, "they are watching")
    keys, grants = UserKey.objects.count(), Grant.objects.count()

    done = coerced.post(f"/staff/ops/wipe/{request.pk}/confirm/", {"phrase": "WIPE"})

    # What a real confirmation shows: signed out, on the sign-in page...
    assert done.status_code == 302 and done["Location"].startswith("/staff/login")
    assert coerced.get("/staff/").status_code == 302
    assert not StaffSession.objects.filter(user=second).exists()
    # ...and nothing happened: every key is there, the request still waits for a real admin.
    assert UserKey.objects.count() == keys and Grant.objects.count() == grants
    assert not WipeRecord.objects.exists()
    request.refresh_from_db()
    assert request.status == WipeRequest.Status.PENDING
    assert StaffSession.objects.filter(user=personas.admin).exists()
