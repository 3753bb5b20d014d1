"""Benchmark of the public site at 1 000 and 100 000 projects (`make bench`). Not a test.

For each size, on SQLite and, when DATABASE_URL points at PostgreSQL, on PostgreSQL too, it
measures in-process (Django's test client, DEBUG off): the median and p95 latency and the
queries of /projects/ unfiltered, with three filters, with a search, a project page and
/goals/; the full CSV export (rows per second, and peak Python memory with tracemalloc); and,
under gunicorn on 127.0.0.1, the list page's throughput beside /healthz's on the same server.
It prints a table and each target with pass or fail, and writes the figures to
bench/results/<time>.json.

It only ever uses scratch databases: a SQLite file in a temporary directory, and on PostgreSQL
a database named registry_bench on DATABASE_URL's server (dropped and created anew; dropped
again at the end unless BENCH_KEEP=1). The developer's db.sqlite3 is never opened.

    BENCH_SIZES=1000 .venv/bin/python bench/run.py     # a quick run
    BENCH_SECONDS=5                                     # time per measured page (default 8)
"""

import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BASE_DIR / "bench" / "results"
PYTHON = sys.executable
PG_BENCH_DATABASE = "registry_bench"

SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "1000,100000").split(",") if size]
SECONDS_PER_PAGE = float(os.environ.get("BENCH_SECONDS", "8"))
MAX_SAMPLES = 40
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "8"))
LOAD_MAX_REQUESTS = 3000
WARM_UP_SECONDS = 8
FILTERS = "goal=11&country=FI&status=ongoing"
FILTERED_PAGE = "filtered (3 filters)"
SEARCH = "vatten"

TARGET_FILTERED_MS = 50
TARGET_GROWTH = 2.0
TARGET_ROWS_PER_SECOND = 20_000
TARGET_MEMORY_GROWTH = 2.0
TARGET_THROUGHPUT_RATIO = 0.5


def log(message):
    print(message, file=sys.stderr, flush=True)


# --- The parent: scratch databases, data, a child process per measurement, the report. ---


def main():
    backends = [("sqlite", None)]
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        backends.append(("postgresql", url))
    started = time.monotonic()
    runs = []
    for backend, server_url in backends:
        with scratch_database(backend, server_url) as database_url:
            environment = child_environment(database_url)
            manage(environment, "migrate", "--no-input", "--verbosity", "0")
            manage(environment, "seed")
            for size in sorted(SIZES):
                existing = count_projects(environment)
                if size > existing:
                    log(f"== {backend}: generating {size - existing} projects")
                    manage(environment, "generate_demo", "--projects", str(size - existing),
                           "--seed", str(size), "--batch-size", "5000", "--force")
                    settle(backend, database_url)
                log(f"== {backend}: measuring at {size} projects")
                runs.append(measure_in_child(environment, backend, size))
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "sizes": SIZES,
        "runs": runs,
        "targets": evaluate(runs),
        "seconds": round(time.monotonic() - started),
    }
    print_report(report)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    log(f"Figures written to {path.relative_to(BASE_DIR)}")


class scratch_database:
    """A fresh database of the benchmark's own: a temporary SQLite file, or registry_bench on
    the PostgreSQL server of DATABASE_URL."""

    def __init__(self, backend, server_url):
        self.backend, self.server_url = backend, server_url

    def __enter__(self):
        if self.backend == "sqlite":
            self.directory = tempfile.mkdtemp(prefix="registry-bench-")
            return f"sqlite:///{self.directory}/bench.sqlite3"
        parts = urlsplit(self.server_url)
        self.maintenance_url = urlunsplit(parts._replace(path="/postgres"))
        self.postgres(f"DROP DATABASE IF EXISTS {PG_BENCH_DATABASE} WITH (FORCE)")
        self.postgres(f"CREATE DATABASE {PG_BENCH_DATABASE}")
        return urlunsplit(parts._replace(path=f"/{PG_BENCH_DATABASE}"))

    def __exit__(self, *exc_info):
        if os.environ.get("BENCH_KEEP") == "1":
            return
        if self.backend == "sqlite":
            shutil.rmtree(self.directory, ignore_errors=True)
        else:
            self.postgres(f"DROP DATABASE IF EXISTS {PG_BENCH_DATABASE} WITH (FORCE)")

    def postgres(self, statement):
        import psycopg

        with psycopg.connect(self.maintenance_url, autocommit=True) as connection:
            connection.execute(statement)


def settle(backend, database_url):
    """What autovacuum does soon after a bulk load on a live server: the visibility map that
    index-only scans need (generate_demo has refreshed the planner statistics already)."""
    if backend == "postgresql":
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")


def child_environment(database_url):
    environment = {
        key: value for key, value in os.environ.items()
        if key not in {"DEBUG", "HTTPS", "DATABASE_REPLICA_URL", "WEB_CONCURRENCY"}
    }
    environment.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="registry.settings",
        # No collectstatic manifest is needed for measuring pages.
        STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="ERROR",
        # whitenoise's reminder that collectstatic has not run: irrelevant here.
        PYTHONWARNINGS="ignore:No directory at",
        PYTHONPATH=str(BASE_DIR),
    )
    return environment


def manage(environment, *arguments):
    subprocess.run([PYTHON, "manage.py", *arguments], cwd=BASE_DIR, env=environment, check=True)


def count_projects(environment):
    script = "from projects.models import Project; print(Project.objects.published().count())"
    result = subprocess.run(
        [PYTHON, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=BASE_DIR, env=environment, check=True, capture_output=True, text=True,
    )
    return int(result.stdout.split()[-1])


def measure_in_child(environment, backend, size):
    """A fresh process per measurement: no caches or memory carried over between sizes."""
    result = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), "--measure", backend, str(size)],
        cwd=BASE_DIR, env=environment, check=True, stdout=subprocess.PIPE, text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- The child: measurements in one process, with Django set up on the scratch database. ---


def measure(backend, size):
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from projects.models import Project

    published = Project.objects.published()
    middle = published.filter(slug__startswith="demo-").order_by("slug")
    project = middle[middle.count() // 2]
    pages = {
        "list": "/projects/",
        FILTERED_PAGE: f"/projects/?{FILTERS}",
        f"search q={SEARCH}": f"/projects/?q={SEARCH}",
        "project page": project.get_absolute_url(),
        "goals": "/goals/",
    }
    client = Client(HTTP_HOST="127.0.0.1")
    # Latency is what the server computes for a page, so the page cache is off for it (every
    # repeat would otherwise be a cache hit); the cached figures are reported beside it.
    settings.PAGE_CACHE_SECONDS = 0
    computed = {name: time_page(client, url) for name, url in pages.items()}
    settings.PAGE_CACHE_SECONDS = 300
    results = {
        "backend": backend,
        "size": size,
        "published": published.count(),
        "database": connection.vendor,
        "pages": computed,
        "cached_pages": {name: time_page(client, url) for name, url in pages.items()},
        "csv_export": time_export(client, published.count()),
    }
    connection.close()
    results["throughput"] = throughput(pages["list"])
    return results


def time_page(client, url):
    """Median and p95 of repeated GETs, after a warm-up, and the queries of one GET."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        response = client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    queries = len(captured)  # now: the next request empties the log
    samples = []
    deadline = time.monotonic() + SECONDS_PER_PAGE
    while len(samples) < MAX_SAMPLES and (time.monotonic() < deadline or len(samples) < 3):
        started = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "url": url,
        "status": response.status_code,
        "bytes": len(response.content),
        "queries": queries,
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 95), 1),
        "samples": len(samples),
    }


def percentile(samples, percent):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def time_export(client, rows):
    """The whole CSV export: once timed, once under tracemalloc for the peak memory (tracing
    slows Python down, so the two are measured apart)."""

    def download(url="/projects/export.csv"):
        response = client.get(url)
        content = response.streaming_content if response.streaming else [response.content]
        size = lines = 0
        for chunk in content:
            size += len(chunk)
            lines += chunk.count(b"\n")
        return response, size, lines

    download(f"/projects/export.csv?{FILTERS}")  # warm-up, with few rows
    started = time.perf_counter()
    response, size, lines = download()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    download()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "status": response.status_code,
        "streaming": response.streaming,
        "rows": rows,
        "lines": lines,
        "bytes": size,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "peak_memory_mib": round(peak / 2**20, 2),
    }


def throughput(list_url):
    """Requests per second for /healthz and the list page, one after the other, on the same
    gunicorn server bound to loopback, with as many client threads as workers."""
    port = free_port()
    workers = os.cpu_count() * 2 + 1
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "--config", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning",
         "--no-control-socket"],
        cwd=BASE_DIR, stdout=subprocess.DEVNULL, stderr=sys.stderr, start_new_session=True,
    )
    try:
        wait_until_up(port)
        # Every worker warms up: its first list request builds its project index (about a
        # second at 100 000 projects) and fills its page cache.
        load(port, list_url, seconds=WARM_UP_SECONDS)
        health = load(port, "/healthz", LOAD_SECONDS)
        listing = load(port, list_url, LOAD_SECONDS)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    return {
        "workers": workers,
        "healthz_rps": health["rps"],
        "list_rps": listing["rps"],
        "ratio": round(listing["rps"] / health["rps"], 3) if health["rps"] else None,
        "errors": health["errors"] + listing["errors"],
    }


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if get(port, "/healthz") == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz")


def get(port, url):
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", url, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def load(port, url, seconds):
    """As many requests as the server answers in `seconds` (at most LOAD_MAX_REQUESTS)."""
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    counts = {"ok": 0, "errors": 0}

    def client():
        while time.monotonic() < deadline:
            with lock:
                if counts["ok"] + counts["errors"] >= LOAD_MAX_REQUESTS:
                    return
            try:
                status = get(port, url)
            except OSError:
                status = None
            with lock:
                counts["ok" if status == 200 else "errors"] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(os.cpu_count() * 2 + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"rps": round(counts["ok"] / (time.monotonic() - started), 1), **counts}


# --- The report. ---


def evaluate(runs):
    """Each target with its figure and pass, fail or n/a (when this run cannot tell)."""
    targets = []
    by_key = {(run["backend"], run["size"]): run for run in runs}
    sizes = sorted({run["size"] for run in runs})
    small, large = sizes[0], sizes[-1]

    postgres_large = by_key.get(("postgresql", 100_000))
    median = postgres_large and postgres_large["pages"][FILTERED_PAGE]["median_ms"]
    targets.append(target(
        f"filtered list median < {TARGET_FILTERED_MS} ms at 100 000 projects on PostgreSQL",
        f"{median} ms" if median else "not measured", median and median < TARGET_FILTERED_MS,
    ))
    for backend in sorted({run["backend"] for run in runs}):
        first, last = by_key.get((backend, small)), by_key.get((backend, large))
        if small != large and first and last:
            for page, figures in last["pages"].items():
                growth = figures["median_ms"] / first["pages"][page]["median_ms"]
                # The issue's growth target is the filtered list's; the other pages' growth
                # is reported beside it for information.
                targeted = page == FILTERED_PAGE
                targets.append(target(
                    f"{backend}: {page} median at {large} ≤ {TARGET_GROWTH:g}× at {small}",
                    f"{growth:.2f}×", growth <= TARGET_GROWTH if targeted else None,
                    verdict=None if targeted else "info",
                ))
            memory = (last["csv_export"]["peak_memory_mib"]
                      / max(first["csv_export"]["peak_memory_mib"], 0.01))
            targets.append(target(
                f"{backend}: CSV export peak memory at {large} < {TARGET_MEMORY_GROWTH:g}× at "
                f"{small}", f"{memory:.2f}×", memory < TARGET_MEMORY_GROWTH,
            ))
        else:
            targets.append(target(f"{backend}: latency and memory growth with size",
                                  "needs two sizes", None))
        if last:
            speed = last["csv_export"]["rows_per_second"]
            targets.append(target(
                f"{backend}: CSV export ≥ {TARGET_ROWS_PER_SECOND} rows/s at {large}",
                f"{speed} rows/s", speed >= TARGET_ROWS_PER_SECOND,
            ))
            ratio = last["throughput"]["ratio"]
            targets.append(target(
                f"{backend}: list throughput ≥ {TARGET_THROUGHPUT_RATIO:g}× /healthz's at {large}",
                f"{ratio}×", ratio is not None and ratio >= TARGET_THROUGHPUT_RATIO,
            ))
    for run in runs:
        # The load run must answer every request: a 5xx, a refused connection or a timeout
        # under load is an error.
        errors = run["throughput"]["errors"]
        targets.append(target(
            f"{run['backend']}: no errors in the load run at {run['size']}",
            f"{errors} errors", errors == 0,
        ))
    return targets


def target(name, figure, passed, verdict=None):
    if verdict is None:
        verdict = "n/a" if passed is None else ("pass" if passed else "FAIL")
    return {"target": name, "figure": figure, "result": verdict}


def print_report(report):
    print()
    print(f"{'database':<11}{'projects':>9}  {'page':<22}{'median ms':>10}{'p95 ms':>9}"
          f"{'queries':>9}{'status':>8}")
    for run in report["runs"]:
        for page, figures in run["pages"].items():
            print(f"{run['backend']:<11}{run['published']:>9}  {page:<22}"
                  f"{figures['median_ms']:>10}{figures['p95_ms']:>9}{figures['queries']:>9}"
                  f"{figures['status']:>8}")
    print("\nServed from the page cache (anonymous visitors, nothing changed since):")
    for run in report["runs"]:
        for page, figures in run.get("cached_pages", {}).items():
            print(f"{run['backend']:<11}{run['published']:>9}  {page:<22}"
                  f"{figures['median_ms']:>10}{figures['p95_ms']:>9}{figures['queries']:>9}"
                  f"{figures['status']:>8}")
    print()
    print(f"{'database':<11}{'projects':>9}  {'CSV rows/s':>11}{'seconds':>9}{'peak MiB':>10}"
          f"{'list req/s':>12}{'healthz req/s':>15}{'ratio':>7}{'errors':>8}")
    for run in report["runs"]:
        export, load_ = run["csv_export"], run["throughput"]
        print(f"{run['backend']:<11}{run['published']:>9}  {export['rows_per_second']:>11}"
              f"{export['seconds']:>9}{export['peak_memory_mib']:>10}{load_['list_rps']:>12}"
              f"{load_['healthz_rps']:>15}{load_['ratio']:>7}{load_['errors']:>8}")
    print()
    for item in report["targets"]:
        print(f"[{item['result']:>4}] {item['target']}: {item['figure']}")
    print(f"\n{report['machine']['cpus']} CPUs, {report['seconds']} s in all.")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        sys.path.insert(0, str(BASE_DIR))
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]))))
    else:
        main()
