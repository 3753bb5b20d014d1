"""The exports' keys for partner organisations abroad and results: new keys after every
published one, paired lists in one order, the same in CSV, XLSX and JSON, and on PostgreSQL
the COPY's CSV byte for byte the one built in Python."""

import datetime

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import RequestFactory
from django.utils import translation

from projects import export_copy, exports
from projects.exports import COLUMNS
from projects.filters import ProjectFilter
from projects.models import Project, Result
from tests.factories import make_organisation, make_project
from tests.projects.test_exports import export, read_csv, read_json, read_xlsx

pytestmark = pytest.mark.django_db

NEW_KEYS = [
    "partner_organisations",
    "partner_organisation_countries",
    "result_dates",
    "result_urls",
    "result_reach_numbers",
    "result_reach_units",
]


@pytest.fixture
def partnered():
    project = make_project(slug="partnered", title="Partnered")
    project.partner_organisations.add(
        make_organisation(
            slug="silver-oaks",
            name="Silver Oaks International School",
            municipality=None,
            country_id="IN",
        ),
        make_organisation(
            slug="adpoly", name="ADPoly Abu Dhabi", municipality=None, country_id="AE"
        ),
        make_organisation(slug="unplaced", name="=A body, somewhere", municipality=None),
    )
    Result.objects.create(
        project=project,
        date=datetime.date(2021, 6, 10),
        text="A handbook; in two parts",
        url="https://example.org/handbook.pdf",
        reach_number=1250,
        reach_unit="pupils",
    )
    Result.objects.create(project=project, date=datetime.date(2020, 5, 1), text="A first visit")
    make_project(slug="alone", title="Alone")
    return project


def test_the_new_keys_come_after_every_published_one():
    assert list(COLUMNS[-len(NEW_KEYS) :]) == NEW_KEYS
    assert COLUMNS.index("reference_urls") < COLUMNS.index("partner_organisations")


def test_json_pairs_each_organisation_with_its_country_and_each_result_with_its_reach(
    client, partnered
):
    results = {row["slug"]: row for row in read_json(export(client, "json"))}
    row = results["partnered"]
    # By name, as the database sorts them ("=" before the letters).
    assert row["partner_organisations"] == [
        "=A body, somewhere",
        "ADPoly Abu Dhabi",
        "Silver Oaks International School",
    ]
    assert row["partner_organisation_countries"] == ["", "AE", "IN"]
    # Oldest first; a result without a link or reach keeps its place ("").
    assert row["result_dates"] == ["2020-05-01", "2021-06-10"]
    assert row["result_urls"] == ["", "https://example.org/handbook.pdf"]
    assert row["result_reach_numbers"] == ["", "1250"]
    assert row["result_reach_units"] == ["", "pupils"]
    assert all(results["alone"][key] == [] for key in NEW_KEYS)
    # Partner organisations are not the owner's units, which keep their meaning.
    assert row["units"] == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_spreadsheets_join_the_lists_and_keep_the_published_columns(client, partnered, fmt):
    reader = read_csv if fmt == "csv" else read_xlsx
    rows = {row["slug"]: row for row in reader(export(client, fmt))}
    row = rows["partnered"]
    assert tuple(row) == COLUMNS
    # A cell that would start a formula is neutralised, as every other text cell.
    assert row["partner_organisations"] == (
        "'=A body, somewhere; ADPoly Abu Dhabi; Silver Oaks International School"
    )
    assert row["partner_organisation_countries"] == "; AE; IN"
    assert row["result_dates"] == "2020-05-01; 2021-06-10"
    assert row["result_reach_numbers"] == "; 1250"
    assert rows["alone"]["partner_organisations"] in ("", None)


def test_no_export_shows_a_results_text(client, partnered):
    for fmt in ["csv", "json"]:
        response = export(client, fmt)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"handbook; in two" not in body and b"first visit" not in body


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
@pytest.mark.parametrize("restrict_up_to", [0.0, 1.0])
@pytest.mark.parametrize("language", ["sv", "en", "lv"])
def test_copy_writes_partners_and_results_as_python_does_byte_for_byte(
    partnered, monkeypatch, restrict_up_to, language
):
    monkeypatch.setattr(export_copy, "RESTRICT_UP_TO", restrict_up_to)
    draft = make_project(slug="draft", publication=Project.Publication.DRAFT)
    Result.objects.create(project=draft, date=datetime.date(2022, 1, 1), text="x")
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    for query in ["", "sort=title", "q=partnered"]:
        with translation.override(language):
            queryset = ProjectFilter(
                QueryDict(query), queryset=Project.objects.published().for_list()
            ).qs
            copied = export_copy.csv_pieces(queryset, request.build_absolute_uri)
            plain = exports.csv_pieces(
                exports.project_records(queryset, request.build_absolute_uri)
            )
            assert copied is not None
            copied, plain = b"".join(copied), b"".join(plain)
        assert copied == plain
        assert b",2020-05-01; 2021-06-10," in plain
