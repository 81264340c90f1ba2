"""Drop what 0004 converted: the stored prose and titles of history rows, the confirmation time on
the handler rows, and the reference counter (numbers are drawn at random now)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_event_rows_to_data")]

    operations = [
        migrations.RemoveField(model_name="event", name="event"),
        migrations.RemoveField(model_name="event", name="actor_title"),
        migrations.RemoveField(model_name="event", name="public_note"),
        migrations.RemoveField(model_name="event", name="public"),
        migrations.RemoveField(model_name="casehandler", name="no_conflict_confirmed_at"),
        migrations.DeleteModel(name="ReferenceCounter"),
        migrations.AlterField(
            model_name='case',
            name='decision_kind',
            field=models.CharField(blank=True, choices=[('admission', 'Admission of new pupils (PPDB)'), ('procurement', 'Procurement of goods or services'), ('staffing', 'Staffing (appointments, transfers, duties)'), ('grading', 'Grading and assessment of pupils'), ('school_fund', 'Use of school funds (e.g. BOS)'), ('other', 'Other')], max_length=32),
        ),
        migrations.AlterField(
            model_name='case',
            name='outcome',
            field=models.CharField(blank=True, choices=[('unfounded', 'Unfounded: the decision stays in force'), ('revoked', 'The decision was revoked'), ('amended', 'The decision was amended'), ('reassigned', 'The decision was reassigned'), ('upheld', 'The decision was upheld')], max_length=16),
        ),
        migrations.AlterField(
            model_name='case',
            name='review_decision',
            field=models.CharField(blank=True, choices=[('revoke', 'Revoked'), ('amend', 'Amended'), ('reassign', 'Reassigned'), ('uphold', 'Upheld'), ('escalate', 'Passed to the next superior up')], max_length=16),
        ),
        migrations.AlterField(
            model_name='casecategory',
            name='code',
            field=models.CharField(choices=[('affiliation', 'Affiliation (personal or group)'), ('gratification', 'Gratification'), ('side_job', 'Additional work'), ('insider_information', 'Insider information'), ('procurement', 'Interest in the procurement of goods'), ('family_community', 'Family and community demands'), ('external_position', 'Position in another organisation'), ('previous_position', 'Intervention from a previous position'), ('concurrent_position', 'Holding several positions at once'), ('other', 'Other')], max_length=32),
        ),
        migrations.AlterField(
            model_name='casecategory',
            name='created_at',
            field=models.DateTimeField(default=None),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='casecategory',
            name='unit',
            field=models.ForeignKey(default=None, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.unit'),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='event',
            name='actor_role',
            field=models.CharField(choices=[('reporter', 'Reporter'), ('system', 'System'), ('team', 'COI handling team'), ('position', 'Position holder')], max_length=16),
        ),
        migrations.AlterField(
            model_name='event',
            name='kind',
            field=models.CharField(choices=[('submitted', 'Report received'), ('triage', 'Sent to the COI handling team to name the official concerned'), ('triaged', 'The team named the position of the reported official'), ('routed', 'Sent to the direct superior for examination'), ('screened', 'Routed past a handler whose declarations match the reported official'), ('no_conflict_confirmed', 'Confirmed having no conflict of interest'), ('examined_founded', 'Examination: the report is founded'), ('examined_unfounded', 'Examination: the report is unfounded; the decision stays in force'), ('reviewed_revoke', 'Review: the decision is revoked'), ('reviewed_amend', 'Review: the decision is amended'), ('reviewed_reassign', 'Review: the decision is reassigned to an official without the conflict'), ('reviewed_uphold', 'Review: the decision is upheld, with mitigation'), ('escalated', 'The review was passed to the next superior up'), ('overdue', 'Deadline missed'), ('escalated_overdue', 'Deadline missed: the case was passed to the next level up'), ('recused', 'A handler withdrew from the case (recusal)'), ('message_to_reporter', 'Message sent to the reporter'), ('message_from_reporter', 'Message from the reporter'), ('follow_up_added', 'Follow-up action set'), ('follow_up_done', 'Follow-up action done'), ('follow_up_cancelled', 'Follow-up action cancelled'), ('closed', 'Case closed'), ('identity_requested', "Request to see the reporter's identity"), ('identity_approved', "Request to see the reporter's identity approved"), ('identity_rejected', "Request to see the reporter's identity rejected")], max_length=32),
        ),
        migrations.AlterField(
            model_name='event',
            name='stage',
            field=models.CharField(blank=True, choices=[('triage', 'Triage'), ('examination', 'Examination'), ('review', 'Review'), ('follow_up', 'Follow-up')], max_length=16),
        ),
        migrations.AddIndex(
            model_name='casecategory',
            index=models.Index(fields=['unit', 'created_at'], name='category_unit_created'),
        ),
        migrations.AddIndex(
            model_name='event',
            index=models.Index(fields=['kind', 'at'], name='event_kind_at'),
        ),
        migrations.AddIndex(
            model_name='event',
            index=models.Index(fields=['stage', 'at'], name='event_stage_at'),
        ),
        migrations.AddIndex(
            model_name='event',
            index=models.Index(fields=['stage', 'stage_started_at'], name='event_stage_started'),
        ),
        migrations.AddIndex(
            model_name='event',
            index=models.Index(fields=['stage', 'stage_due_at'], name='event_stage_due'),
        ),
    ]
