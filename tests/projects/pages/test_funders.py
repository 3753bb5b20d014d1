"""/funders/ and /funders/<slug>/: who finances what, a parent funder's projects including
those of the funders it finances, from published projects only."""

import pytest

from projects import project_index
from projects.models import Project
from tests.factories import make_funder, make_project

pytestmark = pytest.mark.django_db

# The page's own queries once the project index is built (its build, after any change, is a
# fixed number of queries more); one of them reads the change stamp.
# The funder tree is one more: it is read with the funders, not kept in the index.
FUNDER_LIST_QUERIES = 3
# The same for any depth of funders below it: the index's funder bitmaps include them; and one
# for its money's totals.
# Two more: the projects whose funder a source states (projects/filters.py `Stated`).
FUNDER_DETAIL_QUERIES = 14


@pytest.fixture
def sida_and_icld():
    sida = make_funder("sida", name="Sida", kind="government_agency")
    icld = make_funder("icld", name="ICLD", kind="centre", parent=sida)
    make_project(title="Kalix and Masaka partnership", funders=[icld])
    make_project(title="Sida's own project", funders=[sida])
    make_project(title="Erasmus mobility", funders=["erasmus-plus"])
    return sida, icld


def test_the_funder_list_shows_each_funder_its_parent_and_projects_including_its_childrens(
    english, sida_and_icld
):
    response = english.get("/funders/")
    content = response.content.decode()

    assert content.count("<h1") == 1
    counts = {funder.slug: funder.project_count for funder in response.context["funders"]}
    assert counts == {"sida": 2, "icld": 1, "erasmus-plus": 1}
    assert 'href="/funders/icld/">ICLD</a>' in content
    assert '<td><a href="/funders/sida/">Sida</a></td>' in content


def test_a_parent_funders_page_lists_the_projects_of_the_funders_it_finances(
    english, sida_and_icld
):
    content = english.get("/funders/sida/").content.decode()

    assert "Sida</h1>" in content
    assert "Kalix and Masaka partnership" in content
    assert "Sida&#x27;s own project" in content
    assert "Erasmus mobility" not in content
    assert 'href="/funders/icld/">ICLD</a>' in content
    assert 'href="/projects/?funder=sida"' in content


def test_a_child_funders_page_names_its_parent_and_only_its_own_projects(english, sida_and_icld):
    content = english.get("/funders/icld/").content.decode()

    assert "Financed by</dt><dd><a href=\"/funders/sida/\">Sida</a>" in content
    assert "Kalix and Masaka partnership" in content
    assert "Sida&#x27;s own project" not in content
    assert 'href="/projects/?funder=icld"' in content


def test_drafts_are_neither_listed_nor_counted(english, sida_and_icld):
    _, icld = sida_and_icld
    make_project(title="Draft partnership", funders=[icld], publication=Project.Publication.DRAFT)

    listing = english.get("/funders/").context["funders"]
    detail = english.get("/funders/sida/")

    assert {f.slug: f.project_count for f in listing}["sida"] == 2
    assert "Draft partnership" not in detail.content.decode()
    assert detail.context["section"]["total"] == 2


def test_an_unknown_funder_is_not_found(client):
    assert client.get("/funders/nobody/").status_code == 404


@pytest.mark.parametrize("language", ["sv", "en", "lv"])
def test_funder_pages_render_in_each_language(client, settings, sida_and_icld, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    for path in ("/funders/", "/funders/sida/"):
        content = client.get(path).content.decode()
        assert f'<html lang="{language}">' in content
        assert "Sida" in content and "ICLD" in content
        assert content.count("<h1") == 1


@pytest.mark.parametrize("rows", [3, 30])
def test_funder_pages_run_the_same_queries_for_3_or_30_rows(
    client, django_assert_max_num_queries, rows
):
    sida = make_funder("sida")
    for row in range(rows):
        child = make_funder(f"child-{row}", parent=sida)
        make_project(funders=[child, sida], goals=[row % 17 + 1], countries=["KE"])

    project_index.current()  # built once per change, in a fixed number of queries
    with django_assert_max_num_queries(FUNDER_LIST_QUERIES):
        client.get("/funders/")
    with django_assert_max_num_queries(FUNDER_DETAIL_QUERIES):
        response = client.get("/funders/sida/")
    assert response.context["section"]["total"] == rows
