"""Presentation filters for the public reference pages."""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.translation import gettext

from registry.models import Basis

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


def assumed_mark():
    """In words, so that a screen reader says it too, that the editors assumed a link rather
    than read it in a source (registry.models.Basis): the one marking of every public page,
    list card and embed, and of the goal tiles (projects/templatetags/project_tags.py)."""
    return format_html(
        ' <em class="basis basis--assumed">({})</em>',
        gettext("assumed by the editors, not stated by the source"),
    )


@register.simple_tag
def basis_mark(link):
    """`{% basis_mark link %}` after a project's funder or goal, or a network membership: the
    assumed marking when the editors assumed it, nothing when a source states it."""
    return assumed_mark() if link.basis == Basis.ASSUMED else ""
