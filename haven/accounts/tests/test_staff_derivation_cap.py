"""Derivations that only signed-in staff or a command can start (password change, duress password,
new account, reset, `haven` commands) run under the same installation-wide cap as the sign-in page
(issue 14, finding 4): they wait their turn for a slot, and answer "busy" if none frees."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError

from haven.accounts import actions, throttle
from haven.accounts.cli import keyring_from_cli
from haven.accounts.models import User
from haven.testing.personas import PASSWORD
from haven.vault import crypto, userkeys

NEW = "a brand new long passphrase"


@pytest.fixture(autouse=True)
def _own_admission_directory(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.HAVEN_ADMISSION_DIR = str(tmp_path / "admission")


def _hold_every_general_slot(settings):  # type: ignore[no-untyped-def]
    pool = throttle.general_pool()
    held = [pool.try_acquire() for _ in range(settings.HAVEN_STAFF_KDF_CONCURRENCY)]
    assert all(held)
    return held


@pytest.mark.django_db
def test_with_every_slot_busy_staff_pages_that_derive_answer_busy_and_change_nothing(
    personas, client_for, settings, monkeypatch
) -> None:
    admin = client_for(personas.admin)
    caseworker = client_for(personas.caseworker)
    settings.HAVEN_STAFF_KDF_WAIT_SECONDS = 0.0
    held = _hold_every_general_slot(settings)
    users_before = User.objects.count()

    change = caseworker.post(
        "/staff/account/password/",
        {"current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW},
    )
    duress = caseworker.post(
        "/staff/account/duress/",
        {"duress_password": "another long phrase", "current_password": PASSWORD},
    )
    create = admin.post("/staff/accounts/new/", {"username": "new.person", "roles": ["operator"]})
    reset = admin.post(f"/staff/accounts/{personas.operator.pk}/reset/", {"confirm": "on"})
    for response in (change, duress, create, reset):
        assert response.status_code == 503 and response["Retry-After"] == "30"
        assert "Сервер сейчас очень загружен" in response.content.decode()
    assert 'value="new.person"' in create.content.decode()  # what was typed comes back
    monkeypatch.setenv("HAVEN_PASSWORD", PASSWORD)
    monkeypatch.setenv("HAVEN_OTP", "000000")
    with pytest.raises(CommandError, match="too busy"):
        keyring_from_cli(personas.caseworker.username)

    assert User.objects.count() == users_before
    assert userkeys.unwrap_user_key(personas.caseworker, PASSWORD) is not None
    assert userkeys.unwrap_user_key(personas.operator, PASSWORD) is not None
    personas.caseworker.refresh_from_db()
    assert not personas.caseworker.duress_password

    for slot in held:
        slot.release()  # type: ignore[union-attr]
    again = caseworker.post(
        "/staff/account/password/",
        {"current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW},
    )
    assert again.status_code == 302
    assert userkeys.unwrap_user_key(personas.caseworker, NEW) is not None


@pytest.mark.django_db
def test_each_staff_derivation_runs_inside_one_general_slot(
    personas, client_for, monkeypatch, settings
) -> None:
    caseworker = client_for(personas.caseworker)
    held_during: list[int] = []
    real = crypto.derive_key

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        held_during.append(throttle.general_pool().in_use())
        return real(*args, **kwargs)

    monkeypatch.setattr(crypto, "derive_key", watched)
    # the view holds a slot and the action inside it takes no second one
    response = caseworker.post(
        "/staff/account/password/",
        {"current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW},
    )
    assert response.status_code == 302
    assert held_during == [1, 1]  # unwrap with the current password, wrap under the new one
    held_during.clear()
    actions.create_staff_user(actor=None, username="from.a.command", roles=["operator"])
    assert held_during == [1]
    assert throttle.general_pool().in_use() == 0  # every slot given back
