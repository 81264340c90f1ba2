import pytest

from integritas.orgs.models import Person
from tests.cases.chain import NAMES


@pytest.fixture
def org(db):
    """The factory org with real names, so that a leaked name is easy to spot."""
    from tests.factories import make_org

    built = make_org()
    for username, name in NAMES.items():
        Person.objects.filter(username=username).update(name=name)
    for attr in (
        "teacher",
        "vice",
        "principal",
        "kabid",
        "kadis",
        "school_team",
        "district_team",
        "outsider",
        "admin",
    ):
        getattr(built, attr).refresh_from_db()
    return built
