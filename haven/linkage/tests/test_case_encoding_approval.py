"""The two-person rule for encoding the case list (`haven linkage encode --source cases`).

Bloom-filter encodings of names fall to a dictionary attack by whoever holds the shared secret,
so one coordinator alone must not be able to write them for every person in the cases they hold.
A coordinator asks on the linkage page (sealed reason, in the search-index vault), a different
coordinator who holds the index approves on the approvals page, and the approval allows one
encoding by the requester. A duress session can do none of the three.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from haven.accounts import actions as account_actions
from haven.accounts.models import Role
from haven.audit.models import AuditEvent
from haven.cases.approvals import approve, request_approval, request_case_encoding
from haven.cases.errors import CaseError
from haven.cases.models import ApprovalRequest
from haven.cases.public import create_case, save_person
from haven.linkage import actions as linkage_actions
from haven.linkage import encoding
from haven.linkage.errors import LinkageError
from haven.linkage.models import LinkageExport, LinkageMapping
from haven.testing.personas import PASSWORD, current_code, keyring_for, make_staff
from haven.vault import blind_index
from haven.vault.keyring import Keyring

SECRET = b"an agreed secret: long, random, and never sent with the files 7f3a9c"
DURESS = "under pressure 1"
RU_KIND = "Кодирование списка дел для сверки с партнёром"
EN_KIND = "Encode the case list for a partner comparison"


@pytest.fixture
def _english():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


@pytest.fixture
def world(personas):  # type: ignore[no-untyped-def]
    """Two coordinators holding the search index (and a caseworker), one case of the first."""
    a, b = personas.coordinator, personas.coordinator2
    ring_a = keyring_for(a)
    blind_index.set_up_index_vault(actor=a, keyring=ring_a, members=[b, personas.caseworker])
    case = create_case(keyring=ring_a, risk="high")
    save_person(
        keyring=ring_a,
        case=case,
        values={"given_name": "Мадина", "family_name": "Исаева", "birth": {"year": 1994}},
    )
    return SimpleNamespace(a=a, b=b, ring_a=ring_a, case=case, personas=personas)


def _encode(keyring: Keyring) -> dict:  # type: ignore[type-arg]
    return linkage_actions.export_encodings(keyring=keyring, source="cases", secret=SECRET)


def _nothing_exported() -> bool:
    return (
        not LinkageExport.objects.exists()
        and not LinkageMapping.objects.exists()
        and not AuditEvent.objects.filter(action="linkage.export").exists()
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("_english")
def test_encoding_the_case_list_without_an_approval_is_refused_before_any_hashing(
    world, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    def no_hashing(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("names were hashed before the approval was checked")

    monkeypatch.setattr(encoding, "encode", no_hashing)
    with pytest.raises(LinkageError, match="approved by a second coordinator"):
        _encode(world.ring_a)
    # An approved export of one case's vault is not an approval to encode the case list.
    export = request_approval(
        keyring=world.ring_a,
        kind=ApprovalRequest.Kind.EXPORT_IDENTIFIED,
        vault=world.case.vault,
        target_user=None,
        reason="a court bundle",
    )
    approve(keyring=keyring_for(world.b), approval=export)
    with pytest.raises(LinkageError, match="Shared with partners"):
        _encode(world.ring_a)
    assert _nothing_exported()
    export.refresh_from_db()
    assert export.executed_at is None


@pytest.mark.django_db
@pytest.mark.usefixtures("_english")
def test_the_requester_cannot_approve_their_own_request_so_it_cannot_be_used(
    world, client_for
) -> None:  # type: ignore[no-untyped-def]
    row = request_case_encoding(keyring=world.ring_a, reason="shelter network B")
    with pytest.raises(CaseError, match="second coordinator must decide"):
        approve(keyring=world.ring_a, approval=row)
    # Through the page, too: the decision is refused with a message, and the request waits.
    with translation.override("en"):  # a page activates Russian; the actions below read English
        page = client_for(world.a).post(
            f"/staff/cases/approvals/{row.id}/", {"decision": "approve"}, follow=True
        )
    assert "этот запрос сделали вы" in page.content.decode()
    row.refresh_from_db()
    assert row.status == ApprovalRequest.Status.PENDING and row.decided_by is None
    with pytest.raises(LinkageError, match="second coordinator"):
        _encode(world.ring_a)
    assert _nothing_exported()


@pytest.mark.django_db
@pytest.mark.usefixtures("_english")
def test_an_approval_by_a_second_coordinator_allows_one_encoding_by_the_requester(world) -> None:  # type: ignore[no-untyped-def]
    row = request_case_encoding(keyring=world.ring_a, reason="shelter network B")
    assert b"shelter network B" not in bytes(row.reason)  # sealed in the index vault
    approve(keyring=keyring_for(world.b), approval=row)
    # The approver cannot use the requester's approval for their own encoding.
    with pytest.raises(LinkageError, match="second coordinator"):
        _encode(keyring_for(world.b))
    payload = _encode(world.ring_a)
    assert len(payload["encodings"]) >= 1
    row.refresh_from_db()
    assert row.executed_at is not None
    assert LinkageExport.objects.filter(source="cases", created_by=world.a).count() == 1
    # One approval, one encoding.
    with pytest.raises(LinkageError, match="second coordinator"):
        _encode(world.ring_a)
    assert LinkageExport.objects.count() == 1
    # Request, decision and use are each audited, by code, never by the reason.
    events = AuditEvent.objects.filter(object_type="approval", object_id=str(row.id))
    assert {e.action: e.actor_id for e in events} == {
        "approval.request": world.a.pk,
        "approval.decide": world.b.pk,
        "approval.execute": world.a.pk,
    }
    assert all(e.data["kind"] == "encode_cases" for e in events)
    assert not any("shelter" in str(e.data) for e in events)


@pytest.mark.django_db
@pytest.mark.usefixtures("_english")
def test_only_a_coordinator_holding_the_search_index_asks_or_approves(world) -> None:  # type: ignore[no-untyped-def]
    outsider = make_staff("coord3", Role.COORDINATOR)
    with pytest.raises(CaseError, match="do not hold the search index"):
        request_case_encoding(keyring=keyring_for(outsider), reason="why")
    with pytest.raises(CaseError, match="role cannot ask"):
        request_case_encoding(keyring=keyring_for(world.personas.caseworker), reason="why")
    with pytest.raises(CaseError, match="Give a reason"):
        request_case_encoding(keyring=world.ring_a, reason="   ")
    row = request_case_encoding(keyring=world.ring_a, reason="shelter network B")
    with pytest.raises(CaseError, match="already waiting"):
        request_case_encoding(keyring=world.ring_a, reason="again")
    # Each coordinator encodes what they hold: B may ask while A's request waits.
    request_case_encoding(keyring=keyring_for(world.b), reason="shelter network C")
    with pytest.raises(CaseError, match="cannot approve encoding the case list"):
        approve(keyring=keyring_for(outsider), approval=row)
    row.refresh_from_db()
    assert row.status == ApprovalRequest.Status.PENDING
    # The kind is bound to the search index: asked on any other vault, it is refused.
    with pytest.raises(CaseError, match="search index"):
        request_approval(
            keyring=world.ring_a,
            kind=ApprovalRequest.Kind.ENCODE_CASES,
            vault=world.case.vault,
            target_user=None,
            reason="why",
        )
    assert ApprovalRequest.objects.filter(kind=ApprovalRequest.Kind.ENCODE_CASES).count() == 2


@pytest.mark.django_db
def test_the_approvals_page_names_the_kind_in_russian_and_english(world, client_for) -> None:  # type: ignore[no-untyped-def]
    request_case_encoding(keyring=world.ring_a, reason="shelter network B")
    client = client_for(world.b)
    russian = client.get("/staff/cases/approvals/").content.decode()
    english = client.get("/staff/cases/approvals/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert RU_KIND in russian and EN_KIND not in russian
    assert EN_KIND in english
    for page in (russian, english):
        assert "shelter network B" in page  # the approver reads the reason
        assert "encode_cases" not in page
        assert 'value="approve"' in page


@pytest.mark.django_db
def test_the_linkage_page_asks_for_it_and_shows_where_it_stands(world, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.a)
    page = client.get("/staff/linkage/").content.decode()
    assert "Попросить закодировать список дел" in page
    empty = client.post("/staff/linkage/encoding-requests/", {"reason": ""})
    assert empty.status_code == 400 and "Обязательное поле" in empty.content.decode()
    assert not ApprovalRequest.objects.exists()
    asked = client.post("/staff/linkage/encoding-requests/", {"reason": "shelter network B"})
    assert asked.status_code == 302
    row = ApprovalRequest.objects.get(kind=ApprovalRequest.Kind.ENCODE_CASES)
    assert row.requested_by == world.a and row.vault == blind_index.index_vault()
    assert "Ждёт второго координатора" in client.get("/staff/linkage/").content.decode()
    again = client.post("/staff/linkage/encoding-requests/", {"reason": "once more"})
    assert again.status_code == 400 and "уже ждёт решения" in again.content.decode()
    decided = client_for(world.b).post(f"/staff/cases/approvals/{row.id}/", {"decision": "approve"})
    assert decided.status_code == 302
    assert "Одобрено, ещё не использовано" in client.get("/staff/linkage/").content.decode()
    _encode(world.ring_a)
    assert "Использовано" in client.get("/staff/linkage/").content.decode()
    # Someone without the search index is told whom to ask, and gets no form.
    outsider = make_staff("coord3", Role.COORDINATOR)
    theirs = client_for(outsider).get("/staff/linkage/").content.decode()
    assert "нужен ключ поискового индекса" in theirs
    assert "Попросить закодировать список дел" not in theirs


@pytest.mark.django_db
@pytest.mark.usefixtures("_english")
def test_a_duress_session_can_neither_ask_approve_nor_use_it(
    world, client_for, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    for user in (world.a, world.b):
        account_actions.set_duress_password(user=user, duress_password=DURESS)
    row = request_case_encoding(keyring=world.ring_a, reason="shelter network B")

    with translation.override("en"):  # a page activates Russian; the actions below read English
        # B under duress: the request is not on the page, and deciding it answers 404.
        coerced_b = client_for(world.b, DURESS)
        listed = coerced_b.get("/staff/cases/approvals/").content.decode()
        decided = coerced_b.post(f"/staff/cases/approvals/{row.id}/", {"decision": "approve"})
        # A under duress: asking leaves no request behind.
        coerced_a = client_for(world.a, DURESS)
        coerced_a.post("/staff/linkage/encoding-requests/", {"reason": "forced"})
    assert "shelter network B" not in listed and decided.status_code == 404
    row.refresh_from_db()
    assert row.status == ApprovalRequest.Status.PENDING
    assert ApprovalRequest.objects.filter(kind=ApprovalRequest.Kind.ENCODE_CASES).count() == 1

    # Approved for real, the approval still cannot be used under duress: not by the action...
    approve(keyring=keyring_for(world.b), approval=row)
    with pytest.raises(LinkageError, match="second coordinator"):
        _encode(Keyring.empty(world.a, duress=True))
    # ...nor by the command signed in with the duress password.
    monkeypatch.setenv("HAVEN_PASSWORD", DURESS)
    monkeypatch.setenv("HAVEN_OTP", current_code(world.a))
    monkeypatch.setenv("HAVEN_LINKAGE_SECRET", SECRET.decode())
    out = tmp_path / "ours.json"
    with pytest.raises(CommandError, match="Nothing was exported"):
        call_command(
            "linkage", "encode", "--source", "cases", "--user", world.a.username, "--out", str(out)
        )
    assert not out.exists() and _nothing_exported()
    row.refresh_from_db()
    assert row.executed_at is None
    # The real coordinator still has the one use.
    monkeypatch.setenv("HAVEN_PASSWORD", PASSWORD)
    monkeypatch.setenv("HAVEN_OTP", current_code(world.a))
    call_command(
        "linkage", "encode", "--source", "cases", "--user", world.a.username, "--out", str(out)
    )
    assert out.exists()
    row.refresh_from_db()
    assert row.executed_at is not None


@pytest.mark.django_db
def test_the_command_says_in_english_what_to_do_whatever_the_default_language(
    world, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HAVEN_PASSWORD", PASSWORD)
    monkeypatch.setenv("HAVEN_OTP", current_code(world.a))
    monkeypatch.setenv("HAVEN_LINKAGE_SECRET", SECRET.decode())
    out = tmp_path / "ours.json"
    with translation.override("ru"), pytest.raises(CommandError) as refused:
        call_command(
            "linkage", "encode", "--source", "cases", "--user", world.a.username, "--out", str(out)
        )
    assert str(refused.value) == (
        "Encoding the case list needs a request approved by a second coordinator: ask for it "
        "under “Shared with partners” (“Ask to encode the case list”), then run this again "
        "once it is approved. Nothing was exported."
    )
    assert not out.exists() and _nothing_exported()
