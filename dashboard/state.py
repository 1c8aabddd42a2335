"""The view state that lives in the URL's query string, so a link opens the same view.

``?year=2026&period=T2&unit=gottsunda&goal=4&lang=en``.  Unknown or malformed values fall back to
the defaults (the latest year with data, ``T2``/``helar`` …) chosen by the caller.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urlencode

from dashboard.i18n import LANGS

PERIODS: tuple[str, ...] = (
    "T1", "T2", "helar", "Q1", "Q2", "Q3", "Q4",
    "M01", "M02", "M03", "M04", "M05", "M06", "M07", "M08", "M09", "M10", "M11", "M12",
)  # fmt: skip


@dataclass(frozen=True)
class ViewState:
    year: int | None = None
    period: str | None = None
    unit: str | None = None  # None = the whole organisation
    goal: str | None = None
    lang: str = "sv"

    def with_(self, **changes: object) -> "ViewState":
        return replace(self, **changes)

    def query(self) -> str:
        """The query string (with the leading ``?``), omitting empty values and lang=sv."""
        items = {k: v for k, v in asdict(self).items() if v not in (None, "")}
        if items.get("lang") == "sv":
            del items["lang"]
        return "?" + urlencode(items) if items else ""


def parse(search: str | None) -> ViewState:
    """Parse ``?year=2026&period=T2…``; bad values become None (the caller's default)."""
    raw = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items() if v}
    year: int | None
    try:
        year = int(raw["year"]) if "year" in raw else None
    except ValueError:
        year = None
    period = raw.get("period")
    if period == "ar":
        period = "helar"
    if period not in PERIODS:
        period = None
    lang = raw.get("lang", "sv")
    return ViewState(
        year=year,
        period=period,
        unit=raw.get("unit") or None,
        goal=raw.get("goal") or None,
        lang=lang if lang in LANGS else "sv",
    )


def ctl(key: str) -> dict[str, str]:
    """The id of a view control (year, period, unit, goal): its value is written to the URL."""
    return {"type": "ctl", "key": key}


def from_controls(search: str | None, values: dict[str, Any]) -> str:
    """The query string after the view controls changed (keys not among them, e.g. lang, kept)."""
    return view_from_controls(search, values).query()


def view_from_controls(search: str | None, values: dict[str, Any]) -> ViewState:
    """The view the URL and the controls' current values describe: what every page callback reads.

    ``values`` maps control keys to their values; ``unit`` "ALLA" (the whole organisation) is
    stored as no unit."""
    view = parse(search)
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key == "year":
            changes["year"] = int(value) if value is not None else None
        elif key == "unit":
            changes["unit"] = None if value in (None, "", "ALLA") else str(value)
        elif key in ("period", "goal"):
            changes[key] = value or None
    return view.with_(**changes)


def resolve(ds: Any, view: ViewState) -> ViewState:
    """Fill in defaults from the data: the latest complete tertial (``ds.default_view()``) when
    the year is missing or has no data, and no unit when the unit is unknown."""
    default_year, period = ds.default_view()
    year = view.year if view.year in ds.years() else default_year
    if view.period:
        period = view.period
    elif year != default_year:
        period = "helar"
    known = set(ds.units()["unit_id"].astype(str))
    unit = view.unit if view.unit in known else None
    return view.with_(year=year, period=period, unit=unit)
