"""The interface in Swedish (the default), English and Latvian; content in its own language;
the language switcher keeps the page and its query."""

import re

import pytest
from django.conf import settings
from django.utils import translation

from projects.models import Project
from tests.factories import make_municipality, make_project
from tests.list_helpers import element_html, get_list, html_of, text_of

pytestmark = pytest.mark.django_db

LANGUAGES = ["sv", "en", "lv"]

# Phrases each page shows, per language: the interface, goal names from the model and
# country names from django-countries.
LIST_PHRASES = {
    "sv": ["Sortera efter", "Visa projekt", "Hoppa till innehållet", "Mål 4", "Tyskland"],
    "en": ["Projects", "Sort by", "Show projects", "Skip to content", "Goal 4", "Germany"],
    "lv": ["Projekti", "Kārtot pēc", "Rādīt projektus", "Pāriet uz saturu", "Mērķis 4", "Vācija"],
}
PAGE_PHRASES = {
    "sv": ["Partnerländer", "Om projektet", "Posten senast ändrad", "Mål 4", "Tyskland"],
    "en": ["Partner countries", "About the project", "Record last changed", "Goal 4", "Germany"],
    "lv": ["Partnervalstis", "Par projektu", "Ieraksts pēdējo reizi mainīts", "Mērķis 4", "Vācija"],
}
STATUS = {"sv": "Avslutat", "en": "Completed", "lv": "Pabeigts"}


@pytest.fixture
def project():
    return make_project(
        slug="skolutbyte",
        title="Skolutbyte med Tyskland",
        summary="Elever besöker varandra.",
        description="Ett utbyte mellan två skolor.",
        language=Project.Language.SWEDISH,
        municipality=make_municipality("norrkoping", name="Norrköping"),
        countries=["DE"],
        goals=[4],
        start_year=2019,
        end_year=2020,
    )


def test_swedish_is_the_default_language(client, project):
    html = html_of(client.get("/projects/"))
    assert '<html lang="sv">' in html
    assert "Hoppa till innehållet" in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_list_is_in_the_visitors_language(client, project, language):
    response = get_list(client, "goal=4&country=de", language=language)
    html = html_of(response)
    assert f'<html lang="{language}">' in html
    for phrase in LIST_PHRASES[language]:
        assert phrase in html, (language, phrase)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_project_page_is_in_the_visitors_language(client, project, language):
    html = html_of(client.get("/projects/skolutbyte/", HTTP_ACCEPT_LANGUAGE=language))
    assert f'<html lang="{language}">' in html
    text = text_of(html)
    for phrase in [*PAGE_PHRASES[language], STATUS[language]]:
        assert phrase in text, (language, phrase)


@pytest.mark.parametrize("language", LANGUAGES)
def test_content_keeps_its_own_language_whatever_the_interface(client, project, language):
    html = html_of(client.get("/projects/skolutbyte/", HTTP_ACCEPT_LANGUAGE=language))
    assert '<h1 id="project-title" lang="sv">Skolutbyte med Tyskland</h1>' in html
    assert '<p class="lead" lang="sv">Elever besöker varandra.</p>' in html
    list_html = html_of(get_list(client, language=language))
    assert 'lang="sv">Skolutbyte med Tyskland</a>' in list_html


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, {"sv": "0 projekt", "en": "0 projects", "lv": "0 projektu"}),
        (1, {"sv": "1 projekt", "en": "1 project", "lv": "1 projekts"}),
        (2, {"sv": "2 projekt", "en": "2 projects", "lv": "2 projekti"}),
        (11, {"sv": "11 projekt", "en": "11 projects", "lv": "11 projekti"}),
        (21, {"sv": "21 projekt", "en": "21 projects", "lv": "21 projekts"}),
    ],
)
def test_the_result_count_has_the_right_plural_in_every_language(client, count, expected):
    municipality = make_municipality("town")
    for number in range(count):
        make_project(slug=f"p{number}", municipality=municipality)
    for language in LANGUAGES:
        html = html_of(get_list(client, language=language))
        assert text_of(element_html(html, "results-heading")) == expected[language], language


def test_latvian_has_three_plural_forms():
    header = (settings.BASE_DIR / "locale/lv/LC_MESSAGES/django.po").read_text()
    assert (
        '"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2);\\n"'
        in header
    )


def test_the_switcher_names_each_language_in_itself(client, project):
    html = html_of(get_list(client, language="en"))
    switcher = re.search(r'<nav class="language-switcher".*?</nav>', html, re.DOTALL).group(0)
    for code, name in [("sv", "Svenska"), ("en", "English"), ("lv", "Latviešu")]:
        link = re.search(rf'<a href="/language/{code}/[^"]*"[^>]*>{name}</a>', switcher)
        assert link, (code, name)
        assert f'lang="{code}" hreflang="{code}" rel="nofollow"' in link.group(0)
    assert re.findall(r'aria-current="true">(\w+)<', switcher) == ["English"]
    assert "<form" not in switcher and "<button" not in switcher


def test_the_switcher_keeps_the_page_and_its_query(client, project):
    html = html_of(get_list(client, "goal=4&country=de"))
    assert 'href="/language/lv/?next=/projects/%3Fgoal%3D4%26country%3Dde"' in html


def test_choosing_a_language_returns_to_the_same_page_in_that_language(client, project):
    next_url = "/projects/?goal=4&country=de"
    response = client.get("/language/lv/", {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "lv"
    page = client.get(response["Location"])
    html = html_of(page)
    assert '<html lang="lv">' in html
    assert "Rādīt projektus" in html and "Vācija" in html
    assert "skolutbyte" in html


def test_the_chosen_language_is_remembered_for_a_year(client):
    response = client.get("/language/en/", {"next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["max-age"] == 365 * 24 * 60 * 60


def test_the_switchers_own_link_leads_back_to_the_page(client, project):
    html = html_of(get_list(client, "goal=4&country=de"))
    href = re.search(r'<a href="(/language/en/[^"]*)"', html).group(1)
    response = client.get(href.replace("&amp;", "&"))
    assert response["Location"] == "/projects/?goal=4&country=de"
    assert '<html lang="en">' in html_of(client.get(response["Location"]))


def test_the_chosen_language_outlasts_the_browsers_preference(client, project):
    client.get("/language/en/", {"next": "/projects/skolutbyte/"})
    html = html_of(client.get("/projects/skolutbyte/", HTTP_ACCEPT_LANGUAGE="lv"))
    assert '<html lang="en">' in html


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/projects/",
        "/\\evil.example/",
        "javascript:alert(1)",
    ],
)
def test_choosing_a_language_never_leads_to_another_site(client, next_url):
    response = client.get("/language/en/", {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_without_next_choosing_a_language_leads_home(client):
    assert client.get("/language/lv/")["Location"] == "/"


def test_an_unknown_language_is_not_found_and_sets_no_cookie(client):
    for code in ["de", "EN", "xx"]:
        response = client.get(f"/language/{code}/", {"next": "/projects/"})
        assert response.status_code == 404, code
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_urls_have_no_language_prefix(client, project):
    assert client.get("/en/projects/").status_code == 404
    assert client.get("/projects/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200


def _po_entries(path):
    """(strings by field, fuzzy) for each live entry of a .po file, the header left out."""
    for block in path.read_text().split("\n\n")[1:]:
        comments = [line for line in block.splitlines() if line.startswith("#")]
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        if not lines:
            continue  # an obsolete entry
        strings, field = {}, None
        for line in lines:
            match = re.match(r'^(msg\w+(?:\[\d+\])?) "(.*)"$', line)
            if match:
                field = match.group(1)
                strings[field] = match.group(2)
            else:
                strings[field] += line.strip()[1:-1]
        yield strings, any(line.startswith("#,") and "fuzzy" in line for line in comments)


@pytest.mark.parametrize("language", ["sv", "lv"])
def test_every_interface_string_is_translated(language):
    """No empty or fuzzy msgstr in Swedish or Latvian, and the catalogue is compiled."""
    path = settings.BASE_DIR / f"locale/{language}/LC_MESSAGES/django.po"
    untranslated = [
        strings["msgid"]
        for strings, fuzzy in _po_entries(path)
        if fuzzy or any(value == "" for name, value in strings.items() if name.startswith("msgstr"))
    ]
    assert untranslated == []
    assert path.with_suffix(".mo").exists()


def test_goal_names_follow_the_active_language(project):
    goal = project.goals.get()
    for language, name in [("sv", "Mål 4"), ("en", "Goal 4"), ("lv", "Mērķis 4")]:
        with translation.override(language):
            assert goal.name == name
