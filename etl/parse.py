"""Value parsers: numbers written as text, dates in every form exports use, month headers.

Each parser works on the unique values of a column (exports repeat a few values many times) and
returns the parsed array plus a mask of cells that could not be parsed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from etl.vocabulary import norm, vocabulary

EXCEL_EPOCH = dt.date(1899, 12, 30)
_NUM_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


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


def parse_number(v: Any) -> tuple[float, bool, bool]:
    """-> (value, bad, was_text).  Blank is NaN and not bad; "1 234", "4,2", "−5" are numbers."""
    if isinstance(v, bool):
        return float(v), False, False
    if isinstance(v, (int, float)):
        return float(v), False, False
    if is_blank(v):
        return np.nan, False, False
    if isinstance(v, (dt.date, dt.time, dt.timedelta)):
        return np.nan, True, False
    raw = str(v).strip()
    text = _NUM_SPACES.sub("", raw).replace("\u2212", "-")
    if "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    else:
        text = text.replace(",", ".")
    if _NUMBER.match(text):
        return float(text), False, text != raw
    return np.nan, True, False


def numbers(values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """-> (float64 values, bad mask, was-text mask)."""
    arr = np.asarray(values, dtype=object)
    n = len(arr)
    out = np.full(n, np.nan)
    bad = np.zeros(n, dtype=bool)
    text = np.zeros(n, dtype=bool)
    is_num = np.fromiter((type(v) in (float, int) for v in arr), bool, n)
    if is_num.any():
        out[is_num] = arr[is_num].astype(np.float64)
    rest = np.flatnonzero(~is_num)
    if len(rest):
        parsed = _map_unique(arr[rest].tolist(), parse_number)
        vals, bad_r, text_r = zip(*parsed)
        out[rest] = vals
        bad[rest] = bad_r
        text[rest] = text_r
    return out, bad, text


_DATE_FORMATS_DAYFIRST = ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y")
_DATE_FORMATS_MONTHFIRST = ("%m/%d/%Y", "%m/%d/%y")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def serial_to_datetime(x: float) -> dt.datetime:
    return dt.datetime.combine(EXCEL_EPOCH, dt.time()) + dt.timedelta(days=float(x))


def parse_datetime(v: Any, dayfirst: bool = True) -> dt.datetime | None:
    """Date or datetime from a cell: date objects, Excel serials, ISO, Swedish and US text forms."""
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return serial_to_datetime(v) if 1 <= v < 2958466 else None
    if is_blank(v):
        return None
    text = str(v).strip()
    if m := _ISO.match(text):
        y, mo, d, hh, mm, ss = (int(g) if g else 0 for g in m.groups())
        try:
            return dt.datetime(y, mo, d, hh, mm, ss)
        except ValueError:
            return None
    if re.fullmatch(r"\d{8}", text):
        try:
            return dt.datetime.strptime(text, "%Y%m%d")
        except ValueError:
            return None
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return serial_to_datetime(float(text))
    date_part, _, time_part = text.partition(" ")
    for fmt in _DATE_FORMATS_DAYFIRST if dayfirst else _DATE_FORMATS_MONTHFIRST:
        try:
            d = dt.datetime.strptime(date_part, fmt)
        except ValueError:
            continue
        if time_part and (tm := re.fullmatch(r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?", time_part.strip())):
            d = d.replace(hour=int(tm[1]), minute=int(tm[2]), second=int(tm[3] or 0))
        return d
    return None


def datetimes(values: Sequence[Any], dayfirst: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """-> (datetime64[s] values, bad mask).  Blank cells are NaT and not bad."""
    parsed = _map_unique(values, lambda v: parse_datetime(v, dayfirst))
    out = np.array([p if p is not None else np.datetime64("NaT") for p in parsed], dtype="datetime64[s]")
    bad = np.array([p is None and not is_blank(v) for p, v in zip(parsed, values)], dtype=bool)
    return out, bad


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
