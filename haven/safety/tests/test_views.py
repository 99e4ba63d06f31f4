from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from haven.safety import actions
from haven.safety.models import Channel, SafetyIncident
from haven.safety.worker import run_once
from haven.testing.leakscan import Markers, assert_no_leaks
from haven.testing.personas import keyring_for


@pytest.fixture
def house(personas):  # type: ignore[no-untyped-def]
    return actions.create_house(
        keyring=keyring_for(personas.coordinator),
        code="Birch",
        capacity=2,
        address="ул. Тайная 7",
        access_instructions="",
        host_contact="",
    )


@pytest.mark.django_db
def test_the_on_call_lawyer_acknowledges_from_the_alert_link_without_the_case_grant(
    personas, client_for, watch
) -> None:
    now = timezone.now()
    actions.add_shift(
        actor=personas.coordinator,
        user=personas.lawyer,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=2),
        time_zone="UTC",
    )
    run_once(watch.next_deadline + dt.timedelta(seconds=1))
    incident = SafetyIncident.objects.get()
    incident.next_step_at = now
    incident.save()
    run_once(watch.next_deadline + dt.timedelta(minutes=30))
    lawyer = client_for(personas.lawyer)
    assert (
        lawyer.get(f"/staff/cases/{watch.case_id}/").status_code == 404
    )  # the case does not exist for them
    assert lawyer.post(f"/staff/watch/incidents/{incident.id}/acknowledge/").status_code == 302
    incident.refresh_from_db()
    assert incident.acknowledged_by == personas.lawyer


@pytest.mark.django_db
def test_a_bad_schedule_form_keeps_what_was_typed(personas, client_for, watched_case) -> None:
    response = client_for(personas.caseworker).post(
        f"/staff/watch/cases/{watched_case.id}/",
        {
            "interval_minutes": "720",
            "time_zone": "Nowhere/Land",
            "grace_minutes": "30",
            "pin": "2468",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Неизвестный часовой пояс" in body and "Nowhere/Land" in body


@pytest.mark.django_db
def test_the_roster_page_warns_about_gaps(personas, client_for) -> None:
    body = client_for(personas.coordinator).get("/staff/watch/roster/").content.decode()
    assert "Никто не дежурит" in body


@pytest.mark.django_db(transaction=True)
def test_the_leak_scan_finds_no_safe_house_detail_or_channel_address(
    personas, client_for, caplog
) -> None:
    markers = Markers()
    client = client_for(personas.coordinator)
    client.post(
        "/staff/safe-houses/new/",
        {
            "code": "Birch",
            "capacity": "2",
            "address": markers.new("address", cyrillic=True),
            "access_instructions": markers.new("access"),
            "host_contact": markers.new("host"),
        },
    )
    client.post(
        "/staff/watch/channels/",
        {"label": "Signal", "url": f"json://{markers.new('channel')}.example/", "priority": "1"},
    )
    assert Channel.objects.count() == 1
    assert_no_leaks(markers, log_text=caplog.text)


@pytest.mark.django_db
def test_sharing_a_safe_house_needs_a_second_coordinator(personas, client_for, house) -> None:  # type: ignore[no-untyped-def]
    from haven.cases.actions import decide_approval
    from haven.cases.models import ApprovalRequest
    from haven.vault.actions import grant_vault

    grant_vault(
        keyring=keyring_for(personas.coordinator), vault=house.vault, user=personas.coordinator2
    )
    client = client_for(personas.coordinator)
    assert (
        client.post(
            f"/staff/safe-houses/{house.id}/disclose/",
            {"target_user": personas.caseworker.pk, "reason": "размещение"},
        ).status_code
        == 302
    )
    approval = ApprovalRequest.objects.get()
    assert not keyring_for(personas.caseworker).can_open(house.vault)
    decide_approval(keyring=keyring_for(personas.coordinator2), approval=approval, approve=True)
    assert keyring_for(personas.caseworker).can_open(house.vault)
    assert (
        client_for(personas.caseworker)
        .post(f"/staff/safe-houses/{house.id}/disclose/", {})
        .status_code
        == 403
    )


@pytest.fixture
def placed(personas, house, watch):  # type: ignore[no-untyped-def]
    return actions.place(actor=personas.coordinator, house=house, case=watch.case)


@pytest.fixture
def shift(personas):  # type: ignore[no-untyped-def]
    now = timezone.now()
    return actions.add_shift(
        actor=personas.coordinator,
        user=personas.lawyer,
        starts_at=now,
        ends_at=now + dt.timedelta(hours=8),
        time_zone="UTC",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "method", "persona", "status"),
    [
        # What the authorisation matrix (tests/authz.py) cannot say: it has one coordinator, who
        # holds its fixture house, and one object of each kind. Another coordinator finds
        # nothing; an object that is not the house's, or not there, is the same 404.
        ("/staff/safe-houses/{house}/", "get", "coordinator2", 404),
        ("/staff/safe-houses/{house}/compromised/", "post", "coordinator2", 404),
        ("/staff/safe-houses/{house}/disclose/", "post", "coordinator2", 404),
        ("/staff/safe-houses/{house}/status/", "post", "coordinator", 302),
        ("/staff/safe-houses/{house}/status/", "post", "coordinator2", 404),
        ("/staff/safe-houses/{house}/placements/{placement}/end/", "post", "coordinator2", 404),
        ("/staff/safe-houses/{other}/placements/{placement}/end/", "post", "coordinator", 404),
        ("/staff/watch/roster/999999/remove/", "post", "coordinator", 404),
    ],
)
def test_house_views_refuse_another_coordinator_and_objects_that_are_not_the_houses(
    personas, client_for, watch, house, placed, shift, path, method, persona, status
) -> None:  # type: ignore[no-untyped-def]
    from haven.safety.tests.conftest import add_channel

    run_once(watch.next_deadline + dt.timedelta(seconds=1))
    other = actions.create_house(
        keyring=keyring_for(personas.coordinator),
        code="Oak",
        capacity=1,
        address="x",
        access_instructions="",
        host_contact="",
    )
    url = path.format(
        watch=watch.id,
        incident=SafetyIncident.objects.get().id,
        house=house.id,
        other=other.id,
        placement=placed.id,
        shift=shift.id,
        channel=add_channel(personas.caseworker).id,
    )
    client = client_for(getattr(personas, persona))
    data = {"status": "suspended", "paused": "1"} if method == "post" else None
    response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
    assert response.status_code == status


@pytest.mark.django_db
def test_a_channel_address_apprise_does_not_know_is_refused_and_the_label_kept(
    personas, client_for
) -> None:
    response = client_for(personas.lawyer).post(
        "/staff/watch/channels/", {"label": "Мой сигнал", "url": "nonsense", "priority": "1"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Мой сигнал" in body and "Apprise" in body
    assert not Channel.objects.exists()


@pytest.mark.django_db
def test_a_channel_added_under_duress_looks_saved_and_is_not(personas, client_for) -> None:
    from haven.accounts.actions import set_duress_password

    set_duress_password(user=personas.caseworker, duress_password="duress password long")
    client = client_for(personas.caseworker, "duress password long")
    response = client.post(
        "/staff/watch/channels/", {"label": "x", "url": "outbox://x", "priority": "1"}
    )
    assert response.status_code == 302
    assert not Channel.objects.exists()


@pytest.mark.django_db
def test_a_staff_check_in_in_the_future_is_refused_with_a_message(
    personas, client_for, watch
) -> None:
    from haven.safety.models import CheckIn

    client = client_for(personas.caseworker)
    response = client.post(
        f"/staff/watch/{watch.id}/checkin/",
        {"method": "phone", "at": "2099-01-01T10:00"},
        follow=True,
    )
    assert "в будущем" in response.content.decode()
    assert not CheckIn.objects.exists()
    client.post(f"/staff/watch/{watch.id}/checkin/", {"method": "in_person", "at": ""})
    assert CheckIn.objects.get().recorded_by == personas.caseworker


@pytest.mark.django_db
def test_a_shift_with_an_unknown_zone_keeps_what_was_typed(personas, client_for) -> None:
    response = client_for(personas.coordinator).post(
        "/staff/watch/roster/",
        {
            "user": personas.lawyer.pk,
            "starts_at": "2026-03-01T09:00",
            "ends_at": "2026-03-01T21:00",
            "time_zone": "Nowhere/Land",
        },
    )
    assert response.status_code == 400
    assert "Nowhere/Land" in response.content.decode()


@pytest.mark.django_db
def test_a_huge_grace_period_in_the_form_is_a_message_not_a_crash(
    personas, client_for, watched_case
) -> None:
    response = client_for(personas.caseworker).post(
        f"/staff/watch/cases/{watched_case.id}/",
        {
            "interval_minutes": "720",
            "time_zone": "Europe/Moscow",
            "grace_minutes": "99999999999999999",
            "pin": "2468",
        },
    )
    assert response.status_code == 400
    assert "99999999999999999" in response.content.decode()


@pytest.mark.django_db
def test_a_refused_disclosure_shows_the_page_again_with_the_typed_reason(
    personas, client_for, house
) -> None:  # type: ignore[no-untyped-def]
    from haven.cases.models import ApprovalRequest

    client = client_for(personas.coordinator)
    response = client.post(
        f"/staff/safe-houses/{house.id}/disclose/",
        {"target_user": "", "reason": "Новый куратор будет возить продукты"},
    )
    assert response.status_code == 400
    assert "Новый куратор будет возить продукты" in response.content.decode()
    assert not ApprovalRequest.objects.exists()


@pytest.mark.django_db
def test_the_check_in_interval_is_whole_minutes_shown_back_as_typed_and_saved_again(
    personas, client_for, watched_case
) -> None:
    from haven.safety.models import Watch

    client = client_for(personas.caseworker)
    url = f"/staff/watch/cases/{watched_case.id}/"
    form = {"time_zone": "Europe/Moscow", "grace_minutes": "30", "pin": "2468"}
    assert client.post(url, {**form, "interval_minutes": "1"}).status_code == 302
    assert Watch.objects.get(case=watched_case).interval_minutes == 1
    page = client.get(url).content.decode()
    assert 'name="interval_minutes" value="1"' in page
    assert "0.016666" not in page
    # The form as shown, saved again unchanged (PIN fields empty keep the PINs).
    again = client.post(
        url, {"time_zone": "Europe/Moscow", "grace_minutes": "30", "interval_minutes": "1"}
    )
    assert again.status_code == 302
    assert client.post(url, {**form, "interval_minutes": "720"}).status_code == 302
    assert Watch.objects.get(case=watched_case).interval_minutes == 720


@pytest.mark.django_db
def test_a_fractional_interval_is_refused_with_the_typed_value_shown(
    personas, client_for, watched_case
) -> None:
    from haven.safety.models import Watch

    response = client_for(personas.caseworker).post(
        f"/staff/watch/cases/{watched_case.id}/",
        {
            "interval_minutes": "0.02",
            "time_zone": "Europe/Moscow",
            "grace_minutes": "30",
            "pin": "2468",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "целых минутах" in body and 'value="0.02"' in body
    assert not Watch.objects.filter(case=watched_case).exists()
