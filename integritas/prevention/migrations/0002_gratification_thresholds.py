"""The gratification thresholds in force (kept as dated data: the KPK changes them by regulation).

A gift on these occasions whose value is within the limit (inclusive, per giver) need not be reported
to the KPK; occasions without a row (official duties, other) are always reportable.

- Peraturan KPK Nomor 2 Tahun 2019 tentang Pelaporan Gratifikasi (Berita Negara 2019 Nomor 1438):
  wedding and traditional or religious ceremonies Rp1,000,000 per giver; gifts between colleagues not in
  money Rp200,000 per giver, at most Rp1,000,000 a year from the same giver. (Its Rp300,000 for
  colleagues' farewells, retirements and birthdays has no occasion of its own here.) Valid until the
  amendment; the rows start "since records began" (valid_from empty).
- Peraturan KPK Nomor 1 Tahun 2026 tentang Perubahan atas Peraturan KPK Nomor 2 Tahun 2019,
  promulgated and in force on 20 January 2026: Rp1,500,000 per giver for weddings and ceremonies;
  Rp500,000 per giver between colleagues (not money), at most Rp1,500,000 a year from the same giver.
"""

import datetime as dt

from django.db import migrations

PERKPK_2019 = (
    "Peraturan KPK No. 2 Tahun 2019 tentang Pelaporan Gratifikasi (BN 2019 No. 1438): "
    "batas nilai gratifikasi yang tidak wajib dilaporkan"
)
PERKPK_2026 = (
    "Peraturan KPK No. 1 Tahun 2026 tentang Perubahan atas Peraturan KPK No. 2 Tahun 2019 "
    "(diundangkan dan berlaku 20 Januari 2026): batas nilai gratifikasi yang tidak wajib dilaporkan"
)
ROWS = [
    # occasion, valid_from, per giver, yearly total from the same giver, non-cash only, source
    ("wedding", None, 1_000_000, None, False, PERKPK_2019),
    ("religious", None, 1_000_000, None, False, PERKPK_2019),
    ("colleague", None, 200_000, 1_000_000, True, PERKPK_2019),
    ("wedding", dt.date(2026, 1, 20), 1_500_000, None, False, PERKPK_2026),
    ("religious", dt.date(2026, 1, 20), 1_500_000, None, False, PERKPK_2026),
    ("colleague", dt.date(2026, 1, 20), 500_000, 1_500_000, True, PERKPK_2026),
]


def add(apps, schema_editor):
    Threshold = apps.get_model("prevention", "GratificationThreshold")
    for occasion, valid_from, limit, yearly, non_cash, source in ROWS:
        Threshold.objects.update_or_create(
            occasion=occasion,
            valid_from=valid_from,
            defaults={
                "max_value_idr": limit,
                "yearly_max_idr": yearly,
                "non_cash_only": non_cash,
                "source": source,
            },
        )


def remove(apps, schema_editor):
    Threshold = apps.get_model("prevention", "GratificationThreshold")
    for occasion, valid_from, *_ in ROWS:
        Threshold.objects.filter(occasion=occasion, valid_from=valid_from).delete()


class Migration(migrations.Migration):
    dependencies = [("prevention", "0001_initial")]

    operations = [migrations.RunPython(add, remove)]
