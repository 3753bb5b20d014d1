from django.contrib.sitemaps import views as sitemaps
from django.urls import path, register_converter

from . import views, views_countries, views_funders, views_municipalities
from .feeds import NewestProjectsFeed
from .sitemaps import SITEMAPS

app_name = "registry"


class CountryCodeConverter:
    """Two letters in either case; the view redirects upper case to lower case."""

    regex = "[A-Za-z]{2}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(CountryCodeConverter, "iso2")

urlpatterns = [
    path("", views.home, name="home"),
    path("goals/", views.goal_list, name="goal_list"),
    path("goals/<int:number>/", views.goal_detail, name="goal_detail"),
    path("countries/", views_countries.country_list, name="country_list"),
    path("countries/<iso2:code>/", views_countries.country_detail, name="country_detail"),
    path("municipalities/", views_municipalities.municipality_list, name="municipality_list"),
    path(
        "municipalities/<slug:slug>/",
        views_municipalities.municipality_detail,
        name="municipality_detail",
    ),
    path("funders/", views_funders.funder_list, name="funder_list"),
    path("funders/<slug:slug>/", views_funders.funder_detail, name="funder_detail"),
    path("accessibility/", views.accessibility, name="accessibility"),
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
