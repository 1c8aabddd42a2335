"""Analys and Åtgärder: text per goal, period and unit, written in the app, kept in the store.

Every save appends a new version (the store's comments are append-only), with author and time, so
nothing is ever lost: not on reload, restart, a new data load, or when two people save at once
(each save is its own row; whoever saved last is shown, earlier versions stay in the history).
The panel remembers which version it showed; when someone else saved in between, the user is told
and both versions remain.

Only users whose role may ``write_comments`` (redaktör, administratör) can save; the save callback
checks that itself.  A logged-in user saves under their login name; in local mode (no users
configured) the author types their name.
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, dcc, html, no_update

from dashboard import state
from dashboard.auth import CurrentUser, current_user
from dashboard.data import DataSource
from dashboard.formatting import fmt_datetime
from dashboard.i18n import t
from dashboard.inputs import MAX_NAME_CHARS, BadInput, checked_text, checked_view

SECTIONS: tuple[str, ...] = ("analys", "atgarder")



def _attr(comment: Any, name: str) -> Any:
    return comment.get(name) if isinstance(comment, dict) else getattr(comment, name, None)


def version_token(comment: Any) -> str | None:
    """What identifies the version a user started from (id when the store gives one, else time)."""
    if comment is None:
        return None
    ident = _attr(comment, "id")
    return str(ident) if ident is not None else str(_attr(comment, "saved_at"))


def meta_text(comment: Any, lang: str) -> str:
    if comment is None:
        return t("not_saved_yet", lang)
    return t("saved_by", lang, time=fmt_datetime(_attr(comment, "saved_at"), lang), author=_attr(comment, "author"))


def history_block(history: list[Any], lang: str) -> html.Details | None:
    """Earlier versions (all but the latest), newest first."""
    ordered = sorted(history, key=lambda c: str(_attr(c, "saved_at")), reverse=True)[1:]
    if not ordered:
        return None
    return html.Details(
        [
            html.Summary(t("history", lang, n=len(ordered))),
            html.Ol(
                [
                    html.Li(
                        [html.Div(meta_text(c, lang), className="history-meta"),
                         html.Div(str(_attr(c, "text")), className="history-text")]  # fmt: skip
                    )
                    for c in ordered
                ],
                className="history-list",
            ),
        ],
        className="comment-history",
    )


def comments_panel(ds: DataSource, view: state.ViewState, author: str | None,
                   user: CurrentUser | None = None) -> html.Section:
    """The Analys and Åtgärder editors for the goal, period and unit of ``view``.  ``user``: who
    is looking (read-only texts for a role that may not write; no name field when logged in)."""
    lang = view.lang
    may_write = user is None or user.can("write_comments")
    named = user is not None and user.via != "local"
    assert view.goal is not None and view.year is not None and view.period is not None
    latest = ds.comments(view.goal, view.year, view.period, view.unit)
    columns = []
    loaded: dict[str, str | None] = {}
    for sec in SECTIONS:
        comment = latest.get(sec)
        loaded[sec] = version_token(comment)
        history = ds.comment_history(view.goal, view.year, view.period, view.unit, sec)
        columns.append(
            html.Div(
                [
                    html.Label(t(sec, lang), htmlFor=f"comment-{sec}", className="comment-label"),
                    html.Div(t(f"{sec}_help", lang), className="comment-help"),
                    dcc.Textarea(
                        id=f"comment-{sec}",
                        value=str(_attr(comment, "text")) if comment is not None else "",
                        className="form-control comment-text",
                        readOnly=not may_write,
                        rows=6,
                        style={"minHeight": "150px"},
                    ),
                    html.Div(meta_text(comment, lang), id=f"comment-meta-{sec}", className="comment-meta"),
                    html.Div(history_block(history, lang), id=f"comment-history-{sec}"),
                ],
                className="comment-col",
            )
        )
    key = {"goal": view.goal, "year": view.year, "period": view.period, "unit": view.unit, "lang": lang}
    return html.Section(
        [
            html.Div(html.H2(t("comments_title", lang), className="section-title"), className="section-head"),
            dcc.Store(id="comment-key", data=key),
            dcc.Store(id="comment-loaded", data=loaded),
            html.Div(columns, className="comment-row"),
            html.Div(
                [
                    dcc.Input(id="comment-author", value=author or "", placeholder=t("author", lang),
                              className="form-control comment-author",
                              style={"display": "none"} if named or not may_write else None),  # fmt: skip
                    html.Span(t("saving_as", lang, name=user.name), className="comment-author-name")
                    if named and may_write else None,
                    html.Button(t("save", lang), id="comment-save", n_clicks=0, className="btn btn-primary")
                    if may_write else None,
                    html.Div(id="comment-status", className="comment-status", role="status"),
                ],
                className="comment-actions",
            ),
        ],
        className="panel comments",
        id="comments",
    )


def save_comments(
    ds: DataSource, key: dict, texts: dict[str, str], author: str, loaded: dict[str, str | None]
) -> tuple[str, dict[str, str | None], bool]:
    """Store the sections whose text changed; return (message, new versions, conflict?)."""
    lang = key.get("lang", "sv")
    author = (author or "").strip()
    if not author:
        return t("save_needs_author", lang), loaded, False
    latest = ds.comments(key["goal"], key["year"], key["period"], key["unit"])
    conflict = False
    saved = False
    new_loaded = dict(loaded)
    for sec in SECTIONS:
        text = (texts.get(sec) or "").rstrip()
        current = latest.get(sec)
        if version_token(current) != loaded.get(sec):
            conflict = True
        if current is not None and str(_attr(current, "text")) == text:
            new_loaded[sec] = version_token(current)
            continue
        if current is None and not text:
            continue
        ds.add_comment(key["goal"], key["year"], key["period"], key["unit"], sec, text, author)
        saved = True
    after = ds.comments(key["goal"], key["year"], key["period"], key["unit"])
    for sec in SECTIONS:
        new_loaded[sec] = version_token(after.get(sec))
    if not saved:
        return t("nothing_changed", lang), new_loaded, conflict
    times = [_attr(after[s], "saved_at") for s in SECTIONS if after.get(s) is not None]
    message = t("saved_ok", lang, time=fmt_datetime(max(times), lang) if times else "")
    if conflict:
        message += " " + t("concurrent_edit", lang)
    return message, new_loaded, conflict


def checked_save(ds: DataSource, key: Any, texts: dict[str, Any], loaded: Any) -> tuple[dict, dict[str, str]]:
    """The save's key and texts when they may be stored (the goal, year, period and unit exist,
    the texts are not too long); raises :class:`~dashboard.inputs.BadInput` otherwise."""
    if not isinstance(key, dict) or not isinstance(loaded, dict):
        raise BadInput("kommentarens nyckel saknas")
    goal, year, period, unit = checked_view(ds, key.get("goal"), key.get("year"), key.get("period"), key.get("unit"))
    lang = key.get("lang") if key.get("lang") in ("sv", "en") else "sv"
    names = {"analys": "Analys", "atgarder": "Åtgärder"}
    checked = {sec: checked_text(texts.get(sec), names[sec]) for sec in SECTIONS}
    return {"goal": goal, "year": year, "period": period, "unit": unit, "lang": lang}, checked


def register(app: Any, ds: DataSource) -> None:
    @app.callback(
        Output("goal-comments", "children"),
        Input(state.ctl("goal"), "value"),
        Input(state.ctl("year"), "value"),
        Input(state.ctl("period"), "value"),
        Input(state.ctl("unit"), "value"),
        State("url", "search"),
        State("author-store", "data"),
    )
    def render(goal_id: str, year: int, period: str, unit: str, search: str, author: str | None):
        view = state.view_from_controls(search, {"goal": goal_id, "year": year, "period": period, "unit": unit})
        return comments_panel(ds, view, author, current_user())

    @app.callback(
        Output("comment-status", "children"),
        Output("comment-loaded", "data"),
        Output("comment-meta-analys", "children"),
        Output("comment-meta-atgarder", "children"),
        Output("comment-history-analys", "children"),
        Output("comment-history-atgarder", "children"),
        Output("author-store", "data"),
        Input("comment-save", "n_clicks"),
        State("comment-analys", "value"),
        State("comment-atgarder", "value"),
        State("comment-author", "value"),
        State("comment-key", "data"),
        State("comment-loaded", "data"),
        prevent_initial_call=True,
    )
    def save(n: int, analys: str, atgarder: str, author: str, key: dict, loaded: dict):
        if not n:
            return (no_update,) * 7
        lang = key.get("lang", "sv") if isinstance(key, dict) else "sv"
        user = current_user()
        if user is None or not user.can("write_comments"):
            return (t("comment_refused", lang),) + (no_update,) * 6
        key, texts = checked_save(ds, key, {"analys": analys, "atgarder": atgarder}, loaded)
        if user.via != "local":
            author = user.name
        author = checked_text(author, "namnet", MAX_NAME_CHARS)
        lang = key["lang"]
        message, new_loaded, _ = save_comments(ds, key, texts, author, loaded)
        latest = ds.comments(key["goal"], key["year"], key["period"], key["unit"])
        metas = [meta_text(latest.get(s), lang) for s in SECTIONS]
        histories = [
            history_block(ds.comment_history(key["goal"], key["year"], key["period"], key["unit"], s), lang)
            for s in SECTIONS
        ]
        return message, new_loaded, *metas, *histories, (author or "").strip() or no_update
