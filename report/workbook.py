"""Assemble the workbook from a ReportInputs: sheets in order, document properties, saving."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook

from report.inputs import ReportInputs
from report.sheets import about, compare, data, goal, names, problems, summary, units


def render(inputs: ReportInputs) -> Workbook:
    """The whole report as an openpyxl Workbook (nothing is read from a store here)."""
    wb = Workbook()
    wb.remove(wb.active)
    summary.build(wb, inputs)
    for g, sheet in zip(inputs.goals, names.goal_sheets(inputs).values()):
        goal.build(wb, inputs, g, sheet)
    units.build(wb, inputs)
    compare.build(wb, inputs)
    data.build(wb, inputs)
    problems.build(wb, inputs)
    about.build(wb, inputs)
    wb.active = 0
    props = wb.properties
    props.title = f"{inputs.title}, {inputs.subtitle}"
    props.subject = f"Uppföljning av {inputs.goal_set_name}, {inputs.period_label}"
    props.creator = "bibplan"
    props.lastModifiedBy = "bibplan"
    props.keywords = "måluppföljning; bibliotek; biblioteksplan"
    props.description = "Skapad med bibplan. Data t.o.m. " + (
        inputs.store.last_data_date.isoformat() if inputs.store.last_data_date else "okänt"
    )
    props.language = "sv-SE"
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    props.created = props.modified = now
    return wb


def save(wb: Workbook, path_or_buffer: str | Path | BinaryIO | None) -> bytes | None:
    """Save to a path or a binary buffer; with ``None`` return the file's bytes."""
    if path_or_buffer is None:
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    if isinstance(path_or_buffer, (str, Path)):
        wb.save(str(path_or_buffer))
    else:
        wb.save(path_or_buffer)
    return None
