"""Run in a subprocess against a real data dir (python -m tests.vault.tool ACTION): fill it with a
demo-like organisation and cases, describe everything it holds (decrypted), or keep submitting reports.

The environment chooses the data dir, database and master key, as for the `integritas` command.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import time
from pathlib import Path


def start() -> None:
    from integritas.cli import check_master_key, migrate, setup

    setup()
    migrate()
    problem = check_master_key()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        raise SystemExit(2)


def pdf(text: str) -> bytes:
    return b"%PDF-1.4\n% " + text.encode() + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def checked(name: str, payload: bytes):
    from integritas.cases.evidence import check_files
    from tests.factories import pdf_upload

    return check_files([pdf_upload(name, payload)], max_upload_mb=10)


def populate(tag: str) -> dict:
    """Org (tests.factories.make_org), four cases at different stages, messages both ways, evidence
    with reports and messages, and a person with two-factor sign-in."""
    from integritas.cases import services
    from integritas.cases.models import Via
    from integritas.orgs import auth, totp
    from tests.factories import make_org, pdf_upload, reload, submit

    org = make_org()
    refs = []
    first = submit(
        org.school,
        org.p_teacher,
        files=[pdf_upload("bukti-1.pdf", pdf(f"{tag}-evidence-1")), pdf_upload("foto.pdf", pdf(f"{tag}-ev-1b"))],
        description=f"{tag}-description-1: toko milik adik terlapor",
        reporter={"name": f"{tag}-reporter-1", "email": "siti@example.net", "phone": None, "nik": None,
                  "relation": "orang tua siswa"},
    )  # fmt: skip
    case = reload(first.case)
    services.case_message(via=Via.API, case=case, actor=org.vice, text=f"{tag}-message-to-reporter")
    services.reporter_message(
        case=reload(case),
        text=f"{tag}-message-from-reporter",
        files=checked("tambahan.pdf", pdf(f"{tag}-ev-msg")),
    )
    refs.append(case.reference)

    second = submit(org.school, None, description=f"{tag}-description-2 (triage)", files=[])
    refs.append(second.case.reference)

    third = submit(org.school, org.p_teacher, description=f"{tag}-description-3",
                   files=[pdf_upload("b3.pdf", pdf(f"{tag}-evidence-3"))])  # fmt: skip
    services.case_examine(
        via=Via.API, case=reload(third.case), actor=org.vice, conclusion="founded", findings="Benar"
    )
    refs.append(third.case.reference)

    fourth = submit(org.school, org.p_vice, description=f"{tag}-description-4", anonymous=False)
    refs.append(fourth.case.reference)

    secret = auth.totp_begin(org.principal)
    auth.totp_confirm(org.principal, totp.now_code(secret))
    return {"references": refs, "receipts": [first.receipt, second.receipt, third.receipt, fourth.receipt]}


def describe() -> dict:
    """Everything confidential, decrypted: what must survive a backup, a restore or a key rotation."""
    from integritas.audit.chain import verify
    from integritas.cases import content
    from integritas.cases.models import Case
    from integritas.orgs import auth
    from integritas.orgs.models import Person

    cases = []
    for case in Case.objects.select_related("unit").order_by("pk"):  # in the order they were filed
        evidence = []
        for item in case.evidence.order_by("id"):
            item.case = case
            data = b"".join(content.read_file(item))
            assert hashlib.sha256(data).hexdigest() == item.sha256, item.pk
            evidence.append({"name": content.evidence_name(item), "size": item.size, "sha256": item.sha256,
                             "content_type": item.content_type, "data": base64.b64encode(data).decode()})  # fmt: skip
        messages = []
        for message in case.messages.order_by("id"):
            message.case = case
            messages.append([message.sender, content.message_text(message)])
        cases.append({
            "reference": case.reference, "unit": case.unit.code, "status": case.status, "level": case.level,
            "categories": sorted(case.category_rows.values_list("code", flat=True)),
            "report": content.report(case), "messages": messages, "evidence": evidence,
            "events": list(case.events.order_by("id").values_list("kind", flat=True)),
        })  # fmt: skip
    totp = {
        p.username: auth.totp_secret(p)
        for p in Person.objects.filter(totp_sealed__isnull=False).order_by("id")
    }
    ok, message = verify()
    return {"cases": cases, "totp": totp, "audit": [ok, message],
            "people": sorted(Person.objects.values_list("username", flat=True))}  # fmt: skip


def write_loop(stop: Path, tag: str) -> int:
    """Submit reports (with evidence) until ``stop`` exists; print a line after each."""
    from integritas.orgs.models import Position, Unit
    from tests.factories import pdf_upload, submit

    school, position = Unit.objects.get(code="SMPN1"), Position.objects.get(code="GURU")
    n = 0
    while not stop.exists():
        n += 1
        submit(school, position, description=f"{tag}-loop-{n}",
               files=[pdf_upload(f"loop-{n}.pdf", pdf(f"{tag}-loop-evidence-{n}"))])  # fmt: skip
        print(f"wrote {n}", flush=True)
        time.sleep(0.01)
    return n


def audit_rewrite(seq: int, to_seq: int | None = None) -> None:
    """The second attack of the security report (finding 4): rewrite who did something, then recompute
    the chain after it with the published algorithm, as someone with write access to the database."""
    from integritas.audit.models import AuditEntry
    from tests.audit.test_chain import recompute

    AuditEntry.objects.filter(seq=seq).update(actor="system")
    recompute(from_seq=seq, key=None, keyed=False, to_seq=to_seq)


def legacy_chain(n: int) -> None:
    """An installation from before the keyed chain: the audit tables as of migration 0001, and ``n``
    entries hashed the old way (unkeyed SHA-256). The next command's `migrate` upgrades it."""
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from integritas.audit.chain import GENESIS, _legacy_hash

    call_command("migrate", "audit", "0001", verbosity=0)
    state = MigrationExecutor(connection).loader.project_state(("audit", "0001_initial"))
    entry_model = state.apps.get_model("audit", "AuditEntry")
    head_model = state.apps.get_model("audit", "AuditHead")
    prev = GENESIS
    start_at = dt.datetime(2026, 8, 17, 3, 0, tzinfo=dt.UTC)
    for seq in range(1, n + 1):
        at = start_at + dt.timedelta(minutes=seq)
        fields = dict(at=at, action="org.legacy", actor="admin", case_reference="", unit_code="",
                      data={"n": seq})  # fmt: skip
        digest = _legacy_hash(prev, seq, at, "org.legacy", "admin", "", "", {"n": seq})
        entry_model.objects.create(seq=seq, prev_hash=prev, hash=digest, **fields)
        prev = digest
    head_model.objects.update_or_create(id=1, defaults={"seq": n, "hash": prev})


def main(argv: list[str]) -> int:
    action = argv[0]
    start()
    if action == "populate":
        print(json.dumps(populate(argv[1] if len(argv) > 1 else "MARK")))
    elif action == "describe":
        print(json.dumps(describe(), sort_keys=True))
    elif action == "write-loop":
        write_loop(Path(argv[1]), argv[2])
    elif action == "audit-rewrite":
        audit_rewrite(int(argv[1]), int(argv[2]) if len(argv) > 2 else None)
        print("{}")
    elif action == "audit-entry":
        from integritas.audit.models import AuditEntry

        print(json.dumps(AuditEntry.objects.filter(action=argv[1]).order_by("-seq").first().data))
    elif action == "legacy-chain":
        legacy_chain(int(argv[1]))
        print("{}")
    else:
        raise SystemExit(f"unknown action {action}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
