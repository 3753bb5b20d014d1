"""/sitemap.xml and /feed/: every public page and the newest published projects, with
absolute addresses on the request's own host; drafts in neither."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from networks.models import Network
from projects.models import Project
from tests.factories import make_goal, make_municipality, make_project

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"
# Two per section with objects (its paginator counts, then lists): six sections.
SITEMAP_QUERIES = 12


def sitemap_locations(client, host="registry.example.org"):
    response = client.get("/sitemap.xml", HTTP_HOST=host)
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return [url.findtext(f"{SITEMAP}loc") for url in root.iter(f"{SITEMAP}url")]


@pytest.fixture
def published_and_draft():
    make_goal(4)
    kalix = make_municipality("kalix")
    Network.objects.create(name="EUniverCities", slug="eunivercities")
    published = make_project(slug="waste-and-democracy", municipality=kalix, countries=["UG"],
                             goals=[4], funders=["icld"])
    draft = make_project(slug="secret-draft", countries=["IN"],
                         publication=Project.Publication.DRAFT)
    return published, draft


def test_the_sitemap_lists_published_projects_on_the_requests_host_and_no_drafts(
    client, settings, published_and_draft
):
    settings.ALLOWED_HOSTS = ["registry.example.org"]

    locations = sitemap_locations(client)

    assert "http://registry.example.org/projects/waste-and-democracy/" in locations
    assert not any("secret-draft" in location for location in locations)


def test_the_sitemap_lists_every_kind_of_public_page(client, settings, published_and_draft):
    settings.ALLOWED_HOSTS = ["registry.example.org"]

    paths = {location.removeprefix("http://registry.example.org") for location in
             sitemap_locations(client)}

    assert {
        "/", "/projects/", "/goals/", "/countries/", "/municipalities/", "/funders/",
        "/networks/", "/accessibility/", "/goals/4/", "/countries/ug/", "/municipalities/kalix/",
        "/funders/icld/", "/networks/eunivercities/",
    } <= paths
    assert "/countries/in/" not in paths  # only a draft works with India
    assert "/countries/se/" not in paths


def test_project_entries_in_the_sitemap_carry_their_last_change(client, published_and_draft):
    root = ET.fromstring(client.get("/sitemap.xml").content)
    entries = {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
               for url in root.iter(f"{SITEMAP}url")}

    published, _ = published_and_draft
    assert entries["http://testserver/projects/waste-and-democracy/"] == (
        published.updated_at.date().isoformat()
    )


@pytest.mark.parametrize("rows", [3, 30])
def test_the_sitemap_runs_the_same_queries_for_3_or_30_rows(
    client, django_assert_max_num_queries, rows
):
    for row in range(rows):
        make_project(countries=["KE"], goals=[row % 17 + 1], funders=[f"funder-{row}"])
        Network.objects.create(name=f"Network {row}", slug=f"network-{row}")

    with django_assert_max_num_queries(SITEMAP_QUERIES):
        client.get("/sitemap.xml")


def test_the_feed_is_atom_with_the_20_newest_published_projects_newest_first(client, settings):
    settings.ALLOWED_HOSTS = ["registry.example.org"]
    now = timezone.now()
    for age in range(22):
        project = make_project(title=f"Project {age:02d} days old", slug=f"p-{age}",
                               summary=f"Summary of {age}")
        Project.objects.filter(pk=project.pk).update(created_at=now - timedelta(days=age))
    draft = make_project(title="Newest draft", publication=Project.Publication.DRAFT)
    Project.objects.filter(pk=draft.pk).update(created_at=now + timedelta(days=1))

    response = client.get("/feed/", HTTP_HOST="registry.example.org")

    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [
        f"Project {age:02d} days old" for age in range(20)
    ]
    first = entries[0]
    assert first.find(f"{ATOM}link").get("href") == "http://registry.example.org/projects/p-0/"
    assert first.findtext(f"{ATOM}summary") == "Summary of 0"
    assert first.findtext(f"{ATOM}updated")
    assert b"Newest draft" not in response.content


def test_the_feed_needs_one_query_for_any_number_of_projects(
    client, django_assert_max_num_queries
):
    for _ in range(25):
        make_project()

    with django_assert_max_num_queries(1):
        client.get("/feed/")


def test_every_page_links_the_feed_from_its_head(client):
    content = client.get("/").content.decode()

    assert 'type="application/atom+xml"' in content and 'href="/feed/"' in content
