"""The stylesheet and other static files under names that carry their content's hash.

`integritas serve` collects them at start (into <data dir>/static, with gzip copies), so a
browser may keep them for a year and a new release is fetched at once. Where nothing was collected
(the tests, `django-admin` commands), the plain name is used and WhiteNoise serves it from the app.
"""

from __future__ import annotations

from typing import Any

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:  # not collected here: the file is served under its own name
            return name

    def create_compressor(self, **kwargs: Any) -> Compressor:
        # gzip only: brotli at its best setting takes most of a minute over the API docs' scripts.
        return Compressor(**{**kwargs, "use_brotli": False})
