"""Every word of the organisation's code and of the administration pages has its Indonesian, and the
English catalogues list the same entries (English is the source language)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest
from django.utils import translation

from integritas.messages import ERRORS, PROBLEMS

PKG = Path(__file__).resolve().parents[2] / "integritas"
SOURCES = [
    PKG / "messages" / "orgs.py",
    *sorted((PKG / "orgs").glob("*.py")),
    *sorted((PKG / "web" / "views" / "manage").glob("*.py")),
    PKG / "web" / "forms_manage.py",
]
TEMPLATES = sorted((PKG / "web" / "templates" / "web" / "manage").glob("*.html")) + [
    PKG / "notify" / "templates" / "notify" / name
    for name in ("_org_item.txt", "_org_footer.txt", "org_base.html", "_org_change_requested.txt",
                 "org_change_requested.txt", "org_change_requested.html", "_team_changed.txt", "_changed_by.txt",
                 "team_changed.txt", "_password_changed.txt", "_password_unknown.txt", "password_changed.txt",
                 "_org_change_rejected.txt", "org_change_rejected.txt", "org_change_rejected.html")
]  # fmt: skip


def _python_msgids(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if node.func.id in ("_", "gettext", "gettext_lazy", "ngettext") and args:
                found.add(args[0])
            elif node.func.id in ("pgettext", "pgettext_lazy") and len(args) == 2:
                found.add(args[1])
    return found


def _template_msgids(path: Path) -> set[str]:
    source = path.read_text()
    found = set(re.findall(r'{%\s*translate\s+"((?:[^"\\]|\\.)*)"', source))
    for options, body in re.findall(
        r"{%\s*blocktranslate([^%]*)%}(.*?){%\s*endblocktranslate\s*%}", source, re.S
    ):
        if "trimmed" in options:
            body = " ".join(line.strip() for line in body.strip().splitlines() if line.strip())
        found.add(re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", body))
    return found


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
