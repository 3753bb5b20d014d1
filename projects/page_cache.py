"""What the page cache must know about the projects (registry/change_stamp.py,
docs/caching.md).

Rows: an edit of a project moves the projects' tag and the project's own
("projects.project:<slug>"); an edit of an event or a contact moves its project's too, since
the project's page shows them. Pages: a project's page depends on its own tag and on the
reference data it names, so saving another project leaves it cached; every page that shows
several projects (the list, home, goals, countries, municipalities, funders, networks, the
sitemap, the feed) depends on every change. Each declares the query parameters it reads.
"""

from networks.models import Membership, Network
from registry.change_stamp import model_tag, not_shown, page, row_tag, shown, varies_with
from registry.models import Country, Funder, Goal, Municipality, Organisation

from .filters import ProjectFilter
from .models import Contact, Event, Project, Strategy, StrategyItem, current_year


def project_page(slug):
    """The tag of the project at /projects/<slug>/."""
    return row_tag(Project, slug)


def page_of_its_project(row):
    if row.project_id is None:
        return []
    slugs = Project._base_manager.filter(pk=row.project_id).values_list("slug", flat=True)
    return [project_page(slug) for slug in slugs]


shown(Project, lambda project: [project_page(project.slug)])
shown(Event, page_of_its_project)
shown(Contact, page_of_its_project)
shown(Strategy)
shown(StrategyItem)
# The project index's own bookkeeping (projects/project_index.py).
not_shown("projects.IndexLog", "projects.IndexChange", "projects.IndexSnapshot")
# Export jobs (projects/export_jobs.py) are each one visitor's, never shown on a public page.
not_shown("projects.ExportJob")

# Statuses (planned, ongoing, completed) follow the year.
varies_with(current_year)

# What a project's page names besides the project, its events and contacts: its
# municipality and partner municipalities, units, partner countries, funders (with the
# funders financing them), goals, and the networks its municipality belongs to.
NAMED_BY_A_PROJECT_PAGE = [Municipality, Organisation, Country, Funder, Goal, Network, Membership]

page(
    "projects:detail",
    tags=lambda slug, **kwargs: [project_page(slug), *map(model_tag, NAMED_BY_A_PROJECT_PAGE)],
    query=[],
)
page("projects:list", query=[*ProjectFilter.base_filters, "page"])
page("registry:municipality_list", query=["country"])
# A job's page and file change as it runs: never stored (they answer no-store); the page reads
# only `updates` (off: it stops refreshing itself).
page("projects:export_job", tags=[], query=["updates"])
page("projects:export_download", tags=[], query=[])
page("registry:sitemap_section", query=["p"])
for name in [
    "registry:home",
    "registry:goal_list",
    "registry:goal_detail",
    "registry:country_list",
    "registry:country_detail",
    "registry:municipality_detail",
    "registry:funder_list",
    "registry:funder_detail",
    "networks:list",
    "networks:detail",
    "registry:feed",
    "registry:sitemap",
]:
    page(name, query=[])

# Open data and embeds (docs/open-data.md). The API's project list and the embedded list and
# map read the list's parameters (and their own); a project's resource and embedded card
# depend on what its page depends on; the DCAT catalogue and the reference resources on every
# change. robots.txt shows no data. The IATI file and the oEmbed answer are not cached pages
# (a stream, and an answer keyed on its whole query string).
LIST_PARAMETERS = [*ProjectFilter.base_filters]


def a_project_and_what_it_names(slug, **kwargs):
    return [project_page(slug), *map(model_tag, NAMED_BY_A_PROJECT_PAGE)]


page("api:project-list", query=[*LIST_PARAMETERS, "page", "page_size"])
page("api:project-detail", tags=a_project_and_what_it_names, query=[])
page("embeds:project", tags=a_project_and_what_it_names, query=["lang"])
page("embeds:list", query=[*LIST_PARAMETERS, "lang"])
page("embeds:map", query=[*LIST_PARAMETERS, "lang", "view"])
page("embeds:builder", query=["kind", "project", "view", "lang", *LIST_PARAMETERS])
page("open_data:robots", tags=[], query=[])
page("api:reference", tags=[], query=["script", "lang"])
page("api:schema", tags=[], query=["format", "lang"])
for name in [
    "open_data:dcat",
    "api:root",
    "api:municipality-list",
    "api:municipality-detail",
    "api:goal-list",
    "api:goal-detail",
    "api:country-list",
    "api:country-detail",
    "api:funder-list",
    "api:funder-detail",
    "api:network-list",
    "api:network-detail",
]:
    page(name, query=[])
