"""Property tests: whatever a client sends to the API, it never gets a 500, and every 4xx carries the
error format {"error": {"code", "message", "fields"?}} (API.md §2).

The default Django test Client re-raises an exception a view did not handle, so a crash fails the
example with its traceback rather than hiding behind a 500.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from integritas.cases import services
from integritas.cases.models import Category, DecisionKind, Via
from tests.factories import PASSWORD, PDF_BYTES, reload, submit

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


# ---------------------------------------------------------------- strategies

# Text without surrogates (JSON cannot carry them as UTF-8), but with NUL and other controls often.
plain_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
text = st.one_of(
    plain_text,
    plain_text.map(lambda t: t + "\x00"),
    st.sampled_from(["", " ", "\x00", "\x00abc", "a\x00b", "\u202e", "😀", "💥" * 300, "x" * 25_000]),
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**4000), max_value=10**4000),
    st.sampled_from([2**31, 2**63, 2**64, -(2**63) - 1, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
)
leaf = st.one_of(st.none(), st.booleans(), numbers, text)
anything = st.recursive(
    leaf,
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(text, children, max_size=5)),
    max_leaves=20,
)


def maybe(plausible: st.SearchStrategy) -> st.SearchStrategy:
    """A field drawn from a plausible value most of the time, from anything at all otherwise."""
    return st.one_of(plausible, plausible, anything)


unit_codes = st.sampled_from(["SMPN1", "DISDIK", "SMPN9", "smpn1", "", "NOPE", "SMPN1\x00"])
position_codes = st.sampled_from(["GURU", "WAKA", "KS", "KABID", "KADIS", "NOPE", ""])
days = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["2026-02-30", "31-12-2026", "2026-1-1", "tomorrow", "99999-01-01", "2026-07-01"]),
)
subject = st.one_of(
    st.fixed_dictionaries({"position": maybe(position_codes)}),
    st.fixed_dictionaries({}, optional={"name": maybe(text), "description": maybe(text)}),
)
decision = st.fixed_dictionaries(
    {},
    optional={
        "title": maybe(text),
        "number": maybe(text),
        "date": maybe(days),
        "kind": maybe(st.sampled_from([*DecisionKind.values, "PPDB", "bos", "bribe"])),
    },
)
reporter = st.fixed_dictionaries(
    {},
    optional={
        "name": maybe(st.sampled_from(["Siti Aminah", "", "  "]) | text),
        "email": maybe(st.sampled_from(["siti@example.net", "x@y", "@", "a@b.cc "]) | st.emails().map(str)),
        "phone": maybe(st.sampled_from(["+6281234567890", "0812", "phone"])),
        "nik": maybe(st.sampled_from(["3519012345678901", "123", None])),
        "relation": maybe(text),
    },
)
wild_report = st.fixed_dictionaries(
    {},
    optional={
        "unit": maybe(unit_codes),
        "subject": maybe(subject),
        "decision": maybe(decision),
        "categories": maybe(st.lists(st.sampled_from([*Category.values, "bribery", ""]), max_size=4)),
        "description": maybe(text),
        "reporter": maybe(reporter),
        "anonymous": maybe(st.booleans()),
        "good_faith": maybe(st.just(True) | st.booleans()),
    },
)

# Valid values, so that a good share of the requests gets through and exercises the rest of the path.
clean_text = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    str.strip
)
valid_day = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)).map(dt.date.isoformat)
valid_report = st.fixed_dictionaries(
    {
        "unit": st.just("SMPN1"),
        "subject": st.one_of(
            st.fixed_dictionaries({"position": st.sampled_from(["GURU", "WAKA", "KS"])}),
            st.fixed_dictionaries({"name": clean_text}, optional={"description": clean_text}),
        ),
        "categories": st.lists(st.sampled_from(Category.values), min_size=1, max_size=3),
        "description": clean_text,
        "reporter": st.fixed_dictionaries(
            {"name": clean_text, "email": st.just("siti@example.net")},
            optional={
                "phone": st.just("+6281234567890"),
                "nik": st.none() | st.just("3519012345678901"),
                "relation": clean_text,
            },
        ),
        "good_faith": st.just(True),
    },
    optional={
        "decision": st.fixed_dictionaries(
            {},
            optional={
                "title": clean_text,
                "number": clean_text,
                "date": valid_day,
                "kind": st.sampled_from(DecisionKind.values),
            },
        ),
        "anonymous": st.just(False),
    },
)
WRONG = {
    "unit": unit_codes,
    "subject": subject,
    "decision": decision,
    "categories": st.lists(st.sampled_from([*Category.values, "bribery", ""]), max_size=4),
    "description": text,
    "reporter": reporter,
    "anonymous": st.booleans(),
    "good_faith": st.booleans(),
}
DELETE = object()


def with_change(base: dict, field: str, value) -> dict:
    changed = dict(base)
    if value is DELETE:
        changed.pop(field, None)
    else:
        changed[field] = value
    return changed


one_field_wrong = st.one_of(
    *[
        st.builds(with_change, valid_report, st.just(f), st.one_of(WRONG[f], anything, st.just(DELETE)))
        for f in WRONG
    ]
)
report = st.one_of(valid_report, one_field_wrong, one_field_wrong, wild_report)
MAGIC = [
    b"",
    b"%PDF-",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"MZ",
    b"RIFF\x00\x00\x00\x00WEBP",
    b"\x00\x00\x00\x18ftypmp42",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    b"#!/bin/sh\n",
]
file_bytes = st.one_of(
    st.just(PDF_BYTES), st.tuples(st.sampled_from(MAGIC), st.binary(max_size=300)).map(b"".join)
)
file_names = st.one_of(
    st.sampled_from(["bukti.pdf", "../../etc/passwd", "a\x00b.pdf", "", "x" * 400, "C:\\tmp\\f.pdf"]),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters='"\r\n\\'), max_size=30),
)


# ---------------------------------------------------------------- helpers


def check(response) -> None:
    """Never a 5xx; every 4xx in the error format."""
    status = response.status_code
    event(f"status {status}")
    assert status < 500, (status, response.content[:500])
    if 400 <= status < 500:
        body = json.loads(response.content)
        assert isinstance(body, dict) and set(body) == {"error"}, body
        error = body["error"]
        assert set(error) <= {"code", "message", "fields"}, error
        assert isinstance(error["code"], str) and CODE_RE.match(error["code"]), error
        assert isinstance(error["message"], str) and error["message"], error
        if "fields" in error:
            fields = error["fields"]
            assert isinstance(fields, dict) and fields, error
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items()), error
        if status == 422:
            assert error["code"] == "invalid" and error.get("fields"), error


BOUNDARY = "fuzz-boundary-7d1c"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def multipart(data: bytes | None, files: list[tuple[str, bytes]], content_type: str) -> bytes:
    """Written by hand: the test client would refuse some of the file names a client may send."""
    parts = []
    if data is not None:
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="data"\r\n\r\n'.encode() + data + b"\r\n"
        )
    for name, payload in files:
        head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="evidence"; filename="{name}"\r\n'
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        parts.append((head + "\r\n").encode() + payload + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def dumps(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


def post_raw(client: Client, path: str, body: bytes, content_type: str, **extra):
    # generic(): post() would re-encode the bytes to the charset the content type names
    return client.generic("POST", path, body, content_type, **extra)


def post_json(client: Client, path: str, value, **extra):
    return client.post(path, data=dumps(value), content_type="application/json", **extra)


def token(client: Client, username: str) -> str:
    r = post_json(client, "/api/v1/auth/token", {"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.content
    return r.json()["token"]


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def filed(org):
    """A case in examination and its receipt."""
    return submit(org.school, org.p_teacher)


@pytest.fixture
def staff(org, client):
    """Cases in every open state, and the tokens of the people who may act on them."""
    examination = submit(org.school, org.p_teacher).case
    review = submit(org.school, org.p_teacher).case
    services.case_examine(via=Via.API, case=review, actor=org.vice, conclusion="founded", findings="Terbukti")
    follow_up = submit(org.school, org.p_teacher).case
    services.case_examine(
        via=Via.API, case=follow_up, actor=org.vice, conclusion="founded", findings="Terbukti"
    )
    services.case_review(
        via=Via.API, case=reload(follow_up), actor=org.principal, decision="revoke", notes="Dicabut"
    )
    item = services.follow_up_add(
        via=Via.API,
        case=reload(follow_up),
        actor=org.school_team,
        title="Pengadaan ulang",
        due_date=dt.date(2026, 12, 31),
    )
    triage = submit(org.school).case
    return {
        "cases": {
            "examination": examination.reference,
            "review": review.reference,
            "follow_up": follow_up.reference,
            "triage": triage.reference,
        },
        "follow_up_id": item.pk,
        "tokens": {u: token(client, u) for u in ("vice", "principal", "schoolteam", "kabid", "outsider")},
    }


ACTIONS = ["examination", "review", "recuse", "triage", "messages", "follow-ups", "close"]
VALID_ACTION_BODY = {
    "examination": st.fixed_dictionaries(
        {"conclusion": st.sampled_from(["founded", "unfounded"]), "findings": clean_text}
    ),
    "review": st.fixed_dictionaries(
        {
            "decision": st.sampled_from(["revoke", "amend", "reassign", "uphold", "escalate"]),
            "notes": clean_text,
        }
    ),
    "recuse": st.fixed_dictionaries({"reason": clean_text}),
    "triage": st.fixed_dictionaries({"position": st.sampled_from(["GURU", "WAKA", "KS", "KABID"])}),
    "messages": st.fixed_dictionaries({"text": clean_text}),
    "follow-ups": st.fixed_dictionaries({"title": clean_text, "due_date": valid_day}),
    "close": st.fixed_dictionaries({"summary": clean_text}),
}
action_body = st.fixed_dictionaries(
    {},
    optional={
        "conclusion": maybe(st.sampled_from(["founded", "unfounded", "maybe"])),
        "findings": maybe(text),
        "decision": maybe(st.sampled_from(["revoke", "amend", "reassign", "uphold", "escalate", "x"])),
        "notes": maybe(text),
        "reason": maybe(text),
        "position": maybe(position_codes),
        "text": maybe(text),
        "title": maybe(text),
        "due_date": maybe(days),
        "summary": maybe(text),
    },
)


def body_for(action: str) -> st.SearchStrategy:
    """A valid body for the action, one with a field changed to anything, or anything at all."""
    valid = VALID_ACTION_BODY[action]
    changed = valid.flatmap(
        lambda body: st.builds(
            with_change, st.just(body), st.sampled_from(sorted(body)), st.one_of(anything, st.just(DELETE))
        )
    )
    return st.one_of(valid, valid, changed, action_body, anything)


# ---------------------------------------------------------------- POST /reports


@FUZZ
@given(body=anything)
def test_reports_any_json(client, org, body):
    check(post_json(client, "/api/v1/reports", body))


@FUZZ
@given(body=report)
def test_reports_report_shaped_json(client, org, body):
    check(post_json(client, "/api/v1/reports", body))


@FUZZ
@given(
    body=report,
    files=st.lists(st.tuples(file_names, file_bytes), max_size=3),
    content_type=st.sampled_from(["application/pdf", "application/octet-stream", "text/plain", ""]),
)
def test_reports_multipart(client, org, body, files, content_type):
    check(post_raw(client, "/api/v1/reports", multipart(dumps(body), files, content_type), MULTIPART))


@FUZZ
@given(
    body=st.binary(max_size=2000),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/json; charset=latin-1",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "application/x-www-form-urlencoded",
            "text/plain",
            "",
            "application/vnd.api+json",
        ]
    ),
)
def test_reports_raw_bytes(client, org, body, content_type):
    check(post_raw(client, "/api/v1/reports", body, content_type))


# ---------------------------------------------------------------- POST /track/messages


@FUZZ
@given(body=st.one_of(anything, st.fixed_dictionaries({"text": maybe(text)})))
def test_track_messages_with_a_valid_receipt(client, filed, body):
    check(post_json(client, "/api/v1/track/messages", body, HTTP_X_RECEIPT=filed.receipt))


@FUZZ
@given(
    body=st.binary(max_size=500),
    content_type=st.sampled_from(["application/json", "multipart/form-data", ""]),
)
def test_track_messages_raw_bytes_with_a_valid_receipt(client, filed, body, content_type):
    check(post_raw(client, "/api/v1/track/messages", body, content_type, HTTP_X_RECEIPT=filed.receipt))


header_text = st.one_of(
    st.text(st.characters(min_codepoint=0, max_codepoint=255), max_size=120),
    st.sampled_from(["", " ", "\x00", "ABCD-EFGH-JKMN-PQRS-TWXY", "x" * 5000]),
)


@FUZZ
@given(receipt=st.none() | header_text, body=st.one_of(anything, st.fixed_dictionaries({"text": text})))
def test_track_messages_without_a_valid_receipt(client, filed, receipt, body):
    extra = {} if receipt is None else {"HTTP_X_RECEIPT": receipt}
    r = post_json(client, "/api/v1/track/messages", body, **extra)
    check(r)
    assert r.status_code in (401, 429), r.content


@FUZZ
@given(receipt=header_text)
def test_track_with_any_receipt(client, filed, receipt):
    check(client.get("/api/v1/track", HTTP_X_RECEIPT=receipt))


# ---------------------------------------------------------------- staff actions


@FUZZ
@given(
    state=st.sampled_from(["examination", "review", "follow_up", "triage"]),
    who=st.sampled_from(["vice", "principal", "schoolteam", "kabid", "outsider"]),
    action=st.sampled_from(ACTIONS),
    data=st.data(),
)
def test_staff_actions_any_body(client, staff, state, who, action, data):
    body = data.draw(body_for(action), label="body")
    reference = staff["cases"][state]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {staff['tokens'][who]}"}
    check(post_json(client, f"/api/v1/cases/{reference}/{action}", body, **auth))


@FUZZ
@given(
    follow_up_id=st.one_of(
        st.none(), st.sampled_from(["0", "-1", "abc", "99999999999999999999999", "1e3", "%00"])
    ),
    action=st.sampled_from(["done", "cancel"]),
    body=st.one_of(anything, action_body),
)
def test_staff_follow_up_actions(client, staff, follow_up_id, action, body):
    reference = staff["cases"]["follow_up"]
    fid = staff["follow_up_id"] if follow_up_id is None else follow_up_id
    auth = {"HTTP_AUTHORIZATION": f"Bearer {staff['tokens']['schoolteam']}"}
    check(post_json(client, f"/api/v1/cases/{reference}/follow-ups/{fid}/{action}", body, **auth))


@FUZZ
@given(
    body=st.binary(max_size=500),
    action=st.sampled_from(ACTIONS),
    content_type=st.sampled_from(["application/json", "text/plain", "multipart/form-data; boundary=b", ""]),
)
def test_staff_actions_raw_bytes(client, staff, body, action, content_type):
    reference = staff["cases"]["examination"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {staff['tokens']['vice']}"}
    check(post_raw(client, f"/api/v1/cases/{reference}/{action}", body, content_type, **auth))


@FUZZ
@given(reference=st.text(max_size=40), action=st.sampled_from(ACTIONS), body=action_body)
def test_staff_actions_any_reference(client, staff, reference, action, body):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {staff['tokens']['schoolteam']}"}
    path = f"/api/v1/cases/{quote(reference, safe='')}/{action}"
    check(post_json(client, path, body, **auth))


@FUZZ
@given(authorization=header_text)
def test_staff_any_authorization_header(client, staff, authorization):
    reference = staff["cases"]["examination"]
    r = post_json(
        client,
        f"/api/v1/cases/{reference}/examination",
        {"conclusion": "founded", "findings": "x"},
        HTTP_AUTHORIZATION=authorization,
    )
    check(r)
    assert r.status_code in (401, 429), r.content


# ---------------------------------------------------------------- query strings

query_keys = st.one_of(
    st.sampled_from(["status", "mine", "unit", "cursor", "limit", "q", "from", "to", "page"]), text
)
query_values = st.one_of(
    text,
    st.sampled_from(
        ["", "true", "false", "maybe", "examination", "closed", "-1", "0", "201", "1e3", "SMPN1", "NOPE"]
    ),
    st.integers().map(str),
    st.sampled_from([str(2**63), str(2**64), str(10**30), "9" * 5000]),
)
encoded_query = st.lists(st.tuples(query_keys, query_values), max_size=5).map(urlencode)
raw_query = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=80)
query = st.one_of(encoded_query, encoded_query, raw_query)


@FUZZ
@given(qs=query)
def test_cases_list_any_query(client, staff, qs):
    for who in ("schoolteam", "vice"):
        auth = {"HTTP_AUTHORIZATION": f"Bearer {staff['tokens'][who]}"}
        check(client.get("/api/v1/cases?" + qs, **auth))
    check(client.get("/api/v1/cases?" + qs))


@FUZZ
@given(qs=query)
def test_public_units_any_query(client, org, qs):
    r = client.get("/api/v1/public/units?" + qs)
    check(r)


@FUZZ
@given(code=st.one_of(st.sampled_from(["SMPN1", "DISDIK", "smpn1", "SMPN1\x00", "."]), st.text(max_size=80)))
def test_public_unit_positions_any_code(client, org, code):
    check(client.get(f"/api/v1/public/units/{quote(code, safe='')}/positions"))


# ---------------------------------------------------------------- digits that are not ASCII (security finding 9)

# str.isdigit() accepts these, int() takes some, hmac.compare_digest takes none of them.
FOREIGN_DIGITS = [
    "١٢٣٤٥٦",  # Arabic-Indic
    "۱۲۳۴۵۶",  # Persian
    "１２３４５６",  # full-width
    "²³⁴⁵⁶⁷",  # superscript
    "①②③④⑤⑥",  # circled
    "१२३४५६",  # Devanagari
    "12345６",
    "²",
    "١",
]
digit_text = st.one_of(
    st.sampled_from(FOREIGN_DIGITS),
    st.text(st.characters(categories=("Nd", "No")), min_size=1, max_size=8),
)


@pytest.fixture
def two_factor(org, client):
    """A person with two-factor sign-in switched on."""
    from integritas.orgs import auth, totp

    secret = auth.totp_begin(org.vice)
    auth.totp_confirm(org.vice, totp.now_code(secret))
    return org.vice


@FUZZ
@given(otp=digit_text)
def test_a_one_time_code_in_any_digits_is_refused_not_a_crash(client, two_factor, otp):
    from django.core.cache import cache

    cache.clear()  # each example starts unlocked
    r = post_json(client, "/api/v1/auth/token", {"username": "vice", "password": PASSWORD, "otp": otp})
    check(r)
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_otp", r.content
    for path in ("/api/v1/auth/two-factor/confirm", "/api/v1/auth/two-factor/setup"):
        r = post_json(client, path, {"username": "vice", "password": PASSWORD, "otp": otp})
        check(r)
        assert r.status_code in (401, 429), r.content


@FUZZ
@given(evidence_id=st.one_of(digit_text, st.text(max_size=20)))
def test_an_evidence_id_in_any_digits_is_not_found_not_a_crash(client, staff, evidence_id):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {staff['tokens']['vice']}"}
    reference = staff["cases"]["examination"]
    r = client.get(f"/api/v1/cases/{reference}/evidence/{quote(evidence_id, safe='')}", **auth)
    check(r)
    if not (evidence_id.isascii() and evidence_id.isdigit()):
        assert r.status_code == 404, (evidence_id, r.content)
