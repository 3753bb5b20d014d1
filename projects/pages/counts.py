"""Counts of published projects for the public pages, from the project index.

A page reads only its reference rows from the database; `project_counts()`
(projects/project_index.py) gives their numbers from the index's bitmaps, and `with_counts()`
or `counted()` attach them. Counting in SQL instead reads every linked project again on each
request, which grows with the projects; a bitmap's length or an intersection does not.
"""

from pyroaring import FrozenBitMap

from networks.models import Network

from ..filters import CRITERIA
from .queries import filtered_list_url

# The bitmap of a key the index has no projects for.
NONE = FrozenBitMap()


def with_counts(rows, counts, name="project_count"):
    """`rows` (e.g. a QuerySet, in its order) as a list, each with the attribute `name` set to
    its count in `counts` by primary key, 0 when it has none."""
    rows = list(rows)
    for row in rows:
        setattr(row, name, counts.get(row.pk, 0))
    return rows


def counted(queryset, counts, name="project_count"):
    """Only the rows of `queryset` that have a count in `counts`, as `with_counts` gives them."""
    return with_counts(queryset.filter(pk__in=list(counts)), counts, name)


def owned_within(index, projects):
    """{municipality pk: bitmap of the published projects it owns that are in `projects`}."""
    return {pk: bitmap & projects for pk, bitmap in index.municipality.items()}


def involvement_counts(index, owned=None, within=None):
    """{municipality pk: how many published projects it owns (by `owned`, bitmaps by pk;
    everything it owns by default) or is a partner in, each counted once}, of the projects in
    the bitmap `within` only when it is given; municipalities without any are left out."""
    owned = index.municipality if owned is None else owned
    counts = {}
    for pk in owned.keys() | index.partner.keys():
        involved = owned.get(pk, NONE) | index.partner.get(pk, NONE)
        count = len(involved) if within is None else involved.intersection_cardinality(within)
        if count:
            counts[pk] = count
    return counts


def basis_counts(index, projects, parameter, key, value):
    """How many of `projects` (a funder's or a goal's) a source states the link of, and how
    many rest only on the editors' reading, with the list of the stated ones (the filter
    `parameter`, e.g. stated_funder, says what "stated" means: projects/filters.py)."""
    stated = CRITERIA[parameter].positions(index, [key]) & projects
    return {
        "stated": len(stated),
        "assumed": len(projects) - len(stated),
        "stated_url": filtered_list_url(**{parameter: value}),
    }


def headline_numbers(index):
    """The home page's four numbers: the published projects, the municipalities owning or
    partner in one, their partner countries (from the index) and the networks."""
    return {
        "projects": len(index),
        "municipalities": len(index.municipality.keys() | index.partner.keys()),
        "countries": len(index.country),
        "networks": Network.objects.count(),
    }
