"""Rows read with all their fields made into model instances without ``Model.__init__``'s generic work.

A model that lists :class:`QuickLoad` first among its bases gets its instances from a query that reads
every field (no ``only``/``defer``) by setting the fields' values in the instance's dictionary, as
``Model.__init__`` with positional values does (each field's attribute is a plain one, or a foreign
key's id, which has nothing to forget on a new instance), then marking it loaded from ``db``, as
``Model.from_db`` does. The sweep reads a few thousand people, positions, holdings, units and cases per
batch; this is a good part of its reads' cost. Anything else (deferred fields, a model with an
``__init__`` of its own or a field with another descriptor, init signal receivers) goes through
``Model.from_db``.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

_PLANS: dict[type, tuple[str, ...] | None] = {}


def _plan(model: type[models.Model]) -> tuple[str, ...] | None:
    """The attribute names of the concrete fields in order, when plain attributes hold them all."""
    if model.__init__ is not models.Model.__init__:
        return None
    names = []
    for field in model._meta.concrete_fields:
        descriptor = model.__dict__.get(field.attname)
        if descriptor is None:
            for base in model.__mro__:
                if field.attname in base.__dict__:
                    descriptor = base.__dict__[field.attname]
                    break
        if type(descriptor) not in (DeferredAttribute, ForeignKeyDeferredAttribute):
            return None
        names.append(field.attname)
    return tuple(names)


class QuickLoad:
    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Any:
        if cls in _PLANS:
            plan = _PLANS[cls]
        else:
            plan = _PLANS[cls] = _plan(cls)  # type: ignore[arg-type]
        if (
            plan is None
            or len(values) != len(plan)
            or (pre_init.receivers and pre_init.has_listeners(cls))
            or (post_init.receivers and post_init.has_listeners(cls))
        ):
            return super().from_db(db, field_names, values)  # type: ignore[misc]
        new = cls.__new__(cls)
        state = new._state = ModelState()  # type: ignore[attr-defined]
        new.__dict__.update(zip(plan, values, strict=True))
        state.adding, state.db = False, db
        return new
