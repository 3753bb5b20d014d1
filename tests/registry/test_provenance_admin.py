"""The admin finds networks and funders by their other names, and an assumed funder of a
project must say why."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from networks.models import Network
from projects.models import ProjectFunder
from registry.models import Basis, Funder
from tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    user = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(user)
    return client


def test_the_autocomplete_finds_a_network_and_a_funder_by_another_name(superuser_client):
    Network.objects.create(
        name="Nordic City Network", slug="nordic", other_names="Nordic Cities Network"
    )
    Funder.objects.create(
        name="ICLD", slug="icld", other_names="Internationellt Centrum för Lokal Demokrati"
    )
    # The project form's networks field, and its funders' inline.
    asked = [("project", "networks", "Cities Network"), ("projectfunder", "funder", "Demokrati")]
    found = []
    for model_name, field_name, term in asked:
        response = superuser_client.get(
            "/admin/autocomplete/",
            {"term": term, "app_label": "projects", "model_name": model_name,
             "field_name": field_name},
        )
        assert response.status_code == 200
        found.append([row["text"] for row in response.json()["results"]])
    assert found == [["Nordic City Network"], ["ICLD"]]


def test_an_assumed_funder_without_a_reason_is_refused():
    funder = Funder.objects.create(name="British Council", slug="british-council")
    link = ProjectFunder(project=make_project(), funder=funder, basis=Basis.ASSUMED)
    with pytest.raises(ValidationError) as error:
        link.full_clean()
    assert "basis_note" in error.value.message_dict
