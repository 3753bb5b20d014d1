"""The exports of /projects/: one record per project, written as CSV, XLSX or JSON.

`project_record` is the published schema. Its keys are the JSON keys and, in the same order, the
header row of the CSV and the XLSX; users' scripts read them, so add keys but never rename or
remove one. The README's field dictionary documents every key.

Memory stays flat however many projects match: rows are fetched in chunks, CSV and JSON are
streamed in small pieces, and openpyxl's write-only mode writes the XLSX rows to disk.

Rows are read as plain values, never as model instances: building an instance per project (and
prefetching into it) took most of an export's time. What is the same for every row (labels,
country and goal names in the request's language, the URL's prefix) is worked out once.
"""

import codecs
import contextvars
import csv
import itertools
import json
import re
import tempfile
from collections import defaultdict

from django.db import connections
from django.urls.converters import SlugConverter
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from registry.models import Country, Goal

from .models import Project, current_year

# Projects per chunk. Each chunk costs one query per related table, listing the chunk's ids;
# each chunk's records are in memory at once.
CHUNK_SIZE = 500
# Bytes gathered before a piece goes to the client: few writes, and memory bounded by this.
FLUSH_AT = 16 * 1024
SEPARATOR = "; "
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The columns in order, each with its XLSX width in characters.
COLUMN_WIDTHS = {
    "slug": 32,
    "title": 50,
    "municipality": 20,
    "municipality_name": 24,
    "units": 40,
    "partner_municipalities": 40,
    "partner_countries": 18,
    "partner_country_names": 32,
    "funders": 24,
    "funder_names": 36,
    "goals": 12,
    "goal_names": 40,
    "type": 24,
    "type_label": 24,
    "status": 12,
    "status_label": 14,
    "start_year": 11,
    "end_year": 11,
    "website": 36,
    "url": 48,
    "updated_at": 26,
}
COLUMNS = tuple(COLUMN_WIDTHS)

# What a record reads from the project's own row and its owner's, in one query, in the order
# project_record() unpacks them.
PROJECT_VALUES = (
    "pk",
    "slug",
    "title",
    "municipality__slug",
    "municipality__name",
    "type",
    "paused",
    "start_year",
    "end_year",
    "website",
    "updated_at",
)
# The keys whose values come from the related tables, one list per project.
LINKED_KEYS = (
    "units",
    "partner_municipalities",
    "partner_countries",
    "partner_country_names",
    "funders",
    "funder_names",
    "goals",
    "goal_names",
)

PAUSED = Project.Status.PAUSED.value
PLANNED = Project.Status.PLANNED.value
COMPLETED = Project.Status.COMPLETED.value
ONGOING = Project.Status.ONGOING.value


def status_in(paused, start_year, end_year, year):
    """`Project.status_in(year)` from a row's values, as the status code. A test holds the two
    equal; a change to one is a change to the other."""
    if paused:
        return PAUSED
    if start_year and start_year > year:
        return PLANNED
    if end_year and end_year < year:
        return COMPLETED
    return ONGOING


def project_record(project, links, shared):
    """One project in the published schema: lists stay lists, an empty year stays None.
    `project` is a row of PROJECT_VALUES, `links` the lists of its chunk (see `chunk_links`),
    `shared` what every row of the export shares (see `Shared`). Paired lists (codes and names,
    slugs and names) are in the same order."""
    (
        pk,
        slug,
        title,
        municipality,
        municipality_name,
        type_,
        paused,
        start_year,
        end_year,
        website,
        updated_at,
    ) = project
    status = status_in(paused, start_year, end_year, shared.year)
    return {
        "slug": slug,
        "title": title,
        "municipality": municipality,
        "municipality_name": municipality_name,
        "units": links["units"].get(pk, []),
        "partner_municipalities": links["partner_municipalities"].get(pk, []),
        "partner_countries": links["partner_countries"].get(pk, []),
        "partner_country_names": links["partner_country_names"].get(pk, []),
        "funders": links["funders"].get(pk, []),
        "funder_names": links["funder_names"].get(pk, []),
        "goals": links["goals"].get(pk, []),
        "goal_names": links["goal_names"].get(pk, []),
        "type": type_,
        "type_label": shared.type_labels.get(type_, type_),
        "status": status,
        "status_label": shared.status_labels[status],
        "start_year": start_year,
        "end_year": end_year,
        "website": website,
        "url": shared.url(slug),
        "updated_at": timezone.localtime(updated_at, shared.zone).isoformat(timespec="seconds"),
    }


class Shared:
    """What every row of an export shares, worked out once in the request's language and time
    zone rather than for each row: get_type_display() would translate every choice again for
    every row, and reverse() and build_absolute_uri() cost more than the rest of the URL."""

    def __init__(self, year, build_absolute_uri):
        self.year = year
        self.type_labels = {value: str(label) for value, label in Project.Type.choices}
        self.status_labels = {value: str(label) for value, label in Project.Status.choices}
        self.zone = timezone.get_current_timezone()
        self.url = url_builder(build_absolute_uri)
        self.country_names = {}
        self.goal_names = {}

    def country_name(self, code):
        """The name django-countries gives `code`, as `Country.name`."""
        if code not in self.country_names:
            self.country_names[code] = str(Country(code=code).name)
        return self.country_names[code]

    def goal_name(self, number, name_sv, name_en, name_lv):
        """The goal's name in the active language, as `Goal.name`."""
        if number not in self.goal_names:
            goal = Goal(number=number, name_sv=name_sv, name_en=name_en, name_lv=name_lv)
            self.goal_names[number] = goal.name
        return self.goal_names[number]


class ChunkQuery:
    """A query on a related table for the projects of one chunk, `project_id IN (ids)`.

    The ORM builds the SQL once per export, for CHUNK_SIZE ids, and each chunk runs it with its
    own ids: building the query anew for every chunk took longer than the database took to
    answer it. A short last chunk repeats its last id, which changes nothing for IN. Rows come
    back as the database sends them, so select only integers and text, which need no
    conversion."""

    def __init__(self, queryset, using):
        placeholders = list(range(1, CHUNK_SIZE + 1))
        query = queryset.filter(project_id__in=placeholders).query
        self.sql, params = query.get_compiler(using).as_sql()
        # __call__ writes the ids where the placeholders are: they must be all there is.
        if list(params) != placeholders or self.sql.count("%") != CHUNK_SIZE:
            raise ValueError(f"{queryset.model.__name__}: unexpected query parameters")
        self.connection = connections[using]

    def __call__(self, ids):
        ids = ids + ids[-1:] * (CHUNK_SIZE - len(ids))
        # The ids are written into the SQL as numbers rather than passed as parameters. psycopg
        # would write them into the SQL just the same (client-side binding, Django's default),
        # but binding 500 parameters in Python took as long as PostgreSQL took to run the
        # query. int() makes sure each is a number.
        sql = self.sql % tuple(int(pk) for pk in ids)
        with self.connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()


def _through(relation):
    return getattr(Project, relation).through.objects


def related_queries(using):
    """One ChunkQuery per related table, each in the order the schema promises: names for
    units, partner municipalities and funders, codes for countries, numbers for goals."""
    querysets = {
        "units": _through("organisations")
        .order_by("organisation__name")
        .values_list("project_id", "organisation__name"),
        "partner_municipalities": _through("partner_municipalities")
        .order_by("municipality__name")
        .values_list("project_id", "municipality__name"),
        "partner_countries": _through("partner_countries")
        .order_by("country_id")
        .values_list("project_id", "country_id"),
        "funders": _through("funders")
        .order_by("funder__name", "funder_id")
        .values_list("project_id", "funder__slug", "funder__name"),
        "goals": _through("goals")
        .order_by("goal_id")
        .values_list("project_id", "goal_id", "goal__name_sv", "goal__name_en", "goal__name_lv"),
    }
    return {key: ChunkQuery(queryset, using) for key, queryset in querysets.items()}


def chunk_links(ids, queries, shared):
    """The related values of the projects `ids` as {key: {project id: list}} for the keys in
    LINKED_KEYS: one query per related table (see `related_queries`), whatever the number of
    links. A project without links of a kind has no entry for it."""
    links = {key: defaultdict(list) for key in LINKED_KEYS}
    units, partners = links["units"], links["partner_municipalities"]
    codes, country_names = links["partner_countries"], links["partner_country_names"]
    funders, funder_names = links["funders"], links["funder_names"]
    goals, goal_names = links["goals"], links["goal_names"]
    for project_id, name in queries["units"](ids):
        units[project_id].append(name)
    for project_id, name in queries["partner_municipalities"](ids):
        partners[project_id].append(name)
    for project_id, code in queries["partner_countries"](ids):
        codes[project_id].append(code.upper())
        country_names[project_id].append(shared.country_name(code))
    for project_id, slug, name in queries["funders"](ids):
        funders[project_id].append(slug)
        funder_names[project_id].append(name)
    for project_id, number, *names in queries["goals"](ids):
        goals[project_id].append(number)
        goal_names[project_id].append(shared.goal_name(number, *names))
    return links


# Any text in place of the slug: the URL is built once around it rather than for every row.
SLUG_PLACEHOLDER = "slug-placeholder"
SLUG_RE = re.compile(SlugConverter.regex)


def url_builder(build_absolute_uri):
    """A function from a project's slug to its absolute URL, as
    `build_absolute_uri(project.get_absolute_url())`, that reverses and joins once per export.
    A slug the URL pattern would refuse (none should exist) takes the slow way, as before."""
    sample = build_absolute_uri(Project(slug=SLUG_PLACEHOLDER).get_absolute_url())
    prefix, _, suffix = sample.rpartition(SLUG_PLACEHOLDER)

    def url(slug):
        if SLUG_RE.fullmatch(slug):
            return prefix + slug + suffix
        return build_absolute_uri(Project(slug=slug).get_absolute_url())

    return url


def project_records(queryset, build_absolute_uri):
    """The records of `queryset`, in its order, CHUNK_SIZE projects at a time: one query for
    the projects' values and, per chunk, one per related table (see `chunk_links`).

    Call it in the view. A streamed response is read after the view and the middleware have
    returned, so each step runs in a copy of the view's context: the rows are then built in the
    request's language and read from the database the request was routed to (the replica for a
    public read, see registry/db_router.py), the same one that counted them."""
    context = contextvars.copy_context()
    year = current_year()

    def records():
        shared = Shared(year, build_absolute_uri)
        # The related tables are read from the database the projects come from, as a prefetch
        # would. values_list() keeps the FilterSet's filters and order; the prefetches go.
        queries = related_queries(queryset.db)
        rows = queryset.prefetch_related(None).values_list(*PROJECT_VALUES)
        rows = rows.iterator(chunk_size=CHUNK_SIZE)
        while chunk := list(itertools.islice(rows, CHUNK_SIZE)):
            links = chunk_links([project[0] for project in chunk], queries, shared)
            for project in chunk:
                yield project_record(project, links, shared)

    return _stepped_in(context, records())


def _stepped_in(context, iterator):
    while True:
        try:
            yield context.run(next, iterator)
        except StopIteration:
            return


def neutralise(text):
    """`text` with a leading ' if a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def spreadsheet_row(record):
    """A record as CSV or XLSX cells: lists joined with "; ", text made safe for Excel.
    Control characters that XLSX cannot store are dropped first, so none hides a formula."""
    cells = [
        SEPARATOR.join(map(str, value)) if isinstance(value, list) else value
        for value in map(record.__getitem__, COLUMNS)
    ]
    # Such characters are rare: the whole row is checked at once, and a row with none of the
    # unprintable characters (which include them) needs no regular expression at all.
    text = "".join([cell for cell in cells if isinstance(cell, str)])
    if not text.isprintable() and ILLEGAL_CHARACTERS_RE.search(text):
        cells = [
            ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell for cell in cells
        ]
    return [neutralise(cell) if isinstance(cell, str) else cell for cell in cells]


def _in_pieces(chunks):
    """Byte strings joined into pieces of about FLUSH_AT bytes."""
    buffer, size = [], 0
    for chunk in chunks:
        buffer.append(chunk)
        size += len(chunk)
        if size >= FLUSH_AT:
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)


class _Echo:
    """A file for csv.writer whose write() hands back the line instead of storing it."""

    def write(self, line):
        return line


def csv_pieces(records):
    """The CSV as byte pieces: a UTF-8 byte-order mark (Excel then reads UTF-8), the header,
    one line per project."""
    writer = csv.writer(_Echo())
    rows = itertools.chain([COLUMNS], (spreadsheet_row(record) for record in records))
    lines = (writer.writerow(row).encode() for row in rows)
    return _in_pieces(itertools.chain([codecs.BOM_UTF8], lines))


def json_pieces(records, count):
    """The JSON document {"count": N, "results": [...]} as byte pieces, one result a line."""
    # json.dumps(record, ensure_ascii=False) without building the encoder for every record.
    encoder = json.JSONEncoder(ensure_ascii=False)

    def parts():
        yield f'{{"count": {count}, "results": ['
        for index, record in enumerate(records):
            yield ("," if index else "") + "\n" + encoder.encode(record)
        yield "\n]}\n"

    return _in_pieces(part.encode() for part in parts())


def xlsx_file(records):
    """The XLSX in an anonymous temporary file, rewound; closing the file deletes it."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="projects")
    # A write-only sheet takes its layout only before the first row is appended.
    sheet.freeze_panes = "A2"
    for index, width in enumerate(COLUMN_WIDTHS.values(), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header = []
    for key in COLUMNS:
        cell = WriteOnlyCell(sheet, value=key)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for record in records:
        sheet.append(spreadsheet_row(record))
    file = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(file)
    file.seek(0)
    return file
