"""Units, positions, people holding positions over time, teams and added holidays."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from integritas.orgs import policy as policy_rules

TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
WORK_WEEKS = {"mon-fri": (0, 1, 2, 3, 4), "mon-sat": (0, 1, 2, 3, 4, 5)}


class Unit(models.Model):
    """A node of the institution tree: ministry, inspectorate, district office, school."""

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

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def ancestors(self, include_self: bool = True) -> list[Unit]:
        """From this unit (or its parent) up to the root."""
        chain: list[Unit] = []
        node: Unit | None = self if include_self else self.parent
        seen: set[int] = set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return chain

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def _inherited(self, attr: str, default: Any) -> Any:
        for unit in self.ancestors():
            value = getattr(unit, attr)
            if value:
                return value
        return default

    @property
    def effective_timezone(self) -> str:
        return self._inherited("timezone", "Asia/Jakarta")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.effective_timezone)

    @property
    def effective_work_week(self) -> str:
        return self._inherited("work_week", "mon-fri")

    @property
    def working_weekdays(self) -> tuple[int, ...]:
        return WORK_WEEKS[self.effective_work_week]

    @property
    def effective_policy(self) -> dict[str, Any]:
        merged = dict(policy_rules.DEFAULTS)
        for unit in reversed(self.ancestors()):
            merged.update(unit.policy or {})
        return merged

    def compute_path(self) -> str:
        return "/" + "/".join(str(u.pk) for u in reversed(self.ancestors())) + "/"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        path = self.compute_path()
        if path != self.path:
            old = self.path
            self.path = path
            Unit.objects.filter(pk=self.pk).update(path=path)
            if old:
                # Moving a unit moves its subtree.
                for child in Unit.objects.filter(path__startswith=old).exclude(pk=self.pk):
                    Unit.objects.filter(pk=child.pk).update(path=path + child.path[len(old) :])


class Person(AbstractUser):
    """A member of staff (or an administrator). Reporters are not accounts."""

    name = models.CharField(max_length=255, blank=True)
    language = models.CharField(max_length=8, default="id")
    is_admin = models.BooleanField(
        default=False, help_text="Manages the organisation; reads no case content."
    )
    # TOTP secret sealed with the master key; the last accepted time step refuses replays.
    totp_sealed = models.BinaryField(null=True, blank=True)
    totp_enabled = models.BooleanField(default=False)
    totp_last_counter = models.BigIntegerField(default=-1)

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.username


class Position(models.Model):
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


class Holding(models.Model):
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


class TeamMembership(models.Model):
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
