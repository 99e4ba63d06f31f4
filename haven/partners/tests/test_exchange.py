"""Referrals and transfers in one database: our side through the actions, the partner's side
with keys the test holds (the two-instance test, test_two_instances.py, runs both for real)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

import pytest
from django.utils import timezone

from haven.cases.approvals import decide_approval
from haven.cases.models import ApprovalRequest, Case, Person
from haven.partners import actions
from haven.partners import package as pkg
from haven.partners.models import Envelope, IncomingReferral, Purpose, Referral
from haven.partners.tests.conftest import other_organisation
from haven.testing.personas import keyring_for
from haven.vault.keyring import VaultLocked
from haven.vault.models import Vault

pytestmark = pytest.mark.django_db


def _consent(personas, case, partner, purpose=Purpose.REFERRAL):  # type: ignore[no-untyped-def]
    return actions.record_consent(
        keyring=keyring_for(personas.coordinator),
        case=case,
        person=case.people.get(),
        partner=partner,
        purpose=purpose,
        given_on=timezone.localdate(),
        how="по телефону",
    )


def _refer(personas, case, partner, fields, **kw):  # type: ignore[no-untyped-def]
    return actions.start_referral(
        keyring=keyring_for(personas.coordinator),
        case=case,
        partner=partner,
        purpose=kw.pop("purpose", Purpose.REFERRAL),
        people=list(case.people.all()),
        fields=fields,
        documents=[],
        **kw,
    )


def _sent_package(referral: Referral) -> pkg.Package:
    return pkg.parse(bytes(Envelope.objects.get(pk=referral.id).data))


# ---- the package ---------------------------------------------------------------------------------


def test_a_package_opens_with_the_recipients_key_and_verifies_with_the_senders():
    sender, recipient = other_organisation(), other_organisation()
    built = sender.package(
        to=recipient.age_recipient, type="referral", content={"a": "б"}, code="referral"
    )
    parsed = pkg.parse(built.to_bytes())
    pkg.verify(parsed, sender.verify_key)
    assert pkg.open_sealed(parsed, recipient.age_identity) == {"a": "б"}
    assert parsed.recipient == pkg.fingerprint(recipient.age_recipient)
    assert parsed.sender == pkg.fingerprint(bytes.fromhex(sender.verify_key))
    with pytest.raises(pkg.PackageError, match="cannot_open"):
        pkg.open_sealed(parsed, sender.age_identity)
    with pytest.raises(pkg.PackageError, match="bad_signature"):
        pkg.verify(parsed, recipient.verify_key)


def test_the_signature_covers_the_header_and_the_sealed_bytes():
    sender, recipient = other_organisation(), other_organisation()
    body = json.loads(
        sender.package(
            to=recipient.age_recipient, type="referral", content={}, code="transfer"
        ).to_bytes()
    )
    header_changed = dict(body, created="2020-01-01T00:00:00+00:00")
    with pytest.raises(pkg.PackageError, match="bad_signature"):
        pkg.verify(pkg.parse(json.dumps(header_changed).encode()), sender.verify_key)
    sealed = bytearray(base64.b64decode(body["sealed"]))
    sealed[-1] ^= 1
    import hashlib

    resealed = dict(
        body,
        sealed=base64.b64encode(bytes(sealed)).decode(),
        sealed_sha256=hashlib.sha256(bytes(sealed)).hexdigest(),
    )
    with pytest.raises(pkg.PackageError, match="bad_signature"):
        pkg.verify(pkg.parse(json.dumps(resealed).encode()), sender.verify_key)
    # Changing the bytes alone (the hash no longer matches) is caught before any key is used.
    with pytest.raises(pkg.PackageError, match="bad_signature"):
        pkg.parse(json.dumps(dict(body, sealed=resealed["sealed"])).encode())


@pytest.mark.parametrize("data", [b"", b"{", b"[]", b'{"format": "other"}', "ü".encode("latin-1")])
def test_garbage_is_refused_as_bad_format(data):
    with pytest.raises(pkg.PackageError, match="bad_format"):
        pkg.parse(data)


# ---- receiving -------------------------------------------------------------------------------------


def test_a_referral_from_a_partner_lands_pending_without_being_opened(keys, partner, other):
    sent = other.package(
        to=keys.age_recipient, type="referral", content={"people": []}, code="transfer"
    )
    actions.receive_package(sent.to_bytes())
    incoming = IncomingReferral.objects.get()
    assert incoming.status == IncomingReferral.Status.PENDING
    assert incoming.purpose == Purpose.TRANSFER and incoming.partner == partner
    assert bytes(incoming.sealed) == sent.sealed  # kept as age ciphertext


def test_it_refuses_a_replayed_package(keys, partner, other):
    data = other.package(
        to=keys.age_recipient, type="referral", content={}, code="referral"
    ).to_bytes()
    actions.receive_package(data)
    with pytest.raises(pkg.PackageError, match="replayed"):
        actions.receive_package(data)
    assert IncomingReferral.objects.count() == 1


def test_it_refuses_a_package_sealed_to_someone_else(keys, partner, other):
    stranger = other_organisation()
    data = other.package(
        to=stranger.age_recipient, type="referral", content={}, code="referral"
    ).to_bytes()
    with pytest.raises(pkg.PackageError, match="wrong_recipient"):
        actions.receive_package(data)


def test_it_refuses_an_unknown_sender_and_a_forged_signature(keys, partner, other):
    stranger = other_organisation()
    data = stranger.package(
        to=keys.age_recipient, type="referral", content={}, code="referral"
    ).to_bytes()
    with pytest.raises(pkg.PackageError, match="unknown_sender"):
        actions.receive_package(data)
    # The stranger claims to be the partner (its fingerprint) but cannot sign as it.
    body = json.loads(data)
    body["sender"] = partner.signing_fingerprint
    with pytest.raises(pkg.PackageError, match="bad_signature"):
        actions.receive_package(json.dumps(body).encode())
    partner.active = False
    partner.save()
    good = other.package(to=keys.age_recipient, type="referral", content={}, code="referral")
    with pytest.raises(pkg.PackageError, match="unknown_sender"):
        actions.receive_package(good.to_bytes())
    assert not IncomingReferral.objects.exists()


def test_it_refuses_a_package_from_the_future(keys, partner, other):
    data = pkg.build(
        type="referral",
        content={},
        recipient_age=keys.age_recipient,
        signing_seed=other.seed,
        now=timezone.now() + dt.timedelta(hours=2),
        code="referral",
    ).to_bytes()
    with pytest.raises(pkg.PackageError, match="bad_time"):
        actions.receive_package(data)


def test_an_answer_to_a_referral_never_sent_is_refused(keys, partner, other):
    data = other.package(
        to=keys.age_recipient,
        type="answer",
        content={},
        code="accepted",
        in_reply_to=str(uuid.uuid4()),
    ).to_bytes()
    with pytest.raises(pkg.PackageError, match="unknown_referral"):
        actions.receive_package(data)


# ---- sending: consent and the two-person rule ----------------------------------------------------


def test_without_consent_a_referral_needs_a_reason_to_override(personas, keys, partner, case):
    with pytest.raises(actions.PartnerError, match="consented"):
        _refer(personas, case, partner, ["languages"])
    referral = _refer(
        personas, case, partner, ["languages"], override_reason="он в опасности, связи нет"
    )
    # Nothing identifying, but no consent: a second coordinator must still approve.
    assert referral.status == Referral.Status.AWAITING_APPROVAL
    assert referral.approval.kind == ApprovalRequest.Kind.EXPORT_IDENTIFIED
    assert not Envelope.objects.exists()


def test_a_referral_with_consent_and_nothing_identifying_leaves_at_once(
    personas, keys, partner, case, other
):
    _consent(personas, case, partner)
    referral = _refer(personas, case, partner, ["languages", "gender"], message="нужно место")
    assert referral.status == Referral.Status.SENT and referral.approval is None
    content = pkg.open_sealed(_sent_package(referral), other.age_identity)
    assert content["people"][0]["fields"] == {"languages": ["ru", "ce"]}
    assert content["message"] == "нужно место"
    assert content["people"][0]["consent"]["purpose"] == "referral"
    assert "Ислам" not in json.dumps(content, ensure_ascii=False)


def test_identified_data_leaves_only_after_a_second_coordinator_approves(
    personas, keys, partner, case, other
):
    _consent(personas, case, partner)
    referral = _refer(personas, case, partner, ["given_name", "family_name"])
    assert referral.status == Referral.Status.AWAITING_APPROVAL
    with pytest.raises(actions.PartnerError):
        actions.send_referral(keyring=keyring_for(personas.coordinator), referral=referral)
    from haven.cases.errors import CaseError

    with pytest.raises(CaseError, match="second coordinator"):
        decide_approval(
            keyring=keyring_for(personas.coordinator), approval=referral.approval, approve=True
        )
    decide_approval(
        keyring=keyring_for(personas.coordinator2), approval=referral.approval, approve=True
    )
    actions.send_referral(keyring=keyring_for(personas.coordinator), referral=referral)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT
    content = pkg.open_sealed(_sent_package(referral), other.age_identity)
    assert content["people"][0]["fields"] == {"given_name": "Ислам", "family_name": "Исаев"}
    # The approval is used once: it cannot send a second time.
    with pytest.raises(actions.PartnerError):
        actions.send_referral(keyring=keyring_for(personas.coordinator), referral=referral)


def test_a_rejected_approval_never_sends(personas, keys, partner, case):
    _consent(personas, case, partner)
    referral = _refer(personas, case, partner, ["given_name"])
    decide_approval(
        keyring=keyring_for(personas.coordinator2), approval=referral.approval, approve=False
    )
    with pytest.raises(actions.PartnerError, match="rejected"):
        actions.send_referral(keyring=keyring_for(personas.coordinator), referral=referral)
    assert not Envelope.objects.exists()


def test_a_transfer_needs_consent_to_a_transfer_not_to_a_referral(personas, keys, partner, case):
    _consent(personas, case, partner, Purpose.REFERRAL)
    with pytest.raises(actions.PartnerError, match="consented"):
        _refer(personas, case, partner, [], purpose=Purpose.TRANSFER)
    _consent(personas, case, partner, Purpose.TRANSFER)
    referral = _refer(personas, case, partner, [], purpose=Purpose.TRANSFER)
    assert referral.identified and referral.status == Referral.Status.AWAITING_APPROVAL
    assert "given_name" in referral.fields


def test_a_withdrawn_consent_no_longer_counts(personas, keys, partner, case):
    consent = _consent(personas, case, partner)
    actions.withdraw_consent(keyring=keyring_for(personas.coordinator), consent=consent)
    with pytest.raises(actions.PartnerError, match="consented"):
        _refer(personas, case, partner, ["languages"])


def test_answers_come_back_and_move_the_referral(personas, keys, partner, case, other):
    _consent(personas, case, partner)
    referral = _refer(personas, case, partner, ["languages"])
    accepted = other.package(
        to=keys.age_recipient,
        type="answer",
        content={"reason": "есть место"},
        code="accepted",
        in_reply_to=str(referral.id),
    )
    actions.receive_package(accepted.to_bytes())
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    envelope = Envelope.objects.get(pk=accepted.id)
    assert (
        actions.read_answer(keyring=keyring_for(personas.coordinator), envelope=envelope)
        == "есть место"
    )
    # A second "accepted" does not fit any more; "completed" does.
    again = other.package(
        to=keys.age_recipient,
        type="answer",
        content={},
        code="accepted",
        in_reply_to=str(referral.id),
    )
    with pytest.raises(pkg.PackageError, match="out_of_order"):
        actions.receive_package(again.to_bytes())
    # Revoke: a revocation package leaves, sealed to the partner; its destruction comes back.
    actions.revoke_referral(
        keyring=keyring_for(personas.coordinator), referral=referral, reason="отозвал согласие"
    )
    revocation = Envelope.objects.get(type="revocation")
    opened = pkg.parse(bytes(revocation.data))
    assert opened.in_reply_to == str(referral.id)
    assert pkg.open_sealed(opened, other.age_identity) == {"reason": "отозвал согласие"}
    destroyed = other.package(
        to=keys.age_recipient, type="destruction", content={}, in_reply_to=str(referral.id)
    )
    actions.receive_package(destroyed.to_bytes())
    referral.refresh_from_db()
    assert referral.status == Referral.Status.REVOKED and referral.destroyed_at is not None


def test_an_answer_from_another_partner_is_refused(personas, keys, partner, case):
    _consent(personas, case, partner)
    referral = _refer(personas, case, partner, ["languages"])
    third = other_organisation()
    actions.save_partner(
        actor=personas.coordinator,
        values={
            "name": "Third",
            "age_recipient": third.age_recipient,
            "verify_key": third.verify_key,
            "active": True,
        },
    )
    forged = third.package(
        to=keys.age_recipient,
        type="answer",
        content={},
        code="rejected",
        in_reply_to=str(referral.id),
    )
    with pytest.raises(pkg.PackageError, match="unknown_referral"):
        actions.receive_package(forged.to_bytes())
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT


# ---- receiving: accept, reject, destroy ----------------------------------------------------------


def _incoming(keys, other, code="referral"):  # type: ignore[no-untyped-def]
    content = {
        "purpose": code,
        "their_reference": "K-7Q2M",
        "case": {
            "risk": "critical",
            "region_of_origin": "nowhere",
            "destination_country": "CA",
            "pathway": "",
        },
        "people": [
            {
                "fields": {"given_name": "Заур", "family_name": "Алиев", "evil": "x"},
                "consent": {"purpose": code, "given_on": "2026-11-30"},
            }
        ],
        "documents": [],
        "message": "срочно",
    }
    sent = other.package(to=keys.age_recipient, type="referral", content=content, code=code)
    actions.receive_package(sent.to_bytes())
    return IncomingReferral.objects.get(package_id=sent.id), sent


def test_accepting_opens_a_case_in_a_new_vault_and_answers_signed(personas, keys, partner, other):
    incoming, sent = _incoming(keys, other)
    ring = keyring_for(personas.coordinator)
    incoming = actions.decide_incoming(keyring=ring, incoming=incoming, accept=True, reason="")
    case = Case.objects.get(pk=incoming.case_id)
    assert case.risk == "critical"
    person = Person.objects.get(case=case)
    assert keyring_for(personas.coordinator).open(case.vault).unseal(person, "given_name") == "Заур"
    answer = pkg.parse(bytes(Envelope.objects.get(type="answer").data))
    pkg.verify(answer, keys.verify_key)
    assert (answer.code, answer.in_reply_to) == ("accepted", str(sent.id))
    assert answer.recipient == pkg.fingerprint(other.age_recipient)


def test_rejecting_needs_a_reason_and_sends_it(personas, keys, partner, other):
    incoming, _sent = _incoming(keys, other)
    ring = keyring_for(personas.coordinator)
    with pytest.raises(actions.PartnerError, match="reason"):
        actions.decide_incoming(keyring=ring, incoming=incoming, accept=False, reason=" ")
    actions.decide_incoming(keyring=ring, incoming=incoming, accept=False, reason="нет мест")
    answer = pkg.parse(bytes(Envelope.objects.get(type="answer").data))
    assert answer.code == "rejected"
    assert pkg.open_sealed(answer, other.age_identity) == {"reason": "нет мест"}
    assert not Case.objects.exists()


def test_a_revoked_referral_is_destroyed_and_the_destruction_answered(
    personas, keys, partner, other
):
    incoming, sent = _incoming(keys, other)
    ring = keyring_for(personas.coordinator)
    incoming = actions.decide_incoming(keyring=ring, incoming=incoming, accept=True, reason="")
    revoke = other.package(
        to=keys.age_recipient, type="revocation", content={"reason": "x"}, in_reply_to=str(sent.id)
    )
    actions.receive_package(revoke.to_bytes())
    incoming.refresh_from_db()
    assert incoming.revocation_requested_at is not None
    actions.destroy_incoming(keyring=keyring_for(personas.coordinator), incoming=incoming)
    incoming.refresh_from_db()
    assert incoming.sealed is None and incoming.status == IncomingReferral.Status.DESTROYED
    vault = Vault.objects.get(pk=Case.objects.get(pk=incoming.case_id).vault_id)
    assert vault.shredded_at is not None
    with pytest.raises(VaultLocked):
        keyring_for(personas.coordinator).open(vault)
    destruction = pkg.parse(bytes(Envelope.objects.get(type="destruction").data))
    assert destruction.in_reply_to == str(sent.id)


def test_someone_without_the_exchange_keys_cannot_open_what_arrived(personas, keys, partner, other):
    incoming, _sent = _incoming(keys, other)
    from haven.accounts.models import Role
    from haven.testing.personas import make_staff

    newcomer = make_staff("newcoord", Role.COORDINATOR)
    with pytest.raises(actions.PartnerError, match="exchange keys"):
        actions.open_incoming(keyring=keyring_for(newcomer), incoming=incoming)
    with pytest.raises(actions.PartnerError):
        actions.decide_incoming(
            keyring=keyring_for(personas.caseworker), incoming=incoming, accept=True, reason=""
        )


def test_a_coordinator_who_joined_later_gets_the_keys_only_with_a_second_coordinators_yes(
    personas, keys
):  # type: ignore[no-untyped-def]
    from haven.accounts.models import Role
    from haven.testing.personas import make_staff

    newcomer = make_staff("newcoord", Role.COORDINATOR)
    approval = actions.share_exchange_keys(
        keyring=keyring_for(personas.coordinator), user=newcomer, reason="новый координатор"
    )
    with pytest.raises(VaultLocked):
        keyring_for(newcomer).open(keys.vault)
    decide_approval(keyring=keyring_for(personas.coordinator2), approval=approval, approve=True)
    assert actions._open_keys(keyring_for(newcomer))[0] == keys
