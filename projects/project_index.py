"""The published projects as bitmaps: one compressed bitmap (pyroaring) per filter value, over
the projects' positions in the list's default order.

Why: the list page counts, for every option of four filters, how many projects that option
would give with the other filters kept (the facet counts). In SQL each of those counts reads
every matching project again, so a page took over 100 ms at 100 000 projects and grew with
them. Intersecting bitmaps takes microseconds, whatever the number of projects, and since a
position is a place in the default order, the first set bits of the intersection are the
page's projects in order; only those 25 rows are then read from the database.

What a filter means is said once, in projects/filters.py: each `filter_<name>` (SQL, for the
exports and the other orders) has its `match_<name>` (bitmaps) beside it, and a test holds the
two equal for every filter.

The index is built in a handful of queries (about a second at 100 000 projects) and kept in
each process until the change stamp moves (any edit of public data, registry/change_stamp.py)
or the year turns (statuses follow it), so an edit shows on the next request, as with the
page cache.
"""

import threading
from array import array
from collections import defaultdict

from pyroaring import BitMap, FrozenBitMap

from networks.models import Membership
from registry import change_stamp
from registry.models import Funder

from .models import Project, current_year, derived_status

_lock = threading.Lock()
_current = None


def current():
    """The index of the published projects as they are now, built when anything changed."""
    global _current
    key = (change_stamp.current(), current_year())
    index = _current
    if index is None or index.key != key:
        with _lock:
            if _current is None or _current.key != key:
                _current = ProjectIndex(key)
            index = _current
    return index


def union(bitmaps):
    """One bitmap of all of `bitmaps`, leaving out any None (a value nothing is linked to)."""
    return BitMap.union(BitMap(), *(bitmap for bitmap in bitmaps if bitmap is not None))


def project_counts(bitmaps, within=None):
    """{key: number of published projects} for one of the index's dicts of bitmaps (e.g.
    `index.goal`), counting only the projects also in the bitmap `within` when it is given:
    the list's facet counts and the reference pages' counts. Keys without projects are left
    out."""
    counts = {}
    for key, bitmap in bitmaps.items():
        count = len(bitmap) if within is None else bitmap.intersection_cardinality(within)
        if count:
            counts[key] = count
    return counts


def _frozen(groups):
    return {value: FrozenBitMap(positions) for value, positions in groups.items()}


class ProjectIndex:
    """Bitmaps of the published projects' positions in the default order (filters.py
    DEFAULT_SORT), by goal number, partner country code, owner municipality pk, partner
    municipality pk, funder pk (with the funders it finances), network pk (its members'
    projects), type, status in the key's year, and start and end year."""

    def __init__(self, key):
        # Imported here: filters.py imports this module.
        from .filters import DEFAULT_SORT, SORT_ORDERS

        self.key = key
        year = key[1]
        rows = (
            Project.objects.published()
            .order_by(*SORT_ORDERS[DEFAULT_SORT])
            .values_list("pk", "municipality_id", "type", "start_year", "end_year", "paused")
        )
        self.ids = array("q")
        self.position = {}
        by_municipality, by_type, by_status, by_start, by_end = (
            defaultdict(list) for _ in range(5)
        )
        for position, (pk, municipality, kind, start, end, paused) in enumerate(rows):
            self.ids.append(pk)
            self.position[pk] = position
            by_municipality[municipality].append(position)
            by_type[kind].append(position)
            by_status[derived_status(paused, start, end, year)].append(position)
            by_start[start].append(position)
            by_end[end].append(position)
        self.everything = FrozenBitMap(range(len(self.ids)))
        self.municipality = _frozen(by_municipality)
        self.type = _frozen(by_type)
        self.status = _frozen(by_status)
        self.start_year = _frozen(by_start)
        self.end_year = _frozen(by_end)
        self.goal = self._linked(Project.goals.through, "goal_id")
        self.country = self._linked(Project.partner_countries.through, "country_id")
        # The projects a municipality takes part in as a partner, for the reference pages
        # (`municipality` holds those it owns).
        self.partner = self._linked(Project.partner_municipalities.through, "municipality_id")
        self.funder = self._funder_trees(self._linked(Project.funders.through, "funder_id"))
        self.network = self._networks()

    def __len__(self):
        return len(self.ids)

    def _linked(self, through, column):
        """{related pk: bitmap of the published projects linked to it}, in one query."""
        groups = defaultdict(list)
        for project_id, value in through.objects.values_list("project_id", column).iterator(
            chunk_size=10_000
        ):
            position = self.position.get(project_id)
            if position is not None:  # a draft
                groups[value].append(position)
        return _frozen(groups)

    def _funder_trees(self, direct):
        """A funder's projects include those of the funders it finances, at any depth (as
        ProjectFilter.filter_funder and the funder pages count them)."""
        parents = dict(Funder.objects.values_list("pk", "parent_id"))
        trees = defaultdict(list)
        for pk, bitmap in direct.items():
            funder_id, seen = pk, set()
            while funder_id is not None and funder_id not in seen:
                seen.add(funder_id)
                trees[funder_id].append(bitmap)
                funder_id = parents.get(funder_id)
        return {pk: FrozenBitMap(union(trees.get(pk, ()))) for pk in parents}

    def _networks(self):
        """A network's projects are those its member municipalities own."""
        members = defaultdict(list)
        for network_id, municipality_id in Membership.objects.values_list(
            "network_id", "municipality_id"
        ):
            members[network_id].append(self.municipality.get(municipality_id))
        return {pk: FrozenBitMap(union(bitmaps)) for pk, bitmaps in members.items()}

    def positions_of(self, pks):
        """The positions of the projects with these primary keys (drafts have none)."""
        found = BitMap()
        for pk in pks:
            position = self.position.get(pk)
            if position is not None:
                found.add(position)
        return found

    def active_in(self, years):
        """The projects running in any of `years`; an empty start or end year is open."""
        found = BitMap()
        for year in years:
            started = union(
                bitmap for start, bitmap in self.start_year.items()
                if start is None or start <= year
            )
            not_ended = union(
                bitmap for end, bitmap in self.end_year.items() if end is None or end >= year
            )
            found |= started & not_ended
        return found

    def ids_at(self, positions):
        return [self.ids[position] for position in positions]

    def first_ids(self, projects, count):
        """The primary keys of the first `count` projects of the bitmap `projects`, in the
        list's default order."""
        return self.ids_at(projects[:count])


class IndexedProjects:
    """The projects at `positions`, in the default order, as a sequence the Paginator pages:
    its length is the bitmap's and a slice reads just its projects, by primary key, from
    `queryset`."""

    def __init__(self, index, positions, queryset):
        self.index, self.positions, self.queryset = index, positions, queryset

    def __len__(self):
        return len(self.positions)

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        ids = self.index.ids_at(self.positions[key])
        found = {project.pk: project for project in self.queryset.filter(pk__in=ids)}
        # A project unpublished since the index was built is left out.
        return [found[pk] for pk in ids if pk in found]
