from django.db import migrations


class Migration(migrations.Migration):
    """Joins two branches of work: the reporter-message read marks and the scale indexes."""

    dependencies = [
        ("cases", "0007_case_read"),
        ("cases", "0007_scale_indexes"),
    ]
    operations: list[migrations.operations.base.Operation] = []
