"""Presentation helpers for project pages and the shared includes."""

import functools

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from projects.facets import name_key
from registry.templatetags.registry_format import assumed_mark, basis_mark

register = template.Library()
# The one assumed marking (registry_format), for the pages that load this library.
register.simple_tag(basis_mark)

# WCAG 2.1 AA minimum contrast for normal-size text.
MINIMUM_TEXT_CONTRAST = 4.5


def relative_luminance(colour):
    """The WCAG relative luminance of a #RRGGBB colour."""
    channels = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    red, green, blue = (
        channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4
        for channel in channels
    )
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first, second):
    """The WCAG contrast ratio of two #RRGGBB colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


# The text colours a filled goal tile can have, by Goal.text_colour, and their CSS class.
TILE_TEXT = {"#000000": "dark", "#ffffff": "light"}


@register.filter
def goal_tile_variant(goal):
    """How a goal tile shows its colour: "dark" or "light" text on the goal colour when that
    pair reaches 4.5:1, else "band": dark text on white beside a band of the colour, legible
    whatever the colour. (Black or white on any colour reaches at least 4.58:1, so "band" is
    a safeguard for a text colour that is neither.)"""
    return _tile_variant(goal.colour, goal.text_colour.lower())


@functools.cache
def _tile_variant(colour, text):
    # Remembered per colour pair: a list page draws some seventy tiles of seventeen colours.
    if text in TILE_TEXT and contrast_ratio(text, colour) >= MINIMUM_TEXT_CONTRAST:
        return TILE_TEXT[text]
    return "band"


@register.simple_tag
def colour_swatch(colour, css_class="swatch"):
    """A decorative block of `colour` (#RRGGBB) filling its positioned parent, or sized by
    `css_class`. The colour is an SVG fill attribute rather than a style attribute: the
    Content-Security-Policy allows no inline styles, and presentation attributes are not
    styles."""
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false" viewBox="0 0 1 1"'
        ' preserveAspectRatio="none"><rect width="1" height="1" fill="{}"/></svg>',
        css_class,
        colour,
    )


@register.simple_tag
def goal_tile(goal, count=None, plain=False, assumed=False):
    """One Agenda 2030 goal as a coloured tile linking to its page, with `count` projects
    after the name when given; `plain` renders it without a link (inside a list row whose
    title is already the link); `assumed` marks a goal the editors read into the sources. The
    goal colour is painted by an SVG behind the text (see
    `colour_swatch`), the text is black or white by class; should that pair fail 4.5:1 the
    tile turns into dark text beside a band of the colour (`goal_tile_variant`).

    A tag rather than an included template: a list page draws some seventy tiles, and an
    include per tile (and one per swatch inside it) took a third of a row's rendering."""
    content = format_html(
        '{}<span class="goal-tile__number">{}</span> <span class="goal-tile__name">{}</span>',
        colour_swatch(goal.colour, "goal-tile__colour"),
        goal.number,
        goal.name,
    )
    if assumed:
        content = format_html("{}{}", content, assumed_mark())
    if count is not None:
        projects = ngettext("(%(counter)s project)", "(%(counter)s projects)", count)
        content = format_html(
            '{} <span class="goal-tile__count">{}</span>', content, projects % {"counter": count}
        )
    classes = f"goal-tile goal-tile--{goal_tile_variant(goal)}"
    if plain:
        return format_html('<span class="{}">{}</span>', classes, content)
    return format_html('<a href="{}" class="{}">{}</a>', goal.get_absolute_url(), classes, content)


@register.filter
def years(project):
    """A project's or strategy's period from its years: "2019–2022", "from 2019, end not
    stated", "start not stated, until 2021"."""
    start, end = project.start_year, project.end_year
    if start and end:
        return str(start) if start == end else f"{start}–{end}"
    # A year the sources do not give is said to be unknown, never shown as open-ended.
    if start:
        return _("from %(year)s, end not stated") % {"year": start}
    if end:
        return _("start not stated, until %(year)s") % {"year": end}
    return _("years not stated")


@register.filter
def chronological(events):
    """Dated events in date and time order, then those known only by a note, in the order
    given: the same order on every database, whatever it does with empty dates."""
    events = list(events)
    dated = sorted(
        (event for event in events if event.date),
        key=lambda event: (event.date, event.time is not None, event.time or 0),
    )
    return dated + [event for event in events if not event.date]


@register.filter
def elided_pages(page_obj):
    """Page numbers around the current page, with `…` for the gaps."""
    return page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)


@register.filter
def getlist(query_dict, name):
    """Every non-empty value of a repeated query parameter."""
    return [value for value in query_dict.getlist(name) if value.strip()]


@register.filter
def field_label(form, name):
    """The label of a form's field by name, for messages that name the field."""
    return form[name].label


@register.filter
def by_name(items):
    """Countries (or anything with a `name`) in the alphabetical order of the active language."""
    return sorted(items, key=lambda item: name_key(item.name))


@register.simple_tag(takes_context=True)
def nav_current(context, url):
    """aria-current for a main navigation link: "page" on the page itself, "true" anywhere
    else in its section (a project page is in Projects)."""
    request = context.get("request")
    path = getattr(request, "path", "")
    if path == url:
        return mark_safe(' aria-current="page"')
    if url != "/" and path.startswith(url):
        return mark_safe(' aria-current="true"')
    return ""
