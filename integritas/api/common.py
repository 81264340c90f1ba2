"""What every API module answers with: lookups by a code from the request, cursor pages, JSON
object bodies, files, and the OpenAPI descriptions that go with them. One copy each, so an endpoint
reads as its HTTP shape plus one service call."""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from integritas.api.bodies import json_or_multipart
from integritas.errors import Invalid, Problem

M = TypeVar("M", bound=Model)

# Longer than any code or user name we store: such a value finds nothing, without asking the database.
LOOKUP_LIMIT = 255


def find(model: type[M], **lookup: Any) -> M | None:
    """The first row matching ``lookup`` (codes and names as they came in a request), or None.

    A text with a NUL character or longer than any stored code finds nothing (PostgreSQL refuses NUL).
    """
    texts = [v for v in lookup.values() if isinstance(v, str)]
    if any("\x00" in v or len(v) > LOOKUP_LIMIT for v in texts):
        return None
    return model._default_manager.filter(**lookup).first()


def page(
    request: HttpRequest,
    qs: Any,
    *,
    cursor: int | str | None,
    limit: int,
    params: dict[str, Any] | None = None,
    key: str = "pk",
    newest_first: bool = True,
) -> tuple[list[Any], str | None]:
    """One page of an ordered queryset after ``cursor``, and the URL of the next page (None on the last).

    ``key`` is the field the cursor holds, ``qs`` must be ordered by it (descending when
    ``newest_first``); ``params`` are the filters the next link repeats (empty ones are left out).
    """
    if cursor:
        qs = qs.filter(**{f"{key}__{'lt' if newest_first else 'gt'}": cursor})
    rows = list(qs[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    query = {
        k: v for k, v in {**(params or {}), "limit": limit, "cursor": getattr(rows[-1], key)}.items() if v
    }
    return rows, request.path + "?" + urlencode(query)


def json_body(request: HttpRequest) -> Any:
    """The JSON of the body (or of the ``data`` part of a multipart body), for a service to check."""
    data, _ = json_or_multipart(request)
    return data


def json_object(request: HttpRequest) -> dict[str, Any]:
    """The JSON of the body, which must be an object (else 422 naming ``body``)."""
    data = json_body(request)
    if not isinstance(data, dict):
        raise Invalid({"body": Problem("not_object")})
    return data


def binary_answer(description: str, *content_types: str) -> dict[str, Any]:
    """``openapi_extra`` of an endpoint that answers 200 with a file of one of ``content_types``."""
    content = {t: {"schema": {"type": "string", "format": "binary"}} for t in content_types}
    return {"responses": {"200": {"description": description, "content": content}}}


def json_request(schema: dict[str, Any]) -> dict[str, Any]:
    """``openapi_extra`` of an endpoint that reads its JSON body itself (the services check it)."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


# A dict of more entries than this, every one text → integer (``by_unit`` of ``GET /stats``: 10,021
# units at the root), is written entry by entry by :func:`json_answer`.
LARGE_FLAT = 256


def json_answer(data: dict[str, Any], status: int = 200) -> HttpResponse:
    """``data`` as the JSON answer django-ninja writes for a ``dict`` response, byte for byte (same
    encoder, separators, content type), but without its validation and copy of the whole answer, and
    without the list of every (key, value) pair that ``json.dumps`` makes for a large dict: 10,000
    pairs at once outlive Python's young collector generations, and every few answers the process
    then pays a full collection of all its objects (~85 ms). Such dicts are written entry by entry."""
    parts: list[str] = []
    pending: dict[str, Any] = {}
    for key, value in data.items():
        if type(value) is dict and len(value) > LARGE_FLAT and _flat(value):
            if pending:
                parts.append(json.dumps(pending, cls=NinjaJSONEncoder)[1:-1])
                pending = {}
            entries = ", ".join([f"{encode_basestring_ascii(k)}: {n}" for k, n in value.items()])
            parts.append(f"{encode_basestring_ascii(key)}: {{{entries}}}")
        else:
            pending[key] = value
    if pending:
        parts.append(json.dumps(pending, cls=NinjaJSONEncoder)[1:-1])
    body = "{" + ", ".join(parts) + "}"
    return HttpResponse(
        body, status=status, content_type=f"{JSONRenderer.media_type}; charset={JSONRenderer.charset}"
    )


def _flat(value: dict[Any, Any]) -> bool:
    return all(type(k) is str and type(n) is int for k, n in value.items())
