"""Number formats for the report: Excel format codes chosen from an indicator's unit and decimals.

Format codes are stored the Excel way (``#,##0``, ``0.0``); Excel and LibreOffice show them with the
reader's locale, so a Swedish reader sees ``1 234 567``, ``4,2`` and ``85 %``.  Percent codes carry a
space before the sign (``0 %``), as Swedish typography wants it.

Indicators in percent (``unit: "%"`` in the goals file, values 0–100 in ``goals/``) are written as
Excel percentages: the cell holds the fraction (0.853) and the format shows ``85 %``, so the reader's
own formulas and pivots work.  A change of a percent indicator is in percentage points and is written
as such (``+3,0 p.e.``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from goals.plan import PERCENT_UNITS

#: Dates are real dates shown ISO style, as Swedish officials write them.
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
INTEGER = "#,##0"
YEAR = "0"
TEXT = "@"
#: Signed relative change, e.g. ``+4,1 %`` / ``-2,0 %`` (the cell holds the fraction 0.041).
CHANGE_PCT = "+0.0 %;-0.0 %;0.0 %"



def is_percent(unit_label: str | None) -> bool:
    """True when an indicator's values are percentages, written as Excel percent cells."""
    return (unit_label or "").strip().lower() in PERCENT_UNITS


def _dec(decimals: int | None) -> str:
    d = 0 if decimals is None or (isinstance(decimals, float) and math.isnan(decimals)) else int(decimals)
    d = max(0, min(d, 6))
    return "." + "0" * d if d else ""


def value_format(decimals: int | None, unit_label: str | None = None) -> str:
    """The format code of an indicator value: ``#,##0``, ``#,##0.0``, ``0 %``, ``0.0 %``."""
    if is_percent(unit_label):
        return f"0{_dec(decimals)} %"
    return f"#,##0{_dec(decimals)}"


def to_cell(value: float | None, unit_label: str | None = None) -> float | None:
    """An indicator value (or target, forecast, interval bound) as the number the cell holds."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value) / 100 if is_percent(unit_label) else float(value)


def change_format(decimals: int | None, unit_label: str | None = None) -> str:
    """Signed format of an absolute change; percentage points (``+3,0 p.e.``) for percent indicators."""
    d = _dec(decimals)
    if is_percent(unit_label):
        return f'+0{d}" p.e.";-0{d}" p.e.";0{d}" p.e."'
    return f"+#,##0{d};-#,##0{d};0{d}"


def guess_format(values: Iterable[object]) -> str:
    """A format for a plain numeric column in a download: integers, or one or two decimals."""
    nums = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    nums = [v for v in nums if not math.isnan(v)]
    if all(v == round(v) for v in nums):
        return INTEGER
    if all(abs(v * 10 - round(v * 10)) < 1e-9 for v in nums):
        return "#,##0.0"
    return "#,##0.00"
