"""Writing cells: safe text, number formats, header rows, column widths, print set-up.

Every sheet builder writes through :func:`put`, so the rules hold everywhere:

- text is always stored as a string, never as a formula: a comment or a cell value from an export
  that starts with ``=``, ``+``, ``-`` or ``@`` stays text (``data_type = "s"``);
- characters Excel cannot store (control characters from copy-paste) are dropped, nothing else;
- missing values (None, NaN, ``pd.NA``, ``NaT``) become empty cells;
- dates are real dates with a date format.
"""

from __future__ import annotations

import datetime as dt
import math
from copy import copy
from collections.abc import Iterable, Sequence
from numbers import Number

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from report import formats, styles

#: The most characters one Excel cell holds.
MAX_CELL_CHARS = 32_767


def clean_text(text: object) -> str:
    """``text`` as a string Excel can store: control characters removed, at most 32 767 chars."""
    s = ILLEGAL_CHARACTERS_RE.sub("", str(text))
    return s[:MAX_CELL_CHARS]


def is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        return bool(pd.isna(value)) if not isinstance(value, (str, bytes)) else False
    except (TypeError, ValueError):
        return False


def code(value: object, default: str = "") -> str:
    """A status or other code from a frame cell: ``default`` when missing or empty."""
    v = plain(value)
    return default if v is None or str(v) in ("", "nan", "None", "<NA>") else str(v)


def plain(value: object) -> object:
    """A pandas/numpy scalar as the plain Python value openpyxl writes."""
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.time() == dt.time(0) and value.tzinfo is None:
        return value.date()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, (bool, str, dt.date)):
        return value
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    if isinstance(value, Number):
        return value
    return str(value)


def put(
    ws: Worksheet,
    row: int,
    col: int,
    value: object,
    *,
    fmt: str | None = None,
    font: Font | None = styles.BODY,
    fill: PatternFill | None = None,
    align: Alignment | None = None,
    border: Border | None = None,
) -> Cell:
    """Write one value with its style; strings are always text, never formulas."""
    v = plain(value)
    cell = ws.cell(row=row, column=col)
    if isinstance(v, str):
        cell.value = clean_text(v)
        cell.data_type = "s"  # a leading = stays text
    else:
        cell.value = v
        if isinstance(v, dt.datetime):
            cell.number_format = formats.DATETIME
        elif isinstance(v, dt.date):
            cell.number_format = formats.DATE
    number_format = fmt if fmt is not None and v is not None and not isinstance(v, str) else None
    if number_format is None and isinstance(v, dt.date):
        number_format = cell.number_format
    _apply_style(cell, font, fill, align if align is not None else styles.MIDDLE, border, number_format)
    return cell


def _apply_style(
    cell: Cell,
    font: Font | None,
    fill: PatternFill | None,
    align: Alignment,
    border: Border | None,
    number_format: str | None,
) -> None:
    """Set a cell's style, reusing the workbook's style record for a combination seen before.

    openpyxl hashes every style object on each assignment; a report sets the same few combinations
    thousands of times, so the finished record is cached per workbook (keyed by the objects'
    identities, which the cache keeps alive so an identity is never reused).
    """
    wb = cell.parent.parent
    cache: dict[tuple, tuple] | None = getattr(wb, "_bibplan_styles", None)
    if cache is None:
        cache = {}
        wb._bibplan_styles = cache
    key = (id(font), id(fill), id(align), id(border), number_format)
    hit = cache.get(key)
    if hit is not None:
        cell._style = copy(hit[0])
        return
    if number_format is not None:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    cell.alignment = align
    if border is not None:
        cell.border = border
    cache[key] = (copy(cell._style), (font, fill, align, border))


def header_row(ws: Worksheet, row: int, headers: Sequence[str], first_col: int = 1) -> None:
    """A dark header row with white bold wrapped text."""
    for i, h in enumerate(headers):
        put(ws, row, first_col + i, h, font=styles.HEADER, fill=styles.HEADER_FILL, align=styles.HEADER_ALIGN)
    ws.row_dimensions[row].height = 30 if any(len(h) > 10 for h in headers) else 18


def set_widths(ws: Worksheet, widths: Sequence[float], first_col: int = 1) -> None:
    for i, w in enumerate(widths):
        ws.column_dimensions[get_column_letter(first_col + i)].width = w


def display_width(value: object) -> int:
    """Roughly how many characters ``value`` takes when shown."""
    v = plain(value)
    if v is None:
        return 0
    if isinstance(v, dt.date):
        return 10
    if isinstance(v, float):
        return len(f"{v:,.1f}") + 1
    if isinstance(v, int):
        return len(f"{v:,}") + 1
    return max((len(line) for line in str(v).splitlines()), default=0)


def fit_widths(
    ws: Worksheet,
    columns: Iterable[int],
    first_row: int,
    last_row: int | None = None,
    minimum: float = 8,
    maximum: float = 50,
) -> None:
    """Set each column's width from the longest value in rows ``first_row..last_row``."""
    last_row = last_row or ws.max_row
    for col in columns:
        longest = 0
        for (value,) in ws.iter_rows(min_row=first_row, max_row=last_row, min_col=col, max_col=col, values_only=True):
            longest = max(longest, display_width(value))
        ws.column_dimensions[get_column_letter(col)].width = max(minimum, min(maximum, longest + 2))


def text_height(text: str, width_chars: float, line_points: float = 13.0) -> float:
    """Row height (points) for wrapped ``text`` in a cell ``width_chars`` wide (Excel caps at 409)."""
    lines = 0
    per_line = max(10, int(width_chars * 1.05))
    for para in str(text).splitlines() or [""]:
        lines += max(1, math.ceil(len(para) / per_line))
    return min(409.0, max(15.0, lines * line_points + 4))


def print_setup(
    ws: Worksheet,
    *,
    title_rows: str | None = None,
    landscape: bool = True,
    footer: str = "",
    print_area: str | None = None,
) -> None:
    """A4, landscape, fit to one page wide, header rows repeated, page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = 0.7
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    if print_area:
        ws.print_area = print_area
    ws.oddFooter.left.text = clean_text(footer).replace("&", "&&")
    ws.oddFooter.left.size = 8
    ws.oddFooter.right.text = "Sida &P av &N"
    ws.oddFooter.right.size = 8
