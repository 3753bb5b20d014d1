"""Chainable queries behind the public reference pages (home, goals, countries,
municipalities, funders).

The reference models keep their own managers in registry/models.py; these QuerySets extend
them for the public pages without touching the models. Start a chain with the model's
`public_*()` function below, e.g. `public_goals().with_project_counts(projects)`.

Counts come from correlated subqueries over a given set of projects (always built from
`published_projects()`), so several counts never multiply each other's rows and each page
runs the same number of queries whatever the number of rows. The goals' and countries'
project counts are the exception: one grouped join each, much cheaper (see there).
"""

from django.db import models
from django.db.models import Count, F, Func, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from networks.models import Network
from projects.models import Project, ProjectQuerySet, fold
from registry.models import Country, Funder, FunderQuerySet, Goal, Municipality

PUBLISHED = Project.Publication.PUBLISHED
PartnerCountry = Project.partner_countries.through
PartnerMunicipality = Project.partner_municipalities.through
ProjectGoal = Project.goals.through
ProjectFunder = Project.funders.through


def count_of(queryset, field="pk"):
    """A subquery counting the distinct `field` values of `queryset`, 0 when there are none."""
    counted = Func(
        F(field),
        function="COUNT",
        template="%(function)s(DISTINCT %(expressions)s)",
        output_field=models.IntegerField(),
    )
    return Coalesce(Subquery(queryset.order_by().annotate(n=counted).values("n")[:1]), 0)


def in_order(queryset):
    """`queryset` in its chosen order, or else its model's Meta.ordering, which Django leaves
    out of a query with GROUP BY."""
    return queryset.order_by(*(queryset.query.order_by or queryset.model._meta.ordering))


class PublicProjectQuerySet(ProjectQuerySet):
    def for_goal(self, goal):
        """Projects working towards `goal`."""
        return self.filter(pk__in=ProjectGoal.objects.filter(goal=goal).values("project_id"))

    def for_country(self, country):
        """Projects with `country` among their partner countries."""
        through = PartnerCountry.objects.filter(country=country)
        return self.filter(pk__in=through.values("project_id"))

    def involving(self, municipality):
        """Projects `municipality` owns or takes part in as a partner municipality."""
        through = PartnerMunicipality.objects.filter(municipality=municipality)
        return self.filter(Q(municipality=municipality) | Q(pk__in=through.values("project_id")))

    def partnerships_of(self, municipality):
        """Its partnerships: projects it is a partner in, and municipal partnerships it owns."""
        through = PartnerMunicipality.objects.filter(municipality=municipality)
        return self.filter(
            Q(pk__in=through.values("project_id"))
            | Q(municipality=municipality, type=Project.Type.MUNICIPAL_PARTNERSHIP)
        )

    def for_partnership_list(self):
        """What a municipality's list of partnerships names: the title and every municipality
        of each partnership with its country, in two queries."""
        return self.select_related("municipality__country").prefetch_related(
            "partner_municipalities__country"
        )

    def for_funders(self, funders):
        """Projects financed by any of `funders` (a queryset)."""
        through = ProjectFunder.objects.filter(funder__in=funders)
        return self.filter(pk__in=through.values("project_id"))

    def for_network(self, network):
        """Projects owned by the network's member municipalities, as /projects/?network= does."""
        return self.filter(municipality__in=network.memberships.values("municipality_id"))

    def recently_updated(self):
        """Newest change first, for the home page."""
        return self.order_by("-updated_at", "title")


def published_projects():
    """The only starting point for public project lists and counts: drafts never appear."""
    return PublicProjectQuerySet(Project).published()


class GoalQuerySet(models.QuerySet):
    def with_project_counts(self, projects):
        """Each goal with `project_count`, the number of `projects` working towards it.

        One grouped query over the goal links (a goal and a project are linked at most once,
        so no DISTINCT is needed): a correlated subquery per goal would read all the projects
        17 times. Being a join, it must not be chained with another join-based count."""
        linked = Q(projects__in=projects.order_by().values("pk"))
        return in_order(self.annotate(project_count=Count("projects", filter=linked)))


def public_goals():
    return GoalQuerySet(Goal)


class CountryQuerySet(models.QuerySet):
    def with_project_counts(self, projects):
        """Each country with `project_count`: how many of `projects` have it as partner.

        One grouped query over the partner-country links, as for goals (a correlated subquery
        per country read all the projects once per country); not to be chained with another
        join-based count (the subquery-based ones below are fine)."""
        linked = Q(projects__in=projects.order_by().values("pk"))
        return in_order(self.annotate(project_count=Count("projects", filter=linked)))

    def with_partner_municipality_counts(self, projects):
        """Each country with `municipality_count`: its municipalities partnering in `projects`."""
        through = PartnerMunicipality.objects.filter(
            municipality__country=OuterRef("pk"), project__in=projects
        )
        return self.annotate(municipality_count=count_of(through, "municipality_id"))

    def partners_in(self, projects):
        """Only the countries that are partner countries of some of `projects`."""
        through = PartnerCountry.objects.filter(project__in=projects)
        return self.filter(pk__in=through.values("country_id"))


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


class MunicipalityQuerySet(models.QuerySet):
    def involved_in(self, projects):
        """Municipalities owning or partnering in any of `projects`."""
        partners = PartnerMunicipality.objects.filter(project__in=projects)
        return self.filter(
            Q(pk__in=projects.values("municipality_id"))
            | Q(pk__in=partners.values("municipality_id"))
        )

    def with_project_counts(self, projects):
        """Each municipality with `project_count`: how many of `projects` it owns."""
        return self.annotate(project_count=count_of(projects.filter(municipality=OuterRef("pk"))))

    def with_partnership_counts(self, projects):
        """Each with `partnership_count`: how many of `projects` are its partnerships."""
        partnerships = projects.filter(
            Q(partner_municipalities=OuterRef("pk"))
            | Q(municipality=OuterRef("pk"), type=Project.Type.MUNICIPAL_PARTNERSHIP)
        )
        return self.annotate(partnership_count=count_of(partnerships))

    def with_involvement_counts(self, projects):
        """Each with `involvement_count`: how many of `projects` it owns or is a partner in."""
        involving = projects.filter(
            Q(municipality=OuterRef("pk")) | Q(partner_municipalities=OuterRef("pk"))
        )
        return self.annotate(involvement_count=count_of(involving))


def public_municipalities():
    return MunicipalityQuerySet(Municipality).select_related("country")


class PublicFunderQuerySet(FunderQuerySet):
    def for_list(self):
        """Funders with their parent, for /funders/."""
        return self.select_related("parent")

    def project_ids_by_funder(self, projects):
        """{funder pk: set of pks of `projects` it finances directly}, in one query."""
        pairs = ProjectFunder.objects.filter(funder__in=self, project__in=projects)
        found = {}
        for funder_id, project_id in pairs.values_list("funder_id", "project_id"):
            found.setdefault(funder_id, set()).add(project_id)
        return found


def public_funders():
    return PublicFunderQuerySet(Funder)


def total_project_counts(funders, projects):
    """{funder pk: number of `projects` it finances itself or through funders it finances}.

    `funders` must hold every funder of the tree (the whole list page does), so the walk
    down the `parent` links happens in Python: two queries for any number of funders."""
    direct = public_funders().filter(pk__in=[f.pk for f in funders]).project_ids_by_funder(projects)
    children = {}
    for funder in funders:
        children.setdefault(funder.parent_id, []).append(funder.pk)

    def subtree(pk, seen):
        found = set(direct.get(pk, ()))
        for child in children.get(pk, ()):
            if child not in seen:
                found |= subtree(child, seen | {child})
        return found

    return {funder.pk: len(subtree(funder.pk, {funder.pk})) for funder in funders}


def headline_numbers():
    """The home page's four numbers: one small COUNT query each."""
    projects = published_projects()
    return {
        "projects": projects.count(),
        "municipalities": public_municipalities().involved_in(projects).count(),
        "countries": public_countries().partners_in(projects).count(),
        "networks": Network.objects.count(),
    }
