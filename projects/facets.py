"""The list page's filter options, facet counts and active-filter chips.

A facet count says how many projects an option would give with every other filter kept:
for each counted parameter we apply all filters except that parameter's own and count per
value in one grouped query, so the number of queries does not grow with the number of rows.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import get_language

from networks.models import Network
from registry.models import Country, Funder, Goal, Municipality

from .models import Project, fold


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


def filtered_except(filterset, name):
    """The filterset's base queryset with every valid filter applied except `name` (and the
    sort), unordered: the projects a facet of `name` counts. Call after `is_valid()`."""
    return filterset.filter_queryset_except(filterset.queryset, name, "sort").order_by()


def _through_counts(through, column, projects):
    rows = (
        through.objects.filter(project__in=projects.values("pk"))
        .order_by()
        .values(column)
        .annotate(count=Count("project_id"))
        .values_list(column, "count")
    )
    return dict(rows)


def goal_counts(projects):
    """{goal number: projects} for the given projects."""
    return _through_counts(Project.goals.through, "goal_id", projects)


def country_counts(projects):
    """{country code: projects} for the given projects (as partner countries)."""
    return _through_counts(Project.partner_countries.through, "country_id", projects)


def municipality_counts(projects):
    """{municipality pk: projects it owns} among the given projects."""
    rows = projects.order_by().values("municipality_id").annotate(count=Count("pk"))
    return {row["municipality_id"]: row["count"] for row in rows}


def funder_counts(projects, parents):
    """{funder pk: projects} where a parent funder counts the projects of the funders it
    finances, as the funder filter does. `parents` maps each funder pk to its parent's pk.

    A grouped count cannot add a parent's and its children's counts (a project funded by both
    would count twice), so this is one aggregate with a filtered count per funder: the links
    of a funder without sub-funders (a project and a funder are linked at most once), the
    distinct projects of a funder's whole subtree otherwise. One query, one pass over the
    links, and nothing but the counts leaves the database."""
    subtrees = defaultdict(set)
    for pk in parents:
        funder_id, seen = pk, set()
        while funder_id is not None and funder_id not in seen:
            seen.add(funder_id)
            subtrees[funder_id].add(pk)
            funder_id = parents.get(funder_id)
    links = Project.funders.through.objects.filter(project__in=projects.values("pk")).order_by()
    counts = links.aggregate(**{
        f"funder_{pk}": Count(
            "project_id", filter=Q(funder_id__in=sorted(tree)), distinct=len(tree) > 1
        )
        for pk, tree in subtrees.items()
    })
    return {pk: counts[f"funder_{pk}"] for pk in subtrees}


# Alphabetical order as a Swedish or Latvian reader expects it: Swedish puts å, ä, ö after z;
# Latvian puts each letter with a diacritic right after its base letter (c < č < d). Other
# accents are ignored, as in `fold`. ("{", "|", "}" and "~" sort after "z".)
_SWEDISH_ORDER = str.maketrans({"å": "z{", "ä": "z|", "æ": "z|", "ö": "z}", "ø": "z}"})
_LATVIAN_ORDER = str.maketrans({letter: base + "~" for letter, base in zip(
    "āčēģīķļņšūž", "acegiklnsuz", strict=True
)})


def name_key(name):
    """A sort key for a name in the active language (see above); no locale needed."""
    text = str(name).casefold()
    language = (get_language() or "")[:2]
    if language == "sv":
        text = text.translate(_SWEDISH_ORDER)
    elif language == "lv":
        text = text.translate(_LATVIAN_ORDER)
    return fold(text)


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


def filter_groups(filterset):
    """The checkbox groups of the list's filter form, in display order, with facet counts
    for goals, countries, municipalities and funders. Call after `filterset.is_valid()`."""
    form, data = filterset.form, filterset.data
    funders = list(Funder.objects.all())
    parents = {funder.pk: funder.parent_id for funder in funders}

    counters = {
        "goal": goal_counts,
        "country": country_counts,
        "municipality": municipality_counts,
        "funder": lambda projects: funder_counts(projects, parents),
    }
    choices = {
        "status": [(value, label, value) for value, label in Project.Status.choices],
        "goal": [(goal.number, goal, goal.number) for goal in Goal.objects.all()],
        "country": [
            (country.code, country, country.code)
            for country in sorted(Country.objects.all(), key=lambda country: name_key(country.name))
        ],
        "municipality": [(m.slug, m.name, m.pk) for m in Municipality.objects.all()],
        "funder": [(funder.slug, funder.name, funder.pk) for funder in funders],
        "network": [(network.slug, network.name, None) for network in Network.objects.all()],
        "type": [(value, label, value) for value, label in Project.Type.choices],
    }
    counted = {
        name: counters[name](filtered_except(filterset, name)) for name in filterset.FACETS
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
