"""/sitemap.xml and /feed/: every public page and the newest published projects, with
absolute addresses on the request's own host; drafts in neither.

/sitemap.xml is an index of one sitemap per section (/sitemap-<section>.xml), the projects'
section split into pages of projects.pages.sitemaps.PROJECTS_PER_PAGE (?p=2 and on): the protocol
allows 50 000 addresses in a file, and one file showed only the first 50 000 projects. The pages
are ranges of primary keys, so that a late page costs what the first does."""

import time
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from networks.models import Network
from projects.models import Project
from projects.pages.sitemaps import SITEMAPS, ProjectSitemap
from registry.models import ChangeStamp
from tests.factories import make_goal, make_municipality, make_project

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"
HOST = "registry.example.org"
# The index: a count per section with objects (six), the change stamp for the projects'
# date, and the change stamp again when the countries' section asks the project index
# (which is then current: a first request after a change also rebuilds it).
INDEX_QUERIES = 8
# A section's page: its paginator counts, then lists; the projects' page counts from the
# project index (its version) and reads the change stamp (its Last-Modified), the countries'
# page asks the project index.
SECTION_PAGE_QUERIES = 3


def get(client, location, host=HOST, **extra):
    """GET an absolute address from a sitemap, which must be on `host`."""
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == f"http://{host}", location
    path = f"{parts.path}?{parts.query}" if parts.query else parts.path
    return client.get(path, HTTP_HOST=host, **extra)


def sitemap_index(client, host=HOST):
    response = client.get("/sitemap.xml", HTTP_HOST=host)
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == f"{SITEMAP}sitemapindex"
    return [sitemap.findtext(f"{SITEMAP}loc") for sitemap in root.iter(f"{SITEMAP}sitemap")]


def url_entries(client, location, host=HOST):
    """[(address, lastmod)] of one sitemap page."""
    response = get(client, location, host)
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == f"{SITEMAP}urlset"
    return [
        (url.findtext(f"{SITEMAP}loc"), url.findtext(f"{SITEMAP}lastmod"))
        for url in root.iter(f"{SITEMAP}url")
    ]


def sitemap_locations(client, host=HOST):
    """Every address of every page the index lists, as often as they are listed."""
    return [
        address
        for page in sitemap_index(client, host)
        for address, _ in url_entries(client, page, host)
    ]


@pytest.fixture(autouse=True)
def allowed_host(settings):
    settings.ALLOWED_HOSTS = [HOST, "testserver"]


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


def test_sitemap_xml_is_an_index_of_every_section_on_the_requests_host(
    client, published_and_draft
):
    assert sitemap_index(client) == [
        f"http://{HOST}/sitemap-{section}.xml" for section in SITEMAPS
    ]
    assert sitemap_index(client, host="testserver")[0] == "http://testserver/sitemap-pages.xml"


def test_the_sitemaps_list_published_projects_on_the_requests_host_and_no_drafts(
    client, published_and_draft
):
    locations = sitemap_locations(client)

    assert f"http://{HOST}/projects/waste-and-democracy/" in locations
    assert not any("secret-draft" in location for location in locations)
    assert all(location.startswith(f"http://{HOST}/") for location in locations)


def test_the_sitemaps_list_every_kind_of_public_page(client, published_and_draft):
    paths = {location.removeprefix(f"http://{HOST}") for location in sitemap_locations(client)}

    assert {
        "/", "/projects/", "/goals/", "/countries/", "/municipalities/", "/funders/",
        "/networks/", "/accessibility/", "/goals/4/", "/countries/ug/", "/municipalities/kalix/",
        "/funders/icld/", "/networks/eunivercities/",
    } <= paths
    assert "/countries/in/" not in paths  # only a draft works with India
    assert "/countries/se/" not in paths


def test_project_entries_carry_their_last_change(client, published_and_draft):
    entries = dict(url_entries(client, f"http://{HOST}/sitemap-projects.xml"))

    published, _ = published_and_draft
    assert entries[f"http://{HOST}/projects/waste-and-democracy/"] == (
        # The day in the registry's own time zone (Stockholm's is the next from 23:00 UTC).
        timezone.localdate(published.changed_at).isoformat()
    )


def test_the_projects_section_is_split_into_pages_each_project_on_exactly_one(
    client, monkeypatch
):
    monkeypatch.setattr(ProjectSitemap, "limit", 2)
    slugs = []
    for n in range(7):
        slugs.append(make_project(slug=f"project-{n}").slug)
        make_project(slug=f"secret-draft-{n}", publication=Project.Publication.DRAFT)
    Project.objects.get(slug="project-3").delete()
    slugs.remove("project-3")

    pages = [page for page in sitemap_index(client) if "/sitemap-projects.xml" in page]
    assert pages == [
        f"http://{HOST}/sitemap-projects.xml",
        f"http://{HOST}/sitemap-projects.xml?p=2",
        f"http://{HOST}/sitemap-projects.xml?p=3",
    ]
    listed = [[address for address, _ in url_entries(client, page)] for page in pages]
    assert [len(page) for page in listed] == [2, 2, 2]
    # In the order they were added (by primary key).
    assert sum(listed, []) == [f"http://{HOST}/projects/{slug}/" for slug in slugs]
    assert get(client, f"http://{HOST}/sitemap-projects.xml?p=4").status_code == 404
    assert get(client, f"http://{HOST}/sitemap-projects.xml?p=0").status_code == 404
    assert get(client, f"http://{HOST}/sitemap-projects.xml?p=x").status_code == 404
    assert get(client, f"http://{HOST}/sitemap-nothing.xml").status_code == 404


def test_a_projects_page_is_read_by_a_range_of_keys_not_an_offset(client, monkeypatch):
    monkeypatch.setattr(ProjectSitemap, "limit", 2)
    projects = [make_project() for _ in range(5)]
    client.get("/sitemap.xml")  # builds the project index after the changes

    with CaptureQueriesContext(connection) as queries:
        entries = url_entries(client, f"http://{HOST}/sitemap-projects.xml?p=2")

    assert [address for address, _ in entries] == [
        f"http://{HOST}{project.get_absolute_url()}" for project in projects[2:4]
    ]
    (rows,) = [query["sql"] for query in queries if "projects_project" in query["sql"]]
    assert "OFFSET" not in rows.upper() and "COUNT(" not in rows.upper()
    assert str(projects[2].pk) in rows and str(projects[4].pk) in rows


def test_no_published_project_leaves_one_empty_projects_page(client):
    make_project(publication=Project.Publication.DRAFT)

    assert url_entries(client, f"http://{HOST}/sitemap-projects.xml") == []
    assert get(client, f"http://{HOST}/sitemap-projects.xml?p=2").status_code == 404


def test_the_index_dates_the_projects_pages_by_the_last_change(client, published_and_draft):
    root = ET.fromstring(client.get("/sitemap.xml").content)
    dates = {sitemap.findtext(f"{SITEMAP}loc"): sitemap.findtext(f"{SITEMAP}lastmod")
             for sitemap in root.iter(f"{SITEMAP}sitemap")}

    last_change = ChangeStamp.objects.get().changed_at
    assert dates["http://testserver/sitemap-projects.xml"] == (
        timezone.localtime(last_change).isoformat()
    )
    assert dates["http://testserver/sitemap-goals.xml"] is None  # goals have no date


def test_a_deletion_moves_the_projects_pages_last_modified_on(client):
    # The date of the page's newest project would not move when that project is deleted, and
    # If-Modified-Since would then answer 304 with the deleted project still listed.
    make_project(slug="older")
    newest = make_project(slug="newest")
    first = client.get("/sitemap-projects.xml")
    time.sleep(1.1)  # HTTP dates count whole seconds
    newest.delete()

    after = client.get(
        "/sitemap-projects.xml", headers={"If-Modified-Since": first["Last-Modified"]}
    )

    assert after.status_code == 200
    assert b"/projects/newest/" not in after.content


@pytest.mark.parametrize("rows", [3, 30])
def test_the_sitemaps_run_the_same_queries_for_3_or_30_rows(client, monkeypatch, rows):
    monkeypatch.setattr(ProjectSitemap, "limit", 10)  # 30 rows: three pages
    for row in range(rows):
        make_project(countries=["KE"], goals=[row % 17 + 1], funders=[f"funder-{row}"])
        Network.objects.create(name=f"Network {row}", slug=f"network-{row}")
    client.get("/sitemap.xml")  # builds the project index after the changes

    with CaptureQueriesContext(connection) as queries:
        pages = sitemap_index(client)
    assert len(queries) <= INDEX_QUERIES
    for page in pages:
        with CaptureQueriesContext(connection) as queries:
            url_entries(client, page)
        assert len(queries) <= SECTION_PAGE_QUERIES, page


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


def test_the_feed_leaves_out_control_characters_stored_before_they_were_refused(client):
    # Stored as an import or an old version may have stored it: the fields refuse it now.
    make_project(
        title="Vänort\x01 Ventspils",
        summary="Rad ett\x0b\nrad två\tmed tabb",
        municipality=make_municipality(name="Kalix\x1f"),
    )

    response = client.get("/feed/")

    assert response.status_code == 200
    entry = ET.fromstring(response.content).find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Vänort Ventspils"
    assert entry.findtext(f"{ATOM}summary") == "Rad ett\nrad två\tmed tabb"
    assert entry.find(f"{ATOM}author").findtext(f"{ATOM}name") == "Kalix"


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
