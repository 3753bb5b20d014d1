"""The one FilterSet behind /projects/ and every export of it.

Repeating a parameter ORs its values; different parameters AND. Related-object filters use
`pk__in` subqueries rather than joins, so no filter multiplies rows and none needs DISTINCT.

Each filter is said twice, side by side: `filter_<name>` narrows a QuerySet (the exports, a
search's relevance order, the other sort orders) and `match_<name>` narrows a bitmap of the
project index (projects/project_index.py: the list's facet counts and its pages in the default
order). tests/test_project_index.py holds the two equal for every filter.
"""

import django_filters
from django import forms
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from networks.models import Membership, Network
from registry.models import Country, Funder, Goal, Municipality

from .models import EARLIEST_YEAR, LATEST_YEAR, Project
from .project_index import IndexedProjects, union


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


# Each order ends with the primary key, so that projects with the same year and title keep
# one order between the pages of the list and in an export.
SORT_ORDERS = {
    "title": [F("title").asc(), F("pk").asc()],
    "-title": [F("title").desc(), F("pk").desc()],
    "start_year": [F("start_year").asc(nulls_last=True), F("title").asc(), F("pk").asc()],
    "-start_year": [F("start_year").desc(nulls_last=True), F("title").asc(), F("pk").asc()],
    "municipality": [F("municipality__name").asc(), F("title").asc(), F("pk").asc()],
}
DEFAULT_SORT = "-start_year"


def _has_value(value):
    if isinstance(value, models.QuerySet):
        # Model choice fields clean "nothing chosen" to `.none()`, and chosen values to rows
        # that exist.
        return not value.query.is_empty()
    return value not in (None, "", [], ())


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    goal = GoalNumbersFilter(
        label=_("Goal"),
        queryset=Goal.objects.all(),
        to_field_name="number",
        method="filter_goal",
    )
    country = CountryCodeFilter(
        label=_("Partner country"),
        queryset=Country.objects.all(),
        to_field_name="code",
        method="filter_country",
    )
    municipality = SlugsFilter(
        label=_("Municipality"),
        queryset=Municipality.objects.all(),
        to_field_name="slug",
        method="filter_municipality",
    )
    funder = SlugsFilter(
        label=_("Funder"),
        queryset=Funder.objects.all(),
        to_field_name="slug",
        method="filter_funder",
    )
    network = SlugsFilter(
        label=_("Network"),
        queryset=Network.objects.all(),
        to_field_name="slug",
        method="filter_network",
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        choices=Project.Status.choices,
        method="filter_status",
        widget=RepeatableChoiceWidget,
    )
    type = django_filters.MultipleChoiceFilter(
        label=_("Type"),
        choices=Project.Type.choices,
        field_name="type",
        # A plain column: DISTINCT would only make the database sort the wide rows.
        distinct=False,
        widget=RepeatableChoiceWidget,
    )
    active_in = YearsFilter(label=_("Active in year"), method="filter_active_in")
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
    FACETS = ("goal", "country", "municipality", "funder")

    def filter_queryset(self, queryset):
        return self.filter_queryset_except(queryset)

    def filter_queryset_except(self, queryset, *names):
        """`queryset` with every valid filter applied except those in `names` (the list's
        facet counts leave out their own). A parameter without values filters nothing: a
        model multiple-choice field cleans to an empty QuerySet, which a `method=` filter
        would otherwise receive and turn into an empty result."""
        for name, value in self.form.cleaned_data.items():
            if name in names or not _has_value(value):
                continue
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    def matching(self, index, *names):
        """The positions in `index` of the projects that `filter_queryset_except(…, *names)`
        gives, found with the `match_<name>` methods instead of SQL."""
        # Remembered, like each filter's own bitmap: the list asks for every facet's projects
        # and for all of the projects twice (its page and its count), and a search is a query.
        remembered = self.__dict__.setdefault("_matches", {})
        key = (index.key, "except", names)
        if key not in remembered:
            found = index.everything
            for name, value in self.form.cleaned_data.items():
                if name in names or name == "sort" or not _has_value(value):
                    continue
                found = found & self._matched(index, name, value, remembered)
            remembered[key] = found
        return remembered[key]

    def _matched(self, index, name, value, remembered):
        key = (index.key, name)
        if key not in remembered:
            remembered[key] = getattr(self, f"match_{name}")(index, value)
        return remembered[key]

    def ordered_by_default(self):
        """Whether the list is in the default order: no other order chosen, and no search
        left in its relevance order."""
        chosen = self.form.cleaned_data.get("sort")
        if self.form.cleaned_data.get("q") and not chosen:
            return False
        return (chosen or DEFAULT_SORT) == DEFAULT_SORT

    def projects(self, index):
        """The matching projects in the list's order, for the Paginator: from the index in
        the default order (a page reads its 25 rows by primary key), else from `qs`. Call
        after `is_valid()`."""
        if self.ordered_by_default():
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

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def match_q(self, index, value):
        # Words are matched by the database's search (its full-text index on PostgreSQL).
        found = self.queryset.search(value).order_by().values_list("pk", flat=True)
        return index.positions_of(found)

    def filter_goal(self, queryset, name, value):
        through = Project.goals.through.objects.filter(goal__in=value)
        return queryset.filter(pk__in=through.values("project_id"))

    def match_goal(self, index, value):
        return union(index.goal.get(goal.number) for goal in value)

    def filter_country(self, queryset, name, value):
        through = Project.partner_countries.through.objects.filter(country__in=value)
        return queryset.filter(pk__in=through.values("project_id"))

    def match_country(self, index, value):
        return union(index.country.get(country.code) for country in value)

    def filter_municipality(self, queryset, name, value):
        return queryset.filter(municipality__in=value)

    def match_municipality(self, index, value):
        return union(index.municipality.get(municipality.pk) for municipality in value)

    def filter_funder(self, queryset, name, value):
        """A parent funder includes the projects of the funders it finances (sida → icld)."""
        through = Project.funders.through.objects.filter(funder__in=self._funder_tree(value))
        return queryset.filter(pk__in=through.values("project_id"))

    def _funder_tree(self, value):
        # Walked once per request: the list page applies this filter again for each facet.
        chosen = tuple(sorted(funder.pk for funder in value))
        if getattr(self, "_funder_tree_of", None) != chosen:
            self._funder_tree_found = Funder.objects.filter(pk__in=chosen).with_descendants()
            self._funder_tree_of = chosen
        return self._funder_tree_found

    def match_funder(self, index, value):
        # The index's funder bitmaps hold the projects of the funders they finance already.
        return union(index.funder.get(funder.pk) for funder in value)

    def filter_network(self, queryset, name, value):
        members = Membership.objects.filter(network__in=value).values("municipality_id")
        return queryset.filter(municipality__in=members)

    def match_network(self, index, value):
        return union(index.network.get(network.pk) for network in value)

    def filter_status(self, queryset, name, value):
        return queryset.with_status(*value)

    def match_status(self, index, value):
        return union(index.status.get(status) for status in value)

    def match_type(self, index, value):
        return union(index.type.get(kind) for kind in value)

    def filter_active_in(self, queryset, name, value):
        return queryset.active_in(*value) if value else queryset

    def match_active_in(self, index, value):
        return index.active_in(value)

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*SORT_ORDERS[value])
