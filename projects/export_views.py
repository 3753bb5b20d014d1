"""The exports of /projects/: the list's FilterSet, so the same projects in the same order,
all of them (no page, no cap). Invalid filters answer 400 naming each parameter.

A download that fails half-way must not look complete. The CSV and JSON are streamed with
chunked transfer encoding: when an error stops the stream, the server closes the connection
without the last, empty chunk, and the client reports the download as failed (docs/exports.md).
"""

import tempfile

from django.http import FileResponse, HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext

from . import export_copy, exports
from .filters import ProjectFilter
from .models import Project


def _get_filterset(request):
    return ProjectFilter(request.GET, queryset=Project.objects.published().for_list())


def _filter_errors(filterset):
    """Each invalid parameter with its messages; empty when the filters are valid."""
    return {name: list(messages) for name, messages in filterset.form.errors.items()}


def _plain_bad_request(errors):
    lines = [f"{name}: {message}" for name, messages in errors.items() for message in messages]
    body = "\n".join([gettext("Invalid filter parameters:"), *lines, ""])
    return HttpResponseBadRequest(body, content_type="text/plain; charset=utf-8")


def _filename(extension):
    return f"projects-{timezone.localdate().isoformat()}.{extension}"


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
    queryset = filterset.qs
    # PostgreSQL writes the rows itself; elsewhere, and where it cannot, Python does.
    pieces = export_copy.csv_pieces(queryset, request.build_absolute_uri)
    if pieces is None:
        pieces = exports.csv_pieces(exports.project_records(queryset, request.build_absolute_uri))
    return _streamed(request, pieces, "text/csv; charset=utf-8", "csv")


def export_xlsx(request):
    filterset = _get_filterset(request)
    if errors := _filter_errors(filterset):
        return _plain_bad_request(errors)
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
    queryset = filterset.qs
    records = exports.project_records(queryset, request.build_absolute_uri)
    pieces = exports.json_pieces(records, queryset.count())
    return _streamed(request, pieces, "application/json", "json")
