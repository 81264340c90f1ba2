"""The COI risk map (SPEC §6): the team rates each position and kind of decision (likelihood × impact,
1–5 each) with a mitigation and a review date; monitoring reads it through ``selectors.risk_map``."""

from __future__ import annotations

import datetime as dt

import pytest

from integritas.errors import Forbidden, Invalid, NotFound
from integritas.prevention import riskmap, selectors
from integritas.prevention.models import RiskRating

pytestmark = pytest.mark.django_db


def rate(org, actor=None, **overrides):
    data = {
        "position": org.p_principal.code,
        "decision_kind": "procurement",
        "likelihood": 4,
        "impact": 5,
        "mitigation": "Panitia pengadaan terpisah; deklarasi kepentingan penyedia.",
        "review_on": "2099-06-30",
    }
    data.update(overrides)
    return riskmap.risk_rate(actor=actor or org.school_team, data=data)


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (1, "low"),
        (4, "low"),
        (5, "medium"),
        (9, "medium"),
        (10, "high"),
        (14, "high"),
        (15, "very_high"),
        (25, "very_high"),
    ],
)
def test_levels(score, level):
    assert riskmap.level_of(score) == level


def test_the_team_rates_and_rates_again(org):
    first = rate(org)
    assert first.score == 20 and first.unit == org.school
    again = rate(org, likelihood=2, impact=3)
    assert again.pk == first.pk and RiskRating.objects.count() == 1 and again.score == 6
    rate(org, position=org.p_teacher.code, decision_kind="grading", likelihood=3, impact=2)
    rate(
        org,
        actor=org.district_team,
        position=org.p_kabid.code,
        decision_kind="staffing",
        likelihood=5,
        impact=5,
    )
    school = selectors.risk_map(org.school, today=dt.date(2026, 8, 1))
    assert [(r.position_code, r.decision_kind, r.score, r.level) for r in school] == [
        ("GURU", "grading", 6, "medium"),
        ("KS", "procurement", 6, "medium"),
    ]
    district = selectors.risk_map(org.district, today=dt.date(2026, 8, 1))
    assert district[0].position_code == "KABID" and district[0].level == "very_high"
    assert selectors.heat_counts(district) == {(5, 5): 1, (3, 2): 1, (2, 3): 1}
    assert all(not r.review_due for r in district)
    assert all(r.review_due for r in selectors.risk_map(org.district, today=dt.date(2099, 6, 30)))


def test_only_the_team_of_the_unit_or_above_keeps_it(org):
    for person in (org.principal, org.teacher, org.outsider):
        with pytest.raises(Forbidden):
            rate(org, actor=person)
    with pytest.raises(Forbidden):
        rate(org, actor=org.school_team, position=org.p_kabid.code)
    rating = rate(org)
    assert riskmap.get_rating_for(org.district_team, rating.pk) == rating
    with pytest.raises(NotFound):
        riskmap.get_rating_for(org.principal, rating.pk)
    riskmap.risk_remove(rating=rating, actor=org.district_team)
    assert not RiskRating.objects.exists()


def test_bad_ratings_name_every_field(org):
    with pytest.raises(Invalid) as caught:
        rate(org, position="NOPE", decision_kind="bribes", likelihood=0, impact=6, review_on="2020-01-01")
    assert {k: p.code for k, p in caught.value.fields.items()} == {
        "position": "unknown_code",
        "decision_kind": "choice",
        "likelihood": "value_out_of_range",
        "impact": "value_out_of_range",
        "review_on": "date_in_past",
    }
    with pytest.raises(Invalid) as caught:
        rate(org, likelihood="4", mitigation=5)
    assert {k: p.code for k, p in caught.value.fields.items()} == {
        "likelihood": "not_integer",
        "mitigation": "not_text",
    }
    assert not RiskRating.objects.exists()
