"""Fill Incident.alerted for incidents raised before it existed, from the notifications sent
about them (their link was the only record of who was alerted)."""

import uuid

from django.db import migrations

PREFIX = "/staff/watch/incidents/"


def _incident_id(link):
    tail = link[len(PREFIX) :].strip("/")
    try:
        return uuid.UUID(tail)
    except ValueError:
        return None


def fill_alerted(apps, schema_editor):
    Incident = apps.get_model("safety", "Incident")
    Notification = apps.get_model("alerts", "Notification")
    Alerted = Incident.alerted.through
    known = set(Incident.objects.values_list("pk", flat=True))
    pairs = set()
    for recipient_id, link in Notification.objects.filter(link__startswith=PREFIX).values_list(
        "recipient_id", "link"
    ):
        incident_id = _incident_id(link)
        if incident_id in known and recipient_id is not None:
            pairs.add((incident_id, recipient_id))
    Alerted.objects.bulk_create(
        [Alerted(incident_id=i, user_id=u) for i, u in sorted(pairs, key=str)],
        ignore_conflicts=True,
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("safety", "0004_incident_alerted_staff"),
        ("alerts", "0004_portal_message_kind"),
    ]

    operations = [migrations.RunPython(fill_alerted, migrations.RunPython.noop)]
