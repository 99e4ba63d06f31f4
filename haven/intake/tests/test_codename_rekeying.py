"""Codenames issued under the legacy derivation (Argon2id, 64 MiB) are re-keyed to the current one
(1 MiB) at their next sign-in, keep reading everything sealed to them, and a wrong codename costs
one current derivation (plus one legacy derivation in its own lane while legacy ones remain)."""

from __future__ import annotations

import re

import nacl.pwhash
import pytest
from django.test import Client

from haven.audit.models import AuditEvent
from haven.intake import actions, portal
from haven.intake.models import HelpRequest, PortalIdentity
from haven.lib.codenames import generate_codename, normalise_codename
from haven.vault import codename as codename_crypto

LEGACY_MEMLIMIT = 16 * 1024 * 1024  # as an installation configured before the upgrade


@pytest.fixture(autouse=True)
def _legacy_parameters(settings):  # type: ignore[no-untyped-def]
    # Different from the current derivation's, so that the recorded calls tell them apart.
    settings.HAVEN_CODENAME_ARGON2_OPSLIMIT = 1
    settings.HAVEN_CODENAME_ARGON2_MEMLIMIT = LEGACY_MEMLIMIT


@pytest.fixture
def derivations(monkeypatch):  # type: ignore[no-untyped-def]
    """The memory of every Argon2id the portal runs, in order."""
    calls: list[int] = []
    real = nacl.pwhash.argon2id.kdf

    def recorded(size, password, salt, *, opslimit, memlimit):  # type: ignore[no-untyped-def]
        calls.append(memlimit)
        return real(size, password, salt, opslimit=opslimit, memlimit=memlimit)

    monkeypatch.setattr(nacl.pwhash.argon2id, "kdf", recorded)
    return calls


def _legacy_person(monkeypatch, text: str) -> tuple[str, HelpRequest]:  # type: ignore[no-untyped-def]
    """A request made before the upgrade: its identity found through the legacy derivation."""
    with monkeypatch.context() as m:
        m.setattr(codename_crypto, "derive", codename_crypto.derive_legacy)
        submission = actions.submit_request(
            text=text, felt_urgency="days", contact="", files=[], language="ru"
        )
    PortalIdentity.objects.filter(pk=submission.request.identity_id).update(
        kdf=codename_crypto.LEGACY
    )
    assert submission.codename
    return submission.codename, submission.request


def _enter(client: Client, codename: str, token: str):  # type: ignore[no-untyped-def]
    return client.post("/enter/?lang=ru", {"codename": codename, "form_token": token})


@pytest.mark.django_db
def test_a_legacy_codename_signs_in_is_rekeyed_and_still_reads_everything_sealed_to_it(
    intake_vault, personas, form_token, monkeypatch, derivations
) -> None:
    codename, request = _legacy_person(monkeypatch, "Меня ищут, нужна помощь")
    actions.reply(actor=personas.operator, request=request, text="Ответим завтра.")
    identity = PortalIdentity.objects.select_related("vault").get()
    public_key = bytes(identity.vault.public_key)
    derivations.clear()

    person = Client()
    entered = _enter(person, codename, form_token)
    assert entered.status_code == 302
    # the current derivation first, then the legacy one that found it
    assert derivations == [codename_crypto.KDF_MEMLIMIT, LEGACY_MEMLIMIT]
    identity.refresh_from_db()
    assert identity.kdf == codename_crypto.CURRENT
    assert identity.lookup_id == portal.derive_keys(normalise_codename(codename)).lookup_id
    assert identity.legacy_private_key is not None
    assert bytes(identity.vault.public_key) == public_key  # nothing re-sealed, same key pair
    inbox = person.get("/inbox/?lang=ru").content.decode()
    assert "Меня ищут, нужна помощь" in inbox and "Ответим завтра." in inbox
    rekeyed = AuditEvent.objects.get(action="intake.codename_rekeyed")
    assert rekeyed.object_id == "" and str(identity.pk) not in str(rekeyed.data)


@pytest.mark.django_db
def test_a_rekeyed_codename_signs_in_through_the_current_derivation_alone(
    intake_vault, personas, form_token, monkeypatch, derivations
) -> None:
    codename, request = _legacy_person(monkeypatch, "Первое сообщение")
    assert _enter(Client(), codename, form_token).status_code == 302
    # a reply sealed after the re-keying, to the same public key
    actions.reply(actor=personas.operator, request=request, text="Ответ после обновления")
    derivations.clear()

    def no_legacy(*args: object) -> None:
        raise AssertionError("a re-keyed codename must not need the legacy derivation")

    monkeypatch.setattr(codename_crypto, "derive_legacy", no_legacy)
    person = Client()
    assert _enter(person, codename, form_token).status_code == 302
    assert derivations == [codename_crypto.KDF_MEMLIMIT]
    inbox = person.get("/inbox/?lang=ru").content.decode()
    assert "Первое сообщение" in inbox and "Ответ после обновления" in inbox
    assert person.post("/inbox/write/?lang=ru", {"text": "Спасибо"}).status_code == 302
    assert AuditEvent.objects.filter(action="intake.codename_rekeyed").count() == 1


@pytest.mark.django_db
def test_a_wrong_codename_costs_one_small_derivation_when_no_legacy_codename_is_left(
    intake_vault, form_token, monkeypatch, derivations
) -> None:
    codename, _request = _legacy_person(monkeypatch, "помогите")
    derivations.clear()
    wrong = generate_codename("ru")
    # While a legacy identity is left, a wrong codename also pays one legacy derivation.
    assert _enter(Client(), wrong, form_token).status_code == 200
    assert derivations == [codename_crypto.KDF_MEMLIMIT, LEGACY_MEMLIMIT]
    # Its person signs in once; the legacy lane closes by itself.
    assert _enter(Client(), codename, form_token).status_code == 302
    derivations.clear()
    for _ in range(5):
        refused = _enter(Client(), generate_codename("ru"), form_token)
        assert refused.status_code == 200
        assert "Не удалось найти это кодовое имя" in refused.content.decode()
    assert derivations == [codename_crypto.KDF_MEMLIMIT] * 5
    assert codename_crypto.KDF_MEMLIMIT == 1024 * 1024


@pytest.mark.django_db
def test_a_full_legacy_lane_makes_a_legacy_codename_busy_but_never_a_current_one(
    intake_vault, form_token, settings, monkeypatch
) -> None:
    from haven.intake.middleware import codename_derivations, sign_in_places

    legacy_codename, _request = _legacy_person(monkeypatch, "старый запрос")
    current = actions.submit_request(
        text="новый запрос", felt_urgency="days", contact="", files=[], language="ru"
    )
    settings.HAVEN_PORTAL_SIGNIN_WAIT_SECONDS = 0.0
    pool = codename_derivations()
    held = [pool.try_acquire() for _ in range(settings.HAVEN_CODENAME_KDF_CONCURRENCY)]
    assert all(held)
    refused = _enter(Client(), legacy_codename, form_token)
    assert refused.status_code == 503 and refused["Retry-After"] == "30"
    assert legacy_codename in refused.content.decode()  # one more press is all it takes
    assert PortalIdentity.objects.filter(kdf=codename_crypto.LEGACY).count() == 1
    assert current.codename
    assert _enter(Client(), current.codename, form_token).status_code == 302
    for slot in held:
        slot.release()  # type: ignore[union-attr]
    assert sign_in_places().in_use() == 0  # the refused request gave its place back
    assert _enter(Client(), legacy_codename, form_token).status_code == 302


@pytest.mark.django_db
def test_with_the_legacy_lane_closed_a_legacy_codename_is_not_found_and_costs_no_legacy_derivation(
    intake_vault, form_token, settings, monkeypatch, derivations
) -> None:
    codename, _request = _legacy_person(monkeypatch, "помогите")
    settings.HAVEN_CODENAME_LEGACY_SIGN_IN = False
    derivations.clear()
    refused = _enter(Client(), codename, form_token)
    assert refused.status_code == 200
    assert "Не удалось найти это кодовое имя" in refused.content.decode()
    assert derivations == [codename_crypto.KDF_MEMLIMIT]
    assert not re.search(r"haven_portal", str(refused.cookies))
