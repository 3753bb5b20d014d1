"""A search finds a network or a funder by any of its names (registry.text.named): the
project list's search (and the home page's, which leads there) names the networks and funders
one of whose names holds every word, with a link to their projects in the list. The projects'
own search stays what it was: their titles, texts, units and municipalities."""

import pytest

from networks.models import Network
from registry.text import named
from tests.factories import make_funder, make_project
from tests.list_helpers import html_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def nordic():
    network = Network.objects.create(
        name="Nordic City Network", slug="nordic-city-network", other_names="Nordic Cities Network"
    )
    make_project(slug="linked", title="Hållbara städer", networks=[network])
    make_project(slug="other", title="Skolutbyte med Kenya")
    return network


def test_another_name_finds_the_network_and_links_its_projects(english, nordic):
    html = html_of(english.get("/projects/?q=Nordic+Cities+Network"))
    assert (
        '<a href="/networks/nordic-city-network/">Nordic City Network</a> '
        "(also called Nordic Cities Network): "
        '<a href="/projects/?network=nordic-city-network">its projects in the list</a>'
    ) in html
    linked = html_of(english.get("/projects/?network=nordic-city-network"))
    assert 'href="/projects/linked/"' in linked and 'href="/projects/other/"' not in linked


def test_the_own_name_finds_it_without_saying_also_called(english, nordic):
    html = html_of(english.get("/projects/?q=nordic+city"))
    assert '<a href="/networks/nordic-city-network/">Nordic City Network</a>: ' in html
    assert "also called" not in html


def test_a_funder_is_found_by_another_name_ignoring_case_and_accents(english):
    make_funder(
        "icld", name="ICLD", other_names="Internationellt Centrum för Lokal Demokrati\nIcld"
    )
    html = html_of(english.get("/projects/?q=centrum+FOR+lokal"))
    assert '<a href="/funders/icld/">ICLD</a> (also called Internationellt Centrum för' in html
    assert 'href="/projects/?funder=icld"' in html


def test_words_must_all_be_in_one_name(nordic):
    assert named(Network.objects.all(), "cities nordic") == [(nordic, "Nordic Cities Network")]
    assert named(Network.objects.all(), "nordic refuge") == []
    assert named(Network.objects.all(), "   ") == []


def test_a_search_naming_no_network_or_funder_shows_no_such_box(english, nordic):
    html = html_of(english.get("/projects/?q=Kenya"))
    assert "Networks and funders with this name" not in html
    assert 'href="/projects/other/"' in html


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("sv", "Nätverk och finansiärer med det här namnet"),
        ("lv", "Tīkli un finansētāji ar šo nosaukumu"),
    ],
)
def test_the_box_reads_in_each_language(client, settings, nordic, language, words):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert words in html_of(client.get("/projects/?q=Nordic+Cities"))
