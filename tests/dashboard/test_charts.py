import xml.etree.ElementTree as ET
from decimal import Decimal

from parkportal.dashboard import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(
        svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    )


def test_bar_chart_draws_one_bar_per_row_scaled_to_the_largest():
    svg = parse(
        charts.bar_chart(
            [("deposit", Decimal("300")), ("overpayment", Decimal("150"))],
            title="By reason",
        )
    )

    widths = [float(rect.get("width")) for rect in svg.iter(f"{SVG}rect")]
    assert len(widths) == 2
    assert widths[0] == 2 * widths[1]
    assert svg.find(f"{SVG}title").text == "By reason"


def test_chart_labels_are_escaped():
    svg = charts.bar_chart([("<script>alert(1)</script>", 3)], title="x")

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_line_chart_has_a_line_per_series_through_every_month():
    svg = parse(
        charts.line_chart(
            ["01", "02", "03"],
            {"received": [1, 5, 3], "paid": [0, 2, 4]},
            title="Trend",
        )
    )

    lines = list(svg.iter(f"{SVG}polyline"))
    assert [len(line.get("points").split()) for line in lines] == [3, 3]


def test_process_map_marks_the_bottleneck_and_links_each_stage():
    nodes = [
        {
            "state": "under_review",
            "label": "Under review",
            "waiting_now": 4,
            "median_hours": 24.0,
        },
        {
            "state": "pending_approval",
            "label": "Pending approval",
            "waiting_now": 2,
            "median_hours": 36.0,
        },
    ]
    edges = [{"source": "under_review", "target": "pending_approval", "count": 2}]

    svg = parse(
        charts.process_map(nodes, edges, bottleneck="pending_approval", title="Map")
    )

    rects = {rect.get("class") for rect in svg.iter(f"{SVG}rect")}
    links = [anchor.get("href") for anchor in svg.iter(f"{SVG}a")]
    assert "map-node map-bottleneck" in rects
    assert links == ["?stage=under_review", "?stage=pending_approval"]
