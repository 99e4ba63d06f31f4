"""region_of_origin becomes a code of the closed list (haven.cases.regions).

A migration holds no keys, so it cannot seal. What it does with each existing value:
- free text that is exactly a region's name (English or Russian, any case) or code: the code;
- anything else: the code "other", and the text moved, still in plaintext as it was before, into
  `region_unsealed`, from where `haven seal-regions --user COORDINATOR` seals it into the case's
  sealed `region_detail` and clears it. The check haven.W101 reports cases still waiting.
Nothing is dropped. Undoing it refuses once anything was sealed (that would lose it).
"""

from django.db import migrations, models

import haven.vault.fields


def to_closed_list(apps, schema_editor):  # type: ignore[no-untyped-def]
    from haven.cases import regions

    Case = apps.get_model("cases", "Case")
    for case in Case.objects.exclude(region_of_origin="").only("id", "region_of_origin"):
        code = regions.match(case.region_of_origin)
        if code is not None:
            Case.objects.filter(pk=case.pk).update(region_of_origin=code)
        else:
            Case.objects.filter(pk=case.pk).update(
                region_of_origin=regions.OTHER, region_unsealed=case.region_of_origin
            )


def back_to_free_text(apps, schema_editor):  # type: ignore[no-untyped-def]
    from django.utils.translation import override

    from haven.cases import regions

    Case = apps.get_model("cases", "Case")
    if Case.objects.filter(region_detail__isnull=False).exists():
        raise RuntimeError(
            "Some cases hold a sealed region detail; undoing this migration would drop it. "
            "Nothing was changed."
        )
    for case in Case.objects.exclude(region_of_origin="").only(
        "id", "region_of_origin", "region_unsealed"
    ):
        with override("en"):
            text = case.region_unsealed or regions.label(case.region_of_origin)
        Case.objects.filter(pk=case.pk).update(region_of_origin=text)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_task_kind_relocate"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="region_detail",
            field=haven.vault.fields.SealedField(blank=True, kind="text", null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="region_unsealed",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(to_closed_list, back_to_free_text),
    ]
