"""The signed statement (surat pernyataan) of an annual declaration, as PDF."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from integritas.audit.models import AuditEntry
from integritas.prevention import documents
from tests.prevention.conftest import declare

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def test_statement_of_no_conflict(org):
    org.teacher.name = "Wahyu Hidayat, S.Pd."
    org.teacher.save()
    row = declare(org.teacher)
    pdf = documents.statement_pdf(row, org.teacher)
    text = text_of(pdf)
    assert pdf.startswith(b"%PDF")
    assert "Tidak Memiliki Benturan Kepentingan".upper() in text.upper()
    assert "Wahyu Hidayat, S.Pd." in text and "Guru Matematika" in text and "2026" in text
    assert documents.verification_code(row, []) in text
    assert AuditEntry.objects.filter(action="prevention.declaration_statement_printed").exists()


def test_statement_with_declared_interests_lists_them(org):
    row = declare(org.vice, ("Bambang Sutrisno", "adik ipar"), category="procurement")
    text = text_of(documents.statement_pdf(row, org.school_team))
    assert "Deklarasi Kepentingan".upper() in text.upper()
    assert "Bambang Sutrisno (adik ipar)" in text
    assert "Kepentingan dalam pengadaan barang" in text  # the category in Indonesian
