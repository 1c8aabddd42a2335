"""Presentationsläge: one full-screen slide per goal for the meeting, then a closing slide with the
actions.  A goal's slide shows its status and why (the deciding indicators, worst first, with the
reason in words), each indicator as a tile with its trend, and the goal's Analys, Åtgärder and
open actions beside them.  ← → (or Page Up/Down, or the buttons) change slide; the Helskärm button (or F)
puts the slide on the whole screen.

The keys and the full-screen button are handled by ``assets/present.js``: a keydown listener that
clicks the previous and next buttons, so keyboard and mouse take the same path through the
callbacks, and the browser's Fullscreen API.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html, no_update

from dashboard import state, theme, views
from dashboard.components import graph, status_badge
from dashboard.data import DataSource
from dashboard.figures import trend_figure
from dashboard.figures.common import SPARK_CONFIG
from dashboard.formatting import fmt_value, is_missing
from dashboard.i18n import t
from dashboard.meeting import actions_table, tx, why_block

#: The goal-picker value of the closing slide (the actions of every goal).
ACTIONS_SLIDE = "atgarder"

FULLSCREEN = {"sv": "Helskärm (F)", "en": "Full screen (F)"}
CLOSING = {"sv": "Åtgärder att följa upp", "en": "Actions to follow up"}
NO_TEXT = {"sv": "Inte skriven ännu.", "en": "Not written yet."}


def slide_ids(plan: Any) -> list[str]:
    return [g.id for g in views.goal_list(plan)] + [ACTIONS_SLIDE]


def neighbour(plan: Any, current: str | None, step: int) -> str:
    """The slide ``step`` places after ``current``: the goals, then the closing slide, then round
    to the first goal; back from the first goal is the last goal (the closing slide ends a round)."""
    ids = slide_ids(plan)
    index = ids.index(current) if current in ids else 0
    if index == 0 and step < 0:
        return ids[-2]
    return ids[(index + step) % len(ids)]


def layout(ds: DataSource, view: state.ViewState) -> html.Div:
    lang = view.lang
    plan = ds.plan()
    goals = views.goal_list(plan)
    current = view.goal if view.goal == ACTIONS_SLIDE else views.find_goal(plan, view.goal).id
    options = [{"label": f"{g.number}. {g.name}", "value": g.id} for g in goals]
    options.append({"label": CLOSING.get(lang, CLOSING["sv"]), "value": ACTIONS_SLIDE})
    return html.Div(
        [
            html.Div(id="present-slide", className="slide"),
            html.Div(
                [
                    html.Button("←", id="present-prev", n_clicks=0, className="btn btn-outline-secondary",
                                title=t("previous_goal", lang), **{"aria-label": t("previous_goal", lang)}),  # fmt: skip
                    html.Label(
                        [html.Span(t("goal", lang), className="visually-hidden"),
                         dbc.Select(id=state.ctl("goal"), options=options, value=current, className="present-picker")],
                    ),  # fmt: skip
                    html.Button("→", id="present-next", n_clicks=0, className="btn btn-outline-secondary",
                                title=t("next_goal", lang), **{"aria-label": t("next_goal", lang)}),  # fmt: skip
                    html.Button(FULLSCREEN.get(lang, FULLSCREEN["sv"]), id="present-fullscreen", n_clicks=0,
                                className="btn btn-outline-secondary present-full",
                                title=FULLSCREEN.get(lang, FULLSCREEN["sv"]),
                                **{"aria-label": FULLSCREEN.get(lang, FULLSCREEN["sv"])}),  # fmt: skip
                    html.Span(t("present_hint", lang), className="present-hint"),
                ],
                className="present-nav",
            ),
        ],
        className="present-page",
    )


def _tile(ds: DataSource, row: Any, view: state.ViewState) -> html.Div:
    lang = view.lang
    ind = ds.plan().indicator(str(row["indicator_id"]))
    decimals = int(row["decimals"]) if not is_missing(row["decimals"]) else ind.decimals
    unit_label = str(row["unit_label"] or "")
    target = views.target_text(row, lang)
    change = views.change_text(row, lang)
    span = str(row.get("span") or "")
    fig = trend_figure(ds.trend_view(ind.id, view.year, view.period, view.unit), decimals, unit_label, lang, height=100)
    fig.update_layout(showlegend=False, margin=dict(l=4, r=4, t=4, b=4))
    return html.Div(
        [
            html.Div([html.Div(ind.name_en if lang == "en" else ind.name_sv, className="tile-name"),
                      status_badge(str(row["status"]), lang, reason=row.get("status_reason", ""))],
                     className="tile-head"),  # fmt: skip
            html.Div(
                [html.Span(fmt_value(row["value"], decimals, unit_label, lang), className="tile-value"),
                 html.Span(" ".join(x for x in (unit_label if unit_label.strip() != "%" else "",
                                                span if span != "jan–dec" else "") if x),
                           className="tile-unit")],  # fmt: skip
            ),
            html.Div([html.Span(target.period), html.Span(change, className="ms-3")], className="tile-sub"),
            html.Div(target.forecast, className="tile-sub") if target.forecast else None,
            graph(fig, config=SPARK_CONFIG, className="tile-chart"),
        ],
        className="tile",
        style={"borderLeftColor": theme.status_style(str(row["status"])).colour},
        id={"type": "slide-tile", "ind": ind.id},
    )


def _text_panel(title: str, comment: Any, lang: str, panel_id: str) -> html.Section:
    text = getattr(comment, "text", "") if comment is not None else ""
    return html.Section(
        [html.H2(title, className="slide-text-title"),
         html.Div(text or NO_TEXT.get(lang, NO_TEXT["sv"]), className="slide-text" + ("" if text else " muted"))],  # fmt: skip
        className="slide-text-panel",
        id=panel_id,
    )


def _eyebrow(ds: DataSource, view: state.ViewState, first: str, rows: Any = None) -> html.Div:
    lang = view.lang
    note = views.unfinished_note(rows, view.year, view.period, ds.last_data_date(), lang) if rows is not None else ""
    return html.Div(
        [html.Span(first, className="eyebrow"),
         html.Span(ds.period_label(view.year, view.period, lang) + note + " · "
                   + (ds.unit_name(view.unit) or t("whole_org", lang)), className="eyebrow ms-3")],  # fmt: skip
    )


def slide(ds: DataSource, view: state.ViewState) -> html.Div:
    """One goal: status and why, the indicator tiles, and the goal's texts and open actions."""
    assert view.year is not None and view.period is not None
    if view.goal == ACTIONS_SLIDE:
        return closing_slide(ds, view)
    lang = view.lang
    plan = ds.plan()
    goal = views.find_goal(plan, view.goal)
    goals = views.goal_list(plan)
    fu = ds.followup(view.year, view.period, view.unit)
    rows = views.goal_rows(fu, goal.id, goal.indicators)
    gs = ds.goal_status(view.year, view.period, view.unit)
    match = gs[gs["goal_id"] == goal.id]
    status = str(match["status"].iloc[0]) if len(match) else "ingen_data"
    reason = str(match["reason"].iloc[0]) if len(match) and "reason" in match else ""
    # the tiles (figures) are cached per view; the texts and actions below are read fresh
    tiles = ds.cached(("slide-tiles", view), lambda: [_tile(ds, row, view) for _, row in rows.iterrows()])
    texts = ds.comments(goal.id, view.year, view.period, view.unit)
    actions = [a for a in ds.actions(goal.id, view.year, view.period, view.unit) if a.is_open]
    return html.Div(
        [
            _eyebrow(ds, view, t("goal_of", lang, i=goal.number, n=len(goals)), rows),
            html.Div([html.H1(goal.name, className="slide-title", id="slide-title"),
                      status_badge(status, lang, "large", reason)], className="slide-head"),  # fmt: skip
            why_block(rows, status, plan, lang, limit=3, className="why slide-why"),
            html.Div(
                [
                    html.Div(tiles, className=f"tiles tiles-{min(len(tiles), 6)}"),
                    html.Div(
                        [_text_panel(t("analys", lang), texts.get("analys"), lang, "slide-analys"),
                         _text_panel(t("atgarder", lang), texts.get("atgarder"), lang, "slide-atgarder"),
                         html.Section([html.H2(tx("actions", lang), className="slide-text-title"),
                                       actions_table(actions, lang, compact=True)],
                                      className="slide-text-panel", id="slide-actions")],  # fmt: skip
                        className="slide-texts",
                    ),
                ],
                className="slide-body",
            ),
        ],
        className="slide-inner",
    )


def closing_slide(ds: DataSource, view: state.ViewState) -> html.Div:
    """Every goal's actions for the period (open ones carried from earlier periods), by goal."""
    lang = view.lang
    goals = views.goal_list(ds.plan())
    names = {g.id: f"{g.number}. {g.name}" for g in goals}
    order = {g.id: g.number for g in goals}
    actions = sorted(ds.actions(None, view.year, view.period, view.unit), key=lambda a: order.get(a.goal_id, 99))
    return html.Div(
        [
            _eyebrow(ds, view, CLOSING.get(lang, CLOSING["sv"])),
            html.Div(html.H1(CLOSING.get(lang, CLOSING["sv"]), className="slide-title", id="slide-title"),
                     className="slide-head"),
            html.Div(actions_table(actions, lang, goal_names=names), className="closing-actions"),
        ],
        className="slide-inner closing",
    )


def register(app: Any, ds: DataSource) -> None:
    @app.callback(
        Output(state.ctl("goal"), "value"),
        Input("present-prev", "n_clicks"),
        Input("present-next", "n_clicks"),
        State(state.ctl("goal"), "value"),
        prevent_initial_call=True,
    )
    def step(prev: int, nxt: int, goal_id: str):
        if ctx.triggered_id not in ("present-prev", "present-next"):
            return no_update
        return neighbour(ds.plan(), goal_id, 1 if ctx.triggered_id == "present-next" else -1)

    @app.callback(
        Output("present-slide", "children"),
        Input(state.ctl("goal"), "value"),
        Input(state.ctl("year"), "value"),
        Input(state.ctl("period"), "value"),
        Input(state.ctl("unit"), "value"),
        State("url", "search"),
    )
    def update(goal_id: str, year: int, period: str, unit: str, search: str):
        view = state.view_from_controls(search, {"goal": goal_id, "year": year, "period": period, "unit": unit})
        # texts and actions are read on every render (never cached): a text saved a moment ago shows
        return slide(ds, view)
