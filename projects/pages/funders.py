"""/funders/: who finances the projects, and one page per funder.

A funder's projects include those of the funders it finances (Sida's include ICLD's): the
project index's funder bitmaps hold them already."""

from django.shortcuts import get_object_or_404, render

from .. import project_index
from ..project_index import project_counts
from ..record import Grant
from .counts import NONE, basis_counts, with_counts
from .queries import filtered_list_url, project_section, public_funders


def funder_list(request):
    counts = project_counts(project_index.current().funder)
    funders = with_counts(public_funders().for_list(), counts)
    return render(request, "registry/funder_list.html", {"funders": funders})


def funder_detail(request, slug):
    funder = get_object_or_404(public_funders().select_related("parent"), slug=slug)
    index = project_index.current()
    projects = index.funder.get(funder.pk, NONE)
    context = {
        "funder": funder,
        "children": funder.children.all(),
        "section": project_section(index, projects, filtered_list_url(funder=slug)),
        "basis": basis_counts(index, projects, "stated_funder", funder.pk, slug),
        # Money recorded from this funder itself, not from the funders it finances: their
        # grants may be this funder's money passed on, and would count twice.
        "money": Grant.objects.published().filter(funder=funder).totals_by_year(),
    }
    return render(request, "registry/funder_detail.html", context)
