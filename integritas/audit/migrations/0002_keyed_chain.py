"""The audit chain becomes keyed (HMAC with a key derived from the master key).

Entries written before this migration keep their unkeyed SHA-256 hashes: they form the chain's first
segment, up to ``AuditHead.legacy_seq``. The first keyed entry after them includes the hash of the
last of them in its HMAC, so a change to that segment is caught like any other. No key is needed
here, so the upgrade runs with `migrate` before the master key is checked.
"""

from django.db import migrations, models


def mark_legacy_segment(apps, schema_editor):
    AuditHead = apps.get_model("audit", "AuditHead")
    AuditHead.objects.filter(pk=1).update(legacy_seq=models.F("seq"))


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(
                blank=True,
                default="",
                help_text="id of the master key whose derived audit key made the hash; empty: made before "
                "the chain was keyed (unkeyed SHA-256, only up to AuditHead.legacy_seq)",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="audithead",
            name="key_id",
            field=models.CharField(blank=True, default="", help_text="key id of the last entry", max_length=16),
        ),
        migrations.AddField(
            model_name="audithead",
            name="legacy_seq",
            field=models.PositiveBigIntegerField(
                default=0, help_text="entries up to this number were written before the chain was keyed"
            ),
        ),
        migrations.CreateModel(
            name="AuditKey",
            fields=[
                (
                    "key_id",
                    models.CharField(
                        help_text="hex id of the master key", max_length=16, primary_key=True, serialize=False
                    ),
                ),
                (
                    "sealed",
                    models.BinaryField(help_text="the derived audit key, sealed with the current master key"),
                ),
                ("created_at", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(mark_legacy_segment, migrations.RunPython.noop),
    ]
