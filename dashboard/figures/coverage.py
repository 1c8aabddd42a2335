"""The coverage grid: units down, months across, one colour and one symbol per state."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.common import base_layout, empty_figure
from dashboard.i18n import t

#: state -> (code, colour, symbol shown in the cell)
STATE_STYLE: dict[str, tuple[int, str, str]] = {
    "ok": (0, "#CFE0EE", ""),
    "partial": (1, "#E69F00", "◐"),
    "estimated": (2, "#56B4E9", "≈"),
    "missing": (3, "#D55E00", "✗"),
    "pause": (4, "#9AA5B1", "–"),
}


def coverage_figure(df: pd.DataFrame, lang: str = "sv", by_year: bool = False) -> go.Figure:
    """``df``: ``dashboard.coverage.coverage`` output (unit_id, unit_name, period, state)."""
    if not len(df):
        return empty_figure(t("status_ingen_data", lang), lang, 160)
    units = list(dict.fromkeys(df["unit_name"]))
    periods = sorted(df["period"].unique())
    wide = df.pivot(index="unit_name", columns="period", values="state").reindex(index=units, columns=periods)
    states = wide.to_numpy(dtype=object).tolist()
    codes = [[STATE_STYLE[s][0] for s in row] for row in states]
    symbols = [[STATE_STYLE[s][2] for s in row] for row in states]
    labels = {
        "ok": t("coverage_ok", lang), "partial": t("coverage_partial", lang),
        "estimated": t("coverage_estimated", lang), "missing": t("coverage_missing", lang),
        "pause": t("coverage_pause", lang),
    }  # fmt: skip
    x = [str(pd.Timestamp(p).year) if by_year else pd.Timestamp(p).strftime("%Y-%m") for p in periods]
    hover = [[f"{u} · {xi}: {labels[s]}" for xi, s in zip(x, row)] for u, row in zip(units, states)]
    n = len(STATE_STYLE)
    colourscale = []
    for state, (code, colour, _) in STATE_STYLE.items():
        colourscale += [[code / n, colour], [(code + 1) / n, colour]]
    fig = go.Figure(
        go.Heatmap(
            z=codes, x=x, y=units, zmin=0, zmax=n, colorscale=colourscale, showscale=False,
            text=symbols, texttemplate="%{text}", textfont=dict(size=10, color="white"),
            hovertext=hover, hoverinfo="text", xgap=1, ygap=1,
        ),
        layout=base_layout(lang, height=max(180, 22 * len(units) + 60)),
    )  # fmt: skip
    ticks = [xi for xi in x if by_year or xi.endswith("-01")]
    fig.update_xaxes(
        tickmode="array", tickvals=ticks,
        ticktext=[xi if by_year else xi[:4] for xi in ticks], showgrid=False, side="top",
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed", showgrid=False, automargin=True)
    fig.update_layout(margin=dict(l=8, r=8, t=28, b=8))
    return fig


def legend_items(lang: str = "sv") -> list[tuple[str, str, str]]:
    """(colour, symbol, label) for the legend drawn in HTML under the grid."""
    return [
        (STATE_STYLE[s][1], STATE_STYLE[s][2] or "■", t(f"coverage_{s}", lang))
        for s in ("ok", "partial", "estimated", "missing", "pause")
    ]
