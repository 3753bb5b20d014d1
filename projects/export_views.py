"""The exports of /projects/: the list's FilterSet, so the same projects in the same order,
all of them (no page, no cap). Invalid filters answer 400 naming each parameter.

A download that fails half-way must not look complete. The CSV and JSON are streamed with
chunked transfer encoding: when an error stops the stream, the server closes the connection
without the last, empty chunk, and the client reports the download as failed (docs/exports.md).

Above a size (projects/export_jobs.py) an export is a background job instead: the entry point
answers 303 to the job's page, which refreshes itself until the file is ready to download.
"""

import tempfile

from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache

from registry.db_router import PRIMARY

from . import export_copy, export_jobs, exports
from .filters import ProjectFilter
from .models import ExportJob, Project

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": exports.XLSX_CONTENT_TYPE,
    "json": "application/json",
}


def _get_filterset(request):
    return ProjectFilter(request.GET, queryset=Project.objects.published().for_list())


def _filter_errors(filterset):
    """Each invalid parameter with its messages; empty when the filters are valid."""
    return {name: list(messages) for name, messages in filterset.form.errors.items()}


def _plain_bad_request(errors):
    lines = [f"{name}: {message}" for name, messages in errors.items() for message in messages]
    body = "\n".join([gettext("Invalid filter parameters:"), *lines, ""])
    return HttpResponseBadRequest(body, content_type="text/plain; charset=utf-8")


def _filename(extension, day=None):
    return f"projects-{(day or timezone.localdate()).isoformat()}.{extension}"


def _as_job(request, filterset, format):
    """The answer that makes this export a job (303 to its page, or 429/503 when a bound
    refuses it), or None when it is small enough to write at once."""
    if not export_jobs.needs_job(filterset.qs, format):
        return None
    try:
        job = export_jobs.start(request, format)
    except export_jobs.Refused as refused:
        response = render(
            request, "projects/export_refused.html", {"refused": refused}, status=refused.status
        )
        response["Retry-After"] = str(export_jobs.RETRY_AFTER)
        return response
    return HttpResponseRedirect(job.get_absolute_url(), status=303)


def _streamed(request, pieces, content_type, extension):
    if request.META.get("SERVER_PROTOCOL") == "HTTP/1.0":
        # HTTP/1.0 has no chunked encoding, so a stream cut short would end like a whole one:
        # such a client (nginx talks to its upstream in HTTP/1.0 unless told otherwise) gets
        # the file with its length, written to a temporary file first.
        return FileResponse(
            _spooled(pieces),
            as_attachment=True,
            filename=_filename(extension),
            content_type=content_type,
        )
    response = StreamingHttpResponse(pieces, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, _filename(extension))
    return response


def _spooled(pieces):
    file = tempfile.TemporaryFile()
    file.writelines(pieces)
    file.seek(0)
    return file


def export_csv(request):
    filterset = _get_filterset(request)
    if errors := _filter_errors(filterset):
        return _plain_bad_request(errors)
    if job_response := _as_job(request, filterset, "csv"):
        return job_response
    queryset = filterset.qs
    # PostgreSQL writes the rows itself; elsewhere, and where it cannot, Python does.
    pieces = export_copy.csv_pieces(queryset, request.build_absolute_uri)
    if pieces is None:
        pieces = exports.csv_pieces(exports.project_records(queryset, request.build_absolute_uri))
    return _streamed(request, pieces, CONTENT_TYPES["csv"], "csv")


def export_xlsx(request):
    filterset = _get_filterset(request)
    if errors := _filter_errors(filterset):
        return _plain_bad_request(errors)
    if job_response := _as_job(request, filterset, "xlsx"):
        return job_response
    records = exports.project_records(filterset.qs, request.build_absolute_uri)
    return FileResponse(
        exports.xlsx_file(records),
        as_attachment=True,
        filename=_filename("xlsx"),
        content_type=exports.XLSX_CONTENT_TYPE,
    )


def export_json(request):
    filterset = _get_filterset(request)
    if errors := _filter_errors(filterset):
        return JsonResponse(
            {"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False}
        )
    if job_response := _as_job(request, filterset, "json"):
        return job_response
    queryset = filterset.qs
    records = exports.project_records(queryset, request.build_absolute_uri)
    pieces = exports.json_pieces(records, queryset.count())
    return _streamed(request, pieces, CONTENT_TYPES["json"], "json")


def _get_job(job_id):
    """The job, read from the primary (a replica may not have it yet); 404 once expired."""
    return get_object_or_404(ExportJob.objects.using(PRIMARY).current(), pk=job_id)


@never_cache
def export_job(request, job_id):
    job = _get_job(job_id)
    paused = request.GET.get("updates") == "off"
    return render(request, "projects/exportjob_detail.html", {"job": job, "paused": paused})


@never_cache
def export_download(request, job_id):
    job = _get_job(job_id)
    if job.state != ExportJob.State.DONE or not default_storage.exists(job.file_name):
        raise Http404
    return FileResponse(
        default_storage.open(job.file_name),
        as_attachment=True,
        filename=_filename(job.format, timezone.localdate(job.created_at)),
        content_type=CONTENT_TYPES[job.format],
    )
