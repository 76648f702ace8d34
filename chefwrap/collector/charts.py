"""Charts drawn on the server as SVG: no script, no request to anyone, readable without colour.

Every chart is an <svg role="img"> with a title and a description, labelled axes, and the same data in
attributes a test (or a screen reader's table beside it) can read back: each point or bar carries
data-series, data-label and data-value. Series are told apart by dash pattern and marker shape as well
as by colour, and each line is named at its end, so no meaning rests on colour alone.
"""

import math
from html import escape

WIDTH = 720
HEIGHT = 300
MARGIN = {"left": 64, "right": 150, "top": 36, "bottom": 52}
BAR_HEIGHT = 22
LABEL_GAP = 12  # the line names at the lines' ends: a little more than their font size apart
# Colour-blind-safe palette (Okabe-Ito), each paired with a dash pattern and a marker shape.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 2 1 2", "3 3")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "circle", "square", "triangle")


def _number(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.1f}%"
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _ticks(top: float, count: int = 4) -> list:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) from 0 to at least `top`."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(multiple * magnitude for multiple in (1, 2, 2.5, 5, 10) if raw <= multiple * magnitude)
    steps = math.ceil(top / step - 1e-9)
    return [round(step * index, 10) for index in range(steps + 1)]


def _marker(shape: str, x: float, y: float, colour: str, attributes: str, tooltip: str, hollow: bool = False) -> str:
    """A point of a series, with its value as a tooltip; hollow for a period that is not over."""
    size = 3.5
    line = colour
    if hollow:
        colour, attributes = "#fff", attributes + (' stroke-dasharray="1.5 1"' if shape == "cross" else f' stroke="{line}" stroke-width="1.5"')
    if shape == "square":
        tag, geometry = "rect", f'x="{x - size:.1f}" y="{y - size:.1f}" width="{2 * size}" height="{2 * size}" fill="{colour}"'
    elif shape in ("triangle", "diamond"):
        corners = (
            [(x, y - size - 1), (x - size - 1, y + size), (x + size + 1, y + size)]
            if shape == "triangle"
            else [(x, y - size - 1), (x + size + 1, y), (x, y + size + 1), (x - size - 1, y)]
        )
        tag, geometry = "polygon", 'points="%s" fill="%s"' % (" ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in corners), colour)
    elif shape == "cross":
        path = f"M{x - size:.1f},{y - size:.1f}L{x + size:.1f},{y + size:.1f}M{x - size:.1f},{y + size:.1f}L{x + size:.1f},{y - size:.1f}"
        tag, geometry = "path", f'd="{path}" stroke="{line}" stroke-width="2"'
    else:
        tag, geometry = "circle", f'cx="{x:.1f}" cy="{y:.1f}" r="{size}" fill="{colour}"'
    return f'<{tag} class="point {shape}{" incomplete" if hollow else ""}" {geometry} {attributes}><title>{escape(tooltip)}</title></{tag}>'


def _frame(chart_id: str, title: str, description: str, width: int, height: int, body: list) -> str:
    return "\n".join(
        [
            f'<svg id="{escape(chart_id)}" class="chart" role="img" viewBox="0 0 {width} {height}" '
            f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" xmlns="http://www.w3.org/2000/svg">',
            f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
            f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
            *body,
            "</svg>",
        ]
    )


def line_chart(chart_id: str, title: str, days: list, series: list, y_label: str, percent: bool = False, x_label: str = "day (UTC)",
               incomplete=(), empty=()) -> str:
    """Lines over days. `series`: [(name, [value per day, or None where there is nothing to show])];
    `days`: each point's first day (a point may stand for several days: say so in `x_label`).
    `incomplete`: for each point, whether its period is not over (its marker is hollow); `empty`: for
    each point, how many of its days had no event at all (a grey band behind it)."""
    plot_width = WIDTH - MARGIN["left"] - MARGIN["right"]
    plot_height = HEIGHT - MARGIN["top"] - MARGIN["bottom"]
    values = [value for _, points in series for value in points if value is not None]
    ticks = _ticks(max(values, default=0))
    top = ticks[-1] or 1
    count = max(len(days), 1)

    def x_of(index):
        return MARGIN["left"] + (plot_width * index / (count - 1) if count > 1 else plot_width / 2)

    def y_of(value):
        return MARGIN["top"] + plot_height * (1 - value / top)

    body = []
    step = plot_width / max(count - 1, 1)
    for index, missing in enumerate(empty):
        if missing:
            what = "no event at all that day" if x_label.startswith("day") else f"{missing} day(s) without any event"
            body.append(f'<rect class="empty" x="{x_of(index) - step / 2:.1f}" y="{MARGIN["top"]}" width="{step:.1f}" height="{plot_height}" fill="#e6e6e6" '
                        f'data-label="{escape(days[index])}"><title>{escape(days[index])}: {what}</title></rect>')
    body.append('<g class="axis y-axis" font-size="11" fill="#333">')
    for tick in ticks:
        y = y_of(tick)
        body.append(f'<line x1="{MARGIN["left"]}" x2="{MARGIN["left"] + plot_width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        body.append(f'<text x="{MARGIN["left"] - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(_number(tick, percent))}</text>')
    body.append(
        f'<text class="axis-label" transform="translate(14 {MARGIN["top"] + plot_height / 2:.1f}) rotate(-90)" text-anchor="middle">{escape(y_label)}</text>'
    )
    body.append("</g>")
    body.append('<g class="axis x-axis" font-size="11" fill="#333">')
    label_every = max(1, count // 6)
    for index, day in enumerate(days):
        if index % label_every == 0 or index == count - 1:
            body.append(f'<text x="{x_of(index):.1f}" y="{MARGIN["top"] + plot_height + 16}" text-anchor="middle">{escape(day[5:])}</text>')
    body.append(
        f'<text class="axis-label" x="{MARGIN["left"] + plot_width / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{escape(x_label)}</text>'
    )
    body.append(f'<line x1="{MARGIN["left"]}" x2="{MARGIN["left"] + plot_width}" y1="{y_of(0):.1f}" y2="{y_of(0):.1f}" stroke="#333"/>')
    body.append("</g>")
    label_at = _apart({number: y_of(points[_last(points)]) + 4 for number, (_, points) in enumerate(series) if _last(points) is not None}, LABEL_GAP)
    for number, (name, points) in enumerate(series):
        colour, dash, shape = COLOURS[number % len(COLOURS)], DASHES[number % len(DASHES)], MARKERS[number % len(MARKERS)]
        segments, current = [], []
        for index, value in enumerate(points):
            if value is None:
                if current:
                    segments.append(current)
                current = []
            else:
                current.append(f"{x_of(index):.1f},{y_of(value):.1f}")
        if current:
            segments.append(current)
        body.append(f'<g class="series" data-series="{escape(name)}">')
        for segment in segments:
            dash_attribute = f' stroke-dasharray="{dash}"' if dash else ""
            body.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" stroke-width="2"{dash_attribute}/>')
        for index, value in enumerate(points):
            if value is None:
                continue
            attributes = f'data-series="{escape(name)}" data-label="{escape(days[index])}" data-value="{value}"'
            hollow = index < len(incomplete) and incomplete[index]
            tooltip = f"{name}, {days[index]}: {_number(value, percent)}{' (incomplete)' if hollow else ''}"
            body.append(_marker(shape, x_of(index), y_of(value), colour, attributes, tooltip, hollow))
        last = _last(points)
        if last is not None:
            body.append(
                f'<text class="series-name" x="{x_of(last) + 8:.1f}" y="{label_at[number]:.1f}" font-size="11" fill="{colour}">{escape(_short(name, 22))}</text>'
            )
        body.append("</g>")
    description = f"{y_label} per day, {days[0] if days else ''} to {days[-1] if days else ''}: " + "; ".join(name for name, _ in series)
    return _frame(chart_id, title, description, WIDTH, HEIGHT, body)


def _last(points: list):
    return max((index for index, value in enumerate(points) if value is not None), default=None)


def _apart(wanted: dict, gap: float) -> dict:
    """Heights for labels, each as near its wanted height as it can be while at least `gap` from the next."""
    placed, previous = {}, None
    for key, y in sorted(wanted.items(), key=lambda item: item[1]):
        placed[key] = y if previous is None else max(y, previous + gap)
        previous = placed[key]
    return placed


def bar_chart(chart_id: str, title: str, rows: list, value_label: str, other_label=None) -> str:
    """Horizontal bars, most first. `rows`: [(label, value)]; a row whose label is `other_label` (or one
    of them, given a tuple: the counted-but-unnamed, what the privacy threshold folded away) is drawn
    hatched, and says so."""
    others = (other_label,) if isinstance(other_label, str) else tuple(other_label or ())
    label_width, value_width = 200, 70
    plot_width = WIDTH - label_width - value_width - 20
    height = MARGIN["top"] + BAR_HEIGHT * max(len(rows), 1) + 40
    top = max((value for _, value in rows), default=0) or 1
    body = [
        '<defs><pattern id="%s-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#777" stroke-width="3"/></pattern></defs>' % escape(chart_id)
    ]
    for index, (label, value) in enumerate(rows):
        y = MARGIN["top"] + index * BAR_HEIGHT
        length = plot_width * value / top
        other = label in others
        fill = f"url(#{escape(chart_id)}-hatch)" if other else COLOURS[0]
        attributes = f'data-series="{escape(title)}" data-label="{escape(str(label))}" data-value="{value}"'
        body.append(
            f'<text x="{label_width - 6}" y="{y + BAR_HEIGHT / 2 + 4:.1f}" font-size="12" text-anchor="end">{escape(_short(str(label), 30))}</text>'
        )
        body.append(
            f'<rect class="bar{" other" if other else ""}" x="{label_width}" y="{y + 3:.1f}" width="{max(length, 1):.1f}" height="{BAR_HEIGHT - 6}" '
            f'fill="{fill}" stroke="#333" stroke-width="0.5" {attributes}><title>{escape(str(label))}: {value}</title></rect>'
        )
        body.append(f'<text x="{label_width + length + 6:.1f}" y="{y + BAR_HEIGHT / 2 + 4:.1f}" font-size="12">{escape(_number(value, False))}</text>')
    axis_y = MARGIN["top"] + BAR_HEIGHT * max(len(rows), 1) + 24
    body.append(f'<text class="axis-label" x="{label_width + plot_width / 2:.1f}" y="{axis_y}" font-size="11" text-anchor="middle">{escape(value_label)}</text>')
    description = f"{value_label}: " + "; ".join(f"{label} {value}" for label, value in rows)
    return _frame(chart_id, title, description, WIDTH, height, body)


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
