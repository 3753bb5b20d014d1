"""The home page, the goal pages and the accessibility statement.

Countries, municipalities and funders have their own modules (views_countries.py,
views_municipalities.py, views_funders.py); the helpers here are shared by all of them.
"""

from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from .querysets import (
    by_name,
    headline_numbers,
    public_countries,
    public_goals,
    public_municipalities,
    published_projects,
)

# A detail page lists this many projects and links to the filtered list for the rest.
PROJECTS_SHOWN = 25
RECENTLY_UPDATED = 5
# When the accessibility statement was written and last reviewed: update it with the text.
STATEMENT_DATE = date(2026, 11, 21)


def filtered_list_url(**params):
    """/projects/ filtered by `params`, e.g. filtered_list_url(goal=4)."""
    return f"{reverse('projects:list')}?{urlencode(params)}"


def project_section(projects, all_url):
    """The first PROJECTS_SHOWN of `projects`, their total and the URL listing them all."""
    shown = list(projects.for_list()[:PROJECTS_SHOWN])
    total = len(shown) if len(shown) < PROJECTS_SHOWN else projects.count()
    return {"projects": shown, "total": total, "all_url": all_url}


def home(request):
    projects = published_projects()
    context = {
        "goals": public_goals().with_project_counts(projects),
        "countries": public_countries().partners_in(projects).with_project_counts(projects),
        "numbers": headline_numbers(),
        "recent": projects.recently_updated().for_list()[:RECENTLY_UPDATED],
    }
    return render(request, "home.html", context)


def goal_list(request):
    goals = public_goals().with_project_counts(published_projects())
    return render(request, "registry/goal_list.html", {"goals": goals})


def goal_detail(request, number):
    goal = get_object_or_404(public_goals(), number=number)
    if request.path != goal.get_absolute_url():
        # /goals/04/ is /goals/4/: one address per page.
        return redirect(goal, permanent=True)
    projects = published_projects().for_goal(goal)
    countries = public_countries().partners_in(projects).with_project_counts(projects)
    municipalities = public_municipalities().involved_in(projects).with_involvement_counts(projects)
    context = {
        "goal": goal,
        "section": project_section(projects, filtered_list_url(goal=goal.number)),
        "countries": sorted(by_name(countries), key=lambda country: -country.project_count),
        "municipalities": municipalities.order_by("-involvement_count", "name"),
    }
    return render(request, "registry/goal_detail.html", context)


def accessibility(request):
    """The statement the accessibility law (lag (2018:1937)) asks of a public site."""
    context = {
        "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
        "statement_date": STATEMENT_DATE,
    }
    return render(request, "accessibility.html", context)
