"""Issue 12 item 2: the unit search finds schools the way people write them, on the page and the API."""

from __future__ import annotations

import pytest

from integritas.orgs.search import search, words
from tests.factories import make_unit
from tests.web.portal import text_of, visible

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory():
    district = make_unit("DISDIK-MADIUN", name="Dinas Pendidikan Kabupaten Madiun")
    names = {
        "SMPN1-MEJAYAN": "SMP Negeri 1 Mejayan",
        "SMPN2-MEJAYAN": "SMP Negeri 2 Mejayan",
        "SMPN1-CARUBAN": "SMP Negeri 1 Caruban",
        "SDN3-MEJAYAN": "SD Negeri Mejayan 03",
        "SMAN1-MEJAYAN": "SMA Negeri 1 Mejayan",
        "SMKN1-MEJAYAN": "SMK Negeri 1 Mejayan",
        "MTSN2-MADIUN": "MTs Negeri 2 Madiun",
        "SMP-PGRI-MEJAYAN": "SMP PGRI Mejayan",
    }
    for i in range(10):
        names[f"SDN{i + 10}-WUNGU"] = f"SD Negeri {i + 10} Wungu"
    for code, name in names.items():
        make_unit(code, name=name, parent=district)
    return district


@pytest.mark.parametrize(
    "typed",
    ["SMPN 1 Mejayan", "smpn 1 mejayan", "SMP N 1 Mejayan", "smpn1 mejayan", "Mejayan 1", "SMP Negeri 01 Mejayan",
     "smp negeri 1 mejayan", "SMPN1-MEJAYAN", "smp 1 mejayan", "  SMPN  1   MEJAYAN "],
)  # fmt: skip
def test_the_ways_people_write_a_school_name_find_it_first(directory, typed):
    found = search(typed)
    assert found, typed
    codes = [u.code for u in found]
    if typed == "Mejayan 1":  # as typed, it is also SMA and SMK Negeri 1 Mejayan: all three, nothing else
        assert sorted(codes) == ["SMAN1-MEJAYAN", "SMKN1-MEJAYAN", "SMPN1-MEJAYAN"]
        return
    assert codes[0] == "SMPN1-MEJAYAN", (typed, codes)
    assert "SMPN1-CARUBAN" not in [u.code for u in found]  # every word must match
    assert "SMPN2-MEJAYAN" not in [u.code for u in found]  # digits match whole


@pytest.mark.parametrize(
    ("typed", "code"),
    [("SDN Mejayan 3", "SDN3-MEJAYAN"), ("sdn 03 mejayan", "SDN3-MEJAYAN"), ("SMAN 1 Mejayan", "SMAN1-MEJAYAN"),
     ("smkn1 mejayan", "SMKN1-MEJAYAN"), ("MTsN 2 Madiun", "MTSN2-MADIUN"), ("Disdik Kab. Madiun", "DISDIK-MADIUN"),
     ("dinas pendidikan madiun", "DISDIK-MADIUN"), ("Kabupaten Madiun", "DISDIK-MADIUN"), ("pgri", "SMP-PGRI-MEJAYAN"),
     ("meja pgri", "SMP-PGRI-MEJAYAN")],
)  # fmt: skip
def test_abbreviations_of_each_kind(directory, typed, code):
    assert search(typed)[0].code == code, [u.code for u in search(typed)]


def test_normalised_words():
    assert words("SMPN1-MEJAYAN") == words("SMP Negeri 1 Mejayan") == ["smp", "negeri", "1", "mejayan"]
    assert words("Disdik Kab. Madiun") == ["dinas", "pendidikan", "kabupaten", "madiun"]
    assert words("MTsN 02") == ["mts", "negeri", "2"]
    assert words("Sekolah Dasar Négeri") == ["sekolah", "dasar", "negeri"]


def test_ranking_puts_the_name_as_typed_first(directory):
    codes = [u.code for u in search("smp negeri mejayan")]
    assert set(codes) >= {"SMPN1-MEJAYAN", "SMPN2-MEJAYAN"}
    assert "SMP-PGRI-MEJAYAN" not in codes  # a private school is not "negeri"
    assert [u.code for u in search("smpn 2")][0] == "SMPN2-MEJAYAN"


def test_the_page_finds_the_school_and_keeps_a_list_when_nothing_is_found(client, directory):
    response = client.get("/lapor/", {"q": "smpn 1 mejayan"})
    assert response.status_code == 200
    body = text_of(response)
    assert body.index('href="/lapor/SMPN1-MEJAYAN/"') < body.index("</ul>")
    nothing = client.get("/lapor/", {"q": "SMPN 7 Ngawi"})
    assert "Tidak ditemukan" in visible(nothing)
    assert "Semua sekolah dan kantor" in visible(nothing)
    assert 'href="/lapor/SMPN1-MEJAYAN/"' in text_of(nothing)  # the list to browse
    assert 'href="/lapor/SD' in text_of(nothing)


def test_the_list_of_all_units_goes_page_by_page(client, directory, monkeypatch):
    from integritas.web.views import public

    monkeypatch.setattr(public, "BROWSE_PAGE", 5)
    first = client.get("/lapor/", {"semua": "1"})
    assert "Halaman 1 dari 4" in visible(first)
    assert 'href="?semua=1&amp;hal=2#list"' in text_of(first)
    last = client.get("/lapor/", {"semua": "1", "hal": "4"})
    assert "Halaman 4 dari 4" in visible(last)
    assert client.get("/lapor/", {"semua": "1", "hal": "x"}).status_code == 200
    start = client.get("/lapor/")
    assert 'href="?semua=1#list"' in text_of(start)  # more than a handful: a link to the list


def test_the_api_searches_the_same_way(client, directory):
    response = client.get("/api/v1/public/units", {"q": "smpn1 mejayan"})
    assert response.status_code == 200
    assert response.json()[0] == {
        "code": "SMPN1-MEJAYAN",
        "name": "SMP Negeri 1 Mejayan",
        "parent": "DISDIK-MADIUN",
    }
    assert "SMPN1-MEJAYAN" in [
        u["code"] for u in client.get("/api/v1/public/units", {"q": "Mejayan 1"}).json()
    ]
    assert client.get("/api/v1/public/units", {"q": "SMPN 7 Ngawi"}).json() == []
    assert len(client.get("/api/v1/public/units").json()) == 19


def test_search_queries_are_few_whatever_the_size_of_the_directory(
    client, directory, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):  # the directory's shape, its words, the units found
        search("smpn 1 mejayan")
    with django_assert_max_num_queries(2):  # the words are kept while the directory is unchanged
        search("smpn 1 mejayan")


def test_a_renamed_unit_is_found_by_its_new_name(directory):
    from integritas.orgs.models import Unit

    assert search("smpn 1 mejayan")
    unit = Unit.objects.get(code="SMPN1-MEJAYAN")
    unit.name = "SMP Negeri 1 Sukamaju"
    unit.save()
    assert [u.code for u in search("smpn 1 sukamaju")] == ["SMPN1-MEJAYAN"]
