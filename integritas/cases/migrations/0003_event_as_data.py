"""Events become data (kind, actor role, references, parameters, stage clock); no-conflict
confirmations get a table of their own (team members confirm too); categories carry the unit and
date of their case. The old columns stay until 0004 has converted the rows (0005 drops them)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_initial"),
        ("orgs", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="NoConflictConfirmation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField()),
                ("via", models.CharField(choices=[("web", "Web pages"), ("api", "API")], max_length=8)),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="no_conflict_confirmations",
                        to="cases.case",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("case", "person"), name="unique_no_conflict_confirmation")
                ],
            },
        ),
        migrations.AddField(
            model_name="event", name="kind", field=models.CharField(default="", max_length=32)
        ),
        migrations.AddField(
            model_name="event", name="actor_role", field=models.CharField(default="", max_length=16)
        ),
        migrations.AddField(
            model_name="event",
            name="actor_position",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="orgs.position"
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="actor_team",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="orgs.unit"
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="to_position",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="orgs.position"
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="to_team",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="orgs.unit"
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="follow_up",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="events",
                to="cases.followup",
            ),
        ),
        migrations.AddField(model_name="event", name="data", field=models.JSONField(blank=True, default=dict)),
        migrations.AddField(
            model_name="event", name="stage", field=models.CharField(blank=True, default="", max_length=16)
        ),
        migrations.AddField(
            model_name="event", name="stage_started_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="event", name="stage_due_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="casecategory",
            name="unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="orgs.unit"
            ),
        ),
        migrations.AddField(model_name="casecategory", name="created_at", field=models.DateTimeField(null=True)),
    ]
