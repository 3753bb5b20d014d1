"""Reference data: countries named by django-countries, funders' parents, goals' colours."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from registry.models import Country, Funder, Goal
from tests.factories import GOAL_COLOURS, make_funder, make_goal

pytestmark = pytest.mark.django_db


def test_every_iso_country_exists_and_is_named_in_the_active_language():
    assert Country.objects.count() >= 249
    latvia = Country.objects.get(code="LV")
    with translation.override("sv"):
        assert latvia.name == "Lettland"
    with translation.override("lv"):
        assert Country.objects.get(code="SE").name == "Zviedrija"
    with translation.override("en"):
        assert latvia.name == "Latvia"
    assert latvia.flag == "🇱🇻"


def test_india_is_named_in_swedish_although_django_countries_is_not():
    india = Country.objects.get(code="IN")
    with translation.override("sv"):
        assert india.name == "Indien"
    with translation.override("lv"):
        assert india.name == "Indija"


def test_a_country_code_that_is_not_iso_fails_validation():
    with pytest.raises(ValidationError):
        Country(code="XX").full_clean()


def test_a_parent_funder_includes_its_children_at_any_depth():
    sida = make_funder("sida")
    icld = make_funder("icld", parent=sida)
    programme = make_funder("icld-programme", parent=icld)
    make_funder("erasmus-plus")
    found = Funder.objects.filter(slug="sida").with_descendants()
    assert set(found) == {sida, icld, programme}
    assert set(Funder.objects.filter(slug="icld").with_descendants()) == {icld, programme}


def test_a_funder_cannot_finance_itself_through_a_cycle():
    sida = make_funder("sida")
    icld = make_funder("icld", parent=sida)
    sida.parent = icld
    with pytest.raises(ValidationError):
        sida.full_clean()


def test_goal_numbers_outside_1_to_17_are_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Goal.objects.create(
            number=18,
            name_sv="x",
            name_en="x",
            name_lv="x",
            description_sv="x",
            description_en="x",
            description_lv="x",
            colour="#000000",
        )


def test_goal_names_follow_the_active_language():
    goal = make_goal(4)
    for language, expected in [("sv", "Mål 4"), ("en", "Goal 4"), ("lv", "Mērķis 4")]:
        with translation.override(language):
            assert goal.name == expected


def contrast(foreground, background):
    def luminance(colour):
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted([luminance(foreground), luminance(background)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("number", range(1, 18))
def test_goal_text_colour_is_the_more_legible_of_black_and_white(number):
    goal = make_goal(number)
    chosen = contrast(goal.text_colour, GOAL_COLOURS[number])
    other = "#ffffff" if goal.text_colour == "#000000" else "#000000"
    assert chosen >= contrast(other, GOAL_COLOURS[number])
    # Large text (tile numbers) needs 3:1 under WCAG 2.1 AA; every official colour manages it.
    assert chosen >= 3
