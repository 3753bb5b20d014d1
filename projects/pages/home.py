"""/: the goals and partner countries with their projects, the headline numbers and the
recently updated projects."""

from django.shortcuts import render

from .. import project_index
from ..project_index import project_counts
from .counts import counted, headline_numbers, with_counts
from .queries import public_countries, public_goals, published_projects

RECENTLY_UPDATED = 5


def home(request):
    index = project_index.current()
    context = {
        "goals": with_counts(public_goals(), project_counts(index.goal)),
        "countries": counted(public_countries(), project_counts(index.country)),
        "numbers": headline_numbers(index),
        "recent": published_projects().recently_updated().for_rows()[:RECENTLY_UPDATED],
    }
    return render(request, "home.html", context)
