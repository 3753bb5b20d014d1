"""The project model's invariants: year constraints, validation, and the derived status."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from projects.models import Project
from tests.factories import make_municipality, make_project

pytestmark = pytest.mark.django_db

Status = Project.Status


def test_end_year_before_start_year_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_project(start_year=2021, end_year=2020)


def test_end_year_before_start_year_is_a_validation_error_on_the_end_year():
    project = Project(
        title="Backwards",
        slug="backwards",
        municipality=make_municipality(),
        start_year=2021,
        end_year=2020,
    )
    with pytest.raises(ValidationError) as error:
        project.full_clean()
    assert "end_year" in error.value.message_dict


@pytest.mark.parametrize("year", [1949, 2101])
def test_implausible_years_are_refused_by_validation_and_database(year):
    project = Project(title="Odd", slug="odd", municipality=make_municipality(), start_year=year)
    with pytest.raises(ValidationError) as error:
        project.full_clean()
    assert "start_year" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        make_project(start_year=year)


def test_a_one_year_project_and_open_years_are_valid():
    make_project(start_year=2020, end_year=2020).full_clean()
    make_project(start_year=2019, end_year=None).full_clean()
    make_project(start_year=None, end_year=None).full_clean()


@pytest.mark.parametrize(
    ("start", "end", "paused", "year", "expected"),
    [
        (2022, 2024, False, 2021, Status.PLANNED),
        (2022, 2024, False, 2022, Status.ONGOING),
        (2022, 2024, False, 2024, Status.ONGOING),
        (2022, 2024, False, 2025, Status.COMPLETED),
        (2019, None, False, 2040, Status.ONGOING),
        (None, 2020, False, 2020, Status.ONGOING),
        (None, 2020, False, 2021, Status.COMPLETED),
        (None, None, False, 2026, Status.ONGOING),
        (2030, 2031, True, 2026, Status.PAUSED),
        (2018, 2020, True, 2026, Status.PAUSED),
    ],
)
def test_status_is_derived_from_the_years_and_the_pause_flag(start, end, paused, year, expected):
    project = make_project(start_year=start, end_year=end, paused=paused)
    assert project.status_in(year) == expected
    assert list(Project.objects.with_status(expected, year=year)) == [project]
    others = [status for status in Status if status != expected]
    assert not Project.objects.with_status(*others, year=year).exists()


def test_status_changes_at_new_year_in_stockholm_not_utc(monkeypatch):
    project = make_project(start_year=2020, end_year=2026)
    new_years_eve_utc = datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: new_years_eve_utc)
    # 23:30 UTC is already 00:30 on 1 January 2027 in Europe/Stockholm.
    assert project.status == Status.COMPLETED
    assert Project.objects.with_status(Status.COMPLETED).get() == project


def test_active_in_counts_only_the_years_the_facts_cover():
    # Each confirmed today (the factory's reviewed_on): an open end runs to this year only,
    # an unknown start is no year before the end year, and no years at all is no year.
    this_year = timezone.localdate().year
    closed = make_project(start_year=2019, end_year=2021)
    open_end = make_project(start_year=2020, end_year=None)
    open_start = make_project(start_year=None, end_year=2019)
    make_project(start_year=None, end_year=None)
    assert set(Project.objects.active_in(2018)) == set()
    assert set(Project.objects.active_in(2019)) == {closed, open_start}
    assert set(Project.objects.active_in(2021)) == {closed, open_end}
    assert set(Project.objects.active_in(this_year)) == {open_end}
    assert set(Project.objects.active_in(this_year + 1)) == set()
    assert set(Project.objects.active_in(2018, 2021)) == {closed, open_end}


def test_new_projects_are_drafts_until_published():
    project = Project.objects.create(title="New", slug="new", municipality=make_municipality())
    assert project.publication == Project.Publication.DRAFT
    assert not Project.objects.published().exists()


def test_search_ignores_case_and_accents_and_follows_renamed_units():
    from tests.factories import make_organisation

    project = make_project(title="Partnerskap med Rēzekne")
    unit = make_organisation(name="Kulturskolan i Kalix")
    project.organisations.add(unit)
    assert list(Project.objects.search("REZEKNE")) == [project]
    assert list(Project.objects.search("rēzekne kulturskolan")) == [project]
    assert not Project.objects.search("rezekne masaka").exists()
    unit.name = "Musikskolan i Kalix"
    unit.save()
    assert list(Project.objects.search("musikskolan")) == [project]


@pytest.mark.parametrize("how", ["deleted", "cleared from its side"])
def test_a_unit_gone_from_a_project_no_longer_finds_it(how):
    from tests.factories import make_organisation

    project, other = make_project(title="Skolutbyte"), make_project(title="Vattenprojekt")
    unit = make_organisation(name="Kulturskolan i Kalix")
    unit.projects.add(project, other)
    assert set(Project.objects.search("kulturskolan")) == {project, other}
    if how == "deleted":
        unit.delete()
    else:
        unit.projects.clear()
    assert not Project.objects.search("kulturskolan").exists()
    assert list(Project.objects.search("skolutbyte")) == [project]


@pytest.mark.parametrize("how", ["deleted", "cleared from its side"])
def test_a_partner_municipality_gone_from_a_project_no_longer_finds_it(how):
    project = make_project(title="Skolutbyte")
    partner = make_municipality(name="Rēzekne", country_code="LV")
    partner.partner_projects.add(project)
    assert list(Project.objects.search("rezekne")) == [project]
    if how == "deleted":
        partner.delete()
    else:
        partner.partner_projects.clear()
    assert not Project.objects.search("rezekne").exists()
