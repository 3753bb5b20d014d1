"""`manage.py seed` creates what is missing and never overwrites or revives coordinators' work."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from projects.models import Contact, Event, Project, Strategy, StrategyItem
from registry.models import Municipality, Organisation, SeedRecord

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

# A municipality's whole seeded world: a unit, a project linked to it with an event, a strategy
# with an item, and a contact linked to the unit and the project.
WORLD = [
    *FIXTURE,
    {
        "model": "registry.organisation",
        "fields": {"name": "Kulturskolan", "slug": "kalix-kulturskolan", "municipality": ["kalix"]},
    },
    {
        "model": "projects.project",
        "fields": {
            "title": "Kulturskolan i Masaka",
            "slug": "kalix-kultur",
            "municipality": ["kalix"],
            "organisations": [["kalix-kulturskolan"]],
        },
    },
    {
        "model": "projects.event",
        "fields": {"project": ["kalix-kultur"], "title": "Konsert", "date": "2021-07-26"},
    },
    {
        "model": "projects.strategy",
        "fields": {
            "title": "Internationell strategi",
            "slug": "kalix-strategi",
            "municipality": ["kalix"],
        },
    },
    {
        "model": "projects.strategyitem",
        "fields": {"strategy": ["kalix-strategi"], "kind": "aim", "position": 1, "text": "Mål"},
    },
    {
        "model": "projects.contact",
        "fields": {
            "name": "Per Eriksson",
            "municipality": ["kalix"],
            "organisation": ["kalix-kulturskolan"],
            "project": ["kalix-kultur"],
        },
    },
]
WORLD_SIZE = len(WORLD)


def write_fixture(directory, records, name="01_kalix.json"):
    (directory / name).write_text(json.dumps(records), encoding="utf-8")


@pytest.fixture
def fixture_dir(tmp_path, settings):
    write_fixture(tmp_path, FIXTURE)
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


# `seed` runs at every release: whatever coordinators deleted, renamed or edited, it recreates
# nothing, overwrites nothing and never fails. Each test runs it twice after the change.


@pytest.fixture
def world(tmp_path, settings):
    write_fixture(tmp_path, WORLD)
    settings.FIXTURE_DIRS = [tmp_path]
    assert f"created {WORLD_SIZE} records" in seed()
    return tmp_path


def seed_twice():
    """Both runs' output; each must succeed and create nothing."""
    outputs = [seed(), seed()]
    for output in outputs:
        assert f"created 0 records, left {WORLD_SIZE} as they were." in output
    return outputs


def test_seed_after_a_seeded_unit_is_deleted(world):
    Organisation.objects.get(slug="kalix-kulturskolan").delete()
    seed_twice()
    assert not Organisation.objects.filter(slug="kalix-kulturskolan").exists()
    assert list(Project.objects.get(slug="kalix-kultur").organisations.all()) == []
    assert Contact.objects.get(name="Per Eriksson").organisation is None


def test_seed_after_a_seeded_project_is_deleted(world):
    Project.objects.get(slug="kalix-kultur").delete()
    seed_twice()
    assert not Project.objects.filter(slug="kalix-kultur").exists()
    assert not Event.objects.exists()
    assert Contact.objects.get(name="Per Eriksson").project is None


def test_seed_after_a_seeded_strategy_is_deleted(world):
    Strategy.objects.get(slug="kalix-strategi").delete()
    seed_twice()
    assert not Strategy.objects.exists()
    assert not StrategyItem.objects.exists()


def test_seed_after_a_projects_slug_is_changed(world):
    Project.objects.filter(slug="kalix-kultur").update(slug="kalix-kultur-masaka", title="Edited")
    seed_twice()
    assert not Project.objects.filter(slug="kalix-kultur").exists()
    project = Project.objects.get(slug="kalix-kultur-masaka")
    assert project.title == "Edited"
    assert [event.title for event in project.events.all()] == ["Konsert"]
    assert Event.objects.count() == 1


def test_seed_after_a_strategys_slug_is_changed(world):
    strategy = Strategy.objects.get(slug="kalix-strategi")
    strategy.slug = "kalix-strategi-2030"
    strategy.save()
    StrategyItem.objects.filter(strategy=strategy).update(text="Edited")
    seed_twice()
    assert list(Strategy.objects.values_list("slug", flat=True)) == ["kalix-strategi-2030"]
    assert list(StrategyItem.objects.values_list("text", flat=True)) == ["Edited"]


def test_seed_after_a_municipalitys_contact_is_deleted(world):
    Contact.objects.get(name="Per Eriksson").delete()
    seed_twice()
    assert not Contact.objects.exists()


def test_seed_keeps_an_edited_contact(world):
    Contact.objects.filter(name="Per Eriksson").update(role="Rektor", project=None)
    seed_twice()
    contact = Contact.objects.get(name="Per Eriksson")
    assert (contact.role, contact.project) == ("Rektor", None)


def test_new_fixture_records_that_need_a_deleted_one_are_skipped_with_a_note(world):
    Project.objects.get(slug="kalix-kultur").delete()
    Organisation.objects.get(slug="kalix-kulturskolan").delete()
    # A later release adds an event of the deleted project, and a project linked to the
    # deleted unit.
    later = [
        {
            "model": "projects.event",
            "fields": {
                "project": ["kalix-kultur"],
                "title": "Andra konserten",
                "date_note": "2022",
            },
        },
        {
            "model": "projects.project",
            "fields": {
                "title": "Ny",
                "slug": "kalix-ny",
                "municipality": ["kalix"],
                "organisations": [["kalix-kulturskolan"]],
            },
        },
    ]
    write_fixture(world, later, name="02_later.json")
    first, second = seed(), seed()
    assert f"created 1 records, left {WORLD_SIZE + 1} as they were; 2 notes:" in first
    assert (
        '  skipped projects.event ["kalix-kultur", "Andra konserten", ""]: its project '
        '[["kalix-kultur"]] no longer exists.'
    ) in first
    assert (
        '  left out a link of projects.project ["kalix-ny"] to registry.organisation '
        '["kalix-kulturskolan"]: it no longer exists.'
    ) in first
    assert f"created 0 records, left {WORLD_SIZE + 2} as they were; 1 notes:" in second
    assert "skipped projects.event" in second
    assert list(Project.objects.get(slug="kalix-ny").organisations.all()) == []
    assert not Event.objects.exists()
    assert not SeedRecord.objects.filter(model="projects.event", natural_key__contains="Andra")


def test_dry_run_after_deletions_does_not_fail(world):
    Organisation.objects.get(slug="kalix-kulturskolan").delete()
    Project.objects.get(slug="kalix-kultur").delete()
    assert "would create 0 records" in seed("--dry-run")


def test_a_new_record_whose_slug_was_taken_in_other_letters_is_skipped_with_a_note(world):
    municipality = Municipality.objects.get(slug="kalix")
    Organisation.objects.create(name="A coordinator's", slug="Kalix-Ny", municipality=municipality)
    later = [
        {
            "model": "registry.organisation",
            "fields": {"name": "Ny", "slug": "kalix-ny", "municipality": ["kalix"]},
        }
    ]
    write_fixture(world, later, name="02_later.json")
    for _ in range(2):
        output = seed()
        assert "created 0 records" in output
        assert (
            '  skipped registry.organisation ["kalix-ny"]: Another record already has this slug'
        ) in output
    slugs = Organisation.objects.filter(slug__iexact="kalix-ny").values_list("slug", flat=True)
    assert list(slugs) == ["Kalix-Ny"]
