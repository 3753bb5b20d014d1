"""The exports of /projects/: one record per project, written as CSV, XLSX or JSON.

`project_record` is the published schema. Its keys are the JSON keys and, in the same order, the
header row of the CSV and the XLSX; users' scripts read them, so add keys but never rename or
remove one. docs/exports-readme-section.md documents every key.

Memory stays flat however many projects match: rows are fetched in chunks, CSV and JSON are
streamed in small pieces, and openpyxl's write-only mode writes the XLSX rows to disk.
"""

import codecs
import contextvars
import csv
import itertools
import json
import tempfile

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .models import Project, current_year

# Projects per database query. Each chunk also costs one query per prefetched relation, whose
# parameters are the chunk's ids: 500 stays below SQLite's historic limit of 999 parameters.
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


def project_record(project, url, year, labels):
    """One project in the published schema: lists stay lists, an empty year stays None.
    Paired lists (codes and names, slugs and names) are in the same order. `labels` names the
    type and status codes in the active language (see `choice_labels`)."""
    countries = list(project.partner_countries.all())
    funders = list(project.funders.all())
    goals = list(project.goals.all())
    status = project.status_in(year)
    return {
        "slug": project.slug,
        "title": project.title,
        "municipality": project.municipality.slug,
        "municipality_name": project.municipality.name,
        "units": [unit.name for unit in project.organisations.all()],
        "partner_municipalities": [
            partner.name for partner in project.partner_municipalities.all()
        ],
        "partner_countries": [country.code.upper() for country in countries],
        "partner_country_names": [str(country.name) for country in countries],
        "funders": [funder.slug for funder in funders],
        "funder_names": [funder.name for funder in funders],
        "goals": [goal.number for goal in goals],
        "goal_names": [goal.name for goal in goals],
        "type": project.type,
        "type_label": labels["type"].get(project.type, project.type),
        "status": status.value,
        "status_label": labels["status"][status.value],
        "start_year": project.start_year,
        "end_year": project.end_year,
        "website": project.website,
        "url": url,
        "updated_at": timezone.localtime(project.updated_at).isoformat(timespec="seconds"),
    }


def choice_labels():
    """Type and status codes with their names in the active language, translated once per
    export: get_type_display() would translate every choice again for every row."""
    return {
        "type": {value: str(label) for value, label in Project.Type.choices},
        "status": {value: str(label) for value, label in Project.Status.choices},
    }


def project_records(queryset, build_absolute_uri):
    """The records of `queryset`, in its order, fetched CHUNK_SIZE projects at a time.

    Call it in the view. A streamed response is read after the view and the middleware have
    returned, so each step runs in a copy of the view's context: the rows are then built in the
    request's language and read from the database the request was routed to (the replica for a
    public read, see registry/db_router.py), the same one that counted them."""
    context = contextvars.copy_context()
    year = current_year()

    def records():
        labels = choice_labels()
        for project in queryset.iterator(chunk_size=CHUNK_SIZE):
            url = build_absolute_uri(project.get_absolute_url())
            yield project_record(project, url, year, labels)

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
    cells = []
    for key in COLUMNS:
        value = record[key]
        if isinstance(value, list):
            value = SEPARATOR.join(str(item) for item in value)
        if isinstance(value, str):
            value = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
        cells.append(value)
    return cells


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

    def parts():
        yield f'{{"count": {count}, "results": ['
        for index, record in enumerate(records):
            yield ("," if index else "") + "\n" + json.dumps(record, ensure_ascii=False)
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
