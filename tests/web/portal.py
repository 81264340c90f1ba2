"""What the public-portal tests share: the organisation, the filled report form, reading a page."""

from __future__ import annotations

import html
import re
from typing import Any

from tests.factories import Org, make_org, pdf_upload


def portal_org() -> Org:
    org = make_org(school_policy={"require_evidence": True, "allow_anonymous": False, "max_upload_mb": 5})
    org.school.name = "SMP Negeri 1 Mejayan"
    org.school.save()
    org.district.name = "Dinas Pendidikan Kabupaten Madiun"
    org.district.save()
    return org


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "position": "GURU",
        "subject_name": "",
        "subject_description": "",
        "decision_title": "Penetapan pemenang pengadaan seragam",
        "decision_number": "421/012/2026",
        "decision_date": "2026-07-01",
        "decision_kind": "procurement",
        "categories": ["procurement", "family_community"],
        "description": "Pemenang pengadaan adalah toko milik adik terlapor.",
        "reporter_name": "Siti Aminah",
        "reporter_email": "siti@example.net",
        "reporter_phone": "+6281234567890",
        "reporter_nik": "",
        "reporter_relation": "orang tua siswa",
        "good_faith": "1",
        "evidence": [pdf_upload()],
    }
    data.update(overrides)
    return data


def text_of(response: Any) -> str:
    return response.content.decode()


def visible(response: Any) -> str:
    """The page's text without tags (what a person reads)."""
    body = text_of(response)
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def receipt_on(response: Any) -> str:
    found = re.search(r'<p class="receipt" id="receipt">([^<]+)</p>', text_of(response))
    assert found, "no receipt on the page"
    return found.group(1)
