"""/api/: the project list answers exactly as /projects/ for the same parameters, each
project and each kind of reference data is a resource, bad input is a 400 or 404 and never a
500, and responses carry ETag and Last-Modified."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from projects import project_index
from projects.models import FunderReference, Grant, Picture, Project, Result
from projects.pictures import process
from registry.models import Funder
from tests.factories import make_organisation
from tests.list_helpers import get_list, listed_slugs
from tests.projects.open_data_helpers import make_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    data = make_registry()
    project_index.forget()
    return data


def api_slugs(client, query=""):
    response = client.get(f"/api/projects/?{query}")
    assert response.status_code == 200, response.content
    return [record["slug"] for record in response.json()["results"]]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "municipality=norrkoping",
        "goal=11",
        "goal=4&goal=6",
        "country=ke",
        "country=LV&country=DE",
        "funder=sida",
        "network=nordic-city-network",
        "status=ongoing",
        "status=completed&status=planned",
        "type=school_partnership",
        "active_in=2020",
        "partner=rezekne",
        "q=water",
        "sort=title",
        "sort=-title&goal=4",
        "municipality=kalix&sort=municipality",
    ],
)
def test_results_equal_the_list_pages(client, registry, query):
    assert api_slugs(client, query) == listed_slugs(get_list(client, query))


def test_drafts_are_never_listed_nor_shown(client, registry):
    assert "secret-draft" not in api_slugs(client)
    assert client.get("/api/projects/secret-draft/").status_code == 404


def test_a_list_item_is_an_export_record(client, registry):
    record = client.get("/api/projects/?municipality=kalix").json()["results"][0]
    exported = client.get("/projects/export.json?municipality=kalix")
    expected = __import__("json").loads(b"".join(exported.streaming_content))["results"][0]
    assert record == expected
    assert record["funders"] == ["sida"] and record["goals"] == [11, 12]


def test_pages_have_links_and_a_count(client, registry):
    first = client.get("/api/projects/?page_size=2").json()
    assert first["count"] == 4
    assert len(first["results"]) == 2 and first["previous"] is None
    assert "page=2" in first["next"] and "page_size=2" in first["next"]
    second = client.get(first["next"]).json()
    assert second["next"] is None
    assert [r["slug"] for r in first["results"] + second["results"]] == api_slugs(client)


def test_a_page_past_the_end_is_404(client, registry):
    assert client.get("/api/projects/?page=9").status_code == 404
    assert client.get("/api/projects/?page=nine").status_code == 404


def test_invalid_filters_answer_400_naming_each_parameter(client, registry):
    response = client.get("/api/projects/?goal=99&active_in=1066&country=XX")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"goal", "active_in", "country"}


def test_a_project_resource_has_its_relations(client, registry):
    project = client.get("/api/projects/water/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert project["title"] == "Clean water"
    assert project["summary"] == "Water & sanitation <together>"
    assert project["municipality"]["slug"] == "norrkoping"
    assert project["municipality"]["api_url"].endswith("/api/municipalities/norrkoping/")
    assert [m["slug"] for m in project["partner_municipalities"]] == ["rezekne"]
    assert [c["code"] for c in project["partner_countries"]] == ["KE"]
    assert project["partner_countries"][0]["name"] == "Kenya"
    assert [f["slug"] for f in project["funders"]] == ["icld"]
    assert [g["number"] for g in project["goals"]] == [6, 11]
    assert [n["slug"] for n in project["networks"]] == ["nordic-city-network"]
    assert project["units"] == ["Kulturskolan"]
    assert project["events"][0]["title"] == "Opening"
    assert project["status"] == "completed"


# The keys of a project's resource as first published; keys are added, never renamed or removed.
PUBLISHED_PROJECT_KEYS = {
    *["slug", "title", "summary", "description", "language", "type", "type_label", "status"],
    *["status_label", "start_year", "end_year", "period_as_stated", "website", "url"],
    *["updated_at", "municipality", "units", "partner_municipalities", "partner_countries"],
    *["funders", "goals", "networks", "events"],
}
RECORD_KEYS = {"partner_organisations", "grants", "funder_references", "results", "pictures"}
# The original's language and the translations of the texts (tests/projects/test_translations.py).
TRANSLATION_KEYS = {"original_language", "translations"}


@pytest.fixture
def recorded(registry, settings, tmp_path):
    """The "water" project with a partner school abroad, money in two currencies, the
    funder's identifier, a result and a picture."""
    settings.MEDIA_ROOT = tmp_path
    water = Project.objects.get(slug="water")
    icld = Funder.objects.get(slug="icld")
    school = make_organisation(
        slug="kisumu-girls",
        name="Kisumu Girls High School",
        municipality=None,
        country_id="KE",
        website="https://example.org/kisumu",
    )
    water.partner_organisations.add(school, make_organisation(slug="no-country", municipality=None))
    for amount, currency, year in [("35000.50", "EUR", 2019), ("1200000", "SEK", None)]:
        Grant.objects.create(
            project=water, funder=icld, amount=Decimal(amount), currency=currency, year=year,
            source="https://example.org/decision",
        )
    FunderReference.objects.create(
        project=water, funder=icld, number="ICLD-2019-7", url="https://example.org/record"
    )
    Result.objects.create(
        project=water, date=datetime.date(2021, 3, 1), text="Twelve wells & a plan",
        url="https://example.org/plan.pdf", reach_number=4000, reach_unit="residents",
    )
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (20, 90, 160)).save(buffer, format="JPEG")
    picture = Picture(project=water, alt_text="A new well", credit="Photo: Anna Berg")
    picture.store(process(SimpleUploadedFile("well.jpg", buffer.getvalue())))
    picture.save()
    return picture


def test_a_project_resource_keeps_its_published_keys_and_adds_its_record(client, recorded):
    project = client.get("/api/projects/water/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert set(project) == PUBLISHED_PROJECT_KEYS | RECORD_KEYS | TRANSLATION_KEYS
    assert project["partner_organisations"] == [
        {
            "name": "Kisumu Girls High School",
            "country": {
                "code": "KE",
                "name": "Kenya",
                "url": "http://testserver/countries/ke/",
                "api_url": "http://testserver/api/countries/ke/",
            },
            "website": "https://example.org/kisumu",
        },
        {"name": "No Country", "country": None, "website": ""},
    ]
    # Each amount as it is recorded, in its own currency: nothing is added up.
    assert [
        (grant["amount"], grant["currency"], grant["year"], grant["kind"])
        for grant in project["grants"]
    ] == [("35000.50", "EUR", 2019, "grant"), ("1200000.00", "SEK", None, "grant")]
    assert project["grants"][0]["funder"]["slug"] == "icld"
    assert project["grants"][0]["source"] == "https://example.org/decision"
    assert project["funder_references"] == [
        {
            "funder": project["grants"][0]["funder"],
            "number": "ICLD-2019-7",
            "record_url": "https://example.org/record",
        }
    ]
    assert project["results"] == [
        {
            "date": "2021-03-01",
            "text": "Twelve wells & a plan",
            "link": "https://example.org/plan.pdf",
            "reach_number": 4000,
            "reach_unit": "residents",
        }
    ]
    assert project["pictures"] == [
        {
            "image_url": f"http://testserver/media/{recorded.display}",
            "original_url": f"http://testserver/media/{recorded.original}",
            "width": 800,
            "height": 600,
            "alt_text": "A new well",
            "credit": "Photo: Anna Berg",
        }
    ]
    assert client.get(f"/media/{recorded.display}").status_code == 200


@pytest.mark.parametrize(
    ("language", "kind"), [("sv", "bidrag"), ("en", "grant"), ("lv", "dotācija")]
)
def test_a_grants_kind_label_is_in_the_requests_language(client, recorded, language, kind):
    project = client.get("/api/projects/water/", HTTP_ACCEPT_LANGUAGE=language).json()
    assert project["grants"][0]["kind"] == "grant"
    assert project["grants"][0]["kind_label"] == kind


def test_a_project_without_a_record_has_empty_lists(client, registry):
    project = client.get("/api/projects/schools/").json()
    assert set(project) == PUBLISHED_PROJECT_KEYS | RECORD_KEYS | TRANSLATION_KEYS
    assert all(project[key] == [] for key in RECORD_KEYS)


@pytest.mark.parametrize(
    ("path", "key", "expected"),
    [
        ("/api/municipalities/", "slug", ["kalix", "norrkoping", "rezekne"]),
        ("/api/funders/", "slug", ["erasmus-plus", "icld", "sida"]),
        ("/api/networks/", "slug", ["nordic-city-network"]),
    ],
)
def test_reference_collections(client, registry, path, key, expected):
    response = client.get(path)
    assert [row[key] for row in response.json()] == expected


def test_reference_resources_count_published_projects(client, registry):
    assert client.get("/api/municipalities/norrkoping/").json()["project_count"] == 2
    # Sida's projects include those of ICLD, which it finances.
    assert client.get("/api/funders/sida/").json()["project_count"] == 2
    assert client.get("/api/goals/4/").json()["project_count"] == 2
    assert client.get("/api/countries/ke/").json()["project_count"] == 1
    assert client.get("/api/countries/KE/").json()["code"] == "KE"
    assert client.get("/api/networks/nordic-city-network/").json()["members"] == ["norrkoping"]
    countries = [row["code"] for row in client.get("/api/countries/").json()]
    assert "KE" in countries and "US" not in countries


@pytest.mark.parametrize(
    "path",
    [
        "/api/municipalities/nowhere/",
        "/api/goals/18/",
        "/api/goals/99999999999999999999999/",
        "/api/countries/zz/",
        "/api/funders/nobody/",
        "/api/networks/none/",
        "/api/projects/none/",
    ],
)
def test_unknown_resources_are_404(client, registry, path):
    assert client.get(path).status_code == 404


def test_responses_have_etag_and_last_modified_and_answer_304(client, registry):
    response = client.get("/api/projects/?goal=4")
    assert response["ETag"] and response["Last-Modified"]
    again = client.get("/api/projects/?goal=4", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_the_api_sets_no_cookie_and_labels_follow_the_language(client, registry):
    swedish = client.get("/api/projects/schools/", HTTP_ACCEPT_LANGUAGE="sv")
    latvian = client.get("/api/projects/schools/", HTTP_ACCEPT_LANGUAGE="lv")
    assert not swedish.cookies and not latvian.cookies
    assert swedish["Content-Language"] == "sv" and latvian["Content-Language"] == "lv"
    assert swedish.json()["partner_countries"][0]["name"] == "Tyskland"
    assert swedish.json()["type"] == latvian.json()["type"] == "school_partnership"


def test_the_root_names_every_collection(client, registry):
    root = client.get("/api/").json()
    for name in ["projects", "municipalities", "goals", "countries", "funders", "networks"]:
        assert client.get(root[name]).status_code == 200
