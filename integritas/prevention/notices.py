"""Who hears what about prevention, through the same outbox and in-app notices as cases.

- The handler (direct superior) of a self-declared conflict when it reaches them; on a missed deadline
  the handler and the team (the next superior hears from the assignment when the sweep moves it up);
  the declarer when a measure is decided.
- The team of the recipient's unit for each new gratification report, a few working days before its
  deadline to reach the KPK, and once when it is overdue; the recipient when the outcome is recorded.
- The participants of a decision agenda when it is published; a participant whose declarations match
  an item's parties, and the team, are warned.
- Whoever has not filed the annual declaration of interests: the yearly reminder in January and the
  reminders the team sends.

Mail carries references, units, dates and kinds only: never a declared party, a giver, a reason or a
description (those stay inside the application). Each kind is a pair of templates in
``notify/templates/notify/`` rendered by ``notify.render`` in the reader's language, and is written
through ``notify.outbox`` inside the caller's transaction, like the cases' notifications, so a
message exists if and only if the change does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import translation

from integritas.notify import outbox
from integritas.notify.render import in_language, language_of, public_url
from integritas.orgs.models import Person


def tell(
    people: Iterable[Person],
    kind: str,
    *,
    role: str,
    path: str,
    context: dict[str, Any],
    at: dt.datetime | None = None,
) -> int:
    """A notice in the application and (with an address) an e-mail for each active person, once each,
    in their language; dates and times in the unit's zone (``context["zone"]``)."""
    zone = str(context.get("zone") or "Asia/Jakarta")
    link = public_url(path)
    items: list[tuple[Person, str, str, dict[str, Any]]] = []
    seen: set[int] = set()
    for person in people:
        if person.pk in seen or not person.is_active:
            continue
        seen.add(person.pk)
        with translation.override(language_of(person.language)):
            values = {key: in_language(value, zone) for key, value in context.items()}
        items.append((person, kind, role, {**values, "link": link}))
    outbox.queue_staff_many(items, path=path, at=at)
    return len(items)
