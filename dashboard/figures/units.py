"""Units side by side: horizontal bars by status, the target as a tick, survey intervals as error bars."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard import theme
from dashboard.figures.common import base_layout, empty_figure
from dashboard.formatting import fmt_number, fmt_value, is_missing
from dashboard.i18n import status_label, t


def filter_units(df: pd.DataFrame, include_main: bool, include_buses: bool) -> pd.DataFrame:
    """Drop the main library and/or the bookmobiles (they serve the whole city)."""
    drop = set()
    if not include_main:
        drop.add("huvudbibliotek")
    if not include_buses:
        drop.add("bokbuss")
    if not drop or "unit_type" not in df:
        return df
    return df[~df["unit_type"].astype(str).isin(drop)]


def units_bar(
    df: pd.DataFrame, decimals: int = 1, unit_label: str = "", lang: str = "sv", height: int | None = None,
    highlight: str | None = None,
) -> go.Figure:
    """``df``: ``goals.unit_comparison`` output (unit_id, unit_name, unit_type, value, previous,
    change_pct, target, status, n, ci_low, ci_high), already filtered.  ``highlight``: a unit id
    whose bar gets a dark outline and a bold name (the unit the page is about)."""
    data = df.dropna(subset=["value"]).sort_values("value") if len(df) else df
    if not len(data):
        return empty_figure(t("status_ingen_data", lang), lang, height or 200)
    height = height or max(220, 28 * len(data) + 70)
    fig = go.Figure(layout=base_layout(lang, height=height, showlegend=False))
    statuses = data["status"].fillna("ingen_data").astype(str)
    styles = [theme.status_style(s) for s in statuses]
    has_ci = "ci_low" in data and data["ci_low"].notna().any()
    labels = [
        f"{s.icon} {fmt_value(v, decimals, unit_label, lang)}" for s, v in zip(styles, data["value"])
    ]
    hover = []
    for (_, row), status in zip(data.iterrows(), statuses):
        text = f"<b>{row['unit_name']}</b><br>{t('value', lang)}: {fmt_value(row['value'], decimals, unit_label, lang)}"
        if not is_missing(row.get("target")):
            text += f"<br>{t('target', lang)}: {fmt_value(row['target'], decimals, unit_label, lang)}"
        if has_ci and not is_missing(row.get("ci_low")):
            text += (
                f"<br>{t('interval', lang)}: {fmt_value(row['ci_low'], decimals, unit_label, lang)}"
                f"–{fmt_value(row['ci_high'], decimals, unit_label, lang)}"
            )
        if not is_missing(row.get("n")):
            text += f"<br>{t('n', lang)}: {fmt_number(row['n'], 0, lang)}"
        hover.append(text + f"<br>{theme.status_style(status).icon} {status_label(status, lang)}")
    error_x = None
    if has_ci:
        error_x = dict(
            type="data", symmetric=False,
            array=(data["ci_high"] - data["value"]).clip(lower=0).fillna(0).tolist(),
            arrayminus=(data["value"] - data["ci_low"]).clip(lower=0).fillna(0).tolist(),
            color="#3B3B3B", thickness=1.2, width=4,
        )  # fmt: skip
    fig.add_trace(
        go.Bar(
            y=data["unit_name"].astype(str), x=data["value"], orientation="h",
            marker=dict(
                color=[s.colour for s in styles],
                line=dict(width=[3 if u == highlight else 0 for u in data["unit_id"]], color=theme.VALUE),
            ),
            text=labels, textposition="outside", cliponaxis=False,
            hovertext=hover, hoverinfo="text", error_x=error_x,
        )
    )  # fmt: skip
    targets = data.dropna(subset=["target"])
    if len(targets):
        fig.add_trace(
            go.Scatter(
                y=targets["unit_name"].astype(str), x=targets["target"], mode="markers",
                marker=dict(symbol="line-ns", size=22, line=dict(width=2.5, color=theme.TARGET)),
                name=t("target", lang), hoverinfo="skip",
            )
        )  # fmt: skip
    fig.update_layout(margin=dict(l=8, r=70, t=8, b=8), bargap=0.35)
    fig.update_xaxes(
        showgrid=True, gridcolor=theme.GRID, tickformat=f",.{decimals}f", rangemode="tozero",
        ticksuffix=" %" if unit_label.strip() == "%" else "",
    )  # fmt: skip
    names = data["unit_name"].astype(str).tolist()
    fig.update_yaxes(
        showgrid=False, automargin=True, tickmode="array", tickvals=names,
        ticktext=[f"<b>{n}</b>" if u == highlight else n for n, u in zip(names, data["unit_id"])],
    )  # fmt: skip
    return fig
