"""Work every request would otherwise do first, done once when a server process loads the app.

The first requests after a start arrive together (a client with 16 connections, a browser's page with
its assets): without this each of them would wait while the URLconf (the API and its schemas) is
imported, and several threads would compute the same per-process tables at once. Nothing here is
required: a table not loaded now is loaded by the first request that needs it, as before.
"""

from __future__ import annotations

import gc
import logging

from django.db import DatabaseError, connections
from django.urls import get_resolver
from django.utils import timezone

log = logging.getLogger(__name__)


def warm_up() -> None:
    get_resolver().url_patterns  # noqa: B018  (imports every view module and builds the API)
    from integritas.orgs.calendar import national_days
    from integritas.security.uploads import largest_limit_bytes

    year = timezone.now().year
    for language in ("id", "en"):
        for y in (year, year + 1):  # a deadline near the end of the year counts into the next
            national_days(y, language)
    try:
        largest_limit_bytes()
    except DatabaseError:  # not migrated yet: the first upload computes it
        log.debug("upload limits not computed at start", exc_info=True)
    finally:
        connections.close_all()  # the loading thread serves no request; its connection is not kept
    # What is loaded now (Django, the application, the URLconf, the tables above: ~0.5 million
    # objects) lives as long as the process. Kept out of the collector's reach, a full collection
    # (every few requests that make many objects, such as the root's statistics) scans only what was
    # made since, instead of all of it each time (~80 ms).
    gc.collect()
    gc.freeze()
