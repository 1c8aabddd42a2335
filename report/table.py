"""``table_to_xlsx``: one DataFrame as a formatted one-sheet workbook (the app's data downloads)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from report import cells, formats

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_title(title: str | None) -> str:
    """A valid sheet name from ``title`` (at most 31 characters, none of ``[]:*?/\\``)."""
    name = _SHEET_BAD.sub(" ", cells.clean_text(title or "Data")).strip().strip("'") or "Data"
    return name[:31]


def _column_format(series: pd.Series) -> str | None:
    if pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_datetime64_any_dtype(series):
        s = series.dropna()
        has_time = len(s) and bool(((s - s.dt.normalize()) != pd.Timedelta(0)).any())
        return formats.DATETIME if has_time else formats.DATE
    if pd.api.types.is_numeric_dtype(series):
        return formats.guess_format(series.dropna().tolist())
    return None


def table_to_xlsx(
    df: pd.DataFrame,
    title: str | None = None,
    number_formats: dict[str, str] | None = None,
) -> bytes:
    """A one-sheet workbook of ``df``: styled header, frozen, autofilter, widths, formats, print set-up.

    ``title`` names the sheet and the document (a title row is not added, so the sheet stays a plain
    table for pivots).  ``number_formats`` maps column name -> Excel format code (e.g. ``"0.0 %"``,
    see :mod:`report.formats`); other numeric columns get ``# ##0`` or up to two decimals
    from their values, dates a date format.  Text is always text, never a formula.
    """
    number_formats = dict(number_formats or {})
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(title)
    headers = [str(c) for c in df.columns]
    cells.header_row(ws, 1, headers)
    fmts = [number_formats.get(h) or _column_format(df[c]) for h, c in zip(headers, df.columns)]
    for r, values in enumerate(df.itertuples(index=False, name=None), start=2):
        for c, (v, fmt) in enumerate(zip(values, fmts), start=1):
            cells.put(ws, r, c, v, fmt=fmt)
    last_col = get_column_letter(max(1, len(headers)))
    last_row = max(1, len(df) + 1)
    if headers:
        ws.auto_filter.ref = f"A1:{last_col}{last_row}"
    cells.fit_widths(ws, range(1, len(headers) + 1), 1, last_row, minimum=8, maximum=60)
    ws.freeze_panes = "A2"
    cells.print_setup(ws, title_rows="1:1", footer=title or "")
    wb.properties.title = cells.clean_text(title or "Data")
    wb.properties.creator = "bibplan"
    wb.properties.created = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


__all__ = ["table_to_xlsx", "sheet_title"]
