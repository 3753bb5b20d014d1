"""A search longer than anyone types is refused with a 400 naming `q`, on every database,
instead of a query the database refuses (SQLite) or is slow to answer."""

import pytest

from projects.filters import SEARCH_MAX_LENGTH, SEARCH_MAX_WORDS
from tests.factories import make_project

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/projects/", "/projects/export.csv", "/projects/export.xlsx", "/projects/export.json"]


@pytest.fixture
def project():
    return make_project(title="Kulturskolor i samarbete")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_search_of_a_thousand_words_is_a_bad_request_naming_q(english, project, endpoint):
    response = english.get(endpoint, {"q": " ".join(["skola"] * 1000)})

    assert response.status_code == 400
    content = response.content.decode()
    assert f"Search for at most {SEARCH_MAX_WORDS} words." in content
    if endpoint.endswith((".csv", ".xlsx")):
        assert "q: Search for at most" in content
    if endpoint.endswith(".json"):
        assert f"Search for at most {SEARCH_MAX_WORDS} words." in response.json()["errors"]["q"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_search_longer_than_the_limit_is_a_bad_request(english, project, endpoint):
    response = english.get(endpoint, {"q": "k" * (SEARCH_MAX_LENGTH + 1)})

    assert response.status_code == 400
    assert f"at most {SEARCH_MAX_LENGTH} characters" in response.content.decode()


def test_the_message_is_in_the_visitors_language(client, project):
    client.cookies["django_language"] = "sv"

    response = client.get("/projects/export.csv", {"q": " ".join(["skola"] * 1000)})

    assert response.status_code == 400
    assert f"q: Sök på högst {SEARCH_MAX_WORDS} ord." in response.content.decode()


def test_a_search_of_as_many_words_as_allowed_still_finds(english, project):
    words = ["kultur", "samarbete"] * (SEARCH_MAX_WORDS // 2)

    response = english.get("/projects/", {"q": " ".join(words)})

    assert response.status_code == 200
    assert "Kulturskolor i samarbete" in response.content.decode()
