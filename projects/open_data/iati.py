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
- recipient countries: the partner countries; sectors: the Agenda 2030 goals in vocabulary 7.

IATI requires at least one date per activity, so a project without a start year is left out
(the file says how many, in a comment); and at least one activity per file, so a list without
any answers 404.
"""

from django.utils import timezone
from django.utils.translation import gettext
from lxml import etree

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
ACTIVITY_WEB_PAGE = "A12"
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
    element = etree.Element(
        "iati-activity",
        {
            "last-updated-datetime": project.updated_at.isoformat(timespec="seconds"),
            XML_LANG: project.language,
        },
    )
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
    return element


def dated(queryset):
    """The projects IATI can describe: those with a start year."""
    return queryset.filter(start_year__isnull=False)


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
