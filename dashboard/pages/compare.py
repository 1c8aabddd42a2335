"""Jämförelse: our value against the plan's comparison group over the years, per mapped indicator
(median and range of the group, our rank, the relative target's status, where definitions differ)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html

from dashboard import state
from dashboard.components import Column, graph, grid, section
from dashboard.data import DataSource
from dashboard.figures.compare import comparison_figure
from dashboard.i18n import t
from goals.compare import comparison_table, group_sentence


def comparison(ds: DataSource) -> pd.DataFrame:
    return ds.cached(("comparison",), lambda: comparison_table(ds.plan(), ds.tables()))


def layout(ds: DataSource, view: state.ViewState) -> html.Div:
    lang = view.lang
    title = html.Div(html.H1(t("nav_compare", lang), className="page-title"), className="page-head")
    plan = ds.plan()
    if plan.comparison is None:
        return html.Div([title, html.Div(t("compare_no_group", lang), className="alert alert-info")], className="compare-page")
    df = comparison(ds)
    if df.empty:
        return html.Div([title, html.Div(t("compare_no_data", lang), className="alert alert-info")], className="compare-page")
    body: list[Any] = [title, html.P(ds.cached(("comparison_group",), lambda: group_sentence(plan, ds.tables())), className="section-sub", id="compare-group")]
    for ind_id, part in df.groupby("indicator_id", sort=False):
        first = part.iloc[0]
        cols = [
            Column("year", t("year", lang), "text", width=80),
            Column("value", t("compare_us", lang), "number", int(first["decimals"])),
            Column("median", t("compare_median", lang), "number", int(first["decimals"])),
            Column("min", t("compare_min", lang), "number", int(first["decimals"])),
            Column("max", t("compare_max", lang), "number", int(first["decimals"])),
            Column("rank_text", t("compare_rank", lang), "text", width=110),
            Column("status", t("status", lang), "status", width=160),
        ]
        rows = part.assign(year=part["year"].astype(int).astype(str),
                           rank_text=[f"{int(r)} av {int(n)}" if pd.notna(r) else "–" for r, n in zip(part["rank"], part["n"])])
        sub = [f"{first['variable']} · {first['unit']}"]
        if first["target_rule"]:
            sub.append(f" · {t('target', lang)}: {first['target_rule']}")
        content = html.Div([
            graph(comparison_figure(part, int(first["decimals"]), str(first["unit"]), lang), f"compare-fig-{ind_id}"),
            grid(rows.sort_values("year", ascending=False), cols, grid_id=f"compare-grid-{ind_id}", lang=lang),
            html.P(first["note"], className="note compare-note") if first["note"] else None,
        ])
        body.append(section(str(first["indicator_name"]), content, lang=lang, subtitle="".join(sub)))
    return html.Div(body, className="compare-page")


def register(app: Any, ds: DataSource) -> None:
    """The page has no callbacks of its own: it follows the data version through ``ds.cached``."""
