"""Long exports leave the request path: above a size they are background jobs, followed on a
page that refreshes itself, downloaded when complete, and bounded per client and overall."""

import io
import os
import re
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from projects import export_copy, export_jobs, exports
from projects.models import ExportJob
from tests.factories import make_country, make_goal, make_municipality, make_project

pytestmark = pytest.mark.django_db

MANAGE = Path(settings.BASE_DIR) / "manage.py"
JOB_URL = re.compile(r"^/projects/exports/([0-9a-f-]{36})/$")


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def projects():
    kalix = make_municipality(slug="kalix", name="Kalix")
    other = make_municipality(slug="other", name="Other")
    made = [
        make_project(
            municipality=kalix,
            title=f"=Kalix {n} ÅÄÖ",
            countries=["LV"],
            goals=[4, 11],
            start_year=2020,
        )
        for n in range(5)
    ]
    make_project(municipality=other)
    make_country("SE"), make_goal(1)
    return made


@pytest.fixture
def as_jobs(monkeypatch):
    """Every export of more than one project is a job."""
    for format in ("csv", "xlsx", "json"):
        monkeypatch.setitem(export_jobs.IMMEDIATE_UP_TO, format, 1)


def export(client, format, query="", **extra):
    url = reverse(f"projects:export_{format}")
    return client.get(f"{url}?{query}" if query else url, **extra)


def content_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def start_job(client, format, query="municipality=kalix", **extra):
    response = export(client, format, query, **extra)
    assert response.status_code == 303, response.status_code
    match = JOB_URL.match(response["Location"])
    assert match, response["Location"]
    return ExportJob.objects.get(pk=match[1])


def run_job(job):
    export_jobs.run(str(job.pk))
    job.refresh_from_db()
    return job


def test_small_exports_stay_streamed(english, projects):
    response = export(english, "csv", "municipality=kalix")
    assert response.status_code == 200
    assert response.streaming
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("format", ["csv", "xlsx", "json"])
def test_large_exports_become_jobs_on_the_queue(english, projects, as_jobs, format):
    job = start_job(english, format)
    assert (job.format, job.query, job.state) == (format, "municipality=kalix", "queued")
    assert job.language == "en"
    assert DBTaskResult.objects.filter(args_kwargs__args=[str(job.pk)]).count() == 1


def test_an_export_within_the_threshold_is_still_streamed(english, projects, as_jobs):
    response = export(english, "csv", "municipality=other")
    assert response.status_code == 200 and response.streaming


def test_bad_filters_still_answer_400_before_any_job(english, projects, as_jobs):
    response = export(english, "csv", "goal=99")
    assert response.status_code == 400
    assert not ExportJob.objects.exists()


def test_the_progress_page_refreshes_itself_without_javascript(english, projects, as_jobs):
    job = start_job(english, "xlsx")
    ExportJob.objects.filter(pk=job.pk).update(state="running", rows=2, total=5)
    response = english.get(job.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in html
    assert '<html lang="en">' in html
    assert "<h1>Your XLSX export</h1>" in html
    assert '<label for="export-progress">Progress</label>' in html
    assert '<progress id="export-progress" max="5" value="2">2 of 5 projects</progress>' in html
    assert "2 of 5 projects written." in html
    assert "<script" not in html
    assert "download" not in html.split("<main", 1)[1].split("</main>")[0].lower().replace(
        "the download link", ""
    )
    assert "no-store" in response["Cache-Control"]


def test_the_progress_page_can_stop_refreshing_itself(english, projects, as_jobs):
    job = start_job(english, "csv")
    url = job.get_absolute_url()
    assert f'<a href="{url}?updates=off">Stop updating this page</a>' in (
        english.get(url).content.decode()
    )
    html = english.get(f"{url}?updates=off&utm_source=x").content.decode()
    assert "http-equiv" not in html
    assert f'<a href="{url}">Check the progress again</a>' in html
    assert "Waiting for its turn." in html


def test_the_progress_page_speaks_the_visitors_language(client, projects, as_jobs):
    job = start_job(client, "csv", HTTP_ACCEPT_LANGUAGE="sv")
    html = client.get(job.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert '<html lang="sv">' in html
    assert "Din CSV-export" in html


def test_job_pages_are_never_stored_by_the_page_cache(english, projects, as_jobs, settings):
    settings.PAGE_CACHE_SECONDS = 60
    job = start_job(english, "csv")
    assert "Waiting for its turn" in english.get(job.get_absolute_url()).content.decode()
    run_job(job)
    html = english.get(job.get_absolute_url()).content.decode()
    assert "The file is ready: 5 projects." in html


@pytest.mark.parametrize("format", ["csv", "json"])
def test_a_finished_job_downloads_the_immediate_export_byte_for_byte(
    english, projects, monkeypatch, format
):
    immediate = content_of(export(english, format, "municipality=kalix"))
    monkeypatch.setitem(export_jobs.IMMEDIATE_UP_TO, format, 1)
    job = run_job(start_job(english, format))
    assert (job.state, job.rows, job.total) == ("done", 5, 5)
    html = english.get(job.get_absolute_url()).content.decode()
    download = reverse("projects:export_download", args=[job.pk])
    assert f'<a href="{download}" download>Download the {format.upper()} file</a>' in html
    assert "The file is ready: 5 projects." in html
    assert "http-equiv" not in html
    response = english.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == export_views_content_type(format)
    assert response["Content-Disposition"] == (
        f'attachment; filename="projects-{timezone.localdate().isoformat()}.{format}"'
    )
    assert content_of(response) == immediate


def test_a_finished_xlsx_job_holds_the_immediate_exports_cells(english, projects, monkeypatch):
    immediate = content_of(export(english, "xlsx", "municipality=kalix"))
    monkeypatch.setitem(export_jobs.IMMEDIATE_UP_TO, "xlsx", 1)
    job = run_job(start_job(english, "xlsx"))
    response = english.get(reverse("projects:export_download", args=[job.pk]))
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE

    def cells(data):
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        return list(sheet.iter_rows(values_only=True))

    rows = cells(content_of(response))
    assert rows == cells(immediate)
    assert len(rows) == 6 and rows[1][1].startswith("'=Kalix")


def export_views_content_type(format):
    return {"csv": "text/csv; charset=utf-8", "json": "application/json"}[format]


def test_progress_is_saved_as_rows_are_written(projects, as_jobs, monkeypatch, english):
    monkeypatch.setattr(export_jobs, "PROGRESS_EVERY", 2)
    seen = []
    original = export_jobs._update

    def spy(job_id, **fields):
        if "rows" in fields:
            seen.append((fields["rows"], fields.get("state")))
        original(job_id, **fields)

    monkeypatch.setattr(export_jobs, "_update", spy)
    # JSON: records counted one by one on every database (PostgreSQL writes a CSV itself).
    run_job(start_job(english, "json"))
    assert seen == [(2, None), (4, None), (5, "done")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_a_copied_csv_saves_its_progress_where_the_progress_page_reads_it(
    projects, as_jobs, monkeypatch, english
):
    """While COPY sends rows on the job's connection, the count is saved on another one, which
    the progress page can read before the job ends (on the same connection the save waited for
    the COPY forever)."""
    monkeypatch.setattr(export_jobs, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(export_copy, "FLUSH_AT", 1)  # a piece per row: the count moves by rows
    seen = []
    original = export_jobs._update

    def spy(job_id, **fields):
        original(job_id, **fields)
        if "rows" in fields and "state" not in fields:
            # Committed at once, not at the COPY's end: read back once the save returns.
            seen.append(ExportJob.objects.values_list("rows", flat=True).get(pk=job_id))

    monkeypatch.setattr(export_jobs, "_update", spy)
    job = start_job(english, "csv")
    runner = threading.Thread(target=export_jobs.run, args=[str(job.pk)], daemon=True)
    runner.start()
    runner.join(timeout=60)
    if runner.is_alive():
        with connection.cursor() as cursor:  # Frees the stuck COPY, so teardown can go on.
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        pytest.fail("the job never finished")
    job.refresh_from_db()
    assert (job.state, job.rows) == ("done", 5)
    assert seen == [2, 4]


def test_a_client_gets_429_beyond_its_pending_jobs(english, projects, as_jobs):
    for _ in range(export_jobs.PER_CLIENT):
        start_job(english, "csv")
    response = export(english, "xlsx", "municipality=kalix")
    assert response.status_code == 429
    assert response["Retry-After"] == str(export_jobs.RETRY_AFTER)
    assert "You already have as many large exports under way" in response.content.decode()
    assert ExportJob.objects.count() == export_jobs.PER_CLIENT
    # Another client is not held back by this one's jobs.
    start_job(english, "csv", REMOTE_ADDR="192.0.2.7")


def test_the_site_answers_503_beyond_its_pending_jobs(client, projects, as_jobs, monkeypatch):
    monkeypatch.setattr(export_jobs, "OVERALL", 3)
    for n in range(3):
        start_job(client, "csv", REMOTE_ADDR=f"192.0.2.{n}")
    response = export(client, "csv", "municipality=kalix", HTTP_ACCEPT_LANGUAGE="lv")
    assert response.status_code == 503
    assert response["Retry-After"] == str(export_jobs.RETRY_AFTER)
    assert '<html lang="lv">' in response.content.decode()
    assert "Pārāk daudz eksportu vienlaikus" in response.content.decode()


def test_finished_and_abandoned_jobs_no_longer_count(english, projects, as_jobs):
    first = run_job(start_job(english, "csv"))
    second = start_job(english, "csv")
    ExportJob.objects.filter(pk=second.pk).update(
        state="running", updated_at=timezone.now() - ExportJob.ABANDONED_AFTER * 2
    )
    assert first.state == "done"
    start_job(english, "csv")
    start_job(english, "csv")
    html = english.get(second.get_absolute_url()).content.decode()
    assert "The export failed, and no file was made." in html


def test_a_failed_job_never_offers_a_file(english, projects, as_jobs, monkeypatch, tmp_path):
    def broken(record):
        raise RuntimeError("a writer failed half-way")

    monkeypatch.setattr(exports, "spreadsheet_row", broken)
    job = start_job(english, "xlsx")  # written by Python on every database
    with pytest.raises(RuntimeError):
        export_jobs.run(str(job.pk))
    job.refresh_from_db()
    assert (job.state, job.file_name) == ("failed", "")
    assert job.finished_at is not None
    html = english.get(job.get_absolute_url()).content.decode()
    assert "The export failed, and no file was made." in html
    assert "http-equiv" not in html
    assert english.get(reverse("projects:export_download", args=[job.pk])).status_code == 404
    assert not (tmp_path / "exports").exists() or not any((tmp_path / "exports").iterdir())


def test_a_pending_job_has_no_download(english, projects, as_jobs):
    job = start_job(english, "csv")
    assert english.get(reverse("projects:export_download", args=[job.pk])).status_code == 404


def test_unknown_and_expired_jobs_are_404(english, projects, as_jobs):
    job = run_job(start_job(english, "csv"))
    assert english.get("/projects/exports/00000000-0000-4000-8000-000000000000/").status_code == 404
    ExportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - ExportJob.EXPIRES_AFTER - timedelta(minutes=1)
    )
    assert english.get(job.get_absolute_url()).status_code == 404
    assert english.get(reverse("projects:export_download", args=[job.pk])).status_code == 404


def test_the_next_job_prunes_expired_jobs_and_their_files(english, projects, as_jobs):
    old = run_job(start_job(english, "csv"))
    assert default_storage.exists(old.file_name)
    ExportJob.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - ExportJob.EXPIRES_AFTER - timedelta(minutes=1)
    )
    run_job(start_job(english, "json"))
    assert not ExportJob.objects.filter(pk=old.pk).exists()
    assert not default_storage.exists(old.file_name)


def test_the_next_job_prunes_the_queues_results_as_old_as_an_expired_job(
    english, projects, as_jobs
):
    def result(finished_at):
        return DBTaskResult.objects.create(
            status=TaskResultStatus.SUCCESSFUL,
            args_kwargs={"args": [], "kwargs": {}},
            task_path="projects.tasks.write_export",
            backend_name="default",
            run_after=finished_at,
            finished_at=finished_at,
            exception_class_path="",
            traceback="",
        )

    now = timezone.now()
    old = result(now - ExportJob.EXPIRES_AFTER - timedelta(minutes=1))
    recent = result(now - timedelta(hours=1))
    run_job(start_job(english, "json"))
    # The new job's own task is queued beside them, not finished: never pruned.
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert recent.pk in left and old.pk not in left
    assert DBTaskResult.objects.exclude(pk=recent.pk).filter(finished_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the worker process needs a test database it can see (PostgreSQL's, not SQLite's"
    " in memory)",
)
def test_the_real_worker_writes_the_file_the_progress_page_offers(english, as_jobs, tmp_path):
    kalix = make_municipality(slug="kalix", name="Kalix")
    for n in range(5):
        make_project(municipality=kalix, title=f"Kalix {n}", goals=[4])
    job = start_job(english, "csv")
    url = job.get_absolute_url()
    assert "Waiting for its turn" in english.get(url).content.decode()

    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
            **{key: database[key] or "" for key in ("USER", "HOST", "PORT", "NAME")}
        ),
        # The worker writes where this test's settings read (the _storage fixture).
        "MEDIA_ROOT": str(tmp_path),
    }
    worker = subprocess.Popen(
        [sys.executable, str(MANAGE), "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            html = english.get(url).content.decode()
            if "The file is ready" in html:
                break
            assert "failed" not in html
            time.sleep(0.2)
        output = worker.communicate(timeout=60)[0].decode()
    finally:
        worker.kill()
    assert "The file is ready: 5 projects." in html, output
    download = english.get(reverse("projects:export_download", args=[job.pk]))
    export_jobs.IMMEDIATE_UP_TO["csv"] = 20_000  # as_jobs puts it back after the test
    immediate_response = export(english, "csv", "municipality=kalix")
    assert content_of(download) == content_of(immediate_response)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
