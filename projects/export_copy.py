"""The CSV export on PostgreSQL, written by the database: `COPY (SELECT …) TO STDOUT (FORMAT CSV)`
of one query whose columns are the schema's `sql` (projects/exports.py), passed on to the
client as the database sends it.

Why: building each row in Python is several times slower than PostgreSQL copying the same
columns out (docs/exports.md has the figures). The XLSX and JSON, and the CSV on other
databases, are built in Python (`exports.csv_pieces`); tests/projects/test_exports.py holds this CSV
byte for byte equal to that one. What makes them equal:

- Values: each Column's `sql` says in SQL what its `value` says in Python, with the same
  constants (labels and names in the request's language, the URL's parts, the status of each
  class of years) from the same `Shared`; each Link orders its items by the same fields, so the
  database's collation decides in both.
- Cells, by kind as in `exports.spreadsheet_row`: lists joined with "; ", text neutralised by
  `_cell`, which looks past the characters an XLSX cannot hold as `spreadsheet_text` drops
  them first; those characters are then dropped from the bytes (`_without_illegal`): none of
  them is ever quoted, so dropping them from a line drops them from its cells.
- Quoting: COPY quotes a value holding a comma, a quote, a carriage return or a line feed and
  doubles its quotes, as Python's csv does; it also quotes an empty string (a NULL stays bare,
  which is what csv writes for an empty string or None), so empty text is sent as NULL.
- Line ends: COPY ends each row with a line feed, csv with CRLF. Each row comes in a message of
  its own (the protocol's rule for COPY out), so each gets its carriage return back.

The query reads the projects once, in the list's order (the FilterSet's queryset, so its
filters exactly, its order and its database), and each table of links once, grouped by
project: for an export of most projects, aggregating every link is cheaper than picking those
of the chosen projects, which the query does for smaller exports (`_restricted`).
"""

import contextlib
import contextvars
import json
import re

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import connections, transaction
from django.db.models import F, OrderBy

from registry.models import Country, Goal

from .exports import (
    FLUSH_AT,
    FORMULA_STARTS,
    ILLEGAL_CHARACTERS,
    LEADING_BLANKS,
    LINKS,
    OWNED,
    PROJECT_VALUES,
    SCHEMA,
    SEPARATOR,
    TRANSLATED_FIELDS,
    TRANSLATED_LANGUAGES,
    Kind,
    Project,
    ProjectTranslation,
    Shared,
    csv_head,
    current_year,
    spreadsheet_text,
    stepped_in,
)

# The characters an XLSX cannot hold, as UTF-8 bytes. A byte below 0x80 is only ever the
# character it encodes, and U+FFFE and U+FFFF are never part of another character's bytes.
_SINGLE_BYTES = b"".join(c.encode() for c in ILLEGAL_CHARACTERS if len(c.encode()) == 1)
_MULTI_BYTES = [c.encode() for c in ILLEGAL_CHARACTERS if len(c.encode()) > 1]
ILLEGAL_BYTES_RE = re.compile(
    b"|".join([b"[" + re.escape(_SINGLE_BYTES) + b"]", *map(re.escape, _MULTI_BYTES)])
)

# An export picks the links of its own projects when it holds at most this share of all the
# projects, and else aggregates every link.
RESTRICT_UP_TO = 0.5


def csv_pieces(queryset, build_absolute_uri):
    """The CSV of `queryset` as byte pieces, equal to `exports.csv_pieces` of its records, or
    None where this way does not apply (another database, an order it cannot repeat, a time
    zone PostgreSQL cannot be told by name); the caller then uses the other.

    Call it in the view: like `exports.project_records`, each step runs in a copy of the
    view's context (its language, its database routing)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or _ordering(queryset) is None:
        return None
    context = contextvars.copy_context()
    shared = context.run(Shared, current_year(), build_absolute_uri)
    if not getattr(shared.zone, "key", None):
        return None
    return stepped_in(context, _pieces(queryset, shared))


def _pieces(queryset, shared):
    yield csv_head()
    rows = _rows(queryset, shared)
    try:
        yield from _in_pieces(rows)
    finally:
        # Ends the COPY and the transaction now when the client has gone or a piece failed.
        rows.close()


def _rows(queryset, shared):
    """COPY's rows, as the database sends them: one row each, ending in a line feed."""
    using = queryset.db
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if outermost:
            # One snapshot for the tables read below and the COPY (inside a transaction that
            # was already open, such as a test's, that one's).
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        # The request's time zone for `updated_at`, and the export's longer statement timeout
        # (the COPY lasts as long as the download), for this transaction only, and put back
        # at once: a savepoint's end would keep them.
        cursor.execute(
            "SELECT current_setting('TimeZone'), set_config('TimeZone', %s, true),"
            " current_setting('statement_timeout'), set_config('statement_timeout', %s, true)",
            [shared.zone.key, str(settings.EXPORT_STATEMENT_TIMEOUT_MS)],
        )
        zone, _, timeout, _ = cursor.fetchone()
        statement = copy_statement(queryset, shared, _restricted(queryset))
        debug = getattr(cursor, "debug_sql", None)
        with (
            debug(statement) if debug else contextlib.nullcontext(),
            connection.wrap_database_errors,
            cursor.cursor.copy(statement) as copy,
        ):
            yield from copy
        cursor.execute(
            "SELECT set_config('TimeZone', %s, true), set_config('statement_timeout', %s, true)",
            [zone, timeout],
        )


def _restricted(queryset):
    """Whether the query should pick the links of the exported projects (see the docstring)."""
    everything = Project._base_manager.using(queryset.db).count()
    return queryset.count() <= everything * RESTRICT_UP_TO


def _in_pieces(rows):
    """COPY's rows with CRLF line ends, joined into pieces of about FLUSH_AT bytes, without
    the characters an XLSX cannot hold (see the docstring)."""
    buffer = bytearray()
    for row in rows:
        buffer += row
        if buffer[-1] != 10:
            raise ValueError("COPY sent a row that does not end its line")
        buffer[-1:] = b"\r\n"
        if len(buffer) >= FLUSH_AT:
            yield _without_illegal(bytes(buffer))
            buffer.clear()
    if buffer:
        yield _without_illegal(bytes(buffer))


def _without_illegal(data):
    # bytes.translate and `in` run through the bytes several times faster than a search with
    # the regular expression, which only a piece that holds such a character needs.
    if len(data.translate(None, _SINGLE_BYTES)) == len(data) and not any(
        character in data for character in _MULTI_BYTES
    ):
        return data
    return ILLEGAL_BYTES_RE.sub(b"", data)


def _ordering(queryset):
    """`queryset`'s order as OrderBy expressions the outer query can repeat, or None."""
    query = queryset.query
    if query.extra_order_by:
        return None
    items = query.order_by or (query.get_meta().ordering if query.default_ordering else ())
    ordering = []
    for item in items:
        if isinstance(item, str):
            name = item.removeprefix("-")
            # "?" is random, a dotted name raw SQL; a relation's name stands for its model's
            # own ordering, which F() would not repeat.
            if name == "?" or "." in name or "__" in name or _is_relation(name):
                return None
            ordering.append(OrderBy(F(name), descending=item.startswith("-")))
        elif isinstance(item, OrderBy):
            ordering.append(item)
        elif hasattr(item, "resolve_expression"):
            ordering.append(OrderBy(item))
        else:
            return None
    return ordering


def _is_relation(name):
    try:
        return Project._meta.get_field(name).is_relation
    except FieldDoesNotExist:
        return False  # "pk" or an annotation


def copy_statement(queryset, shared, restricted):
    """`COPY (SELECT <the schema's cells> …) TO STDOUT (FORMAT CSV)` for `queryset`, with every
    value written into the SQL (COPY takes no parameters)."""
    connection = connections[queryset.db]
    constants = sql_constants(shared, connection, queryset.db)
    ordering = _ordering(queryset)
    values = {f"export_{name}": F(field) for name, field in PROJECT_VALUES.items()}
    keys = {f"export_order_{index}": item.expression for index, item in enumerate(ordering)}
    projects = queryset.prefetch_related(None).order_by().values(**values, **keys)
    renamed = [f'"export_{name}" AS "{name}"' for name in PROJECT_VALUES]
    renamed += [f'"{key}" AS "order_{index}"' for index, key in enumerate(keys)]
    frame = f"SELECT {', '.join(renamed)} FROM ({_sql(projects, connection)}) AS projects"
    # The chosen projects, worked out once for every table of links.
    chosen = _sql(queryset.order_by().values("pk"), connection) if restricted else None
    joins = [
        f'LEFT JOIN ({_aggregate(link, constants, restricted)}) AS "link_{index}" '
        f'ON "link_{index}".project_id = "project"."id"'
        for index, link in enumerate(LINKS)
    ] + [
        f'LEFT JOIN ({_owned_aggregate(owned, restricted)}) AS "owned_{index}" '
        f'ON "owned_{index}".project_id = "project"."id"'
        for index, owned in enumerate(OWNED)
    ] + [
        f'LEFT JOIN ({_translations(restricted)}) AS "translations" '
        'ON "translations".project_id = "project"."id"'
    ]
    cells = [_cell(column, constants) for column in SCHEMA]
    order = [
        f'"project"."order_{index}"'
        + (" DESC" if item.descending else " ASC")
        + (" NULLS FIRST" if item.nulls_first else " NULLS LAST" if item.nulls_last else "")
        for index, item in enumerate(ordering)
    ]
    select = (
        (f"WITH chosen AS MATERIALIZED ({chosen}) " if restricted else "")
        + f'SELECT {", ".join(cells)} FROM ({frame}) AS "project" {" ".join(joins)} '
        + f"ORDER BY {', '.join(order)}"
    )
    return f"COPY ({select}) TO STDOUT (FORMAT CSV)"


def _sql(queryset, connection):
    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    return connection.ops.compose_sql(sql, params)


def _literal(connection, value, cast=""):
    return connection.ops.compose_sql("%s", [value]) + cast


def sql_constants(shared, connection, using):
    """The SQL literals a Column's or an Output's `sql` names, from `shared`. The status
    tables hold CSV cells (`_constant_cell`), for the columns whose `sql_cell` says so."""
    table = shared.status_table()
    countries = {
        code: shared.country_name(code)
        for code in Country.objects.using(using).values_list("code", flat=True)
    }
    goals = {
        str(goal.number): shared.goal_name(goal)
        for goal in Goal.objects.using(using).only("number", "name_sv", "name_en", "name_lv")
    }
    statuses = [_constant_cell(status) for status in table]
    labels = [_constant_cell(shared.status_labels[status]) for status in table]
    return {
        "year": str(int(shared.year)),
        "cutoff": _literal(connection, shared.cutoff.isoformat(), "::date"),
        "statuses": _literal(connection, statuses, "::text[]"),
        "status_labels": _literal(connection, labels, "::text[]"),
        "type_labels": _literal(connection, json.dumps(shared.type_labels), "::jsonb"),
        "url_prefix": _literal(connection, shared.url_prefix, "::text"),
        "url_suffix": _literal(connection, shared.url_suffix, "::text"),
        "country_names": _literal(connection, json.dumps(countries), "::jsonb"),
        "goal_names": _literal(connection, json.dumps(goals), "::jsonb"),
    }


def _constant_cell(text):
    """`text` as `exports.spreadsheet_row` makes it a cell, NULL for an empty one."""
    return spreadsheet_text(text) or None


def _aggregate(link, constants, restricted):
    """Per project, its lists of `link`'s items, joined with SEPARATOR in the Link's order;
    only for the `chosen` projects when `restricted`."""
    field = Project._meta.get_field(link.relation)
    through = field.remote_field.through._meta.db_table
    project, target = field.m2m_column_name(), field.m2m_reverse_name()
    model = link.model
    order = ", ".join(
        f'o."{model._meta.get_field(name).column}"'
        if name != "pk"
        else f'o."{model._meta.pk.column}"'
        for name in link.order
    )
    separator = "'" + SEPARATOR.replace("'", "''") + "'"
    lists = ", ".join(
        f"string_agg({output.sql.format(**constants)}, {separator} ORDER BY {order})"
        f' AS "{output.key}"'
        for output in link.outputs
    )
    key = model._meta.pk.column
    if link.sql_join:
        linked = f'JOIN "{model._meta.db_table}" AS o ON o."{key}" = x."{target}"'
    else:
        # The linked row's key under its own name, from the link: no join to look it up.
        linked = f'CROSS JOIN LATERAL (SELECT x."{target}" AS "{key}") AS o'
    conditions = [f'x."{project}" IN (SELECT * FROM chosen)'] if restricted else []
    if link.basis is not None:
        conditions.append("x.basis = '" + link.basis.replace("'", "''") + "'")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return (
        f'SELECT x."{project}" AS project_id, {lists} FROM "{through}" AS x {linked}'
        f'{where} GROUP BY x."{project}"'
    )


def _owned_aggregate(owned, restricted):
    """Per project, its lists of `owned`'s rows, in the order `exports.Links.owned` reads
    them (the same fields, so the database's collation decides in both)."""
    model = owned.model
    order = ", ".join(f"{_owned_order(model, name)} NULLS LAST" for name in owned.order)
    separator = "'" + SEPARATOR.replace("'", "''") + "'"
    lists = ", ".join(
        f'string_agg({sql}, {separator} ORDER BY {order}) AS "{key}"'
        for key, _field, sql in owned.outputs
    )
    where = ' WHERE o."project_id" IN (SELECT * FROM chosen)' if restricted else ""
    joined = ""
    if any(field.name == "funder" for field in model._meta.get_fields()):
        funder = model._meta.get_field("funder").related_model
        joined = (
            f' JOIN "{funder._meta.db_table}" AS f ON f."{funder._meta.pk.column}" = o."funder_id"'
        )
    return (
        f'SELECT o."project_id" AS project_id, {lists} FROM "{model._meta.db_table}" AS o'
        f'{joined}{where} GROUP BY o."project_id"'
    )


def _translations(restricted):
    """Per project with translations, their texts under the names `exports.TRANSLATED_KEYS`
    gives them: at most one translation per language (a unique constraint), so max() is it."""
    table = ProjectTranslation._meta.db_table
    texts = ", ".join(
        f"max(t.\"{field}\") FILTER (WHERE t.\"language\" = '{language}')"
        f' AS "translated_{field}_{language}"'
        for field in TRANSLATED_FIELDS
        for language in TRANSLATED_LANGUAGES
    )
    where = ' WHERE t."project_id" IN (SELECT * FROM chosen)' if restricted else ""
    return f'SELECT t."project_id" AS project_id, {texts} FROM "{table}" AS t{where} GROUP BY 1'


def _owned_order(model, name):
    """An OWNED order's field as SQL: the funder's fields through `f`, the row's own
    through `o`."""
    if name.startswith("funder__"):
        funder = model._meta.get_field("funder").related_model
        return f'f."{funder._meta.get_field(name.removeprefix("funder__")).column}"'
    if name == "pk":
        return f'o."{model._meta.pk.column}"'
    return f'o."{model._meta.get_field(name).column}"'


# The character codes a formula may start with, and those `_cell` looks past.
_STARTS = ", ".join(str(ord(start)) for start in FORMULA_STARTS)
_BLANKS = "'" + (LEADING_BLANKS + ILLEGAL_CHARACTERS).replace("'", "''") + "'"


def _cell(column, constants):
    """The column's CSV cell: its `sql` made a cell by its kind (see the docstring)."""
    value = f"({column.sql.format(**constants)})"
    if column.kind is Kind.NUMBER or column.sql_cell:
        return value
    # Only text starting below "A" or beyond U+FFFD can be empty, start a formula or hide
    # one: the first test settles almost every cell.
    return (
        f"CASE WHEN ascii({value}) BETWEEN 65 AND 65533 THEN {value} "
        f"WHEN {value} = '' THEN NULL "
        f"WHEN ascii(ltrim({value}, {_BLANKS})) IN ({_STARTS}) THEN '''' || {value} "
        f"ELSE {value} END"
    )
