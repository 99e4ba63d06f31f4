"""Check-in PINs are verified with a keyed hash whose key is not in the database; both PINs are
checked on every press; legacy Argon2 hashes are verified and replaced once."""

from __future__ import annotations

import base64
import hmac

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client

from haven.intake import actions as intake_actions
from haven.intake.forms import form_token
from haven.intake.models import PortalIdentity
from haven.safety import actions, pins
from haven.safety.models import CheckIn, SafetyIncident, Watch
from haven.vault import worker_keys

DEPLOYMENT_KEY = base64.urlsafe_b64encode(b"d" * 32).decode()
OTHER_KEY = base64.urlsafe_b64encode(b"o" * 32).decode()


@pytest.fixture(autouse=True)
def _deployment_key(settings):  # type: ignore[no-untyped-def]
    settings.HAVEN_DELIVERY_KEY = DEPLOYMENT_KEY


@pytest.fixture
def intake_vault(personas):  # type: ignore[no-untyped-def]
    from haven.testing.personas import keyring_for

    return intake_actions.set_up_intake_vault(
        actor=personas.coordinator, keyring=keyring_for(personas.coordinator)
    )


@pytest.fixture
def person(intake_vault, watch):  # type: ignore[no-untyped-def]
    submission = intake_actions.submit_request(
        text="помогите", felt_urgency="now", contact="", files=[], language="ru"
    )
    PortalIdentity.objects.filter(pk=submission.request.identity_id).update(case=watch.case)
    client = Client()
    entered = client.post("/enter/", {"codename": submission.codename, "form_token": form_token()})
    assert entered.status_code == 302
    return client


def _stored_digest(value: str) -> bytes:
    return bytes.fromhex(value.split("$")[2])


def _pins_matching(stored: str, watch: Watch, which: pins.Which) -> list[str]:
    """Every 4-digit PIN whose digest under the current key equals the stored one: the offline
    search someone holding the database would run."""
    target = _stored_digest(stored)
    return [
        pin
        for pin in (f"{n:04d}" for n in range(10_000))
        if hmac.compare_digest(pins._digest(watch.pk, which, pin), target)
    ]


@pytest.mark.django_db
def test_the_stored_pin_is_useless_without_the_deployments_key(watch, settings) -> None:
    assert watch.pin_hash.startswith("haven-pin1$") and "2468" not in watch.pin_hash
    # With the deployment's key the 10,000 four-digit PINs give the PIN up at once ...
    assert _pins_matching(watch.pin_hash, watch, "pin") == ["2468"]
    assert _pins_matching(watch.duress_pin_hash, watch, "duress") == ["1357"]
    # ... with any other key (what the database alone leaves you) none matches.
    settings.HAVEN_DELIVERY_KEY = OTHER_KEY
    assert _pins_matching(watch.pin_hash, watch, "pin") == []
    assert _pins_matching(watch.duress_pin_hash, watch, "duress") == []
    assert not pins.check(watch, "2468").accepted


@pytest.mark.django_db
def test_a_stored_pin_copied_to_another_column_or_watch_matches_nothing(watch) -> None:
    swapped = Watch(pk=watch.pk, pin_hash=watch.duress_pin_hash, duress_pin_hash=watch.pin_hash)
    assert not pins.check(swapped, "2468").accepted
    assert not pins.check(swapped, "1357").accepted
    other = Watch(pin_hash=watch.pin_hash, duress_pin_hash="")
    assert not pins.check(other, "2468").accepted
    assert pins.check(watch, "2468").normal and pins.check(watch, "1357").duress


@pytest.mark.django_db
def test_a_normal_a_duress_and_a_wrong_pin_do_the_same_work(watch, monkeypatch) -> None:
    digests: list[str] = []
    real = worker_keys.keyed_digest

    def counted(purpose: str, message: bytes) -> bytes:
        digests.append(purpose)
        return real(purpose, message)

    monkeypatch.setattr(worker_keys, "keyed_digest", counted)
    seen = []
    for pin in ("2468", "1357", "0000"):
        digests.clear()
        verdict = pins.check(watch, pin)
        seen.append((verdict.normal, verdict.duress, len(digests)))
    assert seen == [(True, False, 2), (False, True, 2), (False, False, 2)]
    # without a duress PIN, still two digests per press
    watch.duress_pin_hash = ""
    digests.clear()
    assert not pins.check(watch, "1357").accepted and len(digests) == 2


@pytest.mark.django_db
def test_legacy_argon2_pins_are_verified_and_each_replaced_when_it_is_next_typed(
    person, watch, monkeypatch
) -> None:
    Watch.objects.filter(pk=watch.pk).update(
        pin_hash=make_password("2468"), duress_pin_hash=make_password("1357")
    )
    argon2_runs: list[str] = []
    real = pins.check_password

    def counted(pin: str, encoded: str) -> bool:
        argon2_runs.append(encoded[:6])
        return real(pin, encoded)

    monkeypatch.setattr(pins, "check_password", counted)

    assert "Спасибо" in person.post("/checkin/?lang=ru", {"pin": "2468"}).content.decode()
    assert argon2_runs == ["argon2", "argon2"]  # both legacy hashes, as before
    watch.refresh_from_db()
    assert watch.pin_hash.startswith("haven-pin1$")
    assert pins.is_legacy(watch.duress_pin_hash)  # its PIN was not typed: nothing to hash
    assert not SafetyIncident.objects.exists()

    argon2_runs.clear()
    duress = person.post("/checkin/?lang=ru", {"pin": "1357"})
    assert "Спасибо" in duress.content.decode()
    assert argon2_runs == ["argon2"]  # only the duress hash is still legacy
    assert SafetyIncident.objects.filter(kind=SafetyIncident.Kind.DURESS).count() == 1
    watch.refresh_from_db()
    assert watch.duress_pin_hash.startswith("haven-pin1$")

    argon2_runs.clear()
    wrong = person.post("/checkin/?lang=ru", {"pin": "0000"})
    assert "Неверный PIN" in wrong.content.decode()
    assert argon2_runs == []
    assert CheckIn.objects.filter(watch=watch).count() == 2
    watch.refresh_from_db()
    assert watch.failed_pins == 1
    assert person.post("/checkin/?lang=ru", {"pin": "2468"}).status_code == 200
    assert CheckIn.objects.filter(watch=watch).count() == 3


@pytest.mark.django_db
def test_a_wrong_legacy_pin_replaces_nothing(person, watch) -> None:
    legacy = make_password("2468")
    Watch.objects.filter(pk=watch.pk).update(pin_hash=legacy)
    assert "Неверный PIN" in person.post("/checkin/?lang=ru", {"pin": "9999"}).content.decode()
    watch.refresh_from_db()
    assert watch.pin_hash == legacy


@pytest.mark.django_db
def test_pins_stored_under_another_delivery_key_refuse_without_raising_a_guessing_alarm(
    person, watch, settings
) -> None:
    settings.HAVEN_DELIVERY_KEY = OTHER_KEY
    for _ in range(actions.PIN_ATTEMPTS + 1):
        refused = person.post("/checkin/?lang=ru", {"pin": "2468"})
        assert "Неверный PIN" in refused.content.decode()
    watch.refresh_from_db()
    assert watch.failed_pins == 0 and watch.pins_locked_until is None
    assert not SafetyIncident.objects.exists() and not CheckIn.objects.exists()
