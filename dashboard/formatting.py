"""Display formatting for the app: numbers, percentages, dates and months in Swedish or English.

Swedish is the default: ``1 234 567``, ``4,2``, ``85 %`` (babel's sv_SE locale, whose group
separator and the space before ``%`` are non-breaking spaces, so a number never wraps).  Missing
values (None, NaN, NA) are shown as an en dash.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

import pandas as pd
from babel.dates import format_date as _babel_date
from babel.dates import get_month_names
from babel.numbers import format_decimal as _babel_decimal

from goals.plan import PERCENT_UNITS

LOCALES: dict[str, str] = {"sv": "sv_SE", "en": "en_GB"}
MISSING = "–"
NBSP = "\u00a0"


def locale_of(lang: str) -> str:
    """The babel locale for a UI language code (``sv`` default, ``en``)."""
    return LOCALES.get(lang, LOCALES["sv"])


def is_missing(value: Any) -> bool:
    """True for None, NaN and pandas NA."""
    if value is None:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError):  # pd.NA raises on bool()
        return True


def _pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def fmt_number(value: Any, decimals: int = 0, lang: str = "sv") -> str:
    """``1234567.8`` -> ``1 234 568`` (sv, 0 decimals); ``4.25`` -> ``4,3`` (1 decimal).

    Halves round up, as in Excel and the report (babel would round them to even)."""
    if is_missing(value):
        return MISSING
    with decimal.localcontext() as ctx:
        ctx.rounding = decimal.ROUND_HALF_UP
        return _babel_decimal(float(value), format=_pattern(decimals), locale=locale_of(lang))


def fmt_signed(value: Any, decimals: int = 0, lang: str = "sv") -> str:
    """A change with an explicit sign: ``+1 234``, ``−4,2`` (true minus sign), ``±0``."""
    if is_missing(value):
        return MISSING
    text = fmt_number(abs(float(value)), decimals, lang)
    if float(value) > 0 and text.strip("0,. " + NBSP):
        return "+" + text
    if float(value) < 0 and text.strip("0,. " + NBSP):
        return "\u2212" + text
    return "±" + text


def fmt_percent(value: Any, decimals: int = 0, lang: str = "sv", signed: bool = False) -> str:
    """A percentage given in percent units: ``85`` -> ``85 %``; ``signed`` gives ``+3,1 %``."""
    if is_missing(value):
        return MISSING
    number = fmt_signed(value, decimals, lang) if signed else fmt_number(value, decimals, lang)
    return number + (NBSP + "%" if lang != "en" else "%")


def fmt_value(value: Any, decimals: int = 0, unit_label: str = "", lang: str = "sv") -> str:
    """An indicator value with its unit label: ``%`` is attached as a percentage, other labels
    (``per invånare``, ``st``) are left to the column header, so only the number is returned."""
    if is_percent(unit_label):
        return fmt_percent(value, decimals, lang)
    return fmt_number(value, decimals, lang)


def is_percent(unit_label: str | None) -> bool:
    """True for indicators in percent (the goals file's rule, ``goals.plan.PERCENT_UNITS``)."""
    return (unit_label or "").strip().lower() in PERCENT_UNITS


def fmt_date(value: dt.date | dt.datetime | str | None, lang: str = "sv", style: str = "iso") -> str:
    """``iso``: 2026-10-31 (the Swedish everyday form); ``long``: 31 oktober 2026."""
    if value is None or is_missing(value):
        return MISSING
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    if hasattr(value, "date") and not isinstance(value, dt.date):  # pandas Timestamp
        value = value.date()
    if style == "long":
        return _babel_date(value, "d MMMM y", locale=locale_of(lang))
    return value.isoformat()


def fmt_month(value: Any, lang: str = "sv") -> str:
    """A month the one way it is printed everywhere: ``nov 2026`` (``Nov 2026`` in English)."""
    if value is None or is_missing(value):
        return MISSING
    ts = pd.Timestamp(value)
    return f"{month_name(ts.month, lang)} {ts.year}"


def fmt_period(value: Any, kind: str, lang: str = "sv") -> str:
    """A stored period of ``kind``: a month as ``nov 2026``, a year (population, survey wave) as ``2026``."""
    if value is None or is_missing(value):
        return MISSING
    if kind in ("population", "survey"):
        return str(int(value))
    return fmt_month(value, lang)


def fmt_datetime(value: dt.datetime | None, lang: str = "sv") -> str:
    """``2026-11-25 14:03`` in local display (timestamps are shown as stored)."""
    if value is None or is_missing(value):
        return MISSING
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.strftime("%Y-%m-%d %H:%M")


def month_names(lang: str = "sv", width: str = "abbreviated") -> list[str]:
    """The twelve month names, January first (``jan``, ``feb``, … in Swedish)."""
    names = get_month_names(width, locale=locale_of(lang))
    return [str(names[i]).rstrip(".") for i in range(1, 13)]


def month_name(month: int, lang: str = "sv", width: str = "abbreviated") -> str:
    return month_names(lang, width)[month - 1]


def fmt_change(change: Any, change_pct: Any, change_kind: str = "pct", lang: str = "sv", long: bool = False) -> str:
    """The change on last year by the one rule everywhere: percentage indicators change in
    procentenheter (``+3 p.e.``; ``long``: ``+3,0 procentenheter``), others in percent (``+3,5 %``).

    ``change`` is the difference in the indicator's unit, ``change_pct`` the relative change;
    ``change_kind`` is ``goals.followup``'s column (``pp``, ``pts`` or ``pct``): means and NKI
    change in points of their own scale (``+1,5 enh.``), never in percent."""
    if change_kind == "pts":
        if is_missing(change):
            return MISSING
        text = fmt_signed(change, 1, lang)
        if long:
            return text + NBSP + ("enheter" if lang != "en" else "points")
        return text + NBSP + ("enh." if lang != "en" else "pts")
    if change_kind == "pp":
        if is_missing(change):
            return MISSING
        text = fmt_signed(change, 1, lang)
        if long:
            return text + NBSP + ("procentenheter" if lang != "en" else "percentage points")
        return text + NBSP + ("p.e." if lang != "en" else "pp")
    return fmt_percent(change_pct, 1, lang, signed=True)


def fmt_range(low: Any, high: Any, decimals: int = 0, unit_label: str = "", lang: str = "sv") -> str:
    """``343–422``, ``21–23 %`` (the unit once, after the range); empty when an end is missing."""
    if is_missing(low) or is_missing(high):
        return ""
    text = f"{fmt_number(low, decimals, lang)}–{fmt_number(high, decimals, lang)}"
    if is_percent(unit_label):
        text += NBSP + "%" if lang != "en" else "%"
    return text
