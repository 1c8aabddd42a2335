"""Validate step: checks on a tidy table, collecting every failure (never stopping at the first).

Vectorised checks per kind: required fields, ranges (no negative counts, answers within the scale,
KB category 101–120), dates in range, known units and no duplicates at the grain.  Each failing cell
becomes one :class:`~etl.problems.Problem` carrying the file, sheet, Excel row and the header.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd

from etl.config import PLAUSIBLE_MAX, PLAUSIBLE_PER
from etl.headers import FIELD_LABELS_SV
from etl.parse import format_number_sv
from etl.problems import Problem
from etl.tables import GRAIN, PERIOD_COLUMN

#: Fields that must be filled in, per kind.
REQUIRED: dict[str, tuple[str, ...]] = {
    "loans": ("month", "unit_id", "media_type", "audience", "genre", "initial_loans"),
    "visits": ("date", "unit_id"),
    "events": ("date", "unit_id", "title", "kb_category", "target_group"),
    "opening_hours": ("unit_id", "valid_from", "weekday", "service", "opens", "closes"),
    "survey": ("wave", "respondent_id", "unit_id", "item", "scale_max"),
    "population": ("year", "district", "age_from", "population"),
    "benchmark": ("year", "area_code", "variable", "value"),
}

#: Counts that may not be negative.
NON_NEGATIVE: dict[str, tuple[str, ...]] = {
    "loans": ("initial_loans", "renewals"),
    "visits": ("visits",),
    "events": ("participants",),
    "opening_hours": (),
    "survey": (),
    "population": ("population",),
    "benchmark": (),
}

FIRST_YEAR = 1990
#: Default ``plausible_ratio``: a value this many times the unit's median for the month is an error.
DEFAULT_RATIO = 1000
MAX_PER_CHECK = 20


def validate(kind: str, df: pd.DataFrame, *, file: str = "", sheet: str = "",
             unit_ids: Collection[str] = (), skip_rows: Collection[int] = (),
             columns: Mapping[str, str] | None = None, today: dt.date | None = None,
             bounds: Mapping[str, float] | None = None, ratio: float = DEFAULT_RATIO) -> list[Problem]:
    """All problems in the tidy table ``df`` of ``kind``.  Rows in ``skip_rows`` (Excel rows that
    already have an error from an earlier step) are not reported again for missing values.
    ``columns``: field -> the sheet's header it was read from (named in the problems).
    ``bounds``: the largest plausible value per count field (default ``PLAUSIBLE_MAX``; a source's
    ``Source.bounds()``), ``ratio``: how many times the unit's median for the same month a value
    may be (``plausible_ratio``)."""
    v = _Validator(kind, df, file, sheet, set(skip_rows), dict(columns or {}))
    _implausible(v, kind, df, PLAUSIBLE_MAX.get(kind, {}) if bounds is None else bounds, ratio)
    today = today or dt.date.today()
    for col in REQUIRED[kind]:
        missing = df[col].isna().to_numpy() & v.fresh
        if kind == "benchmark" and col == "value" and "value_text" in df:  # a text value (a group) is a value
            missing &= df["value_text"].isna().to_numpy()
        v.report(missing, "missing_value", col, f"{FIELD_LABELS_SV.get(col, col).capitalize()} saknas; "
                 "fyll i värdet.")
    for col in NON_NEGATIVE[kind]:
        neg = (df[col] < 0).fillna(False).to_numpy(dtype=bool) & v.fresh
        v.report(neg, "negative", col, "Antalet är negativt. Rätta värdet; ett antal kan inte vara "
                 "mindre än 0.")
    if kind == "events":
        kb = df["kb_category"]
        bad = ((kb < 101) | (kb > 120)).fillna(False).to_numpy(dtype=bool)
        v.report(bad, "out_of_range", "kb_category", "KB-kategorin ska vara 101–120 (Publ101–Publ120).")
    if kind == "survey":
        val, top = df["value"], df["scale_max"].astype("float64")
        bad = ((val < 1) | (val > top)).fillna(False).to_numpy(dtype=bool)
        v.report(bad, "out_of_range", "value", "Svaret ligger utanför skalan (1–5, NKI 1–10). Rätta värdet "
                 "eller ange skalan med constants: {scale_max: 10} i sources.yaml.", column_from="item")
    if kind == "opening_hours":
        bad = ((df["weekday"] < 1) | (df["weekday"] > 7)).fillna(False).to_numpy(dtype=bool)
        v.report(bad, "out_of_range", "weekday", "Veckodagen ska vara 1 (måndag) – 7 (söndag).")
        bad = (df["hours"] <= 0).fillna(False).to_numpy(dtype=bool)
        v.report(bad, "out_of_range", "closes", "Stängningstiden är inte efter öppningstiden; rätta tiderna.")
    if kind == "population":
        bad = (df["age_to"] < df["age_from"]).fillna(False).to_numpy(dtype=bool)
        v.report(bad, "out_of_range", "age_to", "Åldersgruppens övre gräns är lägre än den undre.")
    _dates_in_range(v, kind, df, today)
    if unit_ids and "unit_id" in df:
        unknown = (~df["unit_id"].isin(list(unit_ids)) & df["unit_id"].notna()).to_numpy()
        v.report(unknown, "unknown_unit", "unit_id", "Enheten finns inte i units.yaml; lägg till den där.")
    _duplicates(v, kind, df)
    return v.finish()


def _implausible(v: "_Validator", kind: str, df: pd.DataFrame, bounds: Mapping[str, float], ratio: float) -> None:
    """Counts that cannot be true: above the field's bound, or more than ``ratio`` times the unit's
    median (of its positive values) for the same calendar month in the file."""
    if df.empty:
        return
    period = PERIOD_COLUMN[kind]
    month = df[period].dt.to_period("M").astype(str) if df[period].dtype.kind == "M" else None
    unit = "district" if kind == "population" else "unit_id"
    spans = _spans(kind, df)
    per = PLAUSIBLE_PER.get(kind, "rad")
    for fld, bound in bounds.items():
        if fld not in df:
            continue
        vals = pd.to_numeric(df[fld], errors="coerce").astype("float64")
        over_all = (vals > bound * spans).fillna(False).to_numpy(dtype=bool) & v.fresh
        label = FIELD_LABELS_SV.get(fld, fld)
        column = next((v.columns[f] for f in _READ_FROM.get(fld, ()) if f in v.columns), None)
        for n in sorted(set(spans[over_all].tolist())):  # one message per period length
            whole = f" ({_sv(bound * n)} för radens {_sv(n)} {PER_PLURAL_SV.get(per, per)})" if n > 1 else ""
            v.report(over_all & (spans == n), "implausible", fld,
                     f"Värdet är orimligt stort för {label} (högst {_sv(bound)} per {per}{whole}). "
                     f"Rätta värdet; är det rätt, ange plausible_max: {{{fld}: …}} för källan i sources.yaml.",
                     column=column)
        if month is None or kind == "population":
            continue
        positive = vals.where(vals > 0)
        median = positive.groupby([df[unit].astype(str), month], observed=True).transform("median")
        far = ((vals > ratio * median) & ~pd.Series(over_all, index=df.index)).fillna(False).to_numpy(dtype=bool) & v.fresh
        for i in np.flatnonzero(far):
            v.add("implausible", fld, i, f"Värdet är mer än {_sv(ratio)} gånger enhetens median för samma månad "
                  f"({_sv(median.iat[i])}) och kan inte stämma. Rätta värdet; är det rätt, höj plausible_ratio "
                  "för källan i sources.yaml.", column)


PER_PLURAL_SV = {"dag": "dagar", "månad": "månader"}


def _spans(kind: str, df: pd.DataFrame) -> np.ndarray:
    """How many of the bound's periods (``PLAUSIBLE_PER``: days for visits, months for loans) each
    row covers: a monthly visits row may hold 31 days' visits, a yearly loans row 12 months'."""
    ones = np.ones(len(df), dtype="int64")
    if kind not in PLAUSIBLE_PER or "period_end" not in df or PERIOD_COLUMN[kind] not in df:
        return ones
    start = pd.to_datetime(df[PERIOD_COLUMN[kind]], errors="coerce")
    end = pd.to_datetime(df["period_end"], errors="coerce")
    if kind == "visits":
        n = (end - start).dt.days + 1
    else:
        n = (end.dt.year - start.dt.year) * 12 + end.dt.month - start.dt.month + 1
    return n.fillna(1).clip(lower=1).to_numpy(dtype="int64")


#: The sheet fields a tidy count may have been read from (the column named in its problem).
_READ_FROM = {"visits": ("visits", "in", "total"), "initial_loans": ("initial_loans", "loans")}


def _sv(x: float) -> str:
    return format_number_sv(round(float(x), 1))


def _dates_in_range(v: "_Validator", kind: str, df: pd.DataFrame, today: dt.date) -> None:
    col = PERIOD_COLUMN[kind]
    last_year = today.year + 1
    if df[col].dtype.kind == "M":
        years = df[col].dt.year
        latest = np.datetime64(today, "s") if kind in ("loans", "visits") else np.datetime64(f"{last_year + 1}-01-01")
        late = (df[col] > latest).fillna(False).to_numpy(dtype=bool)
    else:
        years = df[col].astype("float64")
        late = (years > last_year).fillna(False).to_numpy(dtype=bool)
    early = (years < FIRST_YEAR).fillna(False).to_numpy(dtype=bool)
    v.report(early | late, "date_out_of_range", col, f"Datumet ligger utanför det rimliga intervallet "
             f"({FIRST_YEAR}–{'i dag' if kind in ('loans', 'visits') else last_year}). Kontrollera datumet "
             "(är det ett Excel-serienummer eller ett felskrivet år?).")


def _duplicates(v: "_Validator", kind: str, df: pd.DataFrame) -> None:
    key = list(GRAIN[kind])
    if df.empty:
        return
    dup = df.duplicated(subset=key, keep=False).to_numpy()
    if not dup.any():
        return
    rows = df["source_row"].to_numpy()
    first = df.loc[dup].groupby(key, observed=True, dropna=False)["source_row"].transform("min")
    first_of = dict(zip(df.index[dup], first.to_numpy()))
    names = ", ".join(FIELD_LABELS_SV.get(k, k) for k in key)
    mask = dup & (rows != np.array([first_of.get(i, -1) for i in df.index]))
    for i in np.flatnonzero(mask):
        v.add("duplicate", key[0], i, f"Raden är en dubblett av rad {first_of[df.index[i]]} (samma {names}). "
              "Ta bort en av raderna.")


class _Validator:
    def __init__(self, kind: str, df: pd.DataFrame, file: str, sheet: str, skip_rows: set[int],
                 columns: dict[str, str]):
        self.kind, self.df, self.file, self.sheet = kind, df, file, sheet
        self.columns = columns
        rows = df["source_row"].to_numpy() if "source_row" in df else np.zeros(len(df), dtype=int)
        self.rows = rows
        self.fresh = ~np.isin(rows, list(skip_rows)) if skip_rows else np.ones(len(df), dtype=bool)
        self.problems: list[Problem] = []
        #: Per (code, field): how many failures, and the first one's column (named in the summary).
        self.counts: dict[tuple[str, str], int] = {}
        self.first_column: dict[tuple[str, str], str] = {}

    def col(self, field: str) -> str:
        return self.columns.get(field, FIELD_LABELS_SV.get(field, field))

    def add(self, code: str, field: str, i: int, message: str, column: str | None = None) -> None:
        key = (code, field)
        n = self.counts[key] = self.counts.get(key, 0) + 1
        if n > MAX_PER_CHECK:
            return
        value = self.df[field].iat[i]
        if isinstance(value, (float, np.floating)) and np.isfinite(value):
            value = format_number_sv(float(value))
        row = self.rows[i]
        column = column or self.col(field)
        self.first_column.setdefault(key, column)
        self.problems.append(Problem(
            "fel", code, message, file=self.file, sheet=self.sheet,
            row=None if pd.isna(row) else int(row), column=column,
            value="" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)))

    def report(self, mask: np.ndarray, code: str, field: str, message: str, column_from: str = "",
               column: str | None = None) -> None:
        for i in np.flatnonzero(mask):
            column = self.col(str(self.df[column_from].iat[i])) if column_from else column
            self.add(code, field, i, message, column)

    def finish(self) -> list[Problem]:
        for (code, field), n in self.counts.items():
            if n > MAX_PER_CHECK:
                column = self.first_column[(code, field)]
                self.problems.append(Problem("fel", code, f"… och {n - MAX_PER_CHECK} rader till med "
                                             "samma fel (endast de första visas).", file=self.file,
                                             sheet=self.sheet, column=column))
        return self.problems
