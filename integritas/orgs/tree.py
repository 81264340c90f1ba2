"""Resolving the unit tree: materialised paths and the settings in force, computed top-down in memory.

``Unit.save()`` resolves one unit from its parent and calls :func:`refresh_subtree` when what is in
force there changed; the bulk services call :func:`resolve` over every unit they touched (one query to
read the tree, one bulk update for the rows whose values moved).
"""

from __future__ import annotations

from collections.abc import Iterable

from integritas.orgs import bulk
from integritas.orgs.models import DERIVED_FIELDS, Unit


def order_top_down(units: Iterable[Unit]) -> list[Unit]:
    """Each unit after its parent (units whose parent is not in the list come first)."""
    units = list(units)
    by_id = {u.pk: u for u in units}
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in by_id else None
        children.setdefault(parent, []).append(unit)
    ordered: list[Unit] = []
    stack = list(reversed(children.get(None, [])))
    seen: set[int] = set()
    while stack:
        unit = stack.pop()
        if unit.pk in seen:
            continue
        seen.add(unit.pk)
        ordered.append(unit)
        stack.extend(reversed(children.get(unit.pk, [])))
    return ordered


def resolve(units: Iterable[Unit], *, outside: dict[int, Unit] | None = None) -> list[Unit]:
    """Resolve ``units`` top-down; parents not among them are looked up in ``outside`` (already
    resolved). Returns the units whose path or resolved values changed (to be saved)."""
    ordered = order_top_down(units)
    known: dict[int, Unit] = dict(outside or {})
    changed: list[Unit] = []
    for unit in ordered:
        parent = known.get(unit.parent_id) if unit.parent_id else None
        if unit.resolve_from(parent):
            changed.append(unit)
        known[unit.pk] = unit
    return changed


def save_resolved(units: list[Unit]) -> None:
    if units:
        bulk.update(units, sorted(DERIVED_FIELDS))
        follow_tallies(units)


def follow_tallies(units: Iterable[Unit]) -> None:
    """After units moved or changed time zone (saved): the monitoring tallies of every unit above them
    before and after, and of the units themselves, counted again from the cases
    (``cases.tallies.rebuild``, in the caller's transaction). That includes the root: at 1M cases it
    reads every case (about a minute, see BENCHMARKS.md); organisation edits are rare."""
    anchors: set[int] = set()
    for unit in units:
        if unit.placed_before:
            for path in (unit.placed_before, unit.path):
                anchors.update(int(part) for part in path.strip("/").split("/") if part)
            unit.placed_before = None
    if anchors:
        from integritas.cases import tallies

        tallies.rebuild(sorted(anchors))


def refresh_subtree(unit: Unit, *, old_path: str) -> None:
    """After ``unit`` changed (moved, or a setting in force changed): the units below it follow."""
    below = list(Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).order_by("path"))
    if not below:
        return
    save_resolved(resolve(below, outside={unit.pk: unit}))


def resolve_everything() -> int:
    """Recompute every unit (data migration, repair). Returns how many rows changed."""
    units = list(Unit.objects.all())
    changed = resolve(units)
    save_resolved(changed)
    return len(changed)
