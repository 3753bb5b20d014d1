"""Issue 12: "last changed" means a change to the record, not a load of the seed data. A record
the seed created shows no change date on any public surface; once a coordinator edits it in
the admin, every surface shows that edit (Project.changed_at, the one rule they all read)."""

import xml.etree.ElementTree as ET
from importlib import import_module
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from projects import project_index
from projects.models import Project
from registry.models import SeedRecord, seed_key
from tests.admin_helpers import MODEL_BACKEND, add_coordinator, changeform_data
from tests.factories import make_project
from tests.projects.test_exports import export, read_csv, read_json
from tests.projects.test_iati import SCHEMA_FILE

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def seeded(client):
    call_command("seed", stdout=StringIO())
    project_index.forget()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    yield
    project_index.forget()


def feed_entries(client):
    """{project path: the entry's <updated>} of /feed/."""
    root = ET.fromstring(client.get("/feed/").content)
    return {
        entry.find(f"{ATOM}link").get("href").split("://", 1)[-1].split("/", 1)[-1]: entry.findtext(
            f"{ATOM}updated"
        )
        for entry in root.iter(f"{ATOM}entry")
    }


def seeded_project(client):
    """A published seeded project in the feed, with years (so IATI lists it) and a
    confirmation date."""
    entries = feed_entries(client)
    for project in Project.objects.published().filter(
        start_year__isnull=False, confirmed_on__isnull=False
    ):
        if project.get_absolute_url().lstrip("/") in entries:
            return project
    raise AssertionError("no seeded project in the feed with years and a confirmation date")


def sitemap_lastmods(client):
    lastmods = {}
    for page in range(1, 100):
        response = client.get(f"/sitemap-projects.xml?p={page}")
        if response.status_code != 200:
            break
        for url in ET.fromstring(response.content).iter(f"{SITEMAP}url"):
            loc = url.findtext(f"{SITEMAP}loc").split("://", 1)[-1].split("/", 1)[-1]
            lastmods["/" + loc] = url.findtext(f"{SITEMAP}lastmod")
    return lastmods


def recent_section(client):
    content = client.get("/").content.decode()
    start = content.index('id="recent-heading"')
    return content[start : content.index("</section>", start)]


def iati_activity(client, project):
    response = client.get("/projects/export.iati.xml", HTTP_ACCEPT_LANGUAGE="en")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    etree.XMLSchema(etree.parse(str(SCHEMA_FILE))).assertValid(etree.fromstring(body))
    [activity] = [
        a
        for a in etree.fromstring(body).findall("iati-activity")
        if a.findtext("iati-identifier").endswith(project.slug)
    ]
    return activity


def row_of(rows, project):
    [row] = [row for row in rows if row["slug"] == project.slug]
    return row


def test_a_seeded_record_shows_no_change_date_anywhere(client, seeded):
    project = seeded_project(client)
    assert project.changed_at is None
    assert not Project.objects.filter(changed_at__isnull=False).exists()

    page = client.get(project.get_absolute_url()).content.decode()
    assert project.title in page
    assert "Record last changed" not in page

    recent = recent_section(client)
    assert "No published project has been changed since the registry" in recent
    assert project.title not in recent

    lastmods = sitemap_lastmods(client)
    assert project.get_absolute_url() in lastmods
    assert lastmods[project.get_absolute_url()] is None

    # Atom needs a date: the day the facts were confirmed as of, never the day of the load.
    updated = feed_entries(client)[project.get_absolute_url().lstrip("/")]
    assert updated.startswith(project.confirmed_on.isoformat())

    assert row_of(read_csv(export(client, "csv")), project)["updated_at"] == ""
    assert row_of(read_json(export(client, "json")), project)["updated_at"] is None
    api = client.get(f"/api/projects/{project.slug}/").json()
    assert api["updated_at"] is None

    assert iati_activity(client, project).get("last-updated-datetime") is None


def test_after_a_coordinators_edit_every_surface_shows_it(client, seeded):
    project = seeded_project(client)
    coordinator = add_coordinator("coordinator", project.municipality)
    client.force_login(coordinator, backend=MODEL_BACKEND)
    url = reverse("admin:projects_project_change", args=[project.pk])
    data = changeform_data(client.get(url))
    data["summary"] = project.summary + " Edited."
    assert client.post(url, data).status_code == 302
    client.logout()

    project.refresh_from_db()
    assert project.changed_at is not None
    edited = timezone.localtime(project.changed_at)
    day = edited.date().isoformat()

    page = client.get(project.get_absolute_url()).content.decode()
    assert f'Record last changed:</strong> <time datetime="{day}">' in page

    assert project.title in recent_section(client)

    assert sitemap_lastmods(client)[project.get_absolute_url()] == day

    updated = feed_entries(client)[project.get_absolute_url().lstrip("/")]
    assert updated == project.changed_at.isoformat()

    stamp = edited.isoformat(timespec="seconds")
    assert row_of(read_csv(export(client, "csv")), project)["updated_at"] == stamp
    assert row_of(read_json(export(client, "json")), project)["updated_at"] == stamp
    api = client.get(f"/api/projects/{project.slug}/").json()
    assert api["updated_at"] == edited.isoformat()

    iati = iati_activity(client, project).get("last-updated-datetime")
    assert iati == project.changed_at.isoformat(timespec="seconds")


def test_the_seed_run_again_leaves_an_edit_and_the_rest_as_they_were(client, seeded):
    project = seeded_project(client)
    project.summary += " Edited."
    project.save()
    changed_at = project.changed_at

    call_command("seed", stdout=StringIO())

    assert Project.objects.get(pk=project.pk).changed_at == changed_at
    assert set(Project.objects.filter(changed_at__isnull=False)) == {project}


def test_the_migration_keeps_the_rule_the_project_page_used_before(db):
    """Existing rows: changed when saved again after their creation or not created by the seed;
    a seeded record saved only once is not."""
    migration = import_module("projects.migrations.0020_project_changed_at")
    untouched, edited, added = (make_project(slug=s) for s in ["untouched", "edited", "added"])
    for project in (untouched, edited):
        SeedRecord.objects.create(
            model="projects.project", natural_key=seed_key(project.natural_key())
        )
    Project.objects.update(changed_at=None, updated_at=F("created_at"))
    Project.objects.filter(pk=edited.pk).update(
        updated_at=edited.created_at + migration.SAME_SAVE * 2
    )

    migration.set_changed_at(apps, None)

    changed = dict(Project.objects.values_list("slug", "changed_at"))
    assert changed["untouched"] is None
    assert changed["edited"] == Project.objects.get(slug="edited").updated_at
    assert changed["added"] == Project.objects.get(slug="added").updated_at
