"""Follow-up periods: months, quarters, tertials (year to date) and the year.

Municipal tertials are cumulative: ``T1`` = januari–april, ``T2`` = januari–augusti (the
delårsrapport), ``helar`` (also ``ar``) = januari–december.  Quarters ``Q1``..``Q4`` and months
``M01``..``M12`` are single periods, not year to date.  ``YTD01``..``YTD12`` are januari up to
and including that month (used for cumulative monthly views).  Every period is compared with the same
period the previous year (:meth:`Period.previous`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Literal

PeriodKind = Literal["month", "quarter", "tertial", "year", "ytd"]

MONTHS_SV = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: The period codes in the order they are offered in pickers.
PERIOD_CODES: tuple[str, ...] = (
    ("T1", "T2", "helar") + tuple(f"Q{q}" for q in range(1, 5)) + tuple(f"M{m:02d}" for m in range(1, 13))
)


@dataclass(frozen=True)
class Period:
    """A follow-up period of one year: months ``first_month``..``last_month`` (inclusive)."""

    year: int
    code: str  # canonical code: "T1", "T2", "helar", "Q3", "M05"
    kind: PeriodKind
    first_month: int
    last_month: int

    @cached_property
    def start(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @cached_property
    def end(self) -> dt.date:
        """The last day of the period (inclusive)."""
        return dt.date(self.year, self.last_month, calendar.monthrange(self.year, self.last_month)[1])

    @property
    def months(self) -> tuple[int, ...]:
        return tuple(range(self.first_month, self.last_month + 1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def is_full_year(self) -> bool:
        return self.first_month == 1 and self.last_month == 12

    @property
    def year_to_date(self) -> bool:
        """True for periods that run from January (tertials, the year)."""
        return self.first_month == 1 and self.kind in ("tertial", "year", "ytd")

    @property
    def label_sv(self) -> str:
        span = f"{MONTHS_SV[self.first_month - 1]}–{MONTHS_SV[self.last_month - 1]}"
        if self.kind == "year":
            return f"Helår {self.year}"
        if self.kind == "month":
            return f"{MONTHS_SV[self.first_month - 1]} {self.year}"
        if self.kind == "ytd":
            return f"{span} {self.year}"
        return f"{self.code} {self.year} ({span})"

    @property
    def label_en(self) -> str:
        span = f"{MONTHS_EN[self.first_month - 1]}–{MONTHS_EN[self.last_month - 1]}"
        if self.kind == "year":
            return f"Full year {self.year}"
        if self.kind == "month":
            return f"{MONTHS_EN[self.first_month - 1]} {self.year}"
        if self.kind == "ytd":
            return f"{span} {self.year}"
        return f"{self.code} {self.year} ({span})"

    def previous(self) -> "Period":
        """The same period the previous year."""
        return self.with_year(self.year - 1)

    def with_year(self, year: int) -> "Period":
        return _period(year, self.code, self.kind, self.first_month, self.last_month)

    def full_year(self) -> "Period":
        return parse_period(self.year, "helar")

    def __str__(self) -> str:
        return f"{self.code} {self.year}"


@lru_cache(maxsize=4096)
def _period(year: int, code: str, kind: PeriodKind, first_month: int, last_month: int) -> Period:
    return Period(year, code, kind, first_month, last_month)


_TERTIALS = {"T1": 4, "T2": 8, "HELAR": 12, "AR": 12, "HELÅR": 12, "ÅR": 12}


@lru_cache(maxsize=4096)
def parse_period(year: int, period: str) -> Period:
    """``parse_period(2026, "T2")`` -> januari–augusti 2026.  Raises ValueError naming valid codes."""
    if not isinstance(year, int) or not 1900 <= year <= 2200:
        raise ValueError(f"ogiltigt år {year!r}; ange ett årtal som 2026")
    code = str(period).strip().upper()
    if code in _TERTIALS:
        last = _TERTIALS[code]
        if last == 12:
            return _period(year, "helar", "year", 1, 12)
        return _period(year, code, "tertial", 1, last)
    if m := re.fullmatch(r"Q([1-4])", code):
        q = int(m.group(1))
        return _period(year, code, "quarter", 3 * q - 2, 3 * q)
    if m := re.fullmatch(r"YTD(\d{1,2})", code):
        month = int(m.group(1))
        if month == 12:
            return _period(year, "helar", "year", 1, 12)
        if 1 <= month <= 11:
            return _period(year, f"YTD{month:02d}", "ytd", 1, month)
    if m := re.fullmatch(r"M(\d{1,2})", code):
        month = int(m.group(1))
        if 1 <= month <= 12:
            return _period(year, f"M{month:02d}", "month", month, month)
    raise ValueError(
        f"okänd period {period!r}; använd T1, T2, helar (eller ar), Q1–Q4, M01–M12 eller YTD01–YTD12"
    )


def month_index(year: int, month: int) -> int:
    """Months since year 0: a plain integer month axis (``month_index(2026, 1) - 1`` is Dec 2025)."""
    return year * 12 + month - 1
