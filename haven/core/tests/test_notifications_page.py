"""The alerts page (the bell in the top bar): what an alerted person reads in Russian."""

from __future__ import annotations

import pytest

from haven.alerts.actions import notify


@pytest.mark.django_db
def test_each_alert_offers_to_open_it_with_a_verb_not_the_triage_filter_word(
    personas, client_for
) -> None:
    """ "Open" was one msgid for the triage filter ("open requests", «Открытые») and the link
    to an alert, so every alert link read «Открытые»."""
    notify(
        recipients=[personas.lawyer],
        kind="panic",
        reference="HV-TEST0001",
        link="/staff/watch/incidents/00000000-0000-0000-0000-000000000000/",
    )
    page = client_for(personas.lawyer).get("/staff/notifications/").content.decode()
    assert ">Открыть</a>" in page
    assert "Открытые" not in page


@pytest.mark.django_db
def test_marking_alerts_read_marks_only_ones_own_and_is_audited(personas, client_for) -> None:
    from haven.alerts.models import Notification
    from haven.audit.models import AuditEvent

    for who in (personas.lawyer, personas.lawyer, personas.coordinator):
        notify(recipients=[who], kind="panic", reference="HV-TEST0002", link="/staff/")
    response = client_for(personas.lawyer).post("/staff/notifications/read/")
    assert response.status_code == 302
    unread = Notification.objects.filter(read_at__isnull=True)
    assert list(unread.values_list("recipient_id", flat=True)) == [personas.coordinator.pk]
    event = AuditEvent.objects.get(action="notifications.read")
    assert event.actor_id == personas.lawyer.pk and event.data == {"notifications": 2}
