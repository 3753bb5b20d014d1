from datetime import timedelta

from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from networks.models import Network
from registry.models import SeedRecord

from . import project_index
from .facets import active_filters, filter_groups
from .filters import ProjectFilter
from .models import Project

PAGE_SIZE = 25


def project_list(request):
    """/projects/: the filterable list. A bad filter value answers 400 with the form and its
    error beside the field; a page number that is not a page answers 404."""
    filterset = ProjectFilter(request.GET, queryset=Project.objects.published())
    valid = filterset.is_valid()
    index = project_index.current()
    groups = filter_groups(filterset, index)
    context = {
        "filter": filterset,
        "groups": groups,
        "chips": active_filters(filterset, groups),
        "page_obj": _get_page(request, filterset, index) if valid else None,
    }
    return render(request, "projects/project_list.html", context, status=200 if valid else 400)


class CountedPaginator(Paginator):
    """A Paginator told how many objects there are (the project index knows), so that it
    need not count them in the database."""

    def __init__(self, object_list, per_page, count):
        super().__init__(object_list, per_page)
        self.count = count


def _get_page(request, filterset, index):
    paginator = CountedPaginator(
        filterset.projects(index), PAGE_SIZE, count=len(filterset.matching(index))
    )
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage as error:
        raise Http404(str(error)) from error


def project_detail(request, slug):
    """/projects/<slug>/: everything about one published project; drafts are 404."""
    project = get_object_or_404(Project.objects.published().for_detail(), slug=slug)
    return render(request, "projects/project_detail.html", detail_context(project))


def detail_context(project):
    """What the project page shows of `project` (the admin's draft preview shows the same)."""
    return {
        "project": project,
        "changed_since_loaded": changed_since_loaded(project),
        "contacts": [contact for contact in project.contacts.all() if contact.is_public],
        "networks": Network.objects.filter(memberships__municipality=project.municipality_id),
    }


def changed_since_loaded(project):
    """Whether the record changed after it was created, unless the seed data created it: a
    seeded record's "last updated" would be the day the data was loaded, not a change."""
    if project.updated_at - project.created_at > SAME_SAVE:
        return True
    return not SeedRecord.holds(project)


# A record's creation sets both its times, microseconds apart.
SAME_SAVE = timedelta(seconds=1)
