"""Identity on request (policy ``identity_disclosure: on_request``): who may ask, who decides; the
pages and the API both ask ``identity.may_request`` / ``may_decide`` (through
``access.available_actions``) and the services enforce the same rules."""

from __future__ import annotations

import pytest

from integritas.cases import access, identity, services
from integritas.cases.access import Action
from integritas.cases.models import IdentityRequest, Via
from integritas.errors import Forbidden, WrongState
from tests.cases.chain import NOW, in_examination
from tests.factories import reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_request(org):
    org.school.policy = {"identity_disclosure": "on_request"}
    org.school.save()
    return org


def test_a_handler_may_ask_once_until_decided(on_request):
    org = on_request
    case = in_examination(org)
    assert identity.may_request(org.vice, case)
    assert Action.REQUEST_IDENTITY in access.available_actions(org.vice, case)
    # The team sees the identity already; others are no handlers.
    for person in (org.school_team, org.principal, org.outsider):
        assert not identity.may_request(person, case)
    item = identity.identity_request(
        case=case, actor=org.vice, reason="Perlu klarifikasi", via=Via.API, now=NOW
    )
    assert not identity.may_request(org.vice, case)
    assert Action.REQUEST_IDENTITY not in access.available_actions(org.vice, case)
    with pytest.raises(WrongState) as twice:
        identity.identity_request(case=case, actor=org.vice, reason="Lagi", via=Via.API, now=NOW)
    assert twice.value.code == "identity_request_exists"
    # A rejected request may be made again.
    identity.identity_decide(
        case=case,
        actor=org.school_team,
        request=item,
        approve=False,
        note="Belum perlu",
        via=Via.API,
        now=NOW,
    )
    assert identity.may_request(org.vice, case)


def test_the_team_decides_never_on_its_own_request(on_request):
    org = on_request
    case = in_examination(org)
    item = identity.identity_request(case=case, actor=org.vice, reason="Klarifikasi", via=Via.API, now=NOW)
    assert identity.may_decide(org.school_team, case) and identity.may_decide(org.district_team, case)
    assert not identity.may_decide(org.vice, case)
    with pytest.raises(Forbidden) as refused:
        identity.identity_decide(case=case, actor=org.vice, request=item, approve=True, via=Via.API, now=NOW)
    assert refused.value.params["reason"] == "team_only"
    identity.identity_decide(
        case=case, actor=org.school_team, request=item, approve=True, via=Via.API, now=NOW
    )
    assert IdentityRequest.objects.get(pk=item.pk).state == "approved"
    assert identity.may_see_identity(org.vice, reload(case))
    with pytest.raises(WrongState) as decided:
        identity.identity_decide(case=case, actor=org.district_team, request=item, approve=False, via=Via.API)
    assert decided.value.code == "identity_request_decided"


def test_nothing_to_ask_where_the_identity_is_not_withheld(org):
    case = in_examination(org)
    assert not identity.may_request(org.vice, case) and not identity.may_decide(org.school_team, case)
    with pytest.raises(WrongState) as refused:
        identity.identity_request(case=case, actor=org.vice, reason="x", via=Via.API, now=NOW)
    assert refused.value.code == "identity_not_withheld"


def test_the_pages_ask_for_the_statement_first(on_request):
    org = on_request
    case = in_examination(org)
    with pytest.raises(WrongState) as refused:
        identity.identity_request(case=case, actor=org.vice, reason="x", via=Via.WEB, now=NOW)
    assert refused.value.code == "confirm_no_conflict"
    services.case_confirm_no_conflict(case=case, actor=org.vice, via=Via.WEB, now=NOW)
    identity.identity_request(case=case, actor=org.vice, reason="x", via=Via.WEB, now=NOW)


def test_nobody_sees_the_identity_before_stating_no_conflict_team_members_included(org):
    """New-user finding 12.12: the rule is the services' (both edges call them), not only the page's."""
    from integritas.cases import identity, presenters, services
    from integritas.cases.models import Via
    from tests.cases.chain import in_review

    case = in_review(org)
    for person in (org.school_team, org.district_team, org.principal):
        assert not identity.may_see_identity(person, case)
        assert presenters.detail(case, person)["reporter"] == {"withheld": True}
        services.case_confirm_no_conflict(case=case, actor=person, via=Via.WEB)
        assert identity.may_see_identity(person, case)
        assert presenters.detail(case, person)["reporter"]["name"] == "Siti Aminah"
