"""The addresses of the public pages that show projects.

They keep the URL namespaces they had when they lived in the registry and networks apps
(`registry:home`, `registry:goal_detail`, `networks:list`…), so every `{% url %}` and
`reverse()` stays as it was. The accessibility statement shows no projects and stays a
registry view, but it is named in the same `registry` namespace, which only one URL module
can define.
"""

from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path, register_converter

from registry import views as registry_views

from .. import contact
from . import countries, funders, goals, home, municipalities, networks
from .feeds import NewestProjectsFeed
from .sitemaps import SITEMAPS


class CountryCodeConverter:
    """Two letters in either case; the view redirects upper case to lower case."""

    regex = "[A-Za-z]{2}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(CountryCodeConverter, "iso2")

network_patterns = [
    path("", networks.network_list, name="list"),
    path("<slug:slug>/", networks.network_detail, name="detail"),
]

reference_patterns = [
    path("", home.home, name="home"),
    path("goals/", goals.goal_list, name="goal_list"),
    path("goals/<int:number>/", goals.goal_detail, name="goal_detail"),
    path("countries/", countries.country_list, name="country_list"),
    path("countries/<iso2:code>/", countries.country_detail, name="country_detail"),
    path("municipalities/", municipalities.municipality_list, name="municipality_list"),
    path(
        "municipalities/<slug:slug>/",
        municipalities.municipality_detail,
        name="municipality_detail",
    ),
    path(
        "municipalities/<slug:slug>/contact/",
        contact.municipality_contact,
        name="municipality_contact",
    ),
    path("funders/", funders.funder_list, name="funder_list"),
    path("funders/<slug:slug>/", funders.funder_detail, name="funder_detail"),
    path("accessibility/", registry_views.accessibility, name="accessibility"),
    path(
        "accessibility/report/",
        registry_views.accessibility_report,
        name="accessibility_report",
    ),
    path("feed/", NewestProjectsFeed(), name="feed"),
    path(
        "sitemap.xml",
        sitemaps.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "registry:sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<slug:section>.xml",
        sitemaps.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
]

urlpatterns = [
    path("networks/", include((network_patterns, "networks"))),
    path("", include((reference_patterns, "registry"))),
]
