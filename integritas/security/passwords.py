"""Passwords people here actually pick, beyond Django's list of 20,000 common ones."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LOCAL_WORDS = (
    "indonesia",
    "merdeka",
    "bismillah",
    "rahasia",
    "sekolah",
    "guru",
    "kepala",
    "dinas",
    "pendidikan",
    "integritas",
    "garuda",
    "pancasila",
    "jakarta",
    "madiun",
    "mejayan",
    "password",
    "katasandi",
    "sandi",
    "qwerty",
    "admin",
    "smpn",
)


class LocalCommonPasswordValidator:
    """Refuses a local common word with only digits or symbols around it (e.g. "Sekolah2026!")."""

    def validate(self, password: str, user: object = None) -> None:
        core = re.sub(r"[^a-z]", "", password.lower())
        if core in LOCAL_WORDS or core in {w + w for w in LOCAL_WORDS}:
            raise ValidationError(
                _("This password is a common word with numbers added; choose a longer phrase."),
                code="password_too_common",
            )

    def get_help_text(self) -> str:
        return _("Your password cannot be a common word with a few numbers or symbols added.")
