"""Native Excel charts (openpyxl) that render the same in Excel and LibreOffice.

Pitfalls handled here: line series get ``smooth = False`` (openpyxl's default writes smoothed lines
that LibreOffice draws as curves), value axes start at 0 for bars (``scaling.min = 0``), and both
axes are explicitly kept (``delete = False``; openpyxl 3.1 otherwise hides them in newer Excel).
"""

from __future__ import annotations

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.marker import DataPoint, Marker
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.chart.text import RichText
from openpyxl.drawing.line import LineProperties
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
from openpyxl.worksheet.worksheet import Worksheet

from report import styles
from dashboard.theme import STATUS_STYLE, VALUE_LIGHT

#: Bar colours by status: the dashboard's colour-blind-safe Okabe–Ito palette (``dashboard.theme``
#: imports no Dash), so a status looks the same in the app and in the report.
BAR_COLOURS = {status: style.colour.lstrip("#").upper() for status, style in STATUS_STYLE.items()}
#: The period's value when the status belongs to the forecast beside it.
PLAIN_BAR = VALUE_LIGHT.lstrip("#").upper()


def _text(size: int = 800, bold: bool = False) -> RichText:
    cp = CharacterProperties(sz=size, b=bold, latin=None)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=cp), endParaRPr=cp)])


def _style_axes(chart: LineChart | BarChart, number_format: str) -> None:
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.number_format = number_format
    chart.y_axis.majorGridlines.spPr = GraphicalProperties(ln=LineProperties(solidFill="D9D9D9"))
    chart.x_axis.txPr = _text(800)
    chart.y_axis.txPr = _text(800)


def trend_chart(
    ws: Worksheet,
    *,
    title: str,
    cat_col: int,
    value_cols: list[int],
    target_col: int | None,
    header_row: int,
    forecast_col: int | None = None,
    first_row: int,
    last_row: int,
    number_format: str,
    width_cm: float = 12.0,
    height_cm: float = 7.0,
) -> LineChart:
    """Value over the years (one series per unbroken segment) against the target line.

    The data is on ``ws``: categories (years) in ``cat_col``, values in ``value_cols``, the target
    in ``target_col`` and an optional full-year forecast point in ``forecast_col``, with series names
    in ``header_row`` and data in ``first_row..last_row``.
    """
    chart = LineChart()
    chart.title = title
    chart.title.tx.rich.p[0].pPr = ParagraphProperties(defRPr=CharacterProperties(sz=1000, b=True))
    chart.style = 2
    chart.width, chart.height = width_cm, height_cm
    chart.legend.position = "b"
    chart.display_blanks = "gap"
    for col in value_cols:
        ref = Reference(ws, min_col=col, min_row=header_row, max_row=last_row)
        chart.add_data(ref, titles_from_data=True)
        s = chart.series[-1]
        s.smooth = False
        s.marker = Marker(symbol="circle", size=6)
        s.marker.graphicalProperties = GraphicalProperties(solidFill=styles.SERIES_COLOUR)
        s.marker.graphicalProperties.line.solidFill = styles.SERIES_COLOUR
        s.graphicalProperties.line.solidFill = styles.SERIES_COLOUR
        s.graphicalProperties.line.width = 28575  # 2.25 pt
    if forecast_col is not None:
        chart.add_data(Reference(ws, min_col=forecast_col, min_row=header_row, max_row=last_row), titles_from_data=True)
        s = chart.series[-1]
        s.smooth = False
        s.marker = Marker(symbol="diamond", size=8)
        s.marker.graphicalProperties = GraphicalProperties(solidFill=styles.HIGHLIGHT_COLOUR)
        s.marker.graphicalProperties.line.solidFill = styles.HIGHLIGHT_COLOUR
        s.graphicalProperties.line.noFill = True
    if target_col is not None:
        chart.add_data(Reference(ws, min_col=target_col, min_row=header_row, max_row=last_row), titles_from_data=True)
        s = chart.series[-1]
        s.smooth = False
        s.marker = Marker(symbol="dash", size=9)  # a lone target year still shows
        s.marker.graphicalProperties = GraphicalProperties(solidFill=styles.TARGET_COLOUR)
        s.marker.graphicalProperties.line.solidFill = styles.TARGET_COLOUR
        s.graphicalProperties.line.solidFill = styles.TARGET_COLOUR
        s.graphicalProperties.line.dashStyle = "dash"
        s.graphicalProperties.line.width = 19050  # 1.5 pt
    chart.set_categories(Reference(ws, min_col=cat_col, min_row=first_row, max_row=last_row))
    chart.y_axis.scaling.min = 0  # indicators are never negative: a zero base does not exaggerate
    _style_axes(chart, number_format)
    chart.legend.txPr = _text(800)
    return chart


def units_chart(
    ws: Worksheet,
    *,
    title: str,
    cat_col: int,
    value_col: int,
    header_row: int,
    first_row: int,
    last_row: int,
    number_format: str,
    statuses: list[str] | None = None,
    forecast_col: int | None = None,
    width_cm: float = 14.0,
    height_cm: float = 7.0,
) -> BarChart:
    """The units side by side: horizontal bars, values as labels.

    Without ``forecast_col`` the bars are the period's values, coloured by their status.  With it
    (a status judged on the full-year forecast) the period's values are plain light bars and the
    full-year forecasts next to them carry the status colours, so the colour sits on what was judged."""
    chart = BarChart()
    chart.type = "bar"
    chart.title = title
    chart.title.tx.rich.p[0].pPr = ParagraphProperties(defRPr=CharacterProperties(sz=1000, b=True))
    chart.style = 2
    chart.width, chart.height = width_cm, height_cm
    chart.gapWidth = 40
    chart.add_data(Reference(ws, min_col=value_col, min_row=header_row, max_row=last_row), titles_from_data=True)
    if forecast_col is not None:
        chart.add_data(Reference(ws, min_col=forecast_col, min_row=header_row, max_row=last_row), titles_from_data=True)
        chart.legend.position = "b"
        chart.legend.txPr = _text(800)
    else:
        chart.legend = None
    chart.set_categories(Reference(ws, min_col=cat_col, min_row=first_row, max_row=last_row))
    for s in chart.series:
        s.graphicalProperties.solidFill = styles.SERIES_COLOUR
        s.graphicalProperties.line.noFill = True
        s.dLbls = DataLabelList()
        s.dLbls.showVal = True
        for attr in ("showSerName", "showCatName", "showLegendKey", "showPercent"):
            setattr(s.dLbls, attr, False)
        s.dLbls.numFmt = number_format
        s.dLbls.txPr = _text(700)
    judged = chart.series[-1]
    if forecast_col is not None:
        chart.series[0].graphicalProperties.solidFill = PLAIN_BAR
    for idx, st in enumerate(statuses or []):
        pt = DataPoint(idx=idx)
        pt.graphicalProperties.solidFill = BAR_COLOURS.get(st, styles.SERIES_COLOUR)
        pt.graphicalProperties.line.noFill = True
        judged.dPt.append(pt)
    chart.y_axis.scaling.min = 0
    chart.x_axis.scaling.orientation = "maxMin"  # first unit at the top, as in the table
    chart.y_axis.crosses = "max"  # keep the value axis at the bottom with reversed categories
    _style_axes(chart, number_format)
    return chart
