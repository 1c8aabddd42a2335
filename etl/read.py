"""Read step: a spreadsheet or CSV export into a :class:`RawSheet` (header parts, column values and
the Excel row number of every data row).  No interpretation of values happens here.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from python_calamine import CalamineWorkbook

from etl.config import Source
from etl.problems import Problem
from etl.upload_safety import bom_encoding, check_path

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}


class InputError(Exception):
    """The file cannot be read at all; carries the problem record."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


@dataclass
class RawSheet:
    """One sheet as read: ``columns[i]`` holds the data values under header ``names[i]``."""

    file: str  # file name as shown in problems
    sheet: str  # sheet name ("" for CSV)
    header_parts: list[tuple[str, ...]]  # per column, the header cells top to bottom (carried forward)
    names: list[str]  # per column, the header as the user reads it (lowest non-empty part)
    columns: list[np.ndarray]  # one object array of cell values per column
    rows: np.ndarray  # Excel row number (1-based, as the user sees it) of every data row
    header_row: int  # Excel row number of the (last) header row
    problems: list[Problem] = field(default_factory=list)  # found while reading (e.g. encoding)

    def __len__(self) -> int:
        return len(self.rows)


#: Largest export a transaction source may be (a workbook may unpack to 8 times that, at the
#: usual compression ratio); other files share the upload limits.
TRANSACTIONS_MAX_BYTES = 2 * 1024 ** 3


def gate(path: Path, source: Source | None = None) -> tuple[str, list[Problem]]:
    """The safety gate every file passes before it is read, on the command line as in an upload
    (:func:`etl.upload_safety.check_path`: size, type by content, zip bomb, XML entities, encrypted
    or corrupt).  -> (kind by content, warnings); raises :class:`InputError` when refused."""
    if source is not None and source.layout == "transactions":  # a year of loans, one row each
        kind, problems = check_path(path, max_bytes=TRANSACTIONS_MAX_BYTES, max_uncompressed=8 * TRANSACTIONS_MAX_BYTES)
    else:
        kind, problems = check_path(path)
    if kind is None:
        raise InputError(next(p for p in problems if p.is_error))
    return kind, problems


def read_sheet(path: Path, source: Source, kind: str | None = None) -> RawSheet:
    """Read ``path`` as described by ``source`` (sheet, skip_rows, header_rows, encoding, delimiter),
    as the type its content has (``kind``; default: found by :func:`gate`), whatever its name."""
    warnings: list[Problem] = []
    if kind is None:
        kind, warnings = gate(path, source)
    if kind == "csv":
        grid, problems = _read_csv_rows(path, source)
        raw = _split(path.name, "", 0, grid, source)
        raw.problems += warnings + problems
        return raw
    sheet, top, grid = _read_spreadsheet(path, source)
    raw = _split(path.name, sheet, top, grid, source)
    raw.problems += warnings
    return raw


def _read_spreadsheet(path: Path, source: Source) -> tuple[str, int, list[list[Any]]]:
    try:
        with path.open("rb") as fh:  # by content: an .xls saved under another name is still read
            wb = CalamineWorkbook.from_filelike(io.BytesIO(fh.read()))
    except Exception as exc:  # calamine raises its own error types for broken files
        raise InputError(Problem("fel", "unreadable", f"Filen kan inte läsas som kalkylblad ({exc}); "
                                 "öppna den i Excel och spara om den som .xlsx.", file=path.name)) from None
    names = wb.sheet_names
    want = source.sheet
    if want is None:
        name = names[0]
    elif isinstance(want, int):
        if want >= len(names):
            raise InputError(Problem("fel", "missing_sheet", f"Filen har bara {len(names)} blad; "
                                     f"sheet: {want} finns inte. Blad: {', '.join(names)}.", file=path.name))
        name = names[want]
    else:
        match = [n for n in names if n.strip().casefold() == want.strip().casefold()]
        if not match:
            raise InputError(Problem("fel", "missing_sheet", f"Bladet {want!r} finns inte. Filen har "
                                     f"bladen: {', '.join(names)}. Rätta sheet i sources.yaml.",
                                     file=path.name, sheet=want))
        name = match[0]
    try:
        ws = wb.get_sheet_by_name(name)
        grid = ws.to_python(skip_empty_area=True)
    except Exception as exc:  # a damaged sheet inside a readable workbook
        raise InputError(Problem("fel", "unreadable", f"Bladet {name!r} kan inte läsas ({exc}); öppna filen i "
                                 "Excel och spara om den som .xlsx.", file=path.name, sheet=name)) from None
    return name, ws.start[0] if grid else 0, grid


def detect_encoding(data: bytes, declared: str | None = None) -> str:
    """The encoding a byte-order mark declares (UTF-8, UTF-16, UTF-32: Excel's "Unicode text"), else
    UTF-8 when the bytes decode as UTF-8, else Windows-1252."""
    if declared:
        return declared
    if bom := bom_encoding(data):
        return bom
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def sniff_delimiter(sample: str, declared: str | None = None) -> str:
    if declared:
        return declared
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=";,\t|").delimiter
    except csv.Error:
        counts = {d: sum(ln.count(d) for ln in lines) for d in ";,\t|"}
        return max(counts, key=counts.__getitem__)


#: UTF-8 read as Windows-1252 and saved again ("SÃ¤vja" for "Sävja").
_MOJIBAKE = re.compile("Ã[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2122]")


def repair_mojibake(text: str) -> tuple[str, int]:
    """Undo double-encoded UTF-8 ("SÃ¤vja" -> "Sävja") line by line; -> (text, lines repaired)."""
    if not _MOJIBAKE.search(text):
        return text, 0
    lines, fixed = text.split("\n"), 0
    for i, line in enumerate(lines):
        if _MOJIBAKE.search(line):
            try:
                lines[i] = line.encode("cp1252").decode("utf-8")
                fixed += 1
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
    return "\n".join(lines), fixed


def _read_csv_rows(path: Path, source: Source) -> tuple[list[list[Any]], list[Problem]]:
    data = path.read_bytes()
    text = data.decode(detect_encoding(data, source.encoding), errors="replace")
    problems = []
    text, fixed = repair_mojibake(text)
    if fixed:
        problems.append(Problem("varning", "encoding", f"{fixed} rader hade felaktig teckenkodning (t.ex. "
                                "\"SÃ¤vja\" i stället för \"Sävja\") och rättades. Exportera filen som UTF-8 "
                                "eller ange encoding i sources.yaml.", file=path.name))
    delimiter = sniff_delimiter(text[:20000], source.delimiter)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    grid: list[list[Any]] = []
    # Keep one entry per physical line so that index + 1 is the row number the user sees.
    for row in reader:
        while len(grid) < reader.line_num - 1:
            grid.append([])
        grid.append(row)
    return grid, problems


def _carry_forward(cells: list[str]) -> list[str]:
    out, last = [], ""
    for c in cells:
        last = c if c else last
        out.append(last)
    return out


def _split(file: str, sheet: str, top: int, grid: list[list[Any]], source: Source) -> RawSheet:
    lengths = list(map(len, grid))
    width = max(lengths, default=0)
    first = source.skip_rows
    head = [list(r) + [""] * (width - len(r)) for r in grid[first:first + source.header_rows]]
    if not head:
        raise InputError(Problem("fel", "empty_file", "Filen är tom (ingen rubrikrad hittades). "
                                 "Kontrollera skip_rows i sources.yaml.", file=file, sheet=sheet))
    parts_by_row = [[_cell_text(c) for c in r] for r in head]
    # Upper header rows are often merged cells (År over Månad): carry them to the right.
    parts_by_row = [_carry_forward(r) for r in parts_by_row[:-1]] + [parts_by_row[-1]]
    header_parts = [tuple(r[i] for r in parts_by_row) for i in range(width)]
    names = [next((p for p in reversed(parts) if p), "") for parts in header_parts]
    start = first + source.header_rows
    end = len(grid)
    if source.n_rows is not None:  # a table with notes under it: stop reading at its last row
        end = min(end, start + source.n_rows)
    if source.last_row is not None:
        end = min(end, source.last_row - top)
    body = grid[start:max(end, start)]
    lengths = lengths[:max(end, start)]
    if body and min(lengths[start:]) != width:
        body = [r if len(r) == width else list(r) + [""] * (width - len(r)) for r in body]
    # One 2-D object array (built in C, far faster than zip(*rows)); columns are views of it.
    cells = np.empty((len(body), width), dtype=object)
    if body and width:
        cells[:] = body
    columns = [cells[:, i] for i in range(width)]
    # Blank rows are dropped but keep their number: row numbers stay those the user sees.
    blank = np.ones(len(body), dtype=bool)
    for c in columns:
        blank &= c == ""  # readers give "" for empty cells
    rows = np.arange(len(body), dtype=np.int64) + (top + first + source.header_rows + 1)
    if blank.any():
        keep = ~blank
        rows = rows[keep]
        columns = [c[keep] for c in columns]
    if not len(rows):
        last = top + first + source.header_rows
        raise InputError(Problem("fel", "empty_file", f"Filen har rubrikrader men inga data (rad {last} är den sista "
                                 "med innehåll). Kontrollera att exporten kom med alla rader, eller skip_rows och "
                                 "header_rows i sources.yaml.", file=file, sheet=sheet, row=last))
    return RawSheet(file, sheet, header_parts, names, columns, rows, top + first + source.header_rows)


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() if value is not None else ""
