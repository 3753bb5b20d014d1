"""The exports of /projects/: one record per project, written as CSV, XLSX or JSON.

`project_record` is the published schema. Its keys are the JSON keys and, in the same order, the
header row of the CSV and the XLSX; users' scripts read them, so add keys but never rename or
remove one. The README's field dictionary documents every key.

Memory stays flat however many projects match: rows are fetched in chunks, CSV and JSON are
streamed in small pieces, and openpyxl's write-only mode writes the XLSX rows to disk.

Rows are read as plain values, never as model instances: building an instance per project (and
prefetching into it) took most of an export's time. What is the same for every row (labels,
country and goal names in the request's language, the URL's prefix) is worked out once, and so
are the small related tables (units, municipalities, countries, funders, goals): per chunk of
projects, a single query fetches only the ids of their links (see `Links`).
"""

import codecs
import contextvars
import csv
import itertools
import json
import re
import tempfile
from datetime import UTC

from django.db import connections
from django.db.models import Aggregate, DateTimeField, Func, OuterRef, Subquery, TextField
from django.urls.converters import SlugConverter
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from registry.models import Country, Funder, Goal, Municipality, Organisation

from .models import Project, current_year, derived_status

# Projects per chunk. Each chunk costs one query for its links, listing the chunk's ids, and
# a fetch from the server-side cursor; each chunk's records are in memory at once. 1000 rather
# than 500 took a tenth less CPU (PostgreSQL's and ours) for a whole export on PostgreSQL, for a
# peak of memory of about 2 MiB rather than 1.5, whatever the number of projects.
CHUNK_SIZE = 1000
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


class UTCDateTime(Func):
    """A date and time read as a naive datetime in UTC on PostgreSQL, as it is elsewhere.

    Django reads a PostgreSQL timestamptz through a loader of its own, written in Python, that
    took about 3 µs a row, a tenth of a whole export; a timestamp without time zone (`AT TIME
    ZONE 'UTC'`, whatever the session's zone) is read by psycopg's C loader. SQLite stores text,
    which Django parses as before."""

    template = "(%(expressions)s AT TIME ZONE 'UTC')"
    output_field = DateTimeField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return compiler.compile(self.get_source_expressions()[0])


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
    UTCDateTime("updated_at"),
)
# The keys whose values come from the related tables, one list per project, in the order
# `Links.chunk` gives them.
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

def status_in(paused, start_year, end_year, year):
    """A row's derived status in `year` as its code ("ongoing"…), by the models' rule."""
    return derived_status(paused, start_year, end_year, year).value


def project_record(project, links, shared):
    """One project in the published schema: lists stay lists, an empty year stays None.
    `project` is a row of PROJECT_VALUES, `links` its lists in the order of LINKED_KEYS (see
    `Links.chunk`), `shared` what every row of the export shares (see `Shared`). Paired lists
    (codes and names, slugs and names) are in the same order."""
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
    (
        units,
        partner_municipalities,
        partner_countries,
        partner_country_names,
        funders,
        funder_names,
        goals,
        goal_names,
    ) = links
    if updated_at.tzinfo is None:
        updated_at = updated_at.replace(tzinfo=UTC)  # See UTCDateTime.
    status = status_in(paused, start_year, end_year, shared.year)
    return {
        "slug": slug,
        "title": title,
        "municipality": municipality,
        "municipality_name": municipality_name,
        "units": units,
        "partner_municipalities": partner_municipalities,
        "partner_countries": partner_countries,
        "partner_country_names": partner_country_names,
        "funders": funders,
        "funder_names": funder_names,
        "goals": goals,
        "goal_names": goal_names,
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


class IdList(Aggregate):
    """The grouped values as one text, comma-separated, in no particular order (None for no
    rows): STRING_AGG on PostgreSQL, GROUP_CONCAT on SQLite. Only for ids and codes, which
    hold no comma. The separator is written into the SQL rather than passed as a parameter,
    so that a ChunkQuery's only parameters are its ids."""

    function = "STRING_AGG"
    template = "%(function)s(CAST(%(expressions)s AS text), ',')"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            function="GROUP_CONCAT",
            template="%(function)s(%(expressions)s, ',')",
            **extra_context,
        )


def _linked(relation, column):
    """The `column` values of a project's links through `relation`, as an IdList."""
    through = getattr(Project, relation).through.objects
    ids = (
        through.filter(project_id=OuterRef("pk"))
        .values("project_id")
        .annotate(ids=IdList(column))
        .values("ids")
    )
    return Subquery(ids)


def links_queryset(ids):
    """Per project of `ids`: its pk and, for each related table, the ids or codes of its links
    as an IdList, in the order `Links` decodes them.

    One query for all five related tables: the database answers a chunk's five lookups with
    one statement, one plan and one round trip rather than five. Text rather than arrays: the
    same text comes back for many projects (the same goals, the same funder), so `Links`
    decodes each distinct text once, and plain text needs no array parsing."""
    return (
        Project._base_manager.filter(pk__in=ids)
        .order_by()
        .annotate(
            export_unit_ids=_linked("organisations", "organisation_id"),
            export_partner_ids=_linked("partner_municipalities", "municipality_id"),
            export_country_codes=_linked("partner_countries", "country_id"),
            export_funder_ids=_linked("funders", "funder_id"),
            export_goal_numbers=_linked("goals", "goal_id"),
        )
        .values_list(
            "pk",
            "export_unit_ids",
            "export_partner_ids",
            "export_country_codes",
            "export_funder_ids",
            "export_goal_numbers",
        )
    )


class ChunkQuery:
    """`links_queryset` for the projects of one chunk, `pk IN (ids)`.

    The ORM builds the SQL once per export, for CHUNK_SIZE ids, and each chunk runs it with its
    own ids: building the query anew for every chunk took longer than the database took to
    answer it. A short last chunk repeats its last id, which changes nothing for IN. Rows come
    back as the database sends them, so select only integers and text, which need no
    conversion."""

    def __init__(self, using):
        placeholders = list(range(1, CHUNK_SIZE + 1))
        query = links_queryset(placeholders).query
        self.sql, params = query.get_compiler(using).as_sql()
        # __call__ writes the ids where the placeholders are: they must be all there is.
        if list(params) != placeholders or self.sql.count("%") != CHUNK_SIZE:
            raise ValueError("links_queryset: unexpected query parameters")
        self.connection = connections[using]

    def __call__(self, ids):
        ids = ids + ids[-1:] * (CHUNK_SIZE - len(ids))
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "sqlite":
                # sqlite3 binds parameters in C and prepares the one text once. A new text for
                # every chunk was prepared anew, and sqlite3 kept the last 128 in its statement
                # cache: most of what the export's peak of memory grew by with its size.
                cursor.execute(self.sql, ids)
            else:
                # The ids are written into the SQL as numbers rather than passed as parameters.
                # psycopg would write them into the SQL just the same (client-side binding,
                # Django's default), but binding 500 parameters in Python took as long as
                # PostgreSQL took to run the query. int() makes sure each is a number.
                cursor.execute(self.sql % tuple(int(pk) for pk in ids))
            return cursor.fetchall()


# The distinct texts each decoder of `Links` remembers; later ones are decoded every time they
# come. Memory stays bounded however many combinations of links an export meets, and the
# combinations met first, which are the common ones, stay remembered.
DECODED_LIMIT = 512
# What a project without links of a kind has. Shared, like every decoded list: never changed.
EMPTY = []


class _Decoded(dict):
    """IdList texts and what `decode` makes of them, decoded on the first meeting only: most
    projects share their goals, countries or funders with others, and a dict lookup is all
    that they then cost."""

    def __init__(self, decode, empty):
        super().__init__()
        self.decode = decode
        self[None] = empty

    def __missing__(self, text):
        value = self.decode(text)
        if len(self) < DECODED_LIMIT:
            self[text] = value
        return value


class Links:
    """The related values of the projects, a chunk at a time (see `chunk`).

    The related tables are small beside the projects, so each is read once per export, in the
    order the schema promises (names for units, partner municipalities and funders, then the
    funder's id; codes for countries; numbers for goals). A chunk then costs one query that
    fetches only the ids of its links (see `links_queryset`): on PostgreSQL, five queries a
    chunk, each joining and sorting a table, had cost more than all the rest of the export's
    reading. A project's ids are sorted by their place in that order rather than by name in
    Python, so the database's collation still decides, as when it sorted the links itself."""

    def __init__(self, using, shared):
        self.using, self.shared = using, shared
        self.query = ChunkQuery(using)
        self.tables = self.read_tables()
        self.units = _Decoded(self.decode_names("units"), EMPTY)
        self.partners = _Decoded(self.decode_names("partners"), EMPTY)
        self.countries = _Decoded(self.decode_countries, (EMPTY, EMPTY))
        self.funders = _Decoded(self.decode_funders, (EMPTY, EMPTY))
        self.goals = _Decoded(self.decode_goals, (EMPTY, EMPTY))

    def read_tables(self):
        """Each related table as {key: (place, key, values...)}, `place` its row's rank."""

        def ranked(queryset):
            rows = queryset.using(self.using)
            return {row[0]: (place, *row) for place, row in enumerate(rows)}

        return {
            "units": ranked(Organisation.objects.order_by("name").values_list("pk", "name")),
            "partners": ranked(Municipality.objects.order_by("name").values_list("pk", "name")),
            "countries": ranked(Country.objects.order_by("code").values_list("code")),
            "funders": ranked(
                Funder.objects.order_by("name", "pk").values_list("pk", "slug", "name")
            ),
            "goals": ranked(
                Goal.objects.order_by("number").values_list(
                    "number", "name_sv", "name_en", "name_lv"
                )
            ),
        }

    def rows(self, table, keys):
        """The rows of `table` with these keys, in the schema's order."""
        rows = self.tables[table]
        if not all(key in rows for key in keys):
            # A row added since the export began: read the tables again. A key still missing
            # was deleted since its chunk was read; its link is gone too.
            self.tables = self.read_tables()
            rows = self.tables[table]
        return sorted(rows[key] for key in keys if key in rows)

    def decode_names(self, table):
        return lambda text: [name for _, _, name in self.rows(table, _ints(text))]

    def decode_countries(self, text):
        codes = [code for _, code in self.rows("countries", text.split(","))]
        return [code.upper() for code in codes], [self.shared.country_name(c) for c in codes]

    def decode_funders(self, text):
        rows = self.rows("funders", _ints(text))
        return [slug for _, _, slug, _ in rows], [name for _, _, _, name in rows]

    def decode_goals(self, text):
        rows = self.rows("goals", _ints(text))
        return [number for _, number, *_ in rows], [self.shared.goal_name(*row[1:]) for row in rows]

    def chunk(self, ids):
        """{project id: its lists in the order of LINKED_KEYS} for the projects `ids`, in one
        query whatever the number of links. A project deleted since its row was read has no
        entry."""
        units, partners, countries = self.units, self.partners, self.countries
        funders, goals = self.funders, self.goals
        return {
            pk: (
                units[unit_ids],
                partners[partner_ids],
                *countries[country_codes],
                *funders[funder_ids],
                *goals[goal_numbers],
            )
            for pk, unit_ids, partner_ids, country_codes, funder_ids, goal_numbers in self.query(
                ids
            )
        }


def _ints(text):
    return [int(key) for key in text.split(",")]


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
    the projects' values, one per related table for the whole export and one per chunk for
    the links (see `Links`).

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
        links = Links(queryset.db, shared)
        unlinked = (EMPTY,) * len(LINKED_KEYS)
        rows = queryset.prefetch_related(None).values_list(*PROJECT_VALUES)
        rows = rows.iterator(chunk_size=CHUNK_SIZE)
        while chunk := list(itertools.islice(rows, CHUNK_SIZE)):
            chunk_links = links.chunk([project[0] for project in chunk]).get
            for project in chunk:
                yield project_record(project, chunk_links(project[0], unlinked), shared)

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
