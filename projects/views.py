from django.core.paginator import InvalidPage, Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from networks.models import Network
from registry.text import name_key, named

from . import project_index
from .facets import active_filters, filter_groups
from .filters import ProjectFilter
from .models import FunderReference, Grant, Project
from .pages.queries import filtered_list_url, public_funders
from .record import totals

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
        "named": _named(filterset.form.cleaned_data.get("q")) if valid else [],
    }
    return render(request, "projects/project_list.html", context, status=200 if valid else 400)


def _named(text):
    """The networks and funders a search names, by any of their names (registry.text.named):
    a search for "Nordic Cities Network" finds the Nordic City Network, whose projects are
    those linked to it, not those whose texts contain the words."""
    if not text:
        return []
    networks = named(Network.objects.all(), text)
    funders = named(public_funders().all(), text)
    return [
        {"record": record, "name": name, "projects_url": filtered_list_url(**{kind: record.slug})}
        for kind, matches in (("network", networks), ("funder", funders))
        for record, name in matches
    ]


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
    prefetch_related_objects([project], *RECORD_PREFETCHES)
    return {
        "project": project,
        "funding": funding(project),
        "contacts": [contact for contact in project.contacts.all() if contact.is_public],
        # The contact form (projects/contact.py) relays to the public contacts with an address.
        "writable": any(
            contact.is_public and contact.email for contact in project.contacts.all()
        ),
        "networks": Network.objects.filter(memberships__municipality=project.municipality_id),
    }


# What the project page shows of its record beyond the project's own row (projects/record.py),
# one query each.
RECORD_PREFETCHES = [
    Prefetch("grants", queryset=Grant.objects.select_related("funder")),
    Prefetch("funder_references", queryset=FunderReference.objects.select_related("funder")),
    "results",
    "pictures",
]


def funding(project):
    """The project's money and funders' identifiers, per funder in the funders' name order,
    with one total per kind and currency (None when there is no money to add up)."""
    by_funder = {}
    for reference in project.funder_references.all():
        by_funder.setdefault(reference.funder, ([], []))[0].append(reference)
    for grant in project.grants.all():
        by_funder.setdefault(grant.funder, ([], []))[1].append(grant)
    grants = list(project.grants.all())
    return {
        "funders": [
            {"funder": funder, "references": references, "grants": money}
            for funder, (references, money) in sorted(
                by_funder.items(), key=lambda item: (name_key(item[0].name), item[0].pk)
            )
        ],
        "totals": totals(grants) if len(grants) > 1 else None,
    }
