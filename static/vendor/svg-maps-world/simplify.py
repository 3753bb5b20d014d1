"""Derive world-simplified.json (what the site renders) from world.json (the package's data).

The package's paths total 1.2 MB, too heavy to inline on every map page. This keeps every
country and its ids and names, and only drops outline points that move the outline by less
than TOLERANCE map units (the map is 1010 units wide, so about a third of a pixel at full
width) and rounds coordinates to one decimal. Islets that would collapse are dropped, except
that a state made only of such rings keeps them at the package's precision, so the smallest
states (Vatican City, Gibraltar) stay on the map.

Run from this directory: python3 simplify.py
"""

import json
import re
from pathlib import Path

TOLERANCE = 0.3
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
HERE = Path(__file__).resolve().parent


def rings(path):
    """Absolute polygons from the package's path data, which uses only relative m … z."""
    start = (0.0, 0.0)
    for chunk in path.split("z"):
        numbers = [float(n) for n in NUMBER.findall(chunk)]
        if not numbers:
            continue
        x, y = start[0] + numbers[0], start[1] + numbers[1]
        ring = [(x, y)]
        for dx, dy in zip(numbers[2::2], numbers[3::2], strict=True):
            x, y = x + dx, y + dy
            ring.append((x, y))
        start = ring[0]  # after z the current point is the subpath's first point
        yield ring


def distance_to_segment(point, a, b):
    (px, py), (ax, ay), (bx, by) = point, a, b
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    if length == 0:
        return ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    return ((px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2) ** 0.5


def simplify(points):
    """Ramer–Douglas–Peucker, iteratively so long coastlines do not exhaust the stack."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, index = 0.0, None
        for i in range(first + 1, last):
            d = distance_to_segment(points[i], points[first], points[last])
            if d > farthest:
                farthest, index = d, i
        if index is not None and farthest > TOLERANCE:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def rounded(points, digits=1):
    result = []
    for x, y in points:
        point = (round(x, digits), round(y, digits))
        if not result or result[-1] != point:
            result.append(point)
    return result


def number(value):
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def encode(all_rings):
    """Relative path data from rounded absolute points, so rounding never accumulates."""
    parts, current = [], (0.0, 0.0)
    for ring in all_rings:
        x0, y0 = ring[0]
        parts.append(f"m{number(x0 - current[0])} {number(y0 - current[1])}")
        previous = ring[0]
        for x, y in ring[1:]:
            parts.append(f"{number(x - previous[0])} {number(y - previous[1])}")
            previous = (x, y)
        parts.append("z")
        current = ring[0]
    return " ".join(parts).replace(" z", "z")


def main():
    data = json.loads((HERE / "world.json").read_text(encoding="utf-8"))
    for location in data["locations"]:
        kept, tiny = [], []
        for ring in rings(location["path"]):
            simple = rounded(simplify(ring + [ring[0]])[:-1])
            if len(simple) < 3:
                simple = rounded(ring)
            if len(simple) >= 3:
                kept.append(simple)
            else:
                tiny.append(rounded(ring, digits=3))
        if not kept:  # a state smaller than the rounding: keep it at full precision
            kept = [ring for ring in tiny if len(ring) >= 3]
        location["path"] = encode(kept)
    output = HERE / "world-simplified.json"
    output.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
    print(f"{output.name}: {output.stat().st_size} bytes, {len(data['locations'])} locations")


if __name__ == "__main__":
    main()
