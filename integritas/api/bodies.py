"""Bodies that may come as JSON or as multipart (a `data` part with the JSON plus `evidence` files)."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from ninja.parser import Parser

from integritas.errors import Malformed


def strict_loads(text: str | bytes) -> Any:
    """json.loads for request bodies: UTF-8 only, and no unpaired surrogate escapes ("\\ud800").

    Raises ValueError (JSONDecodeError and UnicodeError are ValueErrors; so is an integer of more
    than 4300 digits) or RecursionError (nesting too deep).
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    value = json.loads(text)
    if "\\" in text:
        # A lone surrogate parses, but is no text: it would fail later, when encoded to store or show it.
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    return value


def _loads(text: str | bytes) -> Any:
    try:
        return strict_loads(text)
    except (ValueError, RecursionError) as exc:
        raise Malformed(reason="json") from exc


class StrictParser(Parser):
    """The parser of the ninja API (staff bodies): same rules as the public bodies."""

    def parse_body(self, request: HttpRequest) -> Any:
        return strict_loads(request.body)


def json_or_multipart(request: HttpRequest) -> tuple[Any, list[UploadedFile]]:
    content_type = (request.content_type or "").lower()
    if content_type == "multipart/form-data":
        data = request.POST.get("data")
        if data is None:
            raise Malformed(reason="no_data_part")
        return _loads(data), request.FILES.getlist("evidence")
    if content_type in ("application/json", "") or content_type.endswith("+json"):
        if not request.body:
            raise Malformed(reason="empty_body")
        return _loads(request.body), []
    raise Malformed(reason="content_type")
