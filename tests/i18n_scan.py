"""Finding the translatable strings of the package (templates and Python) and the merged catalogue."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib

PKG = Path(__file__).resolve().parents[1] / "integritas"
LOCALE = PKG / "locale"


def template_msgids(path: Path) -> set[tuple[str | None, str]]:
    source = path.read_text()
    found: set[tuple[str | None, str]] = set()
    for single, double, context in re.findall(
        r"""{%\s*translate\s+(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")(?:\s+context\s+"([^"]*)")?""",
        source,
    ):
        found.add((context or None, single or double))
    for options, body in re.findall(
        r"{%\s*blocktranslate([^%]*)%}(.*?){%\s*endblocktranslate\s*%}", source, re.S
    ):
        if "trimmed" in options:
            body = " ".join(line.strip() for line in body.strip().splitlines() if line.strip())
        context = re.search(r'context\s+"([^"]+)"', options)
        found.add((context.group(1) if context else None, re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", body)))
    return found


def python_msgids(path: Path) -> set[tuple[str | None, str]]:
    found: set[tuple[str | None, str]] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if node.func.id in ("_", "gettext", "gettext_lazy") and args:
                found.add((None, args[0]))
            elif node.func.id in ("pgettext", "pgettext_lazy") and len(args) == 2:
                found.add((args[0], args[1]))
    return found


def msgids(paths: list[Path]) -> set[tuple[str | None, str]]:
    found: set[tuple[str | None, str]] = set()
    for path in paths:
        found |= python_msgids(path) if path.suffix == ".py" else template_msgids(path)
    return found


def catalogue(language: str) -> dict[tuple[str | None, str], str]:
    """Every .po of a language merged the way ``i18n_compile`` merges them (first file wins)."""
    merged: dict[tuple[str | None, str], str] = {}
    for po_path in sorted((LOCALE / language / "LC_MESSAGES").glob("*.po")):
        for entry in polib.pofile(str(po_path)):
            if entry.obsolete or "fuzzy" in entry.flags:
                continue
            merged.setdefault((entry.msgctxt, entry.msgid), entry.msgstr)
    return merged
