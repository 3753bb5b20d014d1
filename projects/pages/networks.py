"""/networks/: the city networks and regional cooperations, and one page per network.

A network's projects are those its member municipalities own: the project index has a bitmap
of them per network."""

from django.shortcuts import get_object_or_404, render

from networks.models import Network

from .. import project_index
from ..project_index import project_counts
from .counts import NONE, with_counts
from .queries import filtered_list_url, project_section


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
