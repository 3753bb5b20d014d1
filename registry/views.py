"""The home page, the goal pages and the accessibility statement.

Countries, municipalities and funders have their own modules (views_countries.py,
views_municipalities.py, views_funders.py); the helpers here are shared by all of them.

Every count of published projects comes from the project index (projects/project_index.py,
read once per request); see registry/querysets.py.
"""

from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from projects import project_index
from projects.project_index import project_counts

from .querysets import (
    NONE,
    by_name,
    counted,
    headline_numbers,
    involvement_counts,
    public_countries,
    public_goals,
    public_municipalities,
    published_projects,
    with_counts,
)

# A detail page lists this many projects and links to the filtered list for the rest.
PROJECTS_SHOWN = 25
RECENTLY_UPDATED = 5
# When the accessibility statement was written and last reviewed: update it with the text.
STATEMENT_DATE = date(2026, 11, 21)


def filtered_list_url(**params):
    """/projects/ filtered by `params`, e.g. filtered_list_url(goal=4)."""
    return f"{reverse('projects:list')}?{urlencode(params)}"


def project_section(index, positions, all_url):
    """The first PROJECTS_SHOWN of the published projects at `positions` (a bitmap of
    `index`), their total and the URL listing them all."""
    shown = published_projects().for_list().first_of(index, positions, PROJECTS_SHOWN)
    return {"projects": list(shown), "total": len(positions), "all_url": all_url}


def home(request):
    index = project_index.current()
    context = {
        "goals": with_counts(public_goals(), project_counts(index.goal)),
        "countries": counted(public_countries(), project_counts(index.country)),
        "numbers": headline_numbers(index),
        "recent": published_projects().recently_updated().for_list()[:RECENTLY_UPDATED],
    }
    return render(request, "home.html", context)


def goal_list(request):
    goals = with_counts(public_goals(), project_counts(project_index.current().goal))
    return render(request, "registry/goal_list.html", {"goals": goals})


def goal_detail(request, number):
    goal = get_object_or_404(public_goals(), number=number)
    if request.path != goal.get_absolute_url():
        # /goals/04/ is /goals/4/: one address per page.
        return redirect(goal, permanent=True)
    index = project_index.current()
    projects = index.goal.get(goal.number, NONE)
    involvement = involvement_counts(index, within=projects)
    municipalities = counted(public_municipalities(), involvement, "involvement_count")
    countries = counted(public_countries(), project_counts(index.country, within=projects))
    context = {
        "goal": goal,
        "section": project_section(index, projects, filtered_list_url(goal=goal.number)),
        "countries": sorted(by_name(countries), key=lambda country: -country.project_count),
        # Most involved first, then by name in the database's order (a stable sort).
        "municipalities": sorted(municipalities, key=lambda m: -m.involvement_count),
    }
    return render(request, "registry/goal_detail.html", context)


def accessibility(request):
    """The statement the accessibility law (lag (2018:1937)) asks of a public site."""
    context = {
        "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
        "statement_date": STATEMENT_DATE,
    }
    return render(request, "accessibility.html", context)
