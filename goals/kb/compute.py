"""KB variables per unit and for the whole municipality, from the tidy tables.

Pure functions on :class:`etl.tables.Tables`.  A value the data cannot give is ``None`` (listed
empty for manual entry), never 0.  Every value carries where it comes from (table, period, rows,
files) and its caveats (missing months, counter outages, estimated values, schedule changes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from etl.problems import Problem
from etl.tables import Tables
from goals.kb.catalogue import Catalogue, Compute, Variable, load_catalogue

#: The column key of the whole municipality.
TOTAL = "__kommun__"

MONTHS_SV = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
TABLE_SV = {"loans": "utlån", "visits": "besök", "events": "arrangemang", "opening_hours": "öppettider",
            "population": "befolkning"}


@dataclass
class KbValue:
    """One variable for one unit (or :data:`TOTAL`): ``value`` None = not answerable / not applicable."""

    value: float | None
    applicable: bool = True
    caveats: list[str] = field(default_factory=list)


@dataclass
class KbExport:
    """KB's variables for one year: values per column (unit ids, then :data:`TOTAL`)."""

    year: int
    catalogue: Catalogue
    units: list[tuple[str, str, str]]  # (unit_id, name, type) in register order
    values: dict[str, dict[str, KbValue]]  # key -> column -> value
    provenance: dict[str, str]  # key -> where the values come from
    problems: list[Problem] = field(default_factory=list)
    #: The data's last day when it lies inside the year (the year is not complete), else None.
    incomplete_until: dt.date | None = None

    def value(self, key: str, column: str = TOTAL) -> float | None:
        return self.values[key][column].value

    def totals(self) -> dict[str, float | None]:
        return {k: v[TOTAL].value for k, v in self.values.items()}

    def caveat_text(self, key: str) -> str:
        """The caveats of a variable in one line: the variable's own, then per column."""
        names = {u: n for u, n, _ in self.units} | {TOTAL: "hela kommunen"}
        parts: list[str] = []
        var = self.catalogue[key]
        if var.caveat:
            parts.append(var.caveat)
        seen: set[str] = set()
        for col, kv in self.values[key].items():
            for c in kv.caveats:
                text = c if col == TOTAL else f"{names[col]}: {c}"
                if text not in seen:
                    seen.add(text)
                    parts.append(text)
        return " ".join(p if p.endswith(".") else p + "." for p in parts)

    def frame(self) -> pd.DataFrame:
        """One row per variable in KB's order: key, section, question, total, each unit, source, caveats."""
        rows = []
        for var in self.catalogue.all():
            vals = self.values[var.key]
            row: dict[str, Any] = {"Nyckel": var.key, "Avsnitt": self.catalogue.sections[var.section],
                                   "Fråga": var.question, "Hela kommunen": vals[TOTAL].value}
            for uid, name, _ in self.units:
                row[name] = vals[uid].value
            row["Källa"] = self.provenance[var.key]
            row["Anmärkning"] = self.caveat_text(var.key)
            rows.append(row)
        return pd.DataFrame(rows)


# --------------------------------------------------------------------------- helpers
def _in_scope(var: Variable, unit_type: str) -> bool:
    if var.scope == "main":
        return unit_type == "huvudbibliotek"
    if var.scope == "other":
        return unit_type != "huvudbibliotek"
    return var.scope == "all"


def _mask(df: pd.DataFrame, filters: dict[str, Any]) -> np.ndarray:
    m = np.ones(len(df), dtype=bool)
    for col, val in filters.items():
        vals = val if isinstance(val, list) else [val]
        m &= df[col].isin(vals).to_numpy(dtype=bool, na_value=False)
    return m


def _filters_sv(filters: dict[str, Any]) -> str:
    if not filters:
        return ""
    parts = [f"{k} = {' eller '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in filters.items()]
    return ", urval " + "; ".join(parts)


def _files(df: pd.DataFrame) -> str:
    if "source_file" not in df or not len(df):
        return ""
    files = sorted({str(f) for f in df["source_file"].dropna()})
    shown = ", ".join(files[:3]) + (f" m.fl. ({len(files)} filer)" if len(files) > 3 else "")
    return f"; filer: {shown}"


def _data_end(tables: Tables) -> dt.date | None:
    """The last day the counted data (loans, visits, events) cover: a row's ``period_end`` (a month
    of loans ends on its last day), else its date."""
    ends = []
    for df, col in ((tables.loans, "month"), (tables.visits, "date"), (tables.events, "date")):
        if not len(df):
            continue
        if "period_end" in df and df["period_end"].notna().any():
            ends.append(pd.Timestamp(df["period_end"].max()))
        elif col == "month":
            ends.append(pd.Timestamp(df[col].max()) + pd.offsets.MonthEnd(0))
        else:
            ends.append(pd.Timestamp(df[col].max()))
    return max(ends).date() if ends else None


def _whole_visits(value: KbValue) -> KbValue:
    """KB counts whole visits: an in/out counter's (in + out) ÷ 2 can end in a half; rounded half up,
    and said in the caveat."""
    if value.value is None or float(value.value).is_integer():
        return value
    whole = float(np.floor(value.value + 0.5))
    from etl.parse import format_number_sv

    value.caveats.append(f"{format_number_sv(round(value.value, 1))} besök (in- och utpassager ÷ 2) avrundat till "
                         f"{format_number_sv(whole)}: KB räknar hela besök, halva avrundas uppåt")
    return KbValue(whole, value.applicable, value.caveats)


def _year_rows(df: pd.DataFrame, column: str, year: int) -> pd.DataFrame:
    if not len(df):
        return df
    return df[df[column].dt.year.to_numpy() == year]


class _Context:
    """The year's rows per table and the per-unit caveats computed once."""

    def __init__(self, tables: Tables, year: int):
        self.tables, self.year = tables, year
        self.loans = _year_rows(tables.loans, "month", year)
        if len(self.loans):
            self.loans = self.loans.assign(loans=self.loans["initial_loans"].astype("Float64").fillna(0)
                                           + self.loans["renewals"].astype("Float64").fillna(0))
        self.visits = _year_rows(tables.visits, "date", year)
        self.events = _year_rows(tables.events, "date", year)
        self.month_caveats = {"loans": self._missing_months(tables.loans, "month"),
                              "visits": self._missing_months(tables.visits, "date")}
        self.visit_caveats = self._visit_caveats()
        end = _data_end(tables)
        self.incomplete_until = end if end is not None and dt.date(year, 1, 1) <= end < dt.date(year, 12, 31) else None

    def _missing_months(self, df: pd.DataFrame, col: str) -> dict[str, str]:
        """Per unit: the months of the year it has no data for although it has them in other years."""
        out: dict[str, str] = {}
        if not len(df):
            return out
        months = df[col].dt.month.to_numpy()
        years = df[col].dt.year.to_numpy()
        units = df["unit_id"].astype(str).to_numpy()
        last = df[col].max()
        for u in np.unique(units):
            mine = units == u
            this = set(months[mine & (years == self.year)].tolist())
            other = set(months[mine & (years != self.year)].tolist())
            if not this:
                continue
            missing = sorted(m for m in other - this if dt.date(self.year, m, 1) <= last.date())
            if missing:
                out[u] = "saknar data för " + ", ".join(MONTHS_SV[m - 1] for m in missing)
        return out

    def _visit_caveats(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        v = self.visits
        if not len(v):
            return out
        units = v["unit_id"].astype(str).to_numpy()
        missing = v["visits"].isna().to_numpy()
        est = v["estimated"].to_numpy(dtype=bool, na_value=False)
        for u in np.unique(units):
            notes = []
            n_miss = int((missing & (units == u)).sum())
            n_est = int((est & (units == u)).sum())
            if n_miss:
                notes.append(f"{n_miss} dagar utan räknardata (avbrott) ingår inte")
            if n_est:
                notes.append(f"{n_est} dagar med skattade värden")
            if notes:
                out[u] = notes
        return out


# --------------------------------------------------------------------------- per table
def _sum_by_unit(df: pd.DataFrame, column: str | None) -> pd.Series:
    if column is None:
        return df.groupby(df["unit_id"].astype(str)).size().astype(float)
    return df.groupby(df["unit_id"].astype(str))[column].sum(min_count=1).astype(float)


def _per_unit(ctx: _Context, c: Compute, unit_ids: list[str]) -> tuple[dict[str, KbValue], str]:
    """Values per unit and the provenance text for a table-backed variable."""
    year = ctx.year
    if c.table == "opening_hours":
        return _opening(ctx, c, unit_ids)
    df = {"loans": ctx.loans, "visits": ctx.visits, "events": ctx.events}[c.table]
    column = {"loans": c.column, "visits": "visits", "events": c.column}[c.table]
    sel = df[_mask(df, c.filters)] if len(df) else df
    period = f"{year}-01-01–{year}-12-31"
    if not len(df):
        return ({u: KbValue(None, caveats=[f"inga {TABLE_SV[c.table]} inlästa för {year}"]) for u in unit_ids},
                f"{TABLE_SV[c.table]} ({c.table}): inga rader för {year}")
    sums = _sum_by_unit(sel, column) if len(sel) else pd.Series(dtype=float)
    present = set(df["unit_id"].astype(str))
    out: dict[str, KbValue] = {}
    for u in unit_ids:
        if c.table == "events":
            # The events table is a register of occasions: a unit with none has 0 occasions.
            out[u] = KbValue(float(sums.get(u, 0.0)) if column is None else _opt(sums.get(u)))
        elif u not in present:
            out[u] = KbValue(None, caveats=[f"inga {TABLE_SV[c.table]} för {year}"])
        else:
            out[u] = KbValue(float(sums.get(u, 0.0)))
        if c.table == "visits":
            out[u] = _whole_visits(out[u])
        notes = ctx.month_caveats.get(c.table, {}).get(u)
        if notes:
            out[u].caveats.append(notes)
        if c.table == "visits":
            out[u].caveats += ctx.visit_caveats.get(u, [])
    what = {"loans": f"summa {c.column}", "visits": "summa visits",
            "events": "antal tillfällen" if column is None else "summa participants"}[c.table]
    prov = (f"{TABLE_SV[c.table]} ({c.table}): {what}{_filters_sv(c.filters)}; {period}; "
            f"{len(sel)} rader{_files(sel)}")
    return out, prov


def _opt(v: Any) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _opening(ctx: _Context, c: Compute, unit_ids: list[str]) -> tuple[dict[str, KbValue], str]:
    """Opening hours from the weekly schedules: days open, hours in a normal week, hours in the year.

    A schedule holds from its ``valid_from`` until the unit's next one.  The normal week is the
    schedule in force on the most days of the year.  Public holidays and the eves libraries close on
    (``etl.schedule.swedish_holidays``) are taken out of days open and yearly hours; temporary
    closures are not (the schedule is all the data holds): said in the caveat.
    """
    year = ctx.year
    oh = ctx.tables.opening_hours
    column = c.column or "hours"
    if column == "hours_evening_weekend" and len(oh):
        from goals.measures import opening_frame
        oh = opening_frame(ctx.tables)
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    weekday = days.day_of_week.to_numpy() + 1
    from etl.schedule import swedish_holidays

    # the days libraries are normally closed (röda dagar, påsk-, midsommar-, jul- and nyårsafton)
    workday = ~days.isin(pd.DatetimeIndex(swedish_holidays([year])))
    out: dict[str, KbValue] = {}
    used_rows = 0
    for u in unit_ids:
        rows = oh[oh["unit_id"].astype(str) == u] if len(oh) else oh
        if not len(rows):
            out[u] = KbValue(None, caveats=["inga öppettider inlästa"])
            continue
        starts = np.sort(rows["valid_from"].drop_duplicates().to_numpy(dtype="datetime64[D]"))
        version = np.searchsorted(starts, days.to_numpy(dtype="datetime64[D]"), side="right") - 1
        if (version < 0).all():
            out[u] = KbValue(None, caveats=[f"inget schema gäller under {year}"])
            continue
        sel = rows[_mask(rows, c.filters)]
        any_hours = np.zeros((len(starts), 8))
        hours = np.zeros((len(starts), 8))
        vix = np.searchsorted(starts, rows["valid_from"].to_numpy(dtype="datetime64[D]"))
        np.add.at(any_hours, (vix, rows["weekday"].to_numpy(dtype=int)), rows["hours"].to_numpy(dtype=float))
        svix = np.searchsorted(starts, sel["valid_from"].to_numpy(dtype="datetime64[D]"))
        np.add.at(hours, (svix, sel["weekday"].to_numpy(dtype=int)), sel[column].to_numpy(dtype=float))
        ok = version >= 0
        day_hours = np.where(ok & workday, hours[np.clip(version, 0, None), weekday], 0.0)
        notes = []
        in_year = np.unique(version[ok])
        if c.measure == "days_open":
            value = float((np.where(ok & workday, any_hours[np.clip(version, 0, None), weekday], 0.0) > 0).sum())
            notes.append(f"dagar med öppet enligt schemat (bemannat eller meröppet) utom {int((~workday).sum())} "
                         "helgdagar och aftnar då biblioteken normalt är stängda; tillfälliga stängningar är inte "
                         "borträknade")
        elif c.measure == "hours_year":
            value = float(day_hours.sum())
            notes.append("enligt schemat utom helgdagar och aftnar; tillfälliga stängningar är inte borträknade")
        else:
            counts = np.bincount(version[ok], minlength=len(starts))
            normal = int(np.argmax(counts))
            value = float(hours[normal, 1:8].sum())
            if len(in_year) > 1:
                notes.append(f"schemat ändrades under året; normalveckan är schemat från "
                             f"{pd.Timestamp(starts[normal]).date().isoformat()} som gällde flest dagar")
        if (~ok).any():
            notes.append(f"schema finns först från {pd.Timestamp(starts[0]).date().isoformat()}")
        used_rows += int(np.isin(svix, in_year).sum())
        out[u] = KbValue(value, caveats=notes)
    what = {"days_open": "dagar med öppet", "hours_per_week": f"timmar per normalvecka ({column})",
            "hours_year": f"timmar under året ({column})"}[c.measure or "hours_year"]
    return out, (f"öppettider (opening_hours): {what}{_filters_sv(c.filters)}; scheman som gäller "
                 f"{year}-01-01–{year}-12-31; {used_rows} schemarader{_files(oh)}")


def _population(ctx: _Context, c: Compute) -> tuple[KbValue, str]:
    year = ctx.year
    pop = ctx.tables.population
    rows = pop[pop["year"].to_numpy(dtype=float, na_value=np.nan) == year] if len(pop) else pop
    label = f"{c.age_from}–{c.age_to} år" if c.age_to is not None else (f"{c.age_from}– år" if c.age_from else "alla åldrar")
    if not len(rows):
        have = sorted(int(y) for y in pop["year"].dropna().unique()) if len(pop) else []
        note = f"befolkning för {year} saknas" + (f" (senaste: {have[-1]})" if have else "")
        return KbValue(None, caveats=[note]), f"befolkning (population): {label}; inga rader för {year}"
    lo = rows["age_from"].to_numpy(dtype=float, na_value=0)
    hi = rows["age_to"].to_numpy(dtype=float, na_value=np.inf)
    top = np.inf if c.age_to is None else c.age_to
    inside = (lo >= c.age_from) & (hi <= top)
    straddles = ~inside & (hi >= c.age_from) & (lo <= top)
    if straddles.any():
        return (KbValue(None, caveats=[f"åldersgrupperna i befolkningsfilen passar inte {label}"]),
                f"befolkning (population): {label}; {year}")
    sel = rows[inside]
    value = float(sel["population"].astype(float).sum())
    return KbValue(value), (f"befolkning (population): {label}, 31 december {year}, alla stadsdelar; "
                            f"{len(sel)} rader{_files(sel)}")


# --------------------------------------------------------------------------- the export
def kb_export(tables: Tables, year: int, catalogue: Catalogue | None = None) -> KbExport:
    """Every catalogue variable for ``year``: per unit (in scope) and for the whole municipality."""
    from goals.kb.rules import check_rules

    cat = catalogue or load_catalogue()
    units = [(str(r.unit_id), str(r.name), str(r.type)) for r in tables.units.itertuples(index=False)]
    ctx = _Context(tables, year)
    values: dict[str, dict[str, KbValue]] = {}
    provenance: dict[str, str] = {}
    counted: set[str] = set()  # variables from loans, visits or events (directly or summed)
    for var in cat.all():
        scoped = [u for u, _, t in units if _in_scope(var, t)]
        col: dict[str, KbValue] = {u: KbValue(None, applicable=False) for u, _, _ in units}
        if var.compute is not None and var.compute.table == "population":
            total, provenance[var.key] = _population(ctx, var.compute)
        elif var.compute is not None:
            per_unit, provenance[var.key] = _per_unit(ctx, var.compute, scoped)
            col.update(per_unit)
            total = _sum_values([per_unit[u] for u in scoped], [n for u, n, _ in units if u in scoped])
        elif var.sum_of:
            for u in scoped:
                col[u] = _sum_values([values[k][u] for k in var.sum_of], var.sum_of, quiet=True)
            total = _sum_values([values[k][TOTAL] for k in var.sum_of], var.sum_of, quiet=True)
            provenance[var.key] = "KB:s summeringsregel: " + " + ".join(var.sum_of)
            if all(values[k][TOTAL].value is None for k in var.sum_of):
                provenance[var.key] = "finns inte i inläst data: fylls i för hand; " + provenance[var.key]
        else:
            total = KbValue(None)
            provenance[var.key] = "finns inte i inläst data: fylls i för hand"
        if var.scope == "municipality":
            col = {u: KbValue(None, applicable=False) for u, _, _ in units}
        if (var.compute is not None and var.compute.table in ("loans", "visits", "events")) or counted & set(var.sum_of):
            counted.add(var.key)
            if ctx.incomplete_until is not None and any(v.value is not None for v in [*col.values(), total]):
                total.caveats.append(f"data t.o.m. {ctx.incomplete_until.isoformat()}: året är inte komplett")
        col[TOTAL] = total
        values[var.key] = col
    export = KbExport(year, cat, units, values, provenance, incomplete_until=ctx.incomplete_until)
    export.problems = check_rules(cat, export)
    if ctx.incomplete_until is not None:
        export.problems.insert(0, Problem(
            "varning", "kb_year_incomplete",
            f"Året {year} är inte komplett: data t.o.m. {ctx.incomplete_until.isoformat()}. Utlån, besök och "
            "arrangemang gäller bara fram till dess (se Anmärkning); lämna inte in dem till KB som helår.",
            column="Hela kommunen"))
    return export


def _sum_values(parts: list[KbValue], names: list[str], quiet: bool = False) -> KbValue:
    """The sum of parts; ``None`` when no part has a value.  Missing parts are named in a caveat
    (for KB's sum rules a missing part leaves the total empty: KB's total must equal its parts)."""
    known = [p.value for p in parts if p.applicable and p.value is not None]
    missing = [n for n, p in zip(names, parts) if p.applicable and p.value is None]
    if not known:
        return KbValue(None)
    if missing and quiet:
        return KbValue(None, caveats=["kan inte summeras: " + ", ".join(missing) + " saknas"])
    out = KbValue(float(sum(known)))
    if missing:
        out.caveats.append("utan " + ", ".join(missing) + " (saknar data)")
    return out
