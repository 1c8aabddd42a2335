"""Indicators described in words, in Swedish: one wording for the CLI, the app and the report."""

from __future__ import annotations

from typing import Any

from etl.tables import KIND_LABELS_SV

_AGG_SV = {
    "sum": "summa",
    "count": "antal rader",
    "distinct": "antal unika",
    "mean": "medelvärde",
    "top2box": "andel nöjda (4–5 på 1–5, 9–10 på 1–10)",
    "nki": "NKI (oviktat, 0–100)",
}
_COLUMN_SV = {
    "loans": "utlån (första lån + omlån)",
    "initial_loans": "första lån",
    "renewals": "omlån",
    "visits": "besök",
    "hours": "öppettimmar",
    "hours_evening_weekend": "öppettimmar kvällar och helger",
    "participants": "deltagare",
    "respondent_id": "svarande",
    "partner": "samarbetspartner",
}


def _filters_sv(filters: dict[str, Any]) -> str:
    parts = []
    for key, val in filters.items():
        if hasattr(val, "in_") or hasattr(val, "not_in"):
            if getattr(val, "in_", None):
                parts.append(f"{key} i {', '.join(map(str, val.in_))}")
            if getattr(val, "not_in", None):
                parts.append(f"{key} inte i {', '.join(map(str, val.not_in))}")
            if getattr(val, "present", None):
                parts.append(f"{key} ifylld")
        elif isinstance(val, list):
            parts.append(f"{key} i {', '.join(map(str, val))}")
        else:
            parts.append(f"{key} = {val}")
    return "; ".join(parts)


def _measure_sv(m: Any) -> str:
    table = KIND_LABELS_SV.get(m.table, m.table)
    agg = _AGG_SV.get(m.aggregation, m.aggregation)
    col = m.sum_column if m.aggregation in ("sum", "distinct") else ""
    what = f"{agg} av {_COLUMN_SV.get(col, col)}" if col else agg
    where = _filters_sv(dict(m.filters))
    return f"{what} i tabellen {table}" + (f" där {where}" if where else "")


def describe_definition(ind: Any) -> str:
    """An indicator's definition in data terms, in Swedish (from ``goals.plan.Definition``)."""
    d = ind.definition
    text = _measure_sv(d.measure)
    den = d.denominator
    if den is not None:
        if den.kind == "population":
            band = f" {den.age_from}–{den.age_to} år" if den.age_to is not None else f" {den.age_from} år och äldre"
            if den.age_from == 0 and den.age_to is None:
                band = ""
            text += f", delat med antal invånare{band} i enhetens upptagningsområde"
        elif den.kind == "opening_hours":
            where = _filters_sv(dict(den.filters))
            text += ", delat med öppettimmar i perioden" + (f" ({where})" if where else "")
        elif den.kind == "weeks":
            text += ", delat med antal veckor i perioden"
        elif den.kind == "measure" and den.measure is not None:
            text += f", delat med {_measure_sv(den.measure)}"
    if d.scale and d.scale != 1:
        text += {100: ", i procent", 1000: ", per 1 000"}.get(int(d.scale), f", gånger {d.scale:g}")
    return text[0].upper() + text[1:]
