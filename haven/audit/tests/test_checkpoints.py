"""Signed checkpoints held by witnesses catch the forgery the chain alone cannot: a changed row,
the chain recomputed with the project's own hash function, the head row moved."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction

from haven.audit.checkpoint import issue_if_due, read_witness
from haven.audit.log import GENESIS, log_event, row_hash, verify_chain
from haven.audit.models import AuditCheckpoint, AuditEvent, AuditHead


def _write(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            log_event(action="test.event", object_type="thing", object_id=i, data={"i": i})


def _recompute_chain_from_the_start() -> None:
    """What a tampering insider with the database does after editing a row: every hash again,
    with the project's own function, and the head row moved to the new last hash."""
    prev = GENESIS
    last = None
    for event in AuditEvent.objects.order_by("id"):
        digest = row_hash(
            id=event.id,
            created_at=event.created_at.isoformat(),
            actor_id=event.actor_id,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            data=event.data,
            prev_hash=prev,
        )
        AuditEvent.objects.filter(id=event.id).update(prev_hash=prev, hash=digest)
        prev, last = digest, event.id
    AuditHead.objects.filter(pk=1).update(last_id=last or 0, last_hash=prev)


@pytest.mark.django_db
def test_a_recomputed_chain_fools_plain_verify_but_not_the_witness_file(
    tmp_path: Path, capsys
) -> None:
    _write(5)
    witness = tmp_path / "witness.jsonl"
    call_command("audit", "checkpoint", "--to", str(witness))
    _write(2)  # rows after the checkpoint, as a live system has

    AuditEvent.objects.filter(id=3).update(data={"i": 99})
    _recompute_chain_from_the_start()

    # The limit, stated by a test: the chain alone cannot see this.
    assert verify_chain().ok
    call_command("audit", "verify")
    assert "intact: 7 rows" in capsys.readouterr().out

    result = verify_chain(read_witness(witness))
    assert not result.ok
    assert result.first_bad_id == 5
    assert "from 1 to 5" in result.problem
    with pytest.raises(CommandError, match="BROKEN at row 5"):
        call_command("audit", "verify", "--witness", str(witness))


@pytest.mark.django_db
def test_a_change_after_the_newest_checkpoint_is_outside_what_the_witness_vouches_for(
    tmp_path: Path, capsys
) -> None:
    _write(3)
    witness = tmp_path / "witness.jsonl"
    call_command("audit", "checkpoint", "--to", str(witness))
    _write(3)
    AuditEvent.objects.filter(id=5).update(data={"i": 99})
    _recompute_chain_from_the_start()
    call_command("audit", "verify", "--witness", str(witness))
    assert "rows 1 to 3 agree with 1 witnessed checkpoint" in capsys.readouterr().out


@pytest.mark.django_db
def test_several_checkpoints_narrow_down_where_the_change_was(tmp_path: Path) -> None:
    witness = tmp_path / "witness.jsonl"
    for _ in range(3):
        _write(4)
        call_command("audit", "checkpoint", "--to", str(witness))
    assert len(read_witness(witness)) == 3  # appended, not overwritten
    AuditEvent.objects.filter(id=6).update(data={"i": 99})
    _recompute_chain_from_the_start()
    result = verify_chain(read_witness(witness))
    assert not result.ok and result.first_bad_id == 8
    assert "from 5 to 8" in result.problem


@pytest.mark.django_db
def test_rows_cut_below_the_witnessed_row_are_caught_even_with_the_head_moved(
    tmp_path: Path,
) -> None:
    _write(6)
    witness = tmp_path / "witness.jsonl"
    call_command("audit", "checkpoint", "--to", str(witness))
    AuditEvent.objects.filter(id__gte=5).delete()
    kept = AuditEvent.objects.get(id=4)
    AuditHead.objects.filter(pk=1).update(last_id=4, last_hash=kept.hash)
    assert verify_chain().ok  # consistent on its own
    with pytest.raises(CommandError, match="BROKEN at row 6.*chain ends at row 4"):
        call_command("audit", "verify", "--witness", str(witness))


@pytest.mark.django_db
def test_a_checkpoint_line_copied_from_an_alert_is_a_witness_too(tmp_path: Path) -> None:
    _write(4)
    head = AuditHead.objects.get(pk=1)
    copied = tmp_path / "from-signal.txt"
    copied.write_text(f"# copied from the alert of 1 December\n{head.last_id}:{head.last_hash}\n")
    call_command("audit", "verify", "--witness", str(copied))
    AuditEvent.objects.filter(id=2).update(action="test.other")
    _recompute_chain_from_the_start()
    with pytest.raises(CommandError, match="BROKEN at row 4"):
        call_command("audit", "verify", "--witness", str(copied))


@pytest.mark.django_db
def test_a_witness_whose_hash_was_edited_fails_its_signature(tmp_path: Path) -> None:
    _write(3)
    witness = tmp_path / "witness.jsonl"
    call_command("audit", "checkpoint", "--to", str(witness))
    entry = json.loads(witness.read_text())
    entry["hash"] = "0" * 64
    witness.write_text(json.dumps(entry) + "\n")
    with pytest.raises(CommandError, match="signature does not hold"):
        call_command("audit", "verify", "--witness", str(witness))


@pytest.mark.django_db
def test_junk_as_a_witness_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("hello\n")
    with pytest.raises(CommandError, match="witness not usable"):
        call_command("audit", "verify", "--witness", str(junk))
    with pytest.raises(CommandError, match="witness not usable"):
        call_command("audit", "verify", "--witness", str(tmp_path / "absent"))


@pytest.mark.django_db
def test_an_empty_chain_has_nothing_to_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="empty"):
        call_command("audit", "checkpoint", "--to", str(tmp_path / "w.jsonl"))


@pytest.mark.django_db
def test_the_signing_key_comes_from_the_setting(settings, tmp_path: Path) -> None:
    import base64

    _write(1)
    settings.HAVEN_AUDIT_SIGNING_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
    a = tmp_path / "a.jsonl"
    call_command("audit", "checkpoint", "--to", str(a))
    settings.HAVEN_AUDIT_SIGNING_KEY = base64.urlsafe_b64encode(b"j" * 32).decode()
    b = tmp_path / "b.jsonl"
    call_command("audit", "checkpoint", "--to", str(b))
    assert read_witness(a)[0].public_key != read_witness(b)[0].public_key


@pytest.mark.django_db
def test_the_worker_sends_a_checkpoint_when_due_and_only_if_the_chain_moved(
    personas, settings
) -> None:
    from haven.alerts.models import Notification
    from haven.safety.channels import OUTBOX
    from haven.safety.tests.conftest import add_channel
    from haven.safety.worker import Worker

    settings.HAVEN_AUDIT_CHECKPOINT_MINUTES = 60
    add_channel(personas.coordinator, "outbox://coord")
    OUTBOX.clear()
    start = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        _write(2)
        Worker(0).step()  # the first one: no checkpoint yet
        head = AuditHead.objects.get(pk=1)
        assert AuditCheckpoint.objects.count() == 1
        sent = list(Notification.objects.filter(kind="audit_checkpoint"))
        assert {n.recipient for n in sent} == {personas.coordinator, personas.coordinator2}
        assert all(n.reference == f"{head.last_id}:{head.last_hash}" for n in sent)
        Worker(0).step()  # delivers it
    [message] = [m for m in OUTBOX if f"{head.last_id}:{head.last_hash}" in m["body"]]
    # The row and the hash, a link, and nothing else.
    assert message["to"] == "outbox://coord"
    assert message["body"].splitlines()[1].endswith("/staff/notifications/")

    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        _write(1)
        assert issue_if_due() is None  # not due yet
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        assert issue_if_due() is not None  # due, and the chain moved
    with time_machine.travel(start + dt.timedelta(minutes=200), tick=False):
        # Due, but nothing happened since the last one (the checkpoint itself adds no row).
        assert issue_if_due() is None
    settings.HAVEN_AUDIT_CHECKPOINT_MINUTES = 0
    with time_machine.travel(start + dt.timedelta(days=2), tick=False):
        _write(1)
        assert issue_if_due() is None  # turned off


@pytest.mark.django_db
def test_the_printed_checkpoint_can_be_kept_as_a_witness_file_as_it_is(tmp_path: Path) -> None:
    """`ssh server haven audit checkpoint >> witness.jsonl`: the whole output is a witness."""
    import io

    _write(3)
    out = io.StringIO()
    call_command("audit", "checkpoint", stdout=out)
    kept = tmp_path / "kept.jsonl"
    kept.write_text(out.getvalue())
    assert [c.seq for c in read_witness(kept)] == [3]
    AuditEvent.objects.filter(id=1).update(object_id="x")
    _recompute_chain_from_the_start()
    with pytest.raises(CommandError, match="BROKEN at row 3"):
        call_command("audit", "verify", "--witness", str(kept))


def test_a_malformed_signing_key_is_refused_at_start_up(settings) -> None:
    from haven.audit.checks import audit_signing_key

    settings.HAVEN_AUDIT_SIGNING_KEY = "short"
    assert [e.id for e in audit_signing_key(None)] == ["haven.E060"]
    settings.HAVEN_AUDIT_SIGNING_KEY = ""
    assert audit_signing_key(None) == []


@pytest.mark.django_db
def test_two_witnesses_that_disagree_about_a_row_are_reported_as_a_rewrite(
    tmp_path: Path,
) -> None:
    _write(3)
    before = tmp_path / "before.jsonl"
    call_command("audit", "checkpoint", "--to", str(before))
    AuditEvent.objects.filter(id=2).update(object_id="x")
    _recompute_chain_from_the_start()
    after = tmp_path / "after.jsonl"
    call_command("audit", "checkpoint", "--to", str(after))  # the server re-signed the forgery
    with pytest.raises(CommandError, match="BROKEN at row 3: the witnesses hold two different"):
        call_command("audit", "verify", "--witness", str(before), "--witness", str(after))
    # The re-signed checkpoint alone agrees with the forged chain: only an older witness tells.
    call_command("audit", "verify", "--witness", str(after))
