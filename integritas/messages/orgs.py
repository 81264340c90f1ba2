"""Words for the organisation's codes: units, positions, people, teams, holidays, the org import and
the separation of duties. Indonesian in ``locale/id/LC_MESSAGES/orgs.po``."""

from django.utils.translation import gettext_lazy as _

from integritas.messages import register

register(
    errors={
        "admin_only": _("Only administrators manage the organisation."),
        "unit_not_found": _("Unit not found."),
        "position_not_found": _("Position not found."),
        "person_not_found": _("Person not found."),
        "change_not_found": _("No such change waits for you."),
        "change_decided": _("This change has already been decided (%(state)s)."),
        "own_request": _("A change you asked for needs another person's approval."),
        "cannot_join_now": _("%(username)s cannot join a team now (an administrator, or no longer active)."),
        "import_invalid": _("Nothing was imported: %(count)s problem(s) in the file."),
    },
    problems={
        # codes, names and text
        "bad_code": _(
            "Use letters, digits, '.', '_' and '-' only, starting with a letter or digit (at most 64)."
        ),
        "bad_username": _("Use letters, digits and . _ @ + - only (at most 150)."),
        "reserved_code": _("“%(value)s” is a reserved word; choose another."),
        "code_taken": _("The code %(value)s is already in use."),
        "username_taken": _("The user name %(value)s is taken."),
        "duplicate_code": _("The code %(value)s is given twice."),
        "duplicate_username": _("The user name %(value)s is given twice."),
        "duplicate_in_file": _("%(value)s appears twice in the file."),
        "weak_password": _("The password is too weak: %(reasons)s"),
        "number_range": _("Enter a whole number from %(low)s to %(high)s."),
        "policy_unknown_key": _("%(key)s is not a policy setting (known: %(keys)s)."),
        # references and the tree
        "unknown_unit_code": _("There is no unit with the code %(value)s (in the file or the organisation)."),
        "unknown_position_code": _(
            "There is no position with the code %(value)s (in the file or the organisation)."
        ),
        "parent_self": _("Give the code of another unit (or nothing, for the top of the tree)."),
        "reports_to_self": _("Give the code of another position (or nothing, for the top of the chain)."),
        "unit_cycle": _("A unit cannot be placed under itself or one of its own units: %(path)s."),
        "position_cycle": _("This would make the chain of superiors a cycle: %(path)s."),
        # people and positions
        "end_before_start": _("The end date is before the start date (%(start)s)."),
        "holding_overlap": _("This person already holds %(value)s for part of that period."),
        "inactive_person": _("%(username)s is not active."),
        "own_admin_right": _("You cannot remove your own administration right."),
        "own_deactivation": _("You cannot deactivate your own account."),
        # separation of duties
        "admin_holds_no_position": _(
            "%(username)s is an administrator: an administrator holds no position (separation of duties)."
        ),
        "admin_sits_on_no_team": _(
            "%(username)s is an administrator: an administrator sits on no team (separation of duties)."
        ),
        "holder_cannot_be_admin": _(
            "%(username)s holds a position or sits on a team (or is asked to join one), so cannot be an "
            "administrator (separation of duties). End the positions and team seats first."
        ),
        "no_second_person": _(
            "Nobody can approve a new password for %(username)s yet: appoint them to their position "
            "first (a member of that unit's team approves), or ask another administrator."
        ),
        "team_no_second_person": _(
            "Nobody could approve a change to the team of %(unit)s: it and the units above it have no "
            "other team member, and there is no other administrator."
        ),
        # days off
        "holiday_exists": _("A day off is already added on %(date)s for this scope."),
        "holiday_twice": _("The day %(date)s is given twice for the same unit."),
        "team_twice": _("The team of %(value)s is given twice; list all its members in one entry."),
        # the file
        "unknown_section": _("This section is not known (known: %(sections)s)."),
        "not_org_object": _(
            "The file must hold one JSON object with holidays, units, positions, people and teams."
        ),
        "not_position_item": _("A position is a code or an object with code, start, end and acting."),
        "not_utf8": _("The file is not UTF-8 text."),
        "not_json": _("The file is not valid JSON (line %(line)s, column %(column)s)."),
        "not_org_file": _("Upload the org file as JSON or as an Excel workbook (.xlsx)."),
        "not_workbook": _("The workbook cannot be read: save it as an Excel workbook (.xlsx)."),
        "import_too_large": _("The file is larger than %(mb)s MB."),
        "unknown_sheet": _("The sheet %(sheet)s is not known (the sheets are: %(sheets)s)."),
        "sheet_twice": _("The sheet %(sheet)s appears twice."),
        "unknown_column": _("The column %(column)s is not known (the columns are: %(columns)s)."),
        "column_twice": _("The column %(column)s appears twice."),
        "missing_column": _("The column %(column)s is missing."),
        "row_conflict": _("This differs from the same person's row %(row)s."),
        # warnings (allowed, but worth a second look)
        "second_holder": _("%(position)s now has more than one holder today: %(holders)s."),
    },
)
