"""The triage inbox: who sees what, and what each action does."""

from __future__ import annotations

import pytest
from django.test import Client

from haven.audit.models import AuditEvent
from haven.cases.models import Case
from haven.intake import actions
from haven.intake.models import CaseIntakeRecord, HelpRequest
from haven.testing.personas import keyring_for


@pytest.fixture
def help_request(intake_vault) -> HelpRequest:  # type: ignore[no-untyped-def]
    return actions.submit_request(
        text="Мне нужна помощь, Салех",
        felt_urgency="now",
        contact="@saleh",
        files=[],
        language="ru",
    ).request


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "method", "persona", "status"),
    [
        ("/staff/intake/", "get", "operator", 200),
        ("/staff/intake/", "get", "caseworker", 403),
        ("/staff/intake/", "post", "operator", 405),
        ("/staff/intake/{id}/", "get", "operator", 200),
        ("/staff/intake/{id}/", "get", "coordinator", 200),
        (
            "/staff/intake/{id}/",
            "get",
            "coordinator2",
            404,
        ),  # right role, no grant: it does not exist for them
        ("/staff/intake/{id}/", "get", "admin", 403),
        ("/staff/intake/{id}/", "get", "lawyer", 403),
        ("/staff/intake/{id}/", "post", "operator", 405),
        ("/staff/intake/{id}/reply/", "get", "operator", 405),
        ("/staff/intake/{id}/reply/", "post", "caseworker", 403),
        ("/staff/intake/{id}/reply/", "post", "coordinator2", 404),
        ("/staff/intake/{id}/urgency/", "post", "coordinator2", 404),
        ("/staff/intake/{id}/open-case/", "post", "coordinator2", 404),
        ("/staff/intake/{id}/open-case/", "get", "operator", 405),
        ("/staff/intake/setup/", "post", "operator", 403),
        ("/staff/intake/setup/", "get", "coordinator", 405),
        ("/staff/intake/00000000-0000-0000-0000-000000000000/", "get", "operator", 404),
    ],
)
def test_triage_views_check_grant_role_and_method(
    personas, client_for, help_request, path, method, persona, status
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(getattr(personas, persona))
    assert getattr(client, method)(path.format(id=help_request.id)).status_code == status


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, help_request) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"/staff/intake/{help_request.id}/")["Location"].startswith("/staff/login/")


@pytest.mark.django_db
def test_reading_a_request_is_audited_and_marks_it_read(personas, client_for, help_request) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.operator)
    page = client.get(f"/staff/intake/{help_request.id}/").content.decode()
    assert "Мне нужна помощь, Салех" in page and "@saleh" in page
    help_request.refresh_from_db()
    assert help_request.status == "read" and help_request.first_read_at
    assert AuditEvent.objects.filter(
        action="vault.open", object_id=str(help_request.vault_id), actor_id=personas.operator.pk
    ).exists()
    assert AuditEvent.objects.filter(
        action="intake.read", object_id=help_request.reference
    ).exists()


def _request_at(at: str, felt: str) -> HelpRequest:
    import time_machine

    with time_machine.travel(at, tick=False):
        return actions.submit_request(
            text="запрос", felt_urgency=felt, contact="", files=[], language="ru"
        ).request


@pytest.mark.django_db
def test_the_list_puts_an_unread_urgent_request_first_then_urgency_then_the_longest_waiting(
    personas, client_for, intake_vault
) -> None:  # type: ignore[no-untyped-def]
    old_normal = _request_at("2026-11-01 09:00Z", "later")
    old_urgent_read = _request_at("2026-11-02 09:00Z", "now")
    high_waiting_long = _request_at("2026-11-03 09:00Z", "days")
    high_waiting_less = _request_at("2026-11-04 09:00Z", "days")
    fresh_urgent_unread = _request_at("2026-11-05 09:00Z", "now")
    replied_high = _request_at("2026-11-01 08:00Z", "days")
    actions.mark_read(actor=personas.operator, request=old_urgent_read)
    actions.reply(actor=personas.operator, request=replied_high, text="ответ")

    body = client_for(personas.operator).get("/staff/intake/").content.decode()
    shown = [
        r.reference
        for r in sorted(
            [
                old_normal,
                old_urgent_read,
                high_waiting_long,
                high_waiting_less,
                fresh_urgent_unread,
                replied_high,
            ],
            key=lambda r: body.index(r.reference),
        )
    ]
    assert shown == [
        fresh_urgent_unread.reference,
        old_urgent_read.reference,
        high_waiting_long.reference,
        high_waiting_less.reference,
        replied_high.reference,
        old_normal.reference,
    ]
    assert "tag-urgent" in body


@pytest.mark.django_db
def test_an_empty_reply_is_refused_and_nothing_is_sent(personas, client_for, help_request) -> None:  # type: ignore[no-untyped-def]
    response = client_for(personas.operator).post(
        f"/staff/intake/{help_request.id}/reply/", {"text": ""}
    )
    assert response.status_code == 400
    assert "Обязательное поле" in response.content.decode()
    assert help_request.messages.count() == 1


@pytest.mark.django_db
def test_opening_a_case_moves_the_conversation_into_a_new_case_vault(
    personas, client_for, help_request
) -> None:  # type: ignore[no-untyped-def]
    response = client_for(personas.operator).post(
        f"/staff/intake/{help_request.id}/open-case/", {"caseworker": personas.caseworker.pk}
    )
    assert response.status_code == 302
    case = Case.objects.get()
    record = CaseIntakeRecord.objects.select_related("vault").get(case=case)
    conversation = keyring_for(personas.caseworker).open(case.vault).unseal(record, "conversation")
    assert conversation[0]["body"] == "Мне нужна помощь, Салех"
    assert not keyring_for(personas.outsider).can_open(case.vault)
    help_request.refresh_from_db()
    assert help_request.status == "case_opened" and help_request.identity.case == case
    second = client_for(personas.operator).post(
        f"/staff/intake/{help_request.id}/open-case/", {"caseworker": personas.caseworker.pk}
    )
    assert second.status_code == 400 and "уже открыто" in second.content.decode()


@pytest.mark.django_db
def test_opening_a_case_for_someone_who_is_not_a_caseworker_is_refused(
    personas, client_for, help_request
) -> None:  # type: ignore[no-untyped-def]
    response = client_for(personas.operator).post(
        f"/staff/intake/{help_request.id}/open-case/", {"caseworker": personas.lawyer.pk}
    )
    assert response.status_code == 400
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_a_duress_session_sees_no_requests(personas, help_request) -> None:  # type: ignore[no-untyped-def]
    from haven.accounts.actions import set_duress_password
    from haven.testing.personas import current_code

    set_duress_password(user=personas.operator, duress_password="forced to log in")
    client = Client()
    client.post(
        "/staff/login/",
        {
            "username": "op",
            "password": "forced to log in",
            "otp_token": current_code(personas.operator),
        },
    )
    body = client.get("/staff/intake/").content.decode()
    assert help_request.reference not in body
    assert client.get(f"/staff/intake/{help_request.id}/").status_code == 404
