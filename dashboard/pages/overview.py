"""Översikt: the seven goals as cards (status, key indicator against target, sparkline), counts."""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, dcc, html

from dashboard import state, theme, views
from dashboard.components import download_button, graph, report_button, report_docx_button, status_badge
from dashboard.data import DataSource
from dashboard.figures import sparkline
from dashboard.figures.common import SPARK_CONFIG
from dashboard.formatting import fmt_value, is_missing
from dashboard.i18n import status_label, t
from dashboard.auth import current_user
from dashboard.comments import comments_panel
from dashboard.meeting import why_block
from etl.followup_store import OVERALL
from goals.explain import deciding


def layout(ds: DataSource, view: state.ViewState) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.Div([html.H1(id="overview-title", className="page-title"),
                              html.Div(id="overview-counts", className="status-counts")]),  # fmt: skip
                    html.Div([report_button(view.lang), report_docx_button(view.lang), download_button("overview", view.lang)],
                             className="page-actions"),
                ],
                className="page-head",
            ),
            html.Div(id="overview-cards", className="goal-cards"),
            html.Div(id="overview-comments", className="mt-3"),
        ],
        className="overview",
    )


def counts_row(counts: dict[str, int], lang: str) -> list[Any]:
    """``✓ 3 uppnått · ◐ 2 delvis uppnått · …`` as chips."""
    return [
        html.Span(
            [html.Span(theme.status_style(s).icon, className="status-icon"), html.B(str(n)), " ",
             status_label(s, lang).lower()],  # fmt: skip
            className=f"count-chip status-{s}",
        )
        for s, n in counts.items()
    ]


def goal_card(goal: views.GoalInfo, status: str, key: Any, spark_fig: Any, view: state.ViewState,
              reason: str = "", why: Any = None, key_name: str | None = None) -> html.A:
    """A card for one goal; the whole card links to the goal page.  A goal without a status says
    why (``reason``); ``key``: the indicator shown large (the worst deciding one when the goal is
    not reached); ``why``: the block naming the deciding indicators."""
    lang = view.lang
    style = theme.status_style(status)
    body: list[Any] = [
        html.Div([html.Span(str(goal.number), className="goal-number"), status_badge(status, lang, reason=reason)],
                 className="card-top"),  # fmt: skip
        html.H2(goal.name, className="goal-name"),
    ]
    if why is not None:
        body.append(why)
    if key is not None:
        decimals = int(key["decimals"]) if not is_missing(key["decimals"]) else 1
        unit_label = str(key["unit_label"] or "")
        target = views.target_text(key, lang)
        change = views.change_text(key, lang)
        span = str(key.get("span") or "")
        body += [
            html.Div(key_name or str(key["indicator_name"]), className="key-name"),
            html.Div(
                [html.Span(fmt_value(key["value"], decimals, unit_label, lang), className="key-value"),
                 html.Span(" ".join(x for x in (unit_label if unit_label.strip() != "%" else "",
                                                span if span != "jan–dec" else "") if x),
                           className="key-unit")],  # fmt: skip
                className="key-line",
            ),
            html.Div(
                [html.Span(target.period, className="key-target") if target.period else None,
                 html.Span(change, className="key-change", title=t("previous", lang)) if change else None],  # fmt: skip
                className="key-sub",
            ),
        ]
        if target.forecast:
            body.append(html.Div(target.forecast, className="key-sub key-forecast",
                                 title=views.word("on_forecast", lang) if target.status_on_forecast else None))
        if spark_fig is not None:
            body.append(graph(spark_fig, config=SPARK_CONFIG, className="sparkline"))
    href = "/mal" + view.with_(goal=goal.id).query()
    return dcc.Link(
        body,
        href=href,
        className="goal-card",
        style={"borderTopColor": style.colour},
        id={"type": "goal-card", "goal": goal.id},
    )


def overview_content(ds: DataSource, year: int, period: str, unit: str | None, view: state.ViewState):
    """Title, counts and cards for a period (the callback's body, callable in tests)."""
    lang = view.lang
    plan = ds.plan()
    fu = ds.followup(year, period, unit)
    gs = ds.goal_status(year, period, unit)
    status_by_goal = dict(zip(gs["goal_id"].astype(str), gs["status"].astype(str)))
    reason_by_goal = dict(zip(gs["goal_id"].astype(str), gs["reason"].astype(str))) if "reason" in gs else {}
    cards = []
    for goal in views.goal_list(plan):
        status = status_by_goal.get(goal.id, "ingen_data")
        rows = views.goal_rows(fu, goal.id, goal.indicators)
        key = views.key_row(fu, goal)
        worst = deciding(rows, status)
        if status in ("ej_uppnatt", "delvis") and len(worst):
            key = worst.iloc[0]  # the card leads with what makes the goal red, not its best indicator
        why = why_block(rows, status, plan, lang, limit=2, className="why card-why") if status != "uppnatt" else None
        spark = None
        if key is not None:
            spark = sparkline(ds.trend_view(str(key["indicator_id"]), year, period, unit), views.drawn_status(key))
        key_name = None
        if key is not None:
            ind = plan.indicator(str(key["indicator_id"]))
            key_name = ind.name_en if lang == "en" else ind.name_sv
        cards.append(goal_card(goal, status, key, spark, view, reason_by_goal.get(goal.id, ""), why, key_name))
    where = ds.unit_name(unit) or t("whole_org", lang)
    title = f"{ds.period_label(year, period, lang)}{views.unfinished_note(fu, year, period, ds.last_data_date(), lang)} · {where}"
    return title, counts_row(views.status_counts(gs), lang), cards


def register(app: Any, ds: DataSource) -> None:
    @app.callback(
        Output("overview-title", "children"),
        Output("overview-counts", "children"),
        Output("overview-cards", "children"),
        Input(state.ctl("year"), "value"),
        Input(state.ctl("period"), "value"),
        Input(state.ctl("unit"), "value"),
        State("url", "search"),
    )
    def update(year: int, period: str, unit: str, search: str):
        view = state.view_from_controls(search, {"year": year, "period": period, "unit": unit})
        return ds.cached(("overview", view), lambda: overview_content(ds, view.year, period, view.unit, view))

    @app.callback(
        Output("overview-comments", "children"),
        Input(state.ctl("year"), "value"),
        Input(state.ctl("period"), "value"),
        Input(state.ctl("unit"), "value"),
        State("url", "search"),
        State("author-store", "data"),
    )
    def overall(year: int, period: str, unit: str, search: str, author: str | None):
        """The overall analysis for the whole organisation (versioned like a goal's texts)."""
        view = state.view_from_controls(search, {"year": year, "period": period, "unit": unit})
        return comments_panel(ds, view.with_(goal=OVERALL), author, current_user())
