"""The full CSV export beside PostgreSQL's own COPY of the same columns, side by side.

COPY runs the SELECT below: every published project, in the list's order, with the export's 21
columns worked out by PostgreSQL (the related tables' values aggregated per project and joined,
the status by the models' rule, the URL and the date formatted), written as CSV and read by the
client to the last byte. Country and goal names come from Python in the export
(django-countries, the request's language): COPY writes the codes and the Swedish goal names in
their place, the same amount of reading. COPY runs once before and once after the export and
the two are averaged.

The export is fetched from a one-worker gunicorn like any visitor's and counted line by line:
streamed when the site writes it in the request, or, when the site answers 303 (a background
job, for large exports), by polling the job's download address until the file is there, with a
task worker (`manage.py db_worker`) running beside the server; the time runs from the request
to the file's last byte. The peak resident memory of whichever process wrote the file is read
from /proc (its peak is reset just before).
"""

import os
import statistics
import time
from datetime import date
from http.client import HTTPConnection, IncompleteRead
from urllib.parse import urlsplit

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


def published_columns_statement():
    """COPY of the 21 published columns, as a database administrator would write it."""
    status = STATUS.format(year=date.today().year)
    return (f"COPY ({COPY_SELECT.format(status=status)}) "
            "TO STDOUT WITH (FORMAT csv, HEADER true)")


def copy_rate(database_url, statement=None):
    """{"rows", "seconds", "rows_per_second", "bytes"} of a COPY (the 21 published columns',
    or `statement`, e.g. the export's own with all its columns), read to the end. psycopg
    hands a COPY's rows over one at a time, so a row whose text holds line breaks (a
    description) counts once."""
    import psycopg

    statement = statement or published_columns_statement()
    with psycopg.connect(database_url) as connection:
        # The export's own statement formats its times in the site's zone, as the site does.
        connection.execute("SELECT set_config('TimeZone', 'Europe/Stockholm', false)")
        started = time.perf_counter()
        size = rows = 0
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for data in copy:
                size += len(data)
                rows += 1
        seconds = time.perf_counter() - started
    rows -= "HEADER" in statement.upper()
    return {"rows": rows, "seconds": round(seconds, 2), "bytes": size,
            "rows_per_second": round(rows / seconds)}


class CsvRecords:
    """Counts the records of a CSV read in chunks: its line breaks outside quoted fields
    (a doubled quote inside a field flips twice, so the count stays right)."""

    def __init__(self):
        self.breaks = 0
        self.quoted = False

    def feed(self, chunk):
        parts = chunk.split(b'"')
        for number, part in enumerate(parts):
            if not self.quoted:
                self.breaks += part.count(b"\n")
            if number < len(parts) - 1:
                self.quoted = not self.quoted


def download(port, path="/projects/export.csv", timeout=600):
    """One GET of an export, read to its end: status, rows (lines but the header), bytes,
    seconds, whether it ended cleanly (a worker killed mid-export leaves a truncated body) and
    where a 303 points."""
    connection = HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    size = 0
    records = CsvRecords()
    complete, error, status, location = True, None, None, None
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        status, location = response.status, response.getheader("Location")
        while True:
            try:
                chunk = response.read1(256 * 1024)
            except IncompleteRead as incomplete:
                size += len(incomplete.partial)
                records.feed(incomplete.partial)
                complete, error = False, "IncompleteRead"
                break
            if not chunk:
                break
            size += len(chunk)
            records.feed(chunk)
    except OSError as exception:
        complete, error = False, repr(exception)
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    rows = max(0, records.breaks - 1)
    return {"status": status, "rows": rows, "bytes": size, "seconds": round(seconds, 2),
            "rows_per_second": round(rows / seconds) if seconds else None,
            "ended_cleanly": complete, "error": error, "location": location}


# A job not done by then is taken as stuck (at 300 000 projects a job took 14 s).
JOB_TIMEOUT = float(os.environ.get("BENCH_EXPORT_TIMEOUT", "120"))


def export(port, timeout=JOB_TIMEOUT):
    """The full CSV export as a visitor gets it. Streamed (200): read to its end. A background
    job (303 to the job's page): the job's download address polled every 0.2 s until the file
    is there, then downloaded. The time runs from the first request to the file's last byte."""
    started = time.perf_counter()
    first = download(port)
    if first["status"] == 200:
        return {**first, "via": "stream"}
    if first["status"] != 303 or not first["location"]:
        return {**first, "via": "stream", "ended_cleanly": False, "rows": 0,
                "rows_per_second": 0, "error": f"the export answered {first['status']}"}
    job = urlsplit(first["location"]).path
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = download(port, job + "download")
        if answer["status"] == 200:
            seconds = time.perf_counter() - started
            return {**answer, "via": "job", "job": job,
                    "job_done_seconds": round(seconds - answer["seconds"], 2),
                    "seconds": round(seconds, 2),
                    "rows_per_second": round(answer["rows"] / seconds)}
        if answer["status"] != 404:
            return {**answer, "via": "job", "job": job,
                    "error": f"the download answered {answer['status']}"}
        time.sleep(0.2)
    return {**first, "via": "job", "job": job, "ended_cleanly": False, "rows": 0,
            "rows_per_second": 0, "error": f"the job was not done within {timeout} s"}


def measure(server, task_worker, database_url, published, rounds, statement=None):
    """`rounds` times COPY then the export (from `server`'s only worker, or through a job run
    by `task_worker`): the medians, the ratio, and the peak memory of whichever process wrote
    the file above what it held before. The COPY is `statement` (the export's own, of all its
    columns) when given; the 21 published columns' is measured too, for comparison."""
    copies, exports_ = [], []
    published_columns = copy_rate(database_url)
    for _ in range(rounds):
        copies.append(copy_rate(database_url, statement))
        pids = {"gunicorn worker": server.worker_pids()[0]}
        if task_worker is not None and task_worker.pid():
            pids["task worker"] = task_worker.pid()
        before = {name: servers.status(pid) for name, pid in pids.items()}
        reset = all(servers.reset_peak(pid) for pid in pids.values())
        result = export(server.port)
        after = {name: servers.status(pid) for name, pid in pids.items()}
        writer = "task worker" if result["via"] == "job" else "gunicorn worker"
        if reset and writer in pids and after[writer]["hwm_mib"]:
            result["writer"] = writer
            result["peak_growth_mib"] = round(
                after[writer]["hwm_mib"] - before[writer]["rss_mib"], 1)
        result["complete"] = result["ended_cleanly"] and result["rows"] == published
        exports_.append(result)
        if not result["complete"]:
            break  # A stuck task worker would hold every later job in its queue.
    copies.append(copy_rate(database_url, statement))  # COPY on both sides of the last export
    copy_rps = statistics.median(copy["rows_per_second"] for copy in copies)
    export_rps = statistics.median(run["rows_per_second"] or 0 for run in exports_)
    # The last round's: the first includes what the writing process loads once (a task
    # worker's first job imports and sets up the exports).
    growths = [run["peak_growth_mib"] for run in exports_ if "peak_growth_mib" in run]
    return {
        "copy": copies,
        "copy_rows_per_second": round(copy_rps),
        "copy_of": "the export's own statement" if statement else "the 21 published columns",
        "published_columns_copy": published_columns,
        "exports": exports_,
        "export_rows_per_second": round(export_rps),
        "ratio": round(export_rps / copy_rps, 3) if copy_rps else 0.0,
        "complete": all(run["complete"] for run in exports_),
        "worker_peak_growth_mib": growths[-1] if growths else None,
        "via": sorted({run["via"] for run in exports_}),
    }
