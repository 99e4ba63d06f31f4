"""Report is now MissingPersonReport: a name that says which room it belongs to. The
table keeps its name, so no row and no ciphertext changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("missing", "0001_initial")]

    operations = [
        # First pin the table to the name it already has (nothing moves), so that the rename
        # leaves it there: sealed fields' associated data names the table.
        migrations.AlterModelTable(name="report", table="missing_report"),
        migrations.RenameModel(old_name="Report", new_name="MissingPersonReport"),
    ]
