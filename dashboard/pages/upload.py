"""Uppladdning (administratör): upload the month's files, read every problem and what the load
would replace, load them, and undo loads.

The page calls the same functions as the CLI: :func:`etl.pipeline.preview_upload` (the safety
check and ``bibplan check``), :func:`etl.pipeline.confirm_staged` (``bibplan load`` of exactly the
staged files) and :meth:`etl.store.Store.undo_load` (``bibplan undo``).  Only the preview's token
travels to the browser; the staged files stay on the server.  Every callback checks the user's
right itself: hiding the page is not protection.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import pandas as pd
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from dashboard import state
from dashboard.auth import current_user, permitted
from dashboard.components import Column, grid
from dashboard.data import DataSource
from dashboard.formatting import fmt_number
from dashboard.i18n import t
from etl.config import ConfigError, data_dir
from etl.pipeline import Preview, UploadChanged, confirm_staged, preview_upload, replacement_question
from etl.problems import PROBLEM_COLUMNS_SV, to_frame
from etl.store import UndoError
from etl.upload_safety import MAX_BYTES

KIND_LABELS = {
    "sv": {"loans": "Utlån", "visits": "Besök", "events": "Arrangemang", "opening_hours": "Öppettider",
           "survey": "Enkät", "population": "Befolkning"},
    "en": {"loans": "Loans", "visits": "Visits", "events": "Events", "opening_hours": "Opening hours",
           "survey": "Survey", "population": "Population"},
}  # fmt: skip


def _user_name() -> str:
    user = current_user()
    return user.name if user is not None else "okänd"


def refused(lang: str) -> html.Div:
    return html.Div(t("upload_refused", lang), className="panel empty-state", id="upload-refused")


def layout(ds: DataSource, view: state.ViewState) -> html.Div:
    lang = view.lang
    if not permitted("upload"):
        return refused(lang)
    return html.Div(
        [
            html.Div(html.H1(t("nav_upload", lang), className="page-title"), className="page-head"),
            html.Section(
                [
                    html.H2(t("upload_title", lang), className="section-title"),
                    html.P(t("upload_help", lang), className="section-sub"),
                    dcc.Upload(
                        id="upload-files",
                        children=html.Div([t("upload_drop", lang), " ", html.A(t("upload_choose", lang))]),
                        multiple=True,
                        max_size=MAX_BYTES,
                        className="upload-drop",
                    ),
                    dcc.Store(id="upload-token"),
                    dcc.Loading(html.Div(id="upload-preview"), type="default"),
                    dcc.Loading(html.Div(id="upload-result", role="status"), type="default"),
                ],
                className="panel",
            ),
            html.Section(
                [
                    html.H2(t("loads_title", lang), className="section-title"),
                    dcc.ConfirmDialog(id="undo-confirm"),
                    dcc.Store(id="undo-pending"),
                    html.Div(id="undo-status", role="status", className="undo-status"),
                    html.Div(history_table(ds, lang), id="upload-history"),
                ],
                className="panel",
            ),
        ],
        className="upload-page",
    )


# --------------------------------------------------------------------------- pieces
def problems_grid(problems: pd.DataFrame, lang: str) -> Any:
    cols = [
        Column(c, PROBLEM_COLUMNS_SV[c] if lang == "sv" else c.capitalize(), "int" if c == "row" else "text",
               width={"severity": 110, "row": 80, "sheet": 120, "column": 130, "value": 120}.get(c),
               wrap=c in ("message", "file"))  # fmt: skip
        for c in ("severity", "file", "sheet", "row", "column", "value", "message")
    ]
    return grid(problems, cols, grid_id="upload-problems-grid", lang=lang)


def replaces_grid(replaces: pd.DataFrame, units: pd.DataFrame, lang: str) -> Any:
    names = dict(zip(units["unit_id"].astype(str), units["name"].astype(str), strict=True))
    df = pd.DataFrame(
        {
            "file": replaces["file"],
            "source": replaces["source"],
            "kind": [KIND_LABELS[lang].get(k, k) for k in replaces["kind"]],
            "unit": [names.get(str(u), str(u)) for u in replaces["unit"]],
            "first": [str(v)[:10] for v in replaces["first"]],
            "last": [str(v)[:10] for v in replaces["last"]],
            "rows": replaces["rows"],
        }
    )
    cols = [
        Column("file", t("upload_file", lang), wrap=True),
        Column("source", t("upload_source", lang), width=170),
        Column("kind", t("source_kind", lang), width=120),
        Column("unit", t("unit", lang), width=190),
        Column("first", t("first_period", lang), width=120),
        Column("last", t("last_period", lang), width=120),
        Column("rows", t("upload_replaced_rows", lang), "number", width=150),
    ]
    return grid(df, cols, grid_id="upload-replaces-grid", lang=lang)


def shrink_grid(question: pd.DataFrame, units: pd.DataFrame, lang: str) -> Any:
    """Per file, unit and month: stored and new periods and totals where a file would shrink the store."""
    names = dict(zip(units["unit_id"].astype(str), units["name"].astype(str), strict=True))
    df = question.assign(unit=[names.get(str(u), str(u)) for u in question["unit"]],
                         kind=[KIND_LABELS[lang].get(k, k) for k in question["kind"]])
    cols = [
        Column("file", t("upload_file", lang), wrap=True),
        Column("kind", t("source_kind", lang), width=110),
        Column("unit", t("unit", lang), width=180),
        Column("period", t("month", lang), width=110),
        Column("stored_periods", t("shrink_stored_periods", lang), "number", width=130),
        Column("new_periods", t("shrink_new_periods", lang), "number", width=120),
        Column("stored_total", t("shrink_stored_total", lang), "number", width=130),
        Column("new_total", t("shrink_new_total", lang), "number", width=120),
    ]
    return grid(df, cols, grid_id="upload-shrink-grid", lang=lang)


def preview_block(ds: DataSource, preview: Preview, lang: str) -> html.Div:
    """The problems of an upload and what it would load, with the Läs in button when anything can."""
    problems = to_frame(preview.problems)
    n_err = int((problems["severity"] == "fel").sum())
    n_warn = len(problems) - n_err
    parts: list[Any] = [
        html.H3(t("upload_problems", lang), className="section-title"),
        html.P(t("upload_counts", lang, errors=n_err, warnings=n_warn), id="upload-counts"),
    ]
    if len(problems):
        parts.append(problems_grid(problems, lang))
    parts.append(html.H3(t("upload_replaces", lang), className="section-title"))
    question = replacement_question(preview)
    if preview.loadable or len(question):
        parts.append(replaces_grid(preview.replaces, ds.units(), lang))
        if n_err:
            parts.append(html.P(t("upload_errors_skipped", lang), className="text-muted"))
        if len(question):  # issue 10: a replacement that shrinks is a question, never done silently
            parts += [html.P(t("upload_shrinks", lang), className="text-danger"), shrink_grid(question, ds.units(), lang)]
        parts.append(dcc.Checklist(id="upload-replace", value=[], style=None if len(question) else {"display": "none"},
                                   options=[{"label": " " + t("upload_replace_anyway", lang), "value": "replace"}]))
        parts.append(html.Button(t("upload_confirm", lang), id="upload-confirm", n_clicks=0,
                                 className="btn btn-primary"))  # fmt: skip
    else:
        parts.append(html.P(t("upload_nothing", lang), id="upload-nothing"))
    return html.Div(parts, className="upload-preview")


def history_table(ds: DataSource, lang: str) -> Any:
    """Every load, newest first, with an Ångra button on each load that can still be undone."""
    loads = ds.store.loads()
    if not len(loads):
        return html.P(t("no_data_loaded", lang))
    may_undo = permitted("undo")
    head = html.Tr([html.Th(t(k, lang)) for k in ("load_id", "load_time", "load_user", "load_file_names",
                                                   "rows_added", "rows_replaced", "load_state")])  # fmt: skip
    rows = []
    for r in loads.iloc[::-1].itertuples(index=False):
        files = [f for f in r.files if f["status"] in ("stored", "undone", "rejected")]
        names = ", ".join(f"{f['file']} ({f['content_hash'][:12]})" for f in files) or "–"
        undone = r.undone_at is not None and not pd.isna(r.undone_at)
        if undone:
            action: Any = t("load_undone", lang, time=str(r.undone_at)[:16])
        elif may_undo and r.rows_added + r.rows_replaced > 0:
            action = html.Button(t("undo", lang), id={"type": "undo-load", "load": int(r.id)}, n_clicks=0,
                                 className="btn btn-sm btn-outline-danger")  # fmt: skip
        else:
            action = ""
        rows.append(html.Tr([html.Td(str(r.id)), html.Td(str(r.started_at)[:16]), html.Td(r.user),
                             html.Td(names, className="wrap"), html.Td(fmt_number(r.rows_added, 0, lang)),
                             html.Td(fmt_number(r.rows_replaced, 0, lang)), html.Td(action)],
                            id=f"load-row-{int(r.id)}"))  # fmt: skip
    return html.Table([html.Thead(head), html.Tbody(rows)], className="table table-sm history-table")


def _decode(contents: list[str] | None, names: list[str] | None) -> list[tuple[str, bytes]]:
    files = []
    for content, name in zip(contents or [], names or [], strict=False):
        try:
            payload = content.split(",", 1)[1]
            files.append((name, base64.b64decode(payload, validate=True)))
        except (IndexError, binascii.Error):
            files.append((name, b""))  # refused by the safety check as an empty file
    return files


def _load_result(report: Any, lang: str) -> html.Div:
    rejected = [f.file for f in report.files if f.status in ("rejected", "unmatched")]
    parts = [html.P(t("upload_done", lang, id=report.load_id, added=fmt_number(report.rows_added, 0, lang),
                      replaced=fmt_number(report.rows_replaced, 0, lang)), id="upload-done")]  # fmt: skip
    if rejected:
        parts.append(html.P(t("upload_rejected", lang, files=", ".join(rejected)), className="text-danger"))
    return html.Div(parts, className="alert alert-success")


# --------------------------------------------------------------------------- callbacks
def register(app: Any, ds: DataSource) -> None:
    @app.callback(
        Output("upload-preview", "children"),
        Output("upload-token", "data"),
        Output("upload-result", "children", allow_duplicate=True),
        Input("upload-files", "contents"),
        State("upload-files", "filename"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def preview(contents: list[str] | None, names: list[str] | None, search: str | None):
        lang = state.parse(search).lang
        if not permitted("upload"):
            return refused(lang), None, ""
        if not contents:
            return no_update, no_update, no_update
        try:
            result = preview_upload(_decode(contents, names), data_dir(), ds.store)
        except ConfigError as exc:
            return html.Pre(str(exc), className="alert alert-danger"), None, ""
        return preview_block(ds, result, lang), result.token, ""

    @app.callback(
        Output("upload-result", "children"),
        Output("upload-preview", "children", allow_duplicate=True),
        Output("upload-history", "children", allow_duplicate=True),
        Output("upload-token", "data", allow_duplicate=True),
        Input("upload-confirm", "n_clicks"),
        State("upload-token", "data"),
        State("url", "search"),
        State("upload-replace", "value"),
        prevent_initial_call=True,
    )
    def confirm(n: int, token: str | None, search: str | None, replace: list[str] | None = None):
        lang = state.parse(search).lang
        if not n or not token:
            return (no_update,) * 4
        if not permitted("upload"):
            return refused(lang), "", no_update, None
        try:
            report = confirm_staged(token, ds.store, _user_name(), data_dir(), replace="replace" in (replace or []))
        except (UploadChanged, ConfigError) as exc:
            return html.P(str(exc), className="alert alert-danger"), no_update, no_update, None
        ds.refresh(force=True)
        return _load_result(report, lang), "", history_table(ds, lang), None

    @app.callback(
        Output("undo-confirm", "displayed"),
        Output("undo-confirm", "message"),
        Output("undo-pending", "data"),
        Input({"type": "undo-load", "load": ALL}, "n_clicks"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def ask_undo(_clicks: list[int | None], search: str | None):
        trigger = ctx.triggered_id
        # A re-drawn history fires this with every button at 0 clicks: only a real click counts.
        if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0].get("value"):
            return no_update, no_update, no_update
        lang = state.parse(search).lang
        load_id = int(trigger["load"])
        loads = ds.store.loads()
        row = loads[loads["id"] == load_id]
        if row.empty:
            return no_update, no_update, no_update
        r = row.iloc[0]
        message = t("undo_confirm", lang, id=load_id, time=str(r["started_at"])[:16], user=r["user"],
                    added=fmt_number(r["rows_added"], 0, lang), replaced=fmt_number(r["rows_replaced"], 0, lang))
        return True, message, load_id

    @app.callback(
        Output("undo-status", "children"),
        Output("upload-history", "children", allow_duplicate=True),
        Input("undo-confirm", "submit_n_clicks"),
        State("undo-pending", "data"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def undo(n: int | None, load_id: int | None, search: str | None):
        lang = state.parse(search).lang
        if not n or load_id is None:
            return no_update, no_update
        if not permitted("undo"):
            return html.P(t("undo_refused", lang), className="alert alert-danger"), no_update
        try:
            removed = ds.store.undo_load(int(load_id))
        except UndoError as exc:
            return html.P(str(exc), className="alert alert-danger"), history_table(ds, lang)
        ds.refresh(force=True)
        done = html.P(t("undo_done", lang, id=load_id, removed=fmt_number(removed, 0, lang)), id="undo-done",
                      className="alert alert-success")  # fmt: skip
        return done, history_table(ds, lang)
