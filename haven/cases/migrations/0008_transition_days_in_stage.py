"""Each transition keeps the days its case spent in the stage it left, so that the statistics
page reads time-in-stage medians from an index (issue 16: 2.8 s at 100,000 cases, most of it
pairing every transition with the one before it). Existing rows are filled by the same rule:
from the case's previous transition (ordered by time, then id), or from its creation."""

from django.db import migrations, models


def fill_days_in_stage(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseTransition = apps.get_model("cases", "CaseTransition")
    connection = schema_editor.connection
    id_field = CaseTransition._meta.get_field("id")
    table = connection.ops.quote_name(CaseTransition._meta.db_table)
    created = dict(Case.objects.values_list("pk", "created_at").iterator(chunk_size=5000))
    # Read in full before writing: SQLite must not update a table under an open read of it.
    rows = list(
        CaseTransition.objects.order_by("case_id", "at", "id").values_list("id", "case_id", "at")
    )
    updates: list[tuple[float, object]] = []
    last_case, entered = None, None
    with connection.cursor() as cursor:
        for pk, case_id, at in rows:
            if case_id != last_case:
                last_case, entered = case_id, created[case_id]
            updates.append(
                ((at - entered).total_seconds() / 86400, id_field.get_db_prep_value(pk, connection))
            )
            entered = at
            if len(updates) >= 5000:
                cursor.executemany(f"UPDATE {table} SET days_in_stage = %s WHERE id = %s", updates)  # noqa: S608  (table name from the model, values bound)
                updates = []
        if updates:
            cursor.executemany(f"UPDATE {table} SET days_in_stage = %s WHERE id = %s", updates)  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_vetting_for_cases_opened_from_requests")]

    operations = [
        migrations.AddField(
            model_name="casetransition",
            name="days_in_stage",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.RunPython(fill_days_in_stage, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="casetransition",
            index=models.Index(
                fields=["from_state", "days_in_stage"], name="transition_stage_days"
            ),
        ),
    ]
