"""Conditions on a project's own columns, each written once and read three ways: as SQL (`q()`),
on one project's values in Python (`test()`), and on the project index's bitmaps
(`ProjectIndex.where()`, projects/project_index.py).

The status rule (projects/models.py `status_conditions`) and the "active in a year" filter are
written with these, so the SQL filter, a project page's status and the index's facet counts
cannot disagree.
"""

import operator
from dataclasses import dataclass

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


def any_of_q(conditions):
    """SQL for "any of `conditions`" (none: nothing)."""
    condition = Q(pk__in=[])
    for part in conditions:
        condition |= part.q()
    return condition


def running_in(year):
    """Running in `year`: started by then and not ended before it; an empty year is open."""
    return All(
        Compare("start_year", "lte", year, empty=True),
        Compare("end_year", "gte", year, empty=True),
    )
