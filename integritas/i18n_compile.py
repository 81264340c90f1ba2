"""Compile every locale/*/LC_MESSAGES/django.po into its .mo with polib (no GNU gettext needed)."""

from __future__ import annotations

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent / "locale"


def merged(language_dir: Path) -> polib.POFile:
    """All .po files of one language (one per area of the pages) as one catalog."""
    catalog = polib.POFile()
    catalog.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Language": language_dir.name,
        "Plural-Forms": "nplurals=1; plural=0;"
        if language_dir.name == "id"
        else "nplurals=2; plural=(n != 1);",
    }
    seen: set[tuple[str | None, str]] = set()
    for po_path in sorted((language_dir / "LC_MESSAGES").glob("*.po")):
        for entry in polib.pofile(str(po_path)):
            key = (entry.msgctxt, entry.msgid)
            if key in seen or entry.obsolete or "fuzzy" in entry.flags:
                continue
            seen.add(key)
            catalog.append(entry)
    return catalog


def compile_all() -> list[Path]:
    written = []
    for language_dir in sorted(p for p in LOCALE.iterdir() if p.is_dir()):
        mo_path = language_dir / "LC_MESSAGES" / "django.mo"
        merged(language_dir).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_all():
        print(f"compiled {path}")
