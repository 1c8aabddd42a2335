"""What an upload does, in the words the statistics coordinator asks in (issue 18): per file and
in total what is new, what is replaced (old -> new totals and the change) and what is refused and
why; after the load the exact counts and where the data now reaches; before an undo what goes and
what comes back.  Counting is :mod:`etl.changes` (pure functions); this module only lays it out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from dash import html

from dashboard.formatting import fmt_datetime, fmt_number, fmt_period, fmt_signed
from dashboard.i18n import t
from etl import changes
from etl.problems import PROBLEM_COLUMNS_SV, Problem
from etl.tables import PERIOD_COLUMN, Tables

KIND_LABELS = {
    "sv": {"loans": "Utlån", "visits": "Besök", "events": "Arrangemang", "opening_hours": "Öppettider",
           "survey": "Enkät", "population": "Befolkning"},
    "en": {"loans": "Loans", "visits": "Visits", "events": "Events", "opening_hours": "Opening hours",
           "survey": "Survey", "population": "Population"},
}  # fmt: skip
STATUS_LABELS = {"sv": {"ny": "ny", "ersatt": "ersätts", "oforandrad": "oförändrad"},
                 "en": {"ny": "new", "ersatt": "replaced", "oforandrad": "unchanged"}}  # fmt: skip
#: Problems shown per file in the details (the rest are counted).
MAX_PROBLEM_ROWS = 200


@dataclass
class FileOutcome:
    """One uploaded file: ``state`` loads / duplicate / refused, its kind, the reason (refused,
    duplicate), its per-row comparison with the store and its problems."""

    name: str
    state: str
    kind: str = ""
    reason: str = ""
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    problems: list[Problem] = field(default_factory=list)

    def counts(self) -> changes.Counts:
        return changes.counts(self.rows) if self.state == "loads" else changes.Counts()


def outcomes(preview: Any, tables: Tables, loads: pd.DataFrame, lang: str) -> list[FileOutcome]:
    """Each uploaded file of ``preview`` (:class:`etl.pipeline.Preview`) with what a load would do
    to it against ``tables`` (what is stored now); ``loads`` (``Store.loads()``) names the earlier
    load of a duplicate."""
    by_file: dict[str, list[Problem]] = {}
    for p in preview.problems:
        by_file.setdefault(p.file, []).append(p)
    checked = {f.name: f for f in preview.check.files}
    out = []
    for staged in preview.files:
        probs = by_file.get(staged.label, [])
        f = checked.get(staged.label)
        errors = [p for p in probs if p.severity == "fel"]
        if f is None or f.source is None or errors or f.frame is None and not f.unchanged:
            first = errors[0].message if errors else (probs[0].message if probs else "")
            reason = t("upload_reason_errors", lang, n=len(errors), first=first) if errors else first
            out.append(FileOutcome(staged.label, "refused", f.kind if f else "", reason, problems=probs))
        elif f.unchanged:
            out.append(FileOutcome(staged.label, "duplicate", f.kind, duplicate_reason(f.content_hash, loads, lang),
                                   problems=[p for p in probs if p.code != "already_loaded"]))  # fmt: skip
        else:
            rows = changes.compare(f.kind, f.frame, getattr(tables, f.kind))
            out.append(FileOutcome(staged.label, "loads", f.kind, rows=rows, problems=probs))
    return out


def duplicate_reason(content_hash: str, loads: pd.DataFrame, lang: str) -> str:
    """``redan inläst den 2026-11-25 14:03 av anna, inget att göra``."""
    for r in loads.iloc[::-1].itertuples(index=False):
        if any(f.get("content_hash") == content_hash and f.get("status") == "stored" for f in r.files):
            return t("upload_duplicate", lang, time=fmt_datetime(r.started_at, lang), user=r.user)
    return t("upload_duplicate_unknown", lang)


def total_counts(items: list[FileOutcome]) -> changes.Counts:
    total = changes.Counts()
    for o in items:
        total = total + o.counts()
    return total


def counts_text(c: changes.Counts, lang: str) -> str:
    return t("upload_counts_rows", lang, new=fmt_number(c.new, 0, lang), replaced=fmt_number(c.replaced, 0, lang),
             unchanged=fmt_number(c.unchanged, 0, lang))  # fmt: skip


def files_text(n: int, lang: str) -> str:
    """``1 fil``, ``2 filer``."""
    return t("n_file" if n == 1 else "n_files", lang, n=fmt_number(n, 0, lang))


def summary_text(items: list[FileOutcome], lang: str) -> str:
    """The one sentence at the top: files loaded with their row counts, files refused."""
    loads = [o for o in items if o.state == "loads"]
    parts = []
    if loads:
        parts.append(t("upload_total", lang, files=files_text(len(loads), lang),
                       counts=counts_text(total_counts(items), lang)))  # fmt: skip
    else:
        parts.append(t("upload_total_none", lang))
    dup = sum(o.state == "duplicate" for o in items)
    if dup:
        parts.append(t("upload_total_duplicate", lang) if dup == 1
                     else t("upload_total_duplicates", lang, files=files_text(dup, lang)))  # fmt: skip
    refused = sum(o.state == "refused" for o in items)
    if refused:
        parts.append(t("upload_total_refused", lang, files=files_text(refused, lang)))
    return " ".join(parts)


def change_table(kind: str, rows: pd.DataFrame, unit_names: dict[str, str], lang: str, table_id: str) -> html.Div:
    """Per unit and month what changes: new, or replaced (old -> new, change).  Unchanged months are
    one line under the table, not a row each: a re-export of three stored years is one line."""
    per = changes.by_period(kind, rows)
    moved = per[per["status"] != "oforandrad"]
    same = per[per["status"] == "oforandrad"]
    parts: list[Any] = []
    if len(moved):
        head = html.Tr([html.Th(t(k, lang), scope="col") for k in
                        ("unit", "month", "upload_what", "upload_before", "upload_after", "change")])  # fmt: skip
        body = []
        for r in moved.itertuples(index=False):
            body.append(html.Tr([
                html.Th(unit_names.get(r.unit, r.unit), scope="row"),
                html.Td(fmt_period(r.period, kind, lang)),
                html.Td(STATUS_LABELS[lang][r.status]),
                html.Td("–" if r.status == "ny" else fmt_number(r.old, 0, lang), className="num"),
                html.Td(fmt_number(r.new, 0, lang), className="num"),
                html.Td("" if r.status == "ny" else fmt_signed(r.change, 0, lang), className="num"),
            ]))  # fmt: skip
        parts.append(html.Table([html.Thead(head), html.Tbody(body)], className="table table-sm change-table",
                                id=table_id))  # fmt: skip
    if len(same):
        parts.append(html.P(t("upload_unchanged_periods", lang, n=fmt_number(len(same), 0, lang),
                              units=fmt_number(same["unit"].nunique(), 0, lang),
                              first=fmt_period(same["period"].min(), kind, lang),
                              last=fmt_period(same["period"].max(), kind, lang)),
                            className="section-sub", id=f"{table_id}-same"))  # fmt: skip
    return html.Div(parts)


def periods_text(kind: str, rows: pd.DataFrame, lang: str) -> str:
    """The months a file adds and the months it replaces, with the number of units each:
    ``nytt: nov 2026 (15 enheter); ersätts: okt 2026 (1 enhet, +200)``."""
    per = changes.by_period(kind, rows)
    out = []
    for status, key in (("ny", "upload_periods_new"), ("ersatt", "upload_periods_replaced")):
        part = per[per["status"] == status]
        if part.empty:
            continue
        items = []
        for period, g in part.groupby("period", sort=True):
            n = g["unit"].nunique()
            units = t("n_unit" if n == 1 else "n_units", lang, n=fmt_number(n, 0, lang))
            if status == "ersatt":
                units += ", " + fmt_signed(g["change"].sum(), 0, lang)
            items.append(f"{fmt_period(period, kind, lang)} ({units})")
        out.append(t(key, lang, periods=", ".join(items)))
    return "; ".join(out)


def problems_table(problems: list[Problem], lang: str, table_id: str) -> html.Div:
    """The problems of one file as a plain table (keyboard and screen readers pass through it)."""
    cols = ("severity", "sheet", "row", "column", "value", "message")
    head = html.Tr([html.Th(PROBLEM_COLUMNS_SV[c] if lang == "sv" else c.capitalize(), scope="col") for c in cols])
    ordered = sorted(problems, key=lambda p: (p.severity != "fel", p.row or 0))
    body = [html.Tr([html.Td("" if getattr(p, c) is None else str(getattr(p, c))) for c in cols])
            for p in ordered[:MAX_PROBLEM_ROWS]]  # fmt: skip
    parts: list[Any] = [html.Table([html.Thead(head), html.Tbody(body)], className="table table-sm problems-table",
                                   id=table_id)]  # fmt: skip
    if len(ordered) > MAX_PROBLEM_ROWS:
        parts.append(html.P(t("upload_more_problems", lang, n=fmt_number(len(ordered) - MAX_PROBLEM_ROWS, 0, lang))))
    return html.Div(parts, className="table-scroll")


def details_block(items: list[FileOutcome], lang: str) -> html.Div:
    """Per file its problems, collapsible; errors open, warnings closed."""
    parts = []
    for i, o in enumerate(items):
        if not o.problems:
            continue
        n_err = sum(p.severity == "fel" for p in o.problems)
        n_warn = len(o.problems) - n_err
        summary = t("upload_file_problems", lang, file=o.name, counts=problem_counts(n_err, n_warn, lang))
        parts.append(html.Details([html.Summary(summary), problems_table(o.problems, lang, f"upload-problems-{i}")],
                                  open=bool(n_err), className="upload-details"))  # fmt: skip
    if any(o.state == "loads" and o.counts().unchanged for o in items):
        parts.insert(0, html.P(t("upload_warnings_brought", lang), className="section-sub", id="upload-warnings-note"))
    return html.Div(parts, id="upload-details")


def problem_counts(errors: int, warnings: int, lang: str) -> str:
    """``1 fel, 1 varning`` (singular and plural right)."""
    err = t("n_error" if errors == 1 else "n_errors", lang, n=errors)
    warn = t("n_warning" if warnings == 1 else "n_warnings", lang, n=warnings)
    return f"{err}, {warn}"


def undo_message(load_id: int, started: Any, user: str, rows: dict[str, tuple[pd.DataFrame, pd.DataFrame]],
                 unit_names: dict[str, str], lang: str) -> str:
    """The undo dialog's text: what goes and what comes back, per kind, unit and month (now -> after)."""
    lines = [t("undo_ask", lang, id=load_id, time=fmt_datetime(started, lang), user=user)]
    for kind, (gone, back) in rows.items():
        per = undo_by_period(kind, gone, back)
        label = KIND_LABELS[lang].get(kind, kind)
        for r in per.itertuples(index=False):
            unit = unit_names.get(r.unit, r.unit)
            lines.append(t("undo_line", lang, kind=label, unit=unit, period=fmt_period(r.period, kind, lang),
                           now=fmt_number(r.now, 0, lang) if r.gone else "–",
                           after=fmt_number(r.after, 0, lang) if r.back else "–",
                           gone=fmt_number(r.gone, 0, lang), back=fmt_number(r.back, 0, lang)))  # fmt: skip
    return "\n".join(lines)


def undo_by_period(kind: str, gone: pd.DataFrame, back: pd.DataFrame) -> pd.DataFrame:
    """Per unit and month: rows and total that go (``gone``, ``now``) and come back (``back``, ``after``)."""
    unit = "district" if kind == "population" else "unit_id"
    period = PERIOD_COLUMN[kind]

    def agg(df: pd.DataFrame, n: str, total: str) -> pd.DataFrame:
        if df.empty:
            return pd.DataFrame(columns=["unit", "period", n, total])
        d = pd.DataFrame({"unit": df[unit].astype(str), "period": changes.period_start(kind, df[period]),
                          total: changes.total(kind, df).to_numpy()})  # fmt: skip
        return d.groupby(["unit", "period"]).agg(**{n: (total, "size"), total: (total, "sum")}).reset_index()

    m = agg(gone, "gone", "now").merge(agg(back, "back", "after"), on=["unit", "period"], how="outer")
    m[["gone", "back"]] = m[["gone", "back"]].fillna(0).astype(int)
    return m.sort_values(["unit", "period"]).reset_index(drop=True)


def reach(tables: Tables) -> dict[str, Any]:
    """The last date with data per kind (``Data t.o.m.``): a visit day, the end of a loan month …"""
    out: dict[str, Any] = {}
    for kind in ("visits", "loans", "events"):
        df = getattr(tables, kind)
        if df.empty:
            continue
        last = pd.Timestamp(df[PERIOD_COLUMN[kind]].max())
        out[kind] = (last + pd.offsets.MonthEnd(0)).date() if kind == "loans" else last.date()
    return out
