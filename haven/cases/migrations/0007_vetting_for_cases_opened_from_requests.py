"""Cases opened from a hotline request before `open_case` went through `create_case` have no
vetting checklist, so they could never be vetted (saving the checklist was a 500). Give each one
its pending checklist. No sealed value is written: red flags start empty, as for a new case."""

from django.db import migrations


def add_missing_vetting(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Vetting = apps.get_model("cases", "Vetting")
    missing = Case.objects.filter(vetting__isnull=True).values_list("pk", "vault_id")
    Vetting.objects.bulk_create(
        [Vetting(case_id=pk, vault_id=vault_id) for pk, vault_id in missing.iterator()],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_approval_to_burn_an_account")]

    operations = [migrations.RunPython(add_missing_vetting, migrations.RunPython.noop)]
