"""/sitemap.xml: every public page. Only published projects, and only the countries that have
some. Without django.contrib.sites, URLs are made absolute with the request's host."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from networks.models import Network

from .querysets import (
    public_countries,
    public_funders,
    public_goals,
    public_municipalities,
    published_projects,
)


class ListPagesSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return [
            "registry:home",
            "projects:list",
            "registry:goal_list",
            "registry:country_list",
            "registry:municipality_list",
            "registry:funder_list",
            "networks:list",
            "registry:accessibility",
        ]

    def location(self, item):
        return reverse(item)


class ProjectSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return published_projects().order_by("slug")

    def lastmod(self, project):
        return project.updated_at


class ReferenceSitemap(Sitemap):
    """Goals, countries, municipalities, funders and networks: each object's own page."""

    changefreq = "weekly"

    def __init__(self, items):
        self._items = items

    def items(self):
        return self._items()


SITEMAPS = {
    "pages": ListPagesSitemap,
    "projects": ProjectSitemap,
    "goals": ReferenceSitemap(lambda: public_goals().order_by("number")),
    "countries": ReferenceSitemap(
        lambda: public_countries().partners_in(published_projects()).order_by("code")
    ),
    "municipalities": ReferenceSitemap(lambda: public_municipalities().order_by("slug")),
    "funders": ReferenceSitemap(lambda: public_funders().order_by("slug")),
    "networks": ReferenceSitemap(lambda: Network.objects.order_by("slug")),
}
