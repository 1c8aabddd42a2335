"""Jämförelse: our value against the plan's comparison group over the years, per mapped indicator
(median and range of the group, our rank, the relative target's status, where definitions differ)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import dcc, html

from dashboard import state
from dashboard.components import Column, graph, grid, section
from dashboard.data import DataSource
from dashboard.figures.compare import comparison_figure
from dashboard.i18n import t
from goals.compare import comparison_problems, comparison_table, group_sentence, shown_year


def comparison(ds: DataSource, year: int | None, lang: str = "sv") -> pd.DataFrame:
    """The comparison table up to ``year`` (the year viewed), names in ``lang``."""
    return ds.cached(("comparison", year, lang), lambda: comparison_table(ds.plan(), ds.tables(), upto=year, lang=lang))


def rank_text(rank: Any, n: Any, lang: str) -> str:
    return t("compare_rank_of", lang, rank=int(rank), n=int(n)) if pd.notna(rank) else "–"


def layout(ds: DataSource, view: state.ViewState) -> html.Div:
    lang = view.lang
    title = html.Div(html.H1(t("nav_compare", lang), className="page-title"), className="page-head")
    plan = ds.plan()
    if plan.comparison is None:
        return html.Div([title, html.Div(t("compare_no_group", lang), className="alert alert-info")], className="compare-page")
    df = comparison(ds, view.year, lang)
    year = shown_year(df)
    problems = ds.cached(("comparison_problems", lang), lambda: comparison_problems(plan, ds.tables().benchmark, lang=lang))
    warn = html.Div([html.P(p.message, className="mb-1") for p in problems], className="alert alert-warning",
                    role="alert", id="compare-problems") if problems else None
    if df.empty or year is None:
        return html.Div([title, warn, html.Div(t("compare_no_data", lang), className="alert alert-info")],
                        className="compare-page")
    sentence = ds.cached(("comparison_group", year, lang), lambda: group_sentence(plan, ds.tables(), year, lang))
    body: list[Any] = [title, warn, html.P(sentence, className="section-sub", id="compare-group")]
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
                           rank_text=[rank_text(r, n, lang) for r, n in zip(part["rank"], part["n"])])
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


def goal_line(ds: DataSource, indicator_id: str, year: int | None, lang: str = "sv") -> html.Div | None:
    """The small comparison line under an indicator on the goal page: the latest year up to ``year``
    (the year viewed) with benchmark data, our value and rank, the group's median and range, the
    relative target's status, a link to the Jämförelse page.  None when the indicator has no
    benchmark mapping or no data up to that year."""
    from dashboard.components import status_badge
    from dashboard.formatting import fmt_number

    df = comparison(ds, year, lang)
    part = df[df["indicator_id"] == indicator_id] if len(df) else df
    part = part[part["value"].notna() | part["median"].notna()] if len(part) else part
    if not len(part):
        return None
    r = part.sort_values("year").iloc[-1]
    d = int(r["decimals"])

    def num(v: Any) -> str:
        return "–" if pd.isna(v) else fmt_number(v, d, lang)

    rank = f" ({t('compare_rank', lang).lower()} {rank_text(r['rank'], r['n'], lang)})" if pd.notna(r["rank"]) else ""
    text = (f"{t('nav_compare', lang)} {int(r['year'])}: {t('compare_us', lang).lower()} {num(r['value'])}{rank} · "
            f"{t('compare_median', lang).lower()} {num(r['median'])} ({num(r['min'])}–{num(r['max'])})")
    parts: list[Any] = [html.Span(text)]
    if r["target_rule"]:
        parts += [html.Span(f" · {t('target', lang).lower()}: {r['target_rule']} "), status_badge(str(r["status"]), lang)]
    parts.append(dcc.Link(" →", href=f"/jamforelse?year={year}&lang={lang}" if year else f"/jamforelse?lang={lang}",
                          className="ms-1"))
    if r["note"]:
        parts.append(html.Div(r["note"], className="ind-footnote"))
    return html.Div(parts, className="ind-compare", id=f"ind-compare-{indicator_id}")
