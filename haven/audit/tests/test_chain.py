"""`haven audit verify` detects a changed, removed or reordered row, and cut-off tails."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from haven.audit.log import log_event, verify_chain
from haven.audit.models import AuditEvent


def _write(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            log_event(action="test.event", object_type="thing", object_id=i, data={"i": i})


@pytest.mark.django_db
def test_an_intact_chain_verifies_and_the_command_exits_zero(capsys) -> None:
    _write(5)
    assert verify_chain().ok
    call_command("audit", "verify")
    assert "intact: 5 rows" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_changed_row_is_named() -> None:
    _write(5)
    AuditEvent.objects.filter(id=3).update(data={"i": 99})
    result = verify_chain()
    assert not result.ok and result.first_bad_id == 3
    with pytest.raises(CommandError, match="row 3"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_a_removed_row_is_named() -> None:
    _write(5)
    AuditEvent.objects.filter(id=2).delete()
    result = verify_chain()
    assert not result.ok and result.first_bad_id == 2


@pytest.mark.django_db
def test_reordered_rows_are_named() -> None:
    _write(5)
    a, b = AuditEvent.objects.get(id=2), AuditEvent.objects.get(id=4)
    # Swap the contents (with their hashes) of rows 2 and 4.
    fields = [
        "created_at",
        "actor_id",
        "action",
        "object_type",
        "object_id",
        "data",
        "prev_hash",
        "hash",
    ]
    va, vb = {f: getattr(a, f) for f in fields}, {f: getattr(b, f) for f in fields}
    AuditEvent.objects.filter(id=2).update(**vb)
    AuditEvent.objects.filter(id=4).update(**va)
    result = verify_chain()
    assert not result.ok and result.first_bad_id == 2


@pytest.mark.django_db
def test_rows_cut_from_the_end_are_detected() -> None:
    _write(5)
    AuditEvent.objects.filter(id__gte=4).delete()
    result = verify_chain()
    assert not result.ok and result.first_bad_id == 4


@pytest.mark.django_db(transaction=True)
def test_events_must_be_written_inside_the_action_transaction() -> None:
    with pytest.raises(RuntimeError):
        log_event(action="outside")
