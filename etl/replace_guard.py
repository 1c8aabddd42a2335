"""A replacement that shrinks is a question, never done silently.

A file replaces, per unit, the stored rows of its kind between its first and last period
(:meth:`etl.store.Store.record_file`).  :func:`shrinking` compares what is stored in those spans
with what the file would store: when the file covers far fewer unit-periods (days for visits,
months for loans) than are stored, or lowers their total by more than the source's
``replace_share``, the replacement is one error per unit (``replace_shrinks``) that ``--replace``
(the upload page: a confirmation) turns into a warning, and :func:`difference` gives the
difference per unit and month for ``bibplan check`` and the upload page.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.parse import format_number_sv
from etl.problems import Problem
from etl.tables import KIND_LABELS_SV, PERIOD_COLUMN

#: What is compared per kind: the measure summed (None = number of rows).
MEASURE: dict[str, tuple[str, ...] | None] = {
    "loans": ("initial_loans", "renewals"),
    "visits": ("visits",),
    "events": None,
    "survey": None,
    "population": ("population",),
}
DIFF_COLUMNS = ["kind", "unit", "period", "stored_periods", "new_periods", "stored_total", "new_total"]


@dataclass(frozen=True)
class Shrink:
    """One unit whose stored rows a file would replace with far less."""

    kind: str
    unit: str
    first: str
    last: str
    stored_periods: int
    new_periods: int
    stored_total: float
    new_total: float


def _unit_col(kind: str) -> str:
    return "district" if kind == "population" else "unit_id"


def _total(frame: pd.DataFrame, kind: str) -> pd.Series:
    """The measure of every row (rows count 1 where the kind has no measure)."""
    fields = MEASURE.get(kind)
    if not fields:
        return pd.Series(1.0, index=frame.index)
    out = pd.Series(0.0, index=frame.index)
    for f in fields:
        if f in frame:
            out = out + pd.to_numeric(frame[f], errors="coerce").astype("float64").fillna(0.0)
    return out


def _in_spans(stored: pd.DataFrame, new: pd.DataFrame, kind: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stored rows that ``new`` would replace (same unit, inside the unit's span), and ``new``;
    both with ``_unit``, ``_period`` and ``_total``."""
    unit, period = _unit_col(kind), PERIOD_COLUMN[kind]
    new = new.assign(_unit=new[unit].astype(str), _period=new[period], _total=_total(new, kind))
    new = new[new["_unit"].notna() & new["_period"].notna()]
    spans = new.groupby("_unit")["_period"].agg(["min", "max"])
    if stored is None or stored.empty or spans.empty:
        return stored.iloc[0:0].assign(_unit="", _period=None, _total=0.0) if stored is not None else new.iloc[0:0], new
    old = stored.assign(_unit=stored[unit].astype(str), _period=stored[period], _total=_total(stored, kind))
    old = old.join(spans, on="_unit", how="inner")
    old = old[(old["_period"] >= old["min"]) & (old["_period"] <= old["max"])]
    return old.drop(columns=["min", "max"]), new


def shrinking(kind: str, new: pd.DataFrame, stored: pd.DataFrame | None, share: float) -> list[Shrink]:
    """The units whose stored rows ``new`` would replace with far less: fewer than ``share`` of
    the stored unit-periods, or a total lower by more than ``share`` of the stored one (a file that
    adds periods or raises the total is an ordinary corrected re-export)."""
    if kind not in MEASURE or new is None or new.empty or stored is None or stored.empty:
        return []
    old, new = _in_spans(stored, new, kind)
    if old.empty:
        return []
    out = []
    o, n = old.groupby("_unit"), new.groupby("_unit")
    o_periods, n_periods = o["_period"].nunique(), n["_period"].nunique()
    o_total, n_total = o["_total"].sum(), n["_total"].sum()
    spans = n["_period"].agg(["min", "max"])
    for u in o_periods.index:
        sp, np_ = int(o_periods[u]), int(n_periods.get(u, 0))
        st, nt = float(o_total[u]), float(n_total.get(u, 0.0))
        if np_ < share * sp or st - nt > share * st:
            out.append(Shrink(kind, str(u), _text(spans.loc[u, "min"]), _text(spans.loc[u, "max"]), sp, np_, st, nt))
    return out


def difference(kind: str, new: pd.DataFrame, stored: pd.DataFrame | None, units: list[str]) -> pd.DataFrame:
    """Per unit of ``units`` and month (the period itself for years and waves): stored and new
    unit-periods and totals in the spans ``new`` would replace (:data:`DIFF_COLUMNS`)."""
    if stored is None or new is None or not units:
        return pd.DataFrame(columns=DIFF_COLUMNS)
    old, new = _in_spans(stored, new, kind)
    parts = []
    for frame, prefix in ((old, "stored"), (new, "new")):
        frame = frame[frame["_unit"].isin(units)]
        bucket = frame["_period"].astype("datetime64[s]").dt.strftime("%Y-%m") if frame["_period"].dtype.kind == "M" \
            else frame["_period"].astype(str)
        g = frame.assign(_bucket=bucket).groupby(["_unit", "_bucket"])
        parts.append(pd.DataFrame({f"{prefix}_periods": g["_period"].nunique(), f"{prefix}_total": g["_total"].sum()}))
    both = parts[0].join(parts[1], how="outer").fillna(0).reset_index()
    both = both.rename(columns={"_unit": "unit", "_bucket": "period"}).assign(kind=kind)
    for c in ("stored_periods", "new_periods"):
        both[c] = both[c].astype("int64")
    return both[DIFF_COLUMNS].sort_values(["unit", "period"]).reset_index(drop=True)


def _text(v: object) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)[:10]


def problems(shrinks: list[Shrink], *, file: str, unit_names: dict[str, str], replace: bool,
             share: float) -> list[Problem]:
    """One record per unit: an error that ``--replace`` resolves, or (``replace``) a warning that
    the replacement was asked for."""
    out = []
    grain = {"visits": "dagar", "loans": "månader", "events": "dagar", "population": "år", "survey": "omgångar"}
    for s in shrinks:
        name = unit_names.get(s.unit, s.unit)
        what = (f"{KIND_LABELS_SV.get(s.kind, s.kind)} för {name} {s.first} – {s.last}: lagrat {s.stored_periods} "
                f"{grain.get(s.kind, 'perioder')} med summan {format_number_sv(round(s.stored_total, 1))}, filen har "
                f"{s.new_periods} med summan {format_number_sv(round(s.new_total, 1))}")
        if replace:
            out.append(Problem("varning", "replace_shrinks", f"{what}. Ersattes eftersom ersättning begärdes (--replace).",
                               file=file, value=s.unit, unit_id=s.unit))
        else:
            out.append(Problem("fel", "replace_shrinks", f"{what}: filen skulle ersätta lagrade data med betydligt "
                               f"mindre (färre än {format_number_sv(round(share * 100))} % av perioderna, eller en summa som är mer än "
                               f"{format_number_sv(round(share * 100))} % lägre). Kontrollera att "
                               "exporten är komplett och att datumen lästs rätt (se skillnaden per månad med bibplan "
                               "check). Är den rätt: ladda med --replace (eller bekräfta ersättningen i appen).",
                               file=file, value=s.unit, unit_id=s.unit))
    return out
