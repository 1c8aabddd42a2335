"""Enheter: one unit's indicators against the whole library and its targets; units per capita."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dashboard import state, views
from dashboard.components import Column, download_button, graph, grid, section
from dashboard.data import DataSource
from dashboard.figures import units_bar
from dashboard.i18n import t

PERCAPITA_ID = {"type": "opt", "key": "percapita"}



def layout(ds: DataSource, view: state.ViewState) -> html.Div:
    lang = view.lang
    indicators = views.per_capita_indicators(ds.plan())
    options = [{"label": i.name_en if lang == "en" else i.name_sv, "value": i.id} for i in indicators]
    return html.Div(
        [
            html.Div(html.H1(id="units-title", className="page-title"), className="page-head"),
            html.Div(id="units-profile"),
            html.Section(
                [
                    html.Div(
                        [html.H2(t("per_capita_title", lang), className="section-title"),
                         download_button("percapita", lang)],  # fmt: skip
                        className="section-head",
                    ),
                    html.Label(
                        [html.Span(t("indicator", lang), className="visually-hidden"),
                         dbc.Select(id=PERCAPITA_ID, options=options, value=options[0]["value"] if options else None,
                                    className="picker picker-wide mb-2")],
                        className="d-block",
                    ),  # fmt: skip
                    graph({}, "units-percapita"),
                ],
                className="panel",
            ),
        ],
        className="units-page",
    )


def profile_content(ds: DataSource, view: state.ViewState) -> tuple[str, Any]:
    assert view.year is not None and view.period is not None
    lang = view.lang
    if view.unit is None:  # the whole library has no profile of its own here: ask for a unit
        title = f"{t('nav_units', lang)} · {ds.period_label(view.year, view.period, lang)}"
        return title, html.Div(t("choose_unit_hint", lang), className="alert alert-info")
    unit_id = view.unit
    df = views.unit_profile(ds.followup(view.year, view.period, unit_id), ds.followup(view.year, view.period, None), ds.plan())
    cols = [
        Column("goal_name", t("goal", lang), width=200, wrap=True),
        Column("indicator_name", t("indicator", lang), width=260, wrap=True),
        Column("value", ds.unit_name(unit_id) or unit_id, "value"),
        Column("org_value", t("organisation", lang), "value"),
        Column("diff_pct", t("diff_org", lang), "signed_percent", 0),
        Column("target", t("target", lang), "value"),
        Column("status", t("status", lang), "status", width=170),
    ]
    title = f"{ds.unit_name(unit_id)} · {ds.period_label(view.year, view.period, lang)}"
    body = section(t("unit_profile", lang), grid(df, cols, grid_id="unit-profile-grid", lang=lang), "profile", lang)
    return title, body


def percapita_figure(ds: DataSource, indicator_id: str | None, view: state.ViewState) -> Any:
    from dashboard.figures.common import empty_figure

    if not indicator_id:
        return empty_figure(t("status_ingen_data", view.lang), view.lang)
    ind = ds.plan().indicator(indicator_id)
    df = ds.unit_comparison(indicator_id, view.year, view.period)
    return units_bar(df, ind.decimals, ind.unit, view.lang, highlight=view.unit)


def register(app: Any, ds: DataSource) -> None:
    @app.callback(
        Output("units-title", "children"),
        Output("units-profile", "children"),
        Input(state.ctl("year"), "value"),
        Input(state.ctl("period"), "value"),
        Input(state.ctl("unit"), "value"),
        State("url", "search"),
    )
    def update(year: int, period: str, unit: str, search: str):
        view = state.view_from_controls(search, {"year": year, "period": period, "unit": unit})
        return ds.cached(("profile", view), lambda: profile_content(ds, view))

    @app.callback(
        Output("units-percapita", "figure"),
        Input(PERCAPITA_ID, "value"),
        Input(state.ctl("year"), "value"),
        Input(state.ctl("period"), "value"),
        Input(state.ctl("unit"), "value"),
        State("url", "search"),
    )
    def percapita(indicator_id: str, year: int, period: str, unit: str, search: str):
        view = state.view_from_controls(search, {"year": year, "period": period, "unit": unit})
        return ds.cached(("percapita", indicator_id, view), lambda: percapita_figure(ds, indicator_id, view))
