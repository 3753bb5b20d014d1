"""Presentation filters for the public reference pages."""

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def money(amount, currency):
    """`{{ strategy.budget_amount|money:strategy.budget_currency }}`: the amount grouped and
    punctuated the active language's way (1 500 000 in Swedish, 1,500,000 in English), with
    decimals only when there are some, then the ISO currency code."""
    if amount is None:
        return ""
    return f"{floatformat(amount, '-2g')}\u00a0{currency}".strip()


@register.filter
def of_kind(items, kind):
    """The items (of a prefetched strategy) whose `kind` is `kind`, in their order."""
    return [item for item in items if item.kind == kind]


@register.filter
def partners_of(project, municipality):
    """The other municipalities of a partnership: its owner and partner municipalities but
    `municipality` itself (their countries and the partners prefetched by for_list())."""
    everyone = [project.municipality, *project.partner_municipalities.all()]
    return [other for other in everyone if other.pk != municipality.pk]
