"""Aggregate each measure of the plan once, to unit × month (or unit × survey wave) arrays.

Everything a view needs is a sum over a slice of these arrays, so the dashboard's callbacks are
cheap: :class:`Grid` fixes the unit and month axes, :func:`monthly_array` filters and aggregates a
table once, :func:`survey_arrays` keeps n, sum, sum of squares and top-2-box count per unit and
wave (so means, shares and intervals can be recombined for any set of units).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.grain import GRAIN_MONTHS, frame_grain
from etl.schedule import swedish_holidays
from etl.tables import SURVEY_ITEMS, Tables, loans_total
from goals.plan import NKI_ITEMS, FilterSpec, FilterValue, Measure

MONTHLY_KINDS = ("loans", "visits", "events", "opening_hours")


def _month_codes(dates: pd.Series) -> np.ndarray:
    """Months since year 0 (``year * 12 + month - 1``) of a datetime column."""
    months_since_1970 = dates.to_numpy(dtype="datetime64[s]").astype("datetime64[M]").astype(np.int64)
    return months_since_1970 + 1970 * 12


@dataclass
class Grid:
    """The unit and month axes every array shares."""

    unit_ids: list[str]
    m0: int  # month code of column 0
    n_months: int
    y0: int  # first year (survey waves, population)
    n_years: int

    def __post_init__(self) -> None:
        self.uix = {u: i for i, u in enumerate(self.unit_ids)}

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.unit_ids), self.n_months

    def unit_index(self, unit_ids: pd.Series) -> np.ndarray:
        """Row index per unit id (-1 for units outside the grid, which are then dropped)."""
        cat = unit_ids if isinstance(unit_ids.dtype, pd.CategoricalDtype) else unit_ids.astype("category")
        lookup = np.array([self.uix.get(str(c), -1) for c in cat.cat.categories] + [-1], dtype=np.int64)
        return lookup[cat.cat.codes.to_numpy()]  # code -1 (missing) picks the trailing -1

    def month_slice(self, first_code: int, last_code: int) -> slice:
        lo = max(first_code - self.m0, 0)
        hi = min(last_code - self.m0 + 1, self.n_months)
        return slice(lo, max(hi, lo))


def build_grid(tables: Tables) -> Grid:
    units = [str(u) for u in tables.units["unit_id"]] if "unit_id" in tables.units else []
    codes: list[int] = []
    years: list[int] = []
    for kind, col in (("loans", "month"), ("visits", "date"), ("events", "date")):
        df = getattr(tables, kind)
        if len(df):
            c = _month_codes(df[col])
            codes += [int(c.min()), int(c.max())]
            extra = sorted(set(df["unit_id"].astype(str).unique()) - set(units))
            units += extra
    oh = tables.opening_hours
    if len(oh):
        units += sorted(set(oh["unit_id"].astype(str).unique()) - set(units))
    sv = tables.survey
    if len(sv):
        units += sorted(set(sv["unit_id"].astype(str).unique()) - set(units))
        years += [int(sv["wave"].min()), int(sv["wave"].max())]
    if len(tables.population):
        years += [int(tables.population["year"].min()), int(tables.population["year"].max())]
    years += [c // 12 for c in codes]
    if not years:
        years = [2000]
    y0, y1 = min(years), max(years)
    return Grid(unit_ids=units, m0=y0 * 12, n_months=(y1 - y0 + 1) * 12, y0=y0, n_years=y1 - y0 + 1)


def _filter_mask(df: pd.DataFrame, filters: dict[str, FilterValue]) -> np.ndarray:
    mask = np.ones(len(df), dtype=bool)
    for col, spec in filters.items():
        s = df[col]
        if isinstance(spec, FilterSpec):
            if spec.in_ is not None:
                mask &= s.isin(spec.in_).to_numpy(dtype=bool)
            if spec.not_in is not None:
                mask &= ~s.isin(spec.not_in).to_numpy(dtype=bool)
            if spec.present is not None:
                present = s.notna() & (s.astype(str).str.strip() != "")
                mask &= (present if spec.present else ~present).to_numpy(dtype=bool)
        else:
            values = spec if isinstance(spec, list) else [spec]
            mask &= s.isin(values).to_numpy(dtype=bool)
    return mask


def _accumulate(grid: Grid, uix: np.ndarray, mcode: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Sum ``weights`` into a unit × month array (rows outside the grid are dropped)."""
    midx = mcode - grid.m0
    ok = (uix >= 0) & (midx >= 0) & (midx < grid.n_months) & ~np.isnan(weights)
    flat = np.bincount(uix[ok] * grid.n_months + midx[ok], weights=weights[ok], minlength=grid.shape[0] * grid.shape[1])
    return flat.reshape(grid.shape)


def _spans(df: pd.DataFrame, kind: str) -> np.ndarray:
    """Months each loans or visits row covers (a day or month: 1, a quarter: 3, a year: 12)."""
    grain = frame_grain(kind, df).to_numpy(dtype=object)
    return np.array([GRAIN_MONTHS.get(str(g), 1) for g in grain], dtype=np.int64)


def presence(grid: Grid, tables: Tables, kind: str) -> np.ndarray:
    """Bool unit × month: the unit has data of ``kind`` in the month (visits: a non-missing day).
    A quarterly or yearly row is data for every month it covers."""
    df = getattr(tables, kind)
    if not len(df):
        return np.zeros(grid.shape, dtype=bool)
    col = "month" if kind == "loans" else "date"
    w = np.ones(len(df))
    if kind == "visits":
        w = np.where(df["visits"].isna().to_numpy(), np.nan, 1.0)
    uix, mcode = grid.unit_index(df["unit_id"]), _month_codes(df[col])
    out = _accumulate(grid, uix, mcode, w) > 0
    if kind in ("loans", "visits"):
        span = _spans(df, kind)
        for k in range(1, int(span.max())):
            more = span > k
            out |= _accumulate(grid, uix[more], mcode[more] + k, w[more]) > 0
    return out


def coarse_spans(grid: Grid, tables: Tables, kind: str) -> np.ndarray:
    """Int unit × month: where a quarterly or yearly row of ``kind`` starts, the months it covers
    (the largest when several); 0 elsewhere.  A value over months that cut such a row cannot be
    computed without inventing how the total splits (see ``Model``)."""
    out = np.zeros(grid.shape, dtype=np.int64)
    df = getattr(tables, kind)
    if kind not in ("loans", "visits") or not len(df):
        return out
    span = _spans(df, kind)
    coarse = span > 1
    if not coarse.any():
        return out
    col = "month" if kind == "loans" else "date"
    uix = grid.unit_index(df["unit_id"])[coarse]
    midx = _month_codes(df[col])[coarse] - grid.m0
    ok = (uix >= 0) & (midx >= 0) & (midx < grid.n_months)
    np.maximum.at(out, (uix[ok], midx[ok]), span[coarse][ok])
    return out


def _time_minutes(s: pd.Series) -> np.ndarray:
    parts = s.astype(str).str.split(":", n=1, expand=True)
    return parts[0].astype(float).to_numpy() * 60 + parts[1].astype(float).to_numpy()


def opening_frame(tables: Tables) -> pd.DataFrame:
    """The opening-hours table with the derived ``hours_evening_weekend`` column."""
    oh = tables.opening_hours
    if not len(oh):
        out = oh.copy()
        out["hours_evening_weekend"] = pd.Series(dtype="float64")
        return out
    opens = _time_minutes(oh["opens"])
    closes = _time_minutes(oh["closes"])
    wd = oh["weekday"].to_numpy(dtype=np.float64, na_value=np.nan)
    evening = np.clip(closes - np.maximum(opens, 18 * 60), 0, None) / 60
    weekend = wd >= 6
    return oh.assign(hours_evening_weekend=np.where(weekend, oh["hours"].to_numpy(dtype=float), evening))


def hours_array(grid: Grid, oh: pd.DataFrame, column: str) -> np.ndarray:
    """Scheduled hours per unit × month from weekly schedules valid from a date until the next.

    Holidays (``etl.schedule.swedish_holidays``: the days libraries are normally closed) have no
    opening hours.  Before a unit's first schedule its hours are 0.
    """
    out = np.zeros(grid.shape)
    if not len(oh):
        return out
    first = np.datetime64(f"{grid.y0:04d}-01-01", "D")
    days = first + np.arange((np.datetime64(f"{grid.y0 + grid.n_years:04d}-01-01", "D") - first).astype(int))
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday (Monday = 0)
    closed = np.isin(days, np.array(swedish_holidays(range(grid.y0, grid.y0 + grid.n_years)), dtype="datetime64[D]"))
    day_month = days.astype("datetime64[M]").astype(np.int64) + 1970 * 12 - grid.m0
    uix = grid.unit_index(oh["unit_id"])
    valid = oh["valid_from"].to_numpy(dtype="datetime64[s]").astype("datetime64[D]")
    wd = oh["weekday"].to_numpy(dtype=np.int64, na_value=0) - 1
    hours = oh[column].to_numpy(dtype=float, na_value=0.0)
    for u in np.unique(uix[uix >= 0]):
        rows = uix == u
        starts, seg = np.unique(valid[rows], return_inverse=True)
        weekly = np.zeros((len(starts), 7))
        ok = (wd[rows] >= 0) & (wd[rows] < 7)
        np.add.at(weekly, (seg[ok], wd[rows][ok]), hours[rows][ok])
        day_seg = np.searchsorted(starts, days, side="right") - 1
        per_day = np.where((day_seg >= 0) & ~closed, weekly[np.maximum(day_seg, 0), weekday], 0.0)
        out[u] = np.bincount(day_month, weights=per_day, minlength=grid.n_months)[: grid.n_months]
    return out


class TableCache:
    """Per-table work shared by all measures of a model: unit index, month code and numeric
    columns of each row, computed once."""

    def __init__(self, grid: Grid, tables: Tables):
        self.grid = grid
        self.tables = tables
        self._rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._columns: dict[tuple[str, str], np.ndarray] = {}
        self._opening: pd.DataFrame | None = None

    def rows(self, table: str) -> tuple[np.ndarray, np.ndarray]:
        """(unit index, month code) per row of ``table``."""
        if table not in self._rows:
            df = getattr(self.tables, table)
            col = "month" if table == "loans" else "date"
            self._rows[table] = (self.grid.unit_index(df["unit_id"]), _month_codes(df[col]))
        return self._rows[table]

    def column(self, table: str, column: str) -> np.ndarray:
        """A numeric column as float (NaN = missing); ``loans`` = initial loans + renewals."""
        key = (table, column)
        if key not in self._columns:
            df = getattr(self.tables, table)
            if table == "loans" and column == "loans":
                vals = loans_total(df).to_numpy()
            else:
                vals = df[column].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            self._columns[key] = vals
        return self._columns[key]

    def opening(self) -> pd.DataFrame:
        if self._opening is None:
            self._opening = opening_frame(self.tables)
        return self._opening


def monthly_array(cache: TableCache, measure: Measure) -> np.ndarray:
    """The measure (sum or count) per unit × month."""
    grid = cache.grid
    if measure.table == "opening_hours":
        oh = cache.opening()
        oh = oh[_filter_mask(oh, measure.filters)]
        return hours_array(grid, oh, measure.sum_column)
    df = getattr(cache.tables, measure.table)
    uix, mcode = cache.rows(measure.table)
    mask = _filter_mask(df, measure.filters)
    if measure.aggregation == "count":
        w = np.ones(int(mask.sum()))
    else:
        w = cache.column(measure.table, measure.sum_column)[mask]
    return _accumulate(grid, uix[mask], mcode[mask], w)


@dataclass
class DistinctRows:
    """Filtered rows for a ``distinct`` measure: unit index, month index, value code."""

    uix: np.ndarray
    midx: np.ndarray
    codes: np.ndarray


def distinct_rows(grid: Grid, tables: Tables, measure: Measure) -> DistinctRows:
    df = getattr(tables, measure.table)
    if measure.table == "loans":
        df = df.assign(loans=loans_total(df))
    df = df[_filter_mask(df, measure.filters)]
    vals = df[measure.sum_column]
    keep = vals.notna() & (vals.astype(str).str.strip() != "")
    df = df[keep.to_numpy(dtype=bool)]
    col = "month" if measure.table == "loans" else "date"
    codes, _ = pd.factorize(df[measure.sum_column].astype(str).str.strip().str.casefold())
    uix = grid.unit_index(df["unit_id"])
    midx = _month_codes(df[col]) - grid.m0
    ok = uix >= 0
    return DistinctRows(uix[ok], midx[ok], codes[ok])


@dataclass
class SurveyArrays:
    """Per unit × wave (year index): answers n, sum, sum of squares, top-2-box count."""

    n: np.ndarray
    s: np.ndarray
    ss: np.ndarray
    k: np.ndarray


def survey_normalised(tables: Tables) -> pd.DataFrame:
    """Survey answers on each item's canonical scale (``norm``), with a top-2-box flag (``top2``)
    on the scale the question was asked on.  Computed once per model and shared by all measures."""
    sv = tables.survey
    sv = sv[sv["value"].notna()]
    item = sv["item"] if isinstance(sv["item"].dtype, pd.CategoricalDtype) else sv["item"].astype("category")
    lookup = np.array([float(SURVEY_ITEMS.get(str(c), np.nan)) for c in item.cat.categories] + [np.nan])
    canon = lookup[item.cat.codes.to_numpy()]
    smax = sv["scale_max"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    smax = np.where(np.isnan(smax), canon, smax)
    v = sv["value"].to_numpy(dtype=float)
    norm = np.where(smax == canon, v, 1 + (v - 1) * (canon - 1) / (smax - 1))
    return sv.assign(norm=norm, top2=(v >= smax - 1).astype(float))


def survey_arrays(grid: Grid, normalised: pd.DataFrame, measure: Measure) -> SurveyArrays:
    """n, sum, sum of squares and top-2-box count per unit × wave (``normalised``: see
    :func:`survey_normalised`)."""
    shape = (len(grid.unit_ids), grid.n_years)
    out = SurveyArrays(*(np.zeros(shape) for _ in range(4)))
    if not len(normalised):
        return out
    sv = normalised
    filters = dict(measure.filters)
    if measure.aggregation == "nki":
        filters.setdefault("item", list(NKI_ITEMS))
    sv = sv[_filter_mask(sv, filters)]
    if measure.aggregation == "nki":
        # One index per respondent who answered every NKI question (SCB: a partial answer is no
        # index): the equal-weight (oviktat) mean of the three.
        items = filters["item"] if isinstance(filters["item"], list) else [filters["item"]]
        per = sv.groupby(["wave", "respondent_id"], observed=True).agg(
            unit_id=("unit_id", "first"), m=("norm", "mean"), k=("norm", "count")
        )
        per = per[per["k"] == len(items)]
        waves = per.index.get_level_values("wave").to_numpy(dtype=np.int64)
        vals = (per["m"].to_numpy(dtype=float) - 1) * 100 / 9
        uix = grid.unit_index(per["unit_id"])
        top2 = np.zeros(len(per))
    elif measure.aggregation == "count":
        per = sv.drop_duplicates(["wave", "respondent_id"])
        waves = per["wave"].to_numpy(dtype=np.int64)
        vals = np.ones(len(per))
        uix = grid.unit_index(per["unit_id"])
        top2 = np.zeros(len(per))
    else:
        waves = sv["wave"].to_numpy(dtype=np.int64)
        vals = sv["norm"].to_numpy(dtype=float)
        uix = grid.unit_index(sv["unit_id"])
        top2 = sv["top2"].to_numpy(dtype=float)
    yidx = waves - grid.y0
    ok = (uix >= 0) & (yidx >= 0) & (yidx < grid.n_years)
    idx = (uix[ok], yidx[ok])
    np.add.at(out.n, idx, 1.0)
    np.add.at(out.s, idx, vals[ok])
    np.add.at(out.ss, idx, vals[ok] ** 2)
    np.add.at(out.k, idx, top2[ok])
    return out


def _band_ends(pop: pd.DataFrame) -> np.ndarray:
    """Upper age of each band; a missing ``age_to`` on a band followed by another band of the same
    district and year ends just before the next band (only the last band is open, "100+")."""
    hi = pop["age_to"].to_numpy(dtype=float, na_value=np.nan)
    if not np.isnan(hi).any():
        return hi
    order = pop.assign(_i=np.arange(len(pop))).sort_values(["year", "district", "age_from"])
    nxt = order.groupby(["year", "district"], observed=True)["age_from"].shift(-1)
    implied = pd.Series(nxt.to_numpy(dtype=float, na_value=np.nan) - 1, index=order["_i"].to_numpy()).sort_index().to_numpy()
    hi = np.where(np.isnan(hi), implied, hi)
    return np.where(np.isnan(hi), np.inf, hi)


def population_array(grid: Grid, tables: Tables, districts: list[str], age_from: int, age_to: int | None) -> np.ndarray:
    """Inhabitants per district (rows in ``districts`` order) × year in the age band.

    A population band is counted when it lies inside [age_from, age_to]; a band that straddles a
    limit (e.g. 15–19 for 0–17) cannot be split and makes that year NaN.
    """
    out = np.full((len(districts), grid.n_years), np.nan)
    pop = tables.population
    if not len(pop):
        return out
    lo = pop["age_from"].to_numpy(dtype=float, na_value=np.nan)
    hi = _band_ends(pop)
    top = np.inf if age_to is None else float(age_to)
    inside = (lo >= age_from) & (hi <= top)
    straddle = ~inside & (lo <= top) & (hi >= age_from)
    didx = pop["district"].astype(str).map({d: i for i, d in enumerate(districts)}).fillna(-1).to_numpy(dtype=np.int64)
    yidx = pop["year"].to_numpy(dtype=np.int64) - grid.y0
    ok = (didx >= 0) & (yidx >= 0) & (yidx < grid.n_years)
    has_year = np.zeros_like(out, dtype=bool)
    has_year[didx[ok], yidx[ok]] = True
    vals = np.where(inside, pop["population"].to_numpy(dtype=float, na_value=np.nan), 0.0)
    summed = np.zeros_like(out)
    np.add.at(summed, (didx[ok], yidx[ok]), vals[ok])
    bad = np.zeros_like(out, dtype=bool)
    bad[didx[ok & straddle], yidx[ok & straddle]] = True
    return np.where(has_year & ~bad, summed, np.nan)
