"""An indicator over the years against its target; series breaks split the line.

The builders read the frame once into plain records and assemble traces as dicts (a tenth of the
time pandas operations and per-property validation take on frames this small); the shapes are
checked against plotly's schema in the tests (``tests/test_dashboard_units.py``).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard import theme
from dashboard.figures.common import base_layout, empty_figure, figure
from dashboard.formatting import fmt_value, is_missing, is_percent
from dashboard.i18n import status_label, t
from dashboard.views import word


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows sorted by year, NaN/NA as None, status defaulted to ``ingen_data``."""
    if not len(df):
        return []
    rows = df.sort_values("year").to_dict("records")
    for r in rows:
        for k, v in r.items():
            if is_missing(v):
                r[k] = None
        r["status"] = r.get("status") or "ingen_data"
        r["complete"] = True if r.get("complete") is None else bool(r["complete"])
        r["segment"] = r.get("segment") or 0
    return rows


def _hover(row: dict[str, Any], decimals: int, unit_label: str, lang: str) -> str:
    text = f"<b>{int(row['year'])}</b>: {fmt_value(row['value'], decimals, unit_label, lang)}"
    if row.get("target") is not None:
        text += f" ({t('vs_target', lang, target=fmt_value(row['target'], decimals, unit_label, lang))})"
    text += f"<br>{theme.status_style(row['status']).icon} {status_label(row['status'], lang)}"
    if row.get("status_reason"):
        text += f": {row['status_reason']}"
    if row.get("ci_low") is not None and row.get("ci_high") is not None:
        text += (f"<br>{t('interval', lang)}: {fmt_value(row['ci_low'], decimals, unit_label, lang)}–"
                 f"{fmt_value(row['ci_high'], decimals, unit_label, lang)}")  # fmt: skip
    if row.get("n") is not None:
        text += f" · {t('n', lang).lower()} {int(row['n'])}"
    if not row["complete"]:
        text += f" · {t('incomplete', lang)}"
    return text


def _target_trace(rows: list[dict[str, Any]], name: str, width: float, dash: str) -> dict[str, Any] | None:
    targets = [r for r in rows if r.get("target") is not None]
    if not targets:
        return None
    return dict(
        type="scatter", x=[r["year"] for r in targets], y=[r["target"] for r in targets], mode="lines",
        line_shape="hvh", name=name, line=dict(color=theme.TARGET, width=width, dash=dash), hoverinfo="skip",
    )  # fmt: skip


def trend_figure(
    df: pd.DataFrame, decimals: int = 1, unit_label: str = "", lang: str = "sv", height: int = 300
) -> go.Figure:
    """``df``: ``goals.trend`` output (year, value, target, status, complete, segment), optionally
    with ``forecast``/``forecast_low``/``forecast_high`` (``dashboard.views.trend_frame``).

    One line per segment (never across a series break), markers shaped and coloured by status,
    incomplete periods as hollow markers, the full-year forecast as a hollow marker with its range,
    the target as a dashed step line.
    """
    rows = _records(df)
    data = [r for r in rows if r.get("value") is not None]
    if not data:
        return empty_figure(t("status_ingen_data", lang), lang, height)
    traces: list[dict[str, Any]] = []
    for _, seg in groupby(data, key=lambda r: r["segment"]):
        seg = list(seg)
        traces.append(
            dict(type="scatter", x=[r["year"] for r in seg], y=[r["value"] for r in seg], mode="lines",
                 line=dict(color=theme.VALUE, width=2.5), hoverinfo="skip", showlegend=False, name=t("value", lang))
        )  # fmt: skip
    for status in dict.fromkeys(r["status"] for r in data):
        group = [r for r in data if r["status"] == status]
        style = theme.status_style(status)
        trace: dict[str, Any] = dict(
            type="scatter", x=[r["year"] for r in group], y=[r["value"] for r in group], mode="markers",
            name=f"{style.icon} {status_label(status, lang)}",
            marker=dict(
                symbol=[style.symbol if r["complete"] else "circle-open" for r in group],
                size=11, color=style.colour, line=dict(width=2, color=style.colour),
            ),
            hovertext=[_hover(r, decimals, unit_label, lang) for r in group], hoverinfo="text",
        )  # fmt: skip
        if any(r.get("ci_low") is not None for r in group):  # survey: the 95 % interval
            trace["error_y"] = dict(
                type="data", symmetric=False, color=style.colour, thickness=1.2, width=4,
                array=[(r["ci_high"] - r["value"]) if r.get("ci_high") is not None else 0 for r in group],
                arrayminus=[(r["value"] - r["ci_low"]) if r.get("ci_low") is not None else 0 for r in group],
            )  # fmt: skip
        traces.append(trace)
    forecast = [r for r in rows if r.get("forecast") is not None]
    if forecast:
        last = data[-1]
        has_range = all(r.get("forecast_low") is not None and r.get("forecast_high") is not None for r in forecast)

        def label(r: dict[str, Any]) -> str:
            text = f"<b>{int(r['year'])}</b>: {t('forecast', lang)} {fmt_value(r['forecast'], decimals, unit_label, lang)}"
            if has_range:
                text += (f" ({fmt_value(r['forecast_low'], decimals, unit_label, lang)}–"
                         f"{fmt_value(r['forecast_high'], decimals, unit_label, lang)})")  # fmt: skip
            return text

        traces.append(
            dict(type="scatter", x=[last["year"], *(r["year"] for r in forecast)],
                 y=[last["value"], *(r["forecast"] for r in forecast)], mode="lines",
                 line=dict(color=theme.VALUE, width=2, dash="dot"), hoverinfo="skip", showlegend=False)
        )  # fmt: skip
        marker_trace: dict[str, Any] = dict(
            type="scatter", x=[r["year"] for r in forecast], y=[r["forecast"] for r in forecast], mode="markers",
            name=t("forecast", lang), marker=dict(symbol="circle-open", size=12, color=theme.VALUE, line=dict(width=2.5)),
            hovertext=[label(r) for r in forecast], hoverinfo="text",
        )  # fmt: skip
        if has_range:
            marker_trace["error_y"] = dict(
                type="data", symmetric=False, color=theme.VALUE, thickness=1.5, width=6,
                array=[r["forecast_high"] - r["forecast"] for r in forecast],
                arrayminus=[r["forecast"] - r["forecast_low"] for r in forecast],
            )  # fmt: skip
        traces.append(marker_trace)
    # full years with this year's forecast: the line is the full-year target the forecast is read against
    target_name = _cap(word("full_target", lang)) if forecast else t("target", lang)
    target = _target_trace(rows, target_name, 1.5, "dash")
    if target:
        traces.append(target)
    shapes, annotations = [], []
    for before, after in zip(data, data[1:]):
        if after["segment"] != before["segment"]:
            x = after["year"] - 0.5
            shapes.append(dict(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1,
                               line=dict(color="#6B7785", width=1, dash="dot")))  # fmt: skip
            annotations.append(dict(x=x, y=1, yref="paper", text=t("series_break", lang), showarrow=False,
                                    xanchor="left", yanchor="top", font=dict(size=11, color="#6B7785")))  # fmt: skip
    layout = base_layout(lang, height=height, hovermode="closest", shapes=shapes, annotations=annotations)
    layout["xaxis"].update(dtick=1, tickformat="d")
    layout["yaxis"].update(tickformat=f",.{decimals}f", ticksuffix=" %" if is_percent(unit_label) else "")
    return figure(traces, layout)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def sparkline(df: pd.DataFrame, status: str | None = None, height: int = 56) -> go.Figure:
    """A tiny trend for a card: the value line, the target dotted, and the chosen period marked
    in its status colour and shape (the forecast, hollow, when the year is not complete: pass the
    forecast's status then, so the colour belongs to the point drawn)."""
    layout = base_layout(height=height, showlegend=False, margin=dict(l=2, r=8, t=6, b=6))
    layout["xaxis"] = dict(visible=False)
    layout["yaxis"] = dict(visible=False, rangemode="normal")
    rows = _records(df)
    data = [r for r in rows if r.get("value") is not None]
    if not data:
        return figure([], layout)
    traces: list[dict[str, Any]] = [
        dict(type="scatter", x=[r["year"] for r in seg], y=[r["value"] for r in seg], mode="lines",
             line=dict(color=theme.VALUE, width=2))
        for seg in (list(g) for _, g in groupby(data, key=lambda r: r["segment"]))
    ]  # fmt: skip
    target = _target_trace(rows, t("target"), 1, "dot")
    if target:
        traces.append(target)
    forecast = [r for r in rows if r.get("forecast") is not None]
    last = data[-1]
    style = theme.status_style(status or last["status"])
    if forecast:
        point = forecast[-1]
        traces.append(
            dict(type="scatter", x=[last["year"], point["year"]], y=[last["value"], point["forecast"]], mode="lines",
                 line=dict(color=theme.VALUE, width=1.5, dash="dot"))
        )  # fmt: skip
        x, y, symbol = point["year"], point["forecast"], "circle-open"
    else:
        x, y, symbol = last["year"], last["value"], style.symbol
    traces.append(
        dict(type="scatter", x=[x], y=[y], mode="markers",
             marker=dict(size=9, color=style.colour, symbol=symbol, line=dict(width=2.5, color=style.colour)))
    )  # fmt: skip
    return figure(traces, layout)
