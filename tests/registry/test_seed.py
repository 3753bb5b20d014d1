"""`manage.py seed` creates what is missing and never overwrites or revives coordinators' work."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from projects.models import Project
from registry.models import Municipality

pytestmark = pytest.mark.django_db

FIXTURE = [
    {
        "model": "registry.municipality",
        "fields": {"name": "Kalix", "slug": "kalix", "country": ["SE"], "source": "000"},
    },
    {
        "model": "projects.project",
        "fields": {
            "title": "Partnerskap Kalix–Masaka",
            "slug": "kalix-masaka",
            "municipality": ["kalix"],
            "partner_countries": [["UG"]],
            "start_year": 2021,
            "publication": "published",
            "source": "000_7b4bd0be9ef97b88.txt",
        },
    },
]


@pytest.fixture
def fixture_dir(tmp_path, settings):
    (tmp_path / "01_kalix.json").write_text(json.dumps(FIXTURE), encoding="utf-8")
    settings.FIXTURE_DIRS = [tmp_path]
    return tmp_path


def seed(*args):
    out = StringIO()
    call_command("seed", *args, stdout=out)
    return out.getvalue()


def test_seed_creates_records_with_their_relations(fixture_dir):
    assert "created 2 records" in seed()
    project = Project.objects.get(slug="kalix-masaka")
    assert project.municipality.name == "Kalix"
    assert [country.code for country in project.partner_countries.all()] == ["UG"]
    assert "masaka" in project.search_text


def test_a_second_seed_adds_nothing_and_changes_nothing(fixture_dir):
    seed()
    before = Project.objects.get(slug="kalix-masaka").updated_at
    assert "created 0 records, left 2" in seed()
    assert Project.objects.count() == 1
    assert Project.objects.get(slug="kalix-masaka").updated_at == before


def test_a_coordinators_edit_survives_a_later_seed(fixture_dir):
    seed()
    project = Project.objects.get(slug="kalix-masaka")
    project.title = "Edited by the coordinator"
    project.save()
    project.partner_countries.add("KE")
    seed()
    project.refresh_from_db()
    assert project.title == "Edited by the coordinator"
    assert sorted(project.partner_countries.values_list("code", flat=True)) == ["KE", "UG"]


def test_a_record_a_coordinator_deleted_is_not_brought_back(fixture_dir):
    seed()
    Project.objects.get(slug="kalix-masaka").delete()
    assert "created 0 records" in seed()
    assert not Project.objects.filter(slug="kalix-masaka").exists()


def test_records_that_already_exist_are_left_as_they_are(fixture_dir):
    Municipality.objects.create(name="Kalix kommun", slug="kalix", country_id="SE")
    assert "created 1 records" in seed()
    assert Municipality.objects.get(slug="kalix").name == "Kalix kommun"


def test_dry_run_saves_nothing(fixture_dir):
    assert "would create 2 records" in seed("--dry-run")
    assert not Project.objects.exists()
    assert "created 2 records" in seed()
