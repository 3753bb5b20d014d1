"""The full CSV export beside PostgreSQL's own COPY of the same columns, side by side.

A benchmark, not a test. Each round reads, to the last byte and one after the other:

1. `COPY (SELECT <the export's 21 published columns>) TO STDOUT (FORMAT CSV)`: the plain SQL a
   database administrator would write for them (`COPY_SELECT` of bench/copy_export.py,
   which `make bench` runs too: each table of links aggregated once per project and joined,
   the status by a CASE, the URL and the date formatted), with nothing for spreadsheets (no
   neutralising, no labels or names in the reader's language), in the list's order;
2. /projects/export.csv from gunicorn started with the project's gunicorn.conf.py (one worker,
   on 127.0.0.1), as a visitor downloads it, checking that it ended cleanly and held every row;
3. the export's own COPY statement (projects/export_copy.py), read the same way as 1: COPY of
   the same columns as the export, which has grown beyond the 21 (each language's texts,
   provenance, partners, results); what the export costs beyond it is the Django and HTTP
   around it. The ratio is against this one; the one against 1 is reported too.

Rows are counted as CSV records, so a description's line breaks (inside quotes) count once.

It reports the median rows per second of each, the ratios, and the worker's peak resident
memory above what it held before (Linux /proc; the peak is reset before each download), for the
full export and for a small filtered one, so that a memory that grows with the rows shows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_exports_bench \\
        .venv/bin/python bench/export_bench.py --rounds 3

or from Python, with the same database in the environment or given:

    from bench.export_bench import measure
    figures = measure("postgres://…/registry_exports_bench", rounds=3)
    figures["ratio"]  # export rows/s ÷ its own COPY's rows/s, medians

The database must hold published projects (`manage.py generate_demo`); nothing is written.
"""

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import date
from http.client import HTTPConnection, IncompleteRead
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench.copy_export import COPY_SELECT, STATUS, CsvRecords  # noqa: E402

# A filter that keeps about one project in a hundred of generate_demo's, for the memory
# comparison.
SMALL_QUERY = "goal=11&country=FI&status=ongoing"

def same_columns_statement():
    """The run's COPY of the export's columns (bench/copy_export.py), without its header."""
    status = STATUS.format(year=date.today().year)
    return f"COPY ({COPY_SELECT.format(status=status)}) TO STDOUT (FORMAT CSV)"


def export_statement(database_url, port):
    """The export's own COPY statement, as the view would run it for the full list."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    import django

    django.setup()
    from django.http import QueryDict
    from django.test import RequestFactory
    from django.utils import translation

    from projects import export_copy, exports
    from projects.filters import ProjectFilter
    from projects.models import Project, current_year

    request = RequestFactory().get("/", HTTP_HOST=f"127.0.0.1:{port}")
    with translation.override("sv"):
        queryset = Project.objects.published().for_list()
        queryset = ProjectFilter(QueryDict(""), queryset=queryset).qs
        shared = exports.Shared(current_year(), request.build_absolute_uri)
        return export_copy.copy_statement(queryset, shared, export_copy._restricted(queryset))


def copy_rate(database_url, statement, zone=None):
    """Rows, seconds and rows per second of a COPY read to its end by psycopg."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        if zone:
            connection.execute("SELECT set_config('TimeZone', %s, false)", [zone])
        started = time.perf_counter()
        rows = size = 0
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for data in copy:
                rows += 1
                size += len(data)
        seconds = time.perf_counter() - started
    return {"rows": rows, "bytes": size, "seconds": round(seconds, 2),
            "rows_per_second": round(rows / seconds)}


def download(port, query=""):
    """The export as a visitor reads it: rows (lines but the header), bytes, seconds, and
    whether it ended cleanly (a body cut short raises IncompleteRead)."""
    connection = HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    size = 0
    records = CsvRecords()
    clean, status = True, None
    try:
        connection.request("GET", f"/projects/export.csv?{query}")
        response = connection.getresponse()
        status = response.status
        while chunk := response.read1(256 * 1024):
            size += len(chunk)
            records.feed(chunk)
    except (IncompleteRead, OSError):
        clean = False
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    rows = max(records.breaks - 1, 0)
    return {"status": status, "ended_cleanly": clean, "rows": rows, "bytes": size,
            "seconds": round(seconds, 2), "rows_per_second": round(rows / seconds)}


class Server:
    """gunicorn with the project's gunicorn.conf.py, one worker, on `port`."""

    def __init__(self, database_url, port):
        self.port = port
        self.environment = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0",
                            "WEB_CONCURRENCY": "1", "BIND": f"127.0.0.1:{port}",
                            "PAGE_CACHE_SECONDS": "0", "GUNICORN_LOG_LEVEL": "warning"}

    def __enter__(self):
        command = [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py",
                   "--access-logfile", "/dev/null", "--no-control-socket"]
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env=self.environment,
                                        start_new_session=True)
        deadline = time.monotonic() + 60
        while not self.worker_pid():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def __exit__(self, *exc_info):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=150)

    def worker_pid(self):
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        children = path.read_text().split() if path.exists() else []
        return int(children[0]) if children else None


def memory(pid):
    """The process's resident memory now and at its peak, in MiB (/proc/<pid>/status)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def measured_download(server, query=""):
    """`download`, with the worker's peak memory above what it held before."""
    pid = server.worker_pid()
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    before, _ = memory(pid)
    result = download(server.port, query)
    _, peak = memory(pid)
    result["worker_rss_before_mib"] = round(before, 1)
    result["worker_peak_growth_mib"] = round(peak - before, 1)
    return result


def measure(database_url=None, rounds=3, port=8765):
    """The figures of `rounds` side-by-side rounds, as a dict (see the module's docstring)."""
    database_url = database_url or os.environ["DATABASE_URL"]
    same = same_columns_statement()
    own = export_statement(database_url, port)
    runs = {"copy": [], "export": [], "export_copy": []}
    with Server(database_url, port) as server:
        download(port, SMALL_QUERY)  # warm-up: the worker's first request loads the app
        small = measured_download(server, SMALL_QUERY)
        for _ in range(rounds):
            runs["copy"].append(copy_rate(database_url, same))
            runs["export"].append(measured_download(server))
            runs["export_copy"].append(copy_rate(database_url, own, zone="Europe/Stockholm"))

    def median(name):
        return round(statistics.median(run["rows_per_second"] for run in runs[name]))

    copy, export, export_copy = median("copy"), median("export"), median("export_copy")
    rows = runs["export_copy"][0]["rows"]
    return {
        "rows": rows,
        "copy_rows_per_second": copy,
        "export_rows_per_second": export,
        "export_copy_rows_per_second": export_copy,
        # Against COPY of the same columns: the export's own statement, since the export has
        # grown beyond the 21 published columns (whose plain COPY is `copy_rows_per_second`).
        "ratio": round(export / export_copy, 2),
        "ratio_to_published_columns_copy": round(export / copy, 2),
        "complete": all(r["ended_cleanly"] and r["rows"] == rows for r in runs["export"]),
        "worker_peak_growth_mib": max(r["worker_peak_growth_mib"] for r in runs["export"]),
        "small_export": small,
        "runs": runs,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    arguments = parser.parse_args()
    if not arguments.database_url:
        parser.error("give --database-url or set DATABASE_URL (PostgreSQL)")
    figures = measure(arguments.database_url, arguments.rounds, arguments.port)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
