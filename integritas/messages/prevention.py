"""Words for the codes of prevention (declarations, gratification, self-declared conflicts, agendas,
the risk map). Indonesian in locale/id/LC_MESSAGES/prevention.po."""

from django.utils.translation import gettext_lazy as _

from integritas.messages import register

register(
    errors={
        # 404: not there, or not yours to see
        "declaration_not_found": _("Declaration not found."),
        "declaration_statement_missing": _(
            "There is no annual declaration for this year yet: file it first, then print the statement."
        ),
        "gratification_not_found": _("Gratification report not found."),
        "gratification_evidence_not_found": _("File not found in this gratification report."),
        "self_declaration_not_found": _("Self-declaration not found."),
        "agenda_not_found": _("Agenda not found."),
        "agenda_item_not_found": _("This item is not on the agenda."),
        "risk_rating_not_found": _("Risk rating not found."),
        "unit_not_found": _("Unit not found."),
        # 403: visible, but not yours to act on
        "compliance_team_only": _(
            "Only the COI handling team of this unit or of a unit above it sees its declarations register."
        ),
        "gratification_team_only": _(
            "Only the COI handling team of the recipient's unit or of a unit above it records the outcome; "
            "never the recipient."
        ),
        "gratification_export_team_only": _(
            "Only the COI handling team of this unit or of a unit above it exports its gratification reports."
        ),
        "self_declaration_handler_only": _("Only the current handler decides the measure."),
        "agenda_publish_forbidden": _(
            "Only staff holding a position in this unit, or its COI handling team, publish its agendas."
        ),
        "agenda_participants_only": _("Only the participants of the meeting make statements on its items."),
        "agenda_minutes_forbidden": _(
            "Only the COI handling team and whoever published the agenda print its minutes."
        ),
        "risk_map_team_only": _(
            "Only the COI handling team of this unit or of a unit above it keeps its risk map."
        ),
        # 409: not in this state
        "gratification_settled": _("The outcome of this gratification report is already recorded."),
        "gratification_no_unit": _(
            "You hold no position and belong to no team, so no unit can receive your report. "
            "Ask the administrator."
        ),
        "self_declaration_decided": _("A measure has already been decided on this self-declaration."),
        "self_declaration_no_handler": _(
            "Nobody above your position can decide on this declaration: the unit needs a COI handling team."
        ),
        "agenda_meeting_started": _("The meeting has started: statements can no longer be made or changed."),
    },
    problems={
        "interests_required": _("List at least one interest, or declare that you have none."),
        "interests_with_none": _(
            "You declared that you have no interests: leave the list of interests empty."
        ),
        "interest_empty": _("Describe the interest or name at least one related party."),
        "value_out_of_range": _("Must be between %(minimum)s and %(maximum)s."),
        "not_your_position": _("You do not hold the position %(value)s today."),
        "no_position": _(
            "You hold no position today: a self-declaration goes to the superior of a position."
        ),
        "not_missing": _("Not among the people who have not filed: %(value)s."),
    },
)
