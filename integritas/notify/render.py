"""Templates to messages: ``notify/<lang>/<kind>.txt`` (first line the subject, then a blank line,
then the body) and ``notify/<lang>/<kind>.html`` (simple HTML extending ``notify/base.html``).

The templates live in this app's folder and render with engines of their own, so plain text is never
HTML-escaped and the HTML always is, whatever the project's TEMPLATES setting says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template import Context, Engine

LANGUAGES = ("id", "en")
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
DAYS = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS = {
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
STAGES = {
    "id": {
        "triage": "penelaahan oleh Tim (triase)",
        "examination": "pemeriksaan",
        "review": "peninjauan",
        "follow_up": "tindak lanjut",
        "closed": "selesai",
    },
    "en": {
        "triage": "triage by the team",
        "examination": "examination",
        "review": "review",
        "follow_up": "follow-up",
        "closed": "closed",
    },
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def language_of(value: str | None) -> str:
    value = (value or "").strip().lower()[:2]
    return value if value in LANGUAGES else "id"


def format_local(when: dt.datetime | None, tz_name: str, language: str) -> str:
    """A due instant as people read it: in the unit's zone, with the zone's Indonesian abbreviation."""
    if when is None:
        return ""
    local = when.astimezone(ZoneInfo(tz_name))
    zone = ZONE_NAMES.get(tz_name, tz_name)
    day = DAYS[language][local.weekday()]
    month = MONTHS[language][local.month - 1]
    if language == "id":
        return f"{day}, {local.day} {month} {local.year} pukul {local:%H.%M} {zone}"
    return f"{day}, {local.day} {month} {local.year} at {local:%H:%M} {zone}"


def format_date(day: dt.date, language: str) -> str:
    return f"{day.day} {MONTHS[language][day.month - 1]} {day.year}"


def stage_label(status: str, language: str) -> str:
    return STAGES[language].get(status, status)


def public_url(path: str) -> str:
    return str(settings.INTEGRITAS.get("PUBLIC_URL", "")).rstrip("/") + path


def case_path(reference: str) -> str:
    return f"/kasus/{reference}/"


TRACK_PATH = "/pantau/"


@lru_cache(maxsize=1)
def _engines() -> tuple[Engine, Engine]:
    text = Engine(dirs=[str(TEMPLATE_DIR)], autoescape=False)
    html = Engine(dirs=[str(TEMPLATE_DIR)], autoescape=True)
    return text, html


def render(kind: str, language: str, context: dict[str, Any]) -> Rendered:
    language = language_of(language)
    text_engine, html_engine = _engines()
    ctx = {**context, "language": language}
    raw = text_engine.get_template(f"notify/{language}/{kind}.txt").render(Context(ctx))
    subject, _, body = raw.lstrip("\n").partition("\n")
    subject = " ".join(subject.split())[:255]
    body = _tidy(body)
    html = html_engine.get_template(f"notify/{language}/{kind}.html").render(
        Context({**ctx, "subject": subject})
    )
    return Rendered(subject=subject, text=body, html=html.strip() + "\n")


def _tidy(text: str) -> str:
    """Template tags leave blank runs behind: keep at most one empty line between paragraphs."""
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and out and not out[-1]:
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"
