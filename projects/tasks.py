"""The background tasks of projects, run by `manage.py db_worker` (docs/operations.md)."""

from django_tasks import task


@task()
def write_export(job_id):
    """Writes the file of the ExportJob `job_id` (projects/export_jobs.py)."""
    from . import export_jobs  # export_jobs enqueues this task.

    export_jobs.run(job_id)
