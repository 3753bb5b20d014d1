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
