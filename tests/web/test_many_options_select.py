"""The unit filter's select writes its options directly (a province has 10,000 units): the same
HTML as Django's own select, escaped, with the chosen option selected."""

from __future__ import annotations

import re

from django import forms

from integritas.web.forms_staff import TeamFilterForm


def _normal(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def test_unit_select_is_djangos_select_written_faster():
    units = [("SMP-01", 'SMP "Satu" <1> & Co'), ("B&1", "B'")]
    form = TeamFilterForm({"unit": "B&1"}, units=units, states=[("closed", "Closed")])
    assert form.is_valid()
    fast = str(form["unit"])
    form.fields["unit"].widget = forms.Select(choices=form.fields["unit"].choices)
    assert _normal(fast) == _normal(str(form["unit"]))
    assert '<option value="B&amp;1" selected>B&#x27;</option>' in fast
    assert "<1>" not in fast
