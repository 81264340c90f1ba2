"""Which refusal of vault.filetypes an API answer carries: the code clients see stays
``unsupported_file_type``; the words (Indonesian by default) say why."""

from __future__ import annotations

import re
from typing import Any

from django.utils import translation

from integritas.messages.security import TEXTS


def refusal_reason(error: dict[str, Any], language: str = "id") -> str:
    assert error["code"] == "unsupported_file_type", error
    found = []
    with translation.override(language):
        for code, words in TEXTS.items():
            pattern = re.escape(str(words))
            for placeholder in ("%(name)s", "%(part)s"):
                pattern = pattern.replace(re.escape(placeholder), ".*")
            if re.fullmatch(pattern, error["message"], flags=re.S):
                found.append(code)
    assert len(found) == 1, (found, error["message"])
    return found[0]
