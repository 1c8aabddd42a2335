"""Writing the Excel report: a full-year report for 15 units (target < 2 s).

Data: ``goals.synthetic.build()`` (a main library, 12 district libraries, 2 bookmobiles, 2019 to
October 2026) with the sample's goals file; the report is for ``helar 2025``.  Figures:

- the whole ``write_report`` from cold: a new ``Tables`` object each run, so the goal model is
  built inside (as in ``bibplan report``), then goals/ views, sheets, charts and saving;
- the workbook part alone (sheets, charts, saving) from precomputed inputs;
- the floor: openpyxl writing the same number of filled cells per sheet as plain numbers (no
  styles, no charts, no merged cells).
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

from openpyxl import Workbook

from bench.common import Result, median_time

PLAN = Path(__file__).resolve().parent.parent / "data" / "sample" / "biblioteksplan.yaml"


def _plain_cells(counts: list[tuple[str, int, int]]) -> bytes:
    """The floor: per sheet, as many plain numbers as the report has filled cells, and save."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, cells, width in counts:
        ws = wb.create_sheet(title)
        for start in range(0, cells, width):
            ws.append([float(start + c) for c in range(min(width, cells - start))])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run(quick: bool = False) -> list[Result]:
    import goals
    from report import collect, write_inputs, write_report
    from report.workbook import render
    from goals import synthetic

    plan = goals.load_plan(PLAN)
    tables = synthetic.build()
    repeat = 3 if quick else 7
    year, period = 2025, "helar"

    inputs = collect(plan, tables, year, period)
    wb = render(inputs)
    counts = [
        (ws.title, sum(1 for row in ws.iter_rows() for c in row if c.value is not None), ws.max_column)
        for ws in wb.worksheets
    ]
    n_cells = sum(c for _, c, _ in counts)
    n_charts = sum(len(ws._charts) for ws in wb.worksheets)
    units = len(tables.units)

    floor = median_time(lambda: _plain_cells(counts), repeat=repeat)
    # goals caches its model per Tables object: a fresh object makes every run a cold one
    total = median_time(lambda: write_report(plan, replace(tables), None, year, period), repeat=repeat)
    sheets = median_time(lambda: write_inputs(inputs), repeat=repeat)
    size = len(write_inputs(inputs)) // 1024
    note = f"{units} units, {len(wb.worksheets)} sheets, {n_cells:,} cells, {n_charts} charts, {size} kB"
    floor_name = "openpyxl, same number of cells as plain values"
    return [
        Result("report: write_report helår, 15 units (cold)", total, floor_name, floor, "< 2 s", note),
        Result("report: sheets + charts + save only", sheets, floor_name, floor, "", "inputs precomputed"),
    ]


if __name__ == "__main__":
    from bench.common import print_results

    print_results(run(quick=False))
