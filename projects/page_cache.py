"""What the page cache must know about the projects (registry/change_stamp.py,
docs/caching.md).

Rows: an edit of a project moves the projects' tag, the project's own
("projects.project:<slug>") and one for each key the list's filters find it by
("projects.rows:goals=4", "projects.rows:municipality_id=7"; see `list_tags`), and, when it
changes what the filters read (`counted_changes`), the keys' counted tags too
("projects.list:goals=4"); an edit of an event or a contact moves its project's too, since
the project's page shows them. Pages: a project's page depends on its own tag and on the
reference data it names, so saving another project leaves it cached; the list, filtered by at
least two such filters, depends on their keys' counted tags, on one filter's rows tags and on
every other model public pages show (`list_page_tags`), so saving a project it cannot show
leaves it cached; every other page that shows several projects (home, goals, countries,
municipalities, funders, networks, the sitemap, the feed) depends on every change. Each
declares the query parameters it reads.
"""

from networks.models import Membership, Network
from registry.change_stamp import (
    EVERYTHING,
    model_tag,
    not_shown,
    page,
    row_tag,
    shown,
    shown_models,
    varies_with,
)
from registry.models import Country, Funder, Goal, Municipality, Organisation

from . import project_index
from .filters import (
    CRITERIA,
    Column,
    Expanded,
    Linked,
    ProjectFilter,
    Search,
    criterion_keys,
    has_value,
)
from .models import (
    Contact,
    Event,
    EventSource,
    EventTranslation,
    FunderReference,
    Grant,
    Picture,
    Project,
    ProjectFunder,
    ProjectGoal,
    ProjectSource,
    ProjectTranslation,
    Result,
    Strategy,
    StrategyItem,
    StrategyItemTranslation,
    StrategySource,
    current_year,
)
from .project_index import COLUMNS, link_column


def project_page(slug):
    """The tag of the project at /projects/<slug>/."""
    return row_tag(Project, slug)


def page_of_its_project(row):
    if row.project_id is None:
        return []
    slugs = Project._base_manager.filter(pk=row.project_id).values_list("slug", flat=True)
    return [project_page(slug) for slug in slugs]


def project_and_lists(row):
    """A project's link that says how it is known: its project's page and lists."""
    project = Project._base_manager.filter(pk=row.project_id).first()
    return [] if project is None else [project_page(project.slug), *list_tags(project)]


# The two kinds of a list's tags: a project found by a key moves the key's `LISTED` tag with
# every edit, and its `COUNTED` tag only with an edit of what the filters read of it.
LISTED = "projects.rows"
COUNTED = "projects.list"


def list_tag(source, key, kind=COUNTED):
    """The tag of the projects a list filter finds by `key` in `source` (a Column's column or
    a Linked's link, as CRITERIA states them), e.g. "projects.list:goals=4"."""
    return f"{kind}:{source}={key}"


def _tagged(criterion):
    """The Column or Linked criterion whose keys a filter's tags name (an Expanded one's
    inner criterion, whose keys are the expanded ones), or None for a criterion that finds
    projects by something else (a search, a status, a year)."""
    while isinstance(criterion, Expanded):
        criterion = criterion.criterion
    return criterion if isinstance(criterion, Column | Linked) else None


# The criteria whose keys tag rows, once each (network and municipality share a column).
TAGGED = {
    tagged.column if isinstance(tagged, Column) else tagged.link: tagged
    for tagged in map(_tagged, CRITERIA.values())
    if tagged is not None
}


def list_tags(project, kind=COUNTED, links=True):
    """The list tags of `project`: one per key each tagged criterion finds it by (with
    `links` False, only those of its own columns)."""
    tags = []
    for source, criterion in TAGGED.items():
        if isinstance(criterion, Column):
            keys = [getattr(project, criterion.column)]
        elif not links or project.pk is None:
            continue  # A project not yet saved has no links.
        else:
            through, column = link_column(criterion.link)
            keys = through._base_manager.filter(project_id=project.pk).values_list(
                column, flat=True
            )
        tags += [list_tag(source, key, kind) for key in keys]
    return tags


def filtered_values(project):
    """What the list's filters, facet counts and default order read of a project's own row
    (the project index's columns, projects/project_index.py), its links aside: a link added or
    removed moves the linked model's tag, which every list depends on."""
    return (project.publication, *(getattr(project, column) for column in COLUMNS))


def counted_changes(before, after):
    """An edit moves the projects' COUNTED tags, of its keys before and after, when it changes
    what the filters read: a project created, deleted, published, moved to another
    municipality, year or type, paused, confirmed. A title or a summary leaves them alone."""
    if before is None or after is None:
        return list_tags(before or after)
    if filtered_values(before) == filtered_values(after):
        return []
    # A save changes no link: the links are read once.
    return [*list_tags(before, links=False), *list_tags(after)]


def list_page_tags(query, **kwargs):
    """What the list filtered by `query` depends on. Each count it shows (the projects found,
    and each facet's, which leaves out that facet's own filter) is of projects that every
    filter but at most one finds; so with two or more tagged filters chosen, a project that
    is no key of any of them, before or after an edit, changes nothing on the page: it depends
    on those keys' COUNTED tags and on every other model public pages show (names, units,
    links). An edit that leaves what the filters read alone changes the page only if the
    project is listed, i.e. found by every filter: so the page depends on the LISTED tags of
    one filter's keys, the one that finds the fewest projects (any would do; with a search,
    whose matches follow the texts, on those of every filter). Otherwise, on every change. A
    project's tags are read as it is saved and before it is deleted; a link added or removed
    moves the linked model's tag, and the project's other keys still name it (two filters: it
    is still a key of the other). The page cache keeps the answer while the data it read is
    unchanged (`derived_from` below)."""
    chosen = [
        name
        for name, criterion in CRITERIA.items()
        if _tagged(criterion) is not None and any(value.strip() for value in query.getlist(name))
    ]
    if len(chosen) < 2:
        return [EVERYTHING]  # Known without looking the values up.
    filterset = ProjectFilter(query, queryset=Project.objects.none())
    if not filterset.is_valid():
        return [EVERYTHING]
    tags, keyed = set(), []
    for name, value in filterset.form.cleaned_data.items():
        criterion = CRITERIA.get(name)
        if criterion is None or _tagged(criterion) is None or not has_value(value):
            continue
        keys = criterion_keys(value)
        while isinstance(criterion, Expanded):
            keys, criterion = criterion.expand(keys), criterion.criterion
        source = criterion.column if isinstance(criterion, Column) else criterion.link
        tags.update(list_tag(source, key) for key in keys)
        keyed.append((source, keys))
    if len(keyed) < 2:
        return [EVERYTHING]
    searched = any(
        isinstance(CRITERIA[name], Search) and has_value(value)
        for name, value in filterset.form.cleaned_data.items()
        if name in CRITERIA
    )
    if not searched:
        index = project_index.current()
        keyed = [min(keyed, key=lambda item: found_by(index, *item))]
    for source, keys in keyed:
        tags.update(list_tag(source, key, LISTED) for key in keys)
    others = {model_tag(model) for model in shown_models() if model is not Project}
    return sorted(tags | others)


def found_by(index, source, keys):
    """How many projects `keys` of `source` find, at most (as the project index has them)."""
    values = index.columns.get(source) or index.links.get(source) or {}
    return sum(len(values.get(key, ())) for key in keys)


shown(
    Project,
    lambda project: [project_page(project.slug), *list_tags(project, LISTED)],
    change_tags=counted_changes,
)
shown(Event, page_of_its_project)
shown(Contact, page_of_its_project)
# A project's money, its funders' identifiers and results (projects/record.py) are on its page;
# money is summed on its municipality's and funder's pages too, which follow every change.
shown(Grant, page_of_its_project)
shown(FunderReference, page_of_its_project)
shown(Result, page_of_its_project)
shown(Picture, page_of_its_project)
# A translation of its texts is on its page, its card and the rows of the lists it is in (which
# follow every change, or every model's tag but the projects').
shown(ProjectTranslation, page_of_its_project)
shown(EventTranslation, lambda translation: page_of_its_project(translation.event))
shown(Strategy)
# How a project's funders and goals are known, and what it and its events cite: its page, and
# the lists its funders and goals put it in.
shown(ProjectFunder, project_and_lists)
shown(ProjectGoal, project_and_lists)
shown(ProjectSource, page_of_its_project)
shown(EventSource, lambda citation: page_of_its_project(citation.event))
shown(StrategySource)
shown(StrategyItem)
shown(StrategyItemTranslation)
# The project index's own bookkeeping (projects/project_index.py).
not_shown("projects.IndexLog", "projects.IndexChange", "projects.IndexSnapshot")
# Export jobs (projects/export_jobs.py) are each one visitor's, never shown on a public page.
not_shown("projects.ExportJob")
# Messages sent through the contact forms (projects/contact.py) are kept for the municipality's
# records only.
not_shown("projects.ContactMessage")

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
# What list_page_tags reads to look the filters' values up and expand them (the funder tree,
# a network's members).
page(
    "projects:list",
    tags=list_page_tags,
    query=[*ProjectFilter.base_filters, "page"],
    derived_from=map(model_tag, [Goal, Country, Municipality, Funder, Network, Membership]),
)
page("registry:municipality_list", query=["country"])
# A job's page and file change as it runs: never stored (they answer no-store); the page reads
# only `updates` (off: it stops refreshing itself).
page("projects:export_job", tags=[], query=["updates"])
page("projects:export_download", tags=[], query=[])
# The contact forms (projects/contact.py) answer no-store: each sets the CSRF cookie its form
# needs, so the page cache never stores them; they read only `sent`.
page("projects:contact", tags=[], query=["sent"])
page("registry:municipality_contact", tags=[], query=["sent"])
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
page("api:reference", tags=[], query=[])
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
