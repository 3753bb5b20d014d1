"""One collation (registry/text.py `name_key`) for every list of names: the list's filter
options and the reference pages order countries alike, as a reader of the language expects."""

import pytest
from django.utils import translation

from registry.text import name_key
from tests.factories import make_project

pytestmark = pytest.mark.django_db

# Centrālāfrikas Republika, Čehija, Čīle, Surinama, Šrilanka: in Latvian a letter with a
# diacritic follows its base letter (c < č, s < š).
LATVIAN_ORDER = ["CF", "CZ", "CL", "SR", "LK"]


def filter_options(client, name):
    groups = client.get("/projects/").context["groups"]
    return [option.value for option in next(g for g in groups if g.name == name).options]


def test_the_filter_form_and_the_countries_page_list_latvian_names_in_latvian_order(
    client, settings
):
    make_project(countries=["LK", "CL", "SR", "CZ", "CF"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "lv"

    on_the_list = filter_options(client, "country")
    on_the_page = [country.code for country in client.get("/countries/").context["countries"]]

    assert on_the_list == LATVIAN_ORDER
    assert on_the_page == LATVIAN_ORDER


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("lv", ["Cipra", "Čehija", "Dānija"]),
        ("sv", ["Alvesta", "Zinkgruvan", "Åre", "Älmhult", "Örebro"]),
        ("en", ["Åland", "Austria", "Čad", "Cyprus"]),
    ],
)
def test_names_sort_as_a_reader_of_the_language_expects(language, names):
    with translation.override(language):
        assert sorted(reversed(names), key=name_key) == names
