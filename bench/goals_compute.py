"""Goal model speed: full recomputation and single views, on the sample and on a scaled set.

- *full recomputation*: build the model from the tables (aggregate every indicator once) and
  compute every indicator for the organisation, every unit and every unit type, for T1, T2 and
  helår of every year.  Floor: one ``groupby(unit, month).sum()`` over the loans table, the least
  work any aggregation of the data must do.
- *single view*: one goal's follow-up for one period (what a dashboard callback asks for), with
  the model's arrays built but its memo of computed values cleared (the first time a view is
  asked for); likewise ``unit_comparison``, ``trend`` and ``monthly``.  Floor: building a
  DataFrame of the same number of rows from dicts, which any view has to do.

Targets (issue 3): a single view under 20 ms; full recomputation of the scaled set under 2 s.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from bench.common import Result, median_time
from etl.tables import Tables
from goals import followup, get_model, load_plan, monthly, trend, unit_comparison
from goals.model import Model
from goals.periods import parse_period
from goals.plan import Plan
from goals.synthetic import build

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


def sample_tables() -> Tables:
    """The bundled sample, loaded through the ETL into a throw-away SQLite store."""
    from etl.pipeline import load_dir
    from etl.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/bench.sqlite")
        load_dir(SAMPLE, store)
        tables = store.read_tables()
        store.engine.dispose()
    return tables


def full_recomputation(plan: Plan, tables: Tables) -> int:
    model = Model(plan, tables)
    years = model.years()
    keys = ["ALLA", *model.units()["unit_id"], "typ:stadsdelsbibliotek", "typ:bokbuss", "typ:huvudbibliotek"]
    n = 0
    for year in years:
        for period in ("T1", "T2", "helar"):
            for ind in plan.indicators:
                for key in keys:
                    model.row(ind, model.selection(key), parse_period(year, period))
                    n += 1
    return n


def _floor_groupby(tables: Tables) -> None:
    tables.loans.groupby(["unit_id", "month"], observed=True)[["initial_loans", "renewals"]].sum()


def _cold(plan: Plan, tables: Tables, fn) -> float:
    model = get_model(plan, tables)

    def run() -> None:
        model.forget_values()
        fn()

    return median_time(run, repeat=7)


def _floor_frame(n_rows: int) -> float:
    rows = [{c: 1.0 for c in "abcdefghijklmnopqrstuvwxyz"} for _ in range(n_rows)]
    return median_time(lambda: pd.DataFrame(rows), repeat=7)


def bench_set(label: str, plan: Plan, tables: Tables, target_full: str) -> list[Result]:
    results: list[Result] = []
    n_rows = full_recomputation(plan, tables)
    full = median_time(lambda: full_recomputation(plan, tables), repeat=3)
    floor = median_time(lambda: _floor_groupby(tables), repeat=5)
    results.append(Result(f"goals: full recomputation, {label}", full, "groupby(unit, month) of loans", floor,
                          target_full, f"{n_rows} indicator rows, {len(tables.loans):,} loan rows".replace(",", " ")))
    get_model(plan, tables)  # arrays built once, as in the app
    year = max(get_model(plan, tables).years())
    goal = plan.goal_set("biblioteksplan").goals[3]
    single = _cold(plan, tables, lambda: followup(plan, tables, year, "T2", goal=goal.id))
    results.append(Result(f"goals: single view followup(goal, T2), {label}", single, "DataFrame of 6 rows",
                          _floor_frame(len(goal.indicators)), "< 20 ms", "model built, values not yet computed"))
    ind = "besok_per_invanare" if "besok_per_invanare" in {i.id for i in plan.indicators} else plan.indicators[0].id
    n_units = len(get_model(plan, tables).units())
    for name, fn, rows in (
        ("unit_comparison", lambda: unit_comparison(plan, tables, ind, year, "T2"), n_units),
        ("trend", lambda: trend(plan, tables, ind, "T2"), len(get_model(plan, tables).years())),
        ("monthly", lambda: monthly(plan, tables, ind, year), 12),
    ):
        results.append(Result(f"goals: {name}, {label}", _cold(plan, tables, fn), f"DataFrame of {rows} rows",
                              _floor_frame(rows), "< 20 ms"))
    warm = median_time(lambda: followup(plan, tables, year, "T2", unit="*"), repeat=7)
    results.append(Result(f"goals: followup all units (memoised), {label}", warm, "", None, "< 50 ms"))
    return results


def run(quick: bool) -> list[Result]:
    plan = load_plan(SAMPLE / "biblioteksplan.yaml")
    if quick:
        return bench_set("synthetic 3 years x 15 units", plan, build(years=range(2024, 2027), respondents=20), "< 2 s")
    results = bench_set("sample", plan, sample_tables(), "< 2 s")
    scaled = build(years=range(2017, 2027), n_districts=37, n_bookmobiles=2)
    results += bench_set("synthetic 10 years x 40 units", plan, scaled, "< 2 s")
    return results
