"""The pieces every API module answers with (integritas.api.common): cursor pages and their next
links, lookups of codes as they come in a request, JSON object bodies, and file answers."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import RequestFactory

from integritas.api.common import (
    LARGE_FLAT,
    binary_answer,
    find,
    json_answer,
    json_object,
    json_request,
    page,
)
from integritas.errors import Invalid, Malformed
from integritas.http import file_response
from integritas.orgs.models import Unit
from tests.factories import make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def units() -> list[Unit]:
    return [make_unit(f"U{i}") for i in range(5)]


def _query(url: str | None) -> dict[str, list[str]]:
    assert url is not None
    parts = urlsplit(url)
    assert parts.path == "/api/v1/things"
    return parse_qs(parts.query)


def test_pages_walk_newest_first_and_the_next_link_repeats_the_filters(units):
    request = RequestFactory().get("/api/v1/things")
    qs = Unit.objects.filter(code__startswith="U").order_by("-pk")
    first, next_url = page(request, qs, cursor=None, limit=2, params={"mine": "true", "status": None})
    assert [u.code for u in first] == ["U4", "U3"]
    query = _query(next_url)
    assert query == {"mine": ["true"], "limit": ["2"], "cursor": [str(first[-1].pk)]}
    second, next_url = page(request, qs, cursor=int(query["cursor"][0]), limit=2)
    assert [u.code for u in second] == ["U2", "U1"]
    last, next_url = page(request, qs, cursor=int(_query(next_url)["cursor"][0]), limit=2)
    assert [u.code for u in last] == ["U0"] and next_url is None


def test_pages_may_run_oldest_first_on_another_key(units):
    request = RequestFactory().get("/api/v1/things")
    qs = Unit.objects.filter(code__startswith="U").order_by("code")
    rows, next_url = page(request, qs, cursor=None, limit=3, key="code", newest_first=False)
    assert [u.code for u in rows] == ["U0", "U1", "U2"]
    assert _query(next_url)["cursor"] == ["U2"]
    rows, next_url = page(request, qs, cursor="U2", limit=3, key="code", newest_first=False)
    assert [u.code for u in rows] == ["U3", "U4"] and next_url is None


def test_a_full_last_page_has_no_next_link(units):
    request = RequestFactory().get("/api/v1/things")
    rows, next_url = page(
        request, Unit.objects.filter(code__startswith="U").order_by("-pk"), cursor=None, limit=5
    )
    assert len(rows) == 5 and next_url is None


def test_find_takes_codes_as_they_come_and_finds_nothing_for_impossible_ones(units):
    assert find(Unit, code="U3") == units[3]
    assert find(Unit, code="U9") is None
    assert find(Unit, code="U3\x00") is None  # PostgreSQL would refuse the NUL
    assert find(Unit, code="U" * 300) is None


def test_json_object_refuses_a_list_naming_the_body():
    request = RequestFactory().post("/api/v1/things", data=json.dumps([1]), content_type="application/json")
    with pytest.raises(Invalid) as caught:
        json_object(request)
    assert caught.value.fields["body"].code == "not_object"
    request = RequestFactory().post("/api/v1/things", data='{"a": 1}', content_type="application/json")
    assert json_object(request) == {"a": 1}
    with pytest.raises(Malformed):
        json_object(RequestFactory().post("/api/v1/things", data="{", content_type="application/json"))


def test_a_file_answer_is_a_private_download_under_its_name_with_an_ascii_fallback():
    response = file_response(b"%PDF", "application/pdf", "surat pernyataan é.pdf")
    assert response.content == b"%PDF" and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"surat pernyataan ?.pdf\"; filename*=UTF-8''surat%20pernyataan%20%C3%A9.pdf"
    )
    assert response["Cache-Control"] == "no-store" and response["X-Content-Type-Options"] == "nosniff"


def test_openapi_pieces_describe_a_file_answer_and_a_json_body():
    answer = binary_answer("PDF", "application/pdf", "text/csv")["responses"]["200"]
    assert answer["description"] == "PDF"
    assert set(answer["content"]) == {"application/pdf", "text/csv"}
    assert answer["content"]["text/csv"] == {"schema": {"type": "string", "format": "binary"}}
    body = json_request({"type": "object"})["requestBody"]
    assert body == {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}


def _ninja_body(data) -> bytes:
    """What django-ninja writes for a ``dict`` response."""
    from ninja.renderers import JSONRenderer
    from ninja.responses import NinjaJSONEncoder

    assert JSONRenderer.media_type == "application/json" and JSONRenderer.charset == "utf-8"
    return json.dumps(data, cls=NinjaJSONEncoder).encode()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"unit": "ITJEN", "from": None, "to": "2026-08-31", "total": 3, "by_unit": {}},
        # Large flat dicts (written entry by entry) first, last, side by side, and beside other values.
        {"by_unit": {f"U-{i:05d}": i for i in range(LARGE_FLAT + 1)}},
        {
            "unit": 'Sekolah \u00e9"/\\\n',
            "by_unit": {f'SMP \u00e9"{i}\u4e2d\U0001f600': i * 7 - 3 for i in range(LARGE_FLAT * 3)},
            "by_area": {f"A{i}": 0 for i in range(LARGE_FLAT + 5)},
            "median": {"examination": 2.5, "review": None},
            "flags": [True, False, None, 1.0],
        },
        # Not flat (a boolean, a float, a nested value): written as json.dumps writes them.
        {"by_unit": {**{f"U{i}": i for i in range(LARGE_FLAT + 1)}, "X": True}},
        {"by_unit": {**{f"U{i}": i for i in range(LARGE_FLAT + 1)}, "X": 1.5}},
        {"by_unit": {**{f"U{i}": i for i in range(LARGE_FLAT + 1)}, "X": {"a": 1}}},
        {"small": {f"U{i}": i for i in range(LARGE_FLAT)}},
    ],
)
def test_a_json_answer_is_what_django_ninja_writes_byte_for_byte(data):
    answer = json_answer(data)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json; charset=utf-8"
    assert answer.content == _ninja_body(data)
    assert json.loads(answer.content) == data
