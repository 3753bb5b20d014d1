"""/countries/ (the world map and its table) and /countries/<iso2>/, from published
projects only."""

import json
import re
from pathlib import Path

import pytest

from projects import project_index
from projects.models import Project
from registry.templatetags.world_map import map_data, step_of
from tests.factories import make_municipality, make_project

pytestmark = pytest.mark.django_db

VENDOR = Path(__file__).resolve().parents[3] / "static" / "vendor" / "svg-maps-world"
# The page's own queries once the project index is built (its build, after any change, is a
# fixed number of queries more); one of them reads the change stamp.
COUNTRY_LIST_QUERIES = 4
# Twelve, and a thirteenth when a municipality both owns and is a partner in its projects.
COUNTRY_DETAIL_QUERIES = 13


def map_links(content):
    """{href: title} of every link inside the page's SVG map."""
    start = content.index('<svg class="world-map__svg"')
    svg = content[start : content.index("</svg>", start)]
    link = r'<a href="([^"]+)"><title>([^<]+)</title>'
    return dict(re.findall(link, svg))


def table_rows(content):
    """[(href, projects, partner municipalities)] of the countries table."""
    table = content[content.index("<tbody>") : content.index("</tbody>")]
    return re.findall(
        r'<a href="([^"]+)">[^<]+</a></th>\s*<td class="numeric">(\d+)</td>\s*'
        r'<td class="numeric">(\d+)</td>',
        table,
    )


def test_the_map_links_every_partner_country_with_a_title_naming_it_and_its_count(english):
    make_project(countries=["KE", "UG"])
    make_project(countries=["KE"])
    make_project(countries=["IN"], publication=Project.Publication.DRAFT)

    content = english.get("/countries/").content.decode()

    assert content.count("<h1") == 1
    assert map_links(content) == {
        "/countries/ke/": "Kenya: 2 projects",
        "/countries/ug/": "Uganda: 1 project",
    }


def test_the_table_beside_the_map_gives_the_same_numbers_and_partner_municipalities(english):
    masaka = make_municipality("masaka", name="Masaka", country_code="UG")
    make_project(countries=["KE", "UG"], partner_municipalities=[masaka])
    make_project(countries=["KE"])
    make_project(countries=["UG"], partner_municipalities=[masaka])

    content = english.get("/countries/").content.decode()

    rows = table_rows(content)
    assert rows == [("/countries/ke/", "2", "0"), ("/countries/ug/", "2", "1")]
    for href, count, _partners in rows:
        assert map_links(content)[href].endswith(f": {count} projects")
    # Flags are images, which every browser shows (flag characters show as letters on Windows).
    assert 'src="/static/flags/ke.gif"' in content and 'src="/static/flags/ug.gif"' in content


def test_countries_are_shaded_in_steps_that_the_legend_explains(english):
    make_project(countries=["KE"])
    for _ in range(8):
        make_project(countries=["UG"])

    content = english.get("/countries/").content.decode()

    assert [step_of(count) for count in (0, 1, 2, 3, 4, 7, 8, 50)] == [0, 1, 2, 2, 3, 3, 4, 4]
    shape = '<path class="world-map__shape world-map__shape--'
    assert f'href="/countries/ke/"><title>Kenya: 1 project</title>{shape}1"' in content
    assert f'href="/countries/ug/"><title>Uganda: 8 projects</title>{shape}4"' in content
    for label in ("no projects", "1 project", "2–3 projects", "4–7 projects", "8 or more projects"):
        assert f"</span>{label}</li>" in content
    assert "CC BY 4.0" in content


def test_the_latvian_legend_counts_in_the_right_case(client, settings):
    make_project(countries=["KE"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "lv"
    for path in ("/countries/", "/"):
        content = client.get(path).content.decode()
        # "vairāk" takes the genitive plural: "8 vai vairāk projektu", never "projekti".
        for label in ("nav projektu", "1 projekts", "2–3 projekti", "4–7 projekti",
                      "8 vai vairāk projektu"):
            assert f"</span>{label}</li>" in content, (path, label)


@pytest.mark.parametrize("language, kenya", [("sv", "Kenya"), ("en", "Kenya"), ("lv", "Kenija")])
def test_country_names_follow_the_active_language(client, settings, language, kenya):
    make_project(countries=["KE", "LV"])
    latvia = {"sv": "Lettland", "en": "Latvia", "lv": "Latvija"}[language]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    listing = client.get("/countries/").content.decode()
    detail = client.get("/countries/lv/").content.decode()

    assert f'<html lang="{language}">' in listing
    assert f'<a href="/countries/ke/">{kenya}</a>' in listing
    assert f"<title>{latvia}: 1 " in listing
    assert f"{latvia}</h1>" in detail
    assert detail.count("<h1") == 1


@pytest.mark.parametrize(
    "language, code, name",
    [
        # Left in English by django-countries' Swedish and Latvian catalogues: CLDR names them.
        ("sv", "AL", "Albanien"),
        ("sv", "CA", "Kanada"),
        ("sv", "PH", "Filippinerna"),
        ("sv", "SS", "Sydsudan"),
        ("lv", "BI", "Burundija"),
        # Translated by django-countries: its names stay.
        ("sv", "LV", "Lettland"),
        ("sv", "CZ", "Tjeckien"),
        ("lv", "AL", "Albānija"),
        ("en", "AL", "Albania"),
    ],
)
def test_a_country_is_named_in_the_visitors_language_even_where_django_countries_is_not(
    client, settings, language, code, name
):
    make_project(countries=[code])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    detail = client.get(f"/countries/{code.lower()}/").content.decode()
    listing = client.get("/countries/").content.decode()

    assert f"<title>{name} " in detail
    assert re.search(rf"<h1[^>]*>.*\b{name}</h1>", detail, re.S)
    assert f'<a href="/countries/{code.lower()}/">{name}</a>' in listing


def test_a_country_page_shows_its_flag_name_projects_and_partner_municipalities(english):
    kalix = make_municipality("kalix", name="Kalix")
    masaka = make_municipality("masaka", name="Masaka", country_code="UG")
    make_project(title="Waste and democracy", municipality=kalix, countries=["UG"],
                 partner_municipalities=[masaka])
    make_project(title="Elsewhere", countries=["KE"])

    response = english.get("/countries/ug/")
    content = response.content.decode()

    flag = '<img class="flag" src="/static/flags/ug.gif" alt="" width="16" height="11">'
    assert f"{flag} Uganda</h1>" in content
    assert "Waste and democracy" in content
    assert "Elsewhere" not in content
    assert '<a href="/municipalities/masaka/">Masaka</a>: 1 project' in content
    assert 'href="/projects/?municipality=kalix&amp;country=ug">1 project</a>' in content
    assert 'href="/projects/?country=ug"' in content


def test_country_counts_come_from_the_index_and_the_partner_links_and_follow_edits(english):
    """Project counts from the project index, partner municipalities from their links: a
    draft counts in neither until it is published; a municipality partner in its own project
    counts it once."""
    masaka = make_municipality("masaka", name="Masaka", country_code="UG")
    make_project(municipality=masaka, countries=["UG"], partner_municipalities=[masaka])
    draft = make_project(countries=["KE", "UG"], partner_municipalities=[masaka],
                         publication=Project.Publication.DRAFT)

    assert table_rows(english.get("/countries/").content.decode()) == [("/countries/ug/", "1", "1")]
    assert '<a href="/municipalities/masaka/">Masaka</a>: 1 project' in english.get(
        "/countries/ug/"
    ).content.decode()

    draft.publication = Project.Publication.PUBLISHED
    draft.save()

    assert table_rows(english.get("/countries/").content.decode()) == [
        ("/countries/ke/", "1", "0"), ("/countries/ug/", "2", "1"),
    ]
    assert '<a href="/municipalities/masaka/">Masaka</a>: 2 projects' in english.get(
        "/countries/ug/"
    ).content.decode()


def test_an_upper_case_code_moves_permanently_to_the_lower_case_address(client):
    response = client.get("/countries/UG/")

    assert response.status_code == 301
    assert response["Location"] == "/countries/ug/"
    assert client.get("/countries/Ug/")["Location"] == "/countries/ug/"


@pytest.mark.parametrize("code", ["zz", "xk", "ZZ"])
def test_a_code_that_is_not_a_country_is_not_found(client, code):
    assert client.get(f"/countries/{code}/", follow=True).status_code == 404


def test_addresses_that_are_not_two_letters_are_not_found(client):
    assert client.get("/countries/uga/").status_code == 404
    assert client.get("/countries/1a/").status_code == 404


def test_a_real_country_without_projects_says_honestly_that_there_are_none_yet(english):
    make_project(countries=["AQ"], publication=Project.Publication.DRAFT, title="Ice draft")

    response = english.get("/countries/aq/")
    content = response.content.decode()

    assert response.status_code == 200
    assert "Antarctica</h1>" in content
    assert "No published project in the registry has Antarctica as a partner country." in content
    assert "Ice draft" not in content


def test_drafts_are_neither_mapped_nor_tabled_nor_listed(english):
    make_project(countries=["KE"], title="Public")
    make_project(countries=["KE", "IN"], title="Hidden draft",
                 publication=Project.Publication.DRAFT)

    listing = english.get("/countries/").content.decode()
    detail = english.get("/countries/ke/")

    assert map_links(listing) == {"/countries/ke/": "Kenya: 1 project"}
    assert table_rows(listing) == [("/countries/ke/", "1", "0")]
    assert "Hidden draft" not in detail.content.decode()
    assert detail.context["section"]["total"] == 1


def test_the_vendored_map_is_the_licensed_package_data_read_once():
    licence = (VENDOR / "LICENSE.md").read_text(encoding="utf-8")
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    original = json.loads((VENDOR / "world.json").read_text(encoding="utf-8"))

    assert "Attribution 4.0 International" in licence
    assert "@svg-maps/world" in readme and "2.0.0" in readme
    assert map_data() is map_data()
    assert [loc["id"] for loc in map_data()["locations"]] == [
        loc["id"] for loc in original["locations"]
    ]
    assert all(location["path"] for location in map_data()["locations"])
    assert {"ke", "ug", "se", "lv", "va"} <= {loc["id"] for loc in map_data()["locations"]}


def test_the_map_zooms_to_the_partner_countries_but_shows_the_world_when_there_are_none(
    client,
):
    assert 'viewBox="0 0 1010 666"' not in client.get("/countries/").content.decode()
    make_project(countries=["KE"])
    make_project(countries=["LV"])

    home = client.get("/").content.decode()

    view_box = re.search(r'<svg class="world-map__svg" viewBox="([^"]+)"', home).group(1)
    x, y, width, height = (float(n) for n in view_box.split())
    assert 0 <= x and 0 <= y and x + width <= 1010.1 and y + height <= 666.1
    assert width < 1010 and round(width / height, 2) == round(1010 / 666, 2)


@pytest.mark.parametrize("rows", [3, 30])
def test_country_pages_run_the_same_queries_for_3_or_30_projects(
    client, django_assert_max_num_queries, rows
):
    masaka = make_municipality("masaka", country_code="UG")
    for row in range(rows):
        make_project(
            countries=["UG", "KE", "IN"][: row % 3 + 1],
            partner_municipalities=[masaka, make_municipality(country_code="KE")],
            goals=[row % 17 + 1],
        )

    project_index.current()  # built once per change, in a fixed number of queries
    with django_assert_max_num_queries(COUNTRY_LIST_QUERIES):
        client.get("/countries/")
    with django_assert_max_num_queries(COUNTRY_DETAIL_QUERIES):
        response = client.get("/countries/ug/")
    assert response.context["section"]["total"] == rows


@pytest.mark.parametrize(
    "language, expected",
    [("sv", ["Kenya", "Uganda", "Österrike"]), ("en", ["Austria", "Kenya", "Uganda"])],
)
def test_the_table_is_in_the_alphabetical_order_of_the_active_language(
    client, settings, language, expected
):
    make_project(countries=["UG", "AT", "KE"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    countries = client.get("/countries/").context["countries"]

    assert [str(country.name) for country in countries] == expected
