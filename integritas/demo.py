"""The demo organisation (`integritas demo`): SMP Negeri 1 Mejayan under its district office.

The organisation comes from ``demo_org.json`` through the ordinary org import, and the sample cases
go through the same services as real reports (``case_submit``, ``case_examine``, ``case_review``…),
so every row, event and deadline is what a real case would have. Loading twice adds nothing: the
import is idempotent and the cases are created only while the demo units have none.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation

from integritas.cases import services
from integritas.cases.evidence import check_files
from integritas.cases.intake import validate_report
from integritas.cases.models import Case, Conclusion, ReviewDecision, Status, Via
from integritas.orgs.importer import import_org
from integritas.orgs.models import Holding, Person, Position, TeamMembership, Unit

ORG_FILE = Path(__file__).with_name("demo_org.json")
# Shared by every demo account, and printed by `integritas demo`: change it before any real use.
DEMO_PASSWORD = "Integritas-Demo-2026"
DISTRICT = "DISDIK-MADIUN"
SCHOOL = "SMPN1-MEJAYAN"


def load_org_file() -> dict[str, Any]:
    return json.loads(ORG_FILE.read_text(encoding="utf-8"))


def demo_unit_codes() -> list[str]:
    return [u["code"] for u in load_org_file()["units"]]


def load_demo(now: dt.datetime | None = None) -> str:
    """Import the demo organisation and, the first time, its sample cases; a printable summary."""
    now = now or timezone.now()
    data = load_org_file()
    imported = import_org(data, actor="demo", via="demo")
    units = [u["code"] for u in data["units"]]
    with translation.override("en"):
        organisation = imported.as_text()
    lines = [
        "Integritas demo: Dinas Pendidikan Kabupaten Madiun with SMP Negeri 1 Mejayan",
        "",
        "Organisation: " + organisation,
    ]
    existing = Case.objects.filter(unit__code__in=units).count()
    receipts: list[tuple[str, str]] = []
    if existing:
        lines.append(f"Sample cases: the demo units already have {existing} case(s); no cases were added.")
    else:
        with transaction.atomic():
            receipts = _create_cases(now)
        lines.append(f"Sample cases: {len(receipts)} created through the handling procedure.")
    lines += ["", *_units_text(units), "", *_accounts_text(data), "", *_cases_text(units)]
    # Prevention (issue 9): declarations, gratification, a self-declaration, an agenda, a risk map.
    from integritas.prevention.demo import load as load_prevention

    lines += ["", *load_prevention(now)]
    if receipts:
        lines += [
            "",
            "Reporter receipts (shown only now; track a case with its receipt):",
            *(f"  {reference}  {receipt}" for reference, receipt in receipts),
        ]
    return "\n".join(lines)


# ---------------------------------------------------------------- summary


def _units_text(codes: list[str]) -> list[str]:
    today = timezone.localdate()
    lines = ["Units (policy: the defaults; evidence is required, so every sample report carries a PDF)"]
    for unit in Unit.objects.filter(code__in=codes).select_related("parent").order_by("path"):
        depth = len(unit.ancestor_ids()) - 1
        lines.append(
            f"  {'  ' * depth}{unit.code:<14} {unit.name} ({unit.effective_timezone}, {unit.effective_work_week})"
        )
    held = Holding.objects.active_on(today).values("position_id")
    vacant = Position.objects.filter(unit__code__in=codes).exclude(pk__in=held).order_by("code")
    for position in vacant:
        lines.append(
            f"  Vacant: {position.code} ({position.title}, {position.unit.code}); the chain skips it to the next holder up"
        )
    return lines


def _accounts_text(data: dict[str, Any]) -> list[str]:
    usernames = [p["username"] for p in data["people"]]
    people = {p.username: p for p in Person.objects.filter(username__in=usernames)}
    today = timezone.localdate()
    lines = [
        f"Accounts (every demo account signs in with the password: {DEMO_PASSWORD})",
        f"  {'username':<16} {'name':<30} role",
    ]
    for username in usernames:
        person = people.get(username)
        if person is None:
            continue
        roles: list[str] = []
        holdings = (
            Holding.objects.active_on(today)
            .filter(person=person)
            .select_related("position__unit")
            .order_by("acting", "id")
        )
        for holding in holdings:
            title = ("Plt. " if holding.acting else "") + holding.position.title
            roles.append(f"{title} ({holding.position.unit.code})")
        for membership in TeamMembership.objects.filter(person=person).select_related("unit"):
            roles.append(f"Tim Penanganan Benturan Kepentingan {membership.unit.code}")
        if person.is_admin:
            roles.append("Administrator (manages the organisation; sees no case content)")
        lines.append(f"  {username:<16} {person.display_name:<30} {'; '.join(roles) or '-'}")
    return lines


def _cases_text(units: list[str]) -> list[str]:
    lines = ["Cases"]
    cases = (
        Case.objects.filter(unit__code__in=units)
        .select_related("unit", "subject_position", "handler_position", "handler_person", "handler_team")
        .order_by("created_at", "id")
    )
    for case in cases:
        state = case.status + (f" ({case.outcome})" if case.outcome else "")
        subject = case.subject_position.title if case.subject_position else "(subject to be identified)"
        if case.status == Status.CLOSED:
            handler = "-"
        elif case.status == Status.FOLLOW_UP:
            handler = f"team {case.unit.code} supervises the follow-up"
        elif case.handler_person is not None and case.handler_position is not None:
            handler = f"{case.handler_person.username} ({case.handler_position.title})"
        elif case.handler_team is not None:
            handler = f"team {case.handler_team.code}"
        else:
            handler = "-"
        lines.append(
            f"  {case.reference}  {state:<20} {case.unit.code:<14} terlapor: {subject}; handler: {handler}"
        )
    if len(lines) == 1:
        lines.append("  (none)")
    return lines


# ---------------------------------------------------------------- the sample cases


def _pdf(text: str) -> bytes:
    """A small valid one-page PDF carrying ``text``: the demo's evidence file."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 760 Td ({safe}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _evidence(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _pdf(text), content_type="application/pdf")


def _submit(
    report: dict[str, Any], evidence: list[SimpleUploadedFile], at: dt.datetime
) -> services.Submitted:
    checked_report = validate_report(report, evidence_count=len(evidence))
    files = check_files(evidence, max_upload_mb=checked_report.policy["max_upload_mb"])
    return services.case_submit(report=checked_report, files=files, now=at)


def _report(
    *,
    subject: dict[str, str],
    decision: dict[str, str],
    categories: list[str],
    description: str,
    reporter: dict[str, Any],
    unit: str = SCHOOL,
) -> dict[str, Any]:
    return {
        "unit": unit,
        "subject": subject,
        "decision": decision,
        "categories": categories,
        "description": description,
        "reporter": {"nik": None, **reporter},
        "anonymous": False,
        "good_faith": True,
    }


def _open(case: Case, person: Person, at: dt.datetime) -> None:
    """A handler opening a case for the first time confirms having no conflict with it."""
    services.case_confirm_no_conflict(case=case, actor=person, via=Via.WEB, now=at)


def _create_cases(now: dt.datetime) -> list[tuple[str, str]]:
    people = {
        p.username: p
        for p in Person.objects.filter(username__in=[e["username"] for e in load_org_file()["people"]])
    }
    unit = Unit.objects.get(code=SCHOOL)
    today = now.astimezone(unit.tz).date()

    def ago(days: float = 0, hours: float = 0) -> dt.datetime:
        return now - dt.timedelta(days=days, hours=hours)

    def day(days: int) -> str:
        return (today - dt.timedelta(days=days)).isoformat()

    def due(days: int) -> str:
        return (today + dt.timedelta(days=days)).isoformat()

    receipts: list[tuple[str, str]] = []

    # 1. BOS funds: founded, revoked, follow-up done, closed.
    at = ago(days=40)
    sub = _submit(
        _report(
            subject={"position": "BENDAHARA-BOS-SMPN1"},
            decision={
                "title": "Pembelian 10 unit laptop untuk laboratorium komputer dari dana BOS tahap I",
                "number": "027/118/SMPN1-MJY/2026",
                "date": day(48),
                "kind": "school_fund",
            },
            categories=["procurement", "family_community"],
            description=(
                "Pada awal bulan lalu sekolah membeli 10 unit laptop dari dana BOS tahap I melalui CV Sinar "
                "Komputindo di Caruban. CV tersebut milik istri Bendahara BOS. Harga per unit Rp9.800.000, "
                "padahal laptop dengan spesifikasi yang sama di SIPLah sekitar Rp7.500.000. Tidak ada "
                "pembanding harga dari penyedia lain. Saya anggota Komite Sekolah dan melihat dokumen "
                "pertanggungjawaban pada rapat komite tanggal yang sama."
            ),
            reporter={
                "name": "Hendra Gunawan",
                "email": "hendra.gunawan@example.net",
                "phone": "+6281335501122",
                "relation": "anggota Komite Sekolah",
            },
        ),
        [
            _evidence(
                "notulen-rapat-komite.pdf", "Notulen rapat Komite Sekolah - lampiran laporan (contoh demo)"
            )
        ],
        at,
    )
    receipts.append((sub.case.reference, sub.receipt))
    case = sub.case
    _open(case, people["sri.rahayu"], ago(days=39))
    case = services.case_examine(
        via=Via.WEB,
        case=case,
        actor=people["sri.rahayu"],
        conclusion=Conclusion.FOUNDED,
        now=ago(days=38),
        findings="Akta CV Sinar Komputindo menunjukkan istri Bendahara BOS sebagai direktur. Tidak ada survei "
        "harga; selisih harga dengan SIPLah Rp2,3 juta per unit. Laporan benar.",
    )
    _open(case, people["heru.santoso"], ago(days=37, hours=4))
    case = services.case_review(
        via=Via.WEB,
        case=case,
        actor=people["heru.santoso"],
        decision=ReviewDecision.REVOKE,
        now=ago(days=37),
        notes="Surat pesanan dibatalkan. Pengadaan diulang melalui SIPLah dengan tiga pembanding harga, "
        "tanpa melibatkan Bendahara BOS dalam pemilihan penyedia.",
    )
    team = people["endang.lestari"]
    _open(case, team, ago(days=36, hours=1))
    first = services.follow_up_add(
        via=Via.WEB,
        case=case,
        actor=team,
        now=ago(days=36),
        due_date=dt.date.fromisoformat(day(26)),
        title="Pengembalian uang muka ke rekening BOS",
    )
    second = services.follow_up_add(
        via=Via.WEB,
        case=case,
        actor=team,
        now=ago(days=36),
        due_date=dt.date.fromisoformat(day(16)),
        title="Pengadaan ulang laptop melalui SIPLah dengan tiga pembanding harga",
    )
    services.follow_up_done(
        via=Via.WEB,
        case=case,
        actor=team,
        follow_up=first,
        now=ago(days=30),
        notes="Bukti setor Rp29.400.000 ke rekening BOS diterima dan diperiksa.",
    )
    services.follow_up_done(
        via=Via.WEB,
        case=case,
        actor=team,
        follow_up=second,
        now=ago(days=18),
        notes="Pesanan SIPLah Rp7.450.000 per unit; berita acara serah terima terlampir.",
    )
    services.case_close(
        via=Via.WEB,
        case=case,
        actor=team,
        now=ago(days=17),
        summary="Keputusan dicabut dan pengadaan diulang sesuai ketentuan; dana BOS dikembalikan.",
    )

    # 2. Science olympiad selection: unfounded, closed.
    at = ago(days=25)
    sub = _submit(
        _report(
            subject={"position": "GURU-IPA-1"},
            decision={
                "title": "Penunjukan peserta OSN IPA tingkat kabupaten",
                "number": "421.3/061/SMPN1-MJY/2026",
                "date": day(28),
                "kind": "other",
            },
            categories=["family_community", "affiliation"],
            description=(
                "Guru IPA menunjuk keponakannya sendiri sebagai wakil sekolah di OSN IPA tingkat kabupaten. "
                "Anak saya yang juara kelas tidak diberi kesempatan. Penunjukan diumumkan di grup kelas VIII "
                "tanpa penjelasan cara seleksinya."
            ),
            reporter={
                "name": "Rahmawati",
                "email": "rahmawati.ortu@example.net",
                "phone": "+6285746003311",
                "relation": "orang tua siswa kelas VIII",
            },
        ),
        [_evidence("tangkapan-layar-grup-kelas.pdf", "Tangkapan layar pengumuman grup kelas (contoh demo)")],
        at,
    )
    receipts.append((sub.case.reference, sub.receipt))
    _open(sub.case, people["sri.rahayu"], ago(days=24))
    services.case_examine(
        via=Via.WEB,
        case=sub.case,
        actor=people["sri.rahayu"],
        conclusion=Conclusion.UNFOUNDED,
        now=ago(days=23),
        findings="Seleksi dilakukan dengan tes tertulis terbuka yang diikuti 24 siswa dan dinilai oleh dua guru. "
        "Siswa yang ditunjuk memperoleh nilai tertinggi (88). Berita acara seleksi dan lembar jawaban telah "
        "diperiksa. Keputusan penunjukan tetap berlaku; hasil seleksi akan diumumkan lengkap ke orang tua.",
    )

    # 3. Uniform procurement: founded, reviewed at the district (reassigned), follow-up open.
    at = ago(days=6)
    sub = _submit(
        _report(
            subject={"position": "WAKA-KES"},
            decision={
                "title": "Penetapan penyedia seragam siswa baru tahun ajaran 2026/2027",
                "number": "027/205/SMPN1-MJY/2026",
                "date": day(12),
                "kind": "procurement",
            },
            categories=["procurement", "family_community"],
            description=(
                "Orang tua siswa baru diwajibkan membeli paket seragam (batik, olahraga, pramuka) seharga "
                "Rp1.450.000 di Toko Sandang Jaya, Jalan Panglima Sudirman, Caruban. Toko itu milik adik ipar "
                "Wakil Kepala Sekolah Bidang Kesiswaan yang menandatangani surat penunjukan. Tidak ada pilihan "
                "membeli di tempat lain dan harga lebih mahal dari toko lain."
            ),
            reporter={
                "name": "Siti Aminah",
                "email": "siti.aminah@example.net",
                "phone": "+6281234567890",
                "relation": "orang tua siswa baru",
            },
        ),
        [_evidence("surat-edaran-seragam.pdf", "Surat edaran pembelian seragam (contoh demo)")],
        at,
    )
    receipts.append((sub.case.reference, sub.receipt))
    case = sub.case
    _open(case, people["heru.santoso"], ago(days=5, hours=6))
    case = services.case_examine(
        via=Via.WEB,
        case=case,
        actor=people["heru.santoso"],
        conclusion=Conclusion.FOUNDED,
        now=ago(days=5),
        findings="Waka Kesiswaan menetapkan penyedia tanpa survei harga dan tidak menyatakan hubungan keluarga "
        "dengan pemilik toko. Laporan benar.",
    )
    _open(case, people["sri.wahyuni"], ago(days=4, hours=3))
    case = services.case_review(
        via=Via.WEB,
        case=case,
        actor=people["sri.wahyuni"],
        decision=ReviewDecision.REASSIGN,
        now=ago(days=4),
        notes="Penetapan penyedia seragam diambil ulang oleh panitia pengadaan yang dibentuk Kepala Sekolah "
        "tanpa melibatkan Waka Kesiswaan. Orang tua bebas membeli seragam di tempat lain.",
    )
    team = people["endang.lestari"]
    _open(case, team, ago(days=3, hours=1))
    notice = services.follow_up_add(
        via=Via.WEB,
        case=case,
        actor=team,
        now=ago(days=3),
        due_date=dt.date.fromisoformat(day(1)),
        title="Surat pemberitahuan kepada orang tua: pembelian seragam tidak wajib di toko tertentu",
    )
    services.follow_up_add(
        via=Via.WEB,
        case=case,
        actor=team,
        now=ago(days=3),
        due_date=dt.date.fromisoformat(due(10)),
        title="Pembentukan panitia pengadaan seragam baru dan survei harga minimal tiga penyedia",
    )
    services.follow_up_done(
        via=Via.WEB,
        case=case,
        actor=team,
        follow_up=notice,
        now=ago(days=1),
        notes="Surat nomor 421/233/SMPN1-MJY/2026 dibagikan melalui wali kelas.",
    )

    # 4. PPDB admission: founded, waiting for the principal's review.
    at = ago(days=1, hours=3)
    sub = _submit(
        _report(
            subject={"position": "PPDB-SMPN1"},
            decision={
                "title": "Pengumuman hasil seleksi PPDB jalur zonasi",
                "number": "800/145/SMPN1-MJY/2026",
                "date": day(3),
                "kind": "admission",
            },
            categories=["affiliation", "family_community"],
            description=(
                "Anak seorang guru SMPN 1 Mejayan, rekan Ketua Panitia PPDB, diterima di jalur zonasi dengan "
                "jarak 1,2 km. Rumah keluarga tersebut sebenarnya di Desa Kebonsari (sekitar 6 km); Kartu "
                "Keluarga baru dipindah ke alamat kerabat tiga bulan sebelum pendaftaran. Anak saya dengan "
                "jarak 2,1 km tidak diterima."
            ),
            reporter={
                "name": "Bambang Riyadi",
                "email": "bambang.riyadi@example.net",
                "phone": "+6281359907788",
                "relation": "orang tua calon siswa",
            },
        ),
        [_evidence("pengumuman-ppdb.pdf", "Pengumuman hasil seleksi PPDB zonasi (contoh demo)")],
        at,
    )
    receipts.append((sub.case.reference, sub.receipt))
    _open(sub.case, people["sri.rahayu"], ago(hours=20))
    services.case_examine(
        via=Via.WEB,
        case=sub.case,
        actor=people["sri.rahayu"],
        conclusion=Conclusion.FOUNDED,
        now=ago(hours=2),
        findings="Verifikasi lapangan: calon siswa tinggal di Desa Kebonsari; alamat pada KK adalah rumah kerabat. "
        "Ketua Panitia PPDB mengetahui hal ini saat verifikasi berkas. Laporan benar.",
    )

    # 5. Private lessons and grades: in examination, the handler asked the reporter a question.
    at = ago(hours=5)
    sub = _submit(
        _report(
            subject={"position": "GURU-MTK-1"},
            decision={
                "title": "Nilai Penilaian Tengah Semester Matematika kelas VIII",
                "number": "",
                "date": day(7),
                "kind": "grading",
            },
            categories=["side_job", "insider_information"],
            description=(
                "Guru Matematika kelas VIII membuka les privat berbayar Rp150.000 per bulan di rumahnya. Siswa "
                "yang ikut les mendapat latihan soal yang sama persis dengan soal PTS, dan nilainya jauh lebih "
                "tinggi. Anak saya tidak ikut les dan diberi tahu temannya soal-soalnya sudah dibahas di les."
            ),
            reporter={
                "name": "Dewi Kartika",
                "email": "dewi.kartika@example.net",
                "phone": "+6282131004455",
                "relation": "orang tua siswa kelas VIII",
            },
        ),
        [_evidence("lembar-latihan-les.pdf", "Foto lembar latihan les dan soal PTS (contoh demo)")],
        at,
    )
    receipts.append((sub.case.reference, sub.receipt))
    _open(sub.case, people["sri.rahayu"], ago(hours=3))
    services.case_message(
        via=Via.WEB,
        case=sub.case,
        actor=people["sri.rahayu"],
        now=ago(hours=3),
        text="Terima kasih atas laporan Ibu. Mohon dikirimkan, bila ada, foto lembar latihan les yang lain "
        "beserta tanggal pertemuannya, agar dapat kami bandingkan dengan naskah soal PTS.",
    )
    services.reporter_message(
        case=sub.case,
        now=ago(hours=1),
        text="Baik, Bu. Saya lampirkan foto lembar latihan pertemuan tanggal 2 dan 9 bulan ini.",
        files=check_files(
            [_evidence("latihan-pertemuan-2-dan-9.pdf", "Lembar latihan les (contoh demo)")],
            max_upload_mb=unit.effective_policy["max_upload_mb"],
        ),
    )

    # 6. School cooperative: no listed position named, waiting for the team's triage.
    at = ago(hours=2)
    sub = _submit(
        _report(
            subject={
                "name": "Pengelola koperasi sekolah",
                "description": "Ibu yang mengelola koperasi siswa; kabarnya istri salah satu pejabat sekolah.",
            },
            decision={
                "title": "Kewajiban membeli LKS dan buku pendamping di koperasi sekolah",
                "number": "",
                "date": day(10),
                "kind": "procurement",
            },
            categories=["procurement", "family_community"],
            description=(
                "Siswa kelas VII diwajibkan membeli paket LKS dan buku pendamping seharga Rp350.000 di koperasi "
                "sekolah; siswa yang belum membeli ditegur di kelas. Penerbit LKS itu diageni oleh keluarga "
                "pengelola koperasi. Saya tidak tahu jabatan siapa yang memutuskan kewajiban ini."
            ),
            reporter={
                "name": "Sri Mulyani",
                "email": None,
                "phone": "+6285655512345",
                "relation": "orang tua siswa kelas VII",
            },
        ),
        [_evidence("kuitansi-koperasi.pdf", "Kuitansi pembelian LKS di koperasi (contoh demo)")],
        at,
    )
    receipts.append((sub.case.reference, sub.receipt))
    return receipts
