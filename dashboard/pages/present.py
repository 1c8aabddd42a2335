"""Presentationsläge: one goal per screen in large type; ← → (or the buttons) change goal.

The arrow keys are handled by ``assets/present.js``: a keydown listener that clicks the previous
and next buttons, so keyboard and mouse take the same path through the callbacks.
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, ctx, dcc, html, no_update

from dashboard import state, theme, views
from dashboard.components import graph, status_badge
from dashboard.data import DataSource
from dashboard.figures import trend_figure
from dashboard.figures.common import SPARK_CONFIG
from dashboard.formatting import fmt_value, is_missing
from dashboard.i18n import t



def layout(ds: DataSource, view: state.ViewState) -> html.Div:
    lang = view.lang
    current = views.find_goal(ds.plan(), view.goal)
    goals = views.goal_list(ds.plan())
    return html.Div(
        [
            html.Div(id="present-slide", className="slide"),
            html.Div(
                [
                    html.Button("←", id="present-prev", n_clicks=0, className="btn btn-outline-secondary",
                                title=t("previous_goal", lang), **{"aria-label": t("previous_goal", lang)}),  # fmt: skip
                    dcc.Dropdown(
                        id=state.ctl("goal"),
                        options=[{"label": f"{g.number}. {g.name}", "value": g.id} for g in goals],
                        value=current.id,
                        clearable=False,
                        className="present-picker",
                    ),
                    html.Button("→", id="present-next", n_clicks=0, className="btn btn-outline-secondary",
                                title=t("next_goal", lang), **{"aria-label": t("next_goal", lang)}),  # fmt: skip
                    html.Span(t("present_hint", lang), className="present-hint"),
                ],
                className="present-nav",
            ),
        ],
        className="present-page",
    )


def slide(ds: DataSource, view: state.ViewState) -> html.Div:
    """One goal: name, status, and each indicator as a large tile with its trend."""
    assert view.year is not None and view.period is not None
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
    tiles = []
    for _, row in rows.iterrows():
        ind = plan.indicator(str(row["indicator_id"]))
        decimals = int(row["decimals"]) if not is_missing(row["decimals"]) else ind.decimals
        unit_label = str(row["unit_label"] or "")
        style = theme.status_style(str(row["status"]))
        target = views.target_text(row, lang)
        change = views.change_text(row, lang)
        span = str(row.get("span") or "")
        fig = trend_figure(ds.trend_view(ind.id, view.year, view.period, view.unit), decimals, unit_label, lang, height=120)
        fig.update_layout(showlegend=False, margin=dict(l=4, r=4, t=4, b=4))
        tiles.append(
            html.Div(
                [
                    html.Div(ind.name_en if lang == "en" else ind.name_sv, className="tile-name"),
                    html.Div(
                        [html.Span(fmt_value(row["value"], decimals, unit_label, lang), className="tile-value"),
                         html.Span(" ".join(x for x in (unit_label if unit_label.strip() != "%" else "",
                                                        span if span != "jan–dec" else "") if x),
                                   className="tile-unit")],  # fmt: skip
                    ),
                    html.Div([html.Span(target.period), html.Span(change, className="ms-3")], className="tile-sub"),
                    html.Div(target.forecast, className="tile-sub") if target.forecast else None,
                    status_badge(str(row["status"]), lang, reason=row.get("status_reason", "")),
                    graph(fig, config=SPARK_CONFIG, className="tile-chart"),
                ],
                className="tile",
                style={"borderLeftColor": style.colour},
            )
        )
    return html.Div(
        [
            html.Div(
                [html.Span(t("goal_of", lang, i=goal.number, n=len(goals)), className="eyebrow"),
                 html.Span(ds.period_label(view.year, view.period, lang)
                           + views.unfinished_note(rows, view.year, view.period, ds.last_data_date(), lang) + " · "
                           + (ds.unit_name(view.unit) or t("whole_org", lang)), className="eyebrow ms-3")],  # fmt: skip
            ),
            html.Div([html.H1(goal.name, className="slide-title", id="slide-title"), status_badge(status, lang, "large", reason)],
                     className="slide-head"),  # fmt: skip
            html.Div(tiles, className="tiles"),
        ]
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
        return views.neighbour_goal(ds.plan(), goal_id, 1 if ctx.triggered_id == "present-next" else -1)

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
        return ds.cached(("slide", view), lambda: slide(ds, view))
