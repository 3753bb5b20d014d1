"""/countries/: the world map and table of partner countries, and one page per country."""

from django.shortcuts import get_object_or_404, redirect, render

from .querysets import by_name, public_countries, public_municipalities, published_projects
from .views import filtered_list_url, project_section


def country_list(request):
    projects = published_projects()
    countries = (
        public_countries()
        .partners_in(projects)
        .with_project_counts(projects)
        .with_partner_municipality_counts(projects)
    )
    return render(request, "registry/country_list.html", {"countries": by_name(countries)})


def country_detail(request, code):
    """A country by its lower-case ISO code; /countries/KE/ moves permanently to /countries/ke/.
    Any real country has a page, saying so honestly when no project works with it yet."""
    if code != code.lower():
        return redirect("registry:country_detail", code=code.lower(), permanent=True)
    country = get_object_or_404(public_countries(), code=code.upper())
    projects = published_projects().for_country(country)
    everything = published_projects()
    context = {
        "country": country,
        "section": project_section(projects, filtered_list_url(country=code)),
        # Municipalities in the country that take part in any published project.
        "partners": public_municipalities()
        .filter(country=country)
        .involved_in(everything)
        .with_involvement_counts(everything),
        # Municipalities (usually elsewhere) whose own projects work with the country.
        "owners": public_municipalities()
        .filter(pk__in=projects.values("municipality_id"))
        .with_project_counts(projects),
    }
    return render(request, "registry/country_detail.html", context)
