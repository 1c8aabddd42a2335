"""Mål: one goal at a time: its indicators with trend, units side by side, year to date, month by
month, and the written Analys and Åtgärder for the period."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import MATCH, Input, Output, State, dcc, html, no_update

from dashboard import state, theme, views
from dashboard.comments import register as register_comments
from dashboard.components import (
    Column,
    download_button,
    graph,
    grid,
    report_button,
    report_docx_button,
    section,
    status_badge,
)
from dashboard.data import DataSource
from dashboard.figures import filter_units, trend_figure, units_bar, ytd_figure
from dashboard.formatting import fmt_number, fmt_range, fmt_value, is_missing, month_names
from dashboard.i18n import status_label, t
from dashboard.actions_panel import register as register_actions
from dashboard.meeting import breakdown_block, trail_block, tx, why_block
from dashboard.pages.overview import counts_row
from report.explain import draft_analysis
from dashboard.pages import compare



INCLUDE_ID = {"type": "opt", "key": "include"}


def layout(ds: DataSource, view: state.ViewState) -> html.Div:
    lang = view.lang
    plan = ds.plan()
    goals = views.goal_list(plan)
    current = views.find_goal(plan, view.goal)
    return html.Div(
        [
            dbc.RadioItems(
                id=state.ctl("goal"),
                options=[{"label": html.Span([html.B(str(g.number)), " ", g.name]), "value": g.id} for g in goals],
                value=current.id,
                className="goal-tabs",
                input_class_name="btn-check",
                label_class_name="goal-tab",
                label_checked_class_name="goal-tab-checked",
            ),
            html.Div(id="goal-head", className="page-head goal-head"),
            html.Div(id="goal-summary"),
            html.Div(id="goal-comments"),
            html.Div(id="goal-actions"),
            html.Div(
                [
                    html.Span(t("units_title", lang) + ":", className="me-2"),
                    dbc.Checklist(
                        id=INCLUDE_ID,
                        options=[{"label": t("include_main", lang), "value": "main"},
                                 {"label": t("include_buses", lang), "value": "buses"}],  # fmt: skip
                        value=["main", "buses"],
                        inline=True,
                        className="include-toggle",
                    ),
                ],
                className="toolbar",
            ),
            html.Div(id="goal-indicators"),
        ],
        className="goal-page",
    )


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def period_heading(rows: Any, lang: str) -> str:
    """``Mål jan–aug`` (the months the values cover), or ``Målvärde`` for a whole year."""
    spans = [str(s) for s in rows["span"].dropna().unique()] if "span" in rows and len(rows) else []
    spans = [s for s in spans if s != "jan–dec" and not s.startswith("enkät")]  # a survey wave is no span
    return f"{_cap(views.word('target', lang))} {spans[0]}" if len(spans) == 1 else t("target", lang)


def summary_grid(rows: Any, lang: str) -> Any:
    no_forecast = rows["forecast"].isna()
    rows = rows.assign(
        change_text=[views.change_text(r, lang) for _, r in rows.iterrows()],
        # the full-year target and the forecast's status belong next to a forecast only
        target_full_year=rows["target_full_year"].mask(no_forecast),
        forecast_status_text=[
            "" if nf or not fs else f"{theme.status_style(fs).icon} {status_label(fs, lang)}" + (f": {fr}" if fr else "")
            for nf, fs, fr in zip(no_forecast, rows["forecast_status"].astype(str),
                                  rows["forecast_reason"].fillna("").astype(str) if "forecast_reason" in rows
                                  else [""] * len(rows))
        ],
    )
    cols = [
        Column("indicator_name", t("indicator", lang), width=250, wrap=True),
        Column("value", t("value", lang), "value", width=95),
        Column("previous", t("previous", lang), "value", width=100),
        Column("change_text", t("change", lang), "text", width=105),
        Column("target", period_heading(rows, lang), "value", width=100),
        Column("status", t("status", lang), "status", width=150),
        Column("forecast", t("forecast", lang), "value", width=105),
        Column("target_full_year", _cap(views.word("full_target", lang)), "value", width=100),
        Column("forecast_status_text", FORECAST_STATUS[lang if lang == "en" else "sv"], "text", width=150),
        Column("n", t("n", lang), "number", width=80),
        Column("note", t("note", lang), wrap=True),
    ]
    return grid(rows, cols, grid_id="goal-summary-grid", lang=lang)


FORECAST_STATUS = {"sv": "Prognos mot helårsmål", "en": "Forecast vs full-year target"}


def indicator_header(row: Any, ind: Any, lang: str) -> html.Div:
    """Value and period target, change, then the full-year forecast next to the full-year target,
    and the status (on the forecast when the target is annual), as a row of figures."""
    decimals = int(row["decimals"]) if not is_missing(row["decimals"]) else ind.decimals
    unit_label = str(row["unit_label"] or "")
    span = str(row.get("span") or "")
    span = "" if span == "jan–dec" else span

    def fig(label: str, value: str, extra: str = "", note: str = "") -> html.Div:
        return html.Div([html.Div(label, className="fig-label"), html.Div(value, className=f"fig-value {extra}"),
                         html.Div(note, className="fig-note") if note else None], className="fig")  # fmt: skip

    items = [
        fig(f"{t('value', lang)} {span}".strip(), fmt_value(row["value"], decimals, unit_label, lang), "big"),
        fig(t("previous_wave" if ind.is_survey else "previous", lang), fmt_value(row["previous"], decimals, unit_label, lang)),
        fig(t("change", lang), views.change_text(row, lang) or "–"),
    ]
    if not is_missing(row.get("target")):
        items.append(fig(f"{_cap(views.word('target', lang))} {span}".strip(),
                         fmt_value(row["target"], decimals, unit_label, lang)))  # fmt: skip
    if not is_missing(row.get("forecast")):
        items.append(fig(_cap(views.word("forecast", lang)), fmt_value(row["forecast"], decimals, unit_label, lang),
                         note=fmt_range(row.get("forecast_low"), row.get("forecast_high"), decimals, unit_label, lang)))
    if not is_missing(row.get("target_full_year")) and (not is_missing(row.get("forecast")) or is_missing(row.get("target"))):
        items.append(fig(_cap(views.word("full_target", lang)), fmt_value(row["target_full_year"], decimals, unit_label, lang)))
    if not is_missing(row.get("n")):
        ci = fmt_range(row.get("ci_low"), row.get("ci_high"), decimals, unit_label, lang)
        items.append(fig(t("n", lang), fmt_number(row["n"], 0, lang), note=f"{t('interval', lang)}: {ci}" if ci else ""))
    basis = views.word("on_forecast", lang) if str(row.get("status_basis")) == "prognos" else ""
    items.append(html.Div([status_badge(str(row["status"]), lang, "large", row.get("status_reason", "")),
                           html.Div(basis, className="fig-note") if basis else None], className="fig fig-status"))
    return html.Div(items, className="fig-row")


def indicator_section(row: Any, ind: Any, view: state.ViewState, breakdown: Any = None) -> html.Section:
    """The skeleton of one indicator: numbers and the change breakdown now, charts filled by the
    MATCH callbacks."""
    lang = view.lang
    ind_id = ind.id
    name = ind.name_en if lang == "en" else ind.name_sv
    key = {"ind": ind_id, "year": view.year, "period": view.period, "unit": view.unit, "lang": lang,
           "decimals": ind.decimals, "unit_label": ind.unit}  # fmt: skip
    note = "" if is_missing(row.get("note")) else str(row["note"])
    meta = [m for m in (ind.kb_key and f"KB {ind.kb_key}", ind.iso_code and f"ISO 11620 {ind.iso_code}") if m]
    body = [
        dcc.Store(id={"type": "ind-state", "ind": ind_id}, data=key),
        html.Div(
            [html.H2(name, className="ind-title"), html.Span(ind.unit, className="ind-unit")],
            className="ind-head",
        ),
        html.P([ind.description_sv, html.Span(" · ".join(meta), className="ind-meta ms-2") if meta else None],
               className="ind-description"),  # fmt: skip
        html.Div(f"⚠ {note}", className="ind-note") if note else None,
        indicator_header(row, ind, lang),
        html.Details([html.Summary(tx("breakdown", lang), className="section-title"), breakdown],
                     open=True, className="breakdown-details") if breakdown is not None else None,
        html.Div(
            [
                html.Div(
                    [html.Div([html.H3(t("trend_title", lang), className="section-title"),
                               download_button(f"trend:{ind_id}", lang)], className="section-head"),
                     html.Div(t("trend_full_years", lang, year=view.year), className="section-sub")
                     if ind.grows_with_time and view.period != "helar" else None,
                     graph({}, {"type": "ind-trend", "ind": ind_id})],  # fmt: skip
                    className="col-chart",
                ),
                html.Div(
                    [html.Div([html.H3(t("units_title", lang), className="section-title"),
                               download_button(f"units:{ind_id}", lang)], className="section-head"),
                     graph({}, {"type": "ind-units", "ind": ind_id}),
                     html.Details([html.Summary(t("units_table", lang)),
                                   html.Div(id={"type": "ind-units-grid", "ind": ind_id})])],  # fmt: skip
                    className="col-chart",
                ),
            ],
            className="chart-row",
        ),
    ]
    if ind.grows_with_time:
        body.append(
            html.Div(
                [
                    html.Div(
                        [html.Div([html.H3(t("ytd_title", lang), className="section-title")], className="section-head"),
                         graph({}, {"type": "ind-ytd", "ind": ind_id})],  # fmt: skip
                        className="col-chart",
                    ),
                    html.Div(
                        [html.Div([html.H3(t("monthly_title", lang), className="section-title"),
                                   download_button(f"monthly:{ind_id}", lang)], className="section-head"),
                         html.Div(id={"type": "ind-monthly", "ind": ind_id})],  # fmt: skip
                        className="col-chart",
                    ),
                ],
                className="chart-row",
            )
        )
    if ind.is_survey:
        body.append(html.P(t("convenience_sample", lang), className="ind-footnote"))
    return html.Section(body, className="panel indicator", id=f"ind-{ind_id}")


def goal_content(ds: DataSource, view: state.ViewState) -> tuple[Any, Any, Any]:
    """Head, summary table and indicator skeletons for a goal and period (the callback body)."""
    assert view.year is not None and view.period is not None
    lang = view.lang
    plan = ds.plan()
    goal = views.find_goal(plan, view.goal)
    fu = ds.followup(view.year, view.period, view.unit)
    rows = views.goal_rows(fu, goal.id, goal.indicators)
    gs = ds.goal_status(view.year, view.period, view.unit)
    match = gs[gs["goal_id"] == goal.id]
    status = str(match["status"].iloc[0]) if len(match) else "ingen_data"
    reason = str(match["reason"].iloc[0]) if len(match) and "reason" in match else ""
    where = ds.unit_name(view.unit) or t("whole_org", lang)
    counts = {s: int((rows["status"].astype(str) == s).sum()) for s in theme.STATUSES}
    counts = {s: n for s, n in counts.items() if n or s in theme.GOAL_STATUSES}
    head = [
        html.Div(
            [
                html.Div(f"{t('goal', lang)} {goal.number} · {ds.period_label(view.year, view.period, lang)}"
                         f"{views.unfinished_note(rows, view.year, view.period, ds.last_data_date(), lang)} · {where}",
                         className="eyebrow"),  # fmt: skip
                html.H1(goal.name, className="page-title", id="goal-title"),
                html.P(goal.description, className="lead-text") if goal.description else None,
                html.Div(counts_row(counts, lang), className="status-counts"),
                why_block(rows, status, plan, lang, limit=5, className="why goal-why"),
            ]
        ),
        html.Div([status_badge(status, lang, "large", reason), report_button(lang), report_docx_button(lang),
                  download_button(f"goal:{goal.id}", lang)],
                 className="page-actions"),
    ]
    trail = trail_block(ds.status_history(goal.id, view.unit), plan, goal.indicators, lang)
    summary_body = html.Div([summary_grid(rows, lang),
                             html.Div([html.H3(tx("trail", lang), className="section-title mt-3"), trail],
                                      id="goal-trail") if trail is not None else None])  # fmt: skip
    names = ds.unit_names()
    sections, drafts = [], []
    for _, row in rows.iterrows():
        ind = plan.indicator(str(row["indicator_id"]))
        bd = ds.breakdown(ind.id, view.year, view.period, view.unit)
        decimals = int(row["decimals"]) if not is_missing(row["decimals"]) else ind.decimals
        sec = indicator_section(row, ind, view, breakdown_block(bd, decimals, lang, names))
        line = compare.goal_line(ds, ind.id, view.year, lang)  # the comparison with other municipalities, if any
        if line is not None:
            sec.children.insert(4, line)
        sections.append(sec)
        drafts.append((str(row["status"]), draft_analysis(ind, row, bd, lang, names)))
    order = {"ej_uppnatt": 0, "delvis": 1}
    draft = " ".join(text for _, text in sorted(drafts, key=lambda d: order.get(d[0], 2)) if text)
    summary = [section(t("status", lang), summary_body, None, lang), draft_panel(draft, lang)]
    return head, summary, sections


DRAFT = {"title": {"sv": "Utkast till analys", "en": "Draft analysis"},
         "help": {"sv": "Skrivet av regler ur siffrorna ovan; infoga och redigera.",
                  "en": "Written by rules from the numbers above; insert and edit."},
         "insert": {"sv": "Infoga i Analys", "en": "Insert into Analysis"}}


def draft_panel(draft: str, lang: str) -> html.Section | None:
    """The rule-based draft Analys with a button that puts it into the Analys text box."""
    if not draft:
        return None
    pick = "en" if lang == "en" else "sv"
    return html.Section(
        [html.Div([html.H3(DRAFT["title"][pick], className="section-title"),
                   html.Button(DRAFT["insert"][pick], id="draft-insert", n_clicks=0,
                               className="btn btn-outline-primary btn-sm")], className="section-head"),
         html.Div(DRAFT["help"][pick], className="section-sub"),
         html.P(draft, id="goal-draft", className="draft-text")],  # fmt: skip
        className="panel draft",
    )


def units_content(ds: DataSource, key: dict, include: list[str] | None) -> tuple[Any, Any]:
    lang = key["lang"]
    include = include if include is not None else ["main", "buses"]
    df = filter_units(ds.unit_comparison(key["ind"], key["year"], key["period"]), "main" in include, "buses" in include)
    fig = units_bar(df, key["decimals"], key["unit_label"], lang)
    df = df.assign(change_text=[views.change_text(r, lang) for _, r in df.iterrows()])
    cols = [
        Column("unit_name", t("unit", lang), pinned=True, width=190),
        Column("value", t("value", lang), "value", key["decimals"]),
        Column("change_text", t("change", lang), "text", width=110),
    ]
    if df["target"].notna().any():
        cols.append(Column("target", period_heading(df, lang), "value", key["decimals"]))
    if df["forecast"].notna().any():
        cols += [Column("forecast", t("forecast", lang), "value", key["decimals"]),
                 Column("target_full_year", _cap(views.word("full_target", lang)), "value", key["decimals"])]  # fmt: skip
    cols.append(Column("status", t("status", lang), "status", width=170))
    if df["n"].notna().any():
        cols += [Column("n", t("n", lang), "number"), Column("ci_low", t("ci_low", lang), "number", key["decimals"]),
                 Column("ci_high", t("ci_high", lang), "number", key["decimals"])]  # fmt: skip
    return fig, grid(df, cols, lang=lang)


def monthly_content(ds: DataSource, key: dict) -> tuple[Any, Any]:
    lang = key["lang"]
    df = views.monthly_table(ds.monthly(key["ind"], key["year"], key["unit"]), key["year"])
    fig = ytd_figure(df, key["year"], key["decimals"], lang, height=560)
    names = month_names(lang, "wide")
    table = df.assign(month=[names[int(m) - 1].capitalize() for m in df["month"]])
    y, d = key["year"], key["decimals"]
    cols = [
        Column("month", t("month", lang), width=110),
        Column("value", str(y), "number", d),
        Column("previous", str(y - 1), "number", d),
        Column("cumulative", t("cumulative", lang), "number", d),
        Column("cumulative_previous", t("cumulative_previous", lang), "number", d),
        Column("cumulative_change_pct", t("cumulative_change", lang), "signed_percent", 1),
    ]
    return fig, grid(table, cols, lang=lang)


def register(app: Any, ds: DataSource) -> None:
    @app.callback(
        Output("goal-head", "children"),
        Output("goal-summary", "children"),
        Output("goal-indicators", "children"),
        Input(state.ctl("goal"), "value"),
        Input(state.ctl("year"), "value"),
        Input(state.ctl("period"), "value"),
        Input(state.ctl("unit"), "value"),
        State("url", "search"),
    )
    def update(goal_id: str, year: int, period: str, unit: str, search: str):
        view = state.view_from_controls(search, {"goal": goal_id, "year": year, "period": period, "unit": unit})
        return ds.cached(("goal", view), lambda: goal_content(ds, view))

    @app.callback(
        Output({"type": "ind-trend", "ind": MATCH}, "figure"),
        Input({"type": "ind-state", "ind": MATCH}, "data"),
    )
    def trend(key: dict):
        def build() -> Any:
            df = ds.trend_view(key["ind"], key["year"], key["period"], key["unit"])
            return trend_figure(df, key["decimals"], key["unit_label"], key["lang"])

        return ds.cached(("trend", *sorted(key.items())), build)

    @app.callback(
        Output({"type": "ind-units", "ind": MATCH}, "figure"),
        Output({"type": "ind-units-grid", "ind": MATCH}, "children"),
        Input({"type": "ind-state", "ind": MATCH}, "data"),
        Input(INCLUDE_ID, "value"),
    )
    def units(key: dict, include: list[str]):
        return ds.cached(("units", *sorted(key.items()), tuple(include or ())), lambda: units_content(ds, key, include))

    @app.callback(
        Output({"type": "ind-ytd", "ind": MATCH}, "figure"),
        Output({"type": "ind-monthly", "ind": MATCH}, "children"),
        Input({"type": "ind-state", "ind": MATCH}, "data"),
    )
    def monthly(key: dict):
        return ds.cached(("monthly", *sorted(key.items())), lambda: monthly_content(ds, key))

    register_comments(app, ds)
    register_actions(app, ds)

    @app.callback(
        Output("comment-analys", "value"),
        Input("draft-insert", "n_clicks"),
        State("goal-draft", "children"),
        State("comment-analys", "value"),
        prevent_initial_call=True,
    )
    def insert_draft(n: int, draft: str, current: str | None):
        if not n or not draft:
            return no_update
        current = (current or "").rstrip()
        return f"{current}\n\n{draft}" if current else draft
