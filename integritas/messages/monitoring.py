"""Words for the codes of monitoring and evaluation (figures, reports, the binder, transparency)."""

from django.utils.translation import gettext_lazy as _

from integritas.messages import register

register(
    errors={
        "forbidden.monitoring_team_only": _(
            "Only the COI handling team of this unit or of a unit above it sees its monitoring."
        ),
    },
    problems={
        "period_format": _("Write the period as a year (2026), a semester (2026-S2) or a month (2026-08)."),
        "report_format": _("Choose pdf or xlsx."),
        "year_format": _("Write the year as four digits, e.g. 2026."),
        "attendance_required": _("Enter how many people attended (at least 1)."),
    },
)
