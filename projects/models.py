"""Projects and partnerships, their dated events, strategies and named contacts."""

import re
import uuid
from datetime import date, timedelta

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models
from django.db.models import F, Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import Signal, receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import (
    Basis,
    Citation,
    Country,
    Funder,
    Goal,
    Municipality,
    Organisation,
    Source,
    basis_fields,
    check_basis,
    slug_unique_ignoring_case,
)
from registry.text import fold

from .conditions import All, Any, Compare, Equals, any_of_q, covered_in

EARLIEST_YEAR = 1950
LATEST_YEAR = 2100
year_validators = [MinValueValidator(EARLIEST_YEAR), MaxValueValidator(LATEST_YEAR)]


# The orders of the project list (projects/filters.py), by its `sort` parameter. Each ends
# with the primary key, so that projects with the same year and title keep one order between
# the pages of the list, the project index's pages and an export.
SORT_ORDERS = {
    "title": [F("title").asc(), F("pk").asc()],
    "-title": [F("title").desc(), F("pk").desc()],
    "start_year": [F("start_year").asc(nulls_last=True), F("title").asc(), F("pk").asc()],
    "-start_year": [F("start_year").desc(nulls_last=True), F("title").asc(), F("pk").asc()],
    "municipality": [F("municipality__name").asc(), F("title").asc(), F("pk").asc()],
}
DEFAULT_SORT = "-start_year"

# A search matching more projects than this is not ranked (ProjectQuerySet.search).
RANKED_AT_MOST = 1000


def current_year():
    return timezone.localdate().year


# How long a confirmation of a project's facts holds (see `status_conditions`).
CONFIRMATION_HOLDS_MONTHS = 12


def confirmation_cutoff(today=None):
    """The first day a confirmation still holds on `today` (default: today): the same day
    CONFIRMATION_HOLDS_MONTHS months earlier (28 February for a 29 February)."""
    today = today or timezone.localdate()
    months = today.year * 12 + today.month - 1 - CONFIRMATION_HOLDS_MONTHS
    year, month = divmod(months, 12)
    for day in (today.day, 28):
        try:
            return date(year, month + 1, day)
        except ValueError:
            continue


def status_conditions(year, cutoff=None):
    """What each status means in `year`, the one statement of the rule. Planned before its
    start year, completed after its end year, ongoing in between (an empty start year is
    open), and paused if flagged. A status that the years do not settle (no end year, or
    paused) holds only while the facts were confirmed (`confirmed_on`) on or after `cutoff`
    (default: 12 months before today); after that the project is *unconfirmed* (since its
    `confirmed_on`). Exactly one of them holds for any project. The SQL filter
    (`ProjectQuerySet.with_status`), a project's own status (`derived_status`), the project
    index's status facet and the exports all read these."""
    cutoff = cutoff or confirmation_cutoff()
    active = Equals("paused", False)
    paused = Equals("paused", True)
    started = Compare("start_year", "lte", year, empty=True)
    open_ended = Equals("end_year", None)
    fresh = Compare("confirmed_on", "gte", cutoff)
    stale = Compare("confirmed_on", "lt", cutoff, empty=True)
    return {
        Project.Status.PAUSED: All(paused, fresh),
        Project.Status.PLANNED: All(active, Compare("start_year", "gt", year)),
        Project.Status.COMPLETED: All(active, started, Compare("end_year", "lt", year)),
        Project.Status.ONGOING: Any(
            All(active, started, Compare("end_year", "gte", year)),
            All(active, started, open_ended, fresh),
        ),
        Project.Status.UNCONFIRMED: Any(
            All(paused, stale), All(active, started, open_ended, stale)
        ),
    }


def derived_status(paused, start_year, end_year, year, confirmed_on=None, cutoff=None):
    """A project's status in `year` from its values (see `status_conditions`)."""
    values = {
        "paused": paused,
        "start_year": start_year,
        "end_year": end_year,
        "confirmed_on": confirmed_on,
    }
    for status, condition in status_conditions(year, cutoff).items():
        if condition.test(values):
            return status
    raise AssertionError("status_conditions covers every project")


class StoredSearchVector(models.Expression):
    """The projects table's `search_vector` column (migration 0005: to_tsvector('simple',
    search_text), generated and stored by PostgreSQL). The column is not a model field, since
    SQLite has none, so this names it with the table's alias in the query at hand."""

    output_field = SearchVectorField()

    def __init__(self, alias=None):
        super().__init__()
        self.alias = alias

    def resolve_expression(self, query=None, *args, **kwargs):
        clone = self.copy()
        clone.alias = query.get_initial_alias()
        return clone

    def relabeled_clone(self, change_map):
        # The query became a subquery, whose tables are renamed (U0, V0…).
        clone = self.copy()
        clone.alias = change_map.get(self.alias, self.alias)
        return clone

    def as_sql(self, compiler, connection):
        return f"{compiler.quote_name_unless_alias(self.alias)}.search_vector", []


class ProjectQuerySet(models.QuerySet):
    def published(self):
        """Only what the public may see: drafts stay in the admin."""
        return self.filter(publication=Project.Publication.PUBLISHED)

    def for_municipality(self, municipality):
        return self.filter(municipality=municipality)

    def for_list(self):
        """Everything a list row or an export row shows, in a fixed number of queries."""
        return self.select_related("municipality", "municipality__country").prefetch_related(
            "organisations",
            "partner_countries",
            "goals",
            "funders",
            "partner_municipalities",
            "translations",
        )

    def for_rows(self):
        """What a row of a public project list shows (projects/includes/project_row.html, on
        the list and every page that lists projects), in five queries, leaving out the long
        texts no row shows."""
        return (
            self.select_related("municipality")
            .defer("description", "search_text", "source")
            .prefetch_related(
                "organisations",
                "partner_countries",
                # How each goal is known: a row marks the assumed ones.
                models.Prefetch(
                    "projectgoal_set", queryset=ProjectGoal.objects.select_related("goal")
                ),
                models.Prefetch(
                    "translations",
                    queryset=ProjectTranslation.objects.defer("description"),
                ),
            )
        )

    def for_detail(self):
        """Everything the project page shows, with how each funder and goal is known and the
        sources it rests on."""
        return self.for_list().prefetch_related(
            "events__citations__source",
            "events__translations",
            "contacts",
            models.Prefetch(
                "projectfunder_set",
                queryset=ProjectFunder.objects.select_related("funder__parent").order_by(
                    "funder__name", "funder_id"
                ),
            ),
            models.Prefetch(
                "projectgoal_set", queryset=ProjectGoal.objects.select_related("goal")
            ),
            models.Prefetch(
                "citations",
                queryset=ProjectSource.objects.select_related("source").order_by(
                    F("source__date").desc(nulls_last=True), "source__publisher", "pk"
                ),
            ),
            "partner_organisations__country",
            "networks",
        )

    def search(self, text, ranked=True):
        """Projects whose title, summary, description (in any language they are kept in:
        `build_search_text`), units or municipalities contain every word of `text`, ignoring
        case and accents. On PostgreSQL through the full-text index (migration 0002) and, when
        `ranked`, best first as `search_rank`; elsewhere by substring. Unranked, the queryset
        keeps its order.

        Ranking reads and sorts every match, so a search matching more than RANKED_AT_MOST
        projects (a common word: one query of at most that many rows tells) comes in the
        list's default order instead, which its index serves a page at a time."""
        words = fold(text).split()
        if not words:
            return self
        if connections[self.db].vendor != "postgresql":
            for word in words:
                self = self.filter(search_text__contains=word)
            return self
        # search_text is folded in Python already (no accents, lower case), so the
        # language-neutral "simple" configuration is enough and needs no unaccent extension;
        # a Swedish or Latvian stemmer would mangle the other language's words and the names.
        # Each word becomes a prefix term ("norrk" finds "norrköping", like `contains` at the
        # start of a word); the terms are ANDed. Keeping only letters and digits makes the
        # raw tsquery safe from its operators and from NUL bytes.
        terms = [term for word in words for term in re.findall(r"[^\W_]+", word)]
        if not terms:
            return self.none()
        query = SearchQuery(
            " & ".join(f"{term}:*" for term in terms), search_type="raw", config="simple"
        )
        # The column of migration 0005: indexed, and ranked without re-parsing the text.
        vector = StoredSearchVector()
        found = self.alias(stored_vector=vector).filter(stored_vector=query)
        if not ranked:
            return found
        if not self.ranks_search(found.order_by()[: RANKED_AT_MOST + 1].count()):
            return found.order_by(*SORT_ORDERS[DEFAULT_SORT])
        return found.annotate(search_rank=SearchRank(vector, query)).order_by(
            "-search_rank", *SORT_ORDERS[DEFAULT_SORT]
        )

    def ranks_search(self, matches):
        """Whether a search with this many matches comes best first (see `search`): only on
        PostgreSQL, and only when there are few enough to rank."""
        return connections[self.db].vendor == "postgresql" and matches <= RANKED_AT_MOST

    def with_status(self, *statuses, year=None):
        """Projects whose derived status is one of `statuses` in `year` (default: this year)."""
        conditions = status_conditions(year or current_year())
        return self.filter(any_of_q(conditions[status] for status in statuses))

    def active_in(self, *years):
        """Projects known to run in any of `years` (`conditions.covered_in`)."""
        return self.filter(any_of_q(covered_in(year) for year in years))


# Sent with `instance` when a project's search text is written by an UPDATE of its own
# (Project.refresh_search_text), which sends no post_save.
search_text_refreshed = Signal()


class ProjectManager(models.Manager.from_queryset(ProjectQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Project(models.Model):
    class Type(models.TextChoices):
        MOBILITY = "mobility", _("mobility")
        STRATEGIC_PARTNERSHIP = "strategic_partnership", _("strategic partnership")
        MUNICIPAL_PARTNERSHIP = "municipal_partnership", _("municipal partnership")
        SCHOOL_PARTNERSHIP = "school_partnership", _("school partnership")
        RESEARCH = "research", _("research")
        JOB_SHADOWING = "job_shadowing", _("job shadowing")
        EXCHANGE = "exchange", _("exchange")
        WORK_PLACEMENT = "work_placement", _("work placement")
        CAPACITY_BUILDING = "capacity_building", _("capacity building")
        COMMUNITY_DEVELOPMENT = "community_development", _("community development")
        COMMUNICATION = "communication", _("communication")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        ONGOING = "ongoing", _("ongoing")
        COMPLETED = "completed", _("completed")
        PAUSED = "paused", _("paused")
        UNCONFIRMED = "unconfirmed", _("unconfirmed")

    class Publication(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    class Language(models.TextChoices):
        SWEDISH = "sv", _("Swedish")
        ENGLISH = "en", _("English")
        LATVIAN = "lv", _("Latvian")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    # The language title, summary and description are written in: the original, which
    # translations (projects/translations.py) are made from.
    language = models.CharField(
        _("original language"), max_length=5, choices=Language.choices, default=Language.SWEDISH
    )
    # The owner: the municipality whose coordinators keep this record.
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("municipality"),
    )
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="projects", verbose_name=_("units and organisations")
    )
    partner_municipalities = models.ManyToManyField(
        Municipality,
        blank=True,
        related_name="partner_projects",
        verbose_name=_("partner municipalities"),
    )
    partner_countries = models.ManyToManyField(
        Country, blank=True, related_name="projects", verbose_name=_("partner countries")
    )
    partner_organisations = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="partner_projects",
        verbose_name=_("partner organisations"),
        help_text=_("Schools, universities and other bodies outside the municipality."),
    )
    funders = models.ManyToManyField(
        Funder,
        through="ProjectFunder",
        blank=True,
        related_name="projects",
        verbose_name=_("funders"),
    )
    goals = models.ManyToManyField(
        Goal, through="ProjectGoal", blank=True, related_name="projects", verbose_name=_("goals")
    )
    networks = models.ManyToManyField(
        "networks.Network",
        blank=True,
        related_name="projects",
        verbose_name=_("networks"),
        help_text=_("The networks this project is part of (not every network of its owner)."),
    )
    sources = models.ManyToManyField(
        Source,
        through="ProjectSource",
        blank=True,
        related_name="projects",
        verbose_name=_("sources"),
    )
    type = models.CharField(_("type"), max_length=30, choices=Type.choices, default=Type.OTHER)
    start_year = models.PositiveSmallIntegerField(
        _("start year"), null=True, blank=True, validators=year_validators
    )
    end_year = models.PositiveSmallIntegerField(
        _("end year"),
        null=True,
        blank=True,
        validators=year_validators,
        help_text=_("Empty for an open-ended project."),
    )
    period_note = models.CharField(
        _("period as stated"), max_length=200, blank=True,
        help_text=_("The period in the source's words, e.g. “from March 2019 to spring 2021”."),
    )
    paused = models.BooleanField(_("paused"), default=False)
    extension_note = models.CharField(_("extension"), max_length=200, blank=True)
    reach = models.CharField(_("reach"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    source = models.TextField(
        _("editors' notes (staff only)"),
        blank=True,
        help_text=_("How the sources were read; never shown publicly."),
    )
    publication = models.CharField(
        _("publication"), max_length=10, choices=Publication.choices, default=Publication.DRAFT
    )
    # What a coordinator confirmed, and when: the project's "confirmed as of" date is the later
    # of this and its newest source's date (`confirmed_on`).
    reviewed_on = models.DateField(
        null=True,
        blank=True,
        verbose_name=_("facts last confirmed"),
        help_text=_("The day a coordinator last confirmed the project's facts."),
    )
    # The later of `reviewed_on` and the newest cited source's date, kept by
    # `refresh_confirmed_on`: stored, so that the status rule reads it in SQL and on the
    # project index as it reads the years.
    confirmed_on = models.DateField(_("facts confirmed as of"), null=True, editable=False)
    # The oldest cited source's date: the first year the facts cover when no start year is
    # stated (`conditions.covered_in`), kept with `confirmed_on`.
    sources_from = models.DateField(_("oldest source"), null=True, editable=False)
    # Folded copy of the searchable text, kept current by the signals below.
    search_text = models.TextField(editable=False, blank=True, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)
    # The one rule for "last changed" on every public surface (page, home, sitemap, feed,
    # exports, API, IATI): when a person last changed the record, by any save that bumps
    # `updated_at` (`save`). NULL for a record the seed data created and nobody changed since:
    # loading the data is no change to it.
    changed_at = models.DateTimeField(_("record last changed"), null=True, editable=False)

    objects = ProjectManager()

    class Meta:
        ordering = ["-start_year", "title"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__isnull=True)
                | Q(start_year__isnull=True)
                | Q(end_year__gte=models.F("start_year")),
                name="project_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(start_year__isnull=True)
                | Q(start_year__gte=EARLIEST_YEAR, start_year__lte=LATEST_YEAR),
                name="project_start_year_plausible",
            ),
            models.CheckConstraint(
                condition=Q(end_year__isnull=True)
                | Q(end_year__gte=EARLIEST_YEAR, end_year__lte=LATEST_YEAR),
                name="project_end_year_plausible",
            ),
            slug_unique_ignoring_case("project_slug_unique_ignoring_case"),
        ]
        indexes = [
            # /projects/?sort=start_year and its export (filters.py SORT_ORDERS).
            models.Index(fields=["start_year", "title", "id"], name="project_start_title"),
            # /projects/?sort=title and ?sort=-title (read backwards), and their exports.
            models.Index(fields=["title", "id"], name="project_title"),
            # /projects/?active_in= and status filters compare the end year.
            models.Index(fields=["end_year"], name="project_end_year"),
            # The home page's "recently updated".
            models.Index(fields=["-changed_at"], name="project_changed"),
            # /feed/: the newest published projects (projects/pages/feeds.py), the first 20 index
            # entries instead of sorting every published project.
            models.Index(fields=["-created_at"], name="project_created"),
            # The admin's project list (projects/admin.py ProjectAdmin): its default order is
            # Meta.ordering with Django's "-pk" added, drafts included, so its first page reads
            # 100 index entries instead of sorting every project.
            models.Index(fields=["-start_year", "title", "-id"], name="project_admin_order"),
            # Every public page filters on publication first.
            models.Index(fields=["publication", "municipality"], name="project_pub_municipality"),
            # /projects/?status= and ?active_in=, and the list's facet counts: the published
            # projects' years, ids and owners from a narrow index instead of the wide rows.
            # (The default newest-first order has a PostgreSQL-only index: migration 0003.)
            models.Index(
                fields=["publication", "end_year", "start_year", "paused", "municipality", "id"],
                name="project_pub_years",
            ),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError({"end_year": _("The end year cannot be before the start year.")})

    def build_search_text(self):
        """The folded words a search finds the project by: its texts in every language they
        are kept in, its municipality's, units' and partners' names."""
        parts = [self.title, self.summary, self.description, self.municipality.name]
        if self.pk:
            for translation in self.translations.all():
                parts += [translation.title, translation.summary, translation.description]
            parts += [unit.name for unit in self.organisations.all()]
            parts += [partner.name for partner in self.partner_municipalities.all()]
        return fold(" ".join(parts))

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        self.confirmed_on, self.sources_from = self.confirmation_dates()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "reviewed_on" in update_fields:
            kwargs["update_fields"] = {*update_fields, "confirmed_on", "sources_from"}
        # A save that bumps `updated_at` is a change, unless the seed command is creating the
        # record (it sets `loaded_by_seed`; a fixture loaded raw never calls `save`). Saves of
        # derived fields only (`refresh_confirmed_on`, a review) leave both times alone.
        if update_fields is None or "updated_at" in update_fields:
            if not getattr(self, "loaded_by_seed", False):
                self.changed_at = timezone.now()
                if update_fields is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "changed_at"}
        super().save(*args, **kwargs)

    def refresh_search_text(self):
        Project.objects.filter(pk=self.pk).update(search_text=self.build_search_text())
        # An UPDATE sends no post_save: what keeps a search's matches (projects/project_index.py)
        # is told by this signal instead.
        search_text_refreshed.send(sender=Project, instance=self)

    def status_in(self, year, cutoff=None):
        return derived_status(
            self.paused, self.start_year, self.end_year, year, self.confirmed_on, cutoff
        )

    @property
    def status(self):
        """Derived, never stored: from the years, the paused flag, the facts' confirmation
        and today's date (`status_conditions`)."""
        return self.status_in(current_year())

    @property
    def unconfirmed(self):
        return self.status == self.Status.UNCONFIRMED

    def confirmation_dates(self):
        """(newest, oldest) of the dates the facts rest on: the cited sources' dates and the
        coordinator's review (which only confirms, so it is no oldest source)."""
        dates = []
        if self.pk:
            dates = [d for d in self.sources.values_list("date", flat=True) if d is not None]
        oldest = min(dates, default=None)
        newest = max([*dates, *([self.reviewed_on] if self.reviewed_on else [])], default=None)
        return newest, oldest

    def refresh_confirmed_on(self):
        """Store the derived dates again (after a citation or a source's date changed); saved
        through `save` so the project index and the page cache hear of it."""
        newest, oldest = self.confirmation_dates()
        if (newest, oldest) != (self.confirmed_on, self.sources_from):
            self.confirmed_on, self.sources_from = newest, oldest
            self.save(update_fields=["confirmed_on", "sources_from"])

    def get_status_display(self):
        return self.Status(self.status).label

    @property
    def is_published(self):
        return self.publication == self.Publication.PUBLISHED

    def get_absolute_url(self):
        return reverse("projects:detail", args=[self.slug])


class LinkManager(models.Manager):
    """Finds a project's link by the project's slug and the linked record's natural key."""

    def get_by_natural_key(self, project_slug, *key):
        field = self.model._meta.get_field(self.model.LINKED)
        linked = field.related_model._default_manager.get_by_natural_key(*key)
        return self.get(project__slug=project_slug, **{self.model.LINKED: linked})


class ProjectFunder(models.Model):
    """A funder of a project, how the registry knows it, and what it funds when that is only
    part of the project (Nordplus funds one project's dissemination)."""

    LINKED = "funder"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, verbose_name=_("project"))
    funder = models.ForeignKey(Funder, on_delete=models.CASCADE, verbose_name=_("funder"))
    basis = basis_fields()["basis"]
    basis_note = basis_fields()["basis_note"]
    scope = models.CharField(
        _("what it funds"),
        max_length=300,
        blank=True,
        help_text=_("When it funds only part of the project, in the project's language."),
    )

    objects = LinkManager()

    class Meta:
        # The table the plain many-to-many link had (migration 0012 keeps its rows).
        db_table = "projects_project_funders"
        unique_together = [("project", "funder")]
        verbose_name = _("funder")
        verbose_name_plural = _("funders")

    def __str__(self):
        return str(self.funder)

    def natural_key(self):
        return (*self.project.natural_key(), *self.funder.natural_key())

    natural_key.dependencies = ["projects.project", "registry.funder"]

    @property
    def assumed(self):
        return self.basis == Basis.ASSUMED

    def clean(self):
        check_basis(self)


class ProjectGoal(models.Model):
    """An Agenda 2030 goal a project serves, and how the registry knows it."""

    LINKED = "goal"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, verbose_name=_("project"))
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, verbose_name=_("goal"))
    basis = basis_fields()["basis"]
    basis_note = basis_fields()["basis_note"]

    objects = LinkManager()

    class Meta:
        db_table = "projects_project_goals"
        unique_together = [("project", "goal")]
        ordering = ["goal"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self):
        return str(self.goal)

    def natural_key(self):
        return (*self.project.natural_key(), *self.goal.natural_key())

    natural_key.dependencies = ["projects.project", "registry.goal"]

    @property
    def assumed(self):
        return self.basis == Basis.ASSUMED

    def clean(self):
        check_basis(self)


class ProjectSource(Citation):
    OWNER = "project"
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="citations")

    class Meta(Citation.Meta):
        constraints = [
            models.UniqueConstraint(fields=["project", "source"], name="project_source_unique")
        ]


class EventManager(models.Manager):
    def get_by_natural_key(self, project_slug, title, date):
        return self.get(project__slug=project_slug, title=title, date=date or None)


class Event(models.Model):
    """A dated event or news item of a project: a seminar, an opening, a news article."""

    class Kind(models.TextChoices):
        NEWS = "news", _("news")
        SEMINAR = "seminar", _("seminar")
        WORKSHOP = "workshop", _("workshop")
        OPENING = "opening", _("opening")
        MEETING = "meeting", _("meeting")
        VISIT = "visit", _("visit")
        OTHER = "other", _("other")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="events", verbose_name=_("project")
    )
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    date = models.DateField(_("date"), null=True, blank=True)
    time = models.TimeField(_("time"), null=True, blank=True)
    date_note = models.CharField(
        _("date as stated"), max_length=200, blank=True,
        help_text=_(
            "When the source gives no exact date, e.g. “between August 2019 and January 2020”."
        ),
    )
    place = models.CharField(_("place"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("link"), blank=True)
    source = models.TextField(_("editors' notes (staff only)"), blank=True)
    sources = models.ManyToManyField(
        Source, through="EventSource", blank=True, related_name="events", verbose_name=_("sources")
    )

    objects = EventManager()

    class Meta:
        ordering = ["project", "date", "time", "pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(date__isnull=False) | ~Q(date_note=""), name="event_has_date_or_note"
            ),
            models.UniqueConstraint(fields=["project", "title", "date"], name="event_unique"),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (*self.project.natural_key(), self.title, self.date.isoformat() if self.date else "")

    @property
    def language(self):
        """The language it is written in: its project's original language (its translations,
        projects/translations.py, are into the others)."""
        return self.project.language

    natural_key.dependencies = ["projects.project"]

    def clean(self):
        if self.date is None and not self.date_note:
            raise ValidationError(_("Give a date or say in words when it happened."))


class EventSource(Citation):
    OWNER = "event"
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="citations")

    class Meta(Citation.Meta):
        constraints = [
            models.UniqueConstraint(fields=["event", "source"], name="event_source_unique")
        ]


class SlugManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Strategy(models.Model):
    """A municipality's or a network's adopted strategy or plan, with its items."""

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="strategies",
        verbose_name=_("municipality"),
    )
    network = models.ForeignKey(
        "networks.Network",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="strategies",
        verbose_name=_("network"),
    )
    adopted_by = models.CharField(_("adopted by"), max_length=200, blank=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    start_year = models.PositiveSmallIntegerField(
        _("start year"), null=True, blank=True, validators=year_validators
    )
    end_year = models.PositiveSmallIntegerField(
        _("end year"), null=True, blank=True, validators=year_validators
    )
    summary = models.TextField(_("summary"), blank=True)
    target_group = models.CharField(_("target group"), max_length=300, blank=True)
    budget_amount = models.DecimalField(
        _("budget"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    budget_currency = models.CharField(
        _("currency"), max_length=3, blank=True, help_text=_("ISO 4217 code, e.g. SEK or EUR.")
    )
    budget_year = models.PositiveSmallIntegerField(
        _("budget year"), null=True, blank=True, validators=year_validators
    )
    # Unknown (empty) when the sources do not say.
    has_action_plan = models.BooleanField(
        _("has an action plan"), null=True, blank=True, help_text=_("Empty: not stated.")
    )
    language = models.CharField(
        _("content language"), max_length=5, choices=Project.Language.choices, default="sv"
    )
    website = models.URLField(_("website"), blank=True)
    source = models.TextField(_("editors' notes (staff only)"), blank=True)
    sources = models.ManyToManyField(
        Source,
        through="StrategySource",
        blank=True,
        related_name="strategies",
        verbose_name=_("sources"),
    )

    objects = SlugManager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        constraints = [
            models.CheckConstraint(
                condition=Q(municipality__isnull=False) | Q(network__isnull=False),
                name="strategy_has_owner",
            ),
            models.CheckConstraint(
                condition=Q(end_year__isnull=True)
                | Q(start_year__isnull=True)
                | Q(end_year__gte=models.F("start_year")),
                name="strategy_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(budget_amount__isnull=True) | ~Q(budget_currency=""),
                name="strategy_budget_has_currency",
            ),
            slug_unique_ignoring_case("strategy_slug_unique_ignoring_case"),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        if self.municipality_id is None and self.network_id is None:
            raise ValidationError(_("A strategy belongs to a municipality or a network."))
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError({"end_year": _("The end year cannot be before the start year.")})
        if self.budget_amount is not None and not self.budget_currency:
            raise ValidationError({"budget_currency": _("Say which currency the budget is in.")})


class StrategySource(Citation):
    OWNER = "strategy"
    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="citations")

    class Meta(Citation.Meta):
        constraints = [
            models.UniqueConstraint(fields=["strategy", "source"], name="strategy_source_unique")
        ]


class StrategyItemManager(models.Manager):
    def get_by_natural_key(self, strategy_slug, position):
        return self.get(strategy__slug=strategy_slug, position=position)


class StrategyItem(models.Model):
    class Kind(models.TextChoices):
        PRIORITY_AREA = "priority_area", _("priority area")
        AIM = "aim", _("aim")

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("text"), max_length=500)

    objects = StrategyItemManager()

    class Meta:
        ordering = ["strategy", "position"]
        verbose_name = _("strategy item")
        verbose_name_plural = _("strategy items")
        constraints = [
            models.UniqueConstraint(fields=["strategy", "position"], name="strategy_item_position")
        ]

    def __str__(self):
        return self.text

    def natural_key(self):
        return (*self.strategy.natural_key(), self.position)

    @property
    def language(self):
        """The language it is written in: its strategy's (its translations,
        projects/translations.py, are into the others)."""
        return self.strategy.language

    natural_key.dependencies = ["projects.strategy"]


class ContactManager(models.Manager):
    def get_by_natural_key(self, municipality_slug, name):
        return self.get(municipality__slug=municipality_slug, name=name)


class Contact(models.Model):
    """A person named as a contact; shown on public pages only when marked public."""

    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="contacts",
        verbose_name=_("municipality"),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_public = models.BooleanField(_("shown publicly"), default=False)
    source = models.TextField(_("editors' notes (staff only)"), blank=True)

    objects = ContactManager()

    class Meta:
        ordering = ["municipality", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="contact_unique_name")
        ]

    def __str__(self):
        return f"{self.name} ({self.role})" if self.role else self.name

    def natural_key(self):
        return (*self.municipality.natural_key(), self.name)

    natural_key.dependencies = ["registry.municipality"]


@receiver(m2m_changed, sender=Project.organisations.through)
@receiver(m2m_changed, sender=Project.partner_municipalities.through)
def _units_or_partners_changed(sender, instance, action, reverse, **kwargs):
    if not reverse:
        if action.startswith("post_"):
            instance.refresh_search_text()
        return
    # A unit or municipality's project list changed: refresh each affected project. A clear
    # names none of them (pk_set is None), so they are read before it.
    if action == "pre_clear":
        instance._projects_to_refresh = _linked_projects(instance)
    elif action == "post_clear":
        _refresh_search_text(instance.__dict__.pop("_projects_to_refresh", []))
    elif action.startswith("post_"):
        _refresh_search_text(kwargs.get("pk_set") or [])


@receiver(pre_delete, sender=Organisation)
@receiver(pre_delete, sender=Municipality)
def _unit_or_partner_deleting(sender, instance, **kwargs):
    # A deletion removes the links with the row and sends no m2m_changed: the projects that
    # named it (as a unit, or as a partner) would stay findable by its name.
    instance._projects_to_refresh = _linked_projects(instance)


@receiver(post_delete, sender=Organisation)
@receiver(post_delete, sender=Municipality)
def _unit_or_partner_deleted(sender, instance, **kwargs):
    _refresh_search_text(instance.__dict__.pop("_projects_to_refresh", []))


def _linked_projects(instance):
    """The projects linking to a unit (as one of theirs) or to a municipality (as a partner),
    read before a clear or a deletion removes the links; kept on the instance until its post_
    signal."""
    field = Project._meta.get_field(
        "organisations" if isinstance(instance, Organisation) else "partner_municipalities"
    )
    links = field.remote_field.through.objects.filter(
        **{field.m2m_reverse_field_name(): instance.pk}
    )
    return list(links.values_list(field.m2m_field_name(), flat=True))


def _refresh_search_text(project_pks):
    """Rewrites the search text of the projects `project_pks`, reading what it is built of
    (`Project.build_search_text`) in a fixed number of queries whatever their number."""
    projects = (
        Project.objects.filter(pk__in=project_pks)
        .select_related("municipality")
        .prefetch_related("translations", "organisations", "partner_municipalities")
    )
    for project in projects:
        project.refresh_search_text()


@receiver(post_save, sender=ProjectSource)
@receiver(post_delete, sender=ProjectSource)
def _citation_changed(sender, instance, **kwargs):
    project = Project.objects.filter(pk=instance.project_id).first()
    if project is not None:
        project.refresh_confirmed_on()


@receiver(m2m_changed, sender=ProjectSource)
def _citations_changed(sender, instance, action, reverse, **kwargs):
    if not action.startswith("post_"):
        return
    projects = Project.objects.filter(pk__in=kwargs.get("pk_set") or []) if reverse else [instance]
    if reverse and action == "post_clear":
        projects = []
    for project in projects:
        project.refresh_confirmed_on()


@receiver(post_save, sender=Source)
def _source_changed(sender, instance, created, **kwargs):
    if not created:
        for project in Project.objects.filter(sources=instance):
            project.refresh_confirmed_on()


@receiver(post_save, sender=Municipality)
@receiver(post_save, sender=Organisation)
def _name_changed(sender, instance, created, **kwargs):
    if created:
        return
    projects = (
        Project.objects.filter(Q(municipality=instance) | Q(partner_municipalities=instance))
        if sender is Municipality
        else Project.objects.filter(organisations=instance)
    )
    _refresh_search_text(projects.values("pk"))


class IndexLog(models.Model):
    """One row: how many changes to published projects the project index has been told of
    (`version`), and below which version the log of changes has been pruned (`floor`).

    projects/project_index.py bumps `version` inside the writer's transaction, which locks the
    row until it commits: versions are handed out in commit order, so a reader that has seen
    version N has seen every change up to N."""

    version = models.BigIntegerField(default=0)
    floor = models.BigIntegerField(default=0)

    def __str__(self):
        return f"project index log at {self.version}"


class IndexChange(models.Model):
    """A project whose indexed values (publication, owner, type, years, links) may have
    changed at `version`; the project index re-reads it."""

    version = models.BigIntegerField(db_index=True)
    project_id = models.BigIntegerField()

    def __str__(self):
        return f"project {self.project_id} at {self.version}"


class IndexSnapshot(models.Model):
    """The project index as of `version`, serialised, so that a starting worker loads it in
    milliseconds instead of reading every project (one row)."""

    version = models.BigIntegerField()
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"project index at {self.version}"


class ExportJobQuerySet(models.QuerySet):
    def pending(self):
        """Jobs queued or running that have moved within ExportJob.ABANDONED_AFTER: what the
        export limits count. A job whose worker died stops counting, and shows as failed."""
        moved_since = timezone.now() - ExportJob.ABANDONED_AFTER
        return self.filter(
            state__in=[ExportJob.State.QUEUED, ExportJob.State.RUNNING],
            updated_at__gte=moved_since,
        )

    def current(self):
        """Jobs not yet expired: older ones are gone for their visitors (404) and pruned."""
        return self.filter(created_at__gte=timezone.now() - ExportJob.EXPIRES_AFTER)


class ExportJob(models.Model):
    """An export written in the background (projects/export_jobs.py, docs/exports.md): the
    request's filters and language, its progress, and the file once it is complete."""

    # A job's file and page are kept this long, then pruned.
    EXPIRES_AFTER = timedelta(days=1)
    # A pending job that has not moved for this long is taken as abandoned (its worker died):
    # progress moves it every chunk of rows, and a job waits at most this long in the queue.
    ABANDONED_AFTER = timedelta(minutes=30)

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        JSON = "json", "JSON"

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    format = models.CharField(max_length=4, choices=Format.choices)
    # The export's query string, as the request had it.
    query = models.TextField(blank=True)
    language = models.CharField(max_length=8)
    # What the projects' URLs in the file start with: the request's scheme and host.
    base_url = models.CharField(max_length=300)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    rows = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # The name in default_storage, set only together with DONE.
    file_name = models.CharField(max_length=200, blank=True)
    # Whose job it is, for the per-client limit: the client's address.
    client_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The export limits count a client's pending jobs, and all of them.
            models.Index(fields=["state", "client_key"], name="exportjob_pending_idx"),
            # Pruning finds the expired ones.
            models.Index(fields=["created_at"], name="exportjob_created_idx"),
        ]
        constraints = [
            # A file is offered only for a finished job.
            models.CheckConstraint(
                condition=Q(state="done") | Q(file_name=""), name="exportjob_file_only_when_done"
            ),
        ]

    def __str__(self):
        return f"{self.format} export {self.pk} ({self.state})"

    def get_absolute_url(self):
        return reverse("projects:export_job", args=[self.pk])

    @property
    def abandoned(self):
        return (
            self.state in (self.State.QUEUED, self.State.RUNNING)
            and self.updated_at < timezone.now() - self.ABANDONED_AFTER
        )

    @property
    def pending(self):
        return self.state in (self.State.QUEUED, self.State.RUNNING) and not self.abandoned

    @property
    def failed(self):
        return self.state == self.State.FAILED or self.abandoned


# A project's money, funders' identifiers and results, its pictures, the messages sent
# through the contact forms, and its texts' translations: models of their own
# (projects/record.py, pictures.py, contact.py, translations.py), registered with the app here.
from .contact import ContactMessage  # noqa: E402, F401
from .pictures import Picture  # noqa: E402, F401
from .record import FunderReference, Grant, Result  # noqa: E402, F401
from .translations import (  # noqa: E402, F401
    EventTranslation,
    ProjectTranslation,
    StrategyItemTranslation,
)
