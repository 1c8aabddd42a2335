"""Problems with input, as records.

Every problem the ETL finds becomes one :class:`Problem`: severity, file, sheet, Excel row as the
user sees it, column, value and a Swedish message saying what is wrong and what to do.  The CLI,
the app and the Excel report all show these records the same way (see :func:`to_frame` and
:data:`PROBLEM_COLUMNS_SV`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import pandas as pd

Severity = Literal["fel", "varning"]

#: Column headers used wherever problems are shown (CLI table, app grid, report sheet).
PROBLEM_COLUMNS_SV: dict[str, str] = {
    "severity": "Allvarlighet",
    "file": "Fil",
    "sheet": "Blad",
    "row": "Rad",
    "column": "Kolumn",
    "value": "Värde",
    "message": "Meddelande",
}


@dataclass(frozen=True)
class Problem:
    """One problem with input.  ``row`` is the Excel row number (1-based, as the user sees it)."""

    severity: Severity
    code: str  # stable machine code, e.g. "missing_column", "unknown_unit"
    message: str  # Swedish: what is wrong and how to fix it
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""
    #: The unit the problem concerns ("" = the file as a whole, or not known); not shown, used to
    #: count warnings per unit (``Store.status``).
    unit_id: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == "fel"

    def location(self) -> str:
        """``fil.xlsx, blad Utlån, rad 12, kolumn Antal`` -- the parts that are known."""
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"blad {self.sheet}")
        if self.row is not None:
            parts.append(f"rad {self.row}")
        if self.column:
            parts.append(f"kolumn {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        loc = self.location()
        val = f" (värde: {self.value!r})" if self.value != "" else ""
        return f"{self.severity.upper()}: {loc}{': ' if loc else ''}{self.message}{val}"


def to_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a DataFrame with the canonical columns (English names; see PROBLEM_COLUMNS_SV)."""
    cols = ["severity", "code", "file", "sheet", "row", "column", "value", "message"]
    if not problems:
        return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "row" else "str") for c in cols})
    df = pd.DataFrame([asdict(p) for p in problems])[cols]
    df["row"] = df["row"].astype("Int64")
    return df


def has_errors(problems: list[Problem]) -> bool:
    return any(p.is_error for p in problems)
