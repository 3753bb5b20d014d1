"""The one FilterSet behind /projects/ and every export of it, and what each of its filters
means, said once (`CRITERIA`).

Repeating a parameter ORs its values; different parameters AND. Related-object filters use
`pk__in` subqueries rather than joins, so no filter multiplies rows and none needs DISTINCT.

Each criterion answers in SQL (`apply`: the exports, a search's relevance order, the other sort
orders) and on the project index's bitmaps (`positions`: the list's facet counts, its count and
its pages in the default order), both derived from the same declaration;
tests/projects/test_project_index.py holds the two equal for every filter.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from networks.models import Network
from registry.models import Basis, Country, Funder, Goal, Municipality, funder_trees
from registry.text import fold

from .conditions import any_of_q, covered_in
from .models import (
    DEFAULT_SORT,
    EARLIEST_YEAR,
    LATEST_YEAR,
    SORT_ORDERS,
    Project,
    current_year,
    status_conditions,
)
from .project_index import IndexedProjects, kept_positions, link_column, union


class RepeatableChoiceWidget(forms.SelectMultiple):
    """The values of a repeated parameter, blanks dropped: `?goal=` filters nothing, as an
    empty search box does, rather than being an unknown goal."""

    def value_from_datadict(self, data, files, name):
        values = super().value_from_datadict(data, files, name) or []
        return [value for value in values if str(value).strip() != ""]


class SlugsField(django_filters.fields.ModelMultipleChoiceField):
    """Slugs or codes looked up in the database; a value with a NUL character is refused
    before the lookup, which PostgreSQL would otherwise answer with an error (a 500)."""

    widget = RepeatableChoiceWidget

    def clean(self, value):
        if value and any("\x00" in str(item) for item in value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": "\\x00"},
            )
        return super().clean(value)


class SlugsFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = SlugsField


class GoalNumbersField(SlugsField):
    """Goal numbers: a value that is not a small whole number is refused before the lookup,
    which SQLite would otherwise answer with an overflow (a 500) for a huge number."""

    def clean(self, value):
        for item in value or []:
            text = str(item).strip()
            if not text.isdecimal():
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": item},
                )
            if len(text) > 4:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return super().clean(value)


class GoalNumbersFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = GoalNumbersField


class CountryCodeField(SlugsField):
    """Accepts ISO codes in any case: `?country=ke` and `?country=KE` are the same."""

    def clean(self, value):
        if value:
            value = [str(code).strip().upper() for code in value]
        return super().clean(value)


class CountryCodeFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = CountryCodeField


class RepeatableYearWidget(forms.NumberInput):
    """A number input whose parameter may be repeated (`?active_in=2019&active_in=2020`)."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            return [value for value in data.getlist(name) if value != ""]
        value = data.get(name)
        return [value] if value not in (None, "") else []

    def format_value(self, value):
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        return super().format_value(value)


class YearsField(forms.Field):
    widget = RepeatableYearWidget(attrs={"min": EARLIEST_YEAR, "max": LATEST_YEAR})
    default_error_messages = {
        "invalid": _("Enter a year between %(earliest)s and %(latest)s."),
    }

    def to_python(self, value):
        years = []
        for item in value or []:
            try:
                year = int(str(item).strip())
            except ValueError:
                year = None
            if year is None or not EARLIEST_YEAR <= year <= LATEST_YEAR:
                raise forms.ValidationError(
                    self.error_messages["invalid"],
                    code="invalid",
                    params={"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
                )
            years.append(year)
        return years


class YearsFilter(django_filters.Filter):
    field_class = YearsField


class Criterion:
    """What a filter's values select: in SQL (`apply`) and on the index (`positions`)."""

    def apply(self, queryset, keys):
        raise NotImplementedError

    def positions(self, index, keys):
        raise NotImplementedError


class Linked(Criterion):
    """Projects linked through the many-to-many field `link` to any of the keys."""

    def __init__(self, link):
        self.link = link

    def apply(self, queryset, keys):
        through, column = link_column(self.link)
        linked = through.objects.filter(**{f"{column}__in": keys}).values("project_id")
        return queryset.filter(pk__in=linked)

    def positions(self, index, keys):
        return union(index.links[self.link].get(key) for key in keys)


class Stated(Linked):
    """Projects linked through `link` to any of the keys by a link a source states (not one
    the editors assumed: registry.models.Basis). The index keeps no bitmaps of how links are
    known, so its positions are the SQL answer's."""

    def apply(self, queryset, keys):
        through, column = link_column(self.link)
        linked = through.objects.filter(**{f"{column}__in": keys}, basis=Basis.STATED)
        return queryset.filter(pk__in=linked.values("project_id"))

    def positions(self, index, keys):
        through, column = link_column(self.link)
        linked = through.objects.filter(**{f"{column}__in": keys}, basis=Basis.STATED)
        return index.positions_of(linked.values_list("project_id", flat=True))


class Column(Criterion):
    """Projects whose own `column` holds any of the keys."""

    def __init__(self, column):
        self.column = column

    def apply(self, queryset, keys):
        return queryset.filter(**{f"{self.column}__in": keys})

    def positions(self, index, keys):
        return union(index.columns[self.column].get(key) for key in keys)


class Expanded(Criterion):
    """A criterion whose keys each stand for several (`expand(keys)` gives them all)."""

    def __init__(self, expand, criterion):
        self.expand, self.criterion = expand, criterion

    def apply(self, queryset, keys):
        return self.criterion.apply(queryset, self.expand(keys))

    def positions(self, index, keys):
        return self.criterion.positions(index, self.expand(keys))


class Meeting(Criterion):
    """Projects meeting any of the conditions (projects/conditions.py) that `conditions(keys)`
    gives."""

    def __init__(self, conditions):
        self.conditions = conditions

    def apply(self, queryset, keys):
        return queryset.filter(any_of_q(self.conditions(keys)))

    def positions(self, index, keys):
        return union(index.where(condition) for condition in self.conditions(keys))


class Search(Criterion):
    """Projects containing every word (`ProjectQuerySet.search`: the database's full-text
    index on PostgreSQL, with its relevance order)."""

    def apply(self, queryset, text):
        return queryset.search(text)

    def positions(self, index, text):
        found = Project.objects.search(text, ranked=False).order_by().values_list("pk", flat=True)
        return kept_positions(index, ("search", fold(text).split()), found)


def funders_financed_by(keys):
    """The funders chosen and those they finance, at any depth (Sida → ICLD)."""
    trees = funder_trees()
    return sorted(set().union(*(trees.get(key, {key}) for key in keys)))


def statuses(keys):
    conditions = status_conditions(current_year())
    return [conditions[key] for key in keys]


def years_covered(keys):
    return [covered_in(year) for year in keys]


# What each filter of ProjectFilter selects, by parameter: the one statement of its meaning.
CRITERIA = {
    "q": Search(),
    "goal": Linked("goals"),
    "country": Linked("partner_countries"),
    "municipality": Column("municipality_id"),
    "partner": Linked("partner_municipalities"),
    "funder": Expanded(funders_financed_by, Linked("funders")),
    "stated_funder": Expanded(funders_financed_by, Stated("funders")),
    "stated_goal": Stated("goals"),
    "network": Linked("networks"),
    "status": Meeting(statuses),
    "type": Column("type"),
    "active_in": Meeting(years_covered),
}


def criterion_keys(value):
    """A cleaned filter value as the keys its criterion reads: primary keys of chosen
    objects, else the values themselves (a search's text stays whole)."""
    if isinstance(value, str):
        return value
    return [item.pk if isinstance(item, models.Model) else item for item in value]




def has_value(value):
    if isinstance(value, models.QuerySet):
        # Model choice fields clean "nothing chosen" to `.none()`, and chosen values to rows
        # that exist.
        return not value.query.is_empty()
    return value not in (None, "", [], ())


# More than anyone types: a longer search is refused (400) rather than built into a query the
# database may refuse (SQLite's expression depth) or be slow to answer.
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_WORDS = 20


def validate_search_words(text):
    if len(text.split()) > SEARCH_MAX_WORDS:
        raise ValidationError(
            _("Search for at most %(limit)d words."),
            code="too_many_words",
            params={"limit": SEARCH_MAX_WORDS},
        )


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_by_criterion",
        max_length=SEARCH_MAX_LENGTH,
        validators=[validate_search_words],
    )
    goal = GoalNumbersFilter(
        label=_("Goal"),
        queryset=Goal.objects.all(),
        to_field_name="number",
        method="filter_by_criterion",
    )
    country = CountryCodeFilter(
        label=_("Partner country"),
        queryset=Country.objects.all(),
        to_field_name="code",
        method="filter_by_criterion",
    )
    municipality = SlugsFilter(
        label=_("Municipality"),
        queryset=Municipality.objects.all(),
        to_field_name="slug",
        method="filter_by_criterion",
    )
    partner = SlugsFilter(
        label=_("Partner municipality"),
        queryset=Municipality.objects.all(),
        to_field_name="slug",
        method="filter_by_criterion",
    )
    funder = SlugsFilter(
        label=_("Funder"),
        queryset=Funder.objects.all(),
        to_field_name="slug",
        method="filter_by_criterion",
    )
    stated_funder = SlugsFilter(
        label=_("Funder stated by a source"),
        queryset=Funder.objects.all(),
        to_field_name="slug",
        method="filter_by_criterion",
    )
    stated_goal = GoalNumbersFilter(
        label=_("Goal stated by a source"),
        queryset=Goal.objects.all(),
        to_field_name="number",
        method="filter_by_criterion",
    )
    network = SlugsFilter(
        label=_("Network"),
        queryset=Network.objects.all(),
        to_field_name="slug",
        method="filter_by_criterion",
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        choices=Project.Status.choices,
        method="filter_by_criterion",
        widget=RepeatableChoiceWidget,
    )
    type = django_filters.MultipleChoiceFilter(
        label=_("Type"),
        choices=Project.Type.choices,
        method="filter_by_criterion",
        widget=RepeatableChoiceWidget,
    )
    active_in = YearsFilter(label=_("Active in year"), method="filter_by_criterion")
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=[
            ("-start_year", _("Newest first")),
            ("start_year", _("Oldest first")),
            ("title", _("Title A–Ö")),
            ("-title", _("Title Ö–A")),
            ("municipality", _("Municipality")),
        ],
        empty_label=None,
        method="sort_by",
    )

    class Meta:
        model = Project
        fields = []

    # The parameters that get facet counts on the list page, with the relation each counts.
    FACETS = ("goal", "country", "municipality", "partner", "funder", "network")

    def filter_queryset(self, queryset):
        return self.filter_queryset_except(queryset)

    def filter_queryset_except(self, queryset, *names):
        """`queryset` with every valid filter applied except those in `names` (the list's
        facet counts leave out their own). A parameter without values filters nothing: a
        model multiple-choice field cleans to an empty QuerySet, which a `method=` filter
        would otherwise receive and turn into an empty result."""
        for name, value in self.form.cleaned_data.items():
            if name in names or not has_value(value):
                continue
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    def matching(self, index, *names):
        """The positions in `index` of the projects that `filter_queryset_except(…, *names)`
        gives, found with the `match_<name>` methods instead of SQL."""
        # Remembered, like each filter's own bitmap: the list asks for every facet's projects
        # and for all of the projects twice (its page and its count), and a search is a query.
        remembered = self.__dict__.setdefault("_matches", {})
        key = (index.version, "except", names)
        if key not in remembered:
            found = index.everything
            for name, value in self.form.cleaned_data.items():
                if name in names or name == "sort" or not has_value(value):
                    continue
                found = found & self._matched(index, name, value, remembered)
            remembered[key] = found
        return remembered[key]

    def _matched(self, index, name, value, remembered):
        key = (index.version, name)
        if key not in remembered:
            remembered[key] = CRITERIA[name].positions(index, criterion_keys(value))
        return remembered[key]

    def ordered_by_default(self, index):
        """Whether the list is in the default order: no other order chosen, and no search
        that comes best first (`ProjectQuerySet.search`; the index knows how many match)."""
        chosen = self.form.cleaned_data.get("sort")
        text = self.form.cleaned_data.get("q")
        if text and not chosen:
            remembered = self.__dict__.setdefault("_matches", {})
            matches = len(self._matched(index, "q", text, remembered))
            return not self.queryset.ranks_search(matches)
        return (chosen or DEFAULT_SORT) == DEFAULT_SORT

    def projects(self, index):
        """The matching projects in the list's order, for the Paginator: from the index in
        the default order (a page reads its 25 rows by primary key), else from `qs`. Call
        after `is_valid()`."""
        if self.ordered_by_default(index):
            return IndexedProjects(index, self.matching(index), self.queryset.for_rows())
        return self.qs.for_rows()

    @property
    def qs(self):
        queryset = super().qs
        chosen = self.is_bound and self.is_valid() and self.form.cleaned_data.get("sort")
        # A search without a chosen sort keeps its relevance order (PostgreSQL ranks it).
        if chosen or "search_rank" in queryset.query.annotations:
            return queryset
        return queryset.order_by(*SORT_ORDERS[DEFAULT_SORT])

    def filter_by_criterion(self, queryset, name, value):
        return CRITERIA[name].apply(queryset, criterion_keys(value))

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*SORT_ORDERS[value])
