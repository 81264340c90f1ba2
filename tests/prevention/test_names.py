"""Name matching (API.md §2 Prevention) on real-looking Indonesian names: titles before and after the
name, legal forms of companies, one-letter spelling variants; and the pairs that share a given name but
are different people, which must never match. The threshold is fixed by these pairs on both sides."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from integritas.prevention import names
from integritas.prevention.names import WORD_SIMILARITY, same_name, tokens

SAME = [
    # titles before and after the name
    ("Drs. H. Bambang Sutrisno, M.Pd.", "Bambang Sutrisno"),
    ("Hj. Sri Wahyuni, S.Pd., M.M.", "Sri Wahyuni"),
    ("Dr. Ir. Agus Widodo, M.Si.", "agus widodo"),
    ("Prof. Dr. KH. Ahmad Dahlan", "Ahmad Dahlan, S.H."),
    ("Ust. Abdul Somad, Lc.", "Abdul Somad"),
    ("Yuli Astuti, A.Md.", "YULI ASTUTI"),
    ("Eko Purnomo, S.E.", "Eko Purnomo"),
    ("Rina Kusumawati, S.Kom.", "Rina  Kusumawati"),
    ("Lilik Handayani S.H.", "Lilik Handayani"),
    ("Endang Lestari, S.Psi.", "Endang Lestari"),
    ("Nur Hidayah, S.Pd.I.", "Nur Hidayah"),
    ("Bapak Heru Santoso", "Heru Santoso, M.Pd."),
    # one-letter spelling variants
    ("Bambang Sutrisno", "Bambang Sutrisna"),
    ("Muhammad Rizki", "Muhammad Rizky"),
    ("Siti Aminah", "Siti Aminnah"),
    ("Muhamad Yusuf", "Muhammad Yusuf"),
    # the old spelling, abbreviations of Muhammad, initials, accents, punctuation, spacing
    ("Soetrisno", "Sutrisno"),
    ("Djoko Santoso", "Joko Santoso"),
    ("Moch. Soleh", "Muhammad Soleh"),
    ("M. Rizki", "Muhammad Rizki"),
    ("Ma'ruf Amin", "Maruf Amin"),
    ("Nur Aini", "Nuraini"),
    ("Dewi Ayu-Lestari", "Dewi Ayu Lestari"),
    ("Andréas Wibowo", "Andreas Wibowo"),
    # companies without their legal form
    ("CV Maju Jaya", "Maju Jaya"),
    ("PT. Sinar Abadi Tbk", "Sinar Abadi"),
    ("UD Sumber Rejeki", "Sumber Rejeki, UD"),
    ("Koperasi Sejahtera Bersama", "KOPERASI SEJAHTERA BERSAMA"),
    ("PT Cahaya Mandiri (Persero)", "Cahaya Mandiri"),
]

DIFFERENT = [
    # a shared given name is not the same person
    ("Fauzi Rahman", "Ahmad Fauzi Sutrisno"),
    ("Siti Aminah", "Siti Aisyah"),
    ("Muhammad Rizki", "Muhammad Rizal"),
    ("Ahmad Fauzi", "Ahmad Fauzan Hakim"),
    ("Agus Santoso", "Agung Santoso"),
    ("Sri Wahyuni", "Sri Rahayu"),
    ("Budi Santoso", "Budi"),
    ("Dwi Prasetyo", "Eko Prasetyo"),
    ("Joko Susilo", "Joko Widodo"),
    ("CV Maju Jaya", "CV Maju Bersama"),
    ("Hj. Siti Aminah", "Hj. Siti Maryam"),
    ("M. Rizki", "M. Rizal"),
    ("Nur Aini", "Nur Hayati"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_same_person_or_business_matches(a, b):
    assert same_name(a, b), (tokens(a), tokens(b))
    assert same_name(b, a)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_people_sharing_a_name_do_not_match(a, b):
    assert not same_name(a, b), (tokens(a), tokens(b))
    assert not same_name(b, a)


def test_titles_and_legal_forms_are_removed_from_the_words():
    assert tokens("Drs. H. Heru Santoso, M.Pd.") == ("heru", "santoso")
    assert tokens("Hj. Sri Wahyuni, S.Pd., M.M.") == ("sri", "wahyuni")
    assert tokens("PT. Sinar Abadi, Tbk") == ("sinar", "abadi")
    assert tokens("Mochammad Soetrisno") == ("muhammad", "sutrisno")


def test_a_single_name_or_an_initial_alone_keeps_its_only_word():
    # A mononym is a name (many Javanese have one); titles never take a name's last word away.
    assert tokens("Sutrisno") == ("sutrisno",)
    assert tokens("H. Sutrisno") == ("sutrisno",)
    assert tokens("PT") == () and not same_name("PT", "PT.")  # a legal form alone names nobody
    assert not same_name("M.", "Muhammad")  # an initial on its own names nobody
    assert not same_name("", "Sutrisno") and not same_name("  ", "")


def word_pairs(pairs):
    for a, b in pairs:
        ta, tb = tokens(a), tokens(b)
        if len(ta) == len(tb):
            for x, y in zip(ta, tb, strict=True):
                if x != y and len(x) > 1 and len(y) > 1:
                    yield x, y


def test_the_threshold_sits_between_the_variants_and_the_different_names():
    """Every differing word of the matching pairs scores at least the threshold; the differing words
    that keep the different pairs apart score below it, with room on both sides."""
    variants = [Levenshtein.normalized_similarity(x, y) for x, y in word_pairs(SAME)]
    others = [Levenshtein.normalized_similarity(x, y) for x, y in word_pairs(DIFFERENT)]
    assert variants and others
    assert min(variants) >= WORD_SIMILARITY
    assert max(others) < WORD_SIMILARITY
    # Rizki/Rizal (0.6) and Aminah/Aisyah (0.5) would match at a threshold of 0.6; Sutrisno/Sutrisna
    # (0.875) would not at 0.9: 0.8 is the cut-off of "one letter in five".
    assert Levenshtein.normalized_similarity("rizki", "rizal") == pytest.approx(0.6)
    assert Levenshtein.normalized_similarity("sutrisno", "sutrisna") == pytest.approx(0.875)
    assert Levenshtein.normalized_similarity("rizki", "rizky") == pytest.approx(WORD_SIMILARITY)


def test_matches_lists_every_pair():
    found = names.matches(["Bambang Sutrisno", "CV Maju Jaya"], ["PT Maju Jaya", "Drs. Bambang Sutrisna"])
    assert found == [("Bambang Sutrisno", "Drs. Bambang Sutrisna"), ("CV Maju Jaya", "PT Maju Jaya")]


# ---------------------------------------------------------------- properties

WORD = st.text(alphabet="abcdeghijklmnoprstuwy", min_size=3, max_size=9).filter(
    lambda w: w not in names.PREFIX_TITLES | names.SUFFIX_TITLES | names.LEGAL_FORMS | names.MUHAMMAD
)
NAME = st.lists(WORD, min_size=1, max_size=4).map(lambda ws: " ".join(w.capitalize() for w in ws))
PREFIX = st.sampled_from(["", "Drs. ", "Dr. ", "Ir. ", "H. ", "Hj. ", "Prof. Dr. ", "KH. ", "Ust. "])
SUFFIX = st.sampled_from(
    ["", ", S.Pd.", ", M.Pd.", ", S.E., M.M.", ", S.H.", ", A.Md.", ", S.Kom.", ", M.Si."]
)


@settings(max_examples=200, deadline=None)
@given(NAME, PREFIX, SUFFIX)
def test_a_name_matches_itself_with_any_titles(name, prefix, suffix):
    assert same_name(name, f"{prefix}{name}{suffix}")


@settings(max_examples=200, deadline=None)
@given(NAME, st.sampled_from(["upper", "lower", "spaces", "dots"]))
def test_case_spacing_and_punctuation_do_not_count(name, change):
    other = {
        "upper": name.upper(),
        "lower": name.lower(),
        "spaces": "  " + name.replace(" ", "   ") + " ",
        "dots": name.replace(" ", ". "),
    }[change]
    assert same_name(name, other)


@settings(max_examples=200, deadline=None)
@given(NAME, NAME)
def test_matching_is_symmetric(a, b):
    assert same_name(a, b) == same_name(b, a)


@settings(max_examples=200, deadline=None)
@given(st.lists(WORD, min_size=2, max_size=3, unique=True), WORD)
def test_a_shared_given_name_with_another_family_name_never_matches(words, other):
    # "<given> <family>" against "<given> <another family>" with nothing in common besides the given name
    family = words[-1]
    if Levenshtein.normalized_similarity(family, other) >= WORD_SIMILARITY or set(other) <= set(family):
        return
    a = " ".join(words)
    b = " ".join([*words[:-1], other])
    assert not same_name(a, b)
    assert not same_name(a, f"{b} {family}")
