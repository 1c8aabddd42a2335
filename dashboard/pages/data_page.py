"""Data: what is loaded, coverage per source kind (unit × month), the last loads, warnings and errors.

A warning can be marked as reviewed with a comment (redaktör, administratör): choose it in the
table, write the comment, click the button; the callback checks the right itself.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update

from dashboard import state, views
from dashboard.auth import current_user, permitted
from dashboard.components import Column, download_button, graph, grid, section
from dashboard.coverage import KINDS_WITH_GRID
from dashboard.data import DataSource
from dashboard.figures import coverage_figure
from dashboard.figures.coverage import legend_items
from dashboard.i18n import t
from dashboard.inputs import BadInput, checked_int, checked_text
from etl.problems import PROBLEM_COLUMNS_SV
from etl.store import ReviewError
from etl.tables import KIND_LABELS_SV

KIND_ID = {"type": "opt", "key": "kind"}
KIND_LABELS_EN = {"loans": "Loans", "visits": "Visits", "events": "Events", "opening_hours": "Opening hours",
                  "survey": "Survey", "population": "Population"}  # fmt: skip


def kind_label(kind: str, lang: str) -> str:
    return (KIND_LABELS_EN if lang == "en" else KIND_LABELS_SV).get(kind, kind)


def interrupted_notes(ds: DataSource, lang: str) -> list[html.Div]:
    """One notice per load that began but never finished (killed): nothing of it is stored."""
    return [html.Div(t("interrupted_load", lang, id=int(r.id), time=str(r.started_at)[:16], user=r.user),
                     className="alert alert-warning", id=f"interrupted-load-{int(r.id)}")
            for r in ds.store.interrupted_loads().itertuples(index=False)]


KB_YEAR_ID = {"type": "opt", "key": "kb_year"}


def kb_section(ds: DataSource, lang: str) -> html.Section:
    """KB's annual statistics for a chosen year as a workbook (the same as ``bibplan kb``)."""
    years = sorted(y for y in ds.years() if y is not None)
    last = ds.last_data_date()
    complete = [y for y in years if last is None or y < last.year or (last.month == 12 and last.day == 31)]
    default = (complete or years or [None])[-1]
    button = html.Button(
        [html.Span("↓", className="me-1", **{"aria-hidden": "true"}), t("kb_download", lang)],
        id={"type": "download", "key": "kb"}, className="btn btn-sm btn-primary download-btn", n_clicks=0)
    picker = dcc.Dropdown(id=KB_YEAR_ID, options=[{"label": str(y), "value": y} for y in reversed(years)],
                          value=default, clearable=False, className="picker mb-2")
    return html.Section([
        html.Div([html.H2(t("kb_title", lang), className="section-title")], className="section-head"),
        html.P(t("kb_help", lang), className="section-sub"),
        html.Div([picker, button], className="d-flex gap-2 align-items-start"),
    ], className="panel", id="kb-section")


def layout(ds: DataSource, view: state.ViewState) -> html.Div:
    lang = view.lang
    loads = views.loads_table(ds.loads())
    last = str(loads["started_at"].iloc[0]) if len(loads) else ""
    return html.Div(
        [
            html.Div(
                [html.H1(t("nav_data", lang), className="page-title"),
                 html.Div(f"{t('last_load', lang)}: {last or '–'}", className="eyebrow", id="last-load")],  # fmt: skip
                className="page-head",
            ),
            *interrupted_notes(ds, lang),
            section(t("status_title", lang), status_grid(ds, lang), "status", lang),
            kb_section(ds, lang),
            html.Section(
                [
                    html.Div(
                        [html.H2(t("coverage_title", lang), className="section-title"),
                         download_button("coverage", lang)],  # fmt: skip
                        className="section-head",
                    ),
                    dbc.RadioItems(
                        id=KIND_ID,
                        options=[{"label": kind_label(k, lang), "value": k} for k in KINDS_WITH_GRID],
                        value="visits",
                        className="kind-tabs",
                        input_class_name="btn-check",
                        label_class_name="goal-tab",
                        label_checked_class_name="goal-tab-checked",
                    ),
                    graph({}, "coverage-graph"),
                    html.Div(
                        [html.Span([html.Span(sym, className="legend-swatch", style={"background": colour}), label],
                                   className="legend-item") for colour, sym, label in legend_items(lang)],  # fmt: skip
                        className="coverage-legend",
                    ),
                ],
                className="panel",
            ),
            section(t("problems_title", lang), html.Div([html.Div(problems_grid(ds, lang), id="problems-body"),
                                                         review_form(lang)]), "problems", lang),
            section(t("loads_title", lang), loads_grid(ds, lang), "loads", lang),
        ],
        className="data-page",
    )


def status_grid(ds: DataSource, lang: str) -> Any:
    df = views.status_table(ds.status(), ds.units(), lambda kind: kind_label(kind, lang))
    if not len(df):
        return html.P(t("no_data_loaded", lang))
    cols = [
        Column("kind", t("source_kind", lang), width=140),
        Column("unit_name", t("unit", lang), width=200),
        Column("first_period", t("first_period", lang)),
        Column("last_period", t("last_period", lang)),
        Column("rows", t("rows", lang), "number"),
        Column("last_load", t("last_load", lang)),
        Column("warnings", t("warnings", lang), "number"),
    ]
    return grid(df, cols, grid_id="status-grid", lang=lang, height=320)


def reviewed_text(row: Any, lang: str) -> str:
    """``anna 2026-11-25 10:12: Känt, räknaren byttes.`` or "" when the problem is not reviewed."""
    if not row["reviewed_by"]:
        return ""
    text = t("reviewed_text", lang, user=row["reviewed_by"], time=str(row["reviewed_at"])[:16],
             comment=row["review_comment"])  # fmt: skip
    return text.removesuffix(": ")


def problems_grid(ds: DataSource, lang: str) -> Any:
    df = ds.problems()
    if not len(df):
        return html.P(t("no_problems", lang), className="text-muted")
    df = df.assign(reviewed=[reviewed_text(r, lang) for _, r in df.iterrows()])
    cols = [
        Column(c, PROBLEM_COLUMNS_SV[c] if lang == "sv" else c.capitalize(), "int" if c == "row" else "text",
               width={"severity": 110, "row": 80, "sheet": 120, "column": 130, "value": 120}.get(c),
               wrap=c in ("message", "file"))  # fmt: skip
        for c in ("severity", "file", "sheet", "row", "column", "value", "message")
    ] + [Column("reviewed", t("reviewed", lang), wrap=True)]
    table = grid(df, cols, grid_id="problems-grid", lang=lang, height=360)
    for rec, pid in zip(table.rowData, df["problem_id"], strict=True):
        rec["problem_id"] = int(pid)
    table.getRowId = "String(params.data.problem_id)"
    table.dashGridOptions = {**table.dashGridOptions,
                             "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True}}
    return table


def review_form(lang: str) -> Any:
    """Comment and button to mark the chosen warning as reviewed (only for roles that may)."""
    if not permitted("write_comments"):
        return None
    return html.Div(
        [
            html.P(t("review_pick", lang), className="text-muted"),
            dcc.Textarea(id="review-comment", placeholder=t("review_comment", lang), rows=2,
                         className="form-control review-comment"),  # fmt: skip
            html.Button(t("review_button", lang), id="review-save", n_clicks=0, className="btn btn-primary"),
            html.Div(id="review-status", role="status", className="review-status"),
        ],
        className="review-form",
    )


def loads_grid(ds: DataSource, lang: str) -> Any:
    df = views.loads_table(ds.loads())
    if not len(df):
        return html.P(t("no_data_loaded", lang))
    cols = [
        Column("started_at", t("load_time", lang), width=160),
        Column("user", t("load_user", lang), width=120),
        Column("n_files", t("load_files", lang), "int", width=90),
        Column("rows_added", t("rows_added", lang), "number", width=130),
        Column("rows_replaced", t("rows_replaced", lang), "number", width=130),
        Column("files", t("load_file_names", lang), wrap=True),
    ]
    return grid(df, cols, grid_id="loads-grid", lang=lang, height=260)


def register(app: Any, ds: DataSource) -> None:
    @app.callback(
        Output("review-status", "children"),
        Output("problems-body", "children"),
        Output("review-comment", "value"),
        Input("review-save", "n_clicks"),
        State("problems-grid", "selectedRows"),
        State("review-comment", "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def review(n: int, selected: list[dict] | None, comment: str | None, search: str):
        lang = state.parse(search).lang
        if not n:
            return no_update, no_update, no_update
        user = current_user()
        if user is None or not user.can("write_comments"):
            return t("review_refused", lang), no_update, no_update
        if not selected:
            return t("review_pick", lang), no_update, no_update
        if not isinstance(selected, list) or not isinstance(selected[0], dict):
            raise BadInput("den valda varningen saknas")
        problem_id = checked_int(selected[0].get("problem_id"), "varningens id")
        comment = checked_text(comment, "kommentaren")
        if selected[0].get("severity") != "varning":
            return t("review_only_warnings", lang), no_update, no_update
        try:
            ds.store.review_problem(problem_id, user.name, comment)
        except ReviewError as exc:
            return str(exc), no_update, no_update
        return t("review_done", lang), problems_grid(ds, lang), ""

    @app.callback(Output("coverage-graph", "figure"), Input(KIND_ID, "value"), State("url", "search"))
    def coverage(kind: str, search: str):
        lang = state.parse(search).lang
        return ds.cached(("coverage", kind, lang), lambda: coverage_figure(ds.coverage(kind), lang, by_year=kind == "survey"))
