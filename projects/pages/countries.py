"""/countries/: the world map and table of partner countries, and one page per country."""

from urllib.parse import urlencode

from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from .. import project_index
from ..project_index import project_counts, union
from .counts import NONE, counted, with_counts
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
    in_country = public_municipalities().filter(country=country)
    # The projects of the country's own municipalities (Daugavpils' in Latvia), which need
    # not name their own country as a partner country.
    homes = list(in_country.values_list("pk", "slug"))
    home = union(index.municipality.get(pk) for pk, _slug in homes)
    home_url = reverse("projects:list") + "?" + urlencode([("municipality", s) for _, s in homes])
    # Municipalities in the country that are partners in a published project, and in how
    # many: a project they own is counted above, not here.
    partner_counts = project_counts(index.partner)
    # Municipalities (usually elsewhere) whose own projects work with the country.
    owned = project_counts(index.municipality, within=projects)
    context = {
        "country": country,
        "section": project_section(index, projects, filtered_list_url(country=code)),
        "home_section": project_section(index, home, home_url),
        "partners": counted(in_country, partner_counts, "involvement_count"),
        "owners": counted(public_municipalities(), owned),
    }
    return render(request, "registry/country_detail.html", context)
