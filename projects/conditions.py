"""Conditions on a project's own columns, each written once and read three ways: as SQL (`q()`),
on one project's values in Python (`test()`), and on the project index's bitmaps
(`ProjectIndex.where()`, projects/project_index.py).

The status rule (projects/models.py `status_conditions`) and the "active in a year" filter
(`covered_in`) are written with these, so the SQL filter, a project page's status and the
index's facet counts cannot disagree.
"""

import operator
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

COMPARISONS = {"lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge}


@dataclass(frozen=True)
class Compare:
    """`column <op> value`; an empty column (an open start or end year) counts as `empty`."""

    column: str
    op: str
    value: int
    empty: bool = False

    def q(self):
        condition = Q(**{f"{self.column}__{self.op}": self.value})
        return condition | Q(**{f"{self.column}__isnull": True}) if self.empty else condition

    def test(self, values):
        value = values[self.column]
        return self.empty if value is None else COMPARISONS[self.op](value, self.value)


@dataclass(frozen=True)
class Equals:
    column: str
    value: object

    def q(self):
        return Q(**{self.column: self.value})

    def test(self, values):
        return values[self.column] == self.value


@dataclass(frozen=True)
class All:
    """Every one of `parts`."""

    parts: tuple

    def __init__(self, *parts):
        object.__setattr__(self, "parts", parts)

    def q(self):
        condition = Q()
        for part in self.parts:
            condition &= part.q()
        return condition

    def test(self, values):
        return all(part.test(values) for part in self.parts)


@dataclass(frozen=True)
class Any:
    """At least one of `parts`."""

    parts: tuple

    def __init__(self, *parts):
        object.__setattr__(self, "parts", parts)

    def q(self):
        return any_of_q(self.parts)

    def test(self, values):
        return any(part.test(values) for part in self.parts)


def any_of_q(conditions):
    """SQL for "any of `conditions`" (none: nothing)."""
    condition = Q(pk__in=[])
    for part in conditions:
        condition |= part.q()
    return condition


def running_in(year):
    """Running in `year` by its years: started by then and not ended before it; an empty year
    is open. (What the status rule reads; `covered_in` is what "active in a year" reads.)"""
    return All(
        Compare("start_year", "lte", year, empty=True),
        Compare("end_year", "gte", year, empty=True),
    )


def covered_in(year):
    """Known to run in `year`: a year the project's facts cover. Its start year, or, when no
    start year is stated, its oldest source's year, is not after `year`; its end year, or,
    when none is stated, its facts' confirmation (`confirmed_on`), is not before it. A
    project whose facts give no year at all is counted in none."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    return All(
        Any(
            Compare("start_year", "lte", year),
            All(Equals("start_year", None), Compare("sources_from", "lte", last)),
            # No start stated, but it ran in its end year.
            All(Equals("start_year", None), Compare("end_year", "lte", year)),
        ),
        Any(
            Compare("end_year", "gte", year),
            All(Equals("end_year", None), Compare("confirmed_on", "gte", first)),
        ),
    )
