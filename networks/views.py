"""/networks/: the city networks and regional cooperations, and one page per network."""

from django.shortcuts import get_object_or_404, render

from registry.querysets import published_projects
from registry.views import filtered_list_url, project_section

from .models import Network


def network_list(request):
    networks = Network.objects.for_list().with_project_counts(published_projects())
    return render(request, "networks/network_list.html", {"networks": networks})


def network_detail(request, slug):
    network = get_object_or_404(Network.objects.for_detail(), slug=slug)
    projects = published_projects().for_network(network)
    context = {
        "network": network,
        "section": project_section(projects, filtered_list_url(network=slug)),
    }
    return render(request, "networks/network_detail.html", context)
