"""The home page: search box, goal tiles with counts, partner-country map, headline numbers
and the recently updated projects, all from published projects only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from networks.models import Network
from projects import project_index
from projects.models import Project
from tests.factories import make_goal, make_municipality, make_project

pytestmark = pytest.mark.django_db

# The page's own queries once the project index is built (its build, after any change, is a
# fixed number of queries more); one of them reads the change stamp.
HOME_QUERIES = 12


def test_the_home_page_has_one_h1_and_a_search_box_that_sends_q_to_the_project_list(client):
    content = client.get("/").content.decode()

    assert content.count("<h1") == 1
    assert 'action="/projects/"' in content
    assert 'method="get"' in content
    assert 'type="search" id="home-search" name="q"' in content


def test_every_goal_is_a_tile_with_its_number_of_published_projects(english):
    for number in range(1, 18):
        make_goal(number)
    make_project(goals=[4])
    make_project(goals=[4, 13])
    make_project(goals=[4], publication=Project.Publication.DRAFT)

    content = english.get("/").content.decode()

    for number in range(1, 18):
        assert f'href="/goals/{number}/"' in content
    assert 'Goal 4</span> <span class="goal-tile__count">(2 projects)' in content
    assert 'Goal 13</span> <span class="goal-tile__count">(1 project)' in content
    assert 'Goal 1</span> <span class="goal-tile__count">(0 projects)' in content


def test_the_headline_numbers_count_published_projects_their_municipalities_countries_and_networks(
    client,
):
    owner, partner, other = (make_municipality(slug) for slug in ("kalix", "masaka", "umea"))
    make_project(municipality=owner, partner_municipalities=[partner], countries=["UG"])
    make_project(municipality=owner, countries=["UG", "KE"])
    make_project(municipality=other, countries=["IN"], publication=Project.Publication.DRAFT)
    Network.objects.create(name="Eurocities", slug="eurocities")

    response = client.get("/")

    assert response.context["numbers"] == {
        "projects": 2, "municipalities": 2, "countries": 2, "networks": 1,
    }
    content = response.content.decode()
    assert '<span class="headline-numbers__value">2</span>' in content
    assert '<span class="headline-numbers__value">1</span>' in content


def test_the_headline_numbers_come_from_the_index_and_follow_an_edit(client):
    owner, partner = make_municipality("kalix"), make_municipality("masaka", country_code="UG")
    draft = make_project(municipality=owner, partner_municipalities=[partner], countries=["UG"],
                         publication=Project.Publication.DRAFT)

    assert client.get("/").context["numbers"] == {
        "projects": 0, "municipalities": 0, "countries": 0, "networks": 0,
    }
    draft.publication = Project.Publication.PUBLISHED
    draft.save()
    assert client.get("/").context["numbers"] == {
        "projects": 1, "municipalities": 2, "countries": 1, "networks": 0,
    }


def test_the_five_most_recently_updated_published_projects_are_listed_newest_first(client):
    now = timezone.now()
    for age in range(6):
        project = make_project(title=f"Updated {age} days ago")
        Project.objects.filter(pk=project.pk).update(changed_at=now - timedelta(days=age))
    draft = make_project(title="Fresh draft", publication=Project.Publication.DRAFT)
    Project.objects.filter(pk=draft.pk).update(changed_at=now + timedelta(days=1))

    content = client.get("/").content.decode()

    positions = [content.index(f"Updated {age} days ago") for age in range(5)]
    assert positions == sorted(positions)
    assert "Updated 5 days ago" not in content
    assert "Fresh draft" not in content


def test_the_map_links_each_partner_country_of_a_published_project_and_no_other(english):
    make_project(countries=["KE", "UG"])
    make_project(countries=["IN"], publication=Project.Publication.DRAFT)

    content = english.get("/").content.decode()

    assert 'class="world-map world-map--small world-map--world"' in content
    kenya = '<a href="/countries/ke/"><title>Kenya: 1 project</title>'
    assert kenya in content
    assert '<a href="/countries/ug/">' in content
    assert 'href="/countries/in/"' not in content


def test_drafts_never_appear_on_the_home_page(client):
    make_project(title="Public work", goals=[4])
    make_project(title="Secret plan", goals=[4], publication=Project.Publication.DRAFT)

    response = client.get("/")

    assert "Public work" in response.content.decode()
    assert "Secret plan" not in response.content.decode()
    assert response.context["numbers"]["projects"] == 1


@pytest.mark.parametrize(
    "language, goal_name", [("sv", "Mål 4"), ("en", "Goal 4"), ("lv", "Mērķis 4")]
)
def test_the_home_page_renders_in_each_language_with_goal_names_in_it(
    client, settings, language, goal_name
):
    make_project(goals=[4], countries=["KE"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    content = client.get("/").content.decode()

    assert f'<html lang="{language}">' in content
    assert goal_name in content


@pytest.mark.parametrize("rows", [3, 30])
def test_the_home_page_runs_the_same_queries_for_3_or_30_projects(
    client, django_assert_max_num_queries, rows
):
    for number in range(1, 18):
        make_goal(number)
    for row in range(rows):
        make_project(
            goals=[row % 17 + 1], countries=["KE", "SE"][: row % 2 + 1], funders=["sida"]
        )

    project_index.current()  # built once per change, in a fixed number of queries
    with django_assert_max_num_queries(HOME_QUERIES):
        client.get("/")
