"""The full CSV export beside PostgreSQL's own COPY of the same columns, side by side.

COPY runs the SELECT below: every published project, in the list's order, with the export's 21
columns worked out by PostgreSQL (the related tables' values aggregated per project and joined,
the status by the models' rule, the URL and the date formatted), written as CSV and read by the
client to the last byte. Country and goal names come from Python in the export
(django-countries, the request's language): COPY writes the codes and the Swedish goal names in
their place, the same amount of reading. COPY runs once before and once after the export and
the two are averaged.

The export is downloaded from a gunicorn worker like any visitor's (so the worker's timeout
applies), counted line by line as it streams, and the worker's peak resident memory during the
export is read from /proc (its peak is reset just before).
"""

import time
from datetime import date
from http.client import HTTPConnection, IncompleteRead

from . import server as servers

# Each related table aggregated once per project and joined by hash: three times as fast as a
# correlated subquery per column and row (12 s against 4 s at 100 000 projects).
COPY_SELECT = """
WITH units AS (
  SELECT l.project_id, string_agg(o.name, '; ' ORDER BY o.name) AS names
    FROM projects_project_organisations l JOIN registry_organisation o ON o.id = l.organisation_id
   GROUP BY l.project_id),
partners AS (
  SELECT l.project_id, string_agg(pm.name, '; ' ORDER BY pm.name) AS names
    FROM projects_project_partner_municipalities l
    JOIN registry_municipality pm ON pm.id = l.municipality_id GROUP BY l.project_id),
countries AS (
  SELECT l.project_id, string_agg(upper(l.country_id), '; ' ORDER BY l.country_id) AS codes
    FROM projects_project_partner_countries l GROUP BY l.project_id),
funders AS (
  SELECT l.project_id, string_agg(f.slug, '; ' ORDER BY f.name, f.id) AS slugs,
         string_agg(f.name, '; ' ORDER BY f.name, f.id) AS names
    FROM projects_project_funders l JOIN registry_funder f ON f.id = l.funder_id
   GROUP BY l.project_id),
goals AS (
  SELECT l.project_id, string_agg(g.number::text, '; ' ORDER BY g.number) AS numbers,
         string_agg(g.name_sv, '; ' ORDER BY g.number) AS names
    FROM projects_project_goals l JOIN registry_goal g ON g.number = l.goal_id
   GROUP BY l.project_id)
SELECT p.slug, p.title, m.slug AS municipality, m.name AS municipality_name,
  units.names AS units, partners.names AS partner_municipalities,
  countries.codes AS partner_countries, countries.codes AS partner_country_names,
  funders.slugs AS funders, funders.names AS funder_names,
  goals.numbers AS goals, goals.names AS goal_names,
  p.type, p.type AS type_label, {status} AS status, {status} AS status_label,
  p.start_year, p.end_year, p.website,
  'http://127.0.0.1/projects/' || p.slug || '/' AS url,
  to_char(p.updated_at AT TIME ZONE 'Europe/Stockholm', 'YYYY-MM-DD"T"HH24:MI:SS') AS updated_at
FROM projects_project p
JOIN registry_municipality m ON m.id = p.municipality_id
LEFT JOIN units ON units.project_id = p.id
LEFT JOIN partners ON partners.project_id = p.id
LEFT JOIN countries ON countries.project_id = p.id
LEFT JOIN funders ON funders.project_id = p.id
LEFT JOIN goals ON goals.project_id = p.id
WHERE p.publication = 'published'
ORDER BY p.start_year DESC NULLS LAST, p.title, p.id
"""

STATUS = """CASE
    WHEN p.paused THEN 'paused'
    WHEN p.start_year > {year} THEN 'planned'
    WHEN p.end_year < {year} THEN 'completed'
    ELSE 'ongoing' END"""


def copy_rate(database_url):
    """{"rows", "seconds", "rows_per_second", "bytes"} of the COPY, read to the end."""
    import psycopg

    status = STATUS.format(year=date.today().year)
    statement = (f"COPY ({COPY_SELECT.format(status=status)}) "
                 "TO STDOUT WITH (FORMAT csv, HEADER true)")
    with psycopg.connect(database_url) as connection:
        started = time.perf_counter()
        size = lines = 0
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for data in copy:
                size += len(data)
                lines += bytes(data).count(b"\n")
        seconds = time.perf_counter() - started
    rows = lines - 1
    return {"rows": rows, "seconds": round(seconds, 2), "bytes": size,
            "rows_per_second": round(rows / seconds)}


def download(port, path="/projects/export.csv", timeout=600):
    """The export as a visitor downloads it: its rows (lines but the header), bytes, seconds,
    and whether it ended cleanly (a worker killed mid-export leaves a truncated body)."""
    connection = HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    size = lines = 0
    complete, error, status = True, None, None
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        status = response.status
        while True:
            try:
                chunk = response.read1(256 * 1024)
            except IncompleteRead as incomplete:
                size += len(incomplete.partial)
                lines += incomplete.partial.count(b"\n")
                complete, error = False, "IncompleteRead"
                break
            if not chunk:
                break
            size += len(chunk)
            lines += chunk.count(b"\n")
    except OSError as exception:
        complete, error = False, repr(exception)
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    rows = max(0, lines - 1)
    return {"status": status, "rows": rows, "bytes": size, "seconds": round(seconds, 2),
            "rows_per_second": round(rows / seconds) if seconds else None,
            "ended_cleanly": complete, "error": error}


def measure(server, database_url, published):
    """COPY, the export from `server`'s (only) worker, COPY again: the figures and the ratio."""
    before_copy = copy_rate(database_url)
    pid = server.worker_pids()[0]
    before = servers.status(pid)
    peak_reset = servers.reset_peak(pid)
    export = download(server.port)
    after = servers.status(pid)
    after_copy = copy_rate(database_url)
    copy_rps = (before_copy["rows_per_second"] + after_copy["rows_per_second"]) / 2
    export["complete"] = export["ended_cleanly"] and export["rows"] == published
    export["expected_rows"] = published
    same_worker = bool(server.worker_pids()) and server.worker_pids()[0] == pid
    return {
        "copy": [before_copy, after_copy],
        "copy_rows_per_second": round(copy_rps),
        "export": export,
        "ratio": round(export["rows_per_second"] / copy_rps, 3)
        if export["rows_per_second"] else 0.0,
        "worker_rss_before_mib": before["rss_mib"],
        "worker_peak_mib": after["hwm_mib"] if peak_reset and same_worker else None,
        "worker_peak_growth_mib": round(after["hwm_mib"] - before["rss_mib"], 1)
        if peak_reset and same_worker and after["hwm_mib"] else None,
        "worker_restarted": not same_worker,
    }
