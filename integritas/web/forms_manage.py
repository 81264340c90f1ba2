"""Forms of the administration pages: they parse what was typed; the rules live in orgs.services."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from integritas.orgs import policy as policy_rules
from integritas.orgs.models import (
    DEFAULT_TIMEZONE,
    DEFAULT_WORK_WEEK,
    TIMEZONES,
    WORK_WEEKS,
    Person,
    Position,
    Unit,
)
from integritas.orgs.rules import password_problem
from integritas.web.forms_staff import show_invalid as show_invalid  # the manage views call f.show_invalid

# A longer list than this is typed by its code: a select of thousands of schools helps nobody.
PICK_LIMIT = 400
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]

ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def timezone_label(value: str) -> str:
    return f"{value} ({ZONE_NAMES.get(value, value)})"


def work_week_label(value: str) -> str:
    labels = {"mon-fri": _("Monday to Friday"), "mon-sat": _("Monday to Saturday")}
    return str(labels.get(value, value))


# --- policy keys: label, kind, options --------------------------------------------------------------

POLICY_LABELS = {
    "examination_days": _("Examination period (days)"),
    "examination_day_kind": _("Examination period counted in"),
    "review_days": _("Review period (days)"),
    "review_day_kind": _("Review period counted in"),
    "triage_days": _("Triage period (days)"),
    "triage_day_kind": _("Triage period counted in"),
    "auto_escalate": _("Move an overdue case one level up automatically"),
    "allow_anonymous": _("Accept anonymous reports"),
    "require_evidence": _("Require evidence with a report"),
    "max_upload_mb": _("Largest evidence file (MB)"),
    "identity_disclosure": _("Reporter's identity for the handlers"),
    "require_two_factor": _("Require two-step sign-in for staff"),
    # prevention (issue 9)
    "screening": _("A handler whose declarations name the reported official"),
    "self_declaration_days": _("Period to decide on a self-declared conflict (working days)"),
    "gratification_days": _("Period for a gratification report to reach the KPK (working days)"),
}
POLICY_VALUE_LABELS = {
    "working": _("working days"),
    "calendar": _("calendar days"),
    "handlers": _("shown to the handlers"),
    "on_request": _("shown only on a request approved by the team"),
    "skip": _("is passed over: the next official up handles the case"),  # prevention (issue 9)
    "warn": _("keeps the case, with a warning"),
}


@dataclass(frozen=True)
class PolicyKey:
    key: str
    kind: str  # "bool", "int" or "choice"
    options: tuple[str, ...] = ()
    limit: int = 0

    @property
    def label(self) -> str:
        return str(POLICY_LABELS.get(self.key, self.key))


def policy_keys() -> list[PolicyKey]:
    """Every key of the policy, its kind and its bounds, from the policy's own table."""
    return [
        PolicyKey(key.name, key.kind, options=key.options, limit=key.high)
        for key in policy_rules.KEYS.values()
    ]


def policy_value_label(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(POLICY_VALUE_LABELS.get(value, value)) if isinstance(value, str) else str(value)


@dataclass
class Inherited:
    value: Any
    source: Unit | None  # None: the built-in default

    def describe(self, label: str) -> str:
        if self.source is None:
            return str(_("Inherited: %(value)s (default)")) % {"value": label}
        return str(_("Inherited: %(value)s (from %(unit)s)")) % {"value": label, "unit": self.source.code}


def inherited_settings(parent: Unit | None) -> dict[str, Inherited]:
    """What a unit under ``parent`` gets for each setting it does not set itself, and from where."""
    # The chain above in one query (the parent's path holds the ids), nearest first.
    chain: list[Unit] = []
    if parent is not None:
        by_id = {u.pk: u for u in Unit.objects.filter(pk__in=parent.ancestor_ids())}
        chain = [by_id[pk] for pk in reversed(parent.ancestor_ids()) if pk in by_id]
    result: dict[str, Inherited] = {}
    for attr, default in (("timezone", DEFAULT_TIMEZONE), ("work_week", DEFAULT_WORK_WEEK)):
        source = next((u for u in chain if getattr(u, attr)), None)
        result[attr] = Inherited(getattr(source, attr) if source else default, source)
    for key, default in policy_rules.DEFAULTS.items():
        source = next((u for u in chain if key in (u.policy or {})), None)
        result[f"policy_{key}"] = Inherited(source.policy[key] if source else default, source)
    return result


# --- choosing a unit, a position or a person ---------------------------------------------------------


def unit_tree(units: Sequence[Unit] | None = None) -> list[tuple[Unit, int]]:
    """Units in tree order (each parent before its children, siblings by code), with their depth."""
    units = units if units is not None else list(Unit.objects.order_by("code"))
    children: dict[int | None, list[Unit]] = {}
    ids = {u.pk for u in units}
    for unit in units:
        children.setdefault(unit.parent_id if unit.parent_id in ids else None, []).append(unit)
    ordered: list[tuple[Unit, int]] = []
    stack = [(u, 0) for u in reversed(children.get(None, []))]
    seen: set[int] = set()
    while stack:
        unit, depth = stack.pop()
        if unit.pk in seen:
            continue
        seen.add(unit.pk)
        ordered.append((unit, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(unit.pk, [])))
    return ordered


class PickField(forms.Field):
    """A unit, position or person: a list to choose from, or a code to type when the list is long."""

    def __init__(
        self,
        *,
        queryset: QuerySet,
        key: str,
        what: str,
        choices: Any = None,
        empty_label: str = "",
        typed: bool = False,
        **kwargs: Any,
    ):
        self.queryset, self.key, self.what = queryset, key, what
        count = PICK_LIMIT + 1 if typed else queryset.count()
        if count <= PICK_LIMIT:
            options = list(choices(queryset)) if choices else [(getattr(o, key), str(o)) for o in queryset]
            widget: forms.Widget = forms.Select(choices=[("", empty_label or "—"), *options])
        else:
            widget = forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
        super().__init__(widget=widget, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return getattr(value, self.key, value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, self.queryset.model):
            return value
        value = (value or "").strip()
        if not value:
            return None
        found = self.queryset.filter(**{self.key: value}).first()
        if found is None:
            raise forms.ValidationError(
                _("There is no %(what)s “%(code)s”."), params={"what": self.what, "code": value}
            )
        return found


def unit_choices(queryset: QuerySet) -> list[tuple[str, str]]:
    return [(u.code, "\u2002" * depth + f"{u.name} ({u.code})") for u, depth in unit_tree(list(queryset))]


def position_choices(queryset: QuerySet) -> list[tuple[str, list[tuple[str, str]]]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for position in queryset.select_related("unit").order_by("unit__code", "code"):
        groups.setdefault(f"{position.unit.name} ({position.unit.code})", []).append(
            (position.code, f"{position.title} ({position.code})")
        )
    return list(groups.items())


def person_choices(queryset: QuerySet) -> list[tuple[str, str]]:
    return [(p.username, f"{p.display_name} ({p.username})") for p in queryset.order_by("name", "username")]


def unit_field(*, queryset: QuerySet | None = None, **kwargs: Any) -> PickField:
    return PickField(
        queryset=queryset if queryset is not None else Unit.objects.all(),
        key="code",
        what=str(_("unit")),
        choices=unit_choices,
        **kwargs,
    )


def position_field(**kwargs: Any) -> PickField:
    return PickField(
        queryset=Position.objects.all(),
        key="code",
        what=str(_("position")),
        choices=position_choices,
        **kwargs,
    )


def person_field(**kwargs: Any) -> PickField:
    return PickField(
        queryset=Person.objects.filter(is_active=True),
        key="username",
        what=str(_("person")),
        choices=person_choices,
        **kwargs,
    )


def date_field(**kwargs: Any) -> forms.DateField:
    return forms.DateField(
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


# --- the forms ----------------------------------------------------------------------------------------


class UnitForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        help_text=_("Letters, digits, '.', '_' and '-'; cannot be changed later."),
    )
    name = forms.CharField(label=_("Name"), max_length=255)

    def __init__(self, *args: Any, unit: Unit | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.unit = unit
        if unit is not None:
            del self.fields["code"]
        self.fields["parent"] = unit_field(
            # A unit cannot move under itself or under one of its own units: those are not offered.
            queryset=Unit.objects.exclude(path__startswith=unit.path)
            if unit is not None and unit.path
            else None,
            label=_("Parent unit"),
            required=False,
            empty_label=str(_("— none (top of the tree) —")),
            help_text=_("The unit this one belongs to; settings not set here are inherited from it."),
        )
        parent = self._parent_for_inheritance()
        self.inherited = inherited_settings(parent)
        for name, label, values, words in (
            ("timezone", _("Time zone"), TIMEZONES, timezone_label),
            ("work_week", _("Working week"), WORK_WEEKS, work_week_label),
        ):
            setting = self.inherited[name]
            self.fields[name] = forms.ChoiceField(
                label=label,
                required=False,
                choices=[("", _("Inherit: %(value)s") % {"value": words(setting.value)})]
                + [(value, words(value)) for value in values],
                help_text=setting.describe(words(setting.value)),
            )
        self.policy_keys = policy_keys()
        for spec in self.policy_keys:
            name = f"policy_{spec.key}"
            inherited = self.inherited[name]
            shown = policy_value_label(spec.key, inherited.value)
            inherit_option = ("", _("Inherit: %(value)s") % {"value": shown})
            if spec.kind == "bool":
                field: forms.Field = forms.ChoiceField(
                    choices=[inherit_option, ("true", _("yes")), ("false", _("no"))], required=False
                )
            elif spec.kind == "choice":
                field = forms.ChoiceField(
                    choices=[inherit_option, *((o, policy_value_label(spec.key, o)) for o in spec.options)],
                    required=False,
                )
            else:
                field = forms.IntegerField(
                    min_value=1,
                    max_value=spec.limit,
                    required=False,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                )
            field.label = spec.label
            field.help_text = inherited.describe(shown) + (
                ". " + str(_("Leave empty to inherit.")) if spec.kind == "int" else ""
            )
            self.fields[name] = field
        if unit is not None and not self.is_bound:
            self.initial.update(
                {
                    "name": unit.name,
                    "parent": unit.parent,
                    "timezone": unit.timezone or "",
                    "work_week": unit.work_week or "",
                }
            )
            for spec in self.policy_keys:
                if spec.key in (unit.policy or {}):
                    value = unit.policy[spec.key]
                    self.initial[f"policy_{spec.key}"] = (
                        ("true" if value else "false") if spec.kind == "bool" else value
                    )

    def _parent_for_inheritance(self) -> Unit | None:
        if self.unit is not None and not self.is_bound:
            return self.unit.parent
        code = self.data.get("parent") if self.is_bound else self.initial.get("parent")
        code = getattr(code, "code", code)
        return (
            Unit.objects.filter(code=code.strip()).first() if isinstance(code, str) and code.strip() else None
        )

    @property
    def setting_fields(self) -> list[forms.BoundField]:
        return [self["timezone"], self["work_week"]]

    @property
    def policy_fields(self) -> list[forms.BoundField]:
        return [self[f"policy_{spec.key}"] for spec in self.policy_keys]

    def policy(self) -> dict[str, Any]:
        """The overrides chosen (keys left to inherit are absent)."""
        chosen: dict[str, Any] = {}
        for spec in self.policy_keys:
            value = self.cleaned_data.get(f"policy_{spec.key}")
            if value in (None, ""):
                continue
            chosen[spec.key] = value == "true" if spec.kind == "bool" else value
        return chosen


class PositionForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        help_text=_("Letters, digits, '.', '_' and '-'; cannot be changed later."),
    )
    title = forms.CharField(label=pgettext_lazy("position", "Title"), max_length=255)

    def __init__(self, *args: Any, position: Position | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.position = position
        if position is not None:
            del self.fields["code"]
        self.fields["unit"] = unit_field(label=_("Unit"))
        self.fields["reports_to"] = position_field(
            label=_("Reports to"),
            required=False,
            empty_label=str(_("— nobody (top of the chain) —")),
            help_text=_("The position of the direct superior (atasan langsung); it may be in another unit."),
        )
        if position is not None and not self.is_bound:
            self.initial.update(
                {"title": position.title, "unit": position.unit, "reports_to": position.reports_to}
            )


class PersonForm(forms.Form):
    username = forms.CharField(
        label=_("User name"), max_length=150, help_text=_("Used to sign in; cannot be changed later.")
    )
    name = forms.CharField(label=_("Full name"), max_length=255)
    email = forms.EmailField(label=_("E-mail address"), required=False, max_length=254)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("id", "Bahasa Indonesia"), ("en", "English")], initial="id"
    )
    is_admin = forms.BooleanField(
        label=_("Administrator (manages the organisation; sees no case content)"), required=False
    )
    is_active = forms.BooleanField(label=_("Active (may sign in)"), required=False, initial=True)

    def __init__(self, *args: Any, person: Person | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if person is not None:
            del self.fields["username"]
            if not self.is_bound:
                self.initial.update(
                    {
                        "name": person.name,
                        "email": person.email,
                        "language": person.language,
                        "is_admin": person.is_admin,
                        "is_active": person.is_active,
                    }
                )


class PasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not a common word, not like the name or e-mail address."),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, person: Person, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.person = person

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            problem = password_problem(
                first, username=self.person.username, name=self.person.name, email=self.person.email
            )
            if problem is not None:
                self.add_error("password1", problem.text)
        return data


class HoldingForm(forms.Form):
    start = date_field(label=_("From"))
    end = date_field(
        label=_("Until (optional)"), required=False, help_text=_("The last day; empty: until further notice.")
    )
    acting = forms.BooleanField(label=_("Acting holder (Plt)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields = {"position": position_field(label=_("Position")), **self.fields}


class HoldingEndForm(forms.Form):
    end = date_field(label=_("Last day"))


class TeamAddForm(forms.Form):
    """Add one person by user name (the search above the form lists the people of the unit)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["person"] = PickField(
            queryset=Person.objects.filter(is_active=True, is_admin=False),
            key="username",
            what=str(_("person")),
            choices=None,
            label=_("User name of the person to add"),
            help_text=_("An active member of staff who is not an administrator."),
            typed=True,
        )


class TeamSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a person of this unit or the units below it"),
        max_length=100,
        required=False,
        help_text=_("Part of a name or user name."),
    )


class HolidayForm(forms.Form):
    date = date_field(label=_("Date"))
    name = forms.CharField(
        label=pgettext_lazy("holiday", "Name"),
        max_length=255,
        help_text=_("For example: Hari Jadi Kabupaten, or a late joint-leave decree."),
    )
    scope = forms.ChoiceField(
        label=pgettext_lazy("holiday", "For"),
        choices=[("unit", _("this unit and the units below it")), ("all", _("the whole deployment"))],
        initial="unit",
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Org import file (Excel workbook or JSON)"),
        help_text=_(
            "An Excel workbook (.xlsx) made from the template, or a JSON file: units, positions, people, "
            "teams and added days off."
        ),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,.json,application/json,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )


class CalendarPickForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields = {"unit": unit_field(label=_("Unit")), **self.fields}
