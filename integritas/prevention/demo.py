"""The prevention part of ``integritas demo``: declarations (some missing, so compliance shows gaps),
gratification reports, a self-declared conflict awaiting a measure, a decision agenda with warnings and
a recusal, and a small risk map; all through the same services as real use. Loaded once: nothing is
added when the demo people already have declarations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from integritas.orgs.models import Person, Unit
from integritas.prevention import agendas, conflicts, declarations, gratifications, riskmap
from integritas.prevention.models import (
    Agenda,
    Declaration,
    Gratification,
    RiskRating,
    SelfDeclaration,
)

SCHOOL = "SMPN1-MEJAYAN"
DISTRICT = "DISDIK-MADIUN"
FILED = ["heru.santoso", "sri.rahayu", "eko.purnomo", "anik.setyowati", "endang.lestari", "yuli.astuti",
         "agus.widodo", "sri.wahyuni", "dwi.prasetyo", "lilik.handayani"]  # fmt: skip
# Not filed (compliance shows them): joko.susilo, wahyu.hidayat, nur.aini, rudi.hartono.


def _interest(category: str, description: str, *parties: tuple[str, str]) -> dict[str, Any]:
    return {
        "category": category,
        "description": description,
        "parties": [{"name": n, "relation": r} for n, r in parties],
    }


INTERESTS = {
    "sri.rahayu": [
        _interest(
            "procurement",
            "Suami saya pemilik usaha konveksi yang biasa mengikuti pengadaan seragam sekolah.",
            ("CV Sinar Jaya Seragam", "usaha suami"),
            ("Bambang Setiawan", "suami"),
        )
    ],
    "eko.purnomo": [
        _interest(
            "family_community",
            "Istri saya pemilik penyedia komputer dan toko buku di Caruban.",
            ("CV Sinar Komputindo", "usaha istri"),
            ("Toko Buku Pelita", "usaha istri"),
        ),
        _interest(
            "side_job",
            "Mengajar les akuntansi di lembaga bimbingan belajar pada akhir pekan.",
            ("LBB Cerdas Mandiri", "pengajar paruh waktu"),
        ),  # fmt: skip
    ],
    "anik.setyowati": [
        _interest(
            "family_community",
            "Keponakan saya lulus SD tahun ini dan mendaftar ke sekolah kami.",
            ("Rina Ayu Setyaningrum", "keponakan"),
        )
    ],
}


def load(now: dt.datetime | None = None) -> list[str]:
    """Load the sample prevention data once; the lines ``integritas demo`` prints about it."""
    now = now or timezone.now()
    usernames = [*FILED, "wahyu.hidayat", "nur.aini", "joko.susilo", "rudi.hartono"]
    people = {p.username: p for p in Person.objects.filter(username__in=usernames)}
    if len(people) < len(usernames):
        return []
    if Declaration.objects.filter(person__in=people.values()).exists():
        return _summary()
    with transaction.atomic():
        _load(now, people)
    return _summary()


def _load(now: dt.datetime, people: dict[str, Person]) -> None:
    school = Unit.objects.get(code=SCHOOL)
    today = now.astimezone(school.tz).date()
    year = today.year

    # The register: most have filed; four have not (the compliance page shows them).
    for username in FILED:
        interests = INTERESTS.get(username, [])
        declarations.declaration_file(
            person=people[username],
            data={"kind": "annual", "year": year, "none": not interests, "interests": interests},
            now=now - dt.timedelta(days=20),
        )

    # Gratification: a parcel after the admissions, awaiting the team; a wedding gift within the limit.
    gratifications.gratification_report(
        recipient=people["wahyu.hidayat"],
        data={
            "received_on": (today - dt.timedelta(days=7)).isoformat(),
            "giver": {"name": "Hj. Siti Maryam", "relation": "orang tua calon peserta didik"},
            "occasion": "official",
            "description": "Parsel berisi kain batik dan kue kering, diantar ke rumah dua hari setelah "
            "pengumuman hasil PPDB.",
            "value_idr": 750_000,
            "rejected": False,
        },
        now=now - dt.timedelta(days=6),
    )
    wedding = gratifications.gratification_report(
        recipient=people["nur.aini"],
        data={
            "received_on": (today - dt.timedelta(days=30)).isoformat(),
            "giver": {"name": "Drs. Sugeng Riyadi", "relation": "kerabat"},
            "occasion": "wedding",
            "description": "Amplop hadiah pernikahan.",
            "value_idr": 500_000,
        },
        now=now - dt.timedelta(days=29),
    )
    gratifications.gratification_settle(
        item=wedding,
        actor=people["endang.lestari"],
        outcome="kept_allowed",
        notes="Di bawah batas nilai hadiah pernikahan; dicatat oleh Tim.",
        now=now - dt.timedelta(days=28),
    )

    # A self-declared conflict awaiting a measure from the vice principal (curriculum).
    conflicts.self_declaration_file(
        declarer=people["anik.setyowati"],
        data={
            "kind": "actual",
            "decision": {
                "title": "Penetapan hasil seleksi PPDB jalur zonasi",
                "kind": "admission",
                "date": (today + dt.timedelta(days=10)).isoformat(),
            },
            "description": "Keponakan saya, Rina Ayu Setyaningrum, termasuk calon peserta didik jalur zonasi "
            "yang akan saya tetapkan sebagai Ketua Panitia PPDB.",
        },
        now=now - dt.timedelta(hours=5),
    )

    # A decision agenda: two participants' declarations match parties (warnings); one recuses.
    meets = dt.datetime.combine(today + dt.timedelta(days=5), dt.time(9, 0), tzinfo=school.tz)
    agenda = agendas.agenda_create(
        actor=people["heru.santoso"],
        data={
            "unit": SCHOOL,
            "title": f"Rapat penetapan penyedia seragam dan buku paket {year}",
            "kind": "procurement",
            "meets_at": meets.isoformat(),
            "items": [
                {
                    "title": "Penetapan pemenang pengadaan seragam sekolah",
                    "parties": ["CV Sinar Jaya Seragam", "UD Makmur Busana"],
                },
                {
                    "title": "Pengadaan buku paket semester ganjil",
                    "parties": ["Toko Buku Pelita", "CV Ilmu Nusantara"],
                },
            ],
            "participants": ["heru.santoso", "sri.rahayu", "eko.purnomo", "yuli.astuti"],
        },
        now=now - dt.timedelta(days=1),
    )
    first, second = agenda.items.order_by("order")
    statements = [
        ("sri.rahayu", first, True, "CV Sinar Jaya Seragam adalah usaha suami saya."),
        ("sri.rahayu", second, False, ""),
        ("heru.santoso", first, False, ""),
        ("heru.santoso", second, False, ""),
    ]
    for username, item, conflict, reason in statements:
        agendas.agenda_state(
            agenda=agenda,
            item_id=item.pk,
            actor=people[username],
            data={"conflict": conflict, "reason": reason},
            now=now - dt.timedelta(hours=20),
        )

    # A small risk map kept by the school's team.
    for position, kind, likelihood, impact, mitigation in (
        ("PPDB-SMPN1", "admission", 4, 5, "Panitia PPDB menyatakan konflik kepentingan; pengumuman terbuka."),
        (
            "KS-SMPN1",
            "procurement",
            4,
            4,
            "Pengadaan melalui SIPLah dengan pembanding harga; agenda rapat diumumkan.",
        ),
        (
            "BENDAHARA-BOS-SMPN1",
            "school_fund",
            3,
            4,
            "Dua tanda tangan untuk setiap pengeluaran; audit Komite.",
        ),
        ("WAKA-KUR", "staffing", 2, 3, "Pembagian tugas mengajar dibahas dalam rapat dewan guru."),
        ("GURU-MTK-1", "grading", 2, 2, "Nilai dimoderasi oleh guru mata pelajaran yang sama."),
    ):
        riskmap.risk_rate(
            actor=people["endang.lestari"],
            data={
                "position": position,
                "decision_kind": kind,
                "likelihood": likelihood,
                "impact": impact,
                "mitigation": mitigation,
                "review_on": (today + dt.timedelta(days=180)).isoformat(),
            },
            now=now,
        )


def _summary() -> list[str]:
    school = Unit.objects.get(code=SCHOOL)
    year = timezone.now().astimezone(school.tz).year
    figures = declarations.compliance_figures(Unit.objects.get(code=DISTRICT), year)
    return [
        "Prevention (SOP part C): /pencegahan/ after signing in",
        f"  Declarations {year}: {figures['filed']} of {figures['people']} staff have filed "
        "(the team sees who has not at /deklarasi/kepatuhan/)",
        f"  Gratification reports: {Gratification.objects.count()}; self-declared conflicts: "
        f"{SelfDeclaration.objects.count()} (anik.setyowati's awaits sri.rahayu's measure)",
        f"  Decision agendas: {Agenda.objects.count()} (warnings for sri.rahayu and eko.purnomo; sri.rahayu "
        f"recused from an item); risk map ratings: {RiskRating.objects.count()} (endang.lestari keeps it)",
    ]
