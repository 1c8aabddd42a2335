"""The reports (imports no Dash): the Excel workbook (openpyxl) and the Word report (python-docx).

- :func:`write_report`: the follow-up of a year and period as a workbook (Sammanfattning, one sheet
  per goal with native charts, Enheter, Data, Avvikelser, Om rapporten).
- :func:`write_docx`: the tertial report for the nämnd as a Word document (:mod:`.word`, charts
  drawn by :mod:`.figures` with matplotlib).
- :func:`table_to_xlsx`: any DataFrame as a formatted one-sheet workbook (the app's downloads).

Modules: :mod:`.inputs` gathers the data (``goals/`` calls, :class:`StoreInfo` from the store),
:mod:`.workbook` assembles the sheets from :mod:`.sheets`, which write through :mod:`.cells`
(safe text, widths, print set-up) with :mod:`.formats` (number formats), :mod:`.styles` and
:mod:`.charts`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, BinaryIO

from report.inputs import CommentText, ReportInputs, StoreInfo, collect
from report.table import table_to_xlsx
from report.workbook import render, save


def write_report(
    plan: Any,
    tables: Any,
    store_info: StoreInfo | None,
    year: int,
    period: str,
    unit: str | None = None,
    path_or_buffer: str | Path | BinaryIO | None = None,
    *,
    goal_set: str = "biblioteksplan",
    generated: dt.date | None = None,
    source: Any = None,
) -> bytes | None:
    """Write the follow-up report for ``year`` and ``period`` (``"T2"``, ``"helar"``, ``"M05"``…).

    ``plan`` is a ``goals.Plan``, ``tables`` an ``etl.tables.Tables``; ``store_info`` carries what
    comes from the store (last data date, Analys/Åtgärder per goal, problems): build it with
    ``StoreInfo.from_store(store, goal_ids, year, period, unit)`` or by hand (``None`` = nothing).
    ``unit``: a unit id for one unit's report, ``None`` for the whole organisation.  Writes to a path
    or binary buffer and returns ``None``; with ``path_or_buffer=None`` returns the file as bytes.
    ``source``: the follow-up to read (``dashboard.stored.open_followup``: the stored result); default:
    computed from ``tables``.
    """
    inputs = collect(plan, tables, year, period, unit=unit, goal_set=goal_set, store_info=store_info,
                     generated=generated, source=source)
    return save(render(inputs), path_or_buffer)


def write_docx(
    plan: Any,
    tables: Any,
    store_info: StoreInfo | None,
    year: int,
    period: str,
    unit: str | None = None,
    path_or_buffer: str | Path | BinaryIO | None = None,
    *,
    goal_set: str = "biblioteksplan",
    generated: dt.date | None = None,
    source: Any = None,
) -> bytes | None:
    """Write the tertial report for the nämnd as a Word document (same arguments as
    :func:`write_report`; see :mod:`report.word`)."""
    from report.word import save_docx

    inputs = collect(plan, tables, year, period, unit=unit, goal_set=goal_set, store_info=store_info,
                     generated=generated, source=source)
    return save_docx(inputs, path_or_buffer)


def write_inputs(inputs: ReportInputs, path_or_buffer: str | Path | BinaryIO | None = None) -> bytes | None:
    """Write a report from already computed inputs (see :func:`collect`)."""
    return save(render(inputs), path_or_buffer)


__all__ = [
    "CommentText",
    "ReportInputs",
    "StoreInfo",
    "collect",
    "table_to_xlsx",
    "write_docx",
    "write_inputs",
    "write_report",
]
