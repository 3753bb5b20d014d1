"""/sitemap.xml: an index of one sitemap per section (/sitemap-<section>.xml, with ?p=2 and on
for the further pages of a long section), which together list every public page. Only
published projects, and only the countries that have some. Without django.contrib.sites, URLs
are made absolute with the request's host.

Why an index: the sitemaps protocol allows at most 50 000 URLs in a file, and Django's
single-file view shows only the first page of each section, so a large registry would miss
projects. The projects' section is split into pages of PROJECTS_PER_PAGE, by ranges of primary
keys (`KeyRanges`): any page is one range scan, where an OFFSET read every project before it."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from networks.models import Network
from registry import change_stamp

from .. import project_index
from .queries import (
    public_countries,
    public_funders,
    public_goals,
    public_municipalities,
    published_projects,
)

# Small enough that a page renders quickly and stays under the page cache's size limit
# (middleware.CACHED_MAX_BYTES) even with long slugs, so a crawler's next visit is served
# from the cache.
PROJECTS_PER_PAGE = 2_500


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


class KeyRanges:
    """The rows of `queryset` whose primary keys are in the sorted bitmap `keys`, in key order,
    as a sequence Django's Paginator pages: its length is the bitmap's, and the slice [start:
    stop] reads the rows with keys from the start-th key up to the stop-th, by primary key.

    The first page has no lower bound and the last none above, so that every row is on exactly
    one page even if the bitmap has missed a change. A new project (a higher key) joins the last
    page and leaves the others as they were."""

    def __init__(self, queryset, keys):
        self.queryset, self.keys = queryset, keys

    def __len__(self):
        return len(self.keys)

    def __getitem__(self, key):
        start, stop, _ = key.indices(len(self.keys))
        if start >= stop:
            return []
        rows = self.queryset.order_by("pk")
        if start > 0:
            rows = rows.filter(pk__gte=self.keys[start])
        if stop < len(self.keys):
            rows = rows.filter(pk__lt=self.keys[stop])
        return list(rows)


class ProjectSitemap(Sitemap):
    changefreq = "weekly"
    limit = PROJECTS_PER_PAGE

    def items(self):
        # The project index knows the published projects' keys in order, so Django's paginator
        # counts them without a query and pages them by key; the wide text columns are never
        # needed.
        return KeyRanges(
            published_projects().only("slug", "changed_at"), project_index.current().everything
        )

    def lastmod(self, project):
        # None (no <lastmod>) for a seeded record nobody changed: its load is no change.
        return project.changed_at

    def get_latest_lastmod(self):
        """The index's date for the projects' pages. Django's default reads every project to
        find the newest change; and since a deletion or an unpublished project moves later
        projects to other pages without changing any of their dates, the last change to any
        public data (the change stamp, one query by primary key) is the honest date."""
        return change_stamp.last_changed_at()

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        # The view sends this as Last-Modified. The newest project on the page (Django's
        # choice) would answer a crawler's If-Modified-Since with 304 after a deletion had
        # shifted projects between pages.
        self.latest_lastmod = self.get_latest_lastmod()
        return urls


class ReferenceSitemap(Sitemap):
    """Goals, countries, municipalities, funders and networks: each object's own page."""

    changefreq = "weekly"

    def __init__(self, items):
        self._items = items

    def items(self):
        return self._items()


def countries_with_projects():
    # The project index already knows which countries have published projects, so the
    # database need not join every project's links to find them.
    codes = list(project_index.current().country)
    return public_countries().filter(pk__in=codes).order_by("code")


SITEMAPS = {
    "pages": ListPagesSitemap,
    "projects": ProjectSitemap,
    "goals": ReferenceSitemap(lambda: public_goals().order_by("number")),
    "countries": ReferenceSitemap(countries_with_projects),
    "municipalities": ReferenceSitemap(lambda: public_municipalities().order_by("slug")),
    "funders": ReferenceSitemap(lambda: public_funders().order_by("slug")),
    "networks": ReferenceSitemap(lambda: Network.objects.order_by("slug")),
}
