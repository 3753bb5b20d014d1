"""?q= searches the folded search text: on PostgreSQL through a full-text GIN index with
ranked results, elsewhere by substring. Words match at their start, accents and case aside."""

import pytest
from django.db import connection

from projects import models
from projects.filters import ProjectFilter
from projects.models import Project
from tests.factories import make_municipality, make_organisation, make_project

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search is PostgreSQL's"
)


@pytest.fixture
def projects():
    rezekne = make_municipality("rezekne", name="Rēzekne", country_code="LV")
    norrkoping = make_municipality("norrkoping", name="Norrköping")
    school = make_organisation(norrkoping, name="Kulturskolan Norrköping")
    return {
        "music": make_project(
            title="Musik utan gränser", municipality=norrkoping, organisations=[school]
        ),
        "water": make_project(
            title="Tīrs ūdens",
            summary="Ūdens kvalitāte un ūdens apgāde",
            municipality=rezekne,
            start_year=2015,
        ),
        "twinning": make_project(
            title="Vänort",
            summary="Ūdens i Rēzekne",
            municipality=norrkoping,
            partner_municipalities=[rezekne],
            start_year=2020,
        ),
    }


def titles(queryset):
    return {project.title for project in queryset}


def test_words_match_at_their_start_ignoring_case_and_accents(projects):
    assert titles(Project.objects.search("NORRK")) == {"Musik utan gränser", "Vänort"}
    assert titles(Project.objects.search("rezek")) == {"Tīrs ūdens", "Vänort"}
    assert titles(Project.objects.search("kulturskolan")) == {"Musik utan gränser"}


def test_every_word_must_match(projects):
    assert titles(Project.objects.search("udens rezekne")) == {"Tīrs ūdens", "Vänort"}
    assert titles(Project.objects.search("udens norrkoping")) == {"Vänort"}
    assert titles(Project.objects.search("udens stockholm")) == set()


def test_a_blank_search_changes_nothing(projects):
    assert Project.objects.search("   ").count() == 3


@pytest.mark.parametrize(
    "text", ["a & b | !c", "(x", "x:*", "'", "\\", "\x00", "<->", "ū&ū", "-1", "a" * 5000]
)
def test_query_syntax_and_odd_characters_are_just_text(projects, text):
    list(Project.objects.search(text))


@on_postgresql
def test_punctuation_alone_finds_nothing(projects):
    assert not Project.objects.search("&& !!").exists()


@on_postgresql
def test_results_come_best_match_first(projects):
    found = list(Project.objects.search("udens"))

    assert [project.title for project in found] == ["Tīrs ūdens", "Vänort"]
    assert found[0].search_rank > found[1].search_rank


@on_postgresql
def test_latvian_and_swedish_words_are_not_stemmed_by_the_wrong_language(projects):
    make_project(title="Izglītības iestādes", summary="Skolorna i kommunen")

    assert titles(Project.objects.search("izglitibas")) == {"Izglītības iestādes"}
    assert titles(Project.objects.search("skolorna")) == {"Izglītības iestādes"}
    assert not Project.objects.search("izglitibu").exists()


@on_postgresql
def test_the_search_uses_the_gin_index(projects):
    queryset = Project.objects.search("norrk udens")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()

    assert "project_search_vector" in plan


@on_postgresql
def test_the_gin_index_covers_the_stored_vector_of_the_simple_configuration():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'project_search_vector'"
        )
        (index,) = cursor.fetchone()
        cursor.execute(
            "SELECT generation_expression FROM information_schema.columns"
            " WHERE table_name = 'projects_project' AND column_name = 'search_vector'"
        )
        (generated,) = cursor.fetchone()

    assert "USING gin (search_vector)" in index
    assert "to_tsvector('simple'::regconfig" in generated


@on_postgresql
def test_an_edit_is_found_at_once_and_its_old_words_no_longer(projects):
    project = projects["music"]
    project.title = "Körsång utan gränser"
    project.save()

    assert titles(Project.objects.search("korsang")) == {"Körsång utan gränser"}
    assert not Project.objects.search("musik").exists()


@on_postgresql
def test_a_search_inside_a_subquery_names_the_inner_table(projects):
    inner = Project.objects.search("udens").values("pk")

    assert titles(Project.objects.filter(pk__in=inner)) == {"Tīrs ūdens", "Vänort"}


@on_postgresql
def test_the_list_orders_a_search_by_rank_unless_a_sort_is_chosen(projects):
    queryset = Project.objects.published()

    ranked = ProjectFilter({"q": "udens"}, queryset=queryset).qs
    sorted_by_title = ProjectFilter({"q": "udens", "sort": "-title"}, queryset=queryset).qs

    assert [project.title for project in ranked] == ["Tīrs ūdens", "Vänort"]
    assert [project.title for project in sorted_by_title] == ["Vänort", "Tīrs ūdens"]


@on_postgresql
def test_a_search_matching_more_than_can_be_ranked_comes_newest_first(projects, monkeypatch):
    """Ranking reads and sorts every match: a word that common keeps the list's default order,
    which an index serves, and still finds exactly the projects with every word."""
    monkeypatch.setattr(models, "RANKED_AT_MOST", 1)

    found = Project.objects.search("udens")
    listed = ProjectFilter({"q": "udens"}, queryset=Project.objects.published()).qs

    assert [project.title for project in found] == ["Vänort", "Tīrs ūdens"]
    assert "search_rank" not in found.query.annotations
    assert [project.title for project in listed] == ["Vänort", "Tīrs ūdens"]
    assert titles(Project.objects.search("udens norrkoping")) == {"Vänort"}
    assert Project.objects.search("udens norrkoping").first().search_rank > 0


@on_postgresql
def test_an_unranked_search_keeps_the_querysets_order(projects, django_assert_num_queries):
    with django_assert_num_queries(1):  # no query to choose an order
        found = list(Project.objects.order_by("title").search("udens", ranked=False))

    assert [project.title for project in found] == ["Tīrs ūdens", "Vänort"]
    assert not hasattr(found[0], "search_rank")
