"""Moments and days as people read them, in the unit's time zone with its Indonesian name (WIB,
WITA, WIT), in the active language. Every interface (pages, e-mail) formats with these."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import dateformat, formats
from django.utils.translation import gettext as _

# Indonesia's three zones (Pontianak keeps Western Indonesian Time).
ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def zone_name(zone: ZoneInfo, local: dt.datetime | None = None) -> str:
    return ZONE_NAMES.get(zone.key) or (local.tzname() if local else None) or zone.key


def _local(value: dt.datetime | str, zone: ZoneInfo) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.astimezone(zone)


def short(value: dt.datetime | str | None, zone: ZoneInfo) -> str:
    """19 Agu 2026 23:59 WIB (lists and the case page of the back office)."""
    if value is None:
        return ""
    local = _local(value, zone)
    return f"{formats.date_format(local, 'j M Y')} {local:%H:%M} {zone_name(zone, local)}"


def long(value: dt.datetime | str | None, zone: ZoneInfo) -> str:
    """Jumat, 14 Agustus 2026, 23.59 WIB (the public pages)."""
    if value is None:
        return ""
    local = _local(value, zone)
    # Translators: a PHP-style date format (Django's "date" filter): day, date, month, year, hour:minute.
    return f"{dateformat.format(local, _('l, j F Y, H:i'))} {zone_name(zone, local)}".strip()


def spoken(value: dt.datetime | None, zone: ZoneInfo) -> str:
    """Rabu, 2 Desember 2026 pukul 23.59 WIB (e-mail)."""
    if value is None:
        return ""
    local = value.astimezone(zone)
    return _("%(day)s at %(time)s %(zone)s") % {
        # Translators: a PHP-style date format: weekday, date, month name, year.
        "day": dateformat.format(local, _("l, j F Y")),
        # Translators: a PHP-style time format: hour and minute.
        "time": dateformat.format(local, _("H:i")),
        "zone": zone_name(zone, local),
    }


def day_short(value: dt.date | str | None) -> str:
    """19 Agu 2026."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return formats.date_format(value, "j M Y")


def day_long(value: dt.date | None) -> str:
    """19 Agustus 2026."""
    if value is None:
        return ""
    # Translators: a PHP-style date format: date, month name, year.
    return dateformat.format(value, _("j F Y"))
