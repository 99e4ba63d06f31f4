"""Attachment is now MessageAttachment: a name that says which room it belongs to. The
table keeps its name, so no row and no ciphertext changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("intake", "0004_codename_identities_gain_the_current_derivation")]

    operations = [
        # First pin the table to the name it already has (nothing moves), so that the rename
        # leaves it there: sealed fields' associated data names the table.
        migrations.AlterModelTable(name="attachment", table="intake_attachment"),
        migrations.RenameModel(old_name="Attachment", new_name="MessageAttachment"),
    ]
