"""Charts drawn on the server as inline SVG, from the same figures the API
serves: no script, no CDN, readable by screen readers through <title> and
a data table next to each chart."""

from django.utils.html import format_html, format_html_join

WIDTH = 640
BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 170
PALETTE = ("#1f5f99", "#2f8f6b", "#b7791f", "#9b2c2c", "#6b46c1")


def _number(value) -> str:
    return (
        f"{value:,.0f}"
        if isinstance(value, int | float) or hasattr(value, "as_tuple")
        else ""
    )


def _joined(pieces: list[str]) -> str:
    # Each piece is already escaped by format_html; joining keeps it safe
    # without marking an unchecked string safe.
    return format_html_join("", "{}", ((piece,) for piece in pieces))


def bar_chart(rows: list[tuple[str, float]], *, title: str, unit: str = "") -> str:
    """Horizontal bars, one per (label, value)."""
    peak = max((float(value or 0) for _, value in rows), default=0) or 1.0
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    usable = WIDTH - LABEL_WIDTH - 70
    bars = []
    for index, (label, value) in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = max(1.0, usable * float(value or 0) / peak) if value else 0
        bars.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" rx="3"></rect>'
                '<text x="{}" y="{}" class="chart-value">{} {}</text>',
                LABEL_WIDTH - 8,
                y + BAR_HEIGHT * 0.7,
                label,
                LABEL_WIDTH,
                y,
                f"{length:.1f}",
                BAR_HEIGHT,
                PALETTE[0],
                LABEL_WIDTH + length + 6,
                y + BAR_HEIGHT * 0.7,
                _number(value),
                unit,
            )
        )
    return format_html(
        '<svg class="chart" role="img" viewBox="0 0 {} {}" aria-label="{}"><title>{}</title>{}</svg>',
        WIDTH,
        height,
        title,
        title,
        _joined(bars),
    )


def line_chart(labels: list[str], series: dict[str, list[float]], *, title: str) -> str:
    """One line per series over shared labels (months)."""
    height, left, bottom, top = 240, 50, 30, 12
    peak = (
        max((float(v or 0) for values in series.values() for v in values), default=0)
        or 1.0
    )
    step = (WIDTH - left - 20) / max(1, len(labels) - 1)

    def point(index, value):
        x = left + index * step
        y = top + (height - top - bottom) * (1 - float(value or 0) / peak)
        return f"{x:.1f},{y:.1f}"

    lines = format_html_join(
        "",
        '<polyline fill="none" stroke="{}" stroke-width="2.5" points="{}"><title>{}</title></polyline>',
        (
            (
                PALETTE[index % len(PALETTE)],
                " ".join(point(i, v) for i, v in enumerate(values)),
                name,
            )
            for index, (name, values) in enumerate(series.items())
        ),
    )
    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" class="chart-label">{}</text>',
        (
            (f"{left + i * step:.1f}", height - 8, label)
            for i, label in enumerate(labels)
        ),
    )
    legend = format_html_join(
        "",
        '<text x="{}" y="{}" class="chart-legend" fill="{}">■ {}</text>',
        (
            (left + index * 120, height + 14, PALETTE[index % len(PALETTE)], name)
            for index, name in enumerate(series)
        ),
    )
    axis = format_html(
        '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>',
        left - 6,
        top + 8,
        _number(peak),
    )
    return format_html(
        '<svg class="chart" role="img" viewBox="0 0 {} {}" aria-label="{}"><title>{}</title>{}{}{}{}</svg>',
        WIDTH,
        height + 22,
        title,
        title,
        axis,
        lines,
        ticks,
        legend,
    )


def process_map(
    nodes: list[dict],
    edges: list[dict],
    *,
    bottleneck: str | None,
    title: str,
    link: str = "?stage=",
) -> str:
    """The stages in lifecycle order as boxes, each with the cases waiting
    now and its median stay; the bottleneck stands out; each box links to
    the cases stuck there longest."""
    box_width, box_height, gap = 150, 62, 18
    per_row = 4
    boxes = []
    for index, node in enumerate(nodes):
        column, row = index % per_row, index // per_row
        x = 10 + column * (box_width + gap)
        y = 10 + row * (box_height + gap + 10)
        slow = node["state"] == bottleneck
        outgoing = sum(
            edge["count"] for edge in edges if edge["source"] == node["state"]
        )
        median = "–" if node["median_hours"] is None else f"{node['median_hours']} h"
        boxes.append(
            format_html(
                '<a href="{}{}" aria-label="{}: {} · {}"><rect x="{}" y="{}" width="{}" height="{}" rx="6" class="{}"></rect>'
                '<text x="{}" y="{}" class="map-title">{}</text>'
                '<text x="{}" y="{}" class="map-figure">{} · {} · → {}</text></a>',
                link,
                node["state"],
                node["label"],
                node["waiting_now"],
                median,
                x,
                y,
                box_width,
                box_height,
                "map-node map-bottleneck" if slow else "map-node",
                x + 10,
                y + 24,
                node["label"],
                x + 10,
                y + 46,
                node["waiting_now"],
                median,
                outgoing,
            )
        )
    rows = (len(nodes) + per_row - 1) // per_row
    height = 20 + rows * (box_height + gap + 10)
    return format_html(
        '<svg class="chart process-map" role="group" viewBox="0 0 {} {}" aria-label="{}"><title>{}</title>{}</svg>',
        10 + per_row * (box_width + gap),
        height,
        title,
        title,
        _joined(boxes),
    )
