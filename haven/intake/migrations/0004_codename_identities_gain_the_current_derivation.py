from django.db import migrations, models


class Migration(migrations.Migration):
    """Every identity that exists now was found through the legacy (64 MiB) derivation: it is
    marked 1 and re-keyed at its next sign-in. New identities get the model's default, 2."""

    dependencies = [
        ("intake", "0003_portal_language_form_tokens_panic_case_messages"),
    ]

    operations = [
        migrations.AddField(
            model_name="portalidentity",
            name="kdf",
            field=models.PositiveSmallIntegerField(default=1),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="portalidentity",
            name="kdf",
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.AddField(
            model_name="portalidentity",
            name="legacy_private_key",
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="portalidentity",
            index=models.Index(
                condition=models.Q(kdf=1), fields=["kdf"], name="intake_identity_legacy_idx"
            ),
        ),
    ]
