"""Sheet names of the workbook (Excel allows 31 characters and no []:*?/\\)."""

from __future__ import annotations

from openpyxl.worksheet.hyperlink import Hyperlink

from report.inputs import ReportInputs

SUMMARY = "Sammanfattning"
UNITS = "Enheter"
COMPARE = "Jämförelse"
DATA = "Data"
PROBLEMS = "Avvikelser"
ABOUT = "Om rapporten"


def goal_sheets(inputs: ReportInputs) -> dict[str, str]:
    """Goal id -> sheet name, ``Mål 1`` .. ``Mål n`` (``Uppdrag 1`` ..) in the goal set's order."""
    return {g.id: f"{inputs.goal_word} {i}" for i, g in enumerate(inputs.goals, start=1)}


def sheet_order(inputs: ReportInputs) -> list[str]:
    compare = [COMPARE] if inputs.benchmark is not None and not inputs.benchmark.empty else []
    return [SUMMARY, *goal_sheets(inputs).values(), UNITS, *compare, DATA, PROBLEMS, ABOUT]


def link(sheet: str, cell: str = "A1") -> Hyperlink:
    """An internal hyperlink (a jump within the workbook, no external relationship) to ``cell``."""
    return Hyperlink(ref="", location=f"'{sheet}'!{cell}")
