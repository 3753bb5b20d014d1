"""The benchmark's PostgreSQL databases, one per size, kept between runs.

`registry_bench_<size>` (e.g. registry_bench_1k, registry_bench_300k) on the server of
BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres). A database whose
published demo projects already number `size` is reused as it is, after `migrate` and `seed`
(both do nothing when there is nothing to do); one with fewer gets the rest from
generate_demo; one with more, or any with BENCH_REGENERATE=1, is dropped and made anew.

On top of the demo data each database gets what the benchmark's pages need:
- a superuser `bench-admin` (the admin's change list is measured signed in);
- a municipality, "Demo Tvåtusen" (slug demo-tvatusen), partner in 2 000 projects (as many as
  there are below that), added through the ORM so that search texts and the change stamp follow.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# The code the servers run: this working tree, or a snapshot of a commit (see use_source).
SOURCE = {"dir": BASE_DIR, "ref": None}
SERVER_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
PARTNER_SLUG = "demo-tvatusen"
PARTNERSHIPS = 2000
ADMIN_USERNAME = "bench-admin"


def log(message):
    print(message, file=sys.stderr, flush=True)


def label(size):
    """1000 -> "1k", 300000 -> "300k", 1500 -> "1500"."""
    return f"{size // 1000}k" if size % 1000 == 0 and size else str(size)


def source_dir():
    return SOURCE["dir"]


def use_source(ref):
    """Serve a snapshot of commit `ref` (`git archive`, into a temporary directory) instead of
    the working tree: the files as committed, whatever is being edited meanwhile."""
    if not ref or ref == "worktree":
        return None
    directory = Path(tempfile.mkdtemp(prefix="registry-bench-source-"))
    archive = subprocess.run(["git", "archive", "--format=tar", ref], cwd=BASE_DIR,
                             capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(directory)], input=archive.stdout, check=True)
    commit = subprocess.run(["git", "rev-parse", "--short", ref], cwd=BASE_DIR,
                            capture_output=True, text=True, check=True).stdout.strip()
    SOURCE.update(dir=directory, ref=commit)
    return directory


def database_name(size):
    return f"registry_bench_{label(size)}"


def database_url(size):
    return urlunsplit(urlsplit(SERVER_URL)._replace(path=f"/{database_name(size)}"))


def postgres(statement, url=SERVER_URL, fetch=False):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(statement)
        return cursor.fetchall() if fetch else None


def exists(size):
    rows = postgres(
        f"SELECT 1 FROM pg_database WHERE datname = '{database_name(size)}'", fetch=True
    )
    return bool(rows)


def drop(size):
    postgres(f"DROP DATABASE IF EXISTS {database_name(size)} WITH (FORCE)")


def environment(size, **extra):
    """The environment of every Django process of the benchmark at this size."""
    env = {
        key: value for key, value in os.environ.items()
        if key not in {"DEBUG", "HTTPS", "DATABASE_REPLICA_URL", "WEB_CONCURRENCY", "REDIS_URL",
                       "PAGE_CACHE_SECONDS", "SECURE_SSL_REDIRECT"}
    }
    env.update(
        DATABASE_URL=database_url(size),
        DJANGO_SETTINGS_MODULE="registry.settings",
        # No collectstatic manifest is needed for measuring pages.
        STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="ERROR",
        # whitenoise's reminder that collectstatic has not run: irrelevant here.
        PYTHONWARNINGS="ignore:No directory at",
        PYTHONPATH=str(source_dir()),
    )
    env.update(extra)
    return env


def manage(size, *arguments, capture=False):
    result = subprocess.run(
        [PYTHON, "manage.py", *arguments], cwd=source_dir(), env=environment(size),
        capture_output=capture, text=True,
    )
    if result.returncode:
        if capture:
            log(result.stderr[-3000:])
        raise RuntimeError(f"manage.py {arguments[0]} failed on {database_name(size)}")
    return result.stdout if capture else None


def django_script(size, script):
    """Run `script` in `manage.py shell` on this size's database; its stdout."""
    return manage(size, "shell", "--no-imports", "-c", script, capture=True)


def count_demo_projects(size):
    script = (
        "from projects.models import Project\n"
        "print(Project.objects.published().filter(slug__startswith='demo-0').count())"
    )
    return int(django_script(size, script).split()[-1])


def ensure(size):
    """The database for `size`, ready: {"name", "url", "generated_seconds" (None if reused)}."""
    if os.environ.get("BENCH_REGENERATE") == "1" and exists(size):
        log(f"== {database_name(size)}: BENCH_REGENERATE=1, dropping it")
        drop(size)
    if not exists(size):
        postgres(f"CREATE DATABASE {database_name(size)}")
    manage(size, "migrate", "--no-input", "--verbosity", "0")
    manage(size, "seed", "--verbosity", "0")
    existing = count_demo_projects(size)
    generated = None
    if existing > size:
        log(f"== {database_name(size)}: {existing} projects, not {size}: making it anew")
        drop(size)
        return ensure(size)
    if existing < size:
        log(f"== {database_name(size)}: generating {size - existing} projects")
        started = time.monotonic()
        manage(size, "generate_demo", "--projects", str(size - existing), "--seed", str(size),
               "--batch-size", "5000", "--force")
        generated = round(time.monotonic() - started, 1)
        log(f"== {database_name(size)}: generated in {generated} s")
    else:
        log(f"== {database_name(size)}: reusing {existing} projects")
    add_fixtures(size)
    if generated is not None or not vacuumed(size):
        # What autovacuum does soon after a bulk load on a live server: the visibility map
        # that index-only scans need, and fresh planner statistics.
        postgres("VACUUM ANALYZE", url=database_url(size))
    return {"name": database_name(size), "url": database_url(size),
            "generated_seconds": generated}


def vacuumed(size):
    rows = postgres(
        "SELECT coalesce(last_vacuum, last_autovacuum) IS NOT NULL FROM pg_stat_user_tables "
        "WHERE relname = 'projects_project'", url=database_url(size), fetch=True,
    )
    return bool(rows and rows[0][0])


FIXTURES = f"""
import sys
from django.contrib.auth import get_user_model
from projects.models import Project
from registry.models import Municipality

User = get_user_model()
admin, created = User.objects.get_or_create(
    username={ADMIN_USERNAME!r},
    defaults={{"is_staff": True, "is_superuser": True, "email": "bench@example.invalid"}},
)
if created:
    admin.set_unusable_password()
    admin.save()

partner, _ = Municipality.objects.get_or_create(
    slug={PARTNER_SLUG!r},
    defaults={{"name": "Demo Tvåtusen", "country_id": "FI",
               "source": "Synthetic data from the benchmark."}},
)
wanted = min({PARTNERSHIPS}, Project.objects.published().count())
have = partner.partner_projects.count()
if have < wanted:
    # Projects spread evenly over the ids, so the partnerships spread over owners, years and
    # types like any municipality's.
    ids = list(
        Project.objects.published().exclude(partner_municipalities=partner)
        .order_by("pk").values_list("pk", flat=True)
    )
    step = max(1, len(ids) // (wanted - have))
    partner.partner_projects.add(*ids[::step][: wanted - have])
print(partner.partner_projects.count())
"""


def add_fixtures(size):
    partnerships = int(django_script(size, FIXTURES).split()[-1])
    log(f"== {database_name(size)}: {PARTNER_SLUG} has {partnerships} partnerships")


if __name__ == "__main__":
    # python -m bench.databases 1000 20000: make (or check) those databases only.
    sys.path.insert(0, str(BASE_DIR))
    for argument in sys.argv[1:]:
        print(ensure(int(argument)))
