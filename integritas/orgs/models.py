"""Units, positions, people holding positions over time, teams and added holidays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from integritas.orgs import policy as policy_rules
from integritas.quickload import QuickLoad

TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
WORK_WEEKS = {"mon-fri": (0, 1, 2, 3, 4), "mon-sat": (0, 1, 2, 3, 4, 5)}
DEFAULT_TIMEZONE = "Asia/Jakarta"
DEFAULT_WORK_WEEK = "mon-fri"
# Saving one of these re-resolves the unit (and the units below it).
RESOLVING_FIELDS = {"parent", "timezone", "work_week", "policy"}
DERIVED_FIELDS = {"path", "resolved_timezone", "resolved_work_week", "resolved_policy"}


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


class Unit(QuickLoad, models.Model):
    """A node of the institution tree: ministry, inspectorate, district office, school.

    Time zone, working week and policy are inherited down the tree unless a unit sets its own. What is
    in force is resolved when units change and stored on the row (``resolved_*``), together with the
    materialised path, so reading a unit's zone, week or policy never walks up the tree.
    """

    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Own settings; None / missing keys mean "inherit from the parent".
    timezone = models.CharField(max_length=64, null=True, blank=True)
    work_week = models.CharField(max_length=16, null=True, blank=True)
    policy = models.JSONField(default=dict, blank=True)
    # Materialised path of ids ("/1/4/9/") so a subtree is one indexed prefix filter.
    path = models.CharField(max_length=1024, db_index=True, default="", editable=False)
    # In force here (own value, or the nearest one above, or the default); kept up to date by save()
    # and by the bulk services (orgs.tree).
    # (Database defaults too: rows written without them, e.g. by an older migration state, stay valid.)
    resolved_timezone = models.CharField(
        max_length=64, default=DEFAULT_TIMEZONE, db_default=DEFAULT_TIMEZONE, editable=False
    )
    resolved_work_week = models.CharField(
        max_length=16, default=DEFAULT_WORK_WEEK, db_default=DEFAULT_WORK_WEEK, editable=False
    )
    # The policy keys set on this unit or above it (defaults excluded, so a new default applies at once).
    resolved_policy = models.JSONField(default=dict, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def ancestors(self, include_self: bool = True) -> list[Unit]:
        """From this unit (or its parent) up to the root, as instances (one query per level)."""
        chain: list[Unit] = []
        node: Unit | None = self if include_self else self.parent
        seen: set[int] = set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return chain

    # The path before a move or a change of time zone not yet carried to the tallies (not a column).
    placed_before: str | None = None

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit, read from the path (no query)."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    @property
    def effective_timezone(self) -> str:
        return self.resolved_timezone or DEFAULT_TIMEZONE

    @property
    def tz(self) -> ZoneInfo:
        return _zone(self.effective_timezone)

    @property
    def effective_work_week(self) -> str:
        return self.resolved_work_week or DEFAULT_WORK_WEEK

    @property
    def working_weekdays(self) -> tuple[int, ...]:
        return WORK_WEEKS.get(self.effective_work_week, WORK_WEEKS[DEFAULT_WORK_WEEK])

    @property
    def effective_policy(self) -> dict[str, Any]:
        """The policy in force as a plain dict (every key). Prefer :attr:`policy_in_force`."""
        return {**policy_rules.DEFAULTS, **(self.resolved_policy or {})}

    @property
    def policy_in_force(self) -> policy_rules.Policy:
        return policy_rules.Policy.of(self.resolved_policy or {})

    def resolve_from(self, parent: Unit | None) -> bool:
        """Set path and resolved values from the parent's (already resolved); True if any changed."""
        before = (self.path, self.resolved_timezone, self.resolved_work_week, self.resolved_policy)
        if parent is None:
            self.path = f"/{self.pk}/" if self.pk else ""
            self.resolved_timezone = self.timezone or DEFAULT_TIMEZONE
            self.resolved_work_week = self.work_week or DEFAULT_WORK_WEEK
            self.resolved_policy = policy_rules.merged([self.policy or {}])
        else:
            self.path = f"{parent.path}{self.pk}/" if self.pk else ""
            self.resolved_timezone = self.timezone or parent.resolved_timezone or DEFAULT_TIMEZONE
            self.resolved_work_week = self.work_week or parent.resolved_work_week or DEFAULT_WORK_WEEK
            self.resolved_policy = policy_rules.merged([parent.resolved_policy or {}, self.policy or {}])
        if before[0] and (before[0], before[1]) != (self.path, self.resolved_timezone):
            # Moved, or another time zone: the monitoring tallies of the units above it before and
            # after are counted again when it is saved (``tree.follow_tallies``).
            self.placed_before = self.placed_before or before[0]
        return before != (self.path, self.resolved_timezone, self.resolved_work_week, self.resolved_policy)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, resolve what is in force here, and carry a change down to the units below."""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and not set(update_fields) & RESOLVING_FIELDS:
            super().save(*args, **kwargs)
            return
        old_path = self.path
        parent = self.parent if self.parent_id else None
        if self.pk is None:
            super().save(*args, **kwargs)
            kwargs.pop("force_insert", None)
        changed = self.resolve_from(parent)
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | DERIVED_FIELDS
        super().save(*args, **kwargs)
        if changed and old_path:
            from integritas.orgs.tree import follow_tallies, refresh_subtree

            refresh_subtree(self, old_path=old_path)
            follow_tallies([self])


class Person(QuickLoad, AbstractUser):
    """A member of staff (or an administrator). Reporters are not accounts.

    Separation of duties: an administrator holds no position and sits on no team, and a holder or
    team member is not made an administrator (``orgs.services`` refuses both).
    """

    name = models.CharField(max_length=255, blank=True)
    language = models.CharField(max_length=8, default="id")
    is_admin = models.BooleanField(
        default=False, help_text="Manages the organisation; reads no case content."
    )
    # TOTP secret sealed with the master key; the last accepted time step refuses replays.
    totp_sealed = models.BinaryField(null=True, blank=True)
    totp_enabled = models.BooleanField(default=False)
    totp_last_counter = models.BigIntegerField(default=-1)
    # Raised when every session of the account must end (password reset, deactivation): it is part of
    # the hash each web session carries, so sessions signed before no longer match.
    session_epoch = models.PositiveIntegerField(default=0, db_default=0)

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]
        indexes = [
            # Intake finds a person by e-mail address whatever its case (``email__iexact``).
            models.Index(Upper("email"), name="person_email_upper"),
            # The few inactive accounts: declarations compliance counts the holders of a subtree from
            # the holdings alone, less these (``prevention.declarations.compliance_figures``).
            models.Index(fields=["id"], name="person_inactive", condition=Q(is_active=False)),
        ]

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.username

    def _session_hash(self, secret: str | bytes | None) -> str:
        salt = "integritas.orgs.Person.session"
        value = f"{self.password}:{self.session_epoch}"
        return salted_hmac(salt, value, secret=secret, algorithm="sha256").hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._session_hash(None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for fallback in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(fallback)


class Position(QuickLoad, models.Model):
    """A jabatan in a unit; reports_to may cross into another unit."""

    code = models.CharField(max_length=64, unique=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="positions")
    title = models.CharField(max_length=255)
    reports_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="subordinates"
    )

    class Meta:
        ordering = ["unit__code", "code"]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"

    def holders_on(self, day: dt.date) -> list[Person]:
        return [
            h.person for h in Holding.objects.active_on(day).filter(position=self).select_related("person")
        ]


class HoldingQuerySet(models.QuerySet["Holding"]):
    def active_on(self, day: dt.date) -> HoldingQuerySet:
        return self.filter(Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gte=day)))


class Holding(QuickLoad, models.Model):
    """A person holds a position from start to end (inclusive); acting holders (Plt) allowed."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="holdings")
    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="holdings")
    start = models.DateField(default=dt.date(2000, 1, 1))
    end = models.DateField(null=True, blank=True)
    acting = models.BooleanField(default=False)

    objects = HoldingQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["position", "start"]), models.Index(fields=["person", "start"])]

    def __str__(self) -> str:
        return f"{self.person} → {self.position.code}"


class TeamMembership(QuickLoad, models.Model):
    """Membership of the COI handling team (Tim Penanganan Benturan Kepentingan) of a unit."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="team_memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="team_memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "person"], name="unique_team_member")]

    def __str__(self) -> str:
        return f"{self.person} in team {self.unit.code}"


class Holiday(models.Model):
    """A day off added by an administrator: for the whole deployment (unit null) or one unit and below."""

    date = models.DateField(db_index=True)
    name = models.CharField(max_length=255)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="holidays")

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["date", "unit"], name="unique_unit_holiday"),
            models.UniqueConstraint(
                fields=["date"], condition=Q(unit__isnull=True), name="unique_deployment_holiday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class ApiToken(models.Model):
    """A bearer token for the API; only its hash is stored."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)


class ChangeSet(models.Model):
    """One write to the organisation (a page's form, an API call, an import run, an approval).

    Its changes are the rows of :class:`OrgChange`; one audit entry ``org.changed`` records the
    change set with the counts and a SHA-256 digest of its rows, so the audit chain vouches for them.
    """

    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    via = models.CharField(max_length=16)  # page, api, import, approval, demo
    counts = models.JSONField(default=dict)
    digest = models.CharField(max_length=64, blank=True)
    audit_seq = models.PositiveBigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"change set {self.pk} by {self.actor} via {self.via}"


class OrgChange(models.Model):
    """One change: ``kind`` (e.g. ``unit_created``), the key of what changed, and its fields
    (the values of something created, ``[old, new]`` of something changed)."""

    change_set = models.ForeignKey(ChangeSet, on_delete=models.PROTECT, related_name="changes")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=32)
    key = models.CharField(max_length=255)
    unit_code = models.CharField(max_length=64, blank=True)
    fields = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["change_set_id", "seq"]
        indexes = [models.Index(fields=["unit_code", "change_set"], name="orgchange_unit")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class PendingKind(models.TextChoices):
    TEAM_ADD = "team_add", _("Join a team")
    TEAM_REMOVE = "team_remove", _("Leave a team")
    PASSWORD = "password", _("New password")


class PendingState(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class PendingChange(models.Model):
    """A change an administrator asked for that gives someone access to cases: it takes effect only
    when a second person approves it (a member of the team concerned or of a team above it; another
    administrator where no such team member exists). See SECURITY.md, "Separation of duties"."""

    kind = models.CharField(max_length=16, choices=PendingKind.choices)
    state = models.CharField(max_length=16, choices=PendingState.choices, default=PendingState.PENDING)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="pending_changes")
    # A new password is kept only as its hash (the same form the account will store).
    password_hash = models.CharField(max_length=255, blank=True)
    # The administrator who asked (null when the org import ran from the command line).
    requested_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by_name = models.CharField(max_length=150)
    requested_at = models.DateTimeField()
    via = models.CharField(max_length=16)
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["state", "unit"], name="pending_state_unit")]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id} ({self.state})"
