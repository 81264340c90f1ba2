"""HTTP pieces both interfaces (the pages and the API) answer with."""

from __future__ import annotations

from typing import TypeVar
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse

from integritas.cases.evidence import Download

_R = TypeVar("_R", HttpResponse, StreamingHttpResponse)


def attachment(download: Download) -> StreamingHttpResponse:
    """A stored file as a download (never shown in the browser), under its own name."""
    response = StreamingHttpResponse(download.chunks, content_type=download.content_type)
    response["Content-Length"] = str(download.size)
    return _as_download(response, download.name)


def file_response(body: bytes, content_type: str, name: str) -> HttpResponse:
    """A generated file (PDF, XLSX, ZIP) as a download under ``name``, never kept by a cache."""
    return _as_download(HttpResponse(body, content_type=content_type), name)


def _as_download(response: _R, name: str) -> _R:
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "'")
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
