"""/goals/ and /goals/<n>/: the 17 goals in their official colours with legible text, and
each goal's projects, partner countries and municipalities, from published projects only."""

import pytest

from projects import project_index
from projects.models import Project
from registry.models import Goal
from tests.factories import GOAL_COLOURS, make_goal, make_municipality, make_project

pytestmark = pytest.mark.django_db

# The page's own queries once the project index is built (its build, after any change, is a
# fixed number of queries more); one of them reads the change stamp.
GOAL_LIST_QUERIES = 2
# Twelve, and a thirteenth when a municipality both owns and is a partner in its projects.
GOAL_DETAIL_QUERIES = 13


def contrast_ratio(first, second):
    """WCAG 2.1 contrast ratio of two #RRGGBB colours (computed here, independently)."""

    def luminance(colour):
        def linear(value):
            value /= 255
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

        red, green, blue = (linear(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("number, colour", sorted(GOAL_COLOURS.items()))
def test_each_official_goal_colour_gets_text_with_at_least_4_5_to_1_contrast(number, colour):
    goal = Goal(number=number, colour=colour)

    assert contrast_ratio(goal.text_colour, colour) >= 4.5


def test_the_goal_list_shows_the_17_goals_with_numbers_names_colours_and_counts(client):
    for number in range(1, 18):
        make_goal(number)
    make_project(goals=[4])
    make_project(goals=[4, 5])

    response = client.get("/goals/")
    content = response.content.decode()

    assert content.count("<h1") == 1
    assert [goal.project_count for goal in response.context["goals"]] == [
        0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]
    for number, colour in GOAL_COLOURS.items():
        assert f'href="/goals/{number}/"' in content
        assert f'<span class="goal-tile__name">Mål {number}</span>' in content
        assert f'fill="{colour}"' in content
        assert f"Beskrivning {number}</p>" in content
    assert '<span class="goal-tile__name">Mål 4</span> <span class="goal-tile__count">(2' in content


def test_goal_text_is_black_or_white_by_class_never_an_inline_style(client):
    make_goal(7)  # yellow: black text
    make_goal(17)  # dark blue: white text

    content = client.get("/goals/").content.decode()

    assert 'class="goal-tile goal-tile--dark"' in content
    assert 'class="goal-tile goal-tile--light"' in content
    assert "style=" not in content


@pytest.mark.parametrize(
    "language, name, description",
    [("sv", "Mål 4", "Beskrivning 4"), ("en", "Goal 4", "Description 4"),
     ("lv", "Mērķis 4", "Apraksts 4")],
)
def test_goal_pages_name_and_describe_goals_in_the_active_language(
    client, settings, language, name, description
):
    make_goal(4)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    listing = client.get("/goals/").content.decode()
    detail = client.get("/goals/4/").content.decode()

    for content in (listing, detail):
        assert f'<html lang="{language}">' in content
        assert name in content
        assert description in content
    assert detail.count("<h1") == 1


def test_a_goal_page_shows_its_projects_countries_and_municipalities_with_counts(english):
    make_goal(4)
    kalix = make_municipality("kalix", name="Kalix")
    masaka = make_municipality("masaka", name="Masaka", country_code="UG")
    umea = make_municipality("umea", name="Umeå")
    make_project(title="Waste and democracy", municipality=kalix,
                 partner_municipalities=[masaka], countries=["UG"], goals=[4])
    make_project(title="Teachers' exchange", municipality=kalix, countries=["UG", "KE"],
                 goals=[4])
    make_project(title="Unrelated", municipality=umea, countries=["IN"], goals=[5])

    response = english.get("/goals/4/")
    content = response.content.decode()

    assert "Waste and democracy" in content and "Teachers&#x27; exchange" in content
    assert "Unrelated" not in content
    assert [(c.code, c.project_count) for c in response.context["countries"]] == [
        ("UG", 2), ("KE", 1),
    ]
    assert 'href="/projects/?goal=4&amp;country=ug">2 projects</a>' in content
    assert [(m.slug, m.involvement_count) for m in response.context["municipalities"]] == [
        ("kalix", 2), ("masaka", 1),
    ]
    assert 'href="/municipalities/kalix/">Kalix</a>' in content
    assert 'href="/projects/?goal=4"' in content
    assert 'href="/countries/in/"' not in content


def test_a_goal_page_neither_lists_nor_counts_drafts(client):
    make_goal(4)
    kalix = make_municipality("kalix")
    make_project(title="Published work", municipality=kalix, countries=["UG"], goals=[4])
    make_project(title="Draft work", countries=["KE"], goals=[4],
                 publication=Project.Publication.DRAFT)

    response = client.get("/goals/4/")
    content = response.content.decode()

    assert "Published work" in content
    assert "Draft work" not in content
    assert response.context["section"]["total"] == 1
    assert [c.code for c in response.context["countries"]] == ["UG"]
    assert [m.slug for m in response.context["municipalities"]] == ["kalix"]
    listing = client.get("/goals/")
    assert next(g for g in listing.context["goals"] if g.number == 4).project_count == 1


def test_a_goal_without_projects_says_so(client):
    make_goal(14)

    content = client.get("/goals/14/").content.decode()

    assert "Mål 14" in content
    assert 'class="empty"' in content


@pytest.mark.parametrize("number", [0, 18, 99])
def test_a_goal_number_outside_1_to_17_is_not_found(client, number):
    for goal in range(1, 18):
        make_goal(goal)

    assert client.get(f"/goals/{number}/").status_code == 404


@pytest.mark.parametrize("rows", [3, 30])
def test_goal_pages_run_the_same_queries_for_3_or_30_projects(
    client, django_assert_max_num_queries, rows
):
    for number in range(1, 18):
        make_goal(number)
    for row in range(rows):
        make_project(
            goals=[4, row % 17 + 1],
            countries=["KE", "UG"][: row % 2 + 1],
            partner_municipalities=[make_municipality()],
        )

    project_index.current()  # built once per change, in a fixed number of queries
    with django_assert_max_num_queries(GOAL_LIST_QUERIES):
        client.get("/goals/")
    with django_assert_max_num_queries(GOAL_DETAIL_QUERIES):
        response = client.get("/goals/4/")
    assert response.context["section"]["total"] == rows


def test_a_goal_number_with_a_leading_zero_redirects_to_the_one_address(client):
    make_goal(4)
    response = client.get("/goals/04/")
    assert response.status_code == 301
    assert response["Location"] == "/goals/4/"


def test_goal_counts_come_from_the_index_which_follows_every_edit(client):
    """The counts are the project index's (projects/project_index.py): a draft is in no
    bitmap, and an edit reaches the next request."""
    make_goal(4)
    make_goal(5)
    make_project(goals=[4])
    draft = make_project(goals=[4], publication=Project.Publication.DRAFT)

    def counts():
        return {goal.number: goal.project_count for goal in client.get("/goals/").context["goals"]}

    assert counts() == {4: 1, 5: 0}
    draft.publication = Project.Publication.PUBLISHED
    draft.save()
    assert counts() == {4: 2, 5: 0}
    draft.goals.set([5])
    assert counts() == {4: 1, 5: 1}
    assert client.get("/goals/5/").context["section"]["total"] == 1


def test_a_goal_page_shows_its_first_projects_in_the_lists_order_on_every_database(client):
    """Read by primary key from the index's positions, the first projects are those of the
    list's default order (newest start year first, those without one last, then title), as
    /projects/?goal=4 shows them, on SQLite and PostgreSQL alike."""
    make_goal(4)
    for number in range(40):
        start = None if number % 9 == 0 else 2000 + number % 4
        make_project(title=f"Title {number % 3}", start_year=start, goals=[4])
    make_project(title="Title 0", start_year=None, goals=[4],
                 publication=Project.Publication.DRAFT)

    section = client.get("/goals/4/").context["section"]
    expected = client.get("/projects/?goal=4").context["page_obj"].object_list

    assert section["total"] == 40
    assert [p.pk for p in section["projects"]] == [p.pk for p in expected]
    assert None not in {p.start_year for p in section["projects"]}


def test_a_municipality_partner_in_its_own_goal_project_counts_it_once(client):
    make_goal(4)
    kalix = make_municipality("kalix")
    masaka = make_municipality("masaka", country_code="UG")
    make_project(municipality=kalix, partner_municipalities=[kalix, masaka], goals=[4])
    make_project(municipality=masaka, partner_municipalities=[kalix], goals=[4])
    make_project(municipality=masaka, partner_municipalities=[kalix], goals=[4],
                 publication=Project.Publication.DRAFT)

    municipalities = client.get("/goals/4/").context["municipalities"]

    assert [(m.slug, m.involvement_count) for m in municipalities] == [
        ("kalix", 2), ("masaka", 2),
    ]
