"""Every error code and problem code raised in the package has its words in the catalogue
(``integritas.messages``), and every string of the core's area is translated to Indonesian."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from integritas import errors
from integritas.messages import ERRORS, PROBLEMS
from tests.i18n_scan import PKG, catalogue, msgids

SOURCES = sorted(p for p in PKG.rglob("*.py") if "migrations" not in p.parts)
ERROR_CLASSES = {
    name: cls
    for name, cls in vars(errors).items()
    if isinstance(cls, type) and issubclass(cls, errors.DomainError)
}
RAISE_CODE = re.compile(r"raise (\w+)\(\s*\"([^\"]*)\"")
RAISE_REASON = re.compile(r"(\w+)\(\s*reason=\"([a-z_]+)\"")
PROBLEM = re.compile(r"Problem\(\s*\"([^\"]*)\"")
NOT_FOUND_KW = re.compile(r"\bnot_found=\"([a-z_]+)\"")  # an error code handed to a helper that raises it
CHECKER = re.compile(r"(?:\.fail\(\s*[^,()]+,\s*|missing=)\"([a-z_]+)\"")
# Where the core's helpers name problem codes indirectly.
CODE = re.compile(r"[a-z][a-z0-9_]*")

# The core's area: every raise there is a code (the organisation's modules are converted separately).
CORE_AREA = [
    *PKG.glob("cases/*.py"),
    *PKG.glob("api/*.py"),
    *PKG.glob("notify/*.py"),
    *PKG.glob("audit/*.py"),
    *PKG.glob("security/*.py"),
    *[p for p in PKG.glob("web/**/*.py") if "manage" not in p.name],
    PKG / "orgs" / "auth.py",
    PKG / "orgs" / "selectors.py",
    PKG / "validation.py",
]


def _source(path: Path) -> str:
    return path.read_text()


def test_the_scan_finds_the_codes_of_the_services():
    found = {code for path in SOURCES for _, code in RAISE_CODE.findall(_source(path))}
    assert {"follow_up_open", "no_higher_level", "confirm_no_conflict", "case_closed"} <= found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PKG)))
def test_every_code_raised_has_its_words(path):
    text = _source(path)
    missing = []
    for cls, code in RAISE_CODE.findall(text):
        if cls in ERROR_CLASSES and CODE.fullmatch(code) and code not in ERRORS:
            missing.append(code)
    for cls, reason in RAISE_REASON.findall(text):
        if cls in ERROR_CLASSES and f"{ERROR_CLASSES[cls].code}.{reason}" not in ERRORS:
            missing.append(f"{ERROR_CLASSES[cls].code}.{reason}")
    for code in PROBLEM.findall(text) + CHECKER.findall(text):
        if CODE.fullmatch(code) and code not in PROBLEMS:
            missing.append(code)
    missing += [code for code in NOT_FOUND_KW.findall(text) if code not in ERRORS]
    assert not missing, missing


@pytest.mark.parametrize("path", CORE_AREA, ids=lambda p: str(p.relative_to(PKG)))
def test_no_sentence_is_raised_in_the_core(path):
    """Errors carry codes: a sentence passed where a code belongs (TRANSITIONAL) is gone from the core."""
    sentences = [
        code
        for cls, code in RAISE_CODE.findall(_source(path))
        if cls in ERROR_CLASSES and not CODE.fullmatch(code)
    ]
    assert not sentences, sentences


def test_every_error_class_has_generic_words():
    for cls in ERROR_CLASSES.values():
        assert cls.code in ERRORS, cls


TRANSLATED = [
    *PKG.glob("cases/*.py"),
    *PKG.glob("messages/*.py"),
    *PKG.glob("notify/*.py"),
    *PKG.glob("api/*.py"),
    *PKG.glob("security/*.py"),
    PKG / "orgs" / "auth.py",
    PKG / "timefmt.py",
    *[p for p in PKG.glob("web/**/*.py") if "manage" not in p.name],
    *PKG.glob("web/templates/web/staff/*.html"),
    *PKG.glob("web/templates/web/public/*"),
    *PKG.glob("web/templates/web/monitoring/*"),
    *PKG.glob("monitoring/*.py"),
    PKG / "web" / "templates" / "web" / "home.html",
    PKG / "web" / "templates" / "web" / "base.html",
    *(p for p in PKG.glob("notify/templates/notify/*") if p.is_file()),
]


def test_every_string_of_the_core_is_translated_to_indonesian():
    indonesian = catalogue("id")
    wanted = msgids(TRANSLATED)
    assert len(wanted) > 500
    missing = sorted(msgid for context, msgid in wanted if not indonesian.get((context, msgid)))
    assert not missing, missing


def test_every_catalogue_word_is_translated_to_indonesian():
    indonesian = catalogue("id")
    untranslated = [
        str(words._proxy____args[0])  # type: ignore[union-attr]
        for words in [*ERRORS.values(), *PROBLEMS.values()]
        if hasattr(words, "_proxy____args") and not indonesian.get((None, words._proxy____args[0]))  # type: ignore[union-attr]
    ]
    assert not untranslated, untranslated


def test_english_catalogues_list_the_same_strings():
    """Each area's English catalogue names the same msgids as its Indonesian one."""
    import polib

    for area in ("messages", "cases", "mail", "staff", "public"):
        po_id = PKG / "locale" / "id" / "LC_MESSAGES" / f"{area}.po"
        po_en = PKG / "locale" / "en" / "LC_MESSAGES" / po_id.name
        assert po_en.exists(), po_en
        ids = {(e.msgctxt, e.msgid) for e in polib.pofile(str(po_id))}
        ens = {(e.msgctxt, e.msgid) for e in polib.pofile(str(po_en))}
        assert ids == ens, po_id.name
