"""Change records and titles in words, in the active language: one rendering for the import page, the
command line, the overview of recent changes and the approvals page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from integritas.orgs.changes import Change


def field_label(name: str) -> str:
    labels = {
        "name": _("name"),
        "parent": _("parent unit"),
        "timezone": _("time zone"),
        "work_week": _("working week"),
        "policy": _("policy"),
        "title": _("title"),
        "unit": _("unit"),
        "reports_to": _("superior"),
        "email": _("e-mail address"),
        "is_admin": _("administrator"),
        "is_active": _("active"),
        "language": _("language"),
        "start": _("start"),
        "end": _("end"),
        "acting": _("acting (Plt)"),
    }
    return labels.get(name, name)


def acting_title(title: str, acting: bool) -> str:
    """A position title as people write it for an acting holder: "Plt. Kepala Sekolah"."""
    return _("Plt. %(title)s") % {"title": title} if acting else title


def _split(key: str) -> tuple[str, str]:
    first, _sep, second = key.partition("/")
    return first, second


def change_text(change: Change | Any) -> str:
    """One change record (or an ``OrgChange`` row) in words."""
    kind, key, fields = change.kind, change.key, change.fields or {}
    changed = ", ".join(field_label(name) for name in fields)
    unit, username = _split(key)
    holder, code = _split(key)
    texts = {
        "unit_created": lambda: _("Unit %(code)s: created") % {"code": key},
        "unit_changed": lambda: _("Unit %(code)s: %(fields)s changed") % {"code": key, "fields": changed},
        "position_created": lambda: _("Position %(code)s: created") % {"code": key},
        "position_changed": lambda: (
            _("Position %(code)s: %(fields)s changed") % {"code": key, "fields": changed}
        ),
        "person_created": lambda: _("Person %(username)s: created") % {"username": key},
        "person_changed": lambda: (
            _("Person %(username)s: %(fields)s changed") % {"username": key, "fields": changed}
        ),
        "password_set": lambda: _("Person %(username)s: password set") % {"username": key},
        "password_requested": lambda: (
            _("Person %(username)s: a new password waits for approval") % {"username": key}
        ),
        "password_rejected": lambda: (
            _("Person %(username)s: the new password was refused") % {"username": key}
        ),
        "password_withdrawn": lambda: (
            _("Person %(username)s: the new password was withdrawn") % {"username": key}
        ),
        "holding_added": lambda: (
            (
                _("%(username)s holds %(code)s as acting holder (Plt.)")
                if fields.get("acting")
                else _("%(username)s holds %(code)s")
            )
            % {"username": holder, "code": code}
        ),
        "holding_changed": lambda: (
            _("%(username)s in %(code)s: %(fields)s changed")
            % {"username": holder, "code": code, "fields": changed}
        ),
        "holding_ended": lambda: (
            _("%(username)s no longer holds %(code)s") % {"username": holder, "code": code}
        ),
        "holding_removed": lambda: (
            _("%(username)s no longer holds %(code)s") % {"username": holder, "code": code}
        ),
        "team_member_added": lambda: (
            _("Team of %(unit)s: %(username)s added") % {"unit": unit, "username": username}
        ),
        "team_member_removed": lambda: (
            _("Team of %(unit)s: %(username)s removed") % {"unit": unit, "username": username}
        ),
        "team_add_requested": lambda: (
            _("Team of %(unit)s: adding %(username)s waits for approval")
            % {"unit": unit, "username": username}
        ),
        "team_remove_requested": lambda: (
            _("Team of %(unit)s: removing %(username)s waits for approval")
            % {"unit": unit, "username": username}
        ),
        "team_add_rejected": lambda: (
            _("Team of %(unit)s: adding %(username)s was refused") % {"unit": unit, "username": username}
        ),
        "team_remove_rejected": lambda: (
            _("Team of %(unit)s: removing %(username)s was refused") % {"unit": unit, "username": username}
        ),
        "team_add_withdrawn": lambda: (
            _("Team of %(unit)s: adding %(username)s was withdrawn") % {"unit": unit, "username": username}
        ),
        "team_remove_withdrawn": lambda: (
            _("Team of %(unit)s: removing %(username)s was withdrawn") % {"unit": unit, "username": username}
        ),
        "holiday_added": lambda: (
            _("Day off %(date)s %(name)s: added") % {"date": _split(key)[0], "name": fields.get("name", "")}
        ),
        "holiday_renamed": lambda: _("Day off %(date)s: renamed") % {"date": _split(key)[0]},
        "holiday_removed": lambda: (
            _("Day off %(date)s %(name)s: removed") % {"date": _split(key)[0], "name": fields.get("name", "")}
        ),
    }
    render = texts.get(kind)
    return render() if render else f"{kind} {key}"


def kind_label(kind: str) -> str:
    """What kind of change, for the overview's list of recent changes."""
    labels = {
        "unit_created": _("Unit created"),
        "unit_changed": _("Unit changed"),
        "position_created": _("Position created"),
        "position_changed": _("Position changed"),
        "person_created": _("Person created"),
        "person_changed": _("Person changed"),
        "password_set": _("Password set"),
        "password_requested": _("New password asked for"),
        "holding_added": _("Position assigned"),
        "holding_changed": _("Position holding changed"),
        "holding_ended": _("Position ended"),
        "holding_removed": _("Position ended"),
        "team_member_added": _("Team member added"),
        "team_member_removed": _("Team member removed"),
        "team_add_requested": _("Team member asked for"),
        "team_remove_requested": _("Team member removal asked for"),
        "holiday_added": _("Day off added"),
        "holiday_renamed": _("Day off renamed"),
        "holiday_removed": _("Day off removed"),
    }
    return labels.get(kind, kind)


def actor_label(actor: str) -> str:
    """Who made a change, for people: a username, or "Sistem" for what the product did itself."""
    return _("System") if actor in ("", "system") else actor


def via_label(via: str) -> str:
    labels = {
        "page": _("administration page"),
        "api": _("API"),
        "import": _("org import"),
        "approval": _("approval"),
        "demo": _("demo"),
        "cli": _("command line"),
    }
    return labels.get(via, via)
