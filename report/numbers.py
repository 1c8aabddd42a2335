"""Swedish number text for the few places a number must be text (ranges such as ``1,2–1,4``)."""

from __future__ import annotations

import decimal
import math

from report import formats

NBSP = "\u00a0"


def sv_number(value: float | None, decimals: int = 0) -> str:
    """``1234567.8`` -> ``1 234 567,8`` (non-breaking space as thousands separator).  Halves round
    up, as Excel shows the report's number cells and as the app and the CLI write numbers."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    d = max(0, decimals)
    rounded = decimal.Decimal(repr(float(value))).quantize(decimal.Decimal(1).scaleb(-d), rounding=decimal.ROUND_HALF_UP)
    text = f"{rounded:,.{d}f}"
    return text.replace(",", NBSP).replace(".", ",").replace("-", "−")


def sv_value(value: float | None, decimals: int, unit_label: str | None = None) -> str:
    """An indicator value as text, ``85 %`` for percent indicators (goals/ values 0–100)."""
    text = sv_number(value, decimals)
    if text and formats.is_percent(unit_label):
        text += f"{NBSP}%"
    return text


def sv_range(low: float | None, high: float | None, decimals: int, unit_label: str | None = None) -> str:
    """``1,2–1,4`` or empty when either end is missing."""
    lo, hi = sv_value(low, decimals, unit_label), sv_value(high, decimals, unit_label)
    if not lo or not hi:
        return ""
    if formats.is_percent(unit_label):
        lo = lo.removesuffix(f"{NBSP}%")
    return f"{lo}–{hi}"
