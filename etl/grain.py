"""Time grain: the calendar period a stored value covers (day, month, quarter or year).

Grain is data: every loans and visits row keeps its period start (``month`` / ``date``), its
``period_end`` (inclusive) and its ``grain``.  A file of monthly totals is stored as months, a
yearly file as years; nothing is split or spread.  This module parses the period cells real exports
have (``2023-04``, ``2023Q2``, ``2023``, ``apr 2023``, ``april 2023``, ``Jul-13``, dates) and month
names in any language through babel's locale data (Swedish and English always), and says what
"data t.o.m." is (:func:`data_until`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd

from etl.parse import is_blank, parse_datetime, serial_to_datetime
from etl.vocabulary import norm, vocabulary

Grain = Literal["day", "month", "quarter", "year"]
GRAINS: tuple[str, ...] = ("day", "month", "quarter", "year")
#: Months a period of the grain spans (a day: part of one month).
GRAIN_MONTHS: dict[str, int] = {"day": 1, "month": 1, "quarter": 3, "year": 12}
#: "årsdata", "kvartalsdata" ...: how a message names data of the grain.
GRAIN_DATA_SV: dict[str, str] = {"day": "dagsdata", "month": "månadsdata", "quarter": "kvartalsdata", "year": "årsdata"}
GRAIN_NOUN_SV: dict[str, str] = {"day": "dag", "month": "månad", "quarter": "kvartal", "year": "år"}


@lru_cache(maxsize=32)
def month_names(locale: str | None = None) -> dict[str, int]:
    """Normalised month name -> month: the vocabulary's Swedish and English names, plus the full and
    abbreviated names (format and stand-alone forms) of ``locale`` from babel's CLDR data."""
    names = dict(vocabulary().months)
    if locale:
        from babel import Locale

        loc = Locale.parse(locale.replace("-", "_"))
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for month, name in loc.months[context][width].items():
                    key = norm(name).rstrip(".")
                    if key:
                        names.setdefault(key, int(month))
    return names


_YEAR = re.compile(r"^(\d{4})(?:\.0)?$")
_QUARTER = re.compile(r"^(\d{4})\s*[-/ ]?\s*(?:q|kv|k|kvartal)\s*([1-4])$")
_QUARTER_FIRST = re.compile(r"^(?:q|kv|k|kvartal)\s*([1-4])\s*[-/ ]?\s*(\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_NAME_YEAR = re.compile(r"^([a-z]+)\.?(?:[\s\-_/']*(\d{2}|\d{4}))?$")
_YEAR_NAME = re.compile(r"^(\d{4})[\s\-_/]*([a-z]+)\.?$")


def _start(year: int, month: int, day: int = 1) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def parse_period(v: Any, *, names: Mapping[str, int] | None = None, year: int | None = None,
                 date_format: str | None = None) -> tuple[dt.date, str] | None:
    """A period cell -> (first day, grain), or None when it cannot be read.

    ``2023`` -> year; ``2023Q2``, ``Q2 2023``, ``2023 kv2`` -> quarter; ``2023-04``, ``04/2023``,
    ``apr 2023``, ``april 2023``, ``Jul-13``, ``2023 april``, ``202304`` -> month; a date -> day.
    A month name without a year takes ``year`` (a year column or the file name).  A date that reads
    two ways (``11/02/2026`` without a ``date_format``) is not guessed: None."""
    if is_blank(v):
        return None
    names = names if names is not None else month_names()
    if isinstance(v, dt.datetime | dt.date):
        return dt.date(v.year, v.month, v.day), "day"
    if isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool):
        x = float(v)
        if not x.is_integer():
            return None
        n = int(x)
        if 1900 <= n <= 2200:
            return dt.date(n, 1, 1), "year"
        if 190001 <= n <= 220012 and 1 <= n % 100 <= 12:
            return dt.date(n // 100, n % 100, 1), "month"
        if 1 <= n <= 12 and year is not None:
            return dt.date(year, n, 1), "month"
        if 20000 <= n < 80000:
            d = serial_to_datetime(n)
            return d.date(), "day"
        return None
    text = norm(v)
    if m := _YEAR.match(text):
        return dt.date(int(m[1]), 1, 1), "year"
    if m := _QUARTER.match(text):
        return dt.date(int(m[1]), 3 * int(m[2]) - 2, 1), "quarter"
    if m := _QUARTER_FIRST.match(text):
        return dt.date(int(m[2]), 3 * int(m[1]) - 2, 1), "quarter"
    if m := _YEAR_MONTH.match(text):
        start = _start(int(m[1]), int(m[2]))
        return (start, "month") if start else None
    if m := _MONTH_YEAR.match(text):
        start = _start(int(m[2]), int(m[1]))
        return (start, "month") if start else None
    if m := _NAME_YEAR.match(text):
        month = names.get(m[1])
        y = _year(m[2]) if m[2] else year
        if month is not None and y is not None:
            return dt.date(y, month, 1), "month"
    if m := _YEAR_NAME.match(text):
        month = names.get(m[2])
        if month is not None:
            return dt.date(int(m[1]), month, 1), "month"
    if re.fullmatch(r"\d{6}", text):
        return parse_period(int(text), names=names, year=year)
    when = parse_datetime(v, date_format)
    if isinstance(when, dt.datetime):  # a date that reads two ways (AmbiguousDate) is not guessed
        return when.date(), "day"
    return None


def parse_month_header(v: Any, names: Mapping[str, int] | None = None) -> tuple[int | None, int] | None:
    """A month column header -> (year or None, month): ``jan``, ``Januari``, ``März`` (with the
    locale's names), ``Jan-24``, ``2024-01``, ``april 2023``, a date.  A year alone is not a month."""
    names = names if names is not None else month_names()
    parsed = parse_period(v, names=names)
    if parsed is not None and parsed[1] in ("month", "day"):
        return parsed[0].year, parsed[0].month
    if isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer() and 1 <= v <= 12:
        return None, int(v)
    text = norm(v)
    if re.fullmatch(r"\d{1,2}", text) and 1 <= int(text) <= 12:
        return None, int(text)
    if (m := _NAME_YEAR.match(text)) and not m[2] and m[1] in names:
        return None, names[m[1]]
    return None


def truncate(start: dt.date, grain: str) -> dt.date:
    """The first day of the period of ``grain`` that holds ``start``."""
    if grain == "year":
        return dt.date(start.year, 1, 1)
    if grain == "quarter":
        return dt.date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    if grain == "month":
        return dt.date(start.year, start.month, 1)
    return start


def period_end(start: Any, grain: Any) -> np.ndarray:
    """The last day (inclusive) of each period, as ``datetime64[s]`` (vectorised; NaT stays NaT)."""
    s = np.asarray(pd.Series(start).astype("datetime64[s]").to_numpy())
    g = np.asarray(pd.Series(grain, dtype=object).reindex(range(len(s))).to_numpy(dtype=object))
    months = s.astype("datetime64[M]")
    span = np.array([GRAIN_MONTHS.get(str(x), 1) for x in g], dtype="timedelta64[M]")
    month_end = ((months + span).astype("datetime64[D]") - np.timedelta64(1, "D")).astype("datetime64[s]")
    is_day = np.array([str(x) == "day" for x in g], dtype=bool)
    return np.where(is_day, s.astype("datetime64[D]").astype("datetime64[s]"), month_end)


#: Kinds whose last period end is "data t.o.m." (events are dated occasions: a month without any
#: is a real zero, not missing data).
DATA_UNTIL_KINDS: tuple[str, ...] = ("loans", "visits")


def data_until(period_ends: Mapping[str, Any] | Iterable[Any]) -> dt.date | None:
    """"Data t.o.m.": the last day covered by the loans and visits rows, given each kind's latest
    ``period_end`` (a mapping kind -> date, other kinds ignored).  The one rule used by ``bibplan
    status``, ``values``, the dashboard and the reports: a monthly file ending in October is data
    t.o.m. 31 October, a daily file ending 15 October is data t.o.m. 15 October."""
    if isinstance(period_ends, Mapping):
        values = [v for k, v in period_ends.items() if k in DATA_UNTIL_KINDS]
    else:
        values = list(period_ends)
    dates = [pd.Timestamp(v).date() for v in values if v is not None and not pd.isna(v)]
    return max(dates) if dates else None


def frame_period_end(kind: str, df: pd.DataFrame) -> pd.Series:
    """``period_end`` of a loans or visits frame; frames without it (built by hand, or read from an
    older store) get the grain the layout implied then: loans months, visits days."""
    if "period_end" in df and df["period_end"].notna().all():
        return df["period_end"].astype("datetime64[s]")
    start = df["month" if kind == "loans" else "date"]
    grain = frame_grain(kind, df)
    out = pd.Series(period_end(start.to_numpy(), grain.to_numpy()), index=df.index)
    if "period_end" in df:
        out = df["period_end"].astype("datetime64[s]").where(df["period_end"].notna(), out)
    return out


def frame_grain(kind: str, df: pd.DataFrame) -> pd.Series:
    """``grain`` of a loans or visits frame (default: loans month, visits day)."""
    default = "month" if kind == "loans" else "day"
    if "grain" not in df:
        return pd.Series(default, index=df.index, dtype=object)
    return df["grain"].astype(object).where(df["grain"].notna(), default)
