"""Units side by side: horizontal bars by status, the target as a tick, survey intervals as error bars."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard import theme
from dashboard.figures.common import base_layout, empty_figure
from dashboard.formatting import fmt_number, fmt_value, is_missing, is_percent
from dashboard.i18n import status_label, t
from dashboard.views import word


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
    """``df``: ``goals.unit_comparison`` output, already filtered.  ``highlight``: a unit id whose
    bar gets a dark outline and a bold name (the unit the page is about).

    Like is compared with like, and the status icon agrees with what is drawn:

    - a status judged on the period (``status_basis = "period"``): the bar is the period's value and
      the tick the period's target (``Mål jan–aug``);
    - a status judged on the full-year forecast (an annual level at a part-year period): the bar is
      the value so far, a diamond the unit's full-year forecast and the tick the full-year target
      (``Helårsmål``); the status belongs to the diamond.

    Units without a value (no catchment for a per-capita indicator) are left out."""
    data = df.dropna(subset=["value"]).sort_values("value") if len(df) else df
    if not len(data):
        return empty_figure(t("status_ingen_data", lang), lang, height or 200)
    height = height or max(240, 28 * len(data) + 100)
    fig = go.Figure(layout=base_layout(lang, height=height, showlegend=True))
    statuses = data["status"].fillna("ingen_data").astype(str)
    styles = [theme.status_style(s) for s in statuses]
    basis = data["status_basis"].astype(str) if "status_basis" in data else pd.Series("period", index=data.index)
    on_forecast = (basis == "prognos") & data.get("forecast", pd.Series(index=data.index, dtype=float)).notna()
    span = ""
    if "span" in data and data["span"].notna().any():
        span = str(data["span"].dropna().iloc[0])
    span = "" if span == "jan–dec" else span
    has_ci = "ci_low" in data and data["ci_low"].notna().any()
    # the icon goes with what was judged: the bar's value, or the forecast diamond's label
    labels = [
        fmt_value(row["value"], decimals, unit_label, lang) if fc
        else f"{st.icon} {fmt_value(row['value'], decimals, unit_label, lang)}"
        for st, (_, row), fc in zip(styles, data.iterrows(), on_forecast)
    ]
    hover = []
    for (_, row), status, fc in zip(data.iterrows(), statuses, on_forecast):
        text = (f"<b>{row['unit_name']}</b><br>{t('value', lang)} {span}: "
                f"{fmt_value(row['value'], decimals, unit_label, lang)}")  # fmt: skip
        if not is_missing(row.get("target")):
            text += f"<br>{_cap(word('target', lang))} {span}: {fmt_value(row['target'], decimals, unit_label, lang)}"
        if not is_missing(row.get("forecast")):
            text += f"<br>{_cap(word('forecast', lang))}: {fmt_value(row['forecast'], decimals, unit_label, lang)}"
            if not is_missing(row.get("target_full_year")):
                text += f" ({word('full_target', lang)} {fmt_value(row['target_full_year'], decimals, unit_label, lang)})"
        if has_ci and not is_missing(row.get("ci_low")):
            text += (
                f"<br>{t('interval', lang)}: {fmt_value(row['ci_low'], decimals, unit_label, lang)}"
                f"–{fmt_value(row['ci_high'], decimals, unit_label, lang)}"
            )
        if not is_missing(row.get("n")):
            text += f"<br>{t('n', lang)}: {fmt_number(row['n'], 0, lang)}"
        suffix = f" ({word('on_forecast', lang)})" if fc else ""
        reason = row.get("status_reason")
        suffix += f": {reason}" if isinstance(reason, str) and reason else ""
        hover.append(text + f"<br>{theme.status_style(status).icon} {status_label(status, lang)}{suffix}")
    error_x = None
    if has_ci:
        error_x = dict(
            type="data", symmetric=False,
            array=(data["ci_high"] - data["value"]).clip(lower=0).fillna(0).tolist(),
            arrayminus=(data["value"] - data["ci_low"]).clip(lower=0).fillna(0).tolist(),
            color="#3B3B3B", thickness=1.2, width=4,
        )  # fmt: skip
    names = data["unit_name"].astype(str)
    fig.add_trace(
        go.Bar(
            y=names, x=data["value"], orientation="h",
            name=f"{t('value', lang)} {span}".strip(),
            marker=dict(
                color=[s.colour for s in styles],
                line=dict(width=[3 if u == highlight else 0 for u in data["unit_id"]], color=theme.VALUE),
            ),
            text=labels, textposition="inside" if on_forecast.any() else "outside", insidetextanchor="end",
            cliponaxis=False,
            hovertext=hover, hoverinfo="text", error_x=error_x, showlegend=False,
        )
    )  # fmt: skip
    fc_rows = data[on_forecast]
    if len(fc_rows):
        fig.add_trace(
            go.Scatter(
                y=fc_rows["unit_name"].astype(str), x=fc_rows["forecast"], mode="markers+text",
                marker=dict(symbol="diamond", size=11, color="white", line=dict(width=2, color=theme.VALUE)),
                text=[f"{theme.status_style(st).icon} {fmt_value(v, decimals, unit_label, lang)}"
                      for st, v in zip(fc_rows["status"].astype(str), fc_rows["forecast"])],
                textposition="middle right", cliponaxis=False,
                name=_cap(word("forecast", lang)), hoverinfo="skip",
            )
        )  # fmt: skip
        full = fc_rows.dropna(subset=["target_full_year"])
        if len(full):
            fig.add_trace(
                go.Scatter(
                    y=full["unit_name"].astype(str), x=full["target_full_year"], mode="markers",
                    marker=dict(symbol="line-ns", size=22, line=dict(width=2.5, color=theme.TARGET)),
                    name=_cap(word("full_target", lang)), hoverinfo="skip",
                )
            )  # fmt: skip
    targets = data[~on_forecast].dropna(subset=["target"])
    if len(targets):
        fig.add_trace(
            go.Scatter(
                y=targets["unit_name"].astype(str), x=targets["target"], mode="markers",
                marker=dict(symbol="line-ns", size=22, line=dict(width=2.5, color=theme.TARGET)),
                name=f"{_cap(word('target', lang))} {span}".strip(), hoverinfo="skip",
            )
        )  # fmt: skip
    fig.update_layout(margin=dict(l=8, r=110 if len(fc_rows) else 70, t=30, b=8), bargap=0.35)
    fig.update_xaxes(
        showgrid=True, gridcolor=theme.GRID, tickformat=f",.{decimals}f", rangemode="tozero",
        ticksuffix=" %" if is_percent(unit_label) else "",
    )  # fmt: skip
    name_list = names.tolist()
    fig.update_yaxes(
        showgrid=False, automargin=True, tickmode="array", tickvals=name_list,
        ticktext=[f"<b>{n}</b>" if u == highlight else n for n, u in zip(name_list, data["unit_id"])],
    )  # fmt: skip
    return fig


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
