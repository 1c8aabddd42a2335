"""The stored follow-up: computing all of it, storing it, and reading one part.

- *compute*: ``goals.results.compute`` (every indicator × selection × year × period, trend
  readings, months) on the sample, on 10 years × 40 units and on a national-scale simulation
  (``goals.synthetic``: 1 100 units × 10 years, in a child process stopped after 5 minutes, with its
  peak memory), next to the floor: a ``groupby(unit, month)`` of the loans and a
  ``groupby(unit, day)`` of the visits, the least any aggregation of these rows must do;
- *store*: encoding every part (Arrow IPC, zstd) and ``Store.put_result`` into SQLite;
- *read*: one part fetched from the store and decoded (what a worker does the first time a view
  of a year and period is asked for), next to a primary-key SELECT of one small row.

Targets (issue 12): sample ≤ 0.3 s, 40 units × 10 years ≤ 1 s, 1 100 units × 10 years ≤ 20 s and
< 2 GB.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Result, median_time

REPO = Path(__file__).resolve().parent.parent
PLAN = REPO / "data" / "sample" / "biblioteksplan.yaml"
NATIONAL_LIMIT_S = 300


def _floor(tables) -> None:
    tables.loans.groupby(["unit_id", "month"], observed=True)[["initial_loans", "renewals"]].sum()
    tables.visits.groupby(["unit_id", "date"], observed=True)["visits"].sum()


def _compute_set(label: str, plan, tables, target: str, repeat: int) -> list[Result]:
    from goals.results import compute

    seconds = median_time(lambda: compute(plan, tables), repeat=repeat, warmup=0)
    floor = median_time(lambda: _floor(tables), repeat=5)
    parts = compute(plan, tables)
    rows = sum(len(v) for k, v in parts.items() if k.startswith("rows/"))
    return [Result(f"stored follow-up: compute, {label}", seconds, "groupby of loans and visits", floor, target,
                   f"{rows:,} follow-up rows".replace(",", " ") + f", {len(parts)} parts")]


_NATIONAL = """
import resource, time
from goals import load_plan
from goals.results import compute
from goals.synthetic import build
plan = load_plan({plan!r})
tables = build(years=range(2017, 2027), n_districts=1090, n_bookmobiles=9)
t0 = time.perf_counter()
tables.loans.groupby(["unit_id", "month"], observed=True)[["initial_loans", "renewals"]].sum()
tables.visits.groupby(["unit_id", "date"], observed=True)["visits"].sum()
floor = time.perf_counter() - t0
t0 = time.perf_counter()
compute(plan, tables)
print(time.perf_counter() - t0, floor, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def _national() -> Result:
    name = "stored follow-up: compute, national scale (1 100 units × 10 years)"
    try:
        out = subprocess.run([sys.executable, "-c", _NATIONAL.format(plan=str(PLAN))], capture_output=True, text=True,
                             timeout=NATIONAL_LIMIT_S, cwd=REPO, check=True).stdout.split()
    except subprocess.TimeoutExpired:
        return Result(name, float(NATIONAL_LIMIT_S), target="≤ 20 s, < 2 GB",
                      extra=f"did not finish within {NATIONAL_LIMIT_S} s (stopped)")
    seconds, floor, peak = (float(x) for x in out[-3:])
    return Result(name, seconds, "groupby of loans and visits", floor, "≤ 20 s, < 2 GB", f"peak memory {peak:.0f} MB")


def run(quick: bool = False) -> list[Result]:
    import goals
    from bench.goals_compute import sample_tables
    from dashboard.stored import RESULT, decode, encode
    from etl.store import Store
    from goals.results import compute
    from goals.synthetic import build

    plan = goals.load_plan(PLAN)
    results: list[Result] = []
    if quick:
        return _compute_set("synthetic 3 years × 15 units", plan, build(years=range(2024, 2027), respondents=20),
                            "", repeat=1)
    sample = sample_tables()
    results += _compute_set("sample (15 units, 8 years)", plan, sample, "≤ 0.3 s", repeat=3)
    results += _compute_set("synthetic 40 units × 10 years", plan,
                            build(years=range(2017, 2027), n_districts=37, n_bookmobiles=2), "≤ 1 s", repeat=3)
    parts = compute(plan, sample)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/bench.sqlite")
        t0 = time.perf_counter()
        encoded = {k: encode(v) for k, v in parts.items()}
        store.put_result(RESULT, 1, "bench", encoded)
        write = time.perf_counter() - t0
        size = sum(len(v) for v in encoded.values()) / 1e6
        results.append(Result("stored follow-up: encode + store all parts, sample (SQLite)", write, target="",
                              extra=f"{len(encoded)} parts, {size:.1f} MB"))
        info = store.result_info(RESULT)
        key = max(k for k in encoded if k.startswith("rows/"))
        read = median_time(lambda: decode(store.result_part(info.id, key)), repeat=20)
        floor = median_time(lambda: store.result_info(RESULT), repeat=20)
        results.append(Result(f"stored follow-up: read one part ({key}), sample", read, "SELECT of one results row",
                              floor, "", f"{len(parts[key])} rows"))
        store.engine.dispose()
    results.append(_national())
    return results


if __name__ == "__main__":
    from bench.common import print_results

    print_results(run(quick="--quick" in sys.argv))
