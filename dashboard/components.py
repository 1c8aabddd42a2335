"""Small building blocks shared by the pages: status badges, download buttons, grids, sections."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dash_ag_grid as dag
import pandas as pd
from dash import dcc, html

from dashboard import theme
from dashboard.figures.common import GRAPH_CONFIG
from dashboard.formatting import fmt_number, fmt_percent, fmt_signed, fmt_value, is_missing
from dashboard.i18n import status_label, t


def status_badge(status: str | None, lang: str = "sv", size: str = "", reason: Any = "") -> html.Span:
    """Icon and label on the status colour: never colour alone.  A status that is not a claim
    (osäkert, ingen data, inget mål) shows its ``reason`` in words beside the badge."""
    style = theme.status_style(status)
    badge = html.Span(
        [html.Span(style.icon, className="status-icon", **{"aria-hidden": "true"}), status_label(status, lang)],
        className=f"status-badge status-{status or 'ingen_data'} {size}".strip(),
    )
    if is_missing(reason) or not str(reason):
        return badge
    return html.Span([badge, html.Span(str(reason), className="status-reason")], className="status-with-reason")


def target_text(row: Any, period: str | None, lang: str = "sv") -> str:
    """``prognos 2 280 · mål 742`` (the full-year forecast when the period is not the whole year),
    or ``mål 742``, or an empty string when there is neither."""
    decimals = int(row["decimals"]) if not is_missing(row["decimals"]) else 1
    unit_label = str(row["unit_label"] or "")
    parts = []
    if period != "helar" and not is_missing(row.get("forecast")):
        parts.append(t("forecast_short", lang, value=fmt_value(row["forecast"], decimals, unit_label, lang)))
    if not is_missing(row.get("target")):
        parts.append(t("vs_target", lang, target=fmt_value(row["target"], decimals, unit_label, lang)))
    return " · ".join(parts)


def download_button(key: str, lang: str = "sv") -> html.Button:
    """The "Ladda ner data (Excel)" button; ``key`` names the table behind it (see downloads.py)."""
    return html.Button(
        [html.Span("↓", className="me-1", **{"aria-hidden": "true"}), t("download", lang)],
        id={"type": "download", "key": key},
        className="btn btn-sm btn-outline-secondary download-btn",
        n_clicks=0,
    )


def report_button(lang: str = "sv") -> html.Button:
    """Download the whole follow-up report (the workbook for the beställare) for the view."""
    return html.Button(
        [html.Span("↓", className="me-1", **{"aria-hidden": "true"}), t("report_download", lang)],
        id={"type": "download", "key": "report"},
        className="btn btn-sm btn-primary download-btn",
        n_clicks=0,
    )


def report_docx_button(lang: str = "sv") -> html.Button:
    """Download the Word report for the nämnd (``report.write_docx``) for the view."""
    return html.Button(
        [html.Span("↓", className="me-1", **{"aria-hidden": "true"}),
         "Ladda ner rapporten (Word)" if lang != "en" else "Download the report (Word)"],
        id={"type": "download", "key": "report-docx"},
        className="btn btn-sm btn-outline-primary download-btn",
        n_clicks=0,
    )


def section(title: str, body: Any, download_key: str | None = None, lang: str = "sv", subtitle: Any = None):
    """A titled card with an optional download button in its header."""
    header = [html.H3(title, className="section-title")]
    if download_key:
        header.append(download_button(download_key, lang))
    children = [html.Div(header, className="section-head")]
    if subtitle is not None:
        children.append(html.Div(subtitle, className="section-sub"))
    children.append(body)
    return html.Section(children, className="panel")


def graph(figure: Any, graph_id: Any = None, config: dict | None = None, className: str = "") -> dcc.Graph:
    kwargs: dict[str, Any] = {"figure": figure, "config": config or GRAPH_CONFIG, "className": className}
    if graph_id is not None:
        kwargs["id"] = graph_id
    return dcc.Graph(**kwargs)


@dataclass(frozen=True)
class Column:
    """A grid column: ``field`` of the frame, header, and how its numbers are shown."""

    field: str
    header: str
    kind: str = "text"  # text | number | int | percent | signed_percent | signed | status | value
    decimals: int = 0
    width: int | None = None
    pinned: bool = False
    wrap: bool = False  # long text: wrap in the cell and grow the row


def _fmt(kind: str, value: Any, decimals: int, lang: str, row: pd.Series) -> str:
    if kind == "number":
        return fmt_number(value, decimals, lang)
    if kind == "int":  # identifiers such as Excel row numbers: no thousands separator
        return "" if is_missing(value) else str(int(value))
    if kind == "percent":
        return fmt_percent(value, decimals, lang)
    if kind == "signed_percent":
        return fmt_percent(value, decimals, lang, signed=True)
    if kind == "signed":
        return fmt_signed(value, decimals, lang)
    if kind == "value":  # indicator value: the row's own decimals and unit label
        dec = int(row["decimals"]) if "decimals" in row and not is_missing(row["decimals"]) else decimals
        return fmt_value(value, dec, str(row.get("unit_label", "") or ""), lang)
    if kind == "status":
        return f"{theme.status_style(value).icon} {status_label(value, lang)}"
    return "" if is_missing(value) else str(value)


def grid(
    df: pd.DataFrame,
    columns: Sequence[Column],
    grid_id: Any = None,
    lang: str = "sv",
    height: int | None = None,
    row_link: str | None = None,
) -> dag.AgGrid:
    """A sortable dash-ag-grid table.  Rows keep raw values (for sorting) and a formatted text per
    column (``<field>__fmt``, Swedish formats from babel) that the cells show."""
    records = []
    for _, row in df.iterrows():
        rec: dict[str, Any] = {}
        for col in columns:
            value = row.get(col.field)
            if col.kind == "text" or col.kind == "status":
                rec[col.field] = None if is_missing(value) else str(value)
            else:
                rec[col.field] = None if is_missing(value) else float(value)
            rec[col.field + "__fmt"] = _fmt(col.kind, value, col.decimals, lang, row)
        if row_link:
            rec["_link"] = row.get(row_link)
        records.append(rec)
    defs = []
    for col in columns:
        d: dict[str, Any] = {
            "field": col.field,
            "headerName": col.header,
            "valueFormatter": {"function": f"params.data['{col.field}__fmt']"},
            "sortable": True,
            "resizable": True,
        }
        if col.kind not in ("text", "status"):
            d["type"] = "rightAligned"
        if col.wrap:
            d["wrapText"] = True
            d["autoHeight"] = True
            d["cellStyle"] = {"lineHeight": "1.35", "paddingTop": "7px", "paddingBottom": "7px"}
        if col.kind == "status":
            d["cellClassRules"] = {
                f"cell-status-{s}": f"params.value == '{s}'" for s in theme.STATUSES
            }
        if col.width:
            d["width"] = col.width
        elif col.wrap:
            d["flex"] = 2
            d["minWidth"] = 200
        else:
            d["flex"] = 1
            d["minWidth"] = 105
        if col.pinned:
            d["pinned"] = "left"
        defs.append(d)
    kwargs: dict[str, Any] = dict(
        rowData=records,
        columnDefs=defs,
        defaultColDef={"suppressMovable": True, "wrapHeaderText": True, "autoHeaderHeight": True},
        dashGridOptions={
            "domLayout": "autoHeight" if height is None else "normal",
            "animateRows": False,
            "suppressCellFocus": True,
            "localeText": _AG_LOCALE_SV if lang == "sv" else {},
        },
        className="bib-grid",
        style={"height": f"{height}px"} if height else {"width": "100%"},
    )
    if grid_id is not None:
        kwargs["id"] = grid_id
    return dag.AgGrid(**kwargs)


_AG_LOCALE_SV = {
    "noRowsToShow": "Inga rader att visa",
    "loadingOoo": "Laddar…",
    "filterOoo": "Filtrera…",
    "equals": "Lika med",
    "notEqual": "Inte lika med",
    "lessThan": "Mindre än",
    "greaterThan": "Större än",
    "contains": "Innehåller",
    "andCondition": "OCH",
    "orCondition": "ELLER",
}
