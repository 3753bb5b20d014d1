"""Long exports as background jobs (docs/exports.md, "Long exports").

An export of more projects than IMMEDIATE_UP_TO allows for its format is not written in the
request: the request records an `ExportJob` and enqueues `projects.tasks.write_export`, which
a worker (`manage.py db_worker`, django-tasks' database backend) runs; the visitor follows it on
a page that refreshes itself and downloads the file from there. Smaller exports stay streamed
(projects/export_views.py).

The job writes with the same writers as the immediate export (projects/exports.py), in the
request's language and with its scheme and host, so its file is the immediate export's, byte
for byte (the CSV on PostgreSQL written by COPY, as the immediate export's is; tests hold it
equal to Python's writer).
Progress is counted as the records pass to the writer. The file goes to default_storage first
and is named in the job only together with the state "done", in one UPDATE: a job that failed
or whose worker died never offers a file.

Pending jobs are bounded per client (PER_CLIENT) and overall (OVERALL), so that no number of
export requests can fill the queue for everyone; beyond a bound the request is refused at once
(429, or 503 for the overall bound) with Retry-After.
"""

import contextlib
import functools
import logging
import tempfile
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.http import QueryDict
from django.utils import timezone, translation

from registry.client_ip import client_ip

from . import export_copy, exports
from .filters import ProjectFilter
from .models import ExportJob, Project
from .tasks import write_export

logger = logging.getLogger(__name__)

# The most projects an export writes in the request; above, it becomes a job. The XLSX costs
# about ten times the CPU of the CSV per row (openpyxl writes every cell in Python).
IMMEDIATE_UP_TO = {"csv": 20_000, "json": 20_000, "xlsx": 2_000}
# Pending jobs at once: per client address, and for the whole site.
PER_CLIENT = 2
OVERALL = 20
# What Retry-After says when a bound refuses a job, in seconds.
RETRY_AFTER = 60
# The job's progress is saved every so many rows.
PROGRESS_EVERY = exports.CHUNK_SIZE
STORAGE_FOLDER = "exports"
# The key of the advisory lock taken while checking the bounds (any number of our own).
LIMITS_LOCK = 0x45585054


class Refused(Exception):
    """A bound refuses the job: `status` is 429 (this client's) or 503 (the site's)."""

    def __init__(self, status):
        super().__init__(status)
        self.status = status


def needs_job(queryset, format):
    """Whether exporting `queryset` as `format` is a job rather than a streamed download."""
    return queryset.count() > IMMEDIATE_UP_TO[format]


def start(request, format):
    """Records the job for this request's export and enqueues it; raises Refused when a bound
    does not allow it. Simultaneous requests cannot pass the bounds together: they are checked
    under a lock held to the end of the transaction, on PostgreSQL an advisory lock of their
    own, on SQLite the database's write lock, which any UPDATE takes (even of no row)."""
    client_key = client_ip(request) or ""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LIMITS_LOCK])
        else:
            ExportJob.objects.filter(state="").update(state="")
        pending = ExportJob.objects.pending()
        if pending.filter(client_key=client_key).count() >= PER_CLIENT:
            raise Refused(429)
        if pending.count() >= OVERALL:
            raise Refused(503)
        job = ExportJob.objects.create(
            format=format,
            query=request.META.get("QUERY_STRING", ""),
            language=translation.get_language(),
            base_url=request.build_absolute_uri("/"),
            client_key=client_key,
        )
        write_export.enqueue(str(job.pk))
    return job


def run(job_id):
    """Writes the job's file and marks the job done, or failed (then re-raises, so that the
    task's own result says so too). Old jobs are pruned first."""
    prune()
    claimed = ExportJob.objects.filter(pk=job_id, state=ExportJob.State.QUEUED).update(
        state=ExportJob.State.RUNNING, updated_at=timezone.now()
    )
    if not claimed:
        return  # Gone (pruned) or already taken.
    job = ExportJob.objects.get(pk=job_id)
    try:
        with translation.override(job.language):
            name, rows = write(job)
    except BaseException:
        logger.exception("Export job %s failed.", job_id)
        _update(job_id, state=ExportJob.State.FAILED, finished_at=timezone.now())
        raise
    _update(
        job_id,
        state=ExportJob.State.DONE,
        file_name=name,
        rows=rows,
        total=rows,
        finished_at=timezone.now(),
    )


def write(job):
    """The job's file saved in default_storage: its name and number of projects."""
    filterset = ProjectFilter(
        QueryDict(job.query), queryset=Project.objects.published().for_list()
    )
    if not filterset.is_valid():
        raise ValueError(f"Invalid filters: {dict(filterset.form.errors)}")
    queryset = filterset.qs
    total = queryset.count()
    _update(job.pk, total=total)
    progress = Progress(job.pk)

    def absolute(location):
        return urljoin(job.base_url, location)

    records = progress.counted(exports.project_records(queryset, absolute))
    if job.format == ExportJob.Format.XLSX:
        file = exports.xlsx_file(records)
    else:
        file = tempfile.TemporaryFile()
        if job.format == ExportJob.Format.CSV:
            # PostgreSQL writes the rows itself, as for an immediate export (the same bytes);
            # elsewhere, and where it cannot, Python does.
            copied = export_copy.csv_pieces(queryset, absolute)
            if copied is None:
                file.writelines(exports.csv_pieces(records))
            else:
                with progress.saved_elsewhere():
                    file.writelines(progress.counted_lines(copied, total))
        else:
            file.writelines(exports.json_pieces(records, total))
        file.seek(0)
    with file:
        name = default_storage.save(f"{STORAGE_FOLDER}/{job.pk}.{job.format}", File(file))
    return name, progress.rows


class Progress:
    """Counts the records passing to a writer and saves the count every PROGRESS_EVERY."""

    def __init__(self, job_id):
        self.job_id = job_id
        self.rows = 0
        self._save = functools.partial(_update, job_id)

    def counted(self, records):
        for record in records:
            yield record
            self.rows += 1
            if self.rows % PROGRESS_EVERY == 0:
                self._save(rows=self.rows)

    @contextlib.contextmanager
    def saved_elsewhere(self):
        """Within it, the count is saved on a database connection of its own, in a thread of
        its own. For a COPY: psycopg runs one operation at a time on a connection, so an UPDATE
        on the connection that is sending the COPY's rows would wait for the COPY, which waits
        for the UPDATE's caller (the worker hung so), and the COPY's transaction would hide the
        count from the progress page until the end anyway."""
        saver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-progress")
        pending = None

        def save(**fields):
            nonlocal pending
            if pending is not None:
                pending.result()  # One save at a time; its error is the job's.
            pending = saver.submit(_update, self.job_id, **fields)

        self._save = save
        try:
            yield
            if pending is not None:
                pending.result()
        finally:
            self._save = functools.partial(_update, self.job_id)
            saver.submit(connections.close_all).result()
            saver.shutdown()

    def counted_lines(self, pieces, total):
        """CSV pieces passed on, the rows counted by their line ends (after the header; a
        line break inside a cell may count early, so the count stops at `total`)."""
        lines = saved = 0
        for piece in pieces:
            yield piece
            lines += piece.count(b"\r\n")
            self.rows = min(max(lines - 1, 0), total)
            if self.rows - saved >= PROGRESS_EVERY:
                saved = self.rows
                self._save(rows=self.rows)
        self.rows = total


def _update(job_id, **fields):
    ExportJob.objects.filter(pk=job_id).update(updated_at=timezone.now(), **fields)


def prune():
    """Deletes the jobs older than ExportJob.EXPIRES_AFTER and their files, and the task
    queue's finished results as old (by django-tasks-db's own command, so no cron is needed
    for them); the number of jobs deleted."""
    expired = ExportJob.objects.filter(created_at__lt=timezone.now() - ExportJob.EXPIRES_AFTER)
    count = 0
    for job in expired:
        if job.file_name:
            default_storage.delete(job.file_name)
        job.delete()
        count += 1
    if "django_tasks_db" in settings.INSTALLED_APPS:
        call_command(
            "prune_db_task_results", min_age_days=ExportJob.EXPIRES_AFTER.days, verbosity=0
        )
    return count
