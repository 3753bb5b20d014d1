"""oEmbed (https://oembed.com) for project pages: a "rich" answer whose HTML is the project's
embed card in an iframe, found through the <link> each project page carries."""

from urllib.parse import urlsplit

from django.urls import Resolver404, resolve, reverse
from django.utils.html import escape

from ..embeds.sizes import project_card_height
from ..models import Project

DEFAULT_WIDTH = 480
MAX_SIZE = 2000


def project_of(url):
    """The published project whose page `url` is (any host: the address may be written with
    another of the site's names), or None."""
    path = urlsplit(url).path
    try:
        match = resolve(path)
    except (Resolver404, ValueError):
        return None
    if match.view_name != "projects:detail":
        return None
    return Project.objects.published().filter(slug=match.kwargs["slug"]).first()


def _size(value, default):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return min(max(number, 100), MAX_SIZE)


def answer(request, project, params):
    width = min(_size(params.get("maxwidth"), DEFAULT_WIDTH), DEFAULT_WIDTH)
    # The card's own height, lower only where the consumer asks for less (oEmbed's maxheight).
    needed = project_card_height(project)
    height = min(_size(params.get("maxheight"), needed), needed)
    if params.get("maxwidth"):
        width = _size(params.get("maxwidth"), DEFAULT_WIDTH)
    src = request.build_absolute_uri(reverse("embeds:project", args=[project.slug]))
    html = (
        f'<iframe src="{escape(src)}" title="{escape(project.title)}" width="{width}" '
        f'height="{height}" loading="lazy" style="border:0"></iframe>'
    )
    return {
        "version": "1.0",
        "type": "rich",
        "title": project.title,
        "provider_name": "Registry of municipal international projects",
        "provider_url": request.build_absolute_uri(reverse("registry:home")),
        "width": width,
        "height": height,
        "html": html,
    }
