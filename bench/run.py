"""`make bench`: the issue's read-while-writing targets, measured as ratios in one run. Not a
test. See docs/performance.md for what is measured, how, and the last full run's figures.

For each size (BENCH_SIZES, default 1000,100000,300000 projects) on its own PostgreSQL
database (bench/databases.py: kept between runs, reused when the count matches), with the
project's gunicorn.conf.py on 127.0.0.1:

1. One worker, page cache off, started three times: its first filtered list (after /healthz
   answers) against the same page warm; its resident memory after a fixed warm-up; one client's
   median and p95 for the filtered lists, a search, a municipality with 2 000 partnerships, the
   last page of the projects' sitemap section and the admin's project list (a superuser)
   beside the public list; the full CSV export beside PostgreSQL's COPY of the same columns.
2. BENCH_WORKERS workers (default 3, for 2 cores), page cache off, then on (with REDIS_URL):
   /healthz's throughput, a search under load, then the filtered lists in pairs of rounds,
   without edits and while bench/editor.py saves a project every second (BENCH_ROUNDS pairs,
   default 3), then the same with a save every 5 seconds. Each figure with edits is set against
   the rounds without: the median round's throughput, the worst round's p99.

It prints the figures and each target with pass or FAIL, and writes everything to
bench/results/<time>.json (the servers' logs to bench/results/logs/<time>/).

    BENCH_SIZES=1000,20000 make bench      # a quick run (about 10 minutes)
    BENCH_LOAD_SECONDS=10                  # a load phase (default 20; a round is half of it,
                                           # with edits every 5 s 1.5× that)
    BENCH_ROUNDS=5                         # pairs of rounds, without edits and with (default 3)
    BENCH_REGENERATE=1                     # make the databases anew
    python bench/run.py --markdown bench/results/<time>.json   # the figures for the docs
"""

import contextlib
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench import copy_export, databases, load  # noqa: E402
from bench.server import (  # noqa: E402
    Gunicorn,
    TaskWorker,
    free_port,
    postgres_backends,
    postgres_cpu_since,
)

RESULTS_DIR = BASE_DIR / "bench" / "results"
PYTHON = sys.executable

SIZES = sorted(int(size) for size in
               os.environ.get("BENCH_SIZES", "1000,100000,300000").split(",") if size.strip())
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", str(2 * WORKERS)))
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "20"))
SLOW_EDIT_SECONDS = 1.5 * LOAD_SECONDS
# The lists with and without edits are measured in alternating rounds rather than one phase
# each: what this machine gives the server moves by up to half from one 20-s phase to the next,
# edits or not, and a lone phase caught by such a dip read as the edits' cost.
ROUNDS = max(1, int(os.environ.get("BENCH_ROUNDS", "3")))
ROUND_SECONDS = LOAD_SECONDS / 2
SLOW_ROUND_SECONDS = SLOW_EDIT_SECONDS / 2
SETTLE_SECONDS = 3
WARM_UP_SECONDS = 10
SEARCH_SECONDS = 10
COLD_STARTS = 3
SIDE_BY_SIDE_ROUNDS = 40
EXPORT_ROUNDS = int(os.environ.get("BENCH_EXPORT_ROUNDS", "3"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
# "worktree" (the files as they are) or a commit to serve a snapshot of, e.g. HEAD.
SOURCE = os.environ.get("BENCH_SOURCE", "worktree")

MAIN_LIST = "/projects/?goal=4&country=de"
LISTS = [MAIN_LIST, "/projects/?goal=11&country=fi&status=ongoing",
         "/projects/?type=municipal_partnership&goal=13"]
SEARCH = "/projects/?q=samarbete"
PUBLIC_LIST = "/projects/"
MUNICIPALITY = f"/municipalities/{databases.PARTNER_SLUG}/"
ADMIN_LIST = "/admin/projects/project/"
PLAIN_PAGE = "/accessibility/"
# What every worker serves before its memory is read, the same at every size.
WARM_UP = [*LISTS, SEARCH, PUBLIC_LIST, MUNICIPALITY, "/", "/goals/", "/countries/",
           "/municipalities/"]

TARGET_EDIT_RATIO = 0.8
TARGET_P99_MS = 250
TARGET_COLD_RATIO = 2.0
TARGET_MEMORY_RATIO = 1.5
TARGET_FLAT_RATIO = 1.5
TARGET_HEALTHZ_RATIO = 0.5
TARGET_COPY_RATIO = 0.5
# Growth of a worker's peak memory during an export under this counts as this much: the
# allocator's arenas move by a few MiB whatever the export's size.
EXPORT_MEMORY_FLOOR_MIB = 16


def log(message):
    print(message, file=sys.stderr, flush=True)


def main():
    if databases.use_source(SOURCE):
        log(f"== serving a snapshot of {SOURCE} ({databases.SOURCE['ref']}) from "
            f"{databases.source_dir()}")
    started = time.monotonic()
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    logs = RESULTS_DIR / "logs" / stamp
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": databases.SOURCE["ref"] or git_head(),
        "source": SOURCE,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "postgresql": postgres_version()},
        "config": {"sizes": SIZES, "workers": WORKERS, "connections": CONNECTIONS,
                   "load_seconds": LOAD_SECONDS, "slow_edit_seconds": SLOW_EDIT_SECONDS,
                   "rounds": ROUNDS, "round_seconds": ROUND_SECONDS,
                   "slow_round_seconds": SLOW_ROUND_SECONDS,
                   "load_tool": "wrk" if load.have_wrk() else "python threads",
                   "redis_url": REDIS_URL, "lists": LISTS, "search": SEARCH},
        "runs": [],
    }
    for size in SIZES:
        size_started = time.monotonic()
        log(f"== {size} projects: database")
        database = databases.ensure(size)
        log(f"== {size} projects: measuring")
        run = measure_size(size, database, logs)
        run["seconds"] = round(time.monotonic() - size_started)
        report["runs"].append(run)
        # Partial results survive an interrupted run.
        write(report, stamp)
    if len(report["runs"]) >= 2:
        log("== all sizes side by side")
        report["side_by_side"] = side_by_side(report["runs"], logs)
    report["targets"] = evaluate(report["runs"], report.get("side_by_side"))
    report["seconds"] = round(time.monotonic() - started)
    print_report(report)
    path = write(report, stamp)
    log(f"Figures written to {path.relative_to(BASE_DIR)}")


def write(report, stamp):
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{stamp}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return path


def git_head():
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BASE_DIR,
                            capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           cwd=BASE_DIR, capture_output=True, text=True).stdout.strip()
    return result.stdout.strip() + (" (with uncommitted changes)" if dirty else "")


def postgres_version():
    try:
        return databases.postgres("SHOW server_version", fetch=True)[0][0]
    except Exception as error:  # noqa: BLE001
        return repr(error)


# --- One size. ---


def environments(size):
    off = databases.environment(size, PAGE_CACHE_SECONDS="0")
    on = databases.environment(size, PAGE_CACHE_SECONDS="300", REDIS_URL=REDIS_URL)
    return off, on


EFFECTIVE = """
import json
from django.conf import settings
import projects
from projects.models import Project
cache = settings.CACHES["default"]
print(json.dumps({
    "code": projects.__path__[0],
    "page_cache_seconds": getattr(settings, "PAGE_CACHE_SECONDS", None),
    "cache_backend": cache.get("BACKEND"),
    "cache_location": str(cache.get("LOCATION", "")),
    "session_engine": settings.SESSION_ENGINE,
    "published": Project.objects.published().count(),
}))
"""


def effective_settings(environment):
    """What the settings make of this environment: whether REDIS_URL is used, for one."""
    result = subprocess.run(
        [PYTHON, "manage.py", "shell", "--no-imports", "-c", EFFECTIVE], cwd=databases.source_dir(),
        env=environment, capture_output=True, text=True, check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def redis_available():
    try:
        return redis_command(REDIS_URL, "PING") == "PONG"
    except (OSError, RuntimeError):
        return False


def measure_size(size, database, logs):
    off, on = environments(size)
    if not redis_available():
        log(f"   Redis does not answer at {REDIS_URL}: the cache-on runs use the settings' "
            "cache without REDIS_URL")
        on.pop("REDIS_URL")
    settings = {"off": effective_settings(off), "on": effective_settings(on)}
    published = settings["off"]["published"]
    log(f"   page cache off: {settings['off']}")
    log(f"   page cache on:  {settings['on']}")
    run = {"size": size, "published": published, "database": database, "settings": settings}
    label = databases.label(size)
    run["one_worker"] = one_worker(off, database, published, logs / f"{label}-one-worker.log")
    run["load"] = {}
    for mode, environment in (("off", off), ("on", on)):
        redis = mode == "on" and "REDIS_URL" in environment
        if redis:
            redis_command(REDIS_URL, "FLUSHDB")  # the shared cache starts empty
        run["load"][mode] = under_load(environment, database["name"],
                                       logs / f"{label}-cache-{mode}.log")
        if redis:
            run["load"][mode]["redis_keys_after"] = redis_command(REDIS_URL, "DBSIZE")
    return run


def admin_session(environment):
    """A signed-in superuser's session cookie (bench-admin, made by bench/databases.py)."""
    script = f"""
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import get_user_model
user = get_user_model().objects.get(username={databases.ADMIN_USERNAME!r})
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(settings.SESSION_COOKIE_NAME + "=" + session.session_key)
"""
    result = subprocess.run([PYTHON, "manage.py", "shell", "--no-imports", "-c", script],
                            cwd=databases.source_dir(), env=environment, capture_output=True,
                            text=True,
                            check=True)
    return result.stdout.strip().splitlines()[-1]


def one_worker(environment, database, published, log_path):
    """One worker, page cache off: cold start, memory, one client's latencies, the export."""
    firsts = []
    result = {}
    # Unmeasured: a database that has never been served may first need whatever the site
    # builds once per deployment rather than once per worker (a shared snapshot, say).
    with Gunicorn(environment, 1, log_path) as server:
        server.wait_until_up()
        status, _body, seconds = load.get(server.port, MAIN_LIST)
        result["priming_first_ms"] = round(seconds * 1000, 1)
        log(f"   one worker: priming start, first {MAIN_LIST} {result['priming_first_ms']} ms")
    for attempt in range(COLD_STARTS):
        with Gunicorn(environment, 1, log_path) as server:
            boot = server.wait_until_up()
            meter = CpuMeter(server, database["name"])
            status, _body, seconds = load.get(server.port, MAIN_LIST)
            cpu = meter.used()
            firsts.append({"ms": round(seconds * 1000, 1), "status": status,
                           "cpu_ms": round(cpu * 1000, 1), "boot_seconds": round(boot, 2)})
            log(f"   one worker: first {MAIN_LIST} {firsts[-1]['ms']} ms "
                f"({firsts[-1]['cpu_ms']} CPU ms)")
            if attempt < COLD_STARTS - 1:
                continue
            for path in WARM_UP:
                for _ in range(3):
                    load.get(server.port, path)
            result["memory_after_warm_up"] = server.memory()[0]
            log(f"   one worker: memory after warm-up {result['memory_after_warm_up']}")
            pages = {}
            for name, path in (("main list", MAIN_LIST), ("list 2", LISTS[1]),
                               ("list 3", LISTS[2]), ("public list", PUBLIC_LIST),
                               ("search", SEARCH), ("municipality 2000", MUNICIPALITY),
                               ("sitemap last section", last_sitemap_page(server.port))):
                pages[name] = sequential(server, database["name"], path, samples=30,
                                         seconds=10)
            cookie = admin_session(environment)
            pages["admin changelist"] = sequential(
                server, database["name"], ADMIN_LIST, samples=20, seconds=15,
                headers={"Cookie": cookie})
            for name, figures in pages.items():
                log(f"   one worker: {name} median {figures['median_ms']} ms, "
                    f"p95 {figures['p95_ms']} ms, statuses {figures['statuses']}")
            result["pages"] = pages
            result["log"] = server.log_summary()
    # For information: the same after one plain page (/accessibility/: templates, translations
    # and the middleware warmed, no projects read), to tell the worker's generic warm-up from
    # what the list itself has to build.
    with Gunicorn(environment, 1, log_path) as server:
        server.wait_until_up()
        load.get(server.port, "/accessibility/")
        status, _body, seconds = load.get(server.port, MAIN_LIST)
        result["cold_first_after_plain_page_ms"] = round(seconds * 1000, 1)
        log(f"   one worker: first {MAIN_LIST} after /accessibility/ "
            f"{result['cold_first_after_plain_page_ms']} ms")
    # The export as a visitor gets it: streamed, or through a background job that a task
    # worker runs (bench/copy_export.py follows either).
    clear_export_jobs(environment)
    with Gunicorn(environment, 1, log_path) as server, \
            TaskWorker(environment, log_path.with_suffix(".tasks.log")) as task_worker:
        server.wait_until_up()
        copy_export.download(server.port, f"/projects/export.csv?{LISTS[1].split('?')[1]}")
        log("   CSV export beside COPY (bench/copy_export.py)")
        result["export"] = own_export_figures(server, task_worker, database["url"], published,
                                              environment)
    if result["export"]["via"] == ["stream"] and export_bench_path().exists():
        # The exports' own benchmark measures a streamed export the same way, beside the
        # export's own COPY statement too: its figures stand when it can measure.
        log("   CSV export beside COPY (bench/export_bench.py)")
        figures = export_bench_figures(environment, database["url"], published)
        if figures and figures["complete"]:
            figures["bench_copy_export"] = result["export"]
            result["export"] = figures
    export = result["export"]
    log(f"   export {export['export_rows_per_second']} rows/s, COPY "
        f"{export['copy_rows_per_second']} rows/s, complete: {export['complete']}, worker "
        f"peak +{export['worker_peak_growth_mib']} MiB")
    result["cold_first_ms"] = firsts
    result["cold_first_median_ms"] = statistics.median(first["ms"] for first in firsts)
    result["cold_first_median_cpu_ms"] = statistics.median(first["cpu_ms"] for first in firsts)
    return result


class CpuMeter:
    """CPU seconds the server and its database's backends use from now on."""

    def __init__(self, server, database_name):
        self.server, self.database_name = server, database_name
        self.app, self.backends = server.cpu_seconds(), postgres_backends(database_name)

    def used(self):
        return (self.server.cpu_seconds() - self.app
                + postgres_cpu_since(self.backends, self.database_name))


def sequential(server, database_name, path, samples, seconds, headers=None):
    """load.sequential, with the CPU a request cost the server and the database: unlike the
    latency, hardly moved by what else the shared machine is running."""
    meter = CpuMeter(server, database_name)
    figures = load.sequential(server.port, path, samples, seconds, headers)
    cpu = meter.used()
    figures["cpu_ms"] = round(cpu * 1000 / (figures["samples"] + 1), 1)
    figures["load_average"] = round(os.getloadavg()[0], 1)
    return figures


def side_by_side(runs, logs):
    """One worker per size, all running at once, page cache off: the same warm-up for each,
    then its resident memory; then the filtered list from each in turn, SIDE_BY_SIDE_ROUNDS
    times, so that whatever else the machine runs weighs on every size alike."""
    result = {}
    with contextlib.ExitStack() as stack:
        servers = []
        for run in runs:
            environment = environments(run["size"])[0]
            label = databases.label(run["size"])
            server = stack.enter_context(
                Gunicorn(environment, 1, logs / f"{label}-side-by-side.log"))
            servers.append((run, server))
        for _run, server in servers:
            server.wait_until_up()
        for _run, server in servers:
            for path in WARM_UP:
                for _ in range(3):
                    load.get(server.port, path)
        samples = {run["size"]: [] for run, _ in servers}
        statuses = {run["size"]: set() for run, _ in servers}
        meters = {run["size"]: CpuMeter(server, run["database"]["name"])
                  for run, server in servers}
        for number in range(SIDE_BY_SIDE_ROUNDS):
            # A different size goes first in each round.
            shift = number % len(servers)
            for run, server in servers[shift:] + servers[:shift]:
                status, _body, seconds = load.get(server.port, MAIN_LIST)
                samples[run["size"]].append(seconds * 1000)
                statuses[run["size"]].add(status)
        for run, server in servers:
            size = run["size"]
            used = meters[size].used()
            ordered = sorted(samples[size])
            result[str(size)] = {
                "memory_after_warm_up": server.memory()[0],
                "median_ms": round(statistics.median(ordered), 1),
                "p95_ms": round(load.percentile(ordered, 95), 1),
                "cpu_ms": round(used * 1000 / len(ordered), 1),
                "statuses": sorted(statuses[size]),
                "samples": len(ordered),
            }
            log(f"   side by side, {size}: {result[str(size)]}")
    return result


CLEAR_EXPORT_JOBS = """
try:
    from projects.models import ExportJob
except ImportError:
    ExportJob = None
if ExportJob is not None:
    states = [ExportJob.State.QUEUED, ExportJob.State.RUNNING]
    print(ExportJob.objects.filter(state__in=states).delete()[0])
"""


def clear_export_jobs(environment):
    """Export jobs an earlier run left queued or running (no task worker runs between the
    benchmark's measurements, and the site refuses a client a third pending job): deleted,
    so their tasks find nothing to do."""
    subprocess.run([PYTHON, "manage.py", "shell", "--no-imports", "-c", CLEAR_EXPORT_JOBS],
                   cwd=databases.source_dir(), env=environment, capture_output=True, text=True)


def export_bench_path():
    return databases.source_dir() / "bench" / "export_bench.py"


EXPORT_BENCH = """
import json, sys
from bench.export_bench import measure
figures = measure(sys.argv[1], rounds=int(sys.argv[2]), port=int(sys.argv[3]))
print("BENCH_JSON " + json.dumps(figures))
"""


def export_bench_figures(environment, database_url, published):
    """bench/export_bench.py's measure() (the exports' own benchmark: COPY, the export from a
    one-worker gunicorn, the export's own COPY, side by side, EXPORT_ROUNDS times), in a
    process of its own: it sets Django up on the database it is given."""
    result = subprocess.run(
        [PYTHON, "-c", EXPORT_BENCH, database_url, str(EXPORT_ROUNDS), str(free_port())],
        cwd=databases.source_dir(), env=environment, capture_output=True, text=True,
        timeout=3600,
    )
    line = next((line for line in result.stdout.splitlines()
                 if line.startswith("BENCH_JSON ")), None)
    if line is None:
        log(result.stderr[-3000:])
        log("   bench/export_bench.py gave no figures")
        return None
    figures = json.loads(line.removeprefix("BENCH_JSON "))
    exports = figures["runs"]["export"]
    return {
        "tool": "bench/export_bench.py",
        "via": ["stream"],
        "rows": published,
        "export_rows_per_second": figures["export_rows_per_second"],
        "copy_rows_per_second": figures["copy_rows_per_second"],
        "export_copy_rows_per_second": figures.get("export_copy_rows_per_second"),
        "ratio": figures["ratio"],
        "complete": figures["complete"] and figures["rows"] == published
        and all(run["status"] == 200 for run in exports),
        "seconds": [run["seconds"] for run in exports],
        "rows_received": [run["rows"] for run in exports],
        "worker_peak_growth_mib": figures["worker_peak_growth_mib"],
        "small_export_peak_growth_mib": figures["small_export"]["worker_peak_growth_mib"],
        "detail": figures,
    }


EXPORT_STATEMENT = """
import json, sys
from bench.export_bench import export_statement
print("BENCH_SQL " + json.dumps(export_statement(sys.argv[1], int(sys.argv[2]))))
"""


def export_statement(environment, database_url, port):
    """The export's own COPY statement for the full list (bench/export_bench.py), from a
    process that sets Django up on the database; None if it gave none."""
    result = subprocess.run(
        [PYTHON, "-c", EXPORT_STATEMENT, database_url, str(port)],
        cwd=databases.source_dir(), env=environment, capture_output=True, text=True,
        timeout=300,
    )
    line = next((line for line in result.stdout.splitlines()
                 if line.startswith("BENCH_SQL ")), None)
    if line is None:
        log(result.stderr[-2000:])
        return None
    return json.loads(line.removeprefix("BENCH_SQL "))


def own_export_figures(server, task_worker, database_url, published, environment=None):
    """bench/copy_export.py's measurement: COPY and the export, EXPORT_ROUNDS times. The COPY
    is of the same columns as the export: the export's own statement (the export has grown
    beyond the 21 published columns, which are measured too)."""
    statement = (export_statement(environment, database_url, server.port)
                 if environment is not None else None)
    figures = copy_export.measure(server, task_worker, database_url, published, EXPORT_ROUNDS,
                                  statement)
    return {
        "tool": "bench/copy_export.py",
        "rows": published,
        "export_rows_per_second": figures["export_rows_per_second"],
        "copy_rows_per_second": figures["copy_rows_per_second"],
        "ratio": figures["ratio"],
        "complete": figures["complete"],
        "via": figures["via"],
        "seconds": [run["seconds"] for run in figures["exports"]],
        "rows_received": [run["rows"] for run in figures["exports"]],
        "worker_peak_growth_mib": figures["worker_peak_growth_mib"],
        "detail": figures,
    }


def last_sitemap_page(port):
    """The address of the last full page of the projects' section in /sitemap.xml (the one
    before the last, which may hold a handful): a late page, the one that OFFSET made slow."""
    status, body, _ = load.get(port, "/sitemap.xml")
    locations = re.findall(rb"<loc>([^<]+)</loc>", body)
    pages = [urlsplit(location.decode().replace("&amp;", "&")) for location in locations]
    projects = [page for page in pages if "project" in page.path] or pages
    if not projects:
        return "/sitemap.xml"
    last = projects[-2] if len(projects) >= 2 else projects[-1]
    return last.path + (f"?{last.query}" if last.query else "")


def under_load(environment, database_name, log_path):
    """BENCH_WORKERS workers: warm-up, /healthz, the lists, a search, the lists with edits."""
    result = {}
    with Gunicorn(environment, WORKERS, log_path) as server:
        server.wait_for_workers()
        port = server.port

        def measured(name, paths, seconds, interval=None):
            """A load phase, with the CPU the server and its database backends used for it."""
            app, backends = server.cpu_seconds(), postgres_backends(database_name)
            booted = server.workers_booted()
            if interval:
                figures = with_editor(environment, port, interval, seconds)
            else:
                figures = load.run(port, paths, seconds, CONNECTIONS)
            app = server.cpu_seconds() - app
            db = postgres_cpu_since(backends, database_name)
            answered = max(1, figures["requests"])
            figures["server_cpu_seconds"] = round(app, 2)
            figures["database_cpu_seconds"] = round(db, 2)
            # Work per request, whatever share of the shared cores the run got.
            figures["cpu_ms_per_request"] = round((app + db) * 1000 / answered, 2)
            figures["cores_used"] = round((app + db) / max(figures["seconds"], 0.1), 2)
            # A worker recycled by max_requests answers nobody while it starts and warms up:
            # a phase with one measures that too.
            figures["workers_booted"] = server.workers_booted() - booted
            return phase(name, figures)

        log(f"   {WORKERS} workers: warm-up")
        result["warm_up"] = load.run(port, WARM_UP, WARM_UP_SECONDS, CONNECTIONS)
        result["memory_after_warm_up"] = server.memory()
        result["healthz"] = measured("healthz", ["/healthz"], LOAD_SECONDS)
        if environment.get("PAGE_CACHE_SECONDS", "0") != "0":
            # A second yardstick: /healthz now opens a database connection of its own for
            # every check, so it is no longer the cheapest answer the stack gives; a cached
            # page that reads no data is.
            result["plain_page"] = measured("/accessibility/ (cached)", [PLAIN_PAGE],
                                            SEARCH_SECONDS)
        result["search"] = measured("search", [SEARCH], SEARCH_SECONDS)
        rounds = []
        for every, seconds in ((1, ROUND_SECONDS), (5, SLOW_ROUND_SECONDS)):
            for number in range(1, ROUNDS + 1):
                pair = f"pair {number} of {ROUNDS}, {seconds:g} s each"
                rounds.append(("lists", measured(f"lists, no edits ({pair})", LISTS, seconds)))
                rounds.append((f"lists_edit_{every}s", measured(
                    f"lists, an edit every {every} s ({pair})", LISTS, seconds, every)))
                # The last edit's renders land here, not in the next round without edits.
                load.run(port, LISTS, SETTLE_SECONDS, CONNECTIONS)
        result["rounds"] = [{"phase": key, **figures} for key, figures in rounds]
        for key in ("lists", "lists_edit_1s", "lists_edit_5s"):
            result[key] = combined([figures for name, figures in rounds if name == key])
        result["memory_at_end"] = server.memory()
        result["log"] = server.log_summary()
    return result


def combined(rounds):
    """Rounds of one phase as one: the median round's throughput, latencies and work, the worst
    round's p99, and every round's requests, errors and saves."""
    def median(name):
        return round(statistics.median(figures[name] for figures in rounds), 2)

    def total(name):
        return round(sum(figures.get(name, 0) for figures in rounds), 2)

    result = {name: median(name) for name in (
        "rps", "median_ms", "p95_ms", "cpu_ms_per_request", "cores_used", "load_average")}
    result["p99_ms"] = max(figures["p99_ms"] for figures in rounds)
    for name in ("requests", "errors", "seconds", "server_cpu_seconds", "database_cpu_seconds",
                 "workers_booted"):
        result[name] = total(name)
    result["rounds_rps"] = [figures["rps"] for figures in rounds]
    editors = [figures["editor"] for figures in rounds if "editor" in figures]
    if editors:
        result["editor"] = {"saves": sum(editor["saves"] for editor in editors),
                            "error_count": sum(editor["error_count"] for editor in editors)}
    return result


def phase(name, figures):
    figures["load_average"] = round(os.getloadavg()[0], 1)
    editor = figures.get("editor")
    saves = f" ({editor['saves']} saves, {editor['error_count']} failed)" if editor else ""
    log(f"   {name}{saves}: {figures['rps']} req/s, median {figures['median_ms']} ms, "
        f"p99 {figures['p99_ms']} ms, {figures['errors']} errors, "
        f"{figures.get('cpu_ms_per_request', '?')} CPU ms a request, "
        f"{figures.get('cores_used', '?')} cores, "
        f"{figures.get('workers_booted', '?')} workers booted")
    return figures


def with_editor(environment, port, interval, seconds):
    """The lists under load while bench/editor.py saves a project every `interval` s."""
    editor = subprocess.Popen(
        [PYTHON, str(BASE_DIR / "bench" / "editor.py"), "--interval", str(interval),
         "--seconds", str(seconds)],
        cwd=databases.source_dir(), env=environment, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )
    try:
        ready = editor.stdout.readline().strip()
        if ready != "ready":
            raise RuntimeError(f"bench.editor did not start: {ready!r}")
        editor.stdin.write("go\n")
        editor.stdin.flush()
        figures = load.run(port, LISTS, seconds, CONNECTIONS)
        out, _ = editor.communicate(timeout=120)
        figures["editor"] = json.loads(out.strip().splitlines()[-1])
    finally:
        if editor.poll() is None:
            editor.kill()
            editor.wait()
    return figures


def redis_command(url, *command):
    """One command to Redis (RESP over a socket: no client library needed); its integer or
    simple-string reply."""
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 5) as s:
        reply = b""
        for words in (("SELECT", str(database)), command):
            s.sendall(b"*%d\r\n" % len(words) + b"".join(
                b"$%d\r\n%s\r\n" % (len(word.encode()), word.encode()) for word in words))
            reply = s.recv(1024)
        text = reply.decode().strip()
        if text.startswith(":"):
            return int(text[1:])
        if text.startswith("-"):
            raise RuntimeError(f"Redis: {text}")
        return text.lstrip("+")


# --- The report. ---


def evaluate(runs, together=None):
    """Each target with its figure and pass or FAIL (n/a when this run cannot tell).
    `together`: the side-by-side figures, which the growth targets read when there are."""
    targets = []
    for run in runs:
        size = run["size"]
        for mode in ("off", "on"):
            loaded = run["load"][mode]
            base = baseline(loaded)
            for key, every in (("lists_edit_1s", "1 s"), ("lists_edit_5s", "5 s")):
                edited = loaded[key]
                ratio = edited["rps"] / base["rps"] if base["rps"] else 0.0
                where = f"{size}, cache {mode}, an edit every {every}"
                targets.append(target(
                    "list req/s with edits ≥ 0.8× without", where,
                    f"{ratio:.2f}× ({edited['rps']} vs {base['rps']} req/s)",
                    ratio >= TARGET_EDIT_RATIO))
                targets.append(target(
                    f"list p99 with edits < {TARGET_P99_MS} ms", where,
                    f"{edited['p99_ms']:.0f} ms (without edits {base['p99_ms']:.0f} ms)",
                    edited["p99_ms"] < TARGET_P99_MS))
                if base.get("cpu_ms_per_request") and edited.get("cpu_ms_per_request"):
                    # Requests per CPU-second: what the edits cost, whatever share of the two
                    # shared cores each phase got.
                    efficiency = base["cpu_ms_per_request"] / edited["cpu_ms_per_request"]
                    targets.append(target(
                        "list requests per CPU-second with edits vs without", where,
                        f"{efficiency:.2f}× ({edited['cpu_ms_per_request']} vs "
                        f"{base['cpu_ms_per_request']} CPU ms a request)", None, "info"))
                errors = edited["errors"] + edited["editor"]["error_count"]
                targets.append(target(
                    "0 errors with edits", where,
                    f"{edited['errors']} HTTP, {edited['editor']['error_count']} saves",
                    errors == 0))
            targets.append(target(
                "no-edit rounds, slowest vs fastest (the machine's drift)",
                f"{size}, cache {mode}", f"{drift(loaded)}×", None, "info"))
            others = sum(loaded[key]["errors"] for key in ("healthz", "lists", "search"))
            targets.append(target("0 errors without edits", f"{size}, cache {mode}",
                                  f"{others}", others == 0))
        on = run["load"]["on"]
        ratio = on["lists"]["rps"] / on["healthz"]["rps"] if on["healthz"]["rps"] else 0.0
        targets.append(target(
            "cached list req/s ≥ 0.5× /healthz's", f"{size}, cache on",
            f"{ratio:.2f}× ({on['lists']['rps']} vs {on['healthz']['rps']} req/s)",
            ratio >= TARGET_HEALTHZ_RATIO))
        if on.get("plain_page", {}).get("rps"):
            plain = on["plain_page"]
            targets.append(target(
                "cached list req/s vs a cached page that reads nothing", f"{size}, cache on",
                f"{on['lists']['rps'] / plain['rps']:.2f}× ({on['lists']['rps']} vs "
                f"{plain['rps']} req/s /accessibility/; CPU {on['lists']['cpu_ms_per_request']}"
                f" vs {plain['cpu_ms_per_request']} ms a request)", None, "info"))
        one = run["one_worker"]
        warm = one["pages"]["main list"]["median_ms"]
        cold = one["cold_first_median_ms"]
        targets.append(target(
            "fresh worker's first filtered list ≤ 2× warm", f"{size}, cache off",
            f"{cold / warm:.1f}× ({cold:.0f} vs {warm:.0f} ms)",
            cold <= TARGET_COLD_RATIO * warm))
        warm_cpu = one["pages"]["main list"].get("cpu_ms")
        if warm_cpu and one.get("cold_first_median_cpu_ms"):
            cold_cpu = one["cold_first_median_cpu_ms"]
            targets.append(target(
                "fresh worker's first filtered list, CPU (server and database)",
                f"{size}, cache off",
                f"{cold_cpu / warm_cpu:.1f}× ({cold_cpu:.0f} vs {warm_cpu:.0f} CPU ms)", None,
                "info"))
        after_plain = one.get("cold_first_after_plain_page_ms")
        if after_plain:
            targets.append(target(
                "fresh worker's first filtered list after one plain page", f"{size}, cache off",
                f"{after_plain / warm:.1f}× ({after_plain:.0f} vs {warm:.0f} ms)", None, "info"))
        export = one["export"]
        targets.append(target(
            "CSV export ≥ 0.5× COPY's rows/s", f"{size}",
            f"{export['ratio']:.2f}× ({export['export_rows_per_second']} vs "
            f"{export['copy_rows_per_second']} rows/s)",
            export["ratio"] >= TARGET_COPY_RATIO))
        via = f", via {', '.join(export['via'])}" if export.get("via") else ""
        targets.append(target(
            "CSV export complete", f"{size}",
            f"{export['rows_received']} of {export['rows']} rows in {export['seconds']} s{via}",
            export["complete"]))
    if len(runs) >= 2:
        small, large = runs[0], runs[-1]
        span = f"{large['size']} / {small['size']}"
        one_small = small["one_worker"]["pages"]["main list"]
        one_large = large["one_worker"]["pages"]["main list"]
        if together:
            first, last = together[str(small["size"])], together[str(large["size"])]
            how = "side by side"
        else:
            first = {**one_small,
                     "memory_after_warm_up": small["one_worker"]["memory_after_warm_up"]}
            last = {**one_large,
                    "memory_after_warm_up": large["one_worker"]["memory_after_warm_up"]}
            how = "each size on its own"
        ratio = last["median_ms"] / first["median_ms"]
        targets.append(target(
            "filtered list median flat, cache off (≤ 1.5×)", f"{span}, {how}",
            f"{ratio:.2f}× ({first['median_ms']} → {last['median_ms']} ms)",
            ratio <= TARGET_FLAT_RATIO))
        if first.get("cpu_ms") and last.get("cpu_ms"):
            targets.append(target(
                "filtered list CPU a request (server and database)", f"{span}, {how}",
                f"{last['cpu_ms'] / first['cpu_ms']:.2f}× ({first['cpu_ms']} → "
                f"{last['cpu_ms']} ms)", None, "info"))
        if together:
            targets.append(target(
                "filtered list median, each size on its own, minutes apart", span,
                f"{one_large['median_ms'] / one_small['median_ms']:.2f}× "
                f"({one_small['median_ms']} → {one_large['median_ms']} ms)", None, "info"))
        rss_small = first["memory_after_warm_up"]["rss_mib"]
        rss_large = last["memory_after_warm_up"]["rss_mib"]
        ratio = rss_large / rss_small
        targets.append(target(
            "worker memory after warm-up ≤ 1.5×", f"{span}, {how}",
            f"{ratio:.2f}× ({rss_small} → {rss_large} MiB)", ratio <= TARGET_MEMORY_RATIO))
        growth_small = small["one_worker"]["export"]["worker_peak_growth_mib"]
        growth_large = large["one_worker"]["export"]["worker_peak_growth_mib"]
        if growth_small is None or growth_large is None:
            targets.append(target("CSV export memory flat", span, "not measured", None))
        else:
            ratio = (max(growth_large, EXPORT_MEMORY_FLOOR_MIB)
                     / max(growth_small, EXPORT_MEMORY_FLOOR_MIB))
            targets.append(target(
                f"CSV export memory flat (peak growth ≤ 1.5×, floor "
                f"{EXPORT_MEMORY_FLOOR_MIB} MiB)", span,
                f"{ratio:.2f}× (+{growth_small} → +{growth_large} MiB)",
                ratio <= TARGET_MEMORY_RATIO))
    else:
        targets.append(target("flatness and memory across sizes", "", "needs two sizes", None))
    # For information.
    for run in runs:
        size = run["size"]
        pages = run["one_worker"]["pages"]
        for mode in ("off", "on"):
            search = run["load"][mode]["search"]
            targets.append(target("search p95 under load", f"{size}, cache {mode}",
                                  f"{search['p95_ms']:.0f} ms ({search['rps']} req/s)", None,
                                  "info"))
        for name in ("municipality 2000", "sitemap last section", "search"):
            targets.append(target(f"{name}, one client", f"{size}, cache off",
                                  f"median {pages[name]['median_ms']} ms, p95 "
                                  f"{pages[name]['p95_ms']} ms", None, "info"))
        admin, public = pages["admin changelist"], pages["public list"]
        targets.append(target(
            "admin changelist vs public list", f"{size}, cache off",
            f"{admin['median_ms'] / public['median_ms']:.1f}× ({admin['median_ms']} vs "
            f"{public['median_ms']} ms; admin statuses {admin['statuses']})", None, "info"))
    return targets


def baseline(loaded):
    """The lists with no edits: the rounds between those with edits (the issue's comparison)."""
    return loaded["lists"]


def drift(loaded):
    """The slowest round without edits against the fastest: far from 1, what the shared
    machine gave the server moved under the run. (A results file from before the rounds has
    the no-edit phase again at the end instead.)"""
    rounds = loaded["lists"].get("rounds_rps")
    if rounds:
        return round(min(rounds) / max(rounds), 2) if max(rounds) else None
    first, again = loaded["lists"]["rps"], loaded.get("lists_again", {}).get("rps")
    return round(again / first, 2) if first and again else None


def target(name, where, figure, passed, verdict=None):
    if verdict is None:
        verdict = "n/a" if passed is None else ("pass" if passed else "FAIL")
    return {"target": name, "where": where, "figure": figure, "result": verdict}


PHASE_NAMES = {"healthz": "`/healthz`", "plain_page": "`/accessibility/`",
               "lists": "lists, no edits", "search": "search",
               "lists_edit_1s": "lists, an edit every 1 s",
               "lists_edit_5s": "lists, an edit every 5 s",
               "lists_again": "lists, no edits, again"}


def phases(loaded):
    """(key, name, figures) of each phase of a load run in the report's order: the phases, the
    lists' rounds taken together (their medians, marked so), then each round as measured."""
    rounds = loaded.get("rounds")
    for key, name in PHASE_NAMES.items():
        if key in loaded:
            together = rounds and key in ("lists", "lists_edit_1s", "lists_edit_5s")
            yield (f"{key} (median)" if together else key,
                   f"{name}, median of rounds" if together else name, loaded[key])
    count = {}
    for figures in rounds or ():
        key = figures["phase"]
        count[key] = count.get(key, 0) + 1
        yield f"{key} #{count[key]}", f"{PHASE_NAMES[key]}, round {count[key]}", figures


def print_report(report):
    print()
    print(f"{'projects':>9}  {'cache':<5} {'phase':<22}{'req/s':>8}{'median':>8}{'p95':>8}"
          f"{'p99':>8}{'errors':>7}{'CPU ms':>8}{'cores':>6}{'load':>6}  saves")
    for run in report["runs"]:
        for mode, loaded in run["load"].items():
            for key, _name, figures in phases(loaded):
                saves = figures.get("editor", {}).get("saves", "")
                print(f"{run['published']:>9}  {mode:<5} {key:<22}{figures['rps']:>8}"
                      f"{figures['median_ms']:>8}{figures['p95_ms']:>8}{figures['p99_ms']:>8}"
                      f"{figures['errors']:>7}{figures.get('cpu_ms_per_request', ''):>8}"
                      f"{figures.get('cores_used', ''):>6}{figures.get('load_average', ''):>6}"
                      f"  {saves}")
    print()
    for run in report["runs"]:
        boots = {mode: loaded["log"]["workers_booted"] for mode, loaded in run["load"].items()}
        timeouts = {mode: loaded["log"]["worker_timeouts"]
                    for mode, loaded in run["load"].items()}
        print(f"{run['published']:>9}  workers booted (3 at start, the rest recycled or "
              f"replaced): {boots}; worker timeouts: {timeouts}")
    print()
    print(f"{'projects':>9}  {'one worker, cache off':<26}{'median ms':>10}{'p95 ms':>9}  status")
    for run in report["runs"]:
        one = run["one_worker"]
        print(f"{run['published']:>9}  {'priming start, first list':<26}"
              f"{one.get('priming_first_ms', ''):>10}")
        print(f"{run['published']:>9}  {'first filtered list':<26}"
              f"{one['cold_first_median_ms']:>10}{'':>9}  "
              f"{[first['ms'] for first in one['cold_first_ms']]}")
        for name, figures in one["pages"].items():
            print(f"{run['published']:>9}  {name:<26}{figures['median_ms']:>10}"
                  f"{figures['p95_ms']:>9}  {figures['statuses']}")
        memory = one["memory_after_warm_up"]
        print(f"{run['published']:>9}  {'RSS after warm-up MiB':<26}{memory['rss_mib']:>10}")
    print()
    width = max(len(item["target"]) for item in report["targets"])
    where_width = max(len(item["where"]) for item in report["targets"])
    for item in report["targets"]:
        print(f"[{item['result']:>4}] {item['target']:<{width}}  {item['where']:<{where_width}}  "
              f"{item['figure']}")
    print(f"\n{report['machine']['cpus']} CPUs, {report['seconds']} s in all.")


def summary_markdown(report):
    """One row per target, one column per size: the verdict table of docs/performance.md."""
    runs = report["runs"]

    def cell(figure, passed):
        return figure if passed or passed is None else f"**{figure}**"

    def number(size):
        return f"{size:,}".replace(",", " ")

    rows = []

    def row(name, make):
        cells, verdicts = [], []
        for run in runs:
            figure, passed = make(run)
            cells.append(cell(figure, passed))
            if passed is not None:
                verdicts.append((run["size"], passed))
        failed = [number(size) for size, passed in verdicts if not passed]
        verdict = ("information" if not verdicts else "pass" if not failed
                   else f"**fail** at {', '.join(failed)}")
        rows.append(f"| {name} | {' | '.join(cells)} | {verdict} |")

    for every, key in (("every second", "lists_edit_1s"), ("every 5 s", "lists_edit_5s")):
        for mode in ("on", "off"):
            def ratio(run, key=key, mode=mode):
                loaded = run["load"][mode]
                base, edited = loaded["lists"], loaded[key]
                value = edited["rps"] / base["rps"] if base["rps"] else 0.0
                cpu = base["cpu_ms_per_request"] / edited["cpu_ms_per_request"]
                return f"{value:.2f}× (by CPU {cpu:.2f}×)", value >= TARGET_EDIT_RATIO

            def p99(run, key=key, mode=mode):
                loaded = run["load"][mode]
                value = loaded[key]["p99_ms"]
                return (f"{value:g} ms (without {loaded['lists']['p99_ms']:g})",
                        value < TARGET_P99_MS)

            row(f"list req/s, an edit {every}, ≥ 0.8× without — cache {mode}", ratio)
            row(f"list p99, an edit {every}, < 250 ms — cache {mode}", p99)

    def errors(run):
        count = sum(loaded[key]["errors"] + loaded[key].get("editor", {}).get("error_count", 0)
                    for loaded in run["load"].values()
                    for key in ("healthz", "lists", "search", "lists_edit_1s", "lists_edit_5s",
                                "lists_again")
                    if key in loaded)
        return str(count), count == 0

    row("errors (HTTP and saves), every load phase", errors)

    def fresh(run):
        one = run["one_worker"]
        warm = one["pages"]["main list"]["median_ms"]
        cold = one["cold_first_median_ms"]
        return f"{cold / warm:.1f}× ({cold:g} vs {warm:g} ms)", cold <= TARGET_COLD_RATIO * warm

    row("fresh worker's first filtered list ≤ 2× warm", fresh)

    def healthz(run):
        on = run["load"]["on"]
        value = on["lists"]["rps"] / on["healthz"]["rps"]
        return f"{value:.2f}×", value >= TARGET_HEALTHZ_RATIO

    row("cached list req/s ≥ 0.5× `/healthz`'s", healthz)

    def plain(run):
        on = run["load"]["on"]
        if not on.get("plain_page"):
            return "", None
        return f"{on['lists']['rps'] / on['plain_page']['rps']:.2f}×", None

    row("cached list req/s vs cached `/accessibility/`'s", plain)

    def export(run):
        figures = run["one_worker"]["export"]
        via = ", ".join(figures.get("via", []))
        return (f"{figures['ratio']:.2f}× ({figures['export_rows_per_second']} vs "
                f"{figures['copy_rows_per_second']} rows/s, {via})",
                figures["ratio"] >= TARGET_COPY_RATIO)

    row("full CSV export ≥ 0.5× `COPY`'s rows/s", export)

    def complete(run):
        figures = run["one_worker"]["export"]
        done = sum(rows == figures["rows"] for rows in figures["rows_received"])
        return f"{done} of {len(figures['rows_received'])}", figures["complete"]

    row("full CSV export complete (rounds)", complete)

    lines = ["| target | " + " | ".join(number(run["published"]) for run in runs) + " | verdict |",
             "|---|" + "---|" * len(runs) + "---|", *rows]
    across = [item for item in report["targets"]
              if item["result"] in ("pass", "FAIL") and "/" in item["where"]]
    if across:
        lines += ["", "| across sizes | figure | verdict |", "|---|---|---|"]
        for item in across:
            verdict = "pass" if item["result"] == "pass" else "**fail**"
            lines.append(f"| {item['target']} ({item['where']}) | {item['figure']} | {verdict} |")
    return "\n".join(lines)


def markdown(report):
    """The figures of a results file as the Markdown tables of docs/performance.md."""
    lines = [summary_markdown(report), ""]
    lines.append("| projects | cache | phase | req/s | median ms | p95 ms | p99 ms | errors | "
                 "CPU ms a request | cores used | load average | workers booted | saves |")
    lines.append("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for run in report["runs"]:
        for mode, loaded in run["load"].items():
            for _key, name, f in phases(loaded):
                saves = f.get("editor", {}).get("saves", "")
                size = f"{run['published']:,}".replace(",", " ")
                lines.append(
                    f"| {size} | {mode} | {name} | {f['rps']:g} | "
                    f"{f['median_ms']:g} | {f['p95_ms']:g} | {f['p99_ms']:g} | {f['errors']} | "
                    f"{f.get('cpu_ms_per_request', '')} | {f.get('cores_used', '')} | "
                    f"{f.get('load_average', '')} | {f.get('workers_booted', '')} | "
                    f"{saves} |")
    lines.append("")
    lines.append("| projects | one worker, cache off | median ms | p95 ms |")
    lines.append("|---:|---|---:|---:|")
    for run in report["runs"]:
        one = run["one_worker"]
        size = f"{run['published']:,}".replace(",", " ")
        firsts = ", ".join(f"{first['ms']:g}" for first in one["cold_first_ms"])
        lines.append(f"| {size} | first filtered list of a fresh worker (three starts: "
                     f"{firsts}) | {one['cold_first_median_ms']:g} | |")
        lines.append(f"| {size} | the same after one plain page | "
                     f"{one.get('cold_first_after_plain_page_ms', '')} | |")
        for name, figures in one["pages"].items():
            lines.append(f"| {size} | {name} (`{figures['path']}`) | {figures['median_ms']:g} | "
                         f"{figures['p95_ms']:g} |")
        lines.append(f"| {size} | resident memory after the warm-up, MiB | "
                     f"{one['memory_after_warm_up']['rss_mib']:g} | |")
    lines.append("")
    lines.append("| target | where | figure | result |")
    lines.append("|---|---|---|---|")
    for item in report["targets"]:
        lines.append(f"| {item['target']} | {item['where']} | {item['figure']} | "
                     f"{'**FAIL**' if item['result'] == 'FAIL' else item['result']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--markdown"]:
        print(markdown(json.loads(Path(sys.argv[2]).read_text())))
    else:
        main()
