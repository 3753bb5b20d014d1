"""`{% world_map countries %}`: the partner-country map, drawn on the server as inline SVG.

The outlines are the vendored @svg-maps/world data (static/vendor/svg-maps-world/, CC BY
4.0), read once per process. Each country with projects is shaded by how many it has and is
a link to its page with a <title> giving its name and count; the page's table beside the map
carries the same numbers for anyone who cannot use the map.
"""

import json
import re
from functools import cache

from django import template
from django.contrib.staticfiles import finders
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

register = template.Library()

MAP_DATA = "vendor/svg-maps-world/world-simplified.json"
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# The map zooms to the partner countries, but never closer than this many map units across
# (the whole world is 1010), and keeps the world's proportions so the page layout is stable.
NARROWEST = 160
# The Europe view: from Iceland to the Caucasus, from the North Cape to Crete and Cyprus, where
# most partner countries are. On the world map Europe is about 150 px wide.
EUROPE = "400 172 216 214"
# A country narrower than this share of the view's width (Malta, Luxembourg, Liechtenstein) is
# also drawn as a round marker, so that it can be seen and clicked.
SMALL_SHARE = 0.03
MARKER_SHARE = 0.012

# Shade steps: (fewest projects for the step, legend label). Fixed so the legend means the same
# on every visit, and few so that each shade is easy to tell apart.
STEPS = [
    (1, _("1 project")),
    (2, _("2–3 projects")),
    (4, _("4–7 projects")),
    (8, _("8 or more projects")),
]


@cache
def map_data():
    """The vendored map as {"viewBox": …, "locations": [{"id", "name", "path", "box"}, …]},
    each location with its bounding box (left, top, right, bottom) added."""
    with open(finders.find(MAP_DATA), encoding="utf-8") as stream:
        data = json.load(stream)
    for location in data["locations"]:
        location["box"] = bounding_box(location["path"])
    return data


def bounding_box(path):
    """(left, top, right, bottom) of path data made of relative `m x y dx dy … z` rings."""
    xs, ys, start = [], [], (0.0, 0.0)
    for ring in path.split("z"):
        numbers = [float(number) for number in NUMBER.findall(ring)]
        x, y = start
        for index in range(0, len(numbers) - 1, 2):
            x, y = x + numbers[index], y + numbers[index + 1]
            xs.append(x)
            ys.append(y)
            if index == 0:
                start = (x, y)  # after z, the next ring starts from this ring's first point
    return min(xs), min(ys), max(xs), max(ys)


def framing(boxes, view_box):
    """A view box around `boxes` with a margin, in the proportions of the whole map."""
    full_x, full_y, full_width, full_height = (float(n) for n in view_box.split())
    if not boxes:
        return view_box
    left, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
    right, bottom = max(b[2] for b in boxes), max(b[3] for b in boxes)
    ratio = full_width / full_height
    width = max((right - left) * 1.15, (bottom - top) * 1.15 * ratio, NARROWEST)
    width = min(width, full_width)
    height = width / ratio
    x = min(max((left + right - width) / 2, full_x), full_x + full_width - width)
    y = min(max((top + bottom - height) / 2, full_y), full_y + full_height - height)
    return f"{x:.1f} {y:.1f} {width:.1f} {height:.1f}"


def step_of(count):
    """The shade step (1–4) for a number of projects, 0 for none."""
    return sum(1 for lowest, _label in STEPS if count >= lowest)


def marker(box, view_box):
    """(x, y, radius) of a round marker at the centre of `box`, or None when the country is
    wide enough to see in `view_box`."""
    width = float(view_box.split()[2])
    if box[2] - box[0] >= width * SMALL_SHARE:
        return None
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, width * MARKER_SHARE)


@register.inclusion_tag("registry/includes/world_map.html")
def world_map(countries, size="large", view="world", homes=(), link=None):
    """`countries`: Country objects annotated with `project_count` (the partner countries).
    `view`: "world" (zoomed to the partner countries) or "europe"; `homes`: the ISO codes of
    the countries the municipalities are in, outlined and named in the legend; `link`: a
    function of a country giving the address its shape links to (its page by default)."""
    by_id = {country.code.lower(): country for country in countries}
    homes = {code.lower() for code in homes}
    shapes, boxes = [], []
    for location in map_data()["locations"]:
        country = by_id.get(location["id"])
        shape = {"path": location["path"], "step": 0, "home": location["id"] in homes}
        if country is not None and country.project_count:
            count = country.project_count
            boxes.append(location["box"])
            shape.update(
                step=step_of(count),
                box=location["box"],
                url=link(country) if link else country.get_absolute_url(),
                title=ngettext("%(name)s: %(count)d project", "%(name)s: %(count)d projects", count)
                % {"name": country.name, "count": count},
            )
        shapes.append(shape)
    view_box = EUROPE if view == "europe" else framing(boxes, map_data()["viewBox"])
    for shape in shapes:
        if "box" in shape:
            shape["marker"] = marker(shape["box"], view_box)
    return {
        "view_box": view_box,
        "view": view,
        "shapes": shapes,
        "has_homes": any(shape["home"] for shape in shapes),
        "legend": [(number, label) for number, (_lowest, label) in enumerate(STEPS, start=1)],
        "size": size,
    }
