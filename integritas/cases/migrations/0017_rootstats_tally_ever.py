"""The ``u:`` tallies also kept under the month ``tallies.EVER`` (every month together)."""

from django.db import migrations


def add_ever_rows(apps, schema_editor):
    table = apps.get_model("cases", "CaseTally")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        # (The rows of 0011's rebuild may already have them, when it ran with this code.)
        cursor.execute(f"DELETE FROM {table} WHERE month = %s", ["0001-01-01"])
        cursor.execute(
            f"INSERT INTO {table} (unit_id, month, key, slot, n) "
            f"SELECT unit_id, %s, key, slot, SUM(n) FROM {table} "
            f"WHERE key LIKE 'u:%%' AND month > %s GROUP BY unit_id, key, slot",
            ["0001-01-01", "0001-01-01"],
        )


def remove_ever_rows(apps, schema_editor):
    apps.get_model("cases", "CaseTally").objects.filter(month="0001-01-01").delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0016_rootstats_tally_key")]

    operations = [migrations.RunPython(add_ever_rows, remove_ever_rows)]
