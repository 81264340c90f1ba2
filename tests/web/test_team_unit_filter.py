"""The unit filter of the team's case list (/kasus/semua/): a select when the team has a few units, a
field for the code or the name of a unit when it has many (an inspectorate's team has 10,000), the
units just below the one shown as links; a unit is only ever found among the viewer's own units."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integritas.cases import unit_filter
from tests.factories import add_team, make_person, make_unit, submit
from tests.web.staff import html, signed_in

pytestmark = pytest.mark.django_db

REF = re.compile(r"BK-\d{4}-\d{6}")


@pytest.fixture
def many(monkeypatch):
    """Every team counts as having many units (the threshold of the select is 30 units)."""
    monkeypatch.setattr(unit_filter, "SHORT_LIST", 1)


@pytest.fixture
def schools(org):
    """An inspectorate above the district and another district; two more schools below the district, a
    case in each of the three, and a school of the other district with a case of its own."""
    root = make_unit("ITJEN", name="Inspektorat Jenderal")
    org.district.parent = root
    org.district.save()
    org.school.refresh_from_db()
    org.school.save()  # its path below the new root
    sd = make_unit("SDN4-MEJAYAN", name="SD Negeri 4 Mejayan", parent=org.district)
    sma = make_unit("SMAN2-MEJAYAN", name="SMA Negeri 2 Mejayan", parent=org.district)
    other_district = make_unit("DISDIK-LAIN", name="Dinas Pendidikan Kabupaten Lain", parent=root)
    other = make_unit("SMPN7-LAIN", name="SMP Negeri 7 Rahasia", parent=other_district)
    add_team(other_district, make_person("timlain"))  # the other district's case goes to its own team
    cases = {
        "smpn1": submit(org.school, org.p_teacher).case.reference,
        "sd": submit(sd).case.reference,
        "sma": submit(sma).case.reference,
        "other": submit(other).case.reference,
    }
    return {"root": root, "sd": sd, "sma": sma, "other": other, "cases": cases}


def refs(page: str) -> set[str]:
    return set(REF.findall(page))


def test_a_team_with_few_units_chooses_from_a_select_of_all_of_them(org, schools):
    page = html(signed_in(org.district_team).get("/kasus/semua/"))
    select = page[
        page.index('<select name="unit"') : page.index("</select>", page.index('<select name="unit"'))
    ]
    assert re.findall(r'<option value="([^"]*)"', select) == [
        "",
        "DISDIK",
        "SDN4-MEJAYAN",
        "SMAN2-MEJAYAN",
        "SMPN1",
    ]
    assert "SMPN7-LAIN" not in page and "Rahasia" not in page
    shown = refs(html(signed_in(org.district_team).get("/kasus/semua/", {"unit": "SDN4-MEJAYAN"})))
    assert shown == {schools["cases"]["sd"]}
    # The school's own team: its one unit, no list of the units below.
    page = html(signed_in(org.school_team).get("/kasus/semua/"))
    assert '<option value="SMPN1">' in page and 'class="unit-nav"' not in page


def test_many_units_a_field_for_the_code_or_the_name(org, schools, many):
    client = signed_in(org.district_team)
    page = html(client.get("/kasus/semua/"))
    assert '<input type="text" name="unit"' in page and '<select name="unit"' not in page
    assert "Kode atau nama unit. Termasuk unit di bawahnya." in page
    # The units just below the team's unit, as links that keep the other filters.
    assert 'href="?unit=SDN4-MEJAYAN"' in page and 'href="?unit=SMPN1"' in page
    assert "SMPN7-LAIN" not in page
    assert refs(page) == {schools["cases"][k] for k in ("smpn1", "sd", "sma")}

    # By code, in any case.
    for typed in ("SMAN2-MEJAYAN", "sman2-mejayan", " SMAN2-MEJAYAN "):
        r = client.get("/kasus/semua/", {"unit": typed})
        assert r.status_code == 200 and refs(html(r)) == {schools["cases"]["sma"]}, typed
    # By part of the name, written the way people write it.
    for typed in ("SD Negeri 4", "sdn 4 mejayan", "SMAN 2"):
        r = client.get("/kasus/semua/", {"unit": typed})
        assert r.status_code == 200, typed
        page = html(r)
        assert "Ditampilkan:" in page, typed
        assert len(refs(page)) == 1, typed
    # The other filters and the unit together; a link up to the team's unit and to every unit.
    page = html(client.get("/kasus/semua/", {"unit": "SMPN1", "state": "examination"}))
    assert refs(page) == {schools["cases"]["smpn1"]}
    assert "Ditampilkan: Smpn1 (SMPN1) dan unit di bawahnya." in page
    assert 'href="?state=examination&amp;unit=DISDIK"' in page
    assert 'href="?state=examination"' in page


def test_a_unit_that_does_not_exist_is_named_in_a_message_on_the_field(org, schools, many):
    r = signed_in(org.district_team).get("/kasus/semua/", {"unit": "SMPN99-TIDAKADA"})
    assert r.status_code == 400
    page = html(r)
    message = "Tidak ada unit tim Anda dengan kode atau nama ini: “SMPN99-TIDAKADA”."
    assert f'<a href="#id_unit">Unit kerja: {message}</a>' in page  # the summary at the top
    assert f'<p class="error" id="id_unit_error">{message}</p>' in page  # on the field
    assert 'value="SMPN99-TIDAKADA"' in page  # what was typed stays in the field


def test_a_unit_outside_the_team_is_answered_as_one_that_does_not_exist(org, schools, many):
    client = signed_in(org.district_team)
    for typed in ("SMPN7-LAIN", "SMP Negeri 7 Rahasia", "Rahasia", "DISDIK-LAIN"):
        r = client.get("/kasus/semua/", {"unit": typed})
        page = html(r)
        assert r.status_code == 400, typed
        assert f"Tidak ada unit tim Anda dengan kode atau nama ini: “{typed}”." in page
        assert schools["cases"]["other"] not in page
        # Nothing of the other unit but what was typed: not its name, not its code.
        left = page.replace(typed, "").replace(urlencode({"unit": typed}), "")
        assert "Rahasia" not in left and "SMPN7-LAIN" not in left and "Kabupaten Lain" not in left
    # Without the field, the select does not offer it either.
    page = html(signed_in(org.district_team).get("/kasus/semua/"))
    assert "SMPN7-LAIN" not in page and schools["cases"]["other"] not in page


def test_a_name_that_several_units_share_lists_them_to_choose_from(org, schools, many):
    r = signed_in(org.district_team).get("/kasus/semua/", {"unit": "Mejayan", "state": "examination"})
    assert r.status_code == 400
    page = html(r)
    assert "Beberapa unit cocok dengan “Mejayan”: pilih salah satunya di bawah." in page
    assert 'href="?state=examination&amp;unit=SDN4-MEJAYAN"' in page
    assert 'href="?state=examination&amp;unit=SMAN2-MEJAYAN"' in page
    assert "SMPN7-LAIN" not in page


def test_a_person_without_a_team_filters_by_the_units_of_the_cases_they_handled(org, schools):
    case = schools["cases"]["smpn1"]
    client = signed_in(org.vice)  # the first handler of the school's case, on no team
    page = html(client.get("/kasus/semua/"))
    assert case in page and '<option value="SMPN1">' in page
    assert '<option value="DISDIK">' not in page and "SDN4-MEJAYAN" not in page
    assert refs(html(client.get("/kasus/semua/", {"unit": "SMPN1"}))) == {case}
    assert client.get("/kasus/semua/", {"unit": "SDN4-MEJAYAN"}).status_code == 400


def test_the_inspectorate_steps_down_the_tree(org, schools, many):
    auditor = make_person("auditor")
    add_team(schools["root"], auditor)
    client = signed_in(auditor)
    page = html(client.get("/kasus/semua/"))
    assert 'href="?unit=DISDIK"' in page and 'href="?unit=DISDIK-LAIN"' in page
    assert len(refs(page)) == 4
    page = html(client.get("/kasus/semua/", {"unit": "DISDIK"}))
    assert 'href="?unit=SMPN1"' in page and 'href="?unit=ITJEN"' in page  # down and up
    assert schools["cases"]["other"] not in page and len(refs(page)) == 3
    page = html(client.get("/kasus/semua/", {"unit": "Rahasia"}))
    assert refs(page) == {schools["cases"]["other"]}


def test_the_list_of_units_below_is_cut_short(org, monkeypatch, many):
    monkeypatch.setattr(unit_filter, "CHILDREN_SHOWN", 2)
    for n in range(1, 4):
        make_unit(f"SDN{n}-CONTOH", parent=org.district)
    page = html(signed_in(org.district_team).get("/kasus/semua/"))
    assert len(re.findall(r'<li><a href="\?unit=', page)) == 2
    assert "Hanya 2 unit pertama di bawahnya yang ditampilkan" in page


@pytest.mark.parametrize("mode", ["select", "field"])
def test_the_team_page_queries_do_not_grow_with_the_units(org, monkeypatch, mode):
    if mode == "field":
        monkeypatch.setattr(unit_filter, "SHORT_LIST", 1)
    submit(org.school, org.p_teacher)
    client = signed_in(org.district_team)
    asks = [{}, {"unit": "SMPN1"}, {"unit": "Smpn1", "state": "examination"}, {"unit": "TIDAK-ADA"}]
    client.get("/kasus/semua/")  # the session's first request may write (last seen, language)

    def counted() -> list[int]:
        found = []
        for params in asks:
            with CaptureQueriesContext(connection) as queries:
                client.get("/kasus/semua/", params)
            found.append(len(queries))
        return found

    few = counted()
    for n in range(3, 300):
        make_unit(f"SDN{n}-BANYAK", name=f"SD Negeri {n} Banyak", parent=org.district)
    for _ in range(3):
        submit(org.school, org.p_teacher)
        submit(org.district, org.p_kabid)
    if mode == "select":
        monkeypatch.setattr(unit_filter, "SHORT_LIST", 1000)
    assert counted() == few


@pytest.mark.postgres
def test_the_team_list_is_counted_from_an_index_alone(org, schools, monkeypatch):
    """The count under the team's list (up to 1,000) is read from ``case_unit_status_cover`` alone,
    never the table: the visibility rule's columns (here the viewer's own position as a possible
    subject) are in it. At 1M a district's count read ~30,000 rows of the table for it."""
    from integritas.web.views import queues

    monkeypatch.setattr(queues, "PAGE_SIZE", 1)  # a next page: the list is counted
    add_team(org.district, org.kabid)  # a team member who is a possible subject
    with time_machine.travel(timezone.now() + dt.timedelta(days=60), tick=False):  # every triage late
        client = signed_in(org.kabid)
        client.get("/kasus/semua/")  # the session's first request may write (last seen, language)
        for params in ({}, {"overdue": "on"}):
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/kasus/semua/", params).status_code == 200
            counts = [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*) FROM (SELECT")]
            assert len(counts) == 1 and "subject_position_id" in counts[0], params
            with connection.cursor() as cursor:
                for scan in ("seqscan", "bitmapscan"):  # as on a large table: an index, stopping early
                    cursor.execute(f"SET LOCAL enable_{scan} = off")
                cursor.execute("EXPLAIN " + counts[0])
                plan = "\n".join(row[0] for row in cursor.fetchall())
                for scan in ("seqscan", "bitmapscan"):
                    cursor.execute(f"RESET enable_{scan}")
            assert "Index Only Scan using case_unit_status_cover" in plan, plan


def test_the_unit_search_keeps_to_the_units_it_is_given(org, schools):
    """``orgs.search.search(within=…)``: the public search's matching, among some units only."""
    from integritas.orgs import search

    everywhere = {u.code for u in search.search("SMP Negeri")}
    assert {"SMPN1", "SMPN7-LAIN"} <= everywhere
    mine = {u.code for u in search.search("SMP Negeri", within={org.school.pk, schools["sd"].pk})}
    assert mine == {"SMPN1"}
    assert search.search("Rahasia", within={org.school.pk}) == []
