""""Ladda ner data (Excel)": the data behind every chart and table, as a workbook.

Every download button has the id ``{"type": "download", "key": KEY}``; one callback turns the
clicked key and the view in the URL into a DataFrame (:func:`frame_for`) and hands it to
``report.table_to_xlsx`` (the report's formatting helpers) for ``dcc.Download``.

Keys: ``overview``, ``goal:<goal_id>``, ``trend:<indicator_id>``, ``units:<indicator_id>``,
``monthly:<indicator_id>``, ``profile``, ``percapita:<indicator_id>``, ``coverage:<kind>``,
``problems``, ``status``, ``loads``; and ``report``: the whole follow-up workbook.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from dash import ALL, Input, Output, State, ctx, dcc, no_update

from dashboard import state, views
from dashboard.data import DataSource
from dashboard.i18n import t

#: Column -> i18n key for the headers of downloaded tables.
HEADERS: dict[str, str] = {
    "goal_id": "goal",
    "goal_name": "goal",
    "indicator_name": "indicator",
    "unit_name": "unit",
    "value": "value",
    "previous": "previous",
    "change": "change",
    "change_pct": "change_pct",
    "target": "target",
    "forecast": "forecast",
    "forecast_low": "forecast_low",
    "forecast_high": "forecast_high",
    "status": "status",
    "n": "n",
    "note": "note",
    "month": "month",
    "cumulative": "cumulative",
    "cumulative_previous": "cumulative_previous",
    "cumulative_change_pct": "cumulative_change",
}
FOLLOWUP_COLUMNS = ["goal_name", "indicator_name", "unit_id", "value", "previous", "change", "change_pct", "target",
                    "status", "forecast", "target_full_year", "forecast_status", "n", "ci_low", "ci_high",
                    "unit_label", "note"]  # fmt: skip
EXTRA_HEADERS = {
    "sv": {"unit_id": "Enhets-id", "ci_low": "Intervall, nedre", "ci_high": "Intervall, övre",
           "unit_label": "Enhet för värdet", "year": "År", "org_value": "Hela biblioteket",
           "diff_pct": "Skillnad mot hela biblioteket %", "unit_type": "Enhetstyp", "period": "Period",
           "state": "Täckning", "kind": "Datakälla", "indicator_id": "Indikator-id",
           "target_full_year": "Helårsmål", "forecast_status": "Prognos mot helårsmål"},
    "en": {"unit_id": "Unit id", "ci_low": "Interval, low", "ci_high": "Interval, high",
           "unit_label": "Unit of the value", "year": "Year", "org_value": "Whole library",
           "diff_pct": "Difference from the whole library %", "unit_type": "Unit type", "period": "Period",
           "state": "Coverage", "kind": "Source", "indicator_id": "Indicator id",
           "target_full_year": "Full-year target", "forecast_status": "Forecast vs full-year target"},
}  # fmt: skip


def headers(df: pd.DataFrame, lang: str = "sv") -> pd.DataFrame:
    """Rename columns to readable headers in ``lang``; status codes become labels."""
    from dashboard.i18n import status_label

    out = df.copy()
    if "status" in out:
        out["status"] = [status_label(s, lang) if isinstance(s, str) else s for s in out["status"]]
    names = {c: t(HEADERS[c], lang) if c in HEADERS else EXTRA_HEADERS[lang].get(c, c) for c in out.columns}
    return out.rename(columns=names)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def frame_for(
    ds: DataSource, key: str, view: state.ViewState, options: dict[str, Any] | None = None
) -> tuple[pd.DataFrame, str]:
    """The data behind the element named ``key`` in the view, and a file name for it.

    ``options`` holds the page options that shape it: ``include`` (["main", "buses"]: which
    citywide units the unit comparison shows), ``percapita`` (the chosen indicator) and ``kind``
    (the source kind of the coverage grid)."""
    options = options or {}
    year, period, unit = view.year, view.period, view.unit
    assert year is not None and period is not None
    kind, _, arg = key.partition(":")
    if kind in ("percapita", "coverage") and not arg:  # the indicator / source chosen on the page
        arg = str(options.get("percapita" if kind == "percapita" else "kind") or "")
    stem = f"{kind}-{arg}-{year}-{period}" if arg else f"{kind}-{year}-{period}"
    if kind == "overview":
        df = ds.followup(year, period, unit)[FOLLOWUP_COLUMNS]
    elif kind == "goal":
        df = views.goal_rows(ds.followup(year, period, unit), arg)[FOLLOWUP_COLUMNS]
    elif kind == "trend":
        df = ds.trend_view(arg, year, period, unit)[["year", "value", "target", "status", "forecast",
                                                    "forecast_low", "forecast_high", "note"]]
        stem = f"trend-{arg}-{period}"
    elif kind in ("units", "percapita"):
        from dashboard.figures.units import filter_units

        inc = options.get("include")
        inc = inc if inc is not None else ["main", "buses"]
        df = ds.unit_comparison(arg, year, period)
        if kind == "units":
            df = filter_units(df, "main" in inc, "buses" in inc)
        df = df[["unit_name", "unit_type", "value", "previous", "change_pct", "target", "status", "n",
                 "ci_low", "ci_high"]]  # fmt: skip
    elif kind == "monthly":
        df = views.monthly_table(ds.monthly(arg, year, unit), year)
        stem = f"manad-{arg}-{year}"
    elif kind == "profile":
        unit_id = unit or _first_unit(ds)
        df = views.unit_profile(ds.followup(year, period, unit_id), ds.followup(year, period, None), ds.plan())
        df = df.drop(columns=["goal_id", "decimals"])
        stem = f"enhet-{unit_id}-{year}-{period}"
    elif kind == "coverage":
        df = ds.coverage(arg)
        stem = f"tackning-{arg}"
    elif kind == "problems":
        df = ds.problems()
        stem = "varningar-och-fel"
    elif kind == "status":
        df = ds.status()
        stem = "inlast-data"
    elif kind == "loads":
        df = views.loads_table(ds.loads())
        stem = "inlasningar"
    else:
        raise KeyError(f"unknown download key {key!r}")
    return headers(df.reset_index(drop=True), view.lang), _slug(stem) + ".xlsx"


def _first_unit(ds: DataSource) -> str:
    from dashboard.coverage import unit_order

    units = unit_order(ds.units())
    districts = units[units["type"].astype(str) == "stadsdelsbibliotek"]
    return str((districts if len(districts) else units)["unit_id"].iloc[0])


def report_bytes(ds: DataSource, view: state.ViewState) -> tuple[bytes, str]:
    """The whole follow-up report (``report.write_report``) for the view."""
    from report import StoreInfo, write_report

    assert view.year is not None and view.period is not None
    goal_ids = [g.id for g in views.goal_list(ds.plan())]
    info = StoreInfo.from_store(ds.store, goal_ids, view.year, view.period, view.unit)
    data = write_report(ds.plan(), ds.tables(), info, view.year, view.period, view.unit, source=ds.source())
    assert data is not None
    return data, _slug(f"uppfoljning-{view.year}-{view.period}-{view.unit or 'alla'}") + ".xlsx"


def report_docx_bytes(ds: DataSource, view: state.ViewState) -> tuple[bytes, str]:
    """The Word report for the nämnd (``report.write_docx``) for the view."""
    from report import StoreInfo, write_docx

    assert view.year is not None and view.period is not None
    goal_ids = [g.id for g in views.goal_list(ds.plan())]
    info = StoreInfo.from_store(ds.store, goal_ids, view.year, view.period, view.unit)
    data = write_docx(ds.plan(), ds.tables(), info, view.year, view.period, view.unit, source=ds.source())
    assert data is not None
    return data, _slug(f"uppfoljning-{view.year}-{view.period}-{view.unit or 'alla'}") + ".docx"


def kb_bytes(ds: DataSource, year: int) -> tuple[bytes, str]:
    """KB's annual statistics for ``year`` (``bibplan kb``): the same workbook as the CLI writes."""
    from report.kb_workbook import write_kb_workbook
    from goals.kb import kb_export

    export = kb_export(ds.tables(), int(year))
    data = write_kb_workbook(export, municipality=ds.municipality(), data_until=ds.last_data_date())
    assert data is not None
    return data, f"kb-statistik-{int(year)}.xlsx"


def to_bytes(df: pd.DataFrame, title: str) -> bytes:
    """The workbook for a table (formatting by the report's ``table_to_xlsx``)."""
    from report import table_to_xlsx

    return table_to_xlsx(df, title=title)


def register(app: Any, ds: DataSource) -> None:
    @app.callback(
        Output("download", "data"),
        Input({"type": "download", "key": ALL}, "n_clicks"),
        State("url", "search"),
        State({"type": "ctl", "key": ALL}, "value"),
        State({"type": "ctl", "key": ALL}, "id"),
        State({"type": "opt", "key": ALL}, "value"),
        State({"type": "opt", "key": ALL}, "id"),
        prevent_initial_call=True,
    )
    def download(clicks: list[int | None], search: str, values: list[Any], ids: list[dict],
                 opt_values: list[Any], opt_ids: list[dict]):  # fmt: skip
        trigger = ctx.triggered_id
        if not trigger or not any(c for c in clicks if c):
            return no_update
        index = [i["id"] for i in ctx.inputs_list[0]].index(trigger)
        if not clicks[index]:
            return no_update
        view = state.resolve(ds, state.parse(state.from_controls(search, {i["key"]: v for i, v in zip(ids, values)})))
        if trigger["key"] in ("report", "report-docx"):
            data, filename = (report_bytes if trigger["key"] == "report" else report_docx_bytes)(ds, view)
            return dcc.send_bytes(data, filename)
        options = {i["key"]: v for i, v in zip(opt_ids, opt_values)}
        if trigger["key"] == "kb":
            year = options.get("kb_year") or (view.year - 1 if view.year else None)
            if not year:
                return no_update
            data, filename = kb_bytes(ds, year)
            return dcc.send_bytes(data, filename)
        df, filename = frame_for(ds, trigger["key"], view, options)
        return dcc.send_bytes(to_bytes(df, filename.removesuffix(".xlsx")), filename)
