"""HTTP pieces both interfaces (the pages and the API) answer with."""

from __future__ import annotations

from urllib.parse import quote

from django.http import StreamingHttpResponse

from integritas.cases.evidence import Download


def attachment(download: Download) -> StreamingHttpResponse:
    """A file as a download (never shown in the browser), under its own name."""
    response = StreamingHttpResponse(download.chunks, content_type=download.content_type)
    response["Content-Length"] = str(download.size)
    ascii_name = download.name.encode("ascii", "replace").decode().replace('"', "'")
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(download.name)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
