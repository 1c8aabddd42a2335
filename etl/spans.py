"""Dates and months as short Swedish text for messages: ``sep–dec 2022``, ``2024-03-11 t.o.m.
2024-03-22``, runs of consecutive periods joined with ``och``."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from babel.dates import get_month_names

#: ``jan``, ``feb``, ``mars`` … ``dec``: babel's abbreviated Swedish names without the period, the
#: one way a month is printed everywhere (``nov 2026``; dashboard.formatting.fmt_month alike).
MONTHS_SHORT_SV = tuple(str(get_month_names("abbreviated", locale="sv_SE")[i]).rstrip(".") for i in range(1, 13))


def _joined(parts: list[str], limit: int) -> str:
    shown = parts[:limit]
    if len(parts) > limit:
        return ", ".join(shown) + f" och {len(parts) - limit} till"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " och " + shown[-1]


def _runs(values: list[int]) -> list[tuple[int, int]]:
    """Sorted distinct integers as (first, last) runs of consecutive values."""
    runs: list[tuple[int, int]] = []
    for v in values:
        if runs and v == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], v)
        else:
            runs.append((v, v))
    return runs


def month_runs(days: Iterable[np.datetime64], limit: int = 4) -> str:
    """The months of ``days`` as runs: ``sep–dec 2022``, ``dec 2022–feb 2023``, ``jan och mar 2024``
    (runs of one year share the year; at most ``limit`` runs, then ``och N till``)."""
    months = sorted({int(np.datetime64(d, "M").astype(int)) for d in days if not np.isnat(np.datetime64(d))})
    if not months:
        return ""
    parts: list[str] = []
    runs = _runs(months)
    years = {m // 12 for m in months}
    one_year = len(years) == 1
    for first, last in runs:
        a = MONTHS_SHORT_SV[first % 12]
        b = MONTHS_SHORT_SV[last % 12]
        if first == last:
            parts.append(a if one_year else f"{a} {1970 + first // 12}")
        elif first // 12 == last // 12:
            parts.append(f"{a}–{b}" if one_year else f"{a}–{b} {1970 + first // 12}")
        else:
            parts.append(f"{a} {1970 + first // 12}–{b} {1970 + last // 12}")
    text = _joined(parts, limit)
    return f"{text} {1970 + next(iter(years))}" if one_year else text


def day_runs(days: Iterable[np.datetime64], limit: int = 4) -> str:
    """The dates of ``days`` as runs: ``2024-03-11``, ``2024-03-11 t.o.m. 2024-03-22``."""
    values = sorted({int(np.datetime64(d, "D").astype(int)) for d in days if not np.isnat(np.datetime64(d))})
    parts = []
    for first, last in _runs(values):
        a = str(np.datetime64(first, "D"))
        parts.append(a if first == last else f"{a} t.o.m. {np.datetime64(last, 'D')}")
    return _joined(parts, limit) if parts else ""
