"""Presentation filters for the public reference pages."""

from decimal import Decimal

from babel.numbers import format_decimal
from django import template
from django.utils.html import format_html
from django.utils.translation import get_language, gettext, ngettext

from registry.models import Basis, Goal

register = template.Library()


def format_money(amount, currency, language=None):
    """The one way money is written, on every page, embed and admin screen: the amount grouped
    and punctuated the reader's language's way as the Unicode CLDR (through Babel) has it
    ("1 500 000" in Swedish, "1,500,000" in English), with two decimals when it has a
    fractional part and none when it is whole ("50 000,50", never "50 000,5"), then its
    ISO 4217 code: a code is never ambiguous, where "kr" stands for four currencies."""
    amount = Decimal(str(amount))
    whole = amount == amount.to_integral_value()
    locale = (language or get_language() or "sv").replace("-", "_")
    number = format_decimal(amount, format="#,##0" if whole else "#,##0.00", locale=locale)
    return f"{number}\u00a0{currency}".strip()


@register.filter
def money(amount, currency):
    """`{{ strategy.budget_amount|money:strategy.budget_currency }}`: `format_money`."""
    if amount is None:
        return ""
    return format_money(amount, currency)


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


@register.simple_tag
def latvian_names_note(goals):
    """`{% latvian_names_note goal %}` or `{% latvian_names_note goals %}`: on a Latvian page,
    where the Latvian names of the goal or goals shown come from, each source cited
    (Goal.names_lv_source), or that they are the registry's own translation; nothing in
    other languages. One sentence per source, the registry's own translation last."""
    if (get_language() or "")[:2] != "lv":
        return ""
    goals = [goals] if isinstance(goals, Goal) else list(goals)
    groups = {}
    for goal in goals:
        groups.setdefault(goal.names_lv_source, []).append(str(goal.number))
    sentences = []
    for source, numbers in sorted(groups.items(), key=lambda group: group[0] is None):
        if len(goals) == 1 and source:
            sentence = gettext("The Latvian name and description: %(source)s.")
        elif len(goals) == 1:
            sentence = gettext(
                "The Latvian name and description are the registry's own translation, not "
                "checked against an official Latvian text."
            )
        elif source:
            sentence = ngettext(
                "The Latvian name and description of goal %(numbers)s: %(source)s.",
                "The Latvian names and descriptions of goals %(numbers)s: %(source)s.",
                len(numbers),
            )
        else:
            sentence = ngettext(
                "The Latvian name and description of goal %(numbers)s are the registry's own "
                "translation, not checked against an official Latvian text.",
                "The Latvian names and descriptions of goals %(numbers)s are the registry's "
                "own translation, not checked against an official Latvian text.",
                len(numbers),
            )
        citation = source.citation() if source else ""
        sentences.append(sentence % {"numbers": ", ".join(numbers), "source": citation})
    return format_html('<p class="muted">{}</p>', " ".join(sentences))
