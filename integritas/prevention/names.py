"""Name matching (API.md §2 Prevention): is this the same person, or the same business?

Two names match when they are the same name once academic and religious titles (``Drs.``, ``H.``,
``S.Pd.``, ``M.M.``…) and legal forms of companies (``PT``, ``CV``, ``UD``, ``Tbk``…) are removed and
case, punctuation, spacing and accents no longer count, allowing a one-letter spelling variant
(``Sutrisno``/``Sutrisna``).

How the comparison works, and why:

1. :func:`tokens` turns a name into its words: accents folded, lower case, punctuation dropped, titles
   stripped from the front (``Drs. H.``) and degrees from the back (``, S.Pd., M.M.``), legal forms
   stripped wherever they stand, the old spelling (``oe``, ``dj``, ``tj``, ``sj``, ``nj``, ``ch``)
   written the current way (*Soetrisno* is *Sutrisno*), and the many spellings of *Muhammad*
   (``Moh.``, ``Muh.``, ``Mochammad``…) made one.
2. :func:`same_name` compares word by word, in order, with the same number of words on both sides
   (names written with the words the other way round are tried in sorted order too). Two words agree
   when they are equal, when one is a single-letter initial of the other (``M. Rizki``), or when their
   Levenshtein similarity (rapidfuzz) is at least :data:`WORD_SIMILARITY`.
3. Names whose words are run together differently (``Nur Aini``/``Nuraini``) match when the letters
   are exactly the same.

Why word by word and not a similarity of whole strings: a whole-string score cannot tell a spelling
variant from a different person who shares most letters. With ``fuzz.ratio``, ``Muhammad Rizki`` and
``Muhammad Rizal`` (two people) score 85.7, between ``Siti Aminah``/``Siti Aisyah`` (two people, 81.8)
and ``Sutrisno``/``Sutrisna`` (one person, 87.5), and a long shared given name lifts any pair higher:
no cut-off separates them. Partial and token-set scores are worse: ``Fauzi Rahman`` is wholly inside
``Ahmad Fauzi Sutrisno``. Requiring every word to agree keeps shared given names (*Siti*,
*Muhammad*, *Ahmad*) from matching on their own.

Why :data:`WORD_SIMILARITY` = 0.8: it is one edit per five letters. Every one-letter variant of a word
of five letters or more passes (``Rizki``/``Rizky`` 0.8, ``Sutrisno``/``Sutrisna`` 0.875,
``Muhamad``/``Muhammad`` 0.875), words of four letters or less must be equal (``Agus`` is not
``Agung``), and two different letters in a short word fail (``Rizki``/``Rizal`` 0.6,
``Aminah``/``Aisyah`` 0.5). ``tests/prevention/test_names.py`` holds the Indonesian pairs that fix it
on both sides.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

WORD_SIMILARITY = 0.8

# Titles written before a name: academic, religious, honorific (compared without dots or case).
PREFIX_TITLES = frozenset(
    """dr drs dra drg ir prof h hj haji hajah hajjah kh ust ustadz ustaz ustadzah ustazah ustd kyai kiai
    habib bpk bapak ibu sdr sdri saudara saudari ny nyonya tn tuan nn nona apt ns bu pak""".split()
)
# Degrees written after a name (compared without dots or case). A degree not listed here is still
# recognised by its shape when it has dots inside (``S.Pd.I.``, ``M.Kes.``).
SUFFIX_TITLES = frozenset(
    """spd mpd se mm sh mh amd ama ap skom mkom msi ssi st mt sag mag spdi mpdi sthi shi sip msos ssos
    skm mkes spsi mpsi psi sked ked sfarm apt sp spd.i ssn sn sh.i ba ma msc bsc phd mba mph llm sik
    ak cpa sikom ikom sst mtr mhum shum spt mp sp2 sps stp mkn sr dipl mars spdsd ssit sei mei sgz amk
    amkep skep ners sst str mtr ssy msy lc mhi mag sthi shi sh mh ssos se mm""".split()
)
# Legal forms of businesses and organisations: dropped wherever they stand.
LEGAL_FORMS = frozenset(
    """pt cv ud tbk koperasi kop persero perum perumda pd firma fa kud ksp kspps bumdes yayasan""".split()
)
MUHAMMAD = frozenset(
    """muhammad muhamad mohammad mohamad mohammed muhammed mochammad mochamad mukhammad muchammad
    muchamad mohamed moh muh mhd moch much mochd""".split()
)
# The spelling before 1972 (Ejaan Soewandi), written as today; longest first.
OLD_SPELLING = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy"), ("nj", "ny"), ("ch", "kh"))

_DOTTED = re.compile(r"^(?:[a-z]{1,4}\.){1,4}[a-z]{0,4}\.?$")
_SPLIT = re.compile(r"[\s,;/]+")
_NOT_LETTER = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower case without accents or other marks (``Muḥammad`` → ``muhammad``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _bare(word: str) -> str:
    return _NOT_LETTER.sub("", word)


def _is_degree(raw: str) -> bool:
    bare = _bare(raw)
    return bool(bare) and (bare in SUFFIX_TITLES or ("." in raw.strip(".") and bool(_DOTTED.match(raw))))


def _respell(word: str) -> str:
    for old, new in OLD_SPELLING:
        word = word.replace(old, new)
    return word


@lru_cache(maxsize=65536)
def tokens(name: str) -> tuple[str, ...]:
    """The words of a name that identify it (see the module's description)."""
    if not isinstance(name, str):
        return ()
    text = fold(name)
    # A comma ends the name: what follows is degrees (", S.Pd., M.M.") or a legal form (", Tbk").
    head, _, tail = text.partition(",")
    raw = [w for w in _SPLIT.split(head) if w]
    raw += [w for w in _SPLIT.split(tail) if w and not _is_degree(w) and _bare(w) not in LEGAL_FORMS]
    # Titles before the name, degrees after it.
    while raw and (_bare(raw[0]) in PREFIX_TITLES or _bare(raw[0]) in LEGAL_FORMS) and len(raw) > 1:
        raw.pop(0)
    while len(raw) > 1 and (_is_degree(raw[-1]) or _bare(raw[-1]) in LEGAL_FORMS):
        raw.pop()
    words: list[str] = []
    for item in raw:
        # "Al-Ikhlas", "Ma'ruf", "Sri-Wahyuni": inner punctuation joins or splits like spacing does.
        for part in re.split(r"[-.]+", item):
            word = _bare(part)
            if not word or word in LEGAL_FORMS:
                continue
            words.append("muhammad" if word in MUHAMMAD else _respell(word))
    return tuple(words)


def _words_agree(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]  # an initial: "M. Rizki" is "Muhammad Rizki"
    return Levenshtein.normalized_similarity(a, b) >= WORD_SIMILARITY


def _aligned(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return len(a) == len(b) and all(_words_agree(x, y) for x, y in zip(a, b, strict=True))


def same_tokens(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    if not a or not b:
        return False
    # A single initial on its own identifies nobody.
    if all(len(w) == 1 for w in a) or all(len(w) == 1 for w in b):
        return False
    if _aligned(a, b) or _aligned(tuple(sorted(a)), tuple(sorted(b))):
        return True
    return len(a) != len(b) and "".join(a) == "".join(b)


def same_name(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` name the same person or business (see the module's description)."""
    return same_tokens(tokens(a), tokens(b))


def matches(names: Iterable[str], others: Iterable[str]) -> list[tuple[str, str]]:
    """Every pair (name, other) that :func:`same_name` matches."""
    mine = [(n, tokens(n)) for n in names]
    theirs = [(o, tokens(o)) for o in others]
    return [(n, o) for n, nt in mine for o, ot in theirs if same_tokens(nt, ot)]


def normal_form(name: str) -> str:
    """The words of a name, joined: what the pages show as "compared as"."""
    return " ".join(tokens(name))
