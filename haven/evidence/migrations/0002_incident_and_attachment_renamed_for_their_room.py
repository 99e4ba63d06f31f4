"""Incident is now EvidenceIncident and Attachment EvidenceAttachment: names that say which room
they belong to. The tables keep their names, so no row and no ciphertext changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("evidence", "0001_initial")]

    operations = [
        # First pin the table to the name it already has (nothing moves), so that the rename
        # leaves it there: sealed fields' associated data names the table.
        migrations.AlterModelTable(name="incident", table="evidence_incident"),
        migrations.RenameModel(old_name="Incident", new_name="EvidenceIncident"),
        # First pin the table to the name it already has (nothing moves), so that the rename
        # leaves it there: sealed fields' associated data names the table.
        migrations.AlterModelTable(name="attachment", table="evidence_attachment"),
        migrations.RenameModel(old_name="Attachment", new_name="EvidenceAttachment"),
    ]
