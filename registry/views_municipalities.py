"""/municipalities/: every municipality by country, and one page per municipality."""

from django.shortcuts import get_object_or_404, render

from .querysets import (
    by_name,
    name_key,
    public_countries,
    public_goals,
    public_municipalities,
    published_projects,
)
from .views import filtered_list_url, project_section


def municipality_list(request):
    """Grouped by country; `?country=lv` keeps one country (an unknown code keeps all)."""
    projects = published_projects()
    countries = by_name(public_countries().filter(municipalities__isnull=False).distinct())
    chosen = request.GET.get("country", "").upper()
    municipalities = public_municipalities().with_project_counts(projects)
    municipalities = municipalities.with_partnership_counts(projects)
    if chosen in {country.code for country in countries}:
        municipalities = municipalities.filter(country=chosen)
    order = {country.code: position for position, country in enumerate(countries)}
    context = {
        "countries": countries,
        "chosen": chosen.lower(),
        "municipalities": sorted(
            municipalities, key=lambda m: (order[m.country_id], name_key(m.name))
        ),
    }
    return render(request, "registry/municipality_list.html", context)


def municipality_detail(request, slug):
    municipality = get_object_or_404(public_municipalities(), slug=slug)
    projects = published_projects()
    owned = projects.for_municipality(municipality)
    context = {
        "municipality": municipality,
        "units": municipality.organisations.all(),
        "section": project_section(owned, filtered_list_url(municipality=slug)),
        "partnerships": projects.partnerships_of(municipality).for_partnership_list(),
        "memberships": municipality.memberships.select_related("network"),
        "strategies": municipality.strategies.prefetch_related("items"),
        "contacts": municipality.contacts.filter(is_public=True).select_related(
            "organisation", "project"
        ),
        "goals": public_goals().with_project_counts(owned).filter(project_count__gt=0),
        "countries": by_name(public_countries().partners_in(owned).with_project_counts(owned)),
    }
    return render(request, "registry/municipality_detail.html", context)
