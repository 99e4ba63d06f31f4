"""Incident is now SafetyIncident: a name that says which room it belongs to. The
table keeps its name, so no row and no ciphertext changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("safety", "0005_incident_alerted_from_notifications")]

    operations = [
        # First pin the table to the name it already has (nothing moves), so that the rename
        # leaves it there: sealed fields' associated data names the table.
        migrations.AlterModelTable(name="incident", table="safety_incident"),
        migrations.RenameModel(old_name="Incident", new_name="SafetyIncident"),
    ]
