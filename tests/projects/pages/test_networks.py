"""/networks/ and /networks/<slug>/: purpose, who may join, members with role and year,
strategies, and the published projects linked to the network (not every project of its
members)."""

import pytest

from networks.models import Membership, Network
from projects import project_index
from projects.models import Project, Strategy, StrategyItem
from tests.factories import make_municipality, make_project

pytestmark = pytest.mark.django_db

# The page's own queries once the project index is built (its build, after any change, is a
# fixed number of queries more); one of them reads the change stamp.
# The memberships are one more: they are read with the networks, not kept in the index.
NETWORK_LIST_QUERIES = 3
# Two more: the citations of the network and of its strategies; and two for the translations of
# its purpose and of its strategies' items.
NETWORK_DETAIL_QUERIES = 17


@pytest.fixture
def eunivercities():
    network = Network.objects.create(
        name="EUniverCities", slug="eunivercities", kind=Network.Kind.CITY_NETWORK,
        purpose="Cities and universities working together.",
        who_may_join="Medium-sized European university cities",
        website="https://www.eunivercities.eu/",
    )
    norrkoping = make_municipality("norrkoping", name="Norrköping")
    linkoping = make_municipality("linkoping", name="Linköping")
    Membership.objects.create(network=network, municipality=norrkoping, role="Founding member",
                              since_year=2012)
    Membership.objects.create(network=network, municipality=linkoping)
    make_project(title="Globala rummet", municipality=norrkoping, networks=[network])
    # A member's project not linked to the network is not the network's.
    make_project(title="Member's other project", municipality=norrkoping)
    make_project(title="Outsider project")
    return network


def test_the_network_list_shows_each_network_with_members_and_projects(english, eunivercities):
    Network.objects.create(name="ICORN", slug="icorn")

    response = english.get("/networks/")
    content = response.content.decode()

    assert content.count("<h1") == 1
    counts = {n.slug: (n.member_count, n.project_count) for n in response.context["networks"]}
    assert counts == {"eunivercities": (2, 1), "icorn": (0, 0)}
    assert '<a href="/networks/eunivercities/">EUniverCities</a>' in content
    assert "2 members" in content
    assert "1 linked project" in content
    assert "Cities and universities working together." in content


def test_a_network_page_shows_purpose_who_may_join_website_and_members(english, eunivercities):
    content = english.get("/networks/eunivercities/").content.decode()

    assert content.count("<h1") == 1
    assert "EUniverCities</h1>" in content
    assert "Cities and universities working together." in content
    assert "Medium-sized European university cities" in content
    assert 'href="https://www.eunivercities.eu/"' in content
    assert '<a href="/municipalities/norrkoping/">Norrköping</a>' in content
    assert '<td><span lang="sv">Founding member</span></td>' in content
    assert '<td class="numeric">2012</td>' in content
    assert '<a href="/municipalities/linkoping/">Linköping</a>' in content


def test_a_network_page_lists_its_members_projects_and_links_the_filtered_list(
    english, eunivercities
):
    content = english.get("/networks/eunivercities/").content.decode()

    assert "Globala rummet" in content
    assert "Member&#x27;s other project" not in content
    assert "Outsider project" not in content
    assert 'href="/projects/?network=eunivercities"' in content


def test_a_network_page_shows_its_strategies_with_their_items(english, eunivercities):
    strategy = Strategy.objects.create(title="Network strategy 2030", slug="network-2030",
                                       network=eunivercities, language="en")
    StrategyItem.objects.create(strategy=strategy, kind="priority_area", position=1,
                                text="Knowledge cities")

    content = english.get("/networks/eunivercities/").content.decode()

    assert "Network strategy 2030" in content
    assert '<li><span lang="en">Knowledge cities</span></li>' in content


def test_drafts_of_members_are_neither_listed_nor_counted(english, eunivercities):
    norrkoping = eunivercities.memberships.get(municipality__slug="norrkoping").municipality
    make_project(title="Draft idea", municipality=norrkoping, networks=[eunivercities],
                 publication=Project.Publication.DRAFT)

    detail = english.get("/networks/eunivercities/")
    listing = english.get("/networks/")

    assert "Draft idea" not in detail.content.decode()
    assert detail.context["section"]["total"] == 1
    assert listing.context["networks"][0].project_count == 1


def test_an_unknown_network_is_not_found(client):
    assert client.get("/networks/nothing/").status_code == 404


@pytest.mark.parametrize("language", ["sv", "en", "lv"])
def test_network_pages_render_in_each_language(client, settings, eunivercities, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    for path in ("/networks/", "/networks/eunivercities/"):
        content = client.get(path).content.decode()
        assert f'<html lang="{language}">' in content
        assert "EUniverCities" in content


@pytest.mark.parametrize("rows", [3, 30])
def test_network_pages_run_the_same_queries_for_3_or_30_rows(
    client, django_assert_max_num_queries, rows
):
    network = Network.objects.create(name="Big network", slug="big")
    for row in range(rows):
        member = make_municipality(country_code=["SE", "LV", "KE"][row % 3])
        Membership.objects.create(network=network, municipality=member, role="member")
        make_project(
            municipality=member, goals=[row % 17 + 1], countries=["KE"], networks=[network]
        )
        strategy = Strategy.objects.create(title=f"Strategy {row}", slug=f"s-{row}",
                                           network=network)
        StrategyItem.objects.create(strategy=strategy, kind="aim", position=1, text="Aim")
        Network.objects.create(name=f"Network {row}", slug=f"network-{row}")

    project_index.current()  # built once per change, in a fixed number of queries
    with django_assert_max_num_queries(NETWORK_LIST_QUERIES):
        client.get("/networks/")
    with django_assert_max_num_queries(NETWORK_DETAIL_QUERIES):
        response = client.get("/networks/big/")
    assert response.context["section"]["total"] == rows
