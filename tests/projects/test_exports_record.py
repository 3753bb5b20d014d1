"""The exports' keys for money and the funders' identifiers: new keys after the published
ones, paired lists in one order, the same in CSV, XLSX and JSON, and on PostgreSQL the COPY's
CSV byte for byte the one built in Python."""

from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import RequestFactory
from django.utils import translation

from projects import export_copy, exports
from projects.exports import COLUMNS
from projects.filters import ProjectFilter
from projects.models import FunderReference, Grant, Project
from tests.factories import make_funder, make_project
from tests.projects.test_exports import content_of, export, read_csv, read_json, read_xlsx

pytestmark = pytest.mark.django_db

NEW_KEYS = [
    "grant_funders",
    "grant_kinds",
    "grant_amounts",
    "grant_currencies",
    "grant_years",
    "reference_funders",
    "reference_numbers",
    "reference_urls",
]


@pytest.fixture
def funded():
    erasmus = make_funder("erasmus-plus", name="Erasmus+")
    comma = make_funder("comma", name="A funder, with comma")
    project = make_project(slug="funded", title="Funded", funders=[erasmus, comma])
    for funder, amount, currency, year, kind in [
        (erasmus, "12000", "EUR", 2020, "grant"),
        (erasmus, "35000.50", "EUR", None, "budget"),
        (comma, "1200000", "SEK", 2019, "grant"),
    ]:
        Grant.objects.create(
            project=project, funder=funder, amount=Decimal(amount), currency=currency,
            year=year, kind=kind, source="=cmd|' /C calc'!A0",
        )
    FunderReference.objects.create(
        project=project, funder=erasmus, number="=2019-1-SE01", url="https://example.org/a,b"
    )
    FunderReference.objects.create(project=project, funder=comma, url="https://example.org/c")
    make_project(slug="unfunded", title="Unfunded")
    return project


def test_the_new_keys_come_after_every_published_one():
    start = COLUMNS.index("grant_funders")
    assert list(COLUMNS[start : start + len(NEW_KEYS)]) == NEW_KEYS
    assert COLUMNS.index("confirmed_on") < start


def test_json_pairs_each_funders_money_and_identifiers(client, funded):
    results = {row["slug"]: row for row in read_json(export(client, "json"))}
    row = results["funded"]
    # In the funders' name order ("A funder, with comma" before "Erasmus+"), then by year.
    assert row["grant_funders"] == ["comma", "erasmus-plus", "erasmus-plus"]
    assert row["grant_kinds"] == ["grant", "grant", "budget"]
    assert row["grant_amounts"] == ["1200000.00", "12000.00", "35000.50"]
    assert row["grant_currencies"] == ["SEK", "EUR", "EUR"]
    assert row["grant_years"] == ["2019", "2020", ""]
    assert row["reference_funders"] == ["comma", "erasmus-plus"]
    assert row["reference_numbers"] == ["", "=2019-1-SE01"]
    assert row["reference_urls"] == ["https://example.org/c", "https://example.org/a,b"]
    assert all(results["unfunded"][key] == [] for key in NEW_KEYS)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_spreadsheets_join_the_lists_and_keep_the_published_columns(client, funded, fmt):
    reader = read_csv if fmt == "csv" else read_xlsx
    rows = {row["slug"]: row for row in reader(export(client, fmt))}
    row = rows["funded"]
    assert tuple(row) == COLUMNS
    assert row["grant_amounts"] == "1200000.00; 12000.00; 35000.50"
    assert row["grant_years"] == "2019; 2020; "
    assert row["reference_numbers"] == "; =2019-1-SE01"
    assert row["funders"] == "comma; erasmus-plus"
    assert rows["unfunded"]["grant_funders"] in ("", None)


def test_no_export_shows_a_grants_source_text(client, funded):
    for fmt in ["csv", "json"]:
        assert b"calc" not in content_of(export(client, fmt))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
@pytest.mark.parametrize("restrict_up_to", [0.0, 1.0])
@pytest.mark.parametrize("language", ["sv", "en", "lv"])
def test_copy_writes_the_money_as_python_does_byte_for_byte(
    funded, monkeypatch, restrict_up_to, language
):
    monkeypatch.setattr(export_copy, "RESTRICT_UP_TO", restrict_up_to)
    drafts = make_project(slug="draft", publication=Project.Publication.DRAFT)
    Grant.objects.create(
        project=drafts, funder=funded.funders.first(), amount=1, currency="SEK", source="x"
    )
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    for query in ["", "sort=title", "funder=erasmus-plus"]:
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
        assert b",; =2019-1-SE01," in plain
