"""The project list in the page cache (projects/page_cache.py): filtered by two or more keyed
filters, it stays cached while coordinators save projects it cannot show, and shows every edit
that concerns it on the next request; a cached list is always the list rendered anew."""

import random
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st

from projects.models import Project
from projects.page_cache import list_page_tags
from registry.change_stamp import EVERYTHING
from registry.models import Goal, Municipality
from tests.factories import make_goal, make_municipality, make_project
from tests.list_helpers import html_of, listed_slugs
from tests.projects.test_project_index import (  # noqa: F401 (catalogue: a fixture)
    EDITS,
    HYPOTHESIS,
    catalogue,
    edit,
    queries,
)

pytestmark = pytest.mark.django_db

LIST = "/projects/?goal=4&country=de"


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 300


@pytest.fixture
def lists():
    """A project the list shows, one sharing its goal only, and one sharing nothing."""
    kalix = make_municipality("kalix", name="Kalix")
    return {
        "shown": make_project(slug="shown", title="Skolutbyte", goals=[4], countries=["DE"]),
        "goal only": make_project(slug="goal-only", goals=[4], countries=["KE"]),
        "unrelated": make_project(
            slug="unrelated", municipality=kalix, goals=[6], countries=["KE"]
        ),
    }


def rendered(response):
    return bool(response.templates)


def retitle(project):
    project.title = project.title + " (ny titel)"
    project.save()


def test_saving_a_project_the_list_cannot_show_leaves_it_cached(client, lists):
    first = client.get(LIST)
    assert listed_slugs(first) == ["shown"]

    retitle(lists["unrelated"])

    again = client.get(LIST)
    assert not rendered(again) and again.content == first.content


def test_retitling_a_listed_project_renders_it_anew(client, lists):
    client.get(LIST)

    retitle(lists["shown"])

    again = client.get(LIST)
    assert rendered(again) and "(ny titel)" in html_of(again)


def test_retitling_a_project_one_filter_does_not_find_leaves_it_cached(client, lists):
    """"goal only" is counted in the country facet (which leaves out the country filter) but
    never listed: a new title changes nothing on the page."""
    first = client.get(LIST)

    retitle(lists["goal only"])

    again = client.get(LIST)
    assert not rendered(again) and again.content == first.content


def country_counts(response):
    groups = {group.name: group for group in response.context["groups"]}
    return {option.value: option.count for option in groups["country"].options}


def test_unpublishing_a_project_one_filter_finds_renders_it_anew(client, lists):
    assert country_counts(client.get(LIST)).get("KE") == 1

    lists["goal only"].publication = Project.Publication.DRAFT
    lists["goal only"].save()

    again = client.get(LIST)
    assert rendered(again) and not country_counts(again).get("KE")


def test_a_list_depends_on_the_rows_of_the_filter_finding_fewest_projects(lists):
    goal, = Goal.objects.filter(number=4).values_list("pk", flat=True)

    tags = list_page_tags(QueryDict("goal=4&country=de"))

    assert "projects.rows:partner_countries=DE" in tags
    assert f"projects.rows:goals={goal}" not in tags
    assert {"projects.list:partner_countries=DE", f"projects.list:goals={goal}"} < set(tags)


def test_a_searched_list_depends_on_the_rows_of_every_filter(lists):
    """A new title can make a project a match of the search, and so count in a facet."""
    goal, = Goal.objects.filter(number=4).values_list("pk", flat=True)

    tags = list_page_tags(QueryDict("goal=4&country=de&q=skola"))

    assert {"projects.rows:partner_countries=DE", f"projects.rows:goals={goal}"} < set(tags)


def add_the_goal(lists):
    lists["unrelated"].goals.add(Goal.objects.get(number=4))
    lists["unrelated"].partner_countries.add(lists["shown"].partner_countries.get())


def remove_the_goal(lists):
    lists["shown"].goals.remove(Goal.objects.get(number=4))


def clear_the_goals(lists):
    lists["shown"].goals.clear()


def clear_the_goals_from_the_goals_side(lists):
    Goal.objects.get(number=4).projects.clear()


def delete_it(lists):
    lists["shown"].delete()


def unpublish_it(lists):
    lists["shown"].publication = Project.Publication.DRAFT
    lists["shown"].save()


def move_it_to_kalix(lists):
    lists["shown"].municipality = Municipality.objects.get(slug="kalix")
    lists["shown"].save()


@pytest.mark.parametrize(
    ("edit_lists", "url", "expected"),
    [
        (add_the_goal, LIST, ["shown", "unrelated"]),
        (remove_the_goal, LIST, []),
        (clear_the_goals, LIST, []),
        (clear_the_goals_from_the_goals_side, LIST, []),
        (delete_it, LIST, []),
        (unpublish_it, LIST, []),
        (move_it_to_kalix, "/projects/?goal=4&municipality=kalix", ["shown"]),
        (move_it_to_kalix, "/projects/?goal=4&municipality=orten", []),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_every_kind_of_edit_that_concerns_the_list_shows_at_once(
    client, lists, edit_lists, url, expected
):
    make_municipality("orten", name="Orten")
    lists["shown"].municipality = Municipality.objects.get(slug="orten")
    lists["shown"].save()
    client.get(url)
    assert not rendered(client.get(url))

    edit_lists(lists)

    assert sorted(listed_slugs(client.get(url))) == expected


def test_renaming_the_municipality_of_a_listed_project_renders_it_anew(client, lists):
    client.get(LIST)
    municipality = lists["shown"].municipality
    municipality.name = "Östra Vikens kommun"
    municipality.save()

    assert "Östra Vikens kommun" in html_of(client.get(LIST))


@pytest.mark.parametrize(
    "query",
    ["", "goal=4", "goal=4&status=ongoing", "goal=4&q=skola", "goal=4&goal=5", "goal=x&country=de"],
)
def test_a_list_with_fewer_than_two_keyed_filters_depends_on_every_change(lists, query):
    assert list_page_tags(QueryDict(query)) == [EVERYTHING]


def test_a_list_with_two_keyed_filters_depends_on_their_keys_and_the_other_models(lists):
    make_goal(5)
    tags = list_page_tags(QueryDict("goal=4&goal=5&country=de&status=ongoing"))
    goals = Goal.objects.filter(number__in=[4, 5]).order_by("number")

    assert {f"projects.list:goals={goal.pk}" for goal in goals} < set(tags)
    assert "registry.goal" in tags and "registry.municipality" in tags
    assert "projects.project" not in tags and EVERYTHING not in tags


def test_a_network_filter_depends_on_the_projects_linked_to_it(lists):
    from networks.models import Network

    network = Network.objects.create(name="Eurocities", slug="eurocities")

    tags = list_page_tags(QueryDict("network=eurocities&goal=6"))

    assert f"projects.list:networks={network.pk}" in tags
    assert "networks.network" in tags


def test_a_second_visit_to_a_filtered_list_costs_one_query(
    client, lists, django_assert_num_queries
):
    first = client.get(LIST)

    with django_assert_num_queries(1):  # the stamps; the filters' keys were kept
        again = client.get(LIST)

    assert not rendered(again) and again.content == first.content


def test_a_slug_given_to_another_municipality_leads_the_list_to_its_projects(client, lists):
    """The kept keys of `?municipality=kalix` are those of the Kalix it named: once the slug
    names another municipality, the list follows that one's projects and edits."""
    url = "/projects/?municipality=kalix&goal=6"
    assert listed_slugs(client.get(url)) == ["unrelated"]
    kalix = Municipality.objects.get(slug="kalix")
    kalix.slug = "kalix-kommun"
    kalix.save()
    newcomer = make_municipality("kalix", name="Nya Kalix")
    project = make_project(slug="newcomers", municipality=newcomer, goals=[6])
    assert listed_slugs(client.get(url)) == ["newcomers"]

    project.title = "Nya Kalix vattenprojekt"
    project.save()

    assert "Nya Kalix vattenprojekt" in html_of(client.get(url))


def test_a_network_filter_follows_the_projects_linked_to_it(client, lists):
    from networks.models import Network

    network = Network.objects.create(name="Eurocities", slug="eurocities")
    url = "/projects/?network=eurocities&goal=6"
    assert listed_slugs(client.get(url)) == []

    lists["unrelated"].networks.add(network)
    assert listed_slugs(client.get(url)) == ["unrelated"]

    retitle(lists["unrelated"])
    assert "(ny titel)" in html_of(client.get(url))

    network.projects.clear()
    assert listed_slugs(client.get(url)) == []


@settings(HYPOTHESIS, max_examples=20)
@given(edits=EDITS, seed=st.integers(0, 1000), pairs=st.lists(queries, min_size=1, max_size=3))
def test_a_cached_list_is_always_the_list_rendered_anew(
    catalogue,  # noqa: F811
    client,
    settings,
    edits,
    seed,
    pairs,
):
    rng = random.Random(seed)
    urls = [LIST, "/projects/?goal=1&country=KE", "/projects/?type=mobility&goal=2"]
    urls += ["/projects/?" + urlencode(query) for query in pairs]
    for url in urls:
        client.get(url)
    for kind in edits:
        edit(kind, rng)
        for url in urls:
            settings.PAGE_CACHE_SECONDS = 300
            cached = client.get(url)
            settings.PAGE_CACHE_SECONDS = 0
            fresh = client.get(url)
            assert cached.status_code == fresh.status_code, (kind, url)
            assert html_of(cached) == html_of(fresh), (kind, url)
        settings.PAGE_CACHE_SECONDS = 300
