"""The unit filter's select of "my cases" writes its options directly: the same HTML as Django's own
select, escaped, with the chosen option selected. (The team list types its unit instead:
tests/web/test_team_unit_filter.py.)"""

from __future__ import annotations

import re

from django import forms

from integritas.web.forms_staff import CaseFilterForm


def _normal(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def test_unit_select_is_djangos_select_written_faster():
    units = [("SMP-01", 'SMP "Satu" <1> & Co'), ("B&1", "B'")]
    form = CaseFilterForm({"unit": "B&1"}, units=units, states=[("closed", "Closed")])
    assert form.is_valid()
    fast = str(form["unit"])
    form.fields["unit"].widget = forms.Select(choices=form.fields["unit"].choices)
    assert _normal(fast) == _normal(str(form["unit"]))
    assert '<option value="B&amp;1" selected>B&#x27;</option>' in fast
    assert "<1>" not in fast
