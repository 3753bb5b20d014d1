"""/networks/: the city networks and regional cooperations, and one page per network.

A network's projects are those its member municipalities own: the project index has a bitmap
of them per network (see registry/querysets.py)."""

from django.shortcuts import get_object_or_404, render

from projects import project_index
from projects.project_index import project_counts
from registry.querysets import NONE, with_counts
from registry.views import filtered_list_url, project_section

from .models import Network


def network_list(request):
    counts = project_counts(project_index.current().network)
    networks = with_counts(Network.objects.for_list(), counts)
    return render(request, "networks/network_list.html", {"networks": networks})


def network_detail(request, slug):
    network = get_object_or_404(Network.objects.for_detail(), slug=slug)
    index = project_index.current()
    projects = index.network.get(network.pk, NONE)
    context = {
        "network": network,
        "section": project_section(index, projects, filtered_list_url(network=slug)),
    }
    return render(request, "networks/network_detail.html", context)
