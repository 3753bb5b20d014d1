"""The rows the public pages read: published projects only, reference data in the orders the
pages show, and a page's own section of projects with the link to the rest."""

from urllib.parse import urlencode

from django.db import models
from django.db.models import Count, Q
from django.urls import reverse

from registry.models import Country, Funder, FunderQuerySet, Goal, Municipality
from registry.text import name_key

from ..models import DEFAULT_SORT, SORT_ORDERS, Project, ProjectQuerySet

# A detail page lists this many projects and links to the filtered list for the rest.
PROJECTS_SHOWN = 25


class PublicProjectQuerySet(ProjectQuerySet):
    def for_partnership_list(self):
        """What a municipality's list of partnerships names: the title and every municipality
        of each partnership with its country, in two queries."""
        return self.select_related("municipality__country").prefetch_related(
            "partner_municipalities__country"
        )

    def recently_updated(self):
        """Newest change first, for the home page: only records a person changed
        (`Project.changed_at`), never one just loaded with the seed data."""
        return self.filter(changed_at__isnull=False).order_by("-changed_at", "title")


def published_projects():
    """The only starting point for public project lists: drafts never appear."""
    return PublicProjectQuerySet(Project).published()


def filtered_list_url(**params):
    """/projects/ filtered by `params`, e.g. filtered_list_url(goal=4)."""
    return f"{reverse('projects:list')}?{urlencode(params)}"


def project_section(index, projects, all_url):
    """A detail page's projects: the first PROJECTS_SHOWN of the bitmap `projects` in the
    list's default order, their total and the URL listing them all. The index knows which
    they are, so only those rows are read, by primary key."""
    ids = index.first_ids(projects, PROJECTS_SHOWN)
    shown = published_projects().for_rows().filter(pk__in=ids)
    return {
        "projects": list(shown.order_by(*SORT_ORDERS[DEFAULT_SORT])),
        "total": len(projects),
        "all_url": all_url,
    }


def public_goals():
    # With where their Latvian names come from, which the Latvian pages cite.
    return Goal.objects.select_related("names_lv_source")


class CountryQuerySet(models.QuerySet):
    def with_partner_municipality_counts(self, partnering):
        """Each country with `municipality_count`: how many of its municipalities are in
        `partnering` (the pks of those partner in a published project)."""
        partner = Q(municipalities__in=list(partnering))
        return self.annotate(municipality_count=Count("municipalities", filter=partner))


def public_countries():
    return CountryQuerySet(Country)


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
