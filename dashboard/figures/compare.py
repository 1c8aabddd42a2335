"""Our value against the comparison group over the years: the group's range as a band, its median
as a dashed line, ours as a line with markers."""

from __future__ import annotations

from typing import Any

import pandas as pd

from dashboard import theme
from dashboard.figures.common import base_layout, empty_figure, figure
from dashboard.formatting import fmt_value, is_missing


def _rank(r: dict, sv: bool) -> str:
    return f", plats {int(r['rank'])} av {int(r['n'])}" if sv else f", rank {int(r['rank'])} of {int(r['n'])}"


def comparison_figure(df: pd.DataFrame, decimals: int, unit_label: str, lang: str = "sv", height: int = 300) -> Any:
    """``df``: one indicator's rows of ``goals.compare.comparison_table``."""
    rows = [{k: (None if is_missing(v) else v) for k, v in r.items()} for r in df.sort_values("year").to_dict("records")]
    if not rows or all(r["median"] is None and r["value"] is None for r in rows):
        return empty_figure("Inga jämförelsedata" if lang == "sv" else "No comparison data", lang)
    years = [int(r["year"]) for r in rows]
    sv = lang == "sv"

    def text(v: Any) -> str:
        return "–" if v is None else fmt_value(v, decimals, unit_label, lang)

    traces = [
        dict(type="scatter", x=years, y=[r["max"] for r in rows], mode="lines", line=dict(width=0),
             hoverinfo="skip", showlegend=False),
        dict(type="scatter", x=years, y=[r["min"] for r in rows], mode="lines", line=dict(width=0),
             fill="tonexty", fillcolor="rgba(157,185,213,0.35)", name="Gruppens spann" if sv else "Group range",
             hoverinfo="skip"),
        dict(type="scatter", x=years, y=[r["median"] for r in rows], mode="lines",
             line=dict(color=theme.PREVIOUS, dash="dash", width=2),
             name="Gruppens median" if sv else "Group median",
             hovertext=[f"{y}: {text(r['median'])} ({text(r['min'])}–{text(r['max'])})" for y, r in zip(years, rows)],
             hoverinfo="text"),
        dict(type="scatter", x=years, y=[r["value"] for r in rows], mode="lines+markers",
             line=dict(color=theme.VALUE, width=3), marker=dict(size=8), name="Vi" if sv else "Us",
             hovertext=[f"{y}: {text(r['value'])}" + (_rank(r, sv) if r["rank"] else "")
                        for y, r in zip(years, rows)], hoverinfo="text"),
    ]
    layout = base_layout(lang, height=height)
    layout["xaxis"] = {**layout["xaxis"], "tickmode": "array", "tickvals": years, "ticktext": [str(y) for y in years]}
    return figure(traces, layout)
