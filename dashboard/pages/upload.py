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
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from dashboard import state
from dashboard import upload_summary as us
from dashboard.auth import current_user, permitted
from dashboard.data import DataSource
from dashboard.formatting import fmt_date, fmt_month, fmt_number
from dashboard.i18n import t
from dashboard.inputs import BadInput, checked_int
from etl import changes
from etl.config import ConfigError, data_dir
from etl.pipeline import Preview, UploadChanged, confirm_staged, discard_staged, preview_upload, replacement_question
from etl.store import UndoError
from etl.tables import PERIOD_COLUMN
from etl.upload_safety import MAX_BYTES


def _user_name() -> str:
    user = current_user()
    return user.name if user is not None else "okänd"


def refused(lang: str) -> html.Div:
    return html.Div(t("upload_refused", lang), className="panel empty-state", id="upload-refused")


def layout(ds: DataSource, view: state.ViewState) -> html.Div:
    lang = view.lang
    if not permitted("upload"):
        return refused(lang)
    drop_text: list[Any] = [t("upload_drop", lang), " ", html.Span(t("upload_choose", lang), className="upload-choose")]
    return html.Div(
        [
            html.Div(html.H1(t("nav_upload", lang), className="page-title"), className="page-head"),
            html.Section(
                [
                    html.H2(t("upload_title", lang), className="section-title"),
                    html.P(t("upload_help", lang), className="section-sub", id="upload-help"),
                    dcc.Upload(id="upload-files", children=html.Div(drop_text), multiple=True, max_size=MAX_BYTES,
                               className="upload-drop"),  # fmt: skip
                    dcc.Store(id="upload-token"),
                    html.Div(id="upload-announce", role="status",
                             className="upload-announce"),  # fmt: skip
                    dcc.Loading(html.Div(id="upload-preview"), type="default"),
                    html.Div(id="upload-result"),
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
def unit_names(ds: DataSource) -> dict[str, str]:
    units = ds.units()
    return dict(zip(units["unit_id"].astype(str), units["name"].astype(str), strict=True))


def preview_block(ds: DataSource, preview: Preview, lang: str) -> tuple[html.Div, str]:
    """The answer to "what does this upload do?": the total and each file's outcome at the top,
    then Läs in, then per file the units and months it brings (old -> new) and its problems.
    Returns the block and the sentence to announce."""
    items = us.outcomes(preview, ds.tables(), ds.store.loads(), lang)
    names = unit_names(ds)
    chosen = html.P(t("upload_chosen", lang, files=", ".join(f.label for f in preview.files)), id="upload-chosen")
    total = us.summary_text(items, lang)
    lines = html.Ul([html.Li([html.B(o.name), ": ", _line(o, lang)]) for o in items], id="upload-files-summary")
    parts: list[Any] = [chosen, html.P(html.Strong(total), id="upload-summary"), lines]
    loads = [o for o in items if o.state == "loads"]
    question = replacement_question(preview)
    if len(question):  # issue 10: a replacement that shrinks is a question, never done silently
        parts += [html.P(t("upload_shrinks", lang), className="text-danger"), shrink_table(question, ds, lang)]
    if (preview.loadable and loads) or len(question):
        parts.append(dbc.Checklist(id="upload-replace", value=[], style=None if len(question) else {"display": "none"},
                                   options=[{"label": t("upload_replace_anyway", lang), "value": "replace"}]))
        parts.append(html.Div([html.Button(t("upload_confirm", lang), id="upload-confirm", n_clicks=0,
                                           className="btn btn-primary"),
                               html.Button(t("upload_cancel", lang), id="upload-cancel", n_clicks=0,
                                           className="btn btn-outline-secondary ms-2")]))  # fmt: skip
    else:
        errors = any(p.severity == "fel" for o in items if o.state == "refused" for p in o.problems)
        if errors:  # the advice to fix errors only where there are errors (not for a duplicate)
            parts.append(html.P(t("upload_nothing", lang), id="upload-nothing"))
    for i, o in enumerate(items):
        if o.state == "loads":
            parts.append(html.Details([html.Summary(f"{o.name}: {us.counts_text(o.counts(), lang)}"),
                                       us.change_table(o.kind, o.rows, names, lang, f"upload-changes-{i}")],
                                      open=len(items) == 1, className="upload-details"))  # fmt: skip
    parts.append(us.details_block(items, lang))
    return html.Div(parts, className="upload-preview"), total


def shrink_table(question: pd.DataFrame, ds: DataSource, lang: str) -> html.Table:
    """Per file, unit and month: stored and new periods and totals where a file would shrink the store."""
    names = unit_names(ds)
    cols = [("file", "upload_file"), ("unit", "unit"), ("period", "month"), ("stored_periods", "shrink_stored_periods"),
            ("new_periods", "shrink_new_periods"), ("stored_total", "shrink_stored_total"), ("new_total", "shrink_new_total")]
    head = html.Tr([html.Th(t(k, lang), scope="col") for _, k in cols])
    body = []
    for r in question.to_dict("records"):
        cells = []
        for c, _ in cols:
            v = r.get(c)
            if c == "unit":
                v = names.get(str(v), str(v))
            elif c in ("stored_periods", "new_periods", "stored_total", "new_total"):
                v = fmt_number(v, 0, lang)
            elif c == "period":
                v = fmt_month(v, lang) if not isinstance(v, str) or len(v) >= 7 else v
            cells.append(html.Td(str(v)))
        body.append(html.Tr(cells))
    return html.Table([html.Thead(head), html.Tbody(body)], className="table table-sm", id="upload-shrink-grid")


def _line(o: us.FileOutcome, lang: str) -> str:
    if o.state == "loads":
        periods = us.periods_text(o.kind, o.rows, lang) or t("upload_periods_none", lang)
        return t("upload_file_loads", lang, periods=periods, counts=us.counts_text(o.counts(), lang))
    if o.state == "duplicate":
        return o.reason
    return t("upload_file_refused", lang, reason=o.reason)


def history_table(ds: DataSource, lang: str) -> Any:
    """Every load, newest first, with an Ångra button on each load that can still be undone."""
    loads = ds.store.loads()
    if not len(loads):
        return html.P(t("no_data_loaded", lang))
    may_undo = permitted("undo")
    blockers = ds.store.undo_blockers()
    head = html.Tr([html.Th(t(k, lang)) for k in ("load_id", "load_time", "load_user", "load_file_names",
                                                   "rows_added", "rows_replaced", "load_state")])  # fmt: skip
    rows = []
    for r in loads.iloc[::-1].itertuples(index=False):
        files = [f for f in r.files if f["status"] in ("stored", "undone", "rejected")]
        names = ", ".join(f"{f['file']} ({f['content_hash'][:12]})" for f in files[:5]) or "–"
        if len(files) > 5:
            names += " " + t("upload_more_problems", lang, n=len(files) - 5)
        undone = r.undone_at is not None and not pd.isna(r.undone_at)
        if undone:
            action: Any = t("load_undone", lang, time=str(r.undone_at)[:16])
        elif may_undo and int(r.id) in blockers:  # offered only where it can be done now
            action = html.Span(t("undo_blocked", lang, later=blockers[int(r.id)]), className="undo-blocked")
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
    if not isinstance(contents, list) or not isinstance(names, list) or len(contents) != len(names) \
            or not all(isinstance(x, str) for x in [*contents, *names]):
        raise BadInput("filerna ska vara en lista av text med ett namn var")
    files = []
    for content, name in zip(contents or [], names or [], strict=False):
        try:
            payload = content.split(",", 1)[1]
            files.append((name, base64.b64decode(payload, validate=True)))
        except (IndexError, binascii.Error):
            files.append((name, b""))  # refused by the safety check as an empty file
    return files


def load_result(ds: DataSource, report: Any, lang: str) -> tuple[html.Div, str]:
    """After a load: the exact counts (the rows the load stored against the rows it replaced, read
    back from the store), where each kind's data now reaches, and links to Översikt at the latest
    complete period and at the month just loaded."""
    c, months = changes.Counts(), []
    for kind, (stored, replaced) in ds.store.undo_rows(report.load_id).items():
        c = c + changes.counts(changes.compare(kind, stored, replaced))
        if kind in ("visits", "loans", "events") and len(stored):
            months.append(changes.period_start(kind, stored[PERIOD_COLUMN[kind]]).max())
    text = t("upload_loaded", lang, id=report.load_id, counts=us.counts_text(c, lang))
    parts: list[Any] = [html.P(text, id="upload-done")]
    rejected = [f.file for f in report.files if f.status in ("rejected", "unmatched")]
    if rejected:
        parts.append(html.P(t("upload_rejected", lang, files=", ".join(rejected)), className="text-danger"))
    reach = us.reach(ds.tables())
    parts.append(html.Ul([html.Li(t("upload_reach", lang, kind=us.KIND_LABELS[lang][k], date=fmt_date(d, lang)))
                          for k, d in reach.items()], id="upload-reach"))  # fmt: skip
    year, period = ds.default_view()
    lang_q = "&lang=en" if lang == "en" else ""
    links: list[Any] = [dcc.Link(t("upload_link_latest", lang, period=ds.period_label(year, period, lang)),
                      href=f"/?year={year}&period={period}{lang_q}", id="upload-link-latest")]  # fmt: skip
    if months:
        m = pd.Timestamp(max(months))
        links += [" · ", dcc.Link(t("upload_link_month", lang, month=fmt_month(m, lang)),
                                  href=f"/?year={m.year}&period=M{m.month:02d}{lang_q}", id="upload-link-month")]  # fmt: skip
    parts.append(html.P(links))
    return html.Div(parts, className="alert alert-success"), text


# --------------------------------------------------------------------------- callbacks
def register(app: Any, ds: DataSource) -> None:
    @app.callback(
        Output("upload-preview", "children"),
        Output("upload-token", "data"),
        Output("upload-announce", "children"),
        Output("upload-result", "children", allow_duplicate=True),
        Input("upload-files", "contents"),
        State("upload-files", "filename"),
        State("url", "search"),
        State("upload-token", "data"),
        prevent_initial_call=True,
    )
    def preview(contents: list[str] | None, names: list[str] | None, search: str | None, previous: str | None):
        lang = state.parse(search).lang
        if not permitted("upload"):
            return refused(lang), None, "", ""
        if not contents:
            return (no_update,) * 4
        discard_staged(previous if isinstance(previous, str) else None, data_dir())  # the preview it replaces
        try:
            result = preview_upload(_decode(contents, names), data_dir(), ds.store)
        except ConfigError as exc:
            return html.Pre(str(exc), className="alert alert-danger"), None, str(exc), ""
        block, text = preview_block(ds, result, lang)
        return block, result.token, text, ""

    @app.callback(
        Output("upload-result", "children"),
        Output("upload-preview", "children", allow_duplicate=True),
        Output("upload-history", "children", allow_duplicate=True),
        Output("upload-token", "data", allow_duplicate=True),
        Output("upload-announce", "children", allow_duplicate=True),
        Output("data-until", "children", allow_duplicate=True),
        Output("upload-files", "contents"),  # emptied, so choosing the same file again is checked again
        Output("version-seen", "data", allow_duplicate=True),  # this page shows the load: no re-render
        Input("upload-confirm", "n_clicks"),
        State("upload-token", "data"),
        State("url", "search"),
        State("upload-replace", "value"),
        prevent_initial_call=True,
    )
    def confirm(n: int, token: str | None, search: str | None, replace: list[str] | None = None):
        lang = state.parse(search).lang
        if not n or not token:
            return (no_update,) * 8
        if not permitted("upload"):
            return refused(lang), "", no_update, None, t("upload_refused", lang), no_update, None, no_update
        try:
            report = confirm_staged(token, ds.store, _user_name(), data_dir(), replace="replace" in (replace or []))
        except (UploadChanged, ConfigError) as exc:
            return (html.P(str(exc), className="alert alert-danger"), no_update, no_update, None, str(exc), no_update,
                    None, no_update)  # fmt: skip
        ds.refresh(force=True)
        result, text = load_result(ds, report, lang)
        return result, "", history_table(ds, lang), None, text, data_until_text(ds, lang), None, ds.version_token()

    @app.callback(
        Output("upload-preview", "children", allow_duplicate=True),
        Output("upload-token", "data", allow_duplicate=True),
        Output("upload-announce", "children", allow_duplicate=True),
        Output("upload-files", "contents", allow_duplicate=True),
        Input("upload-cancel", "n_clicks"),
        State("upload-token", "data"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def cancel(n: int, token: str | None, search: str | None):
        """Avbryt: nothing is loaded and the staged files are removed at once."""
        lang = state.parse(search).lang
        if not n or not permitted("upload"):
            return (no_update,) * 4
        discard_staged(token if isinstance(token, str) else None, data_dir())
        text = t("upload_cancelled", lang)
        return html.P(text, id="upload-cancelled", className="text-muted"), None, text, None

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
        message = us.undo_message(load_id, r["started_at"], r["user"], ds.store.undo_rows(load_id), unit_names(ds), lang)
        return True, message, load_id

    @app.callback(
        Output("undo-status", "children"),
        Output("upload-history", "children", allow_duplicate=True),
        Output("data-until", "children", allow_duplicate=True),
        Output("version-seen", "data", allow_duplicate=True),
        Input("undo-confirm", "submit_n_clicks"),
        State("undo-pending", "data"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def undo(n: int | None, load_id: int | None, search: str | None):
        lang = state.parse(search).lang
        if not n or load_id is None:
            return no_update, no_update, no_update, no_update
        if not permitted("undo"):
            return html.P(t("undo_refused", lang), className="alert alert-danger"), no_update, no_update, no_update
        try:
            removed = ds.store.undo_load(checked_int(load_id, "inläsningens id"))
        except UndoError as exc:
            return html.P(str(exc), className="alert alert-danger"), history_table(ds, lang), no_update, no_update
        ds.refresh(force=True)
        done = html.P(t("undo_done", lang, id=load_id, removed=fmt_number(removed, 0, lang)), id="undo-done",
                      className="alert alert-success")  # fmt: skip
        return done, history_table(ds, lang), data_until_text(ds, lang), ds.version_token()


def data_until_text(ds: DataSource, lang: str) -> str:
    """The header's "Data t.o.m." after a load or an undo (the same text the header renders)."""
    last = ds.last_data_date()
    return t("data_until", lang, date=fmt_date(last, lang)) if last else t("no_data_loaded", lang)
