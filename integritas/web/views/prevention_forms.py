"""Forms of the prevention pages. They read what staff typed into the shape the services take (dates,
numbers, lists of interests and parties); every rule stays in ``integritas.prevention`` and its
problems come back onto the fields here (``field_for`` maps a service field to a form field).

Forms that repeat (interests of a declaration, items of an agenda) show a number of blocks and a
"more" button that posts the form back with one more block: no JavaScript needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from integritas.cases.models import Category, DecisionKind
from integritas.prevention.models import (
    ConflictKind,
    DeclarationKind,
    GratificationOutcome,
    Measure,
    Occasion,
)
from integritas.web.forms_staff import StaffForm

if TYPE_CHECKING:
    from django.http import QueryDict

MAX_BLOCKS = 30
PARTY_ROWS = 3


def _count(data: Any, key: str, default: int, *, more: bool) -> int:
    try:
        value = int((data or {}).get(key) or default)
    except (TypeError, ValueError):
        value = default
    value = max(1, min(value, MAX_BLOCKS))
    return min(value + 1, MAX_BLOCKS) if more else value


def _long_text(
    label: Any, *, rows: int, max_length: int, required: bool = True, help_text: Any = ""
) -> forms.CharField:
    """Text of several lines."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


def _date(label: Any, **kwargs: Any) -> forms.DateField:
    """A date typed (or picked) as year-month-day."""
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        **kwargs,
    )


def _scale(label: Any, steps: list[Any]) -> forms.TypedChoiceField:
    """A choice of 1 to 5, each step with its words."""
    return forms.TypedChoiceField(label=label, coerce=int, choices=list(enumerate(steps, start=1)))


class Blocks(StaffForm):
    """A form with a number of repeated blocks (``count``), kept in its hidden field ``blocks``; the
    "more" button posts the form back with one block more."""

    blocks = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def count_blocks(self, default: int, *, more: bool) -> int:
        self.count = _count(self.data, "blocks", default, more=more)
        self.fields["blocks"].initial = self.count
        if self.is_bound:
            data = cast("QueryDict", self.data).copy()
            data["blocks"] = str(self.count)
            self.data = data
        return self.count


class Mapped(StaffForm):
    """A form whose fields a service names otherwise (``FIELDS``: service field → form field)."""

    FIELDS: dict[str, str] = {}

    @classmethod
    def field_for(cls, name: str) -> str | None:
        return cls.FIELDS.get(name, name)


def _offer(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


# ---------------------------------------------------------------- declarations


class DeclarationForm(Blocks):
    kind = forms.ChoiceField(
        label=_("Kind of declaration"),
        choices=[
            (DeclarationKind.ANNUAL, _("Annual declaration (once a year)")),
            (DeclarationKind.AD_HOC, _("Ad-hoc declaration (something changed, or a new interest)")),
        ],
        widget=forms.RadioSelect,
        initial=DeclarationKind.ANNUAL,
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=9999)
    none = forms.BooleanField(
        label=_("I have no interest that could conflict with my duties"), required=False
    )

    def __init__(self, *args: Any, year: int, more: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = year
        self.count_blocks(1, more=more)
        categories = [("", _("Choose a category")), *Category.choices]
        for i in range(self.count):
            self.fields[f"i{i}_category"] = forms.ChoiceField(
                label=_("Category"), choices=categories, required=False
            )
            self.fields[f"i{i}_description"] = _long_text(
                _("Description"),
                rows=3,
                max_length=5000,
                required=False,
                help_text=_("For example: my brother-in-law owns the shop that supplies uniforms."),
            )
            for j in range(PARTY_ROWS):
                self.fields[f"i{i}_p{j}_name"] = forms.CharField(
                    label=_("Name of a related party"), required=False, max_length=300
                )
                self.fields[f"i{i}_p{j}_relation"] = forms.CharField(
                    label=_("Relation"),
                    required=False,
                    max_length=200,
                    help_text=_("For example: adik ipar, my own business, board member.") if j == 0 else "",
                )

    def interest_blocks(self) -> list[dict[str, Any]]:
        return [
            {
                "number": i + 1,
                "category": self[f"i{i}_category"],
                "description": self[f"i{i}_description"],
                "parties": [
                    (self[f"i{i}_p{j}_name"], self[f"i{i}_p{j}_relation"]) for j in range(PARTY_ROWS)
                ],
            }
            for i in range(self.count)
        ]

    def to_data(self) -> dict[str, Any]:
        c = self.cleaned_data
        interests = []
        for i in range(self.count):
            parties = [
                {"name": c.get(f"i{i}_p{j}_name") or "", "relation": c.get(f"i{i}_p{j}_relation") or ""}
                for j in range(PARTY_ROWS)
            ]
            parties = [p for p in parties if p["name"] or p["relation"]]
            category = c.get(f"i{i}_category") or ""
            description = c.get(f"i{i}_description") or ""
            if category or description or parties:
                interests.append({"category": category, "description": description, "parties": parties})
        return {
            "kind": c.get("kind"),
            "year": c.get("year"),
            "none": bool(c.get("none")),
            "interests": interests,
        }

    @staticmethod
    def field_for(name: str) -> str | None:
        parts = name.split(".")
        if parts[0] in ("kind", "year", "none"):
            return parts[0]
        if parts[0] != "interests":
            return None
        if len(parts) == 1:
            return "none"
        i = parts[1]
        if len(parts) >= 5 and parts[2] == "parties":
            return f"i{i}_p{parts[3]}_{parts[4]}"
        if len(parts) >= 3 and parts[2] in ("category", "description"):
            return f"i{i}_{parts[2]}"
        if len(parts) >= 3 and parts[2] == "parties":
            return f"i{i}_p0_name"
        return f"i{i}_category"


class ComplianceForm(StaffForm):
    unit = forms.ChoiceField(label=_("Unit"), help_text=_("Includes the units below it."))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=9999)

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self, "unit", units)


# ---------------------------------------------------------------- gratification


class GratificationForm(Mapped):
    received_on = _date(
        _("Date received (or refused)"),
        help_text=_("Year-month-day. The 30 working days to report it to the KPK count from this day."),
    )
    occasion = forms.ChoiceField(label=_("Occasion"), choices=Occasion.choices, widget=forms.RadioSelect)
    giver_name = forms.CharField(label=_("Name of the giver"), max_length=300)
    giver_relation = forms.CharField(
        label=_("Relation to the giver"),
        max_length=200,
        required=False,
        help_text=_("For example: parent of a pupil, supplier, colleague, relative."),
    )
    description = _long_text(
        _("What was given"),
        rows=4,
        max_length=10000,
        help_text=_("Describe the gift (money, goods, a voucher, a trip, a meal…) and why it was given."),
    )
    value_idr = forms.IntegerField(
        label=_("Estimated value in rupiah"),
        min_value=0,
        help_text=_("Whole rupiah, without dots, for example 750000."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    cash = forms.BooleanField(label=_("The gift was money (cash or a transfer)"), required=False)
    rejected = forms.BooleanField(label=_("I refused the gift"), required=False)
    evidence = forms.FileField(
        label=_("Photo or document (optional)"),
        required=False,
        help_text=_("A photo of the gift, the invitation, a receipt. Documents, images, audio or video."),
        widget=forms.ClearableFileInput(attrs={"multiple": False}),
    )

    FIELDS = {"giver.name": "giver_name", "giver.relation": "giver_relation", "giver": "giver_name"}

    def to_data(self) -> dict[str, Any]:
        c = self.cleaned_data
        return {
            "received_on": c["received_on"].isoformat(),
            "giver": {"name": c["giver_name"], "relation": c.get("giver_relation") or ""},
            "occasion": c["occasion"],
            "description": c["description"],
            "value_idr": c["value_idr"],
            "cash": bool(c.get("cash")),
            "rejected": bool(c.get("rejected")),
        }


class OutcomeForm(StaffForm):
    outcome = forms.ChoiceField(
        label=_("What happened to the gift?"), choices=GratificationOutcome.choices, widget=forms.RadioSelect
    )
    notes = _long_text(
        _("Notes (optional)"),
        rows=3,
        max_length=10000,
        required=False,
        help_text=_("For example the number of the KPK's report, or the date it was returned."),
    )


class GratificationFilterForm(StaffForm):
    status = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All")), ("reported", _("Awaiting an outcome")), ("settled", _("Outcome recorded"))],
    )


# ---------------------------------------------------------------- self-declared conflicts


class ConflictForm(Mapped):
    kind = forms.ChoiceField(
        label=_("Is the conflict actual or potential?"),
        choices=[
            (ConflictKind.ACTUAL, _("Actual: my interest and my duty already clash")),
            (ConflictKind.POTENTIAL, _("Potential: they could clash in this decision")),
        ],
        widget=forms.RadioSelect,
    )
    position = forms.ChoiceField(label=_("In which of your positions?"))
    title = forms.CharField(
        label=_("The decision or action"),
        max_length=500,
        help_text=_("For example: setting the winner of the school uniform procurement."),
    )
    decision_kind = forms.ChoiceField(label=_("Kind of decision"), choices=DecisionKind.choices)
    decision_date = _date(_("When the decision is due (optional)"), required=False)
    description = _long_text(
        _("Your interest in it"),
        rows=5,
        max_length=20000,
        help_text=_("Who or what is involved and how you are related to it."),
    )

    FIELDS = {"decision.title": "title", "decision.kind": "decision_kind", "decision.date": "decision_date"}

    def __init__(self, *args: Any, positions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self, "position", positions)
        if positions:
            self.fields["position"].initial = positions[0][0]

    def to_data(self) -> dict[str, Any]:
        c = self.cleaned_data
        date = c.get("decision_date")
        return {
            "kind": c["kind"],
            "position": c["position"],
            "decision": {
                "title": c["title"],
                "kind": c["decision_kind"],
                "date": date.isoformat() if date else None,
            },
            "description": c["description"],
        }


class MeasureForm(StaffForm):
    measure = forms.ChoiceField(label=_("Control measure"), choices=Measure.choices, widget=forms.RadioSelect)
    notes = _long_text(
        _("Notes (optional)"),
        rows=3,
        max_length=20000,
        required=False,
        help_text=_("For example who takes the decision instead, or what access is restricted."),
    )


# ---------------------------------------------------------------- decision agendas


class AgendaForm(Blocks):
    unit = forms.ChoiceField(label=_("Unit"))
    title = forms.CharField(
        label=_("Title of the meeting"),
        max_length=300,
        help_text=_("For example: meeting to set the supplier of school uniforms."),
    )
    kind = forms.ChoiceField(label=_("Kind of decision"), choices=DecisionKind.choices)
    day = _date(_("Date of the meeting"))
    time = forms.TimeField(
        label=_("Time (unit's local time)"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        input_formats=["%H:%M"],
    )
    participants = forms.MultipleChoiceField(
        label=_("Participants"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Staff of the unit who take part in the decision."),
    )
    others = _long_text(
        _("Other participants (optional)"),
        rows=2,
        max_length=5000,
        required=False,
        help_text=_("Usernames of staff of other units, one per line."),
    )

    def __init__(
        self,
        *args: Any,
        units: list[tuple[str, str]],
        people: list[tuple[str, str]],
        more: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _offer(self, "unit", units)
        _offer(self, "participants", people)
        self.count_blocks(2, more=more)
        for i in range(self.count):
            self.fields[f"item{i}_title"] = forms.CharField(
                label=_("Item to decide"), required=False, max_length=300
            )
            self.fields[f"item{i}_parties"] = _long_text(
                _("Parties concerned"),
                rows=3,
                max_length=10000,
                required=False,
                help_text=_("Bidders, applicants, companies or people the decision is about: one per line."),
            )

    def item_blocks(self) -> list[dict[str, Any]]:
        return [
            {"number": i + 1, "title": self[f"item{i}_title"], "parties": self[f"item{i}_parties"]}
            for i in range(self.count)
        ]

    def to_data(self, zone: Any) -> dict[str, Any]:
        import datetime as dt

        c = self.cleaned_data
        items = []
        for i in range(self.count):
            title = c.get(f"item{i}_title") or ""
            parties = [
                line.strip() for line in (c.get(f"item{i}_parties") or "").splitlines() if line.strip()
            ]
            if title or parties:
                items.append({"title": title, "parties": parties})
        others = [
            line.strip() for line in (c.get("others") or "").replace(",", "\n").splitlines() if line.strip()
        ]
        meets = dt.datetime.combine(c["day"], c["time"], tzinfo=zone)
        return {
            "unit": c["unit"],
            "title": c["title"],
            "kind": c["kind"],
            "meets_at": meets.isoformat(),
            "items": items,
            "participants": [*(c.get("participants") or []), *others],
        }

    @staticmethod
    def field_for(name: str) -> str | None:
        parts = name.split(".")
        if parts[0] == "meets_at":
            return "day"
        if parts[0] == "participants":
            return "others" if len(parts) > 1 else "participants"
        if parts[0] == "items":
            if len(parts) == 1:
                return "item0_title"
            return f"item{parts[1]}_{'parties' if len(parts) > 2 and parts[2] == 'parties' else 'title'}"
        return parts[0]


class StatementForm(StaffForm):
    """One statement per item: "no conflict", or recusal with a reason."""

    def __init__(self, *args: Any, items: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item_id, _title in items:
            self.fields[f"s{item_id}"] = forms.ChoiceField(
                label=_("Your statement"),
                required=False,
                choices=[
                    ("none", _("I have no conflict of interest with this item")),
                    ("recuse", _("I withdraw from this item (recusal)")),
                ],
                widget=forms.RadioSelect,
            )
            self.fields[f"r{item_id}"] = _long_text(
                _("Reason for withdrawing"),
                rows=2,
                max_length=5000,
                required=False,
                help_text=_("Only the COI handling team and you can read it."),
            )


# ---------------------------------------------------------------- the risk map


class RiskForm(StaffForm):
    position = forms.ChoiceField(label=_("Position"))
    decision_kind = forms.ChoiceField(label=_("Kind of decision"), choices=DecisionKind.choices)
    likelihood = _scale(
        _("Likelihood of a conflict of interest"),
        [_("1 – rare"), _("2 – unlikely"), _("3 – possible"), _("4 – likely"), _("5 – almost certain")],
    )
    impact = _scale(
        _("Impact if it happens"),
        [_("1 – negligible"), _("2 – minor"), _("3 – moderate"), _("4 – major"), _("5 – severe")],
    )
    mitigation = _long_text(
        _("Mitigation"),
        rows=3,
        max_length=5000,
        required=False,
        help_text=_("What is done to prevent or control the conflict."),
    )
    review_on = _date(_("Review by"))

    def __init__(self, *args: Any, positions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self, "position", [("", _("Choose a position")), *positions])

    def to_data(self) -> dict[str, Any]:
        c = self.cleaned_data
        return {
            "position": c["position"],
            "decision_kind": c["decision_kind"],
            "likelihood": c["likelihood"],
            "impact": c["impact"],
            "mitigation": c.get("mitigation") or "",
            "review_on": c["review_on"].isoformat(),
        }
