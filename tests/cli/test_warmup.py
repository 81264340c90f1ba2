"""A server process loads the app with the per-process tables ready (integritas.warmup)."""

from __future__ import annotations

import gc

import pytest
from django.utils import timezone

from integritas.orgs.calendar import national_days
from integritas.security import uploads
from integritas.warmup import warm_up


@pytest.mark.django_db
def test_warm_up_computes_the_upload_limit_and_this_and_next_years_holidays(org):
    uploads.forget_limits()
    national_days.cache_clear()
    org.school.policy = {**org.school.policy, "max_upload_mb": 64}
    org.school.save()

    warm_up()

    assert uploads._cache is not None and uploads._cache[1] == 64 * 1024 * 1024
    assert national_days.cache_info().currsize == 4  # id and en, this year and the next
    year = timezone.now().year
    national_days(year + 1, "id")
    assert national_days.cache_info().hits >= 1
    uploads.forget_limits()


@pytest.mark.django_db
def test_warm_up_keeps_what_it_loaded_out_of_the_collectors_reach():
    """A full collection afterwards scans only the objects made since the app was loaded."""
    gc.unfreeze()
    try:
        warm_up()
        frozen = gc.get_freeze_count()
        assert frozen > 50_000  # Django, the application and its URLconf
        gc.collect()  # a full collection leaves them where they are
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()  # (the test process collects as before)
