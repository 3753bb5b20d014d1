"""The exports of /projects/: one record per project, written as CSV, XLSX or JSON.

`SCHEMA` is the published schema, one `Column` per key: how its value is computed from a
project's row (`value`, and `sql` for PostgreSQL's COPY), its width in the XLSX and its `kind`,
which decides how a spreadsheet cell is made of the value (`spreadsheet_row`). The keys are the
JSON keys and, in the same order, the header row of the CSV and the XLSX; users' scripts read
them, so add keys but never rename or remove one. docs/exports.md documents every key (its
"Field dictionary") and how the exports are built.

Every export is built here, in Python, from plain values; on PostgreSQL the CSV is written by
the database itself instead (projects/export_copy.py), from each column's `sql` and the same
`LINKS`, and tests/projects/test_exports.py holds the two byte for byte equal.

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
import enum
import itertools
import json
import operator
import re
import tempfile
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from django.db import connections
from django.db.models import Aggregate, DateTimeField, F, Func, OuterRef, Subquery, TextField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from registry.models import Basis, Country, Goal

from .models import (
    Project,
    ProjectTranslation,
    confirmation_cutoff,
    current_year,
    derived_status,
)

# Projects per chunk. Each chunk costs one query for its links, listing the chunk's ids, and
# a fetch from the server-side cursor; each chunk's records are in memory at once. 1000 rather
# than 500 took a tenth less CPU (PostgreSQL's and ours) for a whole export on PostgreSQL, for a
# peak of memory of about 2 MiB rather than 1.5, whatever the number of projects.
CHUNK_SIZE = 1000
# Bytes gathered before a piece goes to the client: few writes, and memory bounded by this.
FLUSH_AT = 16 * 1024
SEPARATOR = "; "
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Text for spreadsheets: the one rule, for these exports and the admin's (projects/resources.py).

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Skipped before looking for a formula start: LibreOffice Calc's CSV import, with its "Trim
# spaces" option, strips leading spaces before it decides that "=" starts a formula.
LEADING_BLANKS = " "
# What XML 1.0, and so an XLSX, cannot hold: the control characters other than tab, line feed
# and carriage return (openpyxl refuses them), and U+FFFE and U+FFFF (which openpyxl writes,
# leaving a file that no spreadsheet, nor openpyxl itself, can open).
ILLEGAL_CHARACTERS = "".join(map(chr, [*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]))
ILLEGAL_CHARACTERS += "\ufffe\uffff"
ILLEGAL_CHARACTERS_RE = re.compile(f"[\x00{re.escape(ILLEGAL_CHARACTERS)}]")


def neutralise(text):
    """`text` with a leading ' if a spreadsheet would run it as a formula."""
    if text.lstrip(LEADING_BLANKS).startswith(FORMULA_STARTS):
        return "'" + text
    return text


def restore_neutralised(value):
    """The inverse of `neutralise`, so that an exported file imports unchanged."""
    if isinstance(value, str) and value.startswith("'") and neutralise(value[1:]) != value[1:]:
        return value[1:]
    return value


def spreadsheet_text(text):
    """`text` as a CSV or XLSX cell holds it: without the characters an XLSX cannot store,
    dropped first so that none hides a formula, and neutralised."""
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", text))


# The published schema.


class Kind(enum.Enum):
    """How a column's value becomes a CSV or XLSX cell (`spreadsheet_row`)."""

    TEXT = "text"  # a string, made safe by `spreadsheet_text`
    LIST = "list"  # a list, its items joined with SEPARATOR, then as TEXT
    NUMBER = "number"  # an integer or None, left as it is: a number in the XLSX


@dataclass(frozen=True)
class Column:
    """One key of the published schema.

    `value(row, shared)` is its JSON value, from a `Row` and what the export shares (`Shared`);
    None for the row's field of the same name. `sql` is the same value as text, a PostgreSQL
    expression over the same names, with `{name}` for the constants of
    `export_copy.sql_constants`; by default the column of the same name. `sql_cell` says that
    `sql` is the CSV cell already, made only of those constants (which are cells) and of digits,
    so that projects/export_copy.py need not make it one."""

    key: str
    width: int
    kind: Kind
    value: Callable = None
    sql: str = None
    sql_cell: bool = False

    def __post_init__(self):
        if self.sql is None:
            object.__setattr__(self, "sql", f'"{self.key}"')


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


# What a row reads from the project's own row and its owner's, in one query: the name in `Row`
# and the field it comes from.
PROJECT_VALUES = {
    "id": "pk",
    "slug": "slug",
    "title": "title",
    "municipality": "municipality__slug",
    "municipality_name": "municipality__name",
    "type": "type",
    "paused": "paused",
    "start_year": "start_year",
    "end_year": "end_year",
    "website": "website",
    # When a person last changed the record (Project.changed_at): none for a seeded record
    # nobody changed since.
    "updated_at": "changed_at",
    "confirmed_on": "confirmed_on",
    "original_language": "language",
    "summary": "summary",
    "description": "description",
}


@dataclass(frozen=True)
class Output:
    """One list of a project's links: the items, one per linked row, in the link's order.
    `value(row, shared)` is an item from the linked row's values (see `Link.fields`); `sql` is
    the same item as text, over the linked table's alias `o`."""

    key: str
    value: Callable
    sql: str


@dataclass(frozen=True)
class Link:
    """A project's links to one related table, and the lists the schema makes of them.

    `relation` is the many-to-many field of Project, `basis` when only the links stated (or
    assumed) count; `order` the related fields that order the items (the database's collation
    decides, in both ways of exporting); `fields` what the
    outputs read of each linked row. `sql_join` False says that the outputs' `sql` and the
    order read only the linked row's key, which the link itself holds, so that the query need
    not join the related table."""

    relation: str
    order: tuple
    fields: tuple
    outputs: tuple
    sql_join: bool = True
    # Only the links known this way (registry.models.Basis), for a relation whose links say.
    basis: str = None

    @property
    def model(self):
        return Project._meta.get_field(self.relation).related_model


LINKS = (
    Link(
        "organisations",
        order=("name",),
        fields=("name",),
        outputs=(Output("units", lambda unit, shared: unit.name, "o.name"),),
    ),
    Link(
        "partner_municipalities",
        order=("name",),
        fields=("name",),
        outputs=(Output("partner_municipalities", lambda town, shared: town.name, "o.name"),),
    ),
    Link(
        "partner_countries",
        order=("code",),
        fields=("code",),
        sql_join=False,
        outputs=(
            Output(
                "partner_countries", lambda country, shared: country.code.upper(), "upper(o.code)"
            ),
            Output(
                "partner_country_names",
                lambda country, shared: shared.country_name(country.code),
                "{country_names} ->> o.code",
            ),
        ),
    ),
    Link(
        "funders",
        order=("name", "pk"),
        fields=("slug", "name"),
        outputs=(
            Output("funders", lambda funder, shared: funder.slug, "o.slug"),
            Output("funder_names", lambda funder, shared: funder.name, "o.name"),
        ),
    ),
    Link(
        "goals",
        order=("number",),
        fields=("number", "name_sv", "name_en", "name_lv"),
        sql_join=False,
        outputs=(
            Output("goals", lambda goal, shared: goal.number, "o.number::text"),
            Output(
                "goal_names",
                lambda goal, shared: shared.goal_name(goal),
                "{goal_names} ->> o.number::text",
            ),
        ),
    ),
)
# How each funder and goal is known: stated by a source or assumed by the editors. Keys of their
# own, so that "funders" and "goals" keep their meaning (all of them).
LINKS += tuple(
    Link(
        "funders",
        basis=basis,
        order=("name", "pk"),
        fields=("slug", "name"),
        outputs=(Output(f"funders_{basis}", lambda funder, shared: funder.slug, "o.slug"),),
    )
    for basis in Basis.values
) + tuple(
    Link(
        "goals",
        basis=basis,
        order=("number",),
        fields=("number", "name_sv", "name_en", "name_lv"),
        sql_join=False,
        outputs=(Output(f"goals_{basis}", lambda goal, shared: goal.number, "o.number::text"),),
    )
    for basis in Basis.values
)

# Partner organisations abroad (schools, universities…), added later as keys of their own:
# their names and, paired, their countries' ISO codes ("" where no country is recorded).
LINKS += (
    Link(
        "partner_organisations",
        order=("name", "pk"),
        fields=("name", "country_id"),
        outputs=(
            Output("partner_organisations", lambda body, shared: body.name, "o.name"),
            Output(
                "partner_organisation_countries",
                lambda body, shared: (body.country_id or "").upper(),
                "coalesce(upper(o.country_id), '')",
            ),
        ),
    ),
)


@dataclass(frozen=True)
class Owned:
    """A project's own rows of a model that points at it (its grants…), and the paired lists
    the schema makes of them: one item per row, in `order`. Each output is (key, field, sql):
    the item is the row's `field` as text ("" for none), and `sql` the same text over the
    row's alias `o` and, for a model with a funder, the funder's `f`."""

    relation: str
    order: tuple
    outputs: tuple

    @property
    def model(self):
        return Project._meta.get_field(self.relation).related_model


# Money and the funders' identifiers (projects/record.py), added later as keys of their own.
# The items are text, so that an amount keeps its two decimals exactly and an unknown year
# stays in its place ("") in all three formats. Sources and numbers are free text that may
# hold the separator, so only the figures and codes are exported.
OWNED = (
    Owned(
        "grants",
        order=("funder__name", "funder_id", "year", "pk"),
        outputs=(
            ("grant_funders", "funder__slug", "f.slug"),
            ("grant_kinds", "kind", "o.kind"),
            ("grant_amounts", "amount", "o.amount::text"),
            ("grant_currencies", "currency", "o.currency"),
            ("grant_years", "year", "coalesce(o.year::text, '')"),
        ),
    ),
    Owned(
        "funder_references",
        order=("funder__name", "funder_id", "number", "pk"),
        outputs=(
            ("reference_funders", "funder__slug", "f.slug"),
            ("reference_numbers", "number", "o.number"),
            ("reference_urls", "url", "o.url"),
        ),
    ),
    # Results, added later: their dates (ISO 8601), the links to their outputs and their reach,
    # oldest first. The texts are free text that may hold the separator: the API has them.
    Owned(
        "results",
        order=("date", "pk"),
        outputs=(
            ("result_dates", "date", """to_char(o."date", 'YYYY-MM-DD')"""),
            ("result_urls", "url", "o.url"),
            ("result_reach_numbers", "reach_number", "coalesce(o.reach_number::text, '')"),
            ("result_reach_units", "reach_unit", "o.reach_unit"),
        ),
    ),
)
OWNED_KEYS = tuple(key for owned in OWNED for key, _field, _sql in owned.outputs)
LINKED_KEYS = tuple(output.key for link in LINKS for output in link.outputs) + OWNED_KEYS

# A project's texts in each language (projects/translations.py), added later as keys of their
# own ("title" keeps its meaning: the original): `<field>_<language>` is the original text in
# the original's language, else the translation into that language, or "" when there is none.
# A row reads the translations' texts under `translated_<field>_<language>`.
TRANSLATED_FIELDS = ProjectTranslation.FIELDS
TRANSLATED_LANGUAGES = tuple(Project.Language.values)
TRANSLATED_KEYS = tuple(
    f"translated_{field}_{language}"
    for field in TRANSLATED_FIELDS
    for language in TRANSLATED_LANGUAGES
)

# A project's values, then its lists of links, then its translations' texts: what a Column's
# `value` reads.
Row = namedtuple("Row", [*PROJECT_VALUES, *LINKED_KEYS, *TRANSLATED_KEYS])

# Which of the 4 × 4 year classes (no year, before, in, after the export's year), pausing and
# confirmation (whether the facts' confirmation is too old or missing) `STATUS_INDEX` is, in
# the order of `Shared.status_table`.
STATUS_INDEX = (
    "(1 + 32 * coalesce({confirmed} < {cutoff}, true)::int + 16 * {paused}::int"
    " + 4 * coalesce(sign({start} - {year})::int + 2, 0)"
    " + coalesce(sign({end} - {year})::int + 2, 0))"
).format(
    confirmed='"confirmed_on"',
    paused='"paused"',
    start='"start_year"',
    end='"end_year"',
    year="{year}",
    cutoff="{cutoff}",
)

def in_language(field, language):
    """A row's `field` in `language`: the original's when it is in that language, else the
    translation's (see TRANSLATED_KEYS)."""

    def value(row, shared):
        if row.original_language == language:
            return getattr(row, field)
        return getattr(row, f"translated_{field}_{language}")

    return value


SCHEMA = (
    Column("slug", 32, Kind.TEXT),
    Column("title", 50, Kind.TEXT),
    Column("municipality", 20, Kind.TEXT),
    Column("municipality_name", 24, Kind.TEXT),
    Column("units", 40, Kind.LIST),
    Column("partner_municipalities", 40, Kind.LIST),
    Column("partner_countries", 18, Kind.LIST),
    Column("partner_country_names", 32, Kind.LIST),
    Column("funders", 24, Kind.LIST),
    Column("funder_names", 36, Kind.LIST),
    Column("goals", 12, Kind.LIST, sql_cell=True),
    Column("goal_names", 40, Kind.LIST),
    Column("type", 24, Kind.TEXT),
    Column(
        "type_label",
        24,
        Kind.TEXT,
        value=lambda row, shared: shared.type_labels.get(row.type, row.type),
        sql='coalesce({type_labels} ->> "type", "type")',
    ),
    Column(
        "status",
        12,
        Kind.TEXT,
        value=lambda row, shared: shared.status(
            row.paused, row.start_year, row.end_year, row.confirmed_on
        ),
        sql=f"({{statuses}})[{STATUS_INDEX}]",
        sql_cell=True,
    ),
    Column(
        "status_label",
        14,
        Kind.TEXT,
        value=lambda row, shared: shared.status_labels[
            shared.status(row.paused, row.start_year, row.end_year, row.confirmed_on)
        ],
        sql=f"({{status_labels}})[{STATUS_INDEX}]",
        sql_cell=True,
    ),
    Column("start_year", 11, Kind.NUMBER),
    Column("end_year", 11, Kind.NUMBER),
    Column("website", 36, Kind.TEXT),
    Column(
        "url",
        48,
        Kind.TEXT,
        value=lambda row, shared: shared.url(row.slug),
        sql='{url_prefix} || "slug" || {url_suffix}',
    ),
    # ISO 8601 to the second, with the offset of the request's time zone; on PostgreSQL the
    # session's zone is set to it for the export's query (see export_copy).
    # Project.changed_at (PROJECT_VALUES): none, an empty cell, for a seeded record nobody
    # changed.
    Column(
        "updated_at",
        26,
        Kind.TEXT,
        value=lambda row, shared: shared.timestamp(row.updated_at),
        sql="""to_char("updated_at", 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')""",
        sql_cell=True,
    ),
    # Added later, so after the first keys: how each funder and goal is known, and the day the
    # facts were last confirmed (ISO 8601 date, or none).
    Column("funders_stated", 24, Kind.LIST),
    Column("funders_assumed", 24, Kind.LIST),
    Column("goals_stated", 12, Kind.LIST, sql_cell=True),
    Column("goals_assumed", 12, Kind.LIST, sql_cell=True),
    Column(
        "confirmed_on",
        12,
        Kind.TEXT,
        value=lambda row, shared: row.confirmed_on and row.confirmed_on.isoformat(),
        sql="""to_char("confirmed_on", 'YYYY-MM-DD')""",
        sql_cell=True,
    ),
    # Added later: money per funder and the funders' identifiers of the project (OWNED),
    # paired lists in the same order.
    Column("grant_funders", 24, Kind.LIST),
    Column("grant_kinds", 14, Kind.LIST),
    Column("grant_amounts", 18, Kind.LIST),
    Column("grant_currencies", 10, Kind.LIST),
    Column("grant_years", 12, Kind.LIST),
    Column("reference_funders", 24, Kind.LIST),
    Column("reference_numbers", 28, Kind.LIST),
    Column("reference_urls", 40, Kind.LIST),
    # Added later: the original's language and the texts in each language (TRANSLATED_KEYS).
    Column("original_language", 8, Kind.TEXT),
    *(
        Column(
            f"{field}_{language}",
            {"title": 50, "summary": 60, "description": 80}[field],
            Kind.TEXT,
            value=in_language(field, language),
            sql=(
                f"""CASE WHEN "original_language" = '{language}' THEN "{field}" """
                f"""ELSE "translated_{field}_{language}" END"""
            ),
        )
        for field in TRANSLATED_FIELDS
        for language in TRANSLATED_LANGUAGES
    ),
    # Added later: the partner organisations abroad and the results, paired lists.
    Column("partner_organisations", 40, Kind.LIST),
    Column("partner_organisation_countries", 18, Kind.LIST),
    Column("result_dates", 24, Kind.LIST),
    Column("result_urls", 40, Kind.LIST),
    Column("result_reach_numbers", 16, Kind.LIST),
    Column("result_reach_units", 24, Kind.LIST),
)
# The keys in order: the JSON keys and the CSV and XLSX header.
COLUMNS = tuple(column.key for column in SCHEMA)


def status_in(paused, start_year, end_year, year, confirmed_on=None, cutoff=None):
    """A row's derived status in `year` as its code ("ongoing"…), by the models' rule."""
    return derived_status(paused, start_year, end_year, year, confirmed_on, cutoff).value


def project_record(row, shared):
    """One project in the published schema: lists stay lists, an empty year stays None.
    Paired lists (codes and names, slugs and names) are in the same order."""
    derived = [value(row, shared) for value in shared.derived]
    return dict(zip(COLUMNS, shared.pick((*row, *derived)), strict=True))


class Shared:
    """What every row of an export shares, worked out once in the request's language and time
    zone rather than for each row: get_type_display() would translate every choice again for
    every row, and reverse() and build_absolute_uri() cost more than the rest of the URL."""

    # The years standing for the classes of STATUS_INDEX, relative to the export's year.
    YEAR_CLASSES = (None, -1, 0, 1)

    def __init__(self, year, build_absolute_uri, cutoff=None):
        self.year = year
        # The first day a confirmation of the facts still holds (models.status_conditions).
        self.cutoff = cutoff or confirmation_cutoff()
        self.type_labels = {value: str(label) for value, label in Project.Type.choices}
        self.status_labels = {value: str(label) for value, label in Project.Status.choices}
        self.zone = timezone.get_current_timezone()
        self.url_prefix, self.url_suffix = url_parts(build_absolute_uri)
        self.country_names = {}
        self.goal_names = {}
        self.statuses = {}
        # The columns computed from a row, and then every value picked in the schema's order
        # from the row followed by them: one call in C rather than a Python function for
        # each of the 21 columns, which had cost a row as much as everything else.
        computed = [column for column in SCHEMA if column.value is not None]
        self.derived = [column.value for column in computed]
        self.pick = operator.itemgetter(
            *(
                Row._fields.index(column.key)
                if column.value is None
                else len(Row._fields) + computed.index(column)
                for column in SCHEMA
            )
        )

    def url(self, slug):
        return self.url_prefix + slug + self.url_suffix

    def timestamp(self, moment):
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # See UTCDateTime.
        return timezone.localtime(moment, self.zone).isoformat(timespec="seconds")

    def status(self, paused, start_year, end_year, confirmed_on=None):
        """The models' rule for a row in the export's year, remembered per combination (the
        rule reads of the confirmation only whether it still holds)."""
        stale = confirmed_on is None or confirmed_on < self.cutoff
        key = (paused, start_year, end_year, stale)
        if key not in self.statuses:
            confirmed = None if stale else self.cutoff
            self.statuses[key] = status_in(
                paused, start_year, end_year, self.year, confirmed, self.cutoff
            )
        return self.statuses[key]

    def status_table(self):
        """The models' rule for each confirmation (holding or not), pausing and class of start
        and end year (no year, before, in and after the export's year), in the order of
        STATUS_INDEX: the rule only compares the years with the export's and the confirmation
        with the cutoff, and a year is 1950–2100 or empty (the model's constraints).
        tests/projects/test_exports.py checks both for every year."""
        years = [None if offset is None else self.year + offset for offset in self.YEAR_CLASSES]
        confirmations = [self.cutoff, None]
        return [
            self.status(paused, start, end, confirmed)
            for confirmed in confirmations
            for paused in (False, True)
            for start in years
            for end in years
        ]

    def country_name(self, code):
        """The name django-countries gives `code`, as `Country.name`."""
        if code not in self.country_names:
            self.country_names[code] = str(Country(code=code).name)
        return self.country_names[code]

    def goal_name(self, goal):
        """The goal's name in the active language, as `Goal.name`; `goal` has its number and
        names."""
        if goal.number not in self.goal_names:
            names = {
                f"name_{language}": getattr(goal, f"name_{language}")
                for language in "sv en lv".split()
            }
            self.goal_names[goal.number] = Goal(number=goal.number, **names).name
        return self.goal_names[goal.number]


# Any text in place of the slug: the URL is built once around it rather than for every row.
SLUG_PLACEHOLDER = "slug-placeholder"


def url_parts(build_absolute_uri):
    """What comes before and after the slug in `build_absolute_uri(project.get_absolute_url())`,
    reversed and joined once per export. Every slug fits the URL pattern, which is a SlugField's
    own (`validate_slug`, checked wherever a slug is written), so it needs no quoting."""
    sample = build_absolute_uri(Project(slug=SLUG_PLACEHOLDER).get_absolute_url())
    prefix, _, suffix = sample.rpartition(SLUG_PLACEHOLDER)
    return prefix, suffix


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


def _linked(link):
    """The keys of a project's links through `link`, as an IdList."""
    through = getattr(Project, link.relation).through
    column = Project._meta.get_field(link.relation).m2m_reverse_name()
    links = through.objects.filter(project_id=OuterRef("pk"))
    if link.basis is not None:
        # Written into the SQL rather than passed as a parameter: the chunk's query takes
        # its ids as its only parameters (`ChunkQuery`). A constant of Basis, never input.
        links = links.filter(basis=RawSQL(f"'{Basis(link.basis).value}'", []))
    ids = (
        links
        .values("project_id")
        .annotate(ids=IdList(column))
        .values("ids")
    )
    return Subquery(ids)


def links_queryset(ids):
    """Per project of `ids`: its pk and, for each of LINKS, the keys of its links as an
    IdList, in the order of LINKS.

    One query for all the related tables: the database answers a chunk's lookups with one
    statement, one plan and one round trip rather than five. Text rather than arrays: the
    same text comes back for many projects (the same goals, the same funder), so `Links`
    decodes each distinct text once, and plain text needs no array parsing."""
    names = [f"export_{position}" for position in range(len(LINKS))]
    return (
        Project._base_manager.filter(pk__in=ids)
        .order_by()
        .annotate(**{name: _linked(link) for name, link in zip(names, LINKS, strict=True)})
        .values_list("pk", *names)
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
    order of its Link. A chunk then costs one query that fetches only the keys of its links
    (see `links_queryset`): on PostgreSQL, five queries a chunk, each joining and sorting a
    table, had cost more than all the rest of the export's reading. A project's keys are sorted
    by their place in that order rather than by name in Python, so the database's collation
    still decides, as when it sorted the links itself."""

    def __init__(self, using, shared):
        self.using, self.shared = using, shared
        self.query = ChunkQuery(using)
        self.tables = self.read_tables()
        # What a project without links of a kind has. Shared, like every decoded list: never
        # changed.
        self.decoders = [
            _Decoded(self.decoder(index, link), ([],) * len(link.outputs))
            for index, link in enumerate(LINKS)
        ]

    def read_tables(self):
        """Each related table as {key: (place, row)}, `place` its row's rank in its Link's
        order and `row` the values its outputs read."""
        tables, read = [], {}
        for link in LINKS:
            model = link.model
            # Links of one relation that differ only in how they are known read it once.
            source = (model, link.order, link.fields)
            if source not in read:
                Linked = namedtuple("Linked", link.fields)
                rows = model.objects.using(self.using).order_by(*link.order)
                rows = rows.values_list(model._meta.pk.attname, *link.fields)
                read[source] = {
                    key: (place, Linked(*values)) for place, (key, *values) in enumerate(rows)
                }
            tables.append(read[source])
        return tables

    def decoder(self, index, link):
        """A function from an IdList text to the Link's lists of items."""
        # Keys come back as text: the primary key's own type converts them.
        key_type = link.model._meta.pk.to_python
        outputs = [output.value for output in link.outputs]

        def decode(text):
            keys = [key_type(key) for key in text.split(",")]
            rows = self.tables[index]
            if not all(key in rows for key in keys):
                # A row added since the export began: read the tables again. A key still
                # missing was deleted since its chunk was read; its link is gone too.
                self.tables = self.read_tables()
                rows = self.tables[index]
            linked = [
                row for _, row in sorted((rows[key] for key in keys if key in rows), key=_place)
            ]
            return tuple([value(row, self.shared) for row in linked] for value in outputs)

        return decode

    def chunk(self, ids):
        """{project id: its lists in the order of LINKED_KEYS} for the projects `ids`, in one
        query whatever the number of links, and one per kind of OWNED rows. A project deleted
        since its row was read has no entry."""
        decoders = self.decoders
        chunk = {}
        for pk, *texts in self.query(ids):
            linked = ()
            for decoder, text in zip(decoders, texts, strict=True):
                linked += decoder[text]
            chunk[pk] = linked
        for owned in OWNED:
            lists = self.owned(owned, ids)
            empty = ([],) * len(owned.outputs)
            for pk, linked in chunk.items():
                chunk[pk] = linked + lists.get(pk, empty)
        texts = self.translations(ids)
        for pk, linked in chunk.items():
            chunk[pk] = linked + texts.get(pk, UNTRANSLATED)
        return chunk

    def translations(self, ids):
        """{project id: its translations' texts in the order of TRANSLATED_KEYS} for the
        projects `ids` that have any: one query a chunk."""
        rows = (
            ProjectTranslation.objects.using(self.using)
            .filter(project_id__in=ids, language__in=TRANSLATED_LANGUAGES)
            .values_list("project_id", "language", *TRANSLATED_FIELDS)
        )
        texts = {}
        for pk, language, *values in rows:
            entry = texts.setdefault(pk, list(UNTRANSLATED))
            for field, value in zip(TRANSLATED_FIELDS, values, strict=True):
                entry[TRANSLATED_KEYS.index(f"translated_{field}_{language}")] = value
        return {pk: tuple(entry) for pk, entry in texts.items()}

    def owned(self, owned, ids):
        """{project id: its lists of `owned`'s items} for the projects `ids` that have any."""
        fields = [field for _key, field, _sql in owned.outputs]
        rows = (
            owned.model.objects.using(self.using)
            .filter(project_id__in=ids)
            # An unknown year after the known ones, on every database (as COPY orders them).
            .order_by("project_id", *(F(name).asc(nulls_last=True) for name in owned.order))
            .values_list("project_id", *fields)
        )
        lists = {}
        for pk, *values in rows:
            items = lists.setdefault(pk, tuple([] for _ in fields))
            for item, value in zip(items, values, strict=True):
                item.append("" if value is None else str(value))
        return lists


def _place(entry):
    return entry[0]


# What a project without translations has in their place in its Row.
UNTRANSLATED = ("",) * len(TRANSLATED_KEYS)


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
        unlinked = ([],) * len(LINKED_KEYS) + UNTRANSLATED
        values = [
            UTCDateTime(field) if name == "updated_at" else field
            for name, field in PROJECT_VALUES.items()
        ]
        rows = queryset.prefetch_related(None).values_list(*values)
        rows = rows.iterator(chunk_size=CHUNK_SIZE)
        while chunk := list(itertools.islice(rows, CHUNK_SIZE)):
            chunk_links = links.chunk([project[0] for project in chunk]).get
            for project in chunk:
                row = Row(*project, *chunk_links(project[0], unlinked))
                yield project_record(row, shared)

    return stepped_in(context, records())


def stepped_in(context, iterator):
    """`iterator`'s items, each worked out in `context` (see `project_records`). Closing it
    closes `iterator` there too, so that a download the client gave up on ends its queries
    and transaction at once rather than whenever the garbage collector gets to it."""
    try:
        while True:
            try:
                item = context.run(next, iterator)
            except StopIteration:
                return
            yield item
    finally:
        if hasattr(iterator, "close"):
            context.run(iterator.close)


# Writers.

# Where the lists are among a row's cells.
_LISTS = [index for index, column in enumerate(SCHEMA) if column.kind is Kind.LIST]


def spreadsheet_row(record):
    """A record as CSV or XLSX cells, each by its column's kind: lists joined with "; ", text
    made safe by `spreadsheet_text`, numbers as they are."""
    cells = list(map(record.__getitem__, COLUMNS))
    for index in _LISTS:
        cells[index] = SEPARATOR.join(map(str, cells[index]))
    # Characters to drop are rare: the whole row's text is checked at once, and a row with
    # none of the unprintable characters (which include them) needs no regular expression.
    text = "".join([cell for cell in cells if isinstance(cell, str)])
    if not text.isprintable() and ILLEGAL_CHARACTERS_RE.search(text):
        return [spreadsheet_text(cell) if isinstance(cell, str) else cell for cell in cells]
    return [neutralise(cell) if isinstance(cell, str) else cell for cell in cells]


def in_pieces(chunks):
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


def csv_writer():
    """The CSV dialect of every export: csv's default, commas, quotes where needed, CRLF."""
    return csv.writer(_Echo())


def csv_head():
    """The bytes before the first project: a UTF-8 byte-order mark (Excel then reads UTF-8)
    and the header."""
    return codecs.BOM_UTF8 + csv_writer().writerow(COLUMNS).encode()


def csv_pieces(records):
    """The CSV as byte pieces: `csv_head`, then one line per project."""
    writer = csv_writer()
    lines = (writer.writerow(spreadsheet_row(record)).encode() for record in records)
    return in_pieces(itertools.chain([csv_head()], lines))


def json_pieces(records, count):
    """The JSON document {"count": N, "results": [...]} as byte pieces, one result a line."""
    # json.dumps(record, ensure_ascii=False) without building the encoder for every record.
    encoder = json.JSONEncoder(ensure_ascii=False)

    def parts():
        yield f'{{"count": {count}, "results": ['
        for index, record in enumerate(records):
            yield ("," if index else "") + "\n" + encoder.encode(record)
        yield "\n]}\n"

    return in_pieces(part.encode() for part in parts())


def xlsx_file(records):
    """The XLSX in an anonymous temporary file, rewound; closing the file deletes it."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="projects")
    # A write-only sheet takes its layout only before the first row is appended.
    sheet.freeze_panes = "A2"
    for index, column in enumerate(SCHEMA, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
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
