"""Åtgärder att följa upp: the actions of a goal (and unit) with owner, due date and state, edited
on the goal page and kept in the store with every version (who changed what and when).

Open actions from earlier periods are listed too (``goals.actions.for_period``).  Pick an action
in the list to change it, or "Ny åtgärd" to add one; every save is a new version.  Only roles that
may ``write_comments`` (redaktör, administratör) can save; the save callback checks that itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dash import Input, Output, State, dcc, html, no_update

from dashboard import state
from dashboard.auth import CurrentUser, current_user
from dashboard.data import DataSource
from dashboard.formatting import fmt_datetime
from dashboard.i18n import t
from dashboard.inputs import MAX_NAME_CHARS, BadInput, checked_int, checked_text, checked_view
from dashboard.meeting import actions_table, tx
from etl.followup_store import ACTION_STATES, ActionError
from goals.actions import state_label

NEW = "new"
TEXT = {
    "new": {"sv": "Ny åtgärd", "en": "New action"},
    "pick": {"sv": "Åtgärd att ändra", "en": "Action to change"},
    "text": {"sv": "Vad ska göras?", "en": "What will be done?"},
    "save": {"sv": "Spara åtgärd", "en": "Save action"},
    "saved": {"sv": "Åtgärden sparad {time}.", "en": "Action saved {time}."},
    "refused": {"sv": "Din roll får inte ändra åtgärder.", "en": "Your role may not change actions."},
    "history": {"sv": "Ändringar", "en": "Changes"},
}


def _x(key: str, lang: str, **kw: Any) -> str:
    return TEXT[key].get(lang, TEXT[key]["sv"]).format(**kw)


def _options(actions: list[Any], lang: str) -> list[dict[str, str]]:
    opts = [{"label": _x("new", lang), "value": NEW}]
    opts += [{"label": f"{a.text[:60]} ({state_label(a.state, lang).lower()})", "value": str(a.action_id)} for a in actions]
    return opts


def history_list(ds: DataSource, actions: list[Any], lang: str) -> html.Details | None:
    """Every version of the listed actions, newest first: who changed what and when."""
    items = []
    for a in actions:
        for v in reversed(ds.action_history(a.action_id)):
            due = v.due.isoformat() if v.due else "–"
            items.append((v.saved_at, html.Li(
                f"{fmt_datetime(v.saved_at, lang)} · {v.author}: {v.text} · {v.owner} · {due} · "
                f"{state_label(v.state, lang)}")))
    if not items:
        return None
    items.sort(key=lambda x: x[0], reverse=True)
    return html.Details([html.Summary(_x("history", lang)), html.Ol([i for _, i in items], className="history-list")],
                        className="comment-history")


def actions_panel(ds: DataSource, view: state.ViewState, user: CurrentUser | None = None) -> html.Section:
    lang = view.lang
    assert view.goal is not None and view.year is not None and view.period is not None
    may_write = user is None or user.can("write_comments")
    named = user is not None and user.via != "local"
    actions = ds.actions(view.goal, view.year, view.period, view.unit)
    key = {"goal": view.goal, "year": view.year, "period": view.period, "unit": view.unit, "lang": lang}
    form = html.Div(
        [
            html.Label([_x("pick", lang), dcc.Dropdown(id="action-pick", options=_options(actions, lang), value=NEW,
                                                       clearable=False, className="action-pick")]),
            html.Label([_x("text", lang), dcc.Textarea(id="action-text", className="form-control", rows=2)],
                       className="action-text-label"),
            html.Div(
                [
                    html.Label([tx("owner", lang), dcc.Input(id="action-owner", className="form-control")]),
                    html.Label([tx("due", lang), dcc.Input(id="action-due", type="date", className="form-control")]),
                    html.Label([tx("state", lang), dcc.Dropdown(
                        id="action-state", value="planerad", clearable=False, searchable=False,
                        options=[{"label": state_label(s, lang), "value": s} for s in ACTION_STATES])]),
                    dcc.Input(id="action-author", placeholder=t("author", lang), className="form-control",
                              style={"display": "none"} if named else None),
                    html.Button(_x("save", lang), id="action-save", n_clicks=0, className="btn btn-primary"),
                ],
                className="action-fields",
            ),
            html.Div(id="action-status", className="comment-status", role="status"),
        ],
        className="action-form",
    ) if may_write else None
    return html.Section(
        [
            html.Div(html.H2(tx("actions", lang), className="section-title"), className="section-head"),
            dcc.Store(id="action-key", data=key),
            html.Div([actions_table(actions, lang), history_list(ds, actions, lang)], id="action-list"),
            form,
        ],
        className="panel actions-panel",
        id="actions",
    )


def checked_action(ds: DataSource, key: Any, pick: Any, text: Any, owner: Any, due: Any, author: Any) -> dict:
    """The fields of an action save when they may be stored (the goal, year, period and unit exist,
    the picked action is a number, the texts are text and not too long); raises
    :class:`~dashboard.inputs.BadInput` otherwise.  The state and the due date's format are the
    store's and :func:`save_action`'s to answer, in words."""
    if not isinstance(key, dict):
        raise BadInput("åtgärdens nyckel saknas")
    goal, year, period, unit = checked_view(ds, key.get("goal"), key.get("year"), key.get("period"), key.get("unit"))
    if due is not None and not isinstance(due, str):
        raise BadInput("datumet ska vara text (ÅÅÅÅ-MM-DD)")
    return dict(goal=goal, year=year, period=period, unit=unit, lang="en" if key.get("lang") == "en" else "sv",
                action_id=None if pick in (None, NEW) else checked_int(pick, "åtgärdens id"),
                text=checked_text(text, "åtgärden"), owner=checked_text(owner, "ansvarig", MAX_NAME_CHARS),
                author=checked_text(author, "namnet", MAX_NAME_CHARS), due=due or None)


def save_action(ds: DataSource, key: dict, pick: int | str | None, text: str, owner: str, due: str | None, state_: str,
                author: str) -> tuple[str, bool]:
    """Save a new action (``pick`` ``None`` or :data:`NEW`) or a new version of action ``pick``;
    returns (message, saved?)."""
    lang = key.get("lang", "sv")
    try:
        due_date = dt.date.fromisoformat(due) if due else None
    except ValueError:
        return ("Ange datumet som ÅÅÅÅ-MM-DD." if lang == "sv" else "Write the date as YYYY-MM-DD."), False
    try:
        ds.save_action(goal_id=key["goal"], unit_id=key["unit"], year=key["year"], period=key["period"], text=text,
                       owner=owner, due=due_date, state=state_, author=author,
                       action_id=None if pick in (None, NEW) else int(pick))
    except ActionError as exc:
        return str(exc), False
    return _x("saved", lang, time=fmt_datetime(dt.datetime.now(), lang)), True


def register(app: Any, ds: DataSource) -> None:
    @app.callback(
        Output("goal-actions", "children"),
        Input(state.ctl("goal"), "value"),
        Input(state.ctl("year"), "value"),
        Input(state.ctl("period"), "value"),
        Input(state.ctl("unit"), "value"),
        State("url", "search"),
    )
    def render(goal_id: str, year: int, period: str, unit: str, search: str):
        view = state.view_from_controls(search, {"goal": goal_id, "year": year, "period": period, "unit": unit})
        return actions_panel(ds, view, current_user())

    @app.callback(
        Output("action-text", "value"),
        Output("action-owner", "value"),
        Output("action-due", "value"),
        Output("action-state", "value"),
        Input("action-pick", "value"),
        State("action-key", "data"),
    )
    def pick(value: str, key: dict):
        if value in (None, NEW):
            return "", "", None, "planerad"
        match = [a for a in ds.actions(key["goal"], key["year"], key["period"], key["unit"]) if str(a.action_id) == value]
        if not match:
            return no_update, no_update, no_update, no_update
        a = match[0]
        return a.text, a.owner, a.due.isoformat() if a.due else None, a.state

    @app.callback(
        Output("action-status", "children"),
        Output("action-list", "children"),
        Output("action-pick", "options"),
        Output("action-pick", "value"),
        Input("action-save", "n_clicks"),
        State("action-pick", "value"),
        State("action-text", "value"),
        State("action-owner", "value"),
        State("action-due", "value"),
        State("action-state", "value"),
        State("action-author", "value"),
        State("action-key", "data"),
        prevent_initial_call=True,
    )
    def save(n: int, pick_value: str, text: str, owner: str, due: str, state_: str, author: str, key: dict):
        if not n:
            return (no_update,) * 4
        lang = key.get("lang", "sv") if isinstance(key, dict) else "sv"
        user = current_user()
        if user is None or not user.can("write_comments"):
            return _x("refused", lang), no_update, no_update, no_update
        if user.via != "local":
            author = user.name
        fields = checked_action(ds, key, pick_value, text, owner, due, author)
        key = {k: fields.pop(k) for k in ("goal", "year", "period", "unit", "lang")}
        message, saved = save_action(ds, key, fields["action_id"], fields["text"], fields["owner"], fields["due"],
                                     state_, fields["author"])
        if not saved:
            return message, no_update, no_update, no_update
        actions = ds.actions(key["goal"], key["year"], key["period"], key["unit"])
        return message, [actions_table(actions, lang), history_list(ds, actions, lang)], _options(actions, lang), NEW
