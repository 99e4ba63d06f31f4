"""The crypto core's promises, as properties."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.cases.models import Case, Person
from haven.testing.personas import keyring_for
from haven.vault import crypto
from haven.vault.actions import GrantError, create_vault, grant_vault, revoke_grant, shred_vault
from haven.vault.keyring import Keyring, VaultLocked

KEY = crypto.random_key()


@given(plaintext=st.binary(max_size=4096), aad=st.binary(max_size=64))
def test_it_round_trips_any_bytes_through_the_aead(plaintext: bytes, aad: bytes) -> None:
    assert crypto.aead_decrypt(KEY, crypto.aead_encrypt(KEY, plaintext, aad), aad) == plaintext


@given(
    plaintext=st.binary(min_size=1, max_size=512),
    position=st.integers(min_value=0),
    flip=st.integers(min_value=1, max_value=255),
)
def test_it_rejects_any_tampered_ciphertext(plaintext: bytes, position: int, flip: int) -> None:
    blob = bytearray(crypto.aead_encrypt(KEY, plaintext, b"aad"))
    blob[position % len(blob)] ^= flip
    with pytest.raises(crypto.CryptoError):
        crypto.aead_decrypt(KEY, bytes(blob), b"aad")


@given(a=st.binary(max_size=32), b=st.binary(max_size=32))
def test_it_rejects_a_ciphertext_opened_with_other_associated_data(a: bytes, b: bytes) -> None:
    blob = crypto.aead_encrypt(KEY, b"secret", a)
    if a == b:
        assert crypto.aead_decrypt(KEY, blob, b) == b"secret"
    else:
        with pytest.raises(crypto.CryptoError):
            crypto.aead_decrypt(KEY, blob, b)


@given(plaintext=st.binary(max_size=1024), aad=st.binary(max_size=64), other=st.binary(max_size=64))
def test_it_binds_sealed_boxes_to_their_record(plaintext: bytes, aad: bytes, other: bytes) -> None:
    pair = crypto.KeyPair.generate()
    blob = crypto.seal_to(pair.public, plaintext, aad)
    assert crypto.open_sealed(pair.private, blob, aad) == plaintext
    if other != aad:
        with pytest.raises(crypto.CryptoError):
            crypto.open_sealed(pair.private, blob, other)


def _case_with_person(keyring: Keyring, **values: str) -> tuple[Case, Person]:
    vault = create_vault(actor=keyring.user, kind="case", members=[keyring.user], keyring=keyring)
    case = Case.objects.create(vault=vault)
    person = Person(case=case, vault=vault)
    keyring.open(vault).seal(person, **values)
    person.save()
    return case, person


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(max_size=200), notes=st.text(max_size=2000))
def test_sealed_fields_round_trip_any_text_through_the_database(
    personas, name: str, notes: str
) -> None:
    keyring = keyring_for(personas.caseworker)
    _case, person = _case_with_person(keyring, given_name=name, notes=notes)
    fresh = Person.objects.select_related("vault").get(pk=person.pk)
    reader = keyring_for(personas.caseworker).reader(fresh)
    assert reader.given_name == name
    assert reader.notes == notes


@pytest.mark.django_db
def test_a_ciphertext_moved_to_another_row_does_not_open(personas) -> None:
    keyring = keyring_for(personas.caseworker)
    case, alice = _case_with_person(keyring, given_name="Алиса")
    bob = Person(case=case, vault=case.vault)
    keyring.open(case.vault).seal(bob, given_name="Боб")
    bob.given_name = alice.given_name  # an attacker with database access swaps the bytes
    bob.save()
    with pytest.raises(crypto.CryptoError):
        keyring.open(case.vault).unseal(bob, "given_name")


@pytest.mark.django_db
def test_a_ciphertext_moved_to_another_column_does_not_open(personas) -> None:
    keyring = keyring_for(personas.caseworker)
    _case, person = _case_with_person(keyring, given_name="Ислам", family_name="Исаев")
    person.family_name = person.given_name
    with pytest.raises(crypto.CryptoError):
        keyring.open(person.vault).unseal(person, "family_name")


@pytest.mark.django_db
def test_plain_text_assigned_to_a_sealed_field_is_refused_at_save(personas) -> None:
    keyring = keyring_for(personas.caseworker)
    case, _person = _case_with_person(keyring, given_name="x")
    with pytest.raises(TypeError):
        Person.objects.create(case=case, vault=case.vault, given_name="plaintext by mistake")


@pytest.mark.django_db
def test_a_user_without_a_grant_cannot_open_the_vault(personas) -> None:
    case, person = _case_with_person(keyring_for(personas.caseworker), given_name="Зарема")
    outsider = keyring_for(personas.outsider)
    assert not outsider.can_open(case.vault)
    with pytest.raises(VaultLocked):
        outsider.open(case.vault)
    assert outsider.reader(person).given_name is None
    assert list(outsider.visible(Case.objects.all())) == []


@pytest.mark.django_db
def test_admins_hold_no_grant_by_default(personas) -> None:
    case, _person = _case_with_person(keyring_for(personas.caseworker), given_name="x")
    with pytest.raises(VaultLocked):
        keyring_for(personas.admin).open(case.vault)


@pytest.mark.django_db
def test_a_granted_user_opens_the_vault_and_a_revoked_grant_stops_working(personas) -> None:
    owner = keyring_for(personas.caseworker)
    case, person = _case_with_person(owner, given_name="Мадина")
    grant_vault(keyring=owner, vault=case.vault, user=personas.coordinator)
    assert keyring_for(personas.coordinator).reader(person).given_name == "Мадина"
    revoke_grant(actor=personas.caseworker, vault=case.vault, user=personas.coordinator)
    with pytest.raises(VaultLocked):
        keyring_for(personas.coordinator).open(case.vault)


@pytest.mark.django_db
def test_only_someone_who_can_open_a_vault_can_grant_it(personas) -> None:
    case, _person = _case_with_person(keyring_for(personas.caseworker), given_name="x")
    with pytest.raises(VaultLocked):
        grant_vault(
            keyring=keyring_for(personas.outsider), vault=case.vault, user=personas.outsider
        )


@pytest.mark.django_db
def test_granting_twice_is_a_clear_error(personas) -> None:
    owner = keyring_for(personas.caseworker)
    case, _person = _case_with_person(owner, given_name="x")
    grant_vault(keyring=owner, vault=case.vault, user=personas.lawyer)
    with pytest.raises(GrantError):
        grant_vault(
            keyring=keyring_for(personas.caseworker), vault=case.vault, user=personas.lawyer
        )


@pytest.mark.django_db
def test_a_shredded_vault_opens_for_nobody(personas) -> None:
    owner = keyring_for(personas.caseworker)
    case, person = _case_with_person(owner, given_name="Аслан")
    shred_vault(actor=personas.coordinator, vault=case.vault, reason="retention")
    fresh = keyring_for(personas.caseworker)
    assert not fresh.can_open(case.vault)
    assert fresh.reader(Person.objects.get(pk=person.pk)).given_name is None


@pytest.mark.django_db
def test_every_vault_opening_is_audited_once_per_request(personas) -> None:
    from haven.audit.models import AuditEvent

    case, person = _case_with_person(keyring_for(personas.caseworker), given_name="x")
    keyring = keyring_for(personas.caseworker)
    keyring.reader(person)
    keyring.reader(person)
    keyring.flush_audit()
    assert (
        AuditEvent.objects.filter(
            action="vault.open", object_id=str(case.vault_id), actor_id=personas.caseworker.pk
        ).count()
        == 1
    )


def test_the_blind_index_is_deterministic_and_truncated() -> None:
    a = crypto.blind_index(KEY, "isaev", bits=20)
    assert a == crypto.blind_index(KEY, "isaev", bits=20)
    assert a != crypto.blind_index(crypto.random_key(), "isaev", bits=20)
    assert len(a) == 5


@pytest.mark.django_db
def test_a_session_cached_vault_key_stops_working_when_the_grant_is_revoked(personas) -> None:
    from haven.vault.keyring import SessionKeyCache

    owner = keyring_for(personas.caseworker)
    case, person = _case_with_person(owner, given_name="Хава")
    grant_vault(keyring=owner, vault=case.vault, user=personas.lawyer)
    store: dict[str, str] = {}
    secret = crypto.random_key()
    lawyer_key = keyring_for(personas.lawyer)._private_key
    first = Keyring(personas.lawyer, lawyer_key, session_cache=SessionKeyCache(store, secret, "b"))
    assert first.reader(person).given_name == "Хава"
    assert store, "the opened vault key is cached in the session"
    assert all("Хава" not in v for v in store.values())
    revoke_grant(actor=personas.caseworker, vault=case.vault, user=personas.lawyer)
    second = Keyring(personas.lawyer, lawyer_key, session_cache=SessionKeyCache(store, secret, "b"))
    with pytest.raises(VaultLocked):
        second.open(case.vault)
