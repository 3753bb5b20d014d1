"""The list page's filter options, facet counts and active-filter chips.

A facet count says how many projects an option would give with every other filter kept:
for each counted parameter all filters except that parameter's own are applied to the
project index's bitmaps (projects/project_index.py) and intersected with each value's.
"""

import re
from dataclasses import dataclass, field

from networks.models import Network
from registry.models import Country, Funder, Goal, Municipality
from registry.text import name_key

from .models import Project
from .project_index import project_counts

COUNTRY_CODE = re.compile(r"[A-Z]{2}\Z")


@dataclass
class Option:
    value: str
    label: str
    count: int | None = None
    selected: bool = False
    item: object = None  # the Goal, Country… behind the option, for richer labels


@dataclass
class Group:
    """One checkbox group of the filter form: a parameter, its options and its errors."""

    name: str
    legend: str
    options: list[Option] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    counted: bool = False

    @property
    def any_selected(self):
        return any(option.selected for option in self.options)


def facet_counts(filterset, index, name):
    """{value's key: projects} for each value of the counted parameter `name` (goal number,
    country code, municipality pk, funder pk, network pk) that has any, among the projects
    every other valid filter gives: bitmap intersections in the project index, so the cost
    does not grow with the projects. A parent funder counts the projects of the funders it
    finances, each once, as the funder filter finds them; a network counts the projects linked
    to it. Call after `filterset.is_valid()`."""
    return project_counts(getattr(index, name), within=filterset.matching(index, name))


def _raw_values(data, name):
    values = [value.strip() for value in data.getlist(name) if value.strip()]
    return {value.upper() for value in values} if name == "country" else set(values)


def _options(choices, counts, selected):
    """Options from (value, label or object, count key) triples; uncounted when `counts` is
    None, and an option that would give no projects is left out unless it is selected."""
    options = []
    for value, item, key in choices:
        count = None if counts is None else counts.get(key, 0)
        is_selected = str(value) in selected
        if count == 0 and not is_selected:
            continue
        options.append(Option(str(value), str(item), count, is_selected, item))
    return options


def filter_groups(filterset, index):
    """The checkbox groups of the list's filter form, in display order, with facet counts
    for goals, countries, municipalities, funders and networks from the project index. Call after
    `filterset.is_valid()`."""
    form, data = filterset.form, filterset.data
    counted = {name: facet_counts(filterset, index, name) for name in filterset.FACETS}
    # Only the countries an option is shown for are named and sorted: a name comes from
    # django-countries' translations, and the registry knows every country in the world.
    shown_countries = {code for code, count in counted["country"].items() if count}
    # A chosen country stays shown with no projects; a value that cannot be a code is no
    # country (and one with a NUL byte would be an error on PostgreSQL).
    chosen = _raw_values(data, "country")
    shown_countries |= {code for code in chosen if COUNTRY_CODE.match(code)}
    countries = Country.objects.filter(code__in=sorted(shown_countries))
    municipalities = [(m.slug, m.name, m.pk) for m in Municipality.objects.all()]
    goals, funders = list(Goal.objects.all()), list(Funder.objects.all())
    choices = {
        "status": [(value, label, value) for value, label in Project.Status.choices],
        "goal": [(goal.number, goal, goal.number) for goal in goals],
        "stated_goal": [(goal.number, goal, None) for goal in goals],
        "country": [
            (country.code, country, country.code)
            for country in sorted(countries, key=lambda country: name_key(country.name))
        ],
        "municipality": municipalities,
        "partner": municipalities,
        "funder": [(funder.slug, funder.name, funder.pk) for funder in funders],
        "stated_funder": [(funder.slug, funder.name, None) for funder in funders],
        "network": [(network.slug, network.name, network.pk) for network in Network.objects.all()],
        "type": [(value, label, value) for value, label in Project.Type.choices],
    }
    return [
        Group(
            name=name,
            legend=str(form[name].label),
            options=_options(options, counted.get(name), _raw_values(data, name)),
            errors=list(form.errors.get(name, [])),
            counted=name in counted,
        )
        for name, options in choices.items()
    ]


@dataclass
class Chip:
    """An active filter value and the query string that drops just that value."""

    group: str
    label: str
    query: object


def _without(data, name, value):
    query = data.copy()
    values = query.getlist(name)
    values.remove(value)
    if values:
        query.setlist(name, values)
    else:
        query.pop(name)
    query.pop("page", None)
    return query


def active_filters(filterset, groups):
    """One chip per valid active filter value, in the form's order. Invalid values get no
    chip: the form shows their error, and submitting it again drops them."""
    form, data = filterset.form, filterset.data
    chips = []

    def add(name, group_label, label, value):
        chips.append(Chip(str(group_label), label, _without(data, name, value)))

    for value in data.getlist("q"):
        if value.strip() and "q" not in form.errors:
            add("q", form["q"].label, f"“{value.strip()}”", value)
    for group in groups:
        labels = {option.value: option.label for option in group.options}
        for value in data.getlist(group.name):
            key = value.strip().upper() if group.name == "country" else value.strip()
            if key in labels and not group.errors:
                add(group.name, group.legend, labels[key], value)
    for value in data.getlist("active_in"):
        if value.strip() and "active_in" not in form.errors:
            add("active_in", form["active_in"].label, value.strip(), value)
    return chips
