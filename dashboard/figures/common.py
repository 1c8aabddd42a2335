"""Shared look of every chart: fonts, margins, Swedish separators, an empty-state figure."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from dashboard import theme
from dashboard.formatting import NBSP

#: plotly's ``separators``: decimal mark then thousands separator.
SEPARATORS = {"sv": "," + NBSP, "en": ".,"}


def base_layout(lang: str = "sv", height: int = 320, **extra: object) -> dict:
    layout: dict = dict(
        height=height,
        margin=dict(l=8, r=8, t=36, b=8),
        font=dict(family=theme.FONT, size=13, color="#1F2933"),
        paper_bgcolor="white",
        plot_bgcolor="white",
        separators=SEPARATORS.get(lang, SEPARATORS["sv"]),
        hoverlabel=dict(font=dict(family=theme.FONT, size=13), bgcolor="white"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, title=None),
        xaxis=dict(showgrid=False, linecolor="#B8C2CC", ticks="outside", tickcolor="#B8C2CC"),
        yaxis=dict(gridcolor=theme.GRID, zeroline=False, rangemode="tozero"),
    )
    layout.update(extra)
    return layout


def figure(traces: list[dict[str, Any]], layout: dict[str, Any]) -> go.Figure:
    """A ``go.Figure`` from trace and layout dicts, without per-property validation (the builders'
    output is validated against plotly's schema in the tests instead; on small charts validation
    costs more than building)."""
    return go.Figure(data=traces, layout=layout, _validate=False)


def empty_figure(message: str, lang: str = "sv", height: int = 200) -> go.Figure:
    """A blank chart that says why it is blank (no data for the period, …)."""
    fig = go.Figure(layout=base_layout(lang, height=height))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(
        text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
        font=dict(size=14, color="#6B7785"),
    )  # fmt: skip
    return fig


#: Charts are read, not edited, in meetings: no mode bar (the data downloads as Excel instead).
GRAPH_CONFIG: dict = {"displayModeBar": False}
SPARK_CONFIG: dict = {"displayModeBar": False, "staticPlot": True}
