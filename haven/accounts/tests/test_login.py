"""Signing in: two factors, lockout, session limits, the split key, duress and burning."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from haven.accounts import actions
from haven.accounts.models import StaffSession
from haven.alerts.models import Notification
from haven.audit.models import AuditEvent
from haven.cases.models import Case, Person
from haven.testing.personas import PASSWORD, current_code, keyring_for
from haven.vault.actions import create_vault
from haven.vault.models import Grant


def _login(client: Client, user, password: str = PASSWORD, code: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        "/staff/login/",
        {"username": user.username, "password": password, "otp_token": code or current_code(user)},
    )


def _case_for(user, *others) -> Case:  # type: ignore[no-untyped-def]
    keyring = keyring_for(user)
    vault = create_vault(actor=user, kind="case", members=[user, *others], keyring=keyring)
    case = Case.objects.create(vault=vault)
    person = Person(case=case, vault=vault)
    keyring.open(vault).seal(person, given_name="Салех")
    person.save()
    return case


@pytest.mark.django_db
def test_the_login_page_is_public_and_in_russian_by_default(client: Client) -> None:
    response = client.get("/staff/login/")
    assert response.status_code == 200
    assert "Вход для сотрудников" in response.content.decode()


@pytest.mark.django_db
def test_a_right_password_and_code_signs_in_and_sets_the_key_cookie(
    personas, client: Client
) -> None:
    response = _login(client, personas.caseworker)
    assert response.status_code == 302 and response["Location"] == "/staff/"
    key_cookie = response.cookies[settings.HAVEN_KEY_COOKIE_NAME]
    assert key_cookie["httponly"] and key_cookie["samesite"] == "Strict"
    assert client.get("/staff/").status_code == 200
    assert AuditEvent.objects.filter(
        action="login.success", actor_id=personas.caseworker.pk
    ).exists()


@pytest.mark.django_db
def test_the_session_row_holds_only_ciphertext_of_the_key(personas, client: Client) -> None:
    _login(client, personas.caseworker)
    session = StaffSession.objects.get(user=personas.caseworker)
    data = session.get_decoded()
    assert "haven_key" in data
    cookie_secret = client.cookies[settings.HAVEN_KEY_COOKIE_NAME].value
    assert cookie_secret not in session.session_data


@pytest.mark.django_db
@pytest.mark.parametrize("what", ["password", "code"])
def test_a_wrong_password_or_code_gets_one_clear_message_and_is_audited(
    personas, client: Client, what: str
) -> None:
    if what == "password":
        response = _login(client, personas.caseworker, password="not it at all")
    else:
        response = _login(
            client,
            personas.caseworker,
            code="000000" if current_code(personas.caseworker) != "000000" else "111111",
        )
    assert response.status_code == 200
    assert "Неверное имя пользователя, пароль или код." in response.content.decode()
    assert 'value="cw"' in response.content.decode()  # what was typed comes back
    assert AuditEvent.objects.filter(action="login.failure").count() == 1


@pytest.mark.django_db
def test_an_unknown_user_gets_the_same_message(personas, client: Client) -> None:
    response = client.post(
        "/staff/login/", {"username": "nobody", "password": "x", "otp_token": "123456"}
    )
    assert "Неверное имя пользователя, пароль или код." in response.content.decode()


@pytest.mark.django_db
def test_a_malformed_code_is_a_field_error_not_a_crash(personas, client: Client) -> None:
    response = client.post(
        "/staff/login/", {"username": "cw", "password": PASSWORD, "otp_token": "abc"}
    )
    assert response.status_code == 200
    assert "Код состоит из шести цифр." in response.content.decode()


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_name_with_a_growing_delay(
    personas, client: Client
) -> None:
    for _ in range(settings.HAVEN_LOCKOUT_FREE_ATTEMPTS):
        _login(client, personas.caseworker, password="wrong")
    first_delay = actions.note_failure("cw")
    second_delay = actions.note_failure("cw")
    assert 0 < first_delay < second_delay
    response = _login(client, personas.caseworker)  # even the right password waits
    assert response.status_code == 429
    assert "Слишком много неудачных попыток" in response.content.decode()
    with time_machine.travel(timezone.now() + timedelta(seconds=second_delay + 1)):
        assert _login(client, personas.caseworker).status_code == 302


@pytest.mark.django_db
def test_a_session_ends_after_the_idle_timeout(personas, client: Client) -> None:
    _login(client, personas.caseworker)
    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.HAVEN_IDLE_TIMEOUT_SECONDS + 5)
    ):
        response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    assert (
        not StaffSession.objects.filter(user=personas.caseworker).exists()
        or client.get("/staff/").status_code == 302
    )


@pytest.mark.django_db
def test_a_session_ends_at_its_absolute_lifetime_even_when_active(personas, client: Client) -> None:
    start = timezone.now()
    _login(client, personas.caseworker)
    step = settings.HAVEN_IDLE_TIMEOUT_SECONDS - 60
    t = 0
    while t < settings.HAVEN_SESSION_MAX_SECONDS - step:
        t += step
        with time_machine.travel(start + timedelta(seconds=t)):
            assert client.get("/staff/").status_code == 200
    with time_machine.travel(start + timedelta(seconds=settings.HAVEN_SESSION_MAX_SECONDS + 1)):
        assert client.get("/staff/").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("cookie", ["", "tampered", "AAAA" * 11])
def test_a_missing_or_tampered_key_cookie_ends_the_session_cleanly(
    personas, client: Client, cookie: str
) -> None:
    _login(client, personas.caseworker)
    if cookie:
        client.cookies[settings.HAVEN_KEY_COOKIE_NAME] = cookie
    else:
        del client.cookies[settings.HAVEN_KEY_COOKIE_NAME]
    response = client.get("/staff/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]
    page = client.get(response["Location"])
    assert "Не удалось открыть вашу сессию" in page.content.decode()
    assert AuditEvent.objects.filter(action="session.end", data__reason="key").exists()


@pytest.mark.django_db
def test_a_tampered_session_cookie_is_just_signed_out(personas, client: Client) -> None:
    _login(client, personas.caseworker)
    client.cookies[settings.SESSION_COOKIE_NAME] = "garbage"
    assert client.get("/staff/").status_code == 302


@pytest.mark.django_db
def test_logout_destroys_the_session_and_its_key_ciphertext(personas, client: Client) -> None:
    _login(client, personas.caseworker)
    assert StaffSession.objects.filter(user=personas.caseworker).exists()
    assert client.get("/staff/logout/").status_code == 405
    response = client.post("/staff/logout/")
    assert response.status_code == 302
    assert not StaffSession.objects.filter(user=personas.caseworker).exists()
    assert response.cookies[settings.HAVEN_KEY_COOKIE_NAME].value == ""


@pytest.mark.django_db
def test_the_duress_password_shows_an_empty_workspace_and_alerts_coordinators(
    personas, client: Client
) -> None:
    _case_for(personas.caseworker)
    actions.set_duress_password(user=personas.caseworker, duress_password="under pressure")
    response = _login(client, personas.caseworker, password="under pressure")
    assert response.status_code == 302
    page = client.get("/staff/")
    assert page.status_code == 200
    assert page.wsgi_request.keyring.duress
    assert list(page.wsgi_request.keyring.visible(Case.objects.all())) == []
    assert AuditEvent.objects.filter(action="login.duress").exists()
    alerted = set(
        Notification.objects.filter(kind="duress_login").values_list("recipient_id", flat=True)
    )
    assert alerted == {personas.coordinator.pk, personas.coordinator2.pk}
    note = Notification.objects.filter(kind="duress_login").first()
    assert note.reference == f"staff-{personas.caseworker.pk}"
    # the person under duress sees no alert about it
    assert "badge" not in page.content.decode()


@pytest.mark.django_db
def test_duress_can_burn_the_account(personas, client: Client, settings) -> None:
    settings.HAVEN_DURESS_BURNS_ACCOUNT = True
    _case_for(personas.caseworker)
    actions.set_duress_password(user=personas.caseworker, duress_password="under pressure")
    assert _login(client, personas.caseworker, password="under pressure").status_code == 302
    assert client.get("/staff/").status_code == 200  # the show goes on
    assert not Grant.objects.filter(user=personas.caseworker).exists()
    assert (
        _login(Client(), personas.caseworker).status_code == 200
    )  # the real password opens nothing now


@pytest.mark.django_db
def test_burning_an_account_deletes_its_grants_and_sessions_once_a_second_coordinator_approves(
    personas, client_for
) -> None:
    from haven.cases.models import ApprovalRequest

    _case_for(personas.caseworker, personas.coordinator)
    victim = client_for(personas.caseworker)
    coordinator = client_for(personas.coordinator)
    response = coordinator.post(
        f"/staff/accounts/{personas.caseworker.pk}/burn/", {"confirm": "on"}
    )
    assert response.status_code == 302
    # One coordinator: suspended at once (sessions gone), grants kept until a second approves.
    assert not StaffSession.objects.filter(user=personas.caseworker).exists()
    assert victim.get("/staff/").status_code == 302
    assert Grant.objects.filter(user=personas.caseworker).exists()
    approval = ApprovalRequest.objects.get(kind="burn_account", target_user=personas.caseworker)
    second = client_for(personas.coordinator2)
    assert (
        second.post(f"/staff/accounts/burns/{approval.id}/", {"decision": "approve"}).status_code
        == 302
    )
    assert not Grant.objects.filter(user=personas.caseworker).exists()
    assert AuditEvent.objects.filter(
        action="account.burn", object_id=str(personas.caseworker.pk)
    ).exists()


@pytest.mark.django_db
def test_burn_without_confirmation_is_refused_with_a_message(personas, client_for) -> None:
    coordinator = client_for(personas.coordinator)
    response = coordinator.post(f"/staff/accounts/{personas.caseworker.pk}/burn/", {})
    assert response.status_code == 400
    assert "Отметьте" in response.content.decode()
    personas.caseworker.refresh_from_db()
    assert personas.caseworker.is_active and personas.caseworker.suspended_at is None
    assert (
        not AuditEvent.objects.filter(action__startswith="account.")
        .exclude(action="account.create")
        .exists()
    )


@pytest.mark.django_db
def test_changing_the_password_rewraps_the_key_and_keeps_access(personas, client_for) -> None:
    case = _case_for(personas.caseworker)
    client = client_for(personas.caseworker)
    new = "a brand new long passphrase"
    response = client.post(
        "/staff/account/password/",
        {"current_password": PASSWORD, "new_password": new, "new_password_again": new},
    )
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200
    assert keyring_for(personas.caseworker, new).can_open(case.vault)
    assert (
        _login(Client(), personas.caseworker).status_code == 200
    )  # the old password no longer works
    assert _login(Client(), personas.caseworker, password=new).status_code == 302


@pytest.mark.django_db
def test_password_change_mistakes_get_clear_messages_and_change_nothing(
    personas, client_for
) -> None:
    client = client_for(personas.caseworker)
    mismatch = client.post(
        "/staff/account/password/",
        {
            "current_password": PASSWORD,
            "new_password": "a brand new long passphrase",
            "new_password_again": "different long passphrase",
        },
    )
    assert mismatch.status_code == 200 and "Новые пароли не совпадают." in mismatch.content.decode()
    wrong = client.post(
        "/staff/account/password/",
        {
            "current_password": "wrong",
            "new_password": "a brand new long passphrase",
            "new_password_again": "a brand new long passphrase",
        },
    )
    assert wrong.status_code == 200 and "Это не ваш текущий пароль." in wrong.content.decode()
    assert (
        keyring_for(personas.caseworker, PASSWORD).user is not None
    )  # the old password still opens the key


@pytest.mark.django_db
def test_an_admin_reset_makes_a_new_key_pair_and_needs_fresh_grants(personas, client_for) -> None:
    case = _case_for(personas.caseworker, personas.coordinator)
    admin = client_for(personas.admin)
    response = admin.post(f"/staff/accounts/{personas.caseworker.pk}/reset/", {"confirm": "on"})
    assert response.status_code == 200
    assert "Временный пароль" in response.content.decode()
    assert not Grant.objects.filter(user=personas.caseworker, vault=case.vault).exists()
    personas.caseworker.refresh_from_db()
    assert personas.caseworker.must_change_password


@pytest.mark.django_db
def test_staff_create_makes_an_account_that_can_sign_in(capsys) -> None:
    from django.core.management import CommandError, call_command

    from haven.accounts.models import User

    call_command("staff-create", "first.admin", "--role", "admin")
    out = capsys.readouterr().out
    password = out.split("temporary password: ")[1].split()[0]
    user = User.objects.get(username="first.admin")
    assert user.has_role("admin") and user.must_change_password
    response = Client().post(
        "/staff/login/",
        {"username": "first.admin", "password": password, "otp_token": current_code(user)},
    )
    assert response.status_code == 302 and response["Location"] == "/staff/account/password/"
    with pytest.raises(CommandError):
        call_command("staff-create", "first.admin", "--role", "admin")


@pytest.mark.django_db
def test_an_empty_roles_form_is_shown_again_with_an_error_and_changes_nothing(
    personas, client_for
) -> None:
    admin = client_for(personas.admin)
    before = sorted(personas.caseworker.roles)
    response = admin.post(f"/staff/accounts/{personas.caseworker.pk}/roles/", {})
    assert response.status_code == 400
    assert "Выберите хотя бы одну роль" in response.content.decode()
    personas.caseworker.__dict__.pop("roles", None)
    assert sorted(personas.caseworker.roles) == before


@pytest.mark.django_db
def test_an_unconfirmed_reset_is_shown_again_with_an_error_and_changes_nothing(
    personas, client_for
) -> None:
    from haven.vault.models import UserKey

    admin = client_for(personas.admin)
    key_before = UserKey.objects.get(user=personas.caseworker).public_key
    response = admin.post(f"/staff/accounts/{personas.caseworker.pk}/reset/", {})
    assert response.status_code == 400
    assert "Отметьте" in response.content.decode()
    assert bytes(UserKey.objects.get(user=personas.caseworker).public_key) == bytes(key_before)
