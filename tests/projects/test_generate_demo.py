"""generate_demo fills a benchmark database with realistic, clearly marked demo projects."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.management.commands import generate_demo
from projects.models import Project
from registry.models import Funder, Municipality
from tests.factories import make_funder, make_goal

pytestmark = pytest.mark.django_db


@pytest.fixture
def goals():
    return [make_goal(number) for number in range(1, 18)]


def generate(**options):
    out, err = StringIO(), StringIO()
    call_command("generate_demo", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_it_creates_published_projects_under_demo_municipalities(goals):
    out, err = generate(projects=30, seed=1, batch_size=7)

    projects = Project.objects.select_related("municipality")
    assert projects.count() == 30
    assert set(projects.values_list("publication", flat=True)) == {"published"}
    for project in projects:
        assert project.slug.startswith("demo-")
        assert project.municipality.slug.startswith("demo-")
        assert project.municipality.name.startswith("Demo ")
        assert 1 <= project.goals.count() <= 3
        assert project.partner_countries.exists()
    assert out.strip().startswith("generate_demo: created 30 published projects")
    assert out.count("\n") == 1
    assert "30/30 projects" in err


def test_search_text_is_filled_as_save_would_fill_it(goals):
    generate(projects=20, seed=2)

    for project in Project.objects.all():
        assert project.search_text == project.build_search_text()
    assert Project.objects.search("demo").count() == 20


def test_the_same_seed_gives_the_same_projects(goals):
    generate(projects=15, seed=7)
    first = list(Project.objects.order_by("slug").values_list("slug", "start_year", "type"))
    Project.objects.all().delete()

    generate(projects=15, seed=7)

    assert list(Project.objects.order_by("slug").values_list("slug", "start_year", "type")) == first


def test_a_second_run_adds_more_projects(goals):
    generate(projects=5, seed=1)
    generate(projects=5, seed=1)

    assert Project.objects.count() == 10
    assert Municipality.objects.filter(slug__startswith="demo-").count() == len(
        generate_demo.OWNERS + generate_demo.PARTNERS
    )


def test_dry_run_saves_nothing(goals):
    out, _err = generate(projects=50, dry_run=True)

    assert "would create 50" in out
    assert not Project.objects.exists()
    assert not Municipality.objects.exists()


def test_it_uses_the_existing_funders(goals):
    sida = make_funder("sida")
    generate(projects=40, seed=3)

    assert set(Funder.objects.values_list("slug", flat=True)) == {"sida"}
    assert Project.objects.filter(funders=sida).exists()


def test_without_funders_it_creates_demo_funders(goals):
    generate(projects=40, seed=3)

    slugs = set(Funder.objects.values_list("slug", flat=True))
    assert slugs and all(slug.startswith("demo-") for slug in slugs)


def test_its_query_count_does_not_grow_with_the_projects(goals, django_assert_num_queries):
    generate(projects=1, seed=4)  # creates the demo municipalities, units and funders
    with CaptureQueriesContext(connection) as few:
        generate(projects=10, seed=4, batch_size=1000)

    with django_assert_num_queries(len(few)):
        generate(projects=40, seed=4, batch_size=1000)

    assert Project.objects.count() == 51


def test_it_needs_the_goals():
    with pytest.raises(CommandError, match="seed"):
        generate(projects=1)


def test_it_refuses_a_remote_database_with_debug_off(goals, settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.setattr(generate_demo, "is_local_database", lambda: False)

    with pytest.raises(CommandError, match="--force"):
        generate(projects=1)
    generate(projects=1, force=True)

    assert Project.objects.count() == 1
