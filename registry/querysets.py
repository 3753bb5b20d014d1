"""Queries behind the public reference pages (home, goals, countries, municipalities, funders
and networks).

Counts over the published projects come from the project index (projects/project_index.py,
`project_index.current()`): one bitmap of published projects per goal, partner country, owner
and partner municipality, funder (with the funders it finances) and network, kept in each
process and rebuilt when the change stamp moves, so drafts are never counted and an edit shows
on the next request. A count is a bitmap's length or the size of an intersection: microseconds
whatever the number of projects. Counted in SQL (a join with GROUP BY per count, or a correlated
subquery per row), these pages read every linked project again on each request: at 100 000
projects from a tenth of a second (/goals/) to more than 13 minutes (/countries/, where a
correlated subquery chained onto a GROUP BY ran once per joined row). So a page reads only its
reference rows from the database, and `project_counts()` (projects/project_index.py) with
`with_counts()` or `counted()` give them their numbers.

A municipality's involvement (projects it owns or is a partner in, each once) is a union of
its two bitmaps (`involvement_counts()`).

A page's own list of projects is read by primary key (`PublicProjectQuerySet.first_of`).
"""

from django.db import models
from django.db.models import Count, Q
from django.utils.translation import get_language
from pyroaring import BitMap, FrozenBitMap

from networks.models import Network
from projects.models import Project, ProjectQuerySet, fold
from registry.models import Country, Funder, FunderQuerySet, Goal, Municipality

PUBLISHED = Project.Publication.PUBLISHED
PartnerMunicipality = Project.partner_municipalities.through

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


class PublicProjectQuerySet(ProjectQuerySet):
    def first_of(self, index, positions, count):
        """The first `count` of the projects at `positions` (a bitmap of `index`), in this
        QuerySet's order, read by primary key: a few rows instead of sorting all of them.

        The index orders by start year with empty years last, then title. The model's order
        (-start_year, title) puts empty years last on SQLite but first on PostgreSQL, so the
        first `count` without a start year are candidates too, and the database orders the
        candidates as it always has. Projects tied on that order come by primary key, as in
        the index and the project list (the database left them in any order)."""
        candidates = BitMap(positions[:count])
        undated = index.start_year.get(None)
        if undated is not None:
            candidates |= (positions & undated)[:count]
        order = self.query.order_by or self.model._meta.ordering
        return self.filter(pk__in=index.ids_at(candidates)).order_by(*order, "pk")[:count]

    def partnerships_of(self, municipality):
        """Its partnerships: projects it is a partner in, and municipal partnerships it owns.

        One subquery of both sets' ids, so that PostgreSQL reads just those rows by primary
        key (an OR of the two conditions read every project)."""
        partner_in = PartnerMunicipality.objects.filter(municipality=municipality)
        owned = Project.objects.filter(
            municipality=municipality, type=Project.Type.MUNICIPAL_PARTNERSHIP
        )
        ids = partner_in.order_by().values("project_id").union(owned.order_by().values("pk"))
        return self.filter(pk__in=ids)

    def for_partnership_list(self):
        """What a municipality's list of partnerships names: the title and every municipality
        of each partnership with its country, in two queries."""
        return self.select_related("municipality__country").prefetch_related(
            "partner_municipalities__country"
        )

    def recently_updated(self):
        """Newest change first, for the home page."""
        return self.order_by("-updated_at", "title")


def published_projects():
    """The only starting point for public project lists: drafts never appear."""
    return PublicProjectQuerySet(Project).published()


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


def public_goals():
    return Goal.objects.all()


class CountryQuerySet(models.QuerySet):
    def with_partner_municipality_counts(self, partnering):
        """Each country with `municipality_count`: how many of its municipalities are in
        `partnering` (the pks of those partner in a published project)."""
        partner = Q(municipalities__in=list(partnering))
        return self.annotate(municipality_count=Count("municipalities", filter=partner))


def public_countries():
    return CountryQuerySet(Country)


# Swedish sorts å, ä and ö (and the Danish and Norwegian æ, ø) after z.
SWEDISH_LAST = str.maketrans(
    {"å": "z\u0001", "ä": "z\u0002", "æ": "z\u0002", "ö": "z\u0003", "ø": "z\u0003"}
)


def name_key(name):
    """A sort key for a name in the active language: accents ignored (Latvian ā sorts with a),
    except that Swedish puts å, ä and ö after z."""
    text = str(name).casefold()
    if (get_language() or "")[:2] == "sv":
        text = text.translate(SWEDISH_LAST)
    return fold(text)


def by_name(countries):
    """Countries sorted by name in the active language, which only django-countries knows."""
    return sorted(countries, key=lambda country: name_key(country.name))


def public_municipalities():
    return Municipality.objects.select_related("country")


class PublicFunderQuerySet(FunderQuerySet):
    def for_list(self):
        """Funders with their parent, for /funders/."""
        return self.select_related("parent")


def public_funders():
    return PublicFunderQuerySet(Funder)


def headline_numbers(index):
    """The home page's four numbers: the published projects, the municipalities owning or
    partner in one, their partner countries (from the index) and the networks."""
    return {
        "projects": len(index),
        "municipalities": len(index.municipality.keys() | index.partner.keys()),
        "countries": len(index.country),
        "networks": Network.objects.count(),
    }
