"""The published projects as bitmaps: one compressed bitmap (pyroaring) of project primary keys
per value of every filtered column and link, shared by every worker through the database.

Why: the list page counts, for every option of four filters, how many projects that option
would give with the other filters kept (the facet counts), and the reference pages count
projects per goal, country, municipality, funder and network. In SQL each count reads every
matching project again; intersecting bitmaps takes microseconds whatever the number of
projects.

What a filter means is said once, in projects/filters.py (`CRITERIA`), and the status rule in
projects/models.py (`status_conditions`); this module only evaluates them on bitmaps
(`ProjectIndex.where`, `union`), and tests/projects/test_project_index.py holds the answers
equal to the SQL ones.

How it stays current without rebuilding:
- Every change to a project's indexed values (its row, its links, its publication) appends
  the project's id to `IndexChange`, inside the writer's transaction, under a version that
  `IndexLog` hands out in commit order (`record`).
- A worker holds one immutable `ProjectIndex` and, on each use, asks `IndexLog` for the
  version (one query by primary key). When it moved, the worker re-reads just the changed
  projects and makes a new index that shares every bitmap those projects are not in
  (`ProjectIndex.updated`): the work is proportional to what changed.
- A starting worker loads the newest `IndexSnapshot` (milliseconds) and applies the changes
  logged since. A worker that finds the snapshot SNAPSHOT_EVERY changes behind writes a new
  one and prunes the log below it. Only when no snapshot exists at all (a new database) is the
  index read from the projects' tables (`ProjectIndex.build`), once for the deployment; that
  plain reading is also the reference the incremental one is tested against.
Paths that send no signals (bulk_create, QuerySet.update, raw SQL) call `rebuild()`, as
generate_demo does.
"""

import hashlib
import pickle
import threading
from collections import defaultdict

from django.core.cache import cache
from django.db import connections, models, transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from pyroaring import BitMap, FrozenBitMap
from redis.exceptions import RedisError

from networks.models import Network
from registry.models import Country, Funder, Goal, Municipality, funder_trees

from .conditions import All, Any, Compare, Equals
from .models import (
    DEFAULT_SORT,
    SORT_ORDERS,
    IndexChange,
    IndexLog,
    IndexSnapshot,
    Project,
    search_text_refreshed,
)

PUBLISHED = Project.Publication.PUBLISHED
# The project's own columns the filters and the default order read.
COLUMNS = (
    "municipality_id", "type", "start_year", "end_year", "paused", "confirmed_on", "sources_from"
)
# Its many-to-many links the filters read, by field name.
LINKS = ("goals", "partner_countries", "funders", "partner_municipalities", "networks")
# A worker this many changes ahead of the snapshot writes a new one; a starting worker applies
# at most about this many changes to the snapshot it loads.
SNAPSHOT_EVERY = 1000
# Changed projects re-read per query (well under SQLite's limit of query parameters).
BATCH = 500
# Within one start year, a page reads the ids of at most this many matching projects by
# primary key to order them; a larger match walks the year's projects in order instead.
DIRECT = 1000

EMPTY = FrozenBitMap()
LOG_PK = 1

_lock = threading.Lock()
_current = None


def union(bitmaps):
    """One bitmap of all of `bitmaps`, leaving out any None (a value nothing is linked to)."""
    return FrozenBitMap(BitMap.union(BitMap(), *(b for b in bitmaps if b is not None)))


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


def link_column(name):
    """The through table of the link `name` and its column naming the linked object."""
    field = Project._meta.get_field(name)
    through = field.remote_field.through
    return through, through._meta.get_field(field.m2m_reverse_field_name()).attname


def _grouped(rows):
    """{value: bitmap of pks} from (pk, value) pairs."""
    groups = defaultdict(BitMap)
    for pk, value in rows:
        groups[value].add(pk)
    return {value: FrozenBitMap(pks) for value, pks in groups.items()}


def _read(projects=None):
    """The published projects' indexed values: (pks, {column: {value: bitmap}}, {link:
    {value: bitmap}}), for all of them or only for the pks in `projects`."""
    rows = Project.objects.filter(publication=PUBLISHED)
    if projects is not None:
        rows = rows.filter(pk__in=list(projects))
    rows = list(rows.order_by().values_list("pk", *COLUMNS).iterator(chunk_size=10_000))
    pks = FrozenBitMap(row[0] for row in rows)
    columns = {
        name: _grouped((row[0], row[position]) for row in rows)
        for position, name in enumerate(COLUMNS, start=1)
    }
    links = {}
    for name in LINKS:
        through, column = link_column(name)
        linked = through.objects.order_by().values_list("project_id", column)
        if projects is not None:
            linked = linked.filter(project_id__in=list(projects))
        links[name] = _grouped(
            (pk, value) for pk, value in linked.iterator(chunk_size=10_000) if pk in pks
        )
    return pks, columns, links


class ProjectIndex:
    """Bitmaps of the published projects' primary keys, as of `version` of the change log:
    `everything`, `columns[column][value]` for COLUMNS and `links[link][value]` for LINKS.
    Immutable: an update makes a new index sharing the untouched bitmaps."""

    def __init__(self, version, everything, columns, links):
        self.version = version
        self.everything = everything
        self.columns = columns
        self.links = links

    @classmethod
    def build(cls, version):
        """The index read from the projects' tables: the reference the others must equal."""
        return cls(version, *_read())

    def updated(self, changed):
        """This index with the projects in `changed` (pks) read anew."""
        changed = FrozenBitMap(changed)
        pks, columns, links = _read(changed)

        def merged(old, new):
            result = {}
            for value, bitmap in old.items():
                result[value] = bitmap - changed if bitmap.intersect(changed) else bitmap
            for value, bitmap in new.items():
                result[value] = FrozenBitMap(result.get(value, EMPTY) | bitmap)
            return {value: bitmap for value, bitmap in result.items() if bitmap}

        return ProjectIndex(
            self.version,
            FrozenBitMap((self.everything - changed) | pks),
            {name: merged(self.columns[name], columns[name]) for name in COLUMNS},
            {name: merged(self.links[name], links[name]) for name in LINKS},
        )

    def __len__(self):
        return len(self.everything)

    def __eq__(self, other):
        return (
            isinstance(other, ProjectIndex)
            and self.everything == other.everything
            and self.columns == other.columns
            and self.links == other.links
        )

    # The bitmaps by what the pages count.

    @property
    def goal(self):
        return self.links["goals"]

    @property
    def country(self):
        return self.links["partner_countries"]

    @property
    def partner(self):
        """The projects a municipality takes part in as a partner (`municipality`: owns)."""
        return self.links["partner_municipalities"]

    @property
    def municipality(self):
        return self.columns["municipality_id"]

    @property
    def type(self):
        return self.columns["type"]

    @property
    def funder(self):
        """A funder's projects, with those of the funders it finances (registry's funder
        tree, read anew: the tree is not part of the change log)."""
        direct = self.links["funders"]
        return {
            pk: union(direct.get(member) for member in tree)
            for pk, tree in funder_trees().items()
        }

    @property
    def network(self):
        """A network's projects: those linked to it (not every project of its members)."""
        return self.links["networks"]

    # Conditions and ids.

    def where(self, condition):
        """The projects meeting a condition of projects/conditions.py."""
        if isinstance(condition, All):
            found = self.everything
            for part in condition.parts:
                found = found & self.where(part)
            return found
        if isinstance(condition, Any):
            return union(self.where(part) for part in condition.parts)
        values = self.columns[condition.column]
        if isinstance(condition, Equals):
            return values.get(condition.value, EMPTY)
        if isinstance(condition, Compare):
            return union(
                bitmap
                for value, bitmap in values.items()
                if condition.test({condition.column: value})
            )
        raise TypeError(f"not a condition: {condition!r}")

    def positions_of(self, pks):
        """The published projects among `pks`."""
        return FrozenBitMap(pks) & self.everything

    def first_ids(self, projects, count):
        """The primary keys of the first `count` projects of the bitmap `projects`, in the
        list's default order."""
        return self.ordered_ids(projects, 0, count)

    def ordered_ids(self, projects, start, stop):
        """The primary keys of `projects` from `start` to `stop` in the list's default order
        (models.SORT_ORDERS[DEFAULT_SORT]: newest start year first, empty years last, then
        title and primary key). The bitmaps by start year find the years the slice falls in;
        the database orders the projects of those years, as its collation orders titles."""
        years = self.columns["start_year"]
        order = sorted((year for year in years if year is not None), reverse=True)
        if None in years:
            order.append(None)
        segments = []  # (year, its projects in `projects`, start and stop within them)
        for year in order:
            if start >= stop:
                break
            size = projects.intersection_cardinality(years[year])
            if start < size:
                segments.append((year, projects & years[year], start, min(stop, size)))
                start = 0
            else:
                start -= size
            stop -= size
        if not segments:
            return []
        if sum(len(within) for _, within, _, _ in segments) <= DIRECT:
            # Few projects in all: one query orders them all.
            candidates = union(within for _, within, _, _ in segments)
            first = segments[0][2]
            count = sum(stop - begin for _, _, begin, stop in segments)
            ordered = Project.objects.filter(pk__in=list(candidates))
            ordered = ordered.order_by(*SORT_ORDERS[DEFAULT_SORT]).values_list("pk", flat=True)
            return list(ordered[first : first + count])
        found = []
        for year, within, begin, end in segments:
            found += _in_title_order(year, within, len(within) / len(years[year]), begin, end)
        return found


def _in_title_order(year, projects, share, start, stop):
    """The pks of `projects` (all with start year `year`, a `share` of that year's published
    projects) from `start` to `stop` in title order: read by primary key when they are few,
    else by walking the year's projects in title order until enough of them are among
    `projects`. Many matching projects are a large share of the year, so the walk is short."""
    # The default order after the start year: title, then primary key, which the walk's
    # keyset below follows.
    rows = Project.objects.order_by(*SORT_ORDERS[DEFAULT_SORT][1:])
    rows = rows.filter(start_year__isnull=True) if year is None else rows.filter(start_year=year)
    if len(projects) <= DIRECT:
        return list(rows.filter(pk__in=list(projects)).values_list("pk", flat=True)[start:stop])
    found, last = [], None
    chunk = max(100, int(stop / share * 1.2))
    while len(found) < stop:
        page = rows
        if last is not None:
            page = rows.filter(Q(title__gt=last[0]) | Q(title=last[0], pk__gt=last[1]))
        batch = list(page.values_list("title", "pk")[:chunk])
        found += [pk for _, pk in batch if pk in projects]
        if len(batch) < chunk:
            break
        last = batch[-1]
        chunk = min(chunk * 2, 10_000)
    return found[start:stop]


class IndexedProjects:
    """The projects of the bitmap `projects`, in the default order, as a sequence the
    Paginator pages: its length is the bitmap's and a slice reads just its projects, by primary
    key, from `queryset`."""

    def __init__(self, index, projects, queryset):
        self.index, self.projects, self.queryset = index, projects, queryset

    def __len__(self):
        return len(self.projects)

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        start, stop, _ = key.indices(len(self.projects))
        ids = self.index.ordered_ids(self.projects, start, stop)
        found = {project.pk: project for project in self.queryset.filter(pk__in=ids)}
        # A project unpublished since the index was read is left out.
        return [found[pk] for pk in ids if pk in found]


# The change log.


def _log():
    return IndexLog.objects


def record(project_ids, using=None):
    """Tells the index that these projects' indexed values may have changed: one version for
    all of them, logged in the caller's transaction (or one of its own)."""
    project_ids = {pk for pk in project_ids if pk is not None}
    if not project_ids:
        return
    with transaction.atomic(using=using):
        version = _next_version()
        IndexChange.objects.bulk_create(
            IndexChange(version=version, project_id=pk) for pk in sorted(project_ids)
        )


def _next_version():
    """A new version of the log, in the caller's transaction. The UPDATE locks the row until
    the transaction commits, so the next writer's version is only handed out after this one's
    changes are visible, and every version before it is committed."""
    if not _log().filter(pk=LOG_PK).update(version=models.F("version") + 1):
        _log().get_or_create(pk=LOG_PK)
        _log().filter(pk=LOG_PK).update(version=models.F("version") + 1)
    return _log().filter(pk=LOG_PK).values_list("version", flat=True).get()


def _version(log=None):
    row = (_log() if log is None else log).filter(pk=LOG_PK).values_list("version", "floor").first()
    return row or (0, 0)


def _apply(index, version):
    """`index` brought up to at least `version` of the log, or None when the log no longer
    reaches back to it (pruned after a newer snapshot)."""
    rows = IndexChange.objects.filter(version__gt=index.version)
    changed, newest = set(), version
    for logged, project in rows.values_list("version", "project_id").iterator(chunk_size=10_000):
        changed.add(project)
        newest = max(newest, logged)
    if _version()[1] > index.version:
        return None
    ids = sorted(changed)
    for start in range(0, len(ids), BATCH):
        index = index.updated(ids[start : start + BATCH])
    index.version = newest
    return index


def _load():
    """The index from the newest snapshot, or read from the tables when there is none."""
    snapshot = IndexSnapshot.objects.order_by("-version").first()
    if snapshot is not None:
        index = pickle.loads(bytes(snapshot.data))
        if isinstance(index, ProjectIndex):
            return index
    return rebuild()


def rebuild():
    """Reads the index from the projects' tables and stores it as the snapshot: for a new
    database, and after changes that sent no signals (bulk_create, update). The log's floor
    moves to the snapshot's version, so that every worker's index and every kept search
    (`kept_positions`), which no logged change would correct, are read anew."""
    # Taken first: every change up to this version is committed, so reading the tables
    # afterwards sees it (changes after it may be read too; applying them again is harmless).
    index = ProjectIndex.build(_version()[0])
    with transaction.atomic():
        # A version of its own, the snapshot's and the floor's, handed out only now: a worker
        # that brought its index up to date while the tables were read reached a version
        # below it, and so loads the snapshot. The changes logged meanwhile are applied to
        # what was read, under the log's lock.
        version = _next_version()
        if _version()[1] > index.version:
            # Another worker's snapshot pruned some of them: read the tables again.
            index = ProjectIndex.build(version)
        else:
            changed = sorted(
                set(
                    IndexChange.objects.filter(version__gt=index.version).values_list(
                        "project_id", flat=True
                    )
                )
            )
            for start in range(0, len(changed), BATCH):
                index = index.updated(changed[start : start + BATCH])
        index.version = version
        save_snapshot(index)
    return index


def save_snapshot(index, prune=True):
    """Stores `index` as the snapshot and, with `prune`, drops the log below it."""
    data = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
    with transaction.atomic():
        if not IndexSnapshot.objects.filter(pk=1, version__lte=index.version).update(
            version=index.version, data=data
        ):
            IndexSnapshot.objects.get_or_create(
                pk=1, defaults={"version": index.version, "data": data}
            )
        if prune:
            IndexChange.objects.filter(version__lte=index.version).delete()
            _log().filter(pk=LOG_PK, floor__lt=index.version).update(floor=index.version)


def current():
    """The index of the published projects as they are now: one query when nothing changed,
    the changed projects re-read when something did."""
    global _current
    version, floor = _version()
    index = _current
    # An index ahead of the log read is current too: a read replica that has not caught up
    # with the primary, which a coordinator's request in the same worker read from.
    if index is not None and index.version >= version:
        return index
    with _lock:
        index = _current
        if index is None or index.version < floor:
            # New in this process, or so far behind that its changes were pruned.
            index = _load()
        if index.version < version:
            snapshot_version = IndexSnapshot.objects.values_list("version", flat=True).first()
            index = _apply(index, version) or _apply(_load(), version)
            if snapshot_version is None or index.version - snapshot_version >= SNAPSHOT_EVERY:
                save_snapshot(index)
        _current = index
    return index


def forget():
    """Drops this process's index: the next `current()` loads it anew. For tests, whose
    rolled-back transactions hand the same log versions out again."""
    global _current
    _current = None


# Searches: their matches kept in the shared cache, brought up to date as the index is.

# A search nobody has asked for in this long is forgotten.
KEPT_SECONDS = 3600


def kept_positions(index, name, found):
    """The positions in `index` of the projects in `found`, a query on the projects' own rows
    whose answer for a project changes only with a change the log records (a search's text),
    named `name`: `index.positions_of(found)`, which a test holds it equal to. A search that
    matches half of 300 000 projects reads 150 000 ids; kept in the cache shared by every
    worker and server with the version of the data it was read from, it is brought up to a
    newer index by asking `found` about the projects changed since, in time proportional to
    what changed. A cache that does not answer costs the plain reading."""
    database = found.db
    key = "project_index:kept:" + hashlib.sha256(
        f"{database}\0{connections[database].settings_dict['NAME']}\0{name}".encode()
    ).hexdigest()
    try:
        kept = cache.get(key)
    except RedisError:
        return index.positions_of(found)
    if kept is not None and kept[0] >= index.version:
        # As new as the index, or newer: another worker's, or read from a primary ahead of
        # this worker's replica, as the plain reading would be.
        return FrozenBitMap(kept[1] & index.everything)
    log = _log().using(database)
    # What is read below is of this version of the log at least: on a read replica that has
    # not caught up with the index (read from the primary), of the replica's, and kept as
    # that, so that the changes it lacks are asked about next time.
    read = min(index.version, _version(log)[0])
    positions = None
    if kept is not None:
        version, positions = kept
        changed = BitMap(
            IndexChange.objects.using(database)
            .filter(version__gt=version)
            .order_by()
            .values_list("project_id", flat=True)
            .iterator(chunk_size=10_000)
        )
        if _version(log)[1] > version:
            positions = None  # The log was pruned below it: the changes are not all known.
        else:
            ids = sorted(changed)
            matched = BitMap()
            for start in range(0, len(ids), BATCH):
                matched |= BitMap(
                    found.filter(pk__in=ids[start : start + BATCH]).values_list("pk", flat=True)
                )
            positions = FrozenBitMap(((positions - changed) | matched) & index.everything)
    if positions is None:
        positions = index.positions_of(found)
    try:
        cache.set(key, (read, positions), KEPT_SECONDS)
    except RedisError:
        pass
    return positions


# What tells the index about changes.


def _project_saved(sender, instance, raw=False, **kwargs):
    record([instance.pk], using=kwargs.get("using"))


def _project_deleted(sender, instance, **kwargs):
    record([instance.pk], using=kwargs.get("using"))


def _links_changed(sender, instance, action, reverse, pk_set, **kwargs):
    using = kwargs.get("using")
    if not reverse:
        if action.startswith("post_"):
            record([instance.pk], using=using)
    elif action in ("post_add", "post_remove"):
        # From the other side (a goal's projects): the projects are the pks.
        record(pk_set, using=using)
    elif action == "pre_clear":
        record(_linked_to(sender, instance.pk), using=using)


def _link_row_changed(sender, instance, **kwargs):
    record([instance.project_id], using=kwargs.get("using"))


def _linked_to(through, pk):
    """The projects linked to the object `pk` through the automatic table `through`."""
    column = next(
        field.attname
        for field in through._meta.get_fields()
        if field.is_relation and field.related_model is not Project
    )
    return list(through.objects.filter(**{column: pk}).values_list("project_id", flat=True))


def _linked_deleted(sender, instance, **kwargs):
    """A goal, country, funder, municipality or network deleted takes its links with it (the
    database cascades them without a signal): its projects changed."""
    for name in LINKS:
        field = Project._meta.get_field(name)
        if field.related_model is sender:
            record(_linked_to(field.remote_field.through, instance.pk), using=kwargs.get("using"))


def connect():
    """Connect the receivers; called once from ProjectsConfig.ready()."""
    post_save.connect(_project_saved, sender=Project, dispatch_uid="project_index:save")
    search_text_refreshed.connect(
        _project_saved, sender=Project, dispatch_uid="project_index:search_text"
    )
    post_delete.connect(_project_deleted, sender=Project, dispatch_uid="project_index:delete")
    for name in LINKS:
        through, _ = link_column(name)
        m2m_changed.connect(_links_changed, sender=through, dispatch_uid=f"project_index:{name}")
        if not through._meta.auto_created:
            # A link that is a row of its own (a funder with how it is known) is also saved
            # and deleted directly, by the admin's inlines and the seed.
            for signal in (post_save, post_delete):
                signal.connect(
                    _link_row_changed, sender=through, dispatch_uid=f"project_index:{name}:row"
                )
    for model in (Goal, Country, Funder, Municipality, Network):
        pre_delete.connect(
            _linked_deleted, sender=model, dispatch_uid=f"project_index:{model._meta.label}"
        )
