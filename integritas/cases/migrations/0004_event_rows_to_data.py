"""Convert the existing history rows once: the kind from the old ``event`` string, the actor's role
from the stored title, the references (where the case went, the follow-up, the position named in
triage, the missed deadline) recovered from the old data. This is the only place that reads the old
prose; a row it cannot place keeps what it knows and never stops the migration."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.db import migrations
from django.db.models import OuterRef, Subquery

HANDOVER = {"triage", "routed", "screened", "examined_founded", "escalated", "escalated_overdue", "recused"}
TEAM_PREFIX = "Tim Penanganan Benturan Kepentingan"
TEAM_IN_NOTE = re.compile(re.escape(TEAM_PREFIX) + r" (?P<unit>.+?)(?: untuk |\.$)")
TRIAGED_NOTE = re.compile(r"\((?P<code>[^()]+)\)\s*$")
OVERDUE_NOTE = re.compile(r"\((?P<due>\d{4}-\d{2}-\d{2}T[^()]+)\)")
TIMED = ("triage", "examination", "review")
STEP_OF_STAGE = {
    "examined_founded": "examination",
    "examined_unfounded": "examination",
    "reviewed_revoke": "review",
    "reviewed_amend": "review",
    "reviewed_reassign": "review",
    "reviewed_uphold": "review",
    "escalated": "review",
    "triaged": "triage",
    "follow_up_done": "follow_up",
    "closed": "follow_up",
}
SYSTEM_MADE_NOTES = {"triaged", "overdue", "escalated_overdue", "follow_up_added"}


def _zone(unit, units):
    node = unit
    seen = set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        if node.timezone:
            return ZoneInfo(node.timezone)
        node = units.get(node.parent_id)
    return ZoneInfo("Asia/Jakarta")


def _ancestors(unit, units):
    chain, node, seen = [], unit, set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        chain.append(node)
        node = units.get(node.parent_id)
    return chain


def convert(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseCategory = apps.get_model("cases", "CaseCategory")
    CaseHandler = apps.get_model("cases", "CaseHandler")
    Event = apps.get_model("cases", "Event")
    FollowUp = apps.get_model("cases", "FollowUp")
    IdentityRequest = apps.get_model("cases", "IdentityRequest")
    NoConflictConfirmation = apps.get_model("cases", "NoConflictConfirmation")
    Position = apps.get_model("orgs", "Position")
    TeamMembership = apps.get_model("orgs", "TeamMembership")
    Unit = apps.get_model("orgs", "Unit")

    cases = Case.objects.filter(pk=OuterRef("case_id"))
    CaseCategory.objects.update(
        unit_id=Subquery(cases.values("unit_id")[:1]), created_at=Subquery(cases.values("created_at")[:1])
    )

    seen_confirmations = set()
    for row in CaseHandler.objects.filter(no_conflict_confirmed_at__isnull=False).order_by(
        "no_conflict_confirmed_at", "pk"
    ):
        key = (row.case_id, row.person_id)
        if key not in seen_confirmations:
            seen_confirmations.add(key)
            NoConflictConfirmation.objects.create(
                case_id=row.case_id, person_id=row.person_id, at=row.no_conflict_confirmed_at, via="web"
            )

    units = {u.pk: u for u in Unit.objects.all()}
    teams = {}
    for membership in TeamMembership.objects.all():
        teams.setdefault(membership.person_id, set()).add(membership.unit_id)

    for case in Case.objects.all().iterator(chunk_size=200):
        unit = units.get(case.unit_id)
        zone = _zone(unit, units)
        ancestors = _ancestors(unit, units)
        handlers = list(CaseHandler.objects.filter(case_id=case.pk).order_by("assigned_at", "pk"))
        follow_ups = list(FollowUp.objects.filter(case_id=case.pk))
        requests = list(IdentityRequest.objects.filter(case_id=case.pk))
        changed = []
        clock_start = case.created_at
        follow_up_start = None
        for ev in Event.objects.filter(case_id=case.pk).order_by("at", "pk"):
            code = ev.event or ""
            ev.kind = code
            title = ev.actor_title or ""
            note = ev.note or ""
            data = dict(ev.data or {})
            # Who acted, in which capacity.
            if title == "Pelapor":
                ev.actor_role = "reporter"
            elif ev.actor_id is None or title == "Sistem":
                ev.actor_role = "system"
            elif title.startswith(TEAM_PREFIX):
                ev.actor_role = "team"
                mine = teams.get(ev.actor_id, set())
                ev.actor_team_id = next((u.pk for u in ancestors if u.pk in mine), None)
            else:
                ev.actor_role = "position"
                held = [h for h in handlers if h.person_id == ev.actor_id and h.position_id and h.assigned_at <= ev.at]
                if held:
                    ev.actor_position_id = held[-1].position_id
                elif title and title != "Petugas":
                    position = Position.objects.filter(title=title, holdings__person_id=ev.actor_id).first()
                    ev.actor_position_id = position.pk if position else None
            # Where the case went.
            if code in HANDOVER:
                assigned = [h for h in handlers if h.assigned_at == ev.at and h.position_id]
                if assigned:
                    ev.to_position_id = assigned[-1].position_id
                else:
                    match = TEAM_IN_NOTE.search(ev.public_note or "")
                    if match:
                        name = match.group("unit")
                        team = next((u for u in ancestors if u.name == name), None) or next(
                            (u for u in units.values() if u.name == name), None
                        )
                        ev.to_team_id = team.pk if team else None
            # The follow-up action concerned.
            if code == "follow_up_added":
                item = next((f for f in follow_ups if f.created_at == ev.at and f.title == note), None) or next(
                    (f for f in follow_ups if f.created_at == ev.at), None
                )
                if item is not None:
                    ev.follow_up_id = item.pk
                elif note:
                    data["title"] = note
            elif code in ("follow_up_done", "follow_up_cancelled"):
                done = code == "follow_up_done"
                item = next(
                    (f for f in follow_ups if f.done_at == ev.at and (f.done if done else f.cancelled)), None
                )
                if item is not None:
                    ev.follow_up_id = item.pk
                    prefix = f"{item.title}: "
                    if note.startswith(prefix):
                        note = note[len(prefix) :]
                    if done:
                        ev.stage_due_at = dt.datetime.combine(item.due_date, dt.time(23, 59, 59), tzinfo=zone)
            elif code == "triaged":
                match = TRIAGED_NOTE.search(note)
                position = Position.objects.filter(code=match.group("code")).first() if match else None
                if position is not None:
                    data["subject_position"] = position.pk
            elif code == "overdue":
                match = OVERDUE_NOTE.search(note)
                if match:
                    try:
                        ev.stage_due_at = dt.datetime.fromisoformat(match.group("due"))
                    except ValueError:
                        pass
            elif code == "no_conflict_confirmed":
                data["via"] = "web"
            elif code.startswith("identity_"):
                if code == "identity_requested":
                    found = next((r for r in requests if r.requester_id == ev.actor_id and r.at == ev.at), None)
                else:
                    found = next((r for r in requests if r.decided_at == ev.at), None)
                if found is not None:
                    data["request"] = found.pk
            if code in SYSTEM_MADE_NOTES:
                note = ""
            ev.note = note
            ev.data = data
            # The clock of the stage the step ended (deadlines before this migration are unknown).
            stage = STEP_OF_STAGE.get(code)
            if code in ("recused", "overdue", "escalated_overdue") and ev.from_status in TIMED:
                stage = ev.from_status
            if stage:
                ev.stage = stage
                ev.stage_started_at = follow_up_start if stage == "follow_up" else clock_start
            if code in HANDOVER:
                clock_start = ev.at
            if code.startswith("reviewed_"):
                follow_up_start = ev.at
            changed.append(ev)
        Event.objects.bulk_update(
            changed,
            [
                "kind",
                "actor_role",
                "actor_position",
                "actor_team",
                "to_position",
                "to_team",
                "follow_up",
                "data",
                "note",
                "stage",
                "stage_started_at",
                "stage_due_at",
            ],
            batch_size=500,
        )


def back(apps, schema_editor):
    Event = apps.get_model("cases", "Event")
    for ev in Event.objects.all().iterator(chunk_size=500):
        ev.event = ev.kind
        ev.save(update_fields=["event"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_event_as_data"), ("orgs", "0001_initial")]

    operations = [migrations.RunPython(convert, back)]
