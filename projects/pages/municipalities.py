"""/municipalities/: every municipality by country, and one page per municipality."""

from django.shortcuts import get_object_or_404, render

from registry.text import name_key

from .. import project_index
from ..models import DEFAULT_SORT, SORT_ORDERS, Project
from ..project_index import project_counts
from ..record import Grant
from .counts import NONE, counted, with_counts
from .queries import (
    PROJECTS_SHOWN,
    by_name,
    filtered_list_url,
    project_section,
    public_countries,
    public_goals,
    public_municipalities,
    published_projects,
)

# A municipality's page names this many of its partnerships and links to the list for the rest.
PARTNERSHIPS_SHOWN = PROJECTS_SHOWN


def municipality_list(request):
    """Grouped by country; `?country=lv` keeps one country. A code of no country listed
    answers 400 with the page, every country shown and the filter saying why."""
    index = project_index.current()
    countries = by_name(public_countries().filter(municipalities__isnull=False).distinct())
    chosen = request.GET.get("country", "").strip().upper()
    municipalities = public_municipalities()
    unknown = bool(chosen) and chosen not in {country.code for country in countries}
    if chosen and not unknown:
        municipalities = municipalities.filter(country=chosen)
    municipalities = with_counts(municipalities, project_counts(index.municipality))
    # The projects it is a partner in, beside those it owns: no project in both columns (a
    # municipal partnership it owns is one of its own projects).
    partner_in = {
        pk: len(projects - index.municipality.get(pk, NONE))
        for pk, projects in index.partner.items()
    }
    municipalities = with_counts(municipalities, partner_in, "partner_count")
    order = {country.code: position for position, country in enumerate(countries)}
    context = {
        "countries": countries,
        "chosen": "" if unknown else chosen.lower(),
        "unknown_country": request.GET.get("country", "") if unknown else "",
        "municipalities": sorted(
            municipalities, key=lambda m: (order[m.country_id], name_key(m.name))
        ),
    }
    return render(
        request, "registry/municipality_list.html", context, status=400 if unknown else 200
    )


def municipality_detail(request, slug):
    municipality = get_object_or_404(public_municipalities(), slug=slug)
    index = project_index.current()
    owned = index.municipality.get(municipality.pk, NONE)
    contacts = list(
        municipality.contacts.filter(is_public=True).select_related("organisation", "project")
    )
    context = {
        "municipality": municipality,
        "units": municipality.organisations.all(),
        "section": project_section(index, owned, filtered_list_url(municipality=slug)),
        "partnerships": partnership_section(index, municipality, owned),
        "memberships": municipality.memberships.select_related("network").prefetch_related(
            "translations"
        ),
        "strategies": municipality.strategies.prefetch_related(
            "items__translations", "citations__source"
        ),
        "contacts": contacts,
        # The contact form (projects/contact.py) relays to its own public contacts' addresses.
        "writable": any(contact.email and contact.project_id is None for contact in contacts),
        "goals": counted(public_goals(), project_counts(index.goal, within=owned)),
        "countries": by_name(counted(public_countries(), project_counts(index.country, owned))),
        "money": Grant.objects.published()
        .filter(project__municipality=municipality)
        .totals_by_year(),
    }
    return render(request, "registry/municipality_detail.html", context)


def partnership_section(index, municipality, owned):
    """Its partnerships (the projects it is a partner in and the municipal partnerships it
    owns, `owned` being the bitmap of everything it owns): the first PARTNERSHIPS_SHOWN in the
    list's default order, with their other municipalities, the total, and each kind's count
    with the project list filtered to it. The index picks the rows, so a municipality with
    thousands of partnerships reads as few as one with three."""
    partner_in = index.partner.get(municipality.pk, NONE)
    partnership = Project.Type.MUNICIPAL_PARTNERSHIP
    own = owned & index.type.get(partnership, NONE)
    partnerships = partner_in | own
    ids = index.first_ids(partnerships, PARTNERSHIPS_SHOWN)
    shown = published_projects().filter(pk__in=ids).for_partnership_list()
    slug = municipality.slug
    return {
        "projects": list(shown.order_by(*SORT_ORDERS[DEFAULT_SORT])),
        "total": len(partnerships),
        "partner": {"total": len(partner_in), "url": filtered_list_url(partner=slug)},
        "owned": {
            "total": len(own),
            "url": filtered_list_url(municipality=slug, type=partnership.value),
        },
    }
