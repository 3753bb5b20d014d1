"""/goals/: the 17 sustainable development goals with their projects, and one page per goal."""

from django.shortcuts import get_object_or_404, redirect, render

from .. import project_index
from ..project_index import project_counts
from .counts import NONE, basis_counts, counted, involvement_counts, with_counts
from .queries import (
    by_name,
    filtered_list_url,
    project_section,
    public_countries,
    public_goals,
    public_municipalities,
)


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
        "basis": basis_counts(index, projects, "stated_goal", goal.number, goal.number),
        "countries": sorted(by_name(countries), key=lambda country: -country.project_count),
        # Most involved first, then by name in the database's order (a stable sort).
        "municipalities": sorted(municipalities, key=lambda m: -m.involvement_count),
    }
    return render(request, "registry/goal_detail.html", context)
