"""Bodies that may come as JSON or as multipart (a `data` part with the JSON plus `evidence` files)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest

from integritas.errors import Malformed


def _loads(text: str | bytes) -> Any:
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise Malformed("The request body is not valid JSON", code="malformed") from exc


def json_or_multipart(request: HttpRequest) -> tuple[Any, list]:
    content_type = (request.content_type or "").lower()
    if content_type == "multipart/form-data":
        data = request.POST.get("data")
        if data is None:
            raise Malformed("The multipart body needs a part named 'data' holding the JSON", code="malformed")
        return _loads(data), request.FILES.getlist("evidence")
    if content_type in ("application/json", "") or content_type.endswith("+json"):
        if not request.body:
            raise Malformed("The request body is empty: send JSON", code="malformed")
        return _loads(request.body), []
    raise Malformed(
        f"Unsupported content type {content_type!r}: send application/json or multipart/form-data",
        code="malformed",
    )
