"""Finding a school or office the way people write its name.

Parents type "SMPN 1 Mejayan", "smpn1 mejayan", "SMP N 1 Mejayan", "Mejayan 1" or the code from a
poster; the directory says "SMP Negeri 1 Mejayan" (code ``SMPN1-MEJAYAN``). Both sides are brought to
the same words first: small letters without accents or punctuation, letters and digits apart ("smpn1"
→ "smpn 1"), leading zeros dropped ("01" → "1"), and the common abbreviations written out (SMPN / SMP N
→ SMP Negeri, SDN, SMAN, SMKN, MTsN, MIN, MAN, Kab. → Kabupaten, Disdik → Dinas Pendidikan). A unit is
found when every word of the search is one of its words (or, for a word of three letters or more, the
start of one), in any order. Results are ranked: the code itself, then the name as typed, then names
whose words come in the order typed, then shorter names.

The page (``/lapor/``) and the API (``GET /public/units?q=``) use the same search.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save

from integritas.orgs.models import Unit

# A school type followed by "N" (or glued to it) is the state school of that type.
SCHOOL_TYPES = ("sd", "smp", "sma", "smk", "mts", "mi", "ma", "slb", "tk")
GLUED = {f"{kind}n": kind for kind in SCHOOL_TYPES if kind not in ("mi", "ma", "tk")} | {
    "min": "mi",
    "man": "ma",
    "tkn": "tk",
}
WORDS = {
    "kab": ["kabupaten"],
    "kabupatan": ["kabupaten"],
    "disdik": ["dinas", "pendidikan"],
    "dindik": ["dinas", "pendidikan"],
    "disdikbud": ["dinas", "pendidikan", "kebudayaan"],
    "dikbud": ["pendidikan", "kebudayaan"],
    "neg": ["negeri"],
    "negri": ["negeri"],
    "kec": ["kecamatan"],
}
# Words that say what kind of unit it is, not which one: a search of only these finds nothing useful.
GENERIC = {*SCHOOL_TYPES, "negeri", "swasta", "sekolah", "kabupaten", "kota", "dinas", "pendidikan"}
SPLIT = re.compile(r"[a-z]+|[0-9]+")


def words(text: str) -> list[str]:
    """The normalised words of a name, a code or a search."""
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    raw = SPLIT.findall(folded)
    out: list[str] = []
    for i, word in enumerate(raw):
        if word.isdigit():
            out.append(word.lstrip("0") or "0")
        elif word in GLUED and (i + 1 < len(raw) or len(raw) == 1 or word not in ("min", "man")):
            out.extend([GLUED[word], "negeri"])
        elif word == "n" and out and out[-1] in SCHOOL_TYPES:
            out.append("negeri")
        else:
            out.extend(WORDS.get(word, [word]))
    return out


@dataclass(frozen=True)
class Found:
    unit_id: int
    score: tuple[int, ...]


def _matches(query: list[str], unit_words: list[str]) -> bool:
    present = set(unit_words)
    for word in query:
        if word in present:
            continue
        if len(word) >= 3 and not word.isdigit() and any(u.startswith(word) for u in unit_words):
            continue
        return False
    return True


def _in_order(query: list[str], unit_words: list[str]) -> bool:
    """Do the search's words appear in the name in the order typed (not necessarily adjacent)?"""
    position = 0
    for word in query:
        try:
            position = unit_words.index(word, position) + 1
        except ValueError:
            return False
    return True


_index: tuple[tuple[int, int | None], float, list[tuple[int, str, list[str], list[str]]]] | None = None
INDEX_SECONDS = 60.0


def _directory() -> list[tuple[int, str, list[str], list[str]]]:
    """Every unit's id, code and normalised words. Kept per process while the directory has the same
    size and newest unit, for a minute at most, and dropped at once when a unit is saved here."""
    global _index
    now = time.monotonic()
    shape = Unit.objects.aggregate(n=Count("id"), last=Max("id"))
    key = (int(shape["n"]), shape["last"])
    if _index is not None and _index[0] == key and now - _index[1] < INDEX_SECONDS:
        return _index[2]
    rows = []
    for unit_id, code, name in Unit.objects.values_list("id", "code", "name"):
        name_words = words(name)
        rows.append((unit_id, code, name_words, name_words + words(code)))
    _index = (key, now, rows)
    return rows


def forget_directory(*args: object, **kwargs: object) -> None:
    """Read the units again at the next search (connected to Unit's save and delete)."""
    global _index
    _index = None


post_save.connect(forget_directory, sender=Unit, dispatch_uid="integritas-unit-search-save")
post_delete.connect(forget_directory, sender=Unit, dispatch_uid="integritas-unit-search-delete")


def search(q: str, *, limit: int = 50, within: Collection[int] | None = None) -> list[Unit]:
    """The units a search finds, best first (at most ``limit``); only units whose id is in ``within``
    when it is given (the units a member of staff may filter their cases by)."""
    query = words(q)
    if not query:
        return []
    code_typed = re.sub(r"\s+", "", q).upper()
    phrase = " ".join(query)
    found: list[Found] = []
    for unit_id, code, name_words, unit_words in _directory():
        if within is not None and unit_id not in within:
            continue
        if not _matches(query, unit_words):
            continue
        score = (
            0 if code.upper() == code_typed else 1,
            0 if f" {phrase} " in f" {' '.join(name_words)} " else 1,
            0 if _in_order(query, name_words) else 1,
            len(name_words),
        )
        found.append(Found(unit_id, score))
    found.sort(key=lambda f: f.score)
    ids = [f.unit_id for f in found[:limit]]
    units = Unit.objects.select_related("parent").in_bulk(ids)
    return [units[i] for i in ids if i in units]


def is_generic(q: str) -> bool:
    """A search made only of words like "SMP" or "Negeri" (it would list half the directory)."""
    return all(word in GENERIC for word in words(q))
