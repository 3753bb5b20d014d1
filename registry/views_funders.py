"""/funders/: who finances the projects, and one page per funder."""

from django.shortcuts import get_object_or_404, render

from .querysets import public_funders, published_projects, total_project_counts
from .views import filtered_list_url, project_section


def funder_list(request):
    funders = list(public_funders().for_list())
    totals = total_project_counts(funders, published_projects())
    for funder in funders:
        funder.project_count = totals[funder.pk]
    return render(request, "registry/funder_list.html", {"funders": funders})


def funder_detail(request, slug):
    """A funder's projects include those of the funders it finances (Sida's lists ICLD's)."""
    funder = get_object_or_404(public_funders().select_related("parent"), slug=slug)
    tree = public_funders().filter(pk=funder.pk).with_descendants()
    projects = published_projects().for_funders(tree)
    context = {
        "funder": funder,
        "children": funder.children.all(),
        "section": project_section(projects, filtered_list_url(funder=slug)),
    }
    return render(request, "registry/funder_detail.html", context)
