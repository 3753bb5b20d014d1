"""The open-data addresses: the DCAT catalogue, the IATI files, robots.txt and oembed."""

import contextvars

from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext

from ..exports import stepped_in
from ..filters import ProjectFilter
from ..models import Project
from . import dcat, iati, oembed

RDF_XML = "application/rdf+xml; charset=utf-8"
IATI_XML = "application/xml; charset=utf-8"


def dcat_catalogue(request):
    """/datasets/dcat: the DCAT-AP-SE catalogue as RDF/XML."""
    return HttpResponse(dcat.catalogue_xml(request.build_absolute_uri), content_type=RDF_XML)


def export_iati(request):
    """/projects/export.iati.xml: the list's projects, with its parameters, as an IATI 2.03
    activity file; 400 naming each invalid parameter, 404 when none can be written."""
    filterset = ProjectFilter(request.GET, queryset=Project.objects.published().for_list())
    if not filterset.is_valid():
        lines = [
            f"{name}: {message}"
            for name, messages in filterset.form.errors.items()
            for message in messages
        ]
        body = "\n".join([gettext("Invalid filter parameters:"), *lines, ""])
        return HttpResponseBadRequest(body, content_type="text/plain; charset=utf-8")
    matching = filterset.qs
    dated = iati.dated(matching)
    count = dated.count()
    if not count:
        raise Http404(gettext("No published project with a start year matches these filters."))
    pieces = iati.pieces(dated, request.build_absolute_uri, matching.count() - count)
    response = StreamingHttpResponse(
        stepped_in(contextvars.copy_context(), pieces), content_type=IATI_XML
    )
    name = f"projects-{timezone.localdate().isoformat()}.iati.xml"
    response["Content-Disposition"] = content_disposition_header(False, name)
    return response


def robots_txt(request):
    """/robots.txt: everything public may be indexed; the admin and the downloads need not
    be, and the sitemap lists the pages."""
    sitemap = request.build_absolute_uri(reverse("registry:sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /projects/export",
        "Disallow: /projects/exports/",
        "Disallow: /embed/",
        f"Sitemap: {sitemap}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def oembed_view(request):
    """/oembed?url=<a project's page>: the oEmbed answer (a "rich" type with the project's
    card as an iframe), JSON only; 404 for an address that is not a published project's,
    501 for another format, as the oEmbed specification says."""
    if request.GET.get("format", "json") != "json":
        return HttpResponse(status=501)
    project = oembed.project_of(request.GET.get("url", ""))
    if project is None:
        raise Http404
    return JsonResponse(oembed.answer(request, project, request.GET))
