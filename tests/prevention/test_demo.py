"""`integritas demo` shows each part of prevention working: declarations with gaps in compliance, a
gratification report, a self-declaration awaiting a measure, an agenda with a warning and a recusal,
a small risk map; loading it again adds nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from integritas.demo import load_demo
from integritas.orgs.models import Person, Unit
from integritas.prevention import agendas, declarations, selectors
from integritas.prevention.models import (
    Agenda,
    Declaration,
    Gratification,
    RiskRating,
    SelfDeclaration,
)

pytestmark = pytest.mark.django_db


def test_the_demo_loads_every_part_of_prevention_once():
    text = load_demo()
    assert "Prevention (SOP part C)" in text
    school = Unit.objects.get(code="SMPN1-MEJAYAN")
    team = Person.objects.get(username="endang.lestari")
    report = declarations.compliance(unit=school, year=timezone.now().year, viewer=team)
    missing = {p.username for p in report.missing}
    assert report.filed >= 5 and {"wahyu.hidayat", "joko.susilo", "nur.aini"} <= missing

    assert Gratification.objects.filter(status="reported").count() == 1
    assert Gratification.objects.filter(status="settled").count() == 1
    (item,) = SelfDeclaration.objects.all()
    assert item.decision_suspended and item.handler_person.username == "sri.rahayu"

    (agenda,) = Agenda.objects.all()
    view = agendas.agenda_view(agenda, team)
    assert {w["username"] for w in view["warnings"]} == {"sri.rahayu", "eko.purnomo"}
    statements = [s for i in view["items"] for s in i["statements"]]
    assert any(s["conflict"] and s["username"] == "sri.rahayu" and s["reason"] for s in statements)

    rows = selectors.risk_map(school)
    assert len(rows) == 5 and rows[0].position_code == "PPDB-SMPN1" and rows[0].level == "very_high"

    before = (
        Declaration.objects.count(),
        Gratification.objects.count(),
        Agenda.objects.count(),
        RiskRating.objects.count(),
    )
    load_demo()
    after = (
        Declaration.objects.count(),
        Gratification.objects.count(),
        Agenda.objects.count(),
        RiskRating.objects.count(),
    )
    assert after == before
