"""The embeds (/embed/…) and the embed builder (/embed-builder/)."""

from urllib.parse import urlencode

from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from .. import project_index
from ..filters import ProjectFilter
from ..models import Project
from ..pages.countries import home_countries
from ..pages.counts import with_counts
from ..pages.queries import by_name, public_countries
from ..project_index import project_counts
from ..views import CountedPaginator
from .forms import EmbedForm, applied_filters
from .framing import embed

# An embedded list shows this many projects and links to the registry for the rest.
LIST_SIZE = 10


def _filter_query(request):
    """The request's list parameters (its filters and their order), without `lang`."""
    query = request.GET.copy()
    query.pop("lang", None)
    query.pop("view", None)
    return query.urlencode()


@embed
def project_list(request):
    """/embed/projects/?<the list's parameters>: the first LIST_SIZE projects of that list
    and a link to all of them in the registry; a bad filter value answers 400."""
    filterset = ProjectFilter(request.GET, queryset=Project.objects.published())
    valid = filterset.is_valid()
    context = {"filter": filterset, "filters": applied_filters(filterset) if valid else []}
    if valid:
        index = project_index.current()
        matching = len(filterset.matching(index))
        paginator = CountedPaginator(filterset.projects(index), LIST_SIZE, count=matching)
        context["page_obj"] = paginator.page(1)
    context["source_url"] = f"{reverse('projects:list')}?{_filter_query(request)}".rstrip("?")
    return render(request, "embeds/project_list.html", context, status=200 if valid else 400)


@embed
def project_card(request, slug):
    """/embed/projects/<slug>/: one published project as a card, with its first picture as
    its page shows it."""
    project = get_object_or_404(Project.objects.published().for_detail(), slug=slug)
    context = {
        "project": project,
        "picture": project.pictures.first(),
        "source_url": project.get_absolute_url(),
    }
    return render(request, "embeds/project_card.html", context)


@embed
def country_map(request):
    """/embed/map/?<the list's parameters>: the partner countries of those projects on the
    map of Europe (`view=world`: the whole world), each linking to the list of its projects."""
    filterset = ProjectFilter(request.GET, queryset=Project.objects.published())
    if not filterset.is_valid():
        context = {"filter": filterset, "source_url": reverse("registry:country_list")}
        return render(request, "embeds/map.html", context, status=400)
    index = project_index.current()
    counts = project_counts(index.country, within=filterset.matching(index))
    countries = by_name(with_counts(public_countries().filter(pk__in=list(counts)), counts))
    query = _filter_query(request)

    def link(country):
        return list_url(query, country=country.code.lower())

    for country in countries:
        country.list_url = link(country)
    context = {
        "countries": countries,
        "filters": applied_filters(filterset),
        "homes": home_countries(),
        "view": "world" if request.GET.get("view") == "world" else "europe",
        "link": link,
        "source_url": reverse("registry:country_list"),
    }
    return render(request, "embeds/map.html", context)


def list_url(query, **extra):
    """/projects/ with the embed's filters and `extra` added."""
    parts = [part for part in [query, urlencode(extra)] if part]
    return f"{reverse('projects:list')}?{'&'.join(parts)}"


def builder(request):
    """/embed-builder/: choose what to show, see it, copy the snippet. A GET form, so that it
    works without JavaScript: each choice is a new page with its preview and its snippet. A bad
    choice answers 400 with the form and its errors, as the list does."""
    form = EmbedForm(request.GET or None)
    context = {"form": form}
    valid = form.is_valid()
    if valid:
        context["embed"] = form.embed(request)
    status = 400 if form.is_bound and not valid else 200
    return render(request, "projects/embed_builder.html", context, status=status)
