"""Who may open an incident is recorded with the alert (Incident.alerted), not read back from a
notification's URL; alert channels are added and removed through audited actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from haven.alerts.actions import notify
from haven.alerts.models import Notification
from haven.audit.models import AuditEvent
from haven.safety import actions
from haven.safety.models import Channel, SafetyIncident
from haven.safety.worker import run_once


def _lawyer_on_call(personas) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    actions.add_shift(
        actor=personas.coordinator,
        user=personas.lawyer,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=2),
        time_zone="UTC",
    )


@pytest.mark.django_db
def test_everyone_an_escalation_alerts_is_recorded_on_the_incident(personas, watch) -> None:
    _lawyer_on_call(personas)
    run_once(watch.next_deadline + dt.timedelta(seconds=1))
    incident = SafetyIncident.objects.get()
    notified = set(
        Notification.objects.filter(link__contains=str(incident.id)).values_list(
            "recipient_id", flat=True
        )
    )
    assert notified
    assert set(incident.alerted.values_list("pk", flat=True)) == notified


@pytest.mark.django_db
def test_a_notification_with_the_incident_link_alone_opens_nothing(
    personas, client_for, watch
) -> None:
    run_once(watch.next_deadline + dt.timedelta(seconds=1))
    incident = SafetyIncident.objects.get()
    assert not incident.alerted.filter(pk=personas.lawyer.pk).exists()
    # A row that merely carries the URL (any notification could) is not a record of an alert.
    notify(
        recipients=[personas.lawyer],
        kind="panic",
        reference=incident.reference,
        link=f"/staff/watch/incidents/{incident.id}/",
    )
    lawyer = client_for(personas.lawyer)
    assert lawyer.get(f"/staff/watch/incidents/{incident.id}/").status_code == 404
    assert str(incident.id) not in lawyer.get("/staff/watch/").content.decode()

    incident.alerted.add(personas.lawyer)
    assert lawyer.get(f"/staff/watch/incidents/{incident.id}/").status_code == 200
    assert str(incident.id) in lawyer.get("/staff/watch/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_migration_records_who_was_alerted_from_the_notifications_sent_before(
    personas,
) -> None:
    old = [("safety", "0004_incident_alerted_staff")]
    new = [("safety", "0005_incident_alerted_from_notifications")]
    executor = MigrationExecutor(connection)
    executor.migrate(old)
    apps = executor.loader.project_state(old).apps
    OldIncident = apps.get_model("safety", "Incident")
    OldNotification = apps.get_model("alerts", "Notification")
    first = OldIncident.objects.create(kind="panic", reference="HV-AAAA0001")
    second = OldIncident.objects.create(kind="missed_checkin", reference="HV-AAAA0002")
    link = "/staff/watch/incidents/{}/"
    for user, incident in [
        (personas.lawyer, first),
        (personas.lawyer, first),  # the same alert repeated: one recipient
        (personas.coordinator, first),
        (personas.caseworker, second),
    ]:
        OldNotification.objects.create(
            recipient_id=user.pk, kind="panic", reference="x", link=link.format(incident.pk)
        )
    for bad in [
        "/staff/watch/incidents/not-a-uuid/",
        link.format("0" * 8 + "-0000-0000-0000-" + "0" * 12),
        "/staff/cases/",
    ]:
        OldNotification.objects.create(recipient_id=personas.admin.pk, kind="panic", link=bad)

    executor = MigrationExecutor(connection)
    executor.migrate(new)
    apps = executor.loader.project_state(new).apps
    Alerted = apps.get_model("safety", "Incident").alerted.through
    try:
        assert set(Alerted.objects.values_list("incident_id", "user_id")) == {
            (first.pk, personas.lawyer.pk),
            (first.pk, personas.coordinator.pk),
            (second.pk, personas.caseworker.pk),
        }
    finally:
        # Back to the latest schema: the tests after this one (transactional, same database)
        # would otherwise meet the tables of 0005 (the worker failover tests did).
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_a_channel_is_added_and_removed_with_an_audit_event_that_holds_no_address(
    personas, client_for
) -> None:
    client = client_for(personas.lawyer)
    response = client.post(
        "/staff/watch/channels/",
        {"label": "Мой сигнал", "url": "json://secret-token.example/", "priority": "2"},
    )
    assert response.status_code == 302
    channel = Channel.objects.get(user=personas.lawyer)
    added = AuditEvent.objects.get(action="channel.add")
    assert added.object_id == str(channel.id) and added.actor_id == personas.lawyer.pk
    assert "secret-token" not in str(added.data) and "сигнал" not in str(added.data)

    assert client.post(f"/staff/watch/channels/{channel.id}/delete/").status_code == 302
    assert not Channel.objects.exists()
    removed = AuditEvent.objects.get(action="channel.remove")
    assert removed.object_id == str(channel.id)


@pytest.mark.django_db
def test_someone_elses_channel_is_not_found_and_stays(personas, client_for) -> None:
    from haven.safety.tests.conftest import add_channel

    theirs = add_channel(personas.caseworker)
    response = client_for(personas.lawyer).post(f"/staff/watch/channels/{theirs.id}/delete/")
    assert response.status_code == 404
    assert Channel.objects.filter(pk=theirs.pk).exists()
    assert not AuditEvent.objects.filter(action="channel.remove").exists()
