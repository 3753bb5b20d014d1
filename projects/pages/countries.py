"""/countries/: the world map and table of partner countries, and one page per country."""

from django.shortcuts import get_object_or_404, redirect, render

from .. import project_index
from ..project_index import project_counts
from .counts import NONE, counted, involvement_counts, with_counts
from .queries import (
    by_name,
    filtered_list_url,
    project_section,
    public_countries,
    public_municipalities,
)


def country_list(request):
    index = project_index.current()
    counts = project_counts(index.country)
    countries = public_countries().filter(pk__in=list(counts))
    countries = countries.with_partner_municipality_counts(index.partner.keys())
    countries = by_name(with_counts(countries, counts))
    context = {"countries": countries, "homes": home_countries()}
    return render(request, "registry/country_list.html", context)


def home_countries():
    """The ISO codes of the countries the registry's municipalities are in (the map outlines
    them)."""
    return set(public_municipalities().values_list("country", flat=True).distinct())


def country_detail(request, code):
    """A country by its lower-case ISO code; /countries/KE/ moves permanently to /countries/ke/.
    Any real country has a page, saying so honestly when no project works with it yet."""
    if code != code.lower():
        return redirect("registry:country_detail", code=code.lower(), permanent=True)
    country = get_object_or_404(public_countries(), code=code.upper())
    index = project_index.current()
    projects = index.country.get(country.code, NONE)
    # Municipalities in the country that take part in any published project, and how many.
    involvement = involvement_counts(index)
    in_country = public_municipalities().filter(country=country)
    # Municipalities (usually elsewhere) whose own projects work with the country.
    owned = project_counts(index.municipality, within=projects)
    context = {
        "country": country,
        "section": project_section(index, projects, filtered_list_url(country=code)),
        "partners": counted(in_country, involvement, "involvement_count"),
        "owners": counted(public_municipalities(), owned),
    }
    return render(request, "registry/country_detail.html", context)
