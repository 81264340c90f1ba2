"""Every word of the organisation's code and of the administration pages has its Indonesian, and the
English catalogues list the same entries (English is the source language)."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.utils import translation

from integritas.messages import ERRORS, PROBLEMS
from tests.web.test_public_pages import _python_msgids, _template_msgids

PKG = Path(__file__).resolve().parents[2] / "integritas"
SOURCES = [
    PKG / "messages" / "orgs.py",
    *sorted((PKG / "orgs").glob("*.py")),
    *sorted((PKG / "web" / "views" / "manage").glob("*.py")),
    PKG / "web" / "forms_manage.py",
]
TEMPLATES = sorted((PKG / "web" / "templates" / "web" / "manage").glob("*.html"))


def translated() -> set[str]:
    found = set()
    for path in (PKG / "locale" / "id" / "LC_MESSAGES").glob("*.po"):
        for entry in polib.pofile(str(path)):
            if (entry.msgstr or any(entry.msgstr_plural.values())) and "fuzzy" not in entry.flags:
                found.add(entry.msgid)
    return found


def test_every_string_of_the_organisation_and_its_pages_is_in_indonesian():
    wanted: set[str] = set()
    for path in SOURCES:
        wanted |= _python_msgids(path)
    for path in TEMPLATES:
        # a plural block reads "singular{% plural %}plural": the catalogue keys it by the singular
        wanted |= {msgid.split("{% plural %}")[0] for msgid in _template_msgids(path)}
    assert len(wanted) > 250
    missing = sorted(wanted - translated())
    assert not missing, missing


@pytest.mark.parametrize("area", ["orgs", "manage"])
def test_the_english_catalogue_has_the_same_entries(area):
    def ids(language: str) -> set[tuple[str | None, str]]:
        return {
            (e.msgctxt, e.msgid)
            for e in polib.pofile(str(PKG / "locale" / language / "LC_MESSAGES" / f"{area}.po"))
        }

    assert ids("id") == ids("en")


def test_every_code_of_the_organisation_reads_in_indonesian():
    import integritas.messages.orgs  # noqa: F401 - registers the codes

    source = (PKG / "messages" / "orgs.py").read_text()
    words = {**ERRORS, **PROBLEMS}
    codes = [code for code in words if f'"{code}"' in source]
    assert len(codes) > 40
    with translation.override("en"):
        english = {c: str(words[c]) for c in codes}
    with translation.override("id"):
        same = [c for c in codes if str(words[c]) == english[c]]
    assert not same, same
