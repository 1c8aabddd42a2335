"""Year to date, month by month: this year's cumulative line cut at the last month with data,
against last year's full year."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard import theme
from dashboard.figures.common import base_layout, empty_figure
from dashboard.formatting import fmt_number, month_names
from dashboard.i18n import t


def ytd_figure(df: pd.DataFrame, year: int, decimals: int = 0, lang: str = "sv", height: int = 280) -> go.Figure:
    """``df``: ``goals.monthly`` output (month, value, previous, cumulative, cumulative_previous,
    cumulative_change_pct); months after the last date with data are NaN and are not drawn."""
    if not len(df) or (df["cumulative"].isna().all() and df["cumulative_previous"].isna().all()):
        return empty_figure(t("status_ingen_data", lang), lang, height)
    names = month_names(lang)
    data = df.sort_values("month")
    x = [names[int(m) - 1] for m in data["month"]]
    fig = go.Figure(layout=base_layout(lang, height=height))
    fig.add_trace(
        go.Scatter(
            x=x, y=data["cumulative_previous"], mode="lines+markers", name=f"{year - 1}",
            line=dict(color=theme.PREVIOUS, width=2, dash="dot"), marker=dict(size=5),
            hovertext=[f"{m} {year - 1}: {fmt_number(v, decimals, lang)}" for m, v in zip(x, data["cumulative_previous"])],
            hoverinfo="text",
        )
    )  # fmt: skip
    this_year = data.dropna(subset=["cumulative"])
    tx = [names[int(m) - 1] for m in this_year["month"]]
    fig.add_trace(
        go.Scatter(
            x=tx, y=this_year["cumulative"], mode="lines+markers", name=f"{year}",
            line=dict(color=theme.VALUE, width=3), marker=dict(size=7),
            hovertext=[f"{m} {year}: {fmt_number(v, decimals, lang)}" for m, v in zip(tx, this_year["cumulative"])],
            hoverinfo="text",
        )
    )  # fmt: skip
    fig.update_xaxes(categoryorder="array", categoryarray=names)
    fig.update_yaxes(tickformat=f",.{decimals}f")
    return fig
