"""/projects/: filters alone and together, facet counts, sorting, pages, bad values, chips,
export links and the cost in queries."""

import re

import pytest
from django.http import QueryDict

from networks.models import Membership, Network
from projects import project_index
from projects.facets import filter_groups
from projects.filters import ProjectFilter
from projects.models import Project, current_year
from tests.factories import (
    make_funder,
    make_municipality,
    make_organisation,
    make_project,
)
from tests.list_helpers import element_html, get_list, html_of, listed_slugs, text_of

pytestmark = pytest.mark.django_db

YEAR = current_year()


@pytest.fixture
def catalogue():
    """Six published projects and one draft that would match almost everything."""
    norrkoping = make_municipality("norrkoping", name="Norrköping")
    kalix = make_municipality("kalix", name="Kalix")
    rezekne = make_municipality("rezekne", name="Rēzekne", country_code="LV")
    daugavpils = make_municipality("daugavpils", name="Daugavpils", country_code="LV")
    sida = make_funder("sida", name="Sida")
    icld = make_funder("icld", name="ICLD", parent=sida)
    erasmus = make_funder("erasmus-plus", name="Erasmus+")
    network = Network.objects.create(name="Nordic City Network", slug="nordic-city-network")
    Membership.objects.create(network=network, municipality=norrkoping)
    Type = Project.Type
    make_project(
        slug="water", title="Clean water", municipality=norrkoping, goals=[6], countries=["KE"],
        funders=[icld], start_year=2019, end_year=2021, type=Type.MUNICIPAL_PARTNERSHIP,
        partner_municipalities=[daugavpils], networks=[network],
    )
    make_project(
        slug="schools", title="Schools together", municipality=norrkoping, goals=[4],
        countries=["DE", "IT"], funders=[erasmus], start_year=2020, end_year=2022,
        type=Type.SCHOOL_PARTNERSHIP, networks=[network],
    )
    make_project(
        slug="waste", title="Waste and plastics", municipality=kalix, goals=[11, 12],
        countries=["UG"], funders=[sida], start_year=2021, end_year=None, type=Type.COMMUNICATION,
    )
    make_project(
        slug="active", title="Active communities", municipality=rezekne, goals=[4],
        countries=["GB"], start_year=None, end_year=2021, type=Type.COMMUNITY_DEVELOPMENT,
    )
    make_project(
        slug="later", title="Later plans", municipality=daugavpils, goals=[4], countries=["KE"],
        start_year=YEAR + 1, end_year=YEAR + 3, type=Type.EXCHANGE,
    )
    make_project(
        slug="resting", title="Resting exchange", municipality=kalix, paused=True,
        start_year=2018, end_year=None, type=Type.EXCHANGE,
    )
    make_project(
        slug="secret", title="Secret draft in Norrköping", municipality=norrkoping, goals=[4, 6],
        countries=["KE", "DE"], funders=[icld, erasmus], start_year=2020,
        publication=Project.Publication.DRAFT,
    )


ALL = {"water", "schools", "waste", "active", "later", "resting"}


def slugs(client, query):
    response = get_list(client, query)
    assert response.status_code == 200, query
    return set(listed_slugs(response))


def test_the_list_shows_every_published_project_and_no_draft(client, catalogue):
    response = get_list(client)
    assert set(listed_slugs(response)) == ALL
    assert "Secret draft" not in html_of(response)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("goal=4", {"schools", "active", "later"}),
        ("country=KE", {"water", "later"}),
        ("country=ke", {"water", "later"}),
        ("municipality=kalix", {"waste", "resting"}),
        ("partner=daugavpils", {"water"}),
        ("funder=erasmus-plus", {"schools"}),
        ("funder=icld", {"water"}),
        ("network=nordic-city-network", {"water", "schools"}),
        ("status=ongoing", {"waste"}),
        ("status=planned", {"later"}),
        ("status=paused", {"resting"}),
        ("status=completed", {"water", "schools", "active"}),
        ("type=communication", {"waste"}),
        # "active" ended in 2021 from an unknown start: 2020 is not known to be one of its years.
        ("active_in=2020", {"water", "schools", "resting"}),
        ("q=plastics", {"waste"}),
    ],
)
def test_each_filter_alone_keeps_only_its_projects(client, catalogue, query, expected):
    assert slugs(client, query) == expected


def test_a_partner_municipality_is_a_facet_with_its_chip(client, catalogue):
    response = get_list(client, "partner=daugavpils")

    partners = {group.name: group for group in response.context["groups"]}["partner"]
    assert [(option.label, option.count, option.selected) for option in partners.options] == [
        ("Daugavpils", 1, True)
    ]
    assert [chip.label for chip in response.context["chips"]] == ["Daugavpils"]


def test_a_parent_funder_includes_the_projects_of_the_funders_it_finances(client, catalogue):
    assert slugs(client, "funder=sida") == {"water", "waste"}


@pytest.mark.parametrize("query", ["q=norrköping", "q=NORRKOPING", "q=Norrkoping"])
def test_search_ignores_case_and_accents_of_swedish_names(client, catalogue, query):
    assert slugs(client, query) == {"water", "schools"}


@pytest.mark.parametrize("query", ["q=rezekne", "q=RĒZEKNE", "q=Rēzekne"])
def test_search_ignores_case_and_accents_of_latvian_names(client, catalogue, query):
    assert slugs(client, query) == {"active"}


def test_search_needs_every_word(client, catalogue):
    assert slugs(client, "q=clean+water") == {"water"}
    assert slugs(client, "q=clean+plastics") == set()


def test_repeated_goal_means_either(client, catalogue):
    assert slugs(client, "goal=4&goal=6") == {"schools", "active", "later", "water"}


def test_repeated_country_means_either(client, catalogue):
    assert slugs(client, "country=KE&country=de") == {"water", "later", "schools"}


def test_repeated_status_means_either(client, catalogue):
    assert slugs(client, "status=planned&status=paused") == {"later", "resting"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("goal=4&country=KE", {"later"}),
        ("goal=4&municipality=norrkoping", {"schools"}),
        ("status=completed&goal=4", {"schools", "active"}),
        ("funder=sida&active_in=2020", {"water"}),
        ("goal=4&goal=6&country=KE&country=DE&network=nordic-city-network", {"water", "schools"}),
        ("q=norrkoping&goal=11", set()),
    ],
)
def test_different_parameters_must_all_match(client, catalogue, query, expected):
    assert slugs(client, query) == expected


@pytest.mark.parametrize(
    ("start", "end", "year", "included"),
    [
        (2019, 2021, 2019, True),  # the start year
        (2019, 2021, 2021, True),  # the end year
        (2019, 2021, 2018, False),  # before
        (2019, 2021, 2022, False),  # after
        (None, 2021, 1990, False),  # no start stated: not known to run before its end year
        (None, 2021, 2021, True),
        (None, 2021, 2022, False),
        (2019, None, YEAR, True),  # no end stated: up to its confirmation (today)
        (2019, None, 2090, False),
        (2019, None, 2018, False),
        (None, None, 2000, False),  # no years at all: no year is known
    ],
)
def test_active_in_counts_only_the_years_the_facts_cover(
    client, start, end, year, included
):
    make_project(slug="edge", start_year=start, end_year=end)
    assert slugs(client, f"active_in={year}") == ({"edge"} if included else set())


def test_repeated_active_in_means_any_of_the_years(client, catalogue):
    expected = {"resting", "schools", "waste"}
    assert slugs(client, "active_in=2018&active_in=2022") == expected


def groups_for(query):
    filterset = ProjectFilter(QueryDict(query), queryset=Project.objects.published())
    filterset.is_valid()
    return {group.name: group for group in filter_groups(filterset, project_index.current())}


def counts(group):
    return {option.value: option.count for option in group.options}


def test_facet_counts_keep_the_other_filters_and_drop_their_own(catalogue):
    groups = groups_for("country=KE")
    # Goals are counted among the Kenyan projects only…
    assert counts(groups["goal"]) == {"4": 1, "6": 1}
    assert counts(groups["municipality"]) == {"daugavpils": 1, "norrkoping": 1}
    # …a parent funder counts its children's projects…
    assert counts(groups["funder"]) == {"icld": 1, "sida": 1}
    # …and the countries ignore the country filter itself, so other countries can be added.
    assert counts(groups["country"]) == {"KE": 2, "DE": 1, "IT": 1, "UG": 1, "GB": 1}


def test_a_parent_funder_counts_a_project_once_even_when_it_funds_it_twice(catalogue):
    project = Project.objects.get(slug="waste")
    project.funders.add(make_funder("icld"))
    assert counts(groups_for("")["funder"]) == {"erasmus-plus": 1, "icld": 2, "sida": 2}


def test_facet_counts_ignore_drafts(catalogue):
    assert counts(groups_for("")["goal"]) == {"4": 3, "6": 1, "11": 1, "12": 1}


def test_an_option_that_would_give_nothing_is_shown_only_when_chosen(client, catalogue):
    assert "11" not in counts(groups_for("country=KE")["goal"])
    assert counts(groups_for("country=KE&goal=11")["goal"]) == {"4": 1, "6": 1, "11": 0}
    html = html_of(get_list(client, "country=KE&goal=11"))
    goal_block = element_html(html, "filter-goal")
    assert 'value="11" id="goal-11" checked' in goal_block
    assert 'id="goal-12"' not in goal_block


def test_the_form_shows_counts_beside_the_options(client, catalogue):
    html = html_of(get_list(client, "country=KE", language="en"))
    funder_block = text_of(element_html(html, "filter-funder"))
    assert "Sida (1)" in funder_block
    assert "Erasmus+" not in funder_block
    assert "Kenya (2)" in text_of(element_html(html, "filter-country"))


def test_networks_are_counted_and_hidden_at_zero_like_the_other_facets(client, catalogue):
    Network.objects.create(name="Empty Network", slug="empty-network")
    # A network counts the projects linked to it, not every project of its members.
    assert counts(groups_for("")["network"]) == {"nordic-city-network": 2}
    assert counts(groups_for("country=KE")["network"]) == {"nordic-city-network": 1}
    # The network filter ignores its own parameter; an option giving nothing is hidden…
    assert counts(groups_for("country=UG")["network"]) == {}
    # …unless chosen.
    chosen = groups_for("country=UG&network=nordic-city-network")["network"]
    assert counts(chosen) == {"nordic-city-network": 0}
    html = html_of(get_list(client, "country=KE", language="en"))
    network_block = text_of(element_html(html, "filter-network"))
    assert "Nordic City Network (1)" in network_block
    assert "Empty Network" not in network_block


def test_countries_are_listed_by_their_name_in_the_active_language(client, catalogue):
    html = html_of(get_list(client, language="en"))
    country_block = text_of(element_html(html, "filter-country"))
    names = ["Germany", "Italy", "Kenya", "Uganda", "United Kingdom"]
    positions = [country_block.index(name) for name in names]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("sv", ["Danmark", "Sverige", "Ungern", "Österrike"]),  # å, ä, ö come after z
        ("lv", ["Austrija", "Centrālāfrikas Republika", "Čehija", "Dānija", "Ungārija"]),
    ],
)
def test_countries_follow_the_alphabet_of_the_language(client, language, names):
    make_project(countries=["AT", "HU", "CF", "CZ", "DK", "SE"])
    html = html_of(get_list(client, language=language))
    country_block = text_of(element_html(html, "filter-country"))
    positions = [country_block.index(name) for name in names]
    assert positions == sorted(positions)


def test_goals_are_listed_by_number_with_their_names(client, catalogue):
    html = html_of(get_list(client, language="en"))
    goal_block = text_of(element_html(html, "filter-goal"))
    assert goal_block.index("4. Goal 4") < goal_block.index("6. Goal 6") < goal_block.index(
        "11. Goal 11"
    )


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", ["active", "water", "later", "resting", "schools", "waste"]),
        ("-title", ["waste", "schools", "resting", "later", "water", "active"]),
        ("start_year", ["resting", "water", "schools", "waste", "later", "active"]),
        ("-start_year", ["later", "waste", "schools", "water", "resting", "active"]),
        ("municipality", ["later", "resting", "waste", "water", "schools", "active"]),
    ],
)
def test_each_sort_order(client, catalogue, sort, expected):
    assert listed_slugs(get_list(client, f"sort={sort}")) == expected


def test_the_default_order_is_newest_first(client, catalogue):
    assert listed_slugs(get_list(client)) == listed_slugs(get_list(client, "sort=-start_year"))


@pytest.fixture
def thirty_projects():
    town = make_municipality("many")
    for number in range(30):
        make_project(slug=f"p{number:02d}", title=f"Project {number:02d}", municipality=town)


def test_a_page_holds_25_projects_and_the_second_the_rest(client, thirty_projects):
    first = listed_slugs(get_list(client, "sort=title"))
    second = listed_slugs(get_list(client, "sort=title&page=2"))
    assert first == [f"p{number:02d}" for number in range(25)]
    assert second == [f"p{number:02d}" for number in range(25, 30)]


def test_page_links_keep_the_filters(client, thirty_projects):
    html = html_of(get_list(client, "sort=title"))
    assert 'href="?sort=title&amp;page=2"' in html
    assert 'rel="next"' in html


@pytest.mark.parametrize("page", ["3", "0", "-1", "abc", "1.5"])
def test_a_page_that_does_not_exist_is_404(client, thirty_projects, page):
    assert get_list(client, f"page={page}").status_code == 404


def test_the_count_is_the_whole_result_not_the_page(client, thirty_projects):
    html = html_of(get_list(client, "page=2", language="en"))
    assert text_of(element_html(html, "results-heading")) == "30 projects"


def test_the_count_has_a_singular(client):
    make_project(title="Alone")
    html = html_of(get_list(client, language="en"))
    assert text_of(element_html(html, "results-heading")) == "1 project"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("goal=99", "goal", "99 is not one of the available choices"),
        ("goal=x", "goal", "“x” is not a valid value"),
        ("country=XX", "country", "XX is not one of the available choices"),
        ("active_in=abc", "active_in", "Enter a year between 1950 and 2100"),
        ("active_in=3000", "active_in", "Enter a year between 1950 and 2100"),
        ("sort=evil", "sort", "evil is not one of the available choices"),
        ("status=nope", "status", "nope is not one of the available choices"),
        ("type=nope", "type", "nope is not one of the available choices"),
        ("municipality=atlantis", "municipality", "atlantis is not one of the available choices"),
        ("funder=nobody", "funder", "nobody is not one of the available choices"),
        ("network=none-such", "network", "none-such is not one of the available choices"),
        ("municipality=%00", "municipality", "not one of the available choices"),
        ("country=K%00E", "country", "not one of the available choices"),
        ("q=%00", "q", "Null characters are not allowed"),
    ],
)
def test_a_bad_value_answers_400_with_the_error_beside_its_field(
    client, catalogue, query, field, message
):
    response = get_list(client, f"goal=4&{query}", language="en")
    assert response.status_code == 400
    html = html_of(response)
    block = element_html(html, f"filter-{field}")
    assert message in text_of(block)
    assert f'id="{field}-error"' in block
    assert 'aria-invalid="true"' in block
    assert re.search(rf'aria-describedby="[^"]*\b{field}-error"', block)
    assert listed_slugs(response) == []
    # The error summary links to the field.
    assert f'href="#filter-{field}"' in element_html(html, "main")


def test_a_bad_value_keeps_the_good_ones_chosen(client, catalogue):
    html = html_of(get_list(client, "goal=4&country=XX"))
    assert 'value="4" id="goal-4" checked' in element_html(html, "filter-goal")


def test_unknown_parameters_are_ignored(client, catalogue):
    assert slugs(client, "colour=blue&utm_source=x&goal=4") == {"schools", "active", "later"}


def test_an_empty_parameter_filters_nothing(client, catalogue):
    assert slugs(client, "q=&goal=&country=&active_in=&status=&sort=") == ALL


def test_each_chip_links_to_the_list_without_its_one_value(client, catalogue):
    html = html_of(get_list(client, "goal=4&goal=6&country=KE", language="en"))
    chips = element_html(html, "main")
    assert 'href="/projects/?goal=6&amp;country=KE"' in chips  # without goal 4
    assert 'href="/projects/?goal=4&amp;country=KE"' in chips  # without goal 6
    assert 'href="/projects/?goal=4&amp;goal=6"' in chips  # without Kenya
    assert "Partner country: Kenya" in text_of(chips)


def test_a_chip_drops_the_page_number(client, catalogue):
    html = html_of(get_list(client, "country=KE&page=1"))
    assert 'class="chip" href="/projects/"' in html


def test_the_export_links_carry_the_query_without_the_page(client, thirty_projects):
    html = html_of(get_list(client, "sort=title&page=2"))
    for name in ("csv", "xlsx", "json"):
        assert f'href="/projects/export.{name}?sort=title"' in html


def test_the_export_links_of_an_unfiltered_list_have_no_query(client, catalogue):
    html = html_of(get_list(client))
    assert 'href="/projects/export.csv"' in html


def test_a_row_shows_owner_units_years_status_goals_and_countries(client, catalogue):
    project = Project.objects.get(slug="schools")
    project.organisations.set([make_organisation(project.municipality, name="Hagagymnasiet")])
    response = get_list(client, "municipality=norrkoping&goal=4", language="en")
    row = text_of(html_of(response).split('class="project-row"')[1])
    assert "Schools together" in row
    assert "Norrköping: Hagagymnasiet" in row
    assert "2020–2022 · completed" in row
    assert "4 Goal 4" in row
    assert "Germany, Italy" in row


def test_the_form_keeps_what_was_asked(client, catalogue):
    html = html_of(get_list(client, "q=water&active_in=2020&sort=title&status=completed"))
    assert 'name="q" id="id_q" value="water"' in html
    assert 'id="id_active_in" size="6" value="2020"' in html
    assert '<option value="title" selected>' in html
    assert 'value="completed" id="status-completed" checked' in html


def _projects_with_every_relation(count):
    parent = make_funder("sida")
    child = make_funder("icld", parent=parent)
    network = Network.objects.create(name="Net", slug="net")
    for number in range(count):
        municipality = make_municipality(f"town-{number % 7}")
        make_project(
            networks=[network],
            municipality=municipality,
            goals=[4, 1 + number % 17],
            countries=["KE", ["DE", "LV", "SE"][number % 3]],
            funders=[child, parent],
            organisations=[make_organisation(municipality)],
            partner_municipalities=[make_municipality(f"partner-{number % 5}")],
            start_year=2015 + number % 10,
        )


QUERY_BOUND = 24


@pytest.mark.parametrize("count", [5, 60])
@pytest.mark.parametrize("query", ["", "goal=4&country=KE&funder=sida&network=net&active_in=2020"])
def test_queries_do_not_grow_with_the_rows(client, django_assert_max_num_queries, count, query):
    _projects_with_every_relation(count)
    project_index.current()  # read once per change, in a fixed number of queries
    with django_assert_max_num_queries(QUERY_BOUND):
        response = get_list(client, query)
    assert len(listed_slugs(response)) == min(count, 25)
