"""Size limits checked while the upload streams in, before anything is read whole.

The policy limit (`max_upload_mb`) belongs to the report's unit, which is only known once the body is
parsed; while streaming, each file is held to the largest limit any unit allows, and the request to
that times the number of files allowed. The unit's own limit is checked right after (413 either way).
On the public page forms a file over the limit is skipped instead, so that the form comes back with
the typed text (``integritas.web.bodies``).
"""

from __future__ import annotations

import threading
import time

from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from integritas.orgs.policy import DEFAULTS

_cache: tuple[float, int] | None = None
_computing = threading.Lock()
MAX_FILES = 20


class UploadTooLarge(RequestDataTooBig):
    """A file (or the whole upload) is larger than any unit allows."""


def largest_limit_bytes() -> int:
    """The largest `max_upload_mb` of any unit (or the default), in bytes; computed once a minute.

    Only the units whose own policy sets the limit are read, and one thread computes it while the
    others that find no fresh value wait for it (the first requests after a start arrive together).
    """
    cached = _cache
    if cached is not None and time.monotonic() - cached[0] < 60:
        return cached[1]
    with _computing:
        return _compute_limit()


def _compute_limit() -> int:
    global _cache
    now = time.monotonic()
    if _cache is not None and now - _cache[0] < 60:  # another thread computed it meanwhile
        return _cache[1]
    from integritas.orgs.models import Unit

    limit = int(DEFAULTS["max_upload_mb"])
    for policy in Unit.objects.filter(policy__has_key="max_upload_mb").values_list("policy", flat=True):
        value = (policy or {}).get("max_upload_mb")
        if isinstance(value, int) and not isinstance(value, bool):
            limit = max(limit, value)
    _cache = (now, limit * 1024 * 1024)
    return _cache[1]


def forget_limits() -> None:
    global _cache
    _cache = None


class LimitedUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: counts bytes as they arrive and stops at the limit."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):  # noqa: N803
        self.limit = largest_limit_bytes()
        if content_length and content_length > self.limit * MAX_FILES + 1024 * 1024:
            raise UploadTooLarge("The upload is larger than allowed")
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            if getattr(self.request, "skip_files_over_limit", False):
                # A page form (integritas.web.bodies): skip this file, read the other fields, and
                # let the view name the file at its field.
                getattr(self.request, "refused_uploads", []).append(self.file_name or "")
                raise SkipFile()
            raise UploadTooLarge(f"{self.file_name}: larger than allowed")
        return raw_data

    def file_complete(self, file_size):
        return None
