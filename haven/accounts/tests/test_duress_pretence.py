"""The duress pretence itself (haven/accounts/duress.py): what it undoes, what it refuses, and
the few things a duress session keeps (its session, its sign-out, one audit row)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from haven.accounts import actions
from haven.accounts.backends import check_duress
from haven.accounts.duress import DuressRefused, pretence
from haven.accounts.models import RoleAssignment, StaffSession
from haven.audit.models import AuditEvent
from haven.testing.personas import PASSWORD, current_code
from haven.vault.userkeys import unwrap_user_key

DURESS = "under pressure 1"


def _duress_sign_in(user) -> Client:  # type: ignore[no-untyped-def]
    actions.set_duress_password(user=user, duress_password=DURESS)
    client = Client()
    response = client.post(
        "/staff/login/",
        {"username": user.username, "password": DURESS, "otp_token": current_code(user)},
    )
    assert response.status_code == 302
    return client


@pytest.mark.django_db
def test_what_is_written_inside_the_pretence_is_gone_after_it(personas) -> None:
    with pretence() as guard:
        RoleAssignment.objects.create(user=personas.caseworker, role="admin")
        assert RoleAssignment.objects.filter(user=personas.caseworker, role="admin").exists()
    assert guard.writes == 1
    assert not RoleAssignment.objects.filter(user=personas.caseworker, role="admin").exists()


@pytest.mark.django_db
def test_the_pretence_refuses_a_raw_commit(personas) -> None:
    with pretence():
        RoleAssignment.objects.create(user=personas.caseworker, role="admin")
        with pytest.raises(DuressRefused), connection.cursor() as cursor:
            cursor.execute("COMMIT")
    assert not RoleAssignment.objects.filter(user=personas.caseworker, role="admin").exists()


@pytest.mark.django_db
def test_a_duress_session_keeps_its_session_and_signing_out_deletes_it(personas) -> None:
    client = _duress_sign_in(personas.admin)
    key = client.session.session_key
    assert client.get("/staff/").status_code == 200
    assert StaffSession.objects.filter(session_key=key).exists()
    assert client.post("/staff/logout/").status_code == 302
    assert not StaffSession.objects.filter(session_key=key).exists()
    assert client.get("/staff/").status_code == 302


@pytest.mark.django_db
def test_a_write_under_duress_leaves_one_audit_row_naming_the_view_and_no_value(
    personas,
) -> None:
    client = _duress_sign_in(personas.admin)
    response = client.post("/staff/accounts/new/", {"username": "zz.secret", "roles": ["admin"]})
    assert response.status_code == 200
    row = AuditEvent.objects.get(action="duress.pretend")
    assert row.actor_id == personas.admin.pk
    assert row.data["view"] == "accounts-create" and row.data["method"] == "POST"
    assert row.data["writes"] > 0
    assert "zz.secret" not in str(row.data)


@pytest.mark.django_db
def test_under_duress_the_duress_password_counts_as_the_current_password(personas) -> None:
    """A coercer may make the person change their password: the duress password they signed in
    with must be accepted as a real one is, and the wrong one refused as a real one is."""
    client = _duress_sign_in(personas.caseworker)
    wrong = client.post(
        "/staff/account/password/",
        {
            "current_password": "not it at all",
            "new_password": "a brand new passphrase 9",
            "new_password_again": "a brand new passphrase 9",
        },
    )
    assert wrong.status_code == 200 and "не ваш текущий пароль" in wrong.content.decode()
    right = client.post(
        "/staff/account/password/",
        {
            "current_password": DURESS,
            "new_password": "a brand new passphrase 9",
            "new_password_again": "a brand new passphrase 9",
        },
    )
    assert right.status_code == 302
    personas.caseworker.refresh_from_db()
    # Nothing changed: the real password still opens the key, the duress one is still set.
    assert unwrap_user_key(personas.caseworker, PASSWORD) is not None
    assert check_duress(personas.caseworker, DURESS)


@pytest.mark.django_db
def test_a_duress_command_line_session_keeps_nothing_it_writes(personas, monkeypatch) -> None:
    from haven.accounts.cli import staff_keyring_from_cli

    actions.set_duress_password(user=personas.docofficer, duress_password=DURESS)
    monkeypatch.setenv("HAVEN_PASSWORD", DURESS)
    monkeypatch.setenv("HAVEN_OTP", current_code(personas.docofficer))
    with staff_keyring_from_cli("doc") as keyring:
        assert keyring.duress
        RoleAssignment.objects.create(user=personas.docofficer, role="admin")
    assert not RoleAssignment.objects.filter(user=personas.docofficer, role="admin").exists()
    assert AuditEvent.objects.filter(action="login.duress").exists()
