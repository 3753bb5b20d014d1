"""IATI 2.03 activity files of any filtered project list (/projects/export.iati.xml).

One `iati-activity` per published project, in the list's order, written one at a time (an
activity is built with lxml and serialised on its own), so memory stays flat however many
projects match. tests/projects/test_iati.py validates the files against the official IATI
2.03 activity schema.

What the registry knows maps onto IATI as follows (docs/open-data.md says it for users):

- reporting organisation: the owner municipality, a local government (type 11); its
  identifier `SE-ON-<organisation number>` when the number is known, else empty;
- identifier: `<reporting organisation identifier>-<slug>`, or the slug alone;
- participating organisations: the funders with role 1 (funding), the owner and the partner
  municipalities with role 4 (implementing);
- activity status from the registry's status rule (planned 1, ongoing 2, completed 4,
  paused 6); activity dates from the years: the registry records years only, so a date is the
  year's first (start) or last (end) day, and its narrative says that only the year is known;
- recipient countries: the partner countries; sectors: the Agenda 2030 goals in vocabulary 7;
- partner organisations abroad: participating organisations with role 4 (implementing), a
  university typed 80 (academic, training and research);
- a funder's project number: an other-identifier of type A9 (other activity identifier) owned
  by the funder; the funder's record of the project and each result's output: document links,
  categories A12 (activity web page) and A08 (results, outcomes and outputs, dated).

Money is left out: IATI wants a day for every transaction and a period of at most a year for
every budget, and the registry records a grant's year at most (docs/open-data.md). A result
without a link to its output is left out too: IATI's own results need indicators with
baselines and periods, which the registry does not record.

IATI requires at least one date per activity, so a project without a start year is left out
(the file says how many, in a comment); and at least one activity per file, so a list without
any answers 404.
"""

import mimetypes
from urllib.parse import urlsplit

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext
from lxml import etree

from registry.models import Organisation

from ..models import FunderReference, Result

IATI_VERSION = "2.03"
LOCAL_GOVERNMENT = "11"
FUNDING, IMPLEMENTING = "1", "4"
# IATI's ActivityStatus codes for the registry's statuses (projects/models.py). A status the
# registry cannot confirm any more is told by what is known: suspended if it was paused, else
# in implementation (it started and no end is known).
STATUS_CODES = {"planned": "1", "ongoing": "2", "completed": "4", "paused": "6"}
IMPLEMENTATION, SUSPENDED = "2", "6"
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"
SDG_GOAL_VOCABULARY = "7"
DESCRIPTION_GENERAL = "1"
ACTIVITY_WEB_PAGE, RESULTS = "A12", "A08"
OTHER_ACTIVITY_IDENTIFIER = "A9"
ACADEMIC = "80"
ORGANISATION_NUMBER_PREFIX = "SE-ON-"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CHUNK_SIZE = 500


def organisation_identifier(municipality):
    """The municipality's IATI organisation identifier (org-id.guide's SE-ON list, Swedish
    organisation numbers), or "" when its number is not known."""
    number = getattr(municipality, "organisation_number", "")
    if not number or municipality.country_id != "SE":
        return ""
    return ORGANISATION_NUMBER_PREFIX + number.replace("-", "")


def _narrative(parent, text, language=None):
    element = etree.SubElement(parent, "narrative")
    if language:
        element.set(XML_LANG, language)
    element.text = text
    return element


def _organisation(parent, tag, name, **attributes):
    element = etree.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attributes.items()})
    _narrative(element, name)
    return element


def _dates(activity, project, year):
    start, end = project.start_year, project.end_year
    etree.SubElement(
        activity,
        "activity-date",
        {"type": ACTUAL_START if start <= year else PLANNED_START, "iso-date": f"{start}-01-01"},
    )
    _narrative(
        activity[-1], gettext("Start year %(year)s; the day is not recorded.") % {"year": start}
    )
    if end is not None:
        etree.SubElement(
            activity,
            "activity-date",
            {"type": ACTUAL_END if end < year else PLANNED_END, "iso-date": f"{end}-12-31"},
        )
        _narrative(
            activity[-1], gettext("End year %(year)s; the day is not recorded.") % {"year": end}
        )


def status_code(project, year):
    status = str(project.status_in(year))
    if status in STATUS_CODES:
        return STATUS_CODES[status]
    return SUSPENDED if project.paused else IMPLEMENTATION


def activity(project, url, year):
    """The `iati-activity` element of a project (`for_list()` prefetches what it reads)."""
    municipality = project.municipality
    reporting_ref = organisation_identifier(municipality)
    attributes = {XML_LANG: project.language}
    if project.changed_at is not None:
        # Optional in the standard: left out for a seeded record nobody changed, whose load is
        # no update of the activity.
        attributes["last-updated-datetime"] = project.changed_at.isoformat(timespec="seconds")
    element = etree.Element("iati-activity", attributes)
    identifier = f"{reporting_ref}-{project.slug}" if reporting_ref else project.slug
    etree.SubElement(element, "iati-identifier").text = identifier
    _organisation(
        element, "reporting-org", municipality.name, ref=reporting_ref, type=LOCAL_GOVERNMENT
    )
    _narrative(etree.SubElement(element, "title"), project.title)
    description = etree.SubElement(element, "description", type=DESCRIPTION_GENERAL)
    _narrative(description, project.summary or project.description or project.title)
    for funder in project.funders.all():
        _organisation(element, "participating-org", funder.name, role=FUNDING)
    for town in [municipality, *project.partner_municipalities.all()]:
        attributes = {"role": IMPLEMENTING, "type": LOCAL_GOVERNMENT}
        if ref := organisation_identifier(town):
            attributes["ref"] = ref
        _organisation(element, "participating-org", town.name, **attributes)
    for organisation in project.partner_organisations.all():
        attributes = {"role": IMPLEMENTING}
        if organisation.kind == Organisation.Kind.UNIVERSITY:
            attributes["type"] = ACADEMIC
        _organisation(element, "participating-org", organisation.name, **attributes)
    references = project.funder_references.all()
    for reference in references:
        if reference.number:
            other = etree.SubElement(
                element, "other-identifier", ref=reference.number, type=OTHER_ACTIVITY_IDENTIFIER
            )
            _narrative(etree.SubElement(other, "owner-org"), reference.funder.name)
    etree.SubElement(element, "activity-status", code=status_code(project, year))
    _dates(element, project, year)
    for country in project.partner_countries.all():
        etree.SubElement(element, "recipient-country", code=country.code.upper())
    for goal in project.goals.all():
        sector = etree.SubElement(
            element, "sector", vocabulary=SDG_GOAL_VOCABULARY, code=str(goal.number)
        )
        _narrative(sector, goal.name)
    if project.website:
        link = etree.SubElement(element, "document-link", url=project.website, format="text/html")
        _narrative(etree.SubElement(link, "title"), project.title)
        etree.SubElement(link, "category", code=ACTIVITY_WEB_PAGE)
    link = etree.SubElement(element, "document-link", url=url, format="text/html")
    _narrative(etree.SubElement(link, "title"), gettext("The project in the registry"))
    etree.SubElement(link, "category", code=ACTIVITY_WEB_PAGE)
    for reference in references:
        if reference.url:
            link = etree.SubElement(
                element, "document-link", url=reference.url, format="text/html"
            )
            title = gettext("The project in %(funder)s's own records")
            _narrative(etree.SubElement(link, "title"), title % {"funder": reference.funder.name})
            etree.SubElement(link, "category", code=ACTIVITY_WEB_PAGE)
    for result in project.results.all():
        link = etree.SubElement(
            element, "document-link", url=result.url, format=media_type(result.url)
        )
        _narrative(etree.SubElement(link, "title"), result.text)
        etree.SubElement(link, "category", code=RESULTS)
        etree.SubElement(link, "document-date", {"iso-date": result.date.isoformat()})
    return element


def media_type(url):
    """The media type an address's file name says (a report's ".pdf"), else a web page's:
    IATI requires one for every document link."""
    return mimetypes.guess_type(urlsplit(url).path)[0] or "text/html"


def dated(queryset):
    """The projects IATI can describe (those with a start year), with what an activity reads
    beyond `for_list()`: partner organisations, the funders' identifiers, and the results
    with a link to their output. Three queries a chunk."""
    return queryset.filter(start_year__isnull=False).prefetch_related(
        "partner_organisations",
        Prefetch("funder_references", queryset=FunderReference.objects.select_related("funder")),
        Prefetch("results", queryset=Result.objects.exclude(url="")),
    )


def pieces(queryset, build_absolute_uri, left_out):
    """The file in pieces of bytes: the header, one activity at a time, the footer."""
    year = timezone.localdate().year
    generated = timezone.now().isoformat(timespec="seconds")
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<iati-activities version="{IATI_VERSION}" generated-datetime="{generated}">\n'
    ).encode()
    if left_out:
        note = gettext(
            "%(count)d matching projects without a start year are left out: IATI requires a date."
        ) % {"count": left_out}
        yield etree.tostring(etree.Comment(f" {note} "), encoding="unicode").encode() + b"\n"
    for project in queryset.iterator(chunk_size=CHUNK_SIZE):
        url = build_absolute_uri(project.get_absolute_url())
        element = activity(project, url, year)
        yield etree.tostring(element, encoding="unicode", pretty_print=True).encode()
    yield b"</iati-activities>\n"
