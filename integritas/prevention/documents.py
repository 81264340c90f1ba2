"""Printable documents as PDF (WeasyPrint): the signed statement of a person's declaration for a year
(*surat pernyataan*) and the minutes of recusals of a decision agenda. Both are in Indonesian, the
language of the files they go into; they load nothing from outside (no fonts, images or links fetched).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from integritas.cases.models import Category
from integritas.notify.render import format_date, format_local
from integritas.orgs.models import Person
from integritas.prevention import agendas, sealing
from integritas.prevention.common import audit, holdings_today
from integritas.prevention.models import Agenda, Declaration


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"no outside resources in documents ({url[:40]})")


def to_pdf(html: str) -> bytes:
    # Its progress messages (one per step of every document) are not for the server's log.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    from weasyprint import HTML  # imported when needed: Pango is loaded only for documents

    return HTML(string=html, url_fetcher=_refuse, base_url=None).write_pdf()


def verification_code(declaration: Declaration, interests: list[dict[str, Any]]) -> str:
    """A short fingerprint of what was declared and when: the printed copy can be checked against it."""
    payload = json.dumps(
        {
            "id": declaration.pk,
            "person": declaration.person.username,
            "filed_at": declaration.filed_at.isoformat(),
            "interests": interests,
            "none": declaration.none,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    digest = hashlib.sha256(payload.encode()).hexdigest()[:20].upper()
    return "-".join(digest[i : i + 4] for i in range(0, 20, 4))


def statement_pdf(declaration: Declaration, viewer: Person, *, now: dt.datetime | None = None) -> bytes:
    """The surat pernyataan of an annual declaration (the gate ran before; each copy is audited)."""
    now = now or timezone.now()
    person = declaration.person
    interests = list(
        (sealing.unseal(declaration, "content", declaration.sealed) or {}).get("interests") or []
    )
    held = holdings_today(person, timezone.localdate())
    unit = held[0].position.unit if held else None
    zone = unit.effective_timezone if unit else "Asia/Jakarta"
    with translation.override("id"):
        rows = [
            {
                "category": str(Category(i["category"]).label)
                if i.get("category") in Category.values
                else "",
                "description": i.get("description") or "",
                "parties": i.get("parties") or [],
            }
            for i in interests
        ]
        html = render_to_string(
            "prevention/pdf/statement.html",
            {
                "person": person,
                "positions": [
                    (("Plt. " if h.acting else "") + h.position.title, h.position.unit.name) for h in held
                ],
                "unit": unit,
                "declaration": declaration,
                "year": declaration.year,
                "interests": rows,
                "filed": format_local(declaration.filed_at, zone),
                "today": format_date(now.astimezone(dt.UTC).date()),
                "code": verification_code(declaration, interests),
            },
        )
    audit("declaration_statement_printed", viewer, unit=unit, at=now, declaration=declaration.pk)
    return to_pdf(html)


def minutes_pdf(agenda: Agenda, viewer: Person, *, now: dt.datetime | None = None) -> bytes:
    """The minutes of recusals of an agenda: who recused from which item, without the reasons."""
    now = now or timezone.now()
    data = agendas.minutes(agenda)
    zone = agenda.unit.effective_timezone
    with translation.override("id"):
        html = render_to_string(
            "prevention/pdf/minutes.html",
            {
                **data,
                "meets": format_local(agenda.meets_at, zone),
                "printed": format_local(now, zone),
            },
        )
    audit("agenda_minutes_printed", viewer, unit=agenda.unit, at=now, agenda=agenda.pk)
    return to_pdf(html)
