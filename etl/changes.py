"""What a load would change, row by row: new, replaced (old -> new) and unchanged rows.

A load stores every row of a file and marks the stored rows in the file's span (per unit, its
first to last period: :meth:`etl.store.Store._replace`) as replaced.  Counting "rows added" and
"rows replaced" from that overstates: a corrected re-export of one month "replaces" every row of
the month even when one value changed.  :func:`compare` matches the file's rows with the stored
rows of the same span at the kind's grain (:data:`etl.tables.GRAIN`) and says, per row:

- ``ny``: the key is not stored (a new month, a new unit …);
- ``ersatt``: the key is stored with other values (a correction), or a stored row in the span is
  missing from the file (it goes: counted as replaced, its new value is 0/absent);
- ``oforandrad``: the key is stored with exactly these values.

:func:`by_period` sums that per kind, unit and month (year for population, wave for the survey)
with the old and new totals of the kind's headline measure, so the upload page can say
"Gottsunda nov 2026: ny" and "Gottsunda okt 2026: 12 400 → 12 650 (+250)".  Pure functions on
DataFrames: the page and the CLI call them with the file's tidy rows and the stored ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from etl.tables import COLUMNS, GRAIN, PERIOD_COLUMN, REPLACE_EXACT, UNIT_COLUMN


#: The columns compared for "same values" (everything that is not the key).
def value_columns(kind: str) -> list[str]:
    return [c for c in COLUMNS[kind] if c not in GRAIN[kind]]


#: The headline total of each kind, shown old -> new: the columns summed.
TOTAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "loans": ("initial_loans", "renewals"),  # utlån = initial loans + renewals (KB Utlan399)
    "visits": ("visits",),
    "events": (),  # counted as rows (arrangemang)
    "opening_hours": ("hours",),
    "survey": (),  # counted as answers
    "population": ("population",),
    "benchmark": ("value",),
}

STATUSES = ("ny", "ersatt", "oforandrad")


@dataclass(frozen=True)
class Counts:
    """Rows of a comparison: new keys, replaced (changed or dropped) and unchanged."""

    new: int = 0
    replaced: int = 0
    unchanged: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.new + other.new, self.replaced + other.replaced, self.unchanged + other.unchanged)


def _unit_col(kind: str) -> str:
    return UNIT_COLUMN[kind]


def in_span(kind: str, new: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """The stored rows a load of ``new`` replaces: per unit, its first to last period (for
    :data:`~etl.tables.REPLACE_EXACT` kinds: the rows with the same key as one of ``new``'s)."""
    unit, period = _unit_col(kind), PERIOD_COLUMN[kind]
    if new.empty or stored.empty:
        return stored.iloc[0:0]
    if kind in REPLACE_EXACT:
        key = list(GRAIN[kind])
        hit = _norm(stored, kind)[key].merge(_norm(new, kind)[key].drop_duplicates(), how="left", indicator=True)
        return stored.loc[(hit["_merge"] == "both").to_numpy()]
    spans = new.groupby(new[unit].astype(str), observed=True)[period].agg(["min", "max"])
    s = stored.assign(_u=stored[unit].astype(str)).merge(spans, left_on="_u", right_index=True)
    keep = (s[period] >= s["min"]) & (s[period] <= s["max"])
    return s.loc[keep, list(stored.columns)]


def total(kind: str, df: pd.DataFrame) -> pd.Series:
    cols = TOTAL_COLUMNS[kind]
    if not cols:
        return pd.Series(1.0, index=df.index)
    return sum((pd.to_numeric(df[c], errors="coerce").astype("float64").fillna(0.0) for c in cols),
               start=pd.Series(0.0, index=df.index))


def _norm(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Key and value columns as plain comparable values (categories as text, NA as None)."""
    cols = list(GRAIN[kind]) + value_columns(kind)
    out = pd.DataFrame(index=df.index)
    for c in cols:
        col = df[c] if c in df else pd.Series(pd.NA, index=df.index)
        if isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object or str(col.dtype).startswith("str"):
            col = col.astype("object").where(col.notna(), None).map(lambda v: None if v is None else str(v))
        elif str(col.dtype).startswith("datetime"):
            col = pd.to_datetime(col).astype("datetime64[s]")
        else:
            col = pd.to_numeric(col, errors="coerce").astype("float64")
        out[c] = col
    return out


def compare(kind: str, new: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """Every row of ``new`` and every stored row it replaces, with ``status`` (ny / ersatt /
    oforandrad), ``old`` and ``new`` totals (NaN where the side is missing), the unit and period.

    Stored rows in the span that the file lacks are ``ersatt`` with a missing new total."""
    key = list(GRAIN[kind])
    vals = value_columns(kind)
    unit, period = _unit_col(kind), PERIOD_COLUMN[kind]
    old = in_span(kind, new, stored)
    a = _norm(new, kind).assign(_new=total(kind, new).to_numpy(), _in_new=True)
    b = _norm(old, kind).assign(_old=total(kind, old).to_numpy(), _in_old=True)
    b = b.rename(columns={c: c + "_old" for c in vals})
    m = a.merge(b, on=key, how="outer")
    same = pd.Series(True, index=m.index)
    for c in vals:
        x, y = m[c], m[c + "_old"]
        same &= (x == y).fillna(False).astype(bool) | (x.isna() & y.isna())
    in_new = m["_in_new"].fillna(False).astype(bool)
    in_old = m["_in_old"].fillna(False).astype(bool)
    status = pd.Series("ersatt", index=m.index, dtype="object")
    status[in_new & ~in_old] = "ny"
    status[in_new & in_old & same] = "oforandrad"
    return pd.DataFrame({"unit": m[unit].astype(str), "period": m[period], "status": status,
                         "old": m["_old"], "new": m["_new"]}).reset_index(drop=True)


def counts(rows: pd.DataFrame) -> Counts:
    """New, replaced and unchanged rows of a :func:`compare` result (a replaced row is counted
    once: the stored row that goes, whether or not a new row takes its place)."""
    s = rows["status"]
    return Counts(int((s == "ny").sum()), int((s == "ersatt").sum()), int((s == "oforandrad").sum()))


def period_start(kind: str, values: pd.Series) -> pd.Series:
    """The period a row belongs to for the summary: its month (day and month grain) or its year."""
    if kind in ("population", "survey"):
        return pd.to_numeric(values, errors="coerce").astype("Int64")
    return pd.to_datetime(values).dt.to_period("M").dt.to_timestamp().astype("datetime64[s]")


def by_period(kind: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Per unit and month (year): ``status`` (ny when nothing was stored, oforandrad when every row
    is unchanged, else ersatt), the row counts and the old and new totals with the change."""
    cols = ["unit", "period", "status", "rows_new", "rows_replaced", "rows_unchanged", "old", "new", "change"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    r = rows.assign(period=period_start(kind, rows["period"]))
    g = r.groupby(["unit", "period"], sort=True)
    out = pd.DataFrame({
        "rows_new": g["status"].apply(lambda s: int((s == "ny").sum())),
        "rows_replaced": g["status"].apply(lambda s: int((s == "ersatt").sum())),
        "rows_unchanged": g["status"].apply(lambda s: int((s == "oforandrad").sum())),
        "old": g["old"].sum(min_count=1),
        "new": g["new"].sum(min_count=1),
        "_stored": g["old"].count(),
    }).reset_index()
    out["status"] = "ersatt"
    out.loc[out["_stored"] == 0, "status"] = "ny"
    out.loc[(out["rows_new"] == 0) & (out["rows_replaced"] == 0), "status"] = "oforandrad"
    out["change"] = out["new"].fillna(0) - out["old"].fillna(0)
    out.loc[out["status"] == "ny", "change"] = float("nan")
    return out[cols]


def brought(kind: str, new: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``new`` in the unit-months (years) a load of it changes: a new month, a corrected
    one.  A re-export that repeats three stored years brings only its new month, so the anomaly
    warnings are about that month and not about years already checked (issue 18).  Other kinds
    (opening hours, survey, population, benchmark) come back whole."""
    if kind not in ("loans", "visits", "events") or new.empty or stored.empty:
        return new
    rows = compare(kind, new, stored)
    changed = rows[rows["status"] != "oforandrad"]
    if len(changed) == len(rows):
        return new
    keys = pd.MultiIndex.from_arrays([changed["unit"].astype(str), period_start(kind, changed["period"])])
    mine = pd.MultiIndex.from_arrays([new[_unit_col(kind)].astype(str), period_start(kind, new[PERIOD_COLUMN[kind]])])
    return new[mine.isin(keys)]
