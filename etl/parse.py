"""Value parsers: numbers written as text, dates in every form exports use, month headers.

Each parser works on the unique values of a column (exports repeat a few values many times) and
returns the parsed array plus a mask of cells that could not be parsed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from etl.vocabulary import norm, vocabulary

EXCEL_EPOCH = dt.date(1899, 12, 30)
#: Characters that count as a space in a number ("1 234"): space, no-break, narrow no-break, thin.
SPACES = " \u00a0\u202f\u2009"
#: Number conventions tried when a source declares none: (decimal, thousands).
CONVENTIONS: tuple[tuple[str, str], ...] = ((",", " "), (",", "."), (".", ","), (".", " "), (".", "'"))
_PLAIN = re.compile(r"^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_DIGITS = re.compile(r"^\d+$")
_EXP_FRAC = re.compile(r"^\d+([eE][-+]?\d+)?$")
_TEXT_MARKS = re.compile("[,\\s\u2212']")

#: Why a number cell could not be read (0 = read, or blank).
NUM_OK, NUM_TEXT, NUM_AMBIGUOUS, NUM_BOOL, NUM_NONFINITE = 0, 1, 2, 3, 4


def is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and v != v)


def _map_unique(values: Sequence[Any], fn: Callable[[Any], Any]) -> list[Any]:
    cache: dict[Any, Any] = {}
    out = []
    for v in values:
        key = (type(v), v)
        if key not in cache:
            cache[key] = fn(v)
        out.append(cache[key])
    return out


@dataclass(frozen=True)
class NumberStyle:
    """How a source writes numbers as text.  ``None`` = not declared: every common convention is
    tried, and a text that two of them read differently ("1,234", "1.234") is ambiguous."""

    decimal: str | None = None  # "," or "."
    thousands: str | None = None  # " " (any space kind), ".", ",", "'" or "" (none)

    @property
    def declared(self) -> bool:
        return self.decimal is not None or self.thousands is not None

    def conventions(self) -> tuple[tuple[str, str], ...]:
        if not self.declared:
            return CONVENTIONS
        return ((self.decimal or ",", " " if self.thousands is None else self.thousands),)


def _read_as(text: str, decimal: str, thousands: str) -> float | None:
    """``text`` (unsigned, spaces folded to " ") read with one convention; None if it does not fit.
    Thousands groups must be whole: 1-3 digits, then groups of exactly three."""
    whole, sep, frac = text.partition(decimal)
    if sep and not (_EXP_FRAC if decimal == "." else _DIGITS).match(frac):
        return None
    if thousands and thousands in whole:
        groups = whole.split(thousands)
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
                and all(_DIGITS.match(g) for g in groups)):
            return None
        whole = "".join(groups)
    plain = whole + ("." + frac if sep else "")
    if not _PLAIN.match(plain):
        return None
    try:
        return float(plain)
    except (ValueError, OverflowError):
        return None


def number_readings(text: str, style: NumberStyle = NumberStyle()) -> list[float]:
    """The distinct values ``text`` can be read as under ``style`` (empty: not a number)."""
    raw = text.strip().replace("\u2212", "-")
    sign = -1.0 if raw[:1] == "-" else 1.0
    body = raw[1:].strip() if raw[:1] in "+-" else raw
    for ch in SPACES[1:]:
        body = body.replace(ch, " ")
    if not body or body != body.strip():
        return []
    found: list[float] = []
    for decimal, thousands in style.conventions():
        if " " in body and thousands != " ":
            continue
        value = _read_as(body, decimal, thousands)
        if value is not None and value * sign not in found:
            found.append(value * sign)
    return found


def parse_number(v: Any, style: NumberStyle = NumberStyle()) -> tuple[float, int, bool, tuple[float, ...]]:
    """-> (value, reason, was_text, readings).  ``reason`` is one of the ``NUM_*`` codes; blank is
    NaN and ``NUM_OK``; "1 234", "4,2", "−5" are numbers; "1,234" is ambiguous (``readings`` holds
    both values) unless the style declares the convention; booleans and inf are never numbers."""
    if isinstance(v, (bool, np.bool_)):
        return np.nan, NUM_BOOL, False, ()
    if isinstance(v, (int, float, np.integer, np.floating)):
        try:
            x = float(v)
        except OverflowError:
            return np.nan, NUM_NONFINITE, False, ()
        if x != x:
            return np.nan, NUM_OK, False, ()
        return (x, NUM_OK, False, ()) if np.isfinite(x) else (np.nan, NUM_NONFINITE, False, ())
    if is_blank(v):
        return np.nan, NUM_OK, False, ()
    if not isinstance(v, str):
        return np.nan, NUM_TEXT, False, ()
    found = number_readings(v, style)
    if not found:
        return np.nan, NUM_TEXT, False, ()
    if len(found) > 1:
        return np.nan, NUM_AMBIGUOUS, False, tuple(found)
    if not np.isfinite(found[0]):
        return np.nan, NUM_NONFINITE, False, ()
    return found[0], NUM_OK, bool(_TEXT_MARKS.search(v.strip())), ()


@dataclass
class NumberColumn:
    """A column read as numbers: ``values`` (NaN where blank or unreadable), ``reason`` per cell
    (``NUM_*``), ``text`` (written as text), ``readings`` (index -> both values, when ambiguous)."""

    values: np.ndarray
    reason: np.ndarray
    text: np.ndarray
    readings: dict[int, tuple[float, ...]]

    @property
    def bad(self) -> np.ndarray:
        return self.reason != NUM_OK


def read_numbers(values: Sequence[Any], style: NumberStyle = NumberStyle()) -> NumberColumn:
    arr = np.asarray(values, dtype=object)
    n = len(arr)
    out = np.full(n, np.nan)
    reason = np.zeros(n, dtype=np.int8)
    text = np.zeros(n, dtype=bool)
    readings: dict[int, tuple[float, ...]] = {}
    is_num = np.fromiter((type(v) in (float, int) for v in arr), bool, n)
    if is_num.any():
        try:
            out[is_num] = arr[is_num].astype(np.float64)
        except OverflowError:  # an int beyond float range: per cell below
            is_num[:] = False
        inf = is_num & np.isinf(out)
        reason[inf] = NUM_NONFINITE
        out[inf] = np.nan
    rest = np.flatnonzero(~is_num)
    if len(rest):
        parsed = _map_unique(arr[rest].tolist(), lambda v: parse_number(v, style))
        for i, (val, why, was_text, both) in zip(rest, parsed):
            out[i], reason[i], text[i] = val, why, was_text
            if both:
                readings[int(i)] = both
    return NumberColumn(out, reason, text, readings)


def numbers(values: Sequence[Any], style: NumberStyle = NumberStyle()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """-> (float64 values, bad mask, was-text mask); see :func:`read_numbers` for why a cell is bad."""
    col = read_numbers(values, style)
    return col.values, col.bad, col.text


def format_number_sv(x: float) -> str:
    """``1234.5`` -> ``1 234,5`` (Swedish digit grouping and decimal comma)."""
    if float(x).is_integer():
        return f"{int(x):,}".replace(",", " ")
    whole, _, frac = f"{x:,.10f}".rstrip("0").partition(".")
    return whole.replace(",", " ") + "," + frac


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?)?$")
_DMY = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")


class AmbiguousDate(NamedTuple):
    """A date whose day and month can be swapped: both readings."""

    day_first: dt.datetime
    month_first: dt.datetime


def serial_to_datetime(x: float) -> dt.datetime:
    return dt.datetime.combine(EXCEL_EPOCH, dt.time()) + dt.timedelta(days=float(x))


def _with_time(d: dt.datetime, time_part: str) -> dt.datetime | None:
    if not time_part:
        return d
    tm = _TIME.match(time_part.strip())
    if not tm or int(tm[1]) > 23 or int(tm[2]) > 59 or int(tm[3] or 0) > 59:
        return None
    return d.replace(hour=int(tm[1]), minute=int(tm[2]), second=int(tm[3] or 0))


def _date(y: int, m: int, d: int) -> dt.datetime | None:
    try:
        return dt.datetime(y, m, d)
    except ValueError:
        return None


def parse_datetime(v: Any, date_format: str | None = None) -> dt.datetime | AmbiguousDate | None:
    """Date or datetime from a cell: date objects, Excel serials, ISO dates, the source's declared
    ``date_format`` and slash/dot/dash dates whose order is certain (a day above 12).  A date that
    reads two ways (``11/02/2026``) is an :class:`AmbiguousDate`; anything else (trailing
    characters, impossible dates) is None."""
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return serial_to_datetime(v) if 1 <= v < 2958466 else None
    if is_blank(v) or not isinstance(v, str):
        return None
    text = v.strip()
    if date_format:
        date_part, _, time_part = text.partition(" ")
        for part, rest in ((text, ""), (date_part, time_part)):
            try:
                d = dt.datetime.strptime(part, date_format)
            except ValueError:
                continue
            return _with_time(d, rest)
    if m := _ISO.match(text):
        y, mo, d, hh, mm, ss = (int(g) if g else 0 for g in m.groups())
        try:
            return dt.datetime(y, mo, d, hh, mm, ss)
        except ValueError:
            return None
    if re.fullmatch(r"\d{8}", text):
        return _date(int(text[:4]), int(text[4:6]), int(text[6:]))
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return serial_to_datetime(float(text))
    if date_format:
        return None
    date_part, _, time_part = text.partition(" ")
    m = _DMY.match(date_part)
    if not m:
        return None
    a, b, year = int(m[1]), int(m[3]), int(m[4])
    year += 2000 if len(m[4]) == 2 else 0
    day_first, month_first = _date(year, b, a), _date(year, a, b)
    if day_first is not None and month_first is not None and a != b:
        both = (_with_time(day_first, time_part), _with_time(month_first, time_part))
        return AmbiguousDate(*both) if both[0] is not None and both[1] is not None else None
    found = day_first or month_first
    return None if found is None else _with_time(found, time_part)


@dataclass
class DateColumn:
    """A column read as dates: ``values`` (datetime64[s], NaT where blank or unreadable), ``bad``
    (not blank, not a date) and ``ambiguous`` (index -> both readings)."""

    values: np.ndarray
    bad: np.ndarray
    ambiguous: dict[int, AmbiguousDate]


def read_dates(values: Sequence[Any], date_format: str | None = None) -> DateColumn:
    parsed = _map_unique(values, lambda v: parse_datetime(v, date_format))
    out = np.array([p if isinstance(p, dt.datetime) else np.datetime64("NaT") for p in parsed], dtype="datetime64[s]")
    bad = np.array([not isinstance(p, dt.datetime) and not is_blank(v) for p, v in zip(parsed, values)], dtype=bool)
    ambiguous = {i: p for i, p in enumerate(parsed) if isinstance(p, AmbiguousDate)}
    return DateColumn(out, bad, ambiguous)


def datetimes(values: Sequence[Any], date_format: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """-> (datetime64[s] values, bad mask).  Blank cells are NaT and not bad; ambiguous ones are bad."""
    col = read_dates(values, date_format)
    return col.values, col.bad


def ambiguous_date_message(cell: str, both: AmbiguousDate) -> str:
    """Swedish: the two readings of ``cell`` and the key that decides."""
    a, b = both
    sep = next((c for c in "/.-" if c in cell), "/")
    fmt_d, fmt_m = f"%d{sep}%m{sep}%Y", f"%m{sep}%d{sep}%Y"
    return (f"Datumet {cell.strip()} kan läsas på två sätt: {a:%Y-%m-%d} (dag först) eller {b:%Y-%m-%d} "
            f"(månad först). Ange datumformatet för källan i sources.yaml, t.ex. date_format: \"{fmt_d}\" "
            f"eller date_format: \"{fmt_m}\", eller exportera datum som ÅÅÅÅ-MM-DD.")


def ambiguous_number_message(cell: str, readings: tuple[float, ...]) -> str:
    """Swedish: the readings of ``cell`` and the keys that decide."""
    shown = " eller ".join(format_number_sv(x) for x in readings)
    return (f"Talet {cell.strip()} kan läsas på flera sätt ({shown}): är , eller . decimaltecken eller "
            "tusentalsavgränsare? Ange decimal: \",\" eller decimal: \".\" och thousands för källan i "
            "sources.yaml.")


_MONTH_HEADER = re.compile(r"^([a-z]+)\.?(?:[\s\-_/']*(\d{2}|\d{4}))?$")
_YEAR_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?(?:[ t].*)?$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{4})$")


def parse_month(v: Any) -> tuple[int | None, int] | None:
    """A month header or cell -> (year or None, month): "jan", "Januari", "Jan-24", "2024-01",
    "JANUARY", "jan 2024", "01/2024", dates and Excel date serials."""
    if isinstance(v, (dt.date, dt.datetime)):
        return v.year, v.month
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if 1 <= v <= 12 and float(v).is_integer():
            return None, int(v)
        if 20000 <= v < 80000:
            d = serial_to_datetime(v)
            return d.year, d.month
        if 190001 <= v <= 210012 and 1 <= int(v) % 100 <= 12:
            return int(v) // 100, int(v) % 100
        return None
    text = norm(v)
    if not text:
        return None
    if re.fullmatch(r"\d+(\.0)?", text):
        return parse_month(float(text))
    if m := _YEAR_MONTH.match(text):
        return (int(m[1]), int(m[2])) if 1 <= int(m[2]) <= 12 else None
    if m := _MONTH_YEAR.match(text):
        return (int(m[2]), int(m[1])) if 1 <= int(m[1]) <= 12 else None
    if m := _MONTH_HEADER.match(text):
        month = vocabulary().months.get(m[1])
        if month is None:
            return None
        year = m[2]
        if year is None:
            return None, month
        return (int(year) + 2000 if len(year) == 2 else int(year)), month
    return None


def parse_time(v: Any) -> float | None:
    """A clock time cell ("08:30", "8.30", 0.354 as Excel fraction, time object) -> hours."""
    if isinstance(v, dt.time):
        return v.hour + v.minute / 60 + v.second / 3600
    if isinstance(v, dt.datetime):
        return v.hour + v.minute / 60
    if isinstance(v, dt.timedelta):
        return v.total_seconds() / 3600
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v) * 24 if 0 <= v < 1 else (float(v) if 0 <= v <= 24 else None)
    if is_blank(v):
        return None
    m = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?(?::\d{2})?", str(v).strip())
    if not m or int(m[1]) > 24 or int(m[2] or 0) > 59:
        return None
    return int(m[1]) + int(m[2] or 0) / 60


def hhmm(hours: float) -> str:
    minutes = int(round(hours * 60))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
