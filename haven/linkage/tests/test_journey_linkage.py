"""Journey: two organisations find the people they both hold without exchanging names.

Organisation A keeps the missing-persons registry (its coordinator, with an export approved by
a second coordinator); organisation B keeps a case list (its coordinator asks on the linkage page
to encode it, and a second coordinator approves on the approvals page). They share a secret out
of band. Both run `haven linkage encode` with it (here in one database, B's side held by a coordinator who
cannot open A's registry, so neither side's command reads the other's records), swap the files,
A runs `haven linkage compare`, and A's coordinator confirms a suggestion on the page. The files
carry no name, no id of either side, and not the secret; a duress session sees no suggestion.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from haven.accounts import actions as account_actions
from haven.audit.models import AuditEvent
from haven.cases.actions.people import save_person
from haven.cases.approvals import approve, request_approval
from haven.cases.models import ApprovalRequest
from haven.cases.public import create_case
from haven.linkage import actions as linkage_actions
from haven.linkage.actions import FILE_FORMAT
from haven.linkage.errors import LinkageError
from haven.linkage.models import LinkageMapping, LinkageSuggestion
from haven.missing import actions as missing
from haven.testing.personas import PASSWORD, current_code, keyring_for
from haven.vault import blind_index

SECRET = "an agreed secret: long, random, and never sent with the files 7f3a9c"

A_REPORTS = [
    {
        "given_name": "Мадина",
        "family_name": "Исаева",
        "patronymic": "Хамзатовна",
        "birth": {"year": 1994},
    },
    {"given_name": "Ибрагим", "family_name": "Магомедов", "birth": {"year": 1987}},
    {"given_name": "Руслан", "family_name": "Кадыров", "birth": {"year": 2001}},
]
B_PEOPLE = [
    {"given_name": "Madina", "family_name": "Issayeva", "birth": {"year": 1994}},
    {"given_name": "Ibrahim", "family_name": "Magomedov", "birth": {"year": 1987}},
    {"given_name": "Olga", "family_name": "Smirnova", "birth": {"year": 1975}},
]


@pytest.fixture
def _english():  # type: ignore[no-untyped-def]
    from django.utils import translation

    with translation.override("en"):
        yield


def _as(monkeypatch, user) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HAVEN_PASSWORD", PASSWORD)
    monkeypatch.setenv("HAVEN_OTP", current_code(user))


@pytest.mark.django_db
@pytest.mark.usefixtures("_english")
def test_two_organisations_find_shared_people_and_a_coordinator_confirms_one(
    personas, client_for, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    a, b = personas.coordinator, personas.coordinator2
    ring_a = keyring_for(a)
    registry = missing.set_up_registry(keyring=ring_a)
    # Both coordinators hold the search index, where the approval to encode the case list lives.
    blind_index.set_up_index_vault(actor=a, keyring=ring_a, members=[b])
    reports = [missing.save_report(keyring=ring_a, values=v) for v in A_REPORTS]
    ring_b = keyring_for(b)
    assert not ring_b.can_open(registry)
    case = create_case(keyring=ring_b, risk="high")
    for values in B_PEOPLE:
        save_person(keyring=ring_b, case=case, values=values)
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET)

    # A's registry export needs a second coordinator, like every registry export.
    ours, theirs = tmp_path / "a.json", tmp_path / "b.json"
    _as(monkeypatch, a)
    with pytest.raises(CommandError, match="second coordinator"):
        call_command(
            "linkage",
            "encode",
            "--user",
            a.username,
            "--secret-file",
            str(secret_file),
            "--out",
            str(ours),
        )
    row = request_approval(
        keyring=ring_a,
        kind=ApprovalRequest.Kind.EXPORT_IDENTIFIED,
        vault=registry,
        target_user=None,
        reason="partner comparison",
    )
    approve(keyring=keyring_for(b), approval=row)
    _as(monkeypatch, a)
    out = io.StringIO()
    call_command(
        "linkage",
        "encode",
        "--source",
        "registry",
        "--user",
        a.username,
        "--secret-file",
        str(secret_file),
        "--out",
        str(ours),
        stdout=out,
    )
    assert "of 3 records" in out.getvalue()
    # B's case list too: one coordinator alone cannot encode it.
    _as(monkeypatch, b)
    monkeypatch.setenv("HAVEN_LINKAGE_SECRET", SECRET)
    encode_cases = ["linkage", "encode", "--source", "cases", "--user", b.username]
    with pytest.raises(CommandError, match="Shared with partners") as refused:
        call_command(*encode_cases, "--out", str(theirs))
    assert "second coordinator" in str(refused.value) and not theirs.exists()
    with translation.override("en"):  # the pages switch to Russian; the commands stay English
        asked = client_for(b).post("/staff/linkage/encoding-requests/", {"reason": "shelter B"})
        assert asked.status_code == 302
        encoding_request = ApprovalRequest.objects.get(kind=ApprovalRequest.Kind.ENCODE_CASES)
        approvals_page = client_for(a).get("/staff/cases/approvals/").content.decode()
        assert "Кодирование списка дел для сверки с партнёром" in approvals_page
        assert "shelter B" in approvals_page
        decided = client_for(a).post(
            f"/staff/cases/approvals/{encoding_request.id}/", {"decision": "approve"}
        )
        assert decided.status_code == 302
    _as(monkeypatch, b)
    call_command(*encode_cases, "--out", str(theirs), stdout=out)
    assert "of 3 records" in out.getvalue().splitlines()[-1]
    encoding_request.refresh_from_db()
    assert encoding_request.executed_at is not None

    # Nothing identifying in either file: no name in any script, no record id, not the secret.
    for path in (ours, theirs):
        text = path.read_text()
        for needle in [
            "Исаева",
            "Madina",
            "Issayeva",
            "Ибрагим",
            "Magomedov",
            "Smirnova",
            SECRET[:20],
        ]:
            assert needle not in text
        for report in reports:
            assert str(report.pk) not in text
        assert str(case.pk) not in text and case.reference not in text
        payload = json.loads(text)
        assert set(payload) == {"format", "export", "encodings"}
        assert all(set(e) == {"token", "clk"} for e in payload["encodings"])
    # Which token is which record is kept here, sealed.
    mapping = LinkageMapping.objects.filter(vault=registry).get()
    assert b"Madina" not in bytes(mapping.tokens) and str(reports[0].pk).encode() not in bytes(
        mapping.tokens
    )

    _as(monkeypatch, a)
    call_command(
        "linkage",
        "compare",
        str(ours),
        str(theirs),
        "--user",
        a.username,
        "--partner",
        "Shelter network B",
        stdout=out,
    )
    assert "2 possible shared people" in out.getvalue()
    _as(monkeypatch, a)
    with pytest.raises(CommandError, match="compared before"):
        call_command(
            "linkage", "compare", str(ours), str(theirs), "--user", a.username, "--partner", "B"
        )

    # The coordinator sees our side of each suggestion and the partner's name, nothing of theirs.
    client = client_for(a)
    page = client.get("/staff/linkage/")
    html = page.content.decode()
    assert page.status_code == 200
    assert reports[0].reference in html and "Исаева" in html and reports[1].reference in html
    assert reports[2].reference not in html  # Кадыров is not on B's list
    assert "Shelter network B" in html and "Smirnova" not in html and "Issayeva" not in html

    madina = next(
        s
        for s in LinkageSuggestion.objects.all()
        if keyring_for(a).reader(s).our_record["id"] == str(reports[0].pk)
    )
    response = client.post(f"/staff/linkage/{madina.id}/decide/", {"decision": "confirm"})
    assert response.status_code == 302
    madina.refresh_from_db()
    assert madina.state == LinkageSuggestion.State.CONFIRMED and madina.decided_by == a
    assert AuditEvent.objects.filter(action="linkage.confirm", object_id=str(madina.id)).exists()
    # No partners app here: the page says to arrange the referral (the coordinator reads Russian).
    assert "Договоритесь с партнёром о передаче" in client.get("/staff/linkage/").content.decode()
    # Deciding twice is refused with the page, not a crash.
    again = client.post(f"/staff/linkage/{madina.id}/decide/", {"decision": "reject"})
    assert again.status_code == 400
    assert "уже принято решение" in again.content.decode()  # the coordinator reads Russian

    # Under duress the same coordinator sees an empty page.
    account_actions.set_duress_password(user=a, duress_password="under pressure 1")
    from django.test import Client

    duress = Client()
    duress.post(
        "/staff/login/",
        {"username": a.username, "password": "under pressure 1", "otp_token": current_code(a)},
    )
    empty = duress.get("/staff/linkage/").content.decode()
    assert reports[0].reference not in empty and "Решать нечего" in empty


@pytest.mark.django_db
@pytest.mark.usefixtures("_english")
def test_the_commands_refuse_a_missing_or_short_secret_and_a_foreign_file(
    personas, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    user = personas.coordinator
    monkeypatch.delenv("HAVEN_LINKAGE_SECRET", raising=False)
    _as(monkeypatch, user)
    with pytest.raises(CommandError, match="secret shared"):
        call_command(
            "linkage",
            "encode",
            "--source",
            "cases",
            "--user",
            user.username,
            "--out",
            str(tmp_path / "x.json"),
        )
    monkeypatch.setenv("HAVEN_LINKAGE_SECRET", "short")
    with pytest.raises(CommandError, match="too short"):
        call_command(
            "linkage",
            "encode",
            "--source",
            "cases",
            "--user",
            user.username,
            "--out",
            str(tmp_path / "x.json"),
        )
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "format": FILE_FORMAT,
                "export": "x",
                "encodings": [{"token": "t", "clk": "not base64"}],
            }
        )
    )
    # A file of the first schema (digit-wise birth years) does not compare with this one's.
    old = tmp_path / "old.json"
    old.write_text(
        json.dumps({"format": "haven-linkage-1", "export": "x", "encodings": []}),
    )
    junk = tmp_path / "junk.json"
    junk.write_text("not json")
    with pytest.raises(CommandError, match="not an encodings file"):
        call_command(
            "linkage", "compare", str(junk), str(bad), "--user", user.username, "--partner", "B"
        )
    _as(monkeypatch, user)
    with pytest.raises(CommandError, match="not an encodings file"):
        call_command(
            "linkage", "compare", str(bad), str(bad), "--user", user.username, "--partner", "B"
        )
    with pytest.raises(LinkageError, match="not an encodings file"):
        linkage_actions._entries(json.loads(old.read_text()), "old.json")
    assert not LinkageSuggestion.objects.exists()
