"""The app's one door to data: the stored follow-up, the plan and the store.

A :class:`DataSource` answers the views from the stored follow-up (``dashboard.stored``: computed
once per data version and plan, stored, shared by every worker, the CLI and the report): each view
is a filter of a stored part, and rendered views are memoised.  It asks the store for its
``data_version()`` at most every ``check_every`` seconds and looks at the plan file; when either
changed (a load or undo by the CLI, the app or another worker; an edited plan) it drops its memo and
switches to the new result.  While the stored result is missing or stale, a background thread
computes it (under the store's result lock: one worker computes, the others wait for it) and the
views are computed from the tidy tables meanwhile (``goals.results.FreshFollowup``: the same
numbers).  The tidy tables are read only when something needs them (that fallback, coverage of a
stale result, the change breakdown).  Comments are never cached: they are read from and written to
the store on every call, so all workers see the same text.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

import goals
from dashboard import stored
from etl.config import data_dir, store_url
from etl.store import Store
from etl.tables import Tables
from goals.results import FreshFollowup

PLAN_FILE = "biblioteksplan.yaml"

log = logging.getLogger(__name__)


class DataSource:
    """Cached access to the stored follow-up and the plan, switched when the data version changes."""

    def __init__(
        self,
        url: str | None = None,
        plan_path: Path | str | None = None,
        check_every: float = 3.0,
        cache_size: int = 256,
        build: bool = True,
    ) -> None:
        self.url = url or store_url()
        self.plan_path = Path(plan_path) if plan_path else data_dir() / PLAN_FILE
        self.store = Store(self.url)
        self.check_every = check_every
        #: compute a missing or stale stored result in the background (False: only read one)
        self.build = build
        self._cache_size = cache_size
        self._lock = threading.RLock()
        self._checked_at = float("-inf")
        self._version: int | None = None
        self._plan_mtime: float | None = None
        self._plan: Any = None
        self._tables: Tables | None = None
        self._source: stored.StoredFollowup | FreshFollowup | None = None
        self._builder: threading.Thread | None = None
        self._memo: OrderedDict[tuple, Any] = OrderedDict()

    # ------------------------------------------------------------------ freshness
    def refresh(self, force: bool = False) -> int:
        """Check the store's data version and the plan file (at most every ``check_every`` s, or
        now with ``force``); on change drop the memo and the tables.  While the views are computed
        from the tables, also look whether the stored result has become current."""
        with self._lock:
            now = time.monotonic()
            if not force and now - self._checked_at < self.check_every and self._version is not None:
                return self._version
            self._checked_at = now
            version = self.store.data_version()
            mtime = self.plan_path.stat().st_mtime if self.plan_path.exists() else None
            if version != self._version or mtime != self._plan_mtime or self._plan is None:
                self._plan = goals.load_plan(self.plan_path)
                self._version, self._plan_mtime = version, mtime
                self._tables = None
                self._source = None
                self._memo.clear()
            elif isinstance(self._source, FreshFollowup):
                self._source = None  # look for the stored result again (the memo stays: same numbers)
            return self._version

    @property
    def version(self) -> int:
        return self.refresh()

    def version_token(self) -> str:
        """What an open page compares to learn of a new load or an edited plan."""
        self.refresh()
        return f"{self._version}.{self._plan_mtime}"

    def source(self) -> stored.StoredFollowup | FreshFollowup:
        """What the views are filters of: the stored follow-up when it is current, else the
        follow-up computed from the tables (and the stored one being built in the background)."""
        self.refresh()
        with self._lock:
            if self._source is not None:
                return self._source
            info = stored.current(self.store, self.plan_path)
            if info is not None:
                self._source = stored.StoredFollowup(self.store, self._plan, info)
            else:
                self._source = FreshFollowup(self._plan, self.tables())
                self._start_build()
            return self._source

    def is_stored(self) -> bool:
        """Do the views come from the stored result (not the tables)?"""
        return isinstance(self.source(), stored.StoredFollowup)

    def _start_build(self) -> None:
        if not self.build or (self._builder is not None and self._builder.is_alive()):
            return
        self._builder = threading.Thread(target=self._build, name="bibplan-stored-followup", daemon=True)
        self._builder.start()

    def _build(self) -> None:
        try:
            info = stored.rebuild(self.store, self.plan_path, wait=True)
        except Exception:  # a broken plan is shown by the pages; the views stay computed from the tables
            log.exception("the stored follow-up could not be computed")
            return
        if info is not None:
            with self._lock:
                if isinstance(self._source, FreshFollowup):
                    self._source = None

    def wait_stored(self, timeout: float = 600.0) -> bool:
        """Wait for the background computation (tests, benchmarks); True when the views now come
        from the stored result."""
        self.source()
        builder = self._builder
        if builder is not None:
            builder.join(timeout)
        with self._lock:
            if isinstance(self._source, FreshFollowup):
                self._source = None
        return self.is_stored()

    def forget(self) -> None:
        """Drop the rendered views and the fetched parts: the next view is a first look after a
        load (benchmarks measure it so)."""
        with self._lock:
            self._memo.clear()
            if isinstance(self._source, stored.StoredFollowup):
                self._source.forget()

    def tables(self) -> Tables:
        """The tidy tables, read from the store when first needed after a change."""
        self.refresh()
        with self._lock:
            if self._tables is None:
                self._tables = self.store.read_tables()
            return self._tables

    def plan(self) -> Any:
        self.refresh()
        return self._plan

    def cached(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """``compute()`` memoised under ``key`` until the data version changes (for rendered views:
        the same period seen by a whole meeting is built once)."""
        return self._memoised(("view", *key), compute)

    def _memoised(self, key: tuple, compute: Callable[[], Any]) -> Any:
        self.refresh()
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        value = compute()
        with self._lock:
            self._memo[key] = value
            while len(self._memo) > self._cache_size:
                self._memo.popitem(last=False)
        return value

    # ------------------------------------------------------------------ goals
    def followup(self, year: int, period: str, unit: str | None = None) -> pd.DataFrame:
        return self._memoised(
            ("followup", year, period, unit),
            lambda: self.source().followup(year, period, unit=unit),
        )

    def goal_status(self, year: int, period: str, unit: str | None = None) -> pd.DataFrame:
        return self._memoised(
            ("goal_status", year, period, unit),
            lambda: goals.goal_status(self.followup(year, period, unit)),
        )

    def trend(self, indicator_id: str, period: str, unit: str | None = None) -> pd.DataFrame:
        return self._memoised(
            ("trend", indicator_id, period, unit),
            lambda: self.source().trend(indicator_id, period, unit=unit),
        )

    def trend_view(self, indicator_id: str, year: int, period: str, unit: str | None = None) -> pd.DataFrame:
        """The trend chart's data: full years for accumulating indicators, with the chosen
        year's full-year forecast (see ``dashboard.views.trend_frame``)."""
        from dashboard import views

        def compute() -> pd.DataFrame:
            ind = self.plan().indicator(indicator_id)
            fu = self.followup(year, period, unit)
            rows = fu[fu["indicator_id"] == indicator_id]
            row = rows.iloc[0] if len(rows) else None
            return views.trend_frame(self.trend(indicator_id, views.trend_period(ind, period), unit), year, row)

        return self._memoised(("trend_view", indicator_id, year, period, unit), compute)

    def unit_comparison(self, indicator_id: str, year: int, period: str) -> pd.DataFrame:
        return self._memoised(
            ("unit_comparison", indicator_id, year, period),
            lambda: self.source().unit_comparison(indicator_id, year, period),
        )

    def monthly(self, indicator_id: str, year: int, unit: str | None = None) -> pd.DataFrame:
        return self._memoised(
            ("monthly", indicator_id, year, unit),
            lambda: self.source().monthly(indicator_id, year, unit=unit),
        )

    def period_label(self, year: int, period: str, lang: str = "sv") -> str:
        """``T2 2026 (jan–aug)``; English with ``lang="en"``."""
        p = goals.parse_period(year, period)
        return p.label_en if lang == "en" else p.label_sv

    # ------------------------------------------------------------------ store facts
    def last_data_date(self) -> dt.date | None:
        return self._memoised(("last_data_date",), self.store.last_data_date)

    def status(self) -> pd.DataFrame:
        return self._memoised(("status",), self.store.status)

    def problems(self) -> pd.DataFrame:
        """Outstanding problems with their reviews; read each time (a review changes no data version)."""
        return self.store.problems()

    def loads(self) -> pd.DataFrame:
        return self._memoised(("loads",), self.store.loads)

    def coverage(self, kind: str) -> pd.DataFrame:
        from dashboard.coverage import coverage

        def compute() -> pd.DataFrame:
            source = self.source()
            return source.coverage(kind) if isinstance(source, stored.StoredFollowup) else coverage(self.tables(), kind)

        return self._memoised(("coverage", kind), compute)

    # ------------------------------------------------------------------ view defaults
    def years(self) -> list[int]:
        """Years that have data, newest first (the year selector's options)."""

        def compute() -> list[int]:
            source = self.source()
            return source.data_years() if isinstance(source, stored.StoredFollowup) else stored.data_years(self.tables())

        return self._memoised(("years",), compute)

    def default_view(self) -> tuple[int, str]:
        """The latest complete tertial: helår if the year is complete, else T2, else T1."""
        last = self.last_data_date()
        if last is None:
            return dt.date.today().year, "helar"
        if last >= dt.date(last.year, 12, 31):
            return last.year, "helar"
        if last >= dt.date(last.year, 8, 31):
            return last.year, "T2"
        if last >= dt.date(last.year, 4, 30):
            return last.year, "T1"
        return last.year - 1, "helar"

    def units(self) -> pd.DataFrame:
        """The unit register (unit_id, name, type, district)."""
        return self._memoised(("units",), self.store.read_units)

    def municipality(self) -> str:
        """The municipality's name from ``units.yaml`` beside the plan ("" when it is not there)."""
        from etl.config import load_units

        path = self.plan_path.parent / "units.yaml"
        try:
            return load_units(path).municipality if path.exists() else ""
        except Exception:  # a broken units.yaml is reported by load/check, not by a download title
            return ""

    def unit_name(self, unit_id: str | None) -> str | None:
        if unit_id is None:
            return None
        units = self.units()
        match = units.loc[units["unit_id"] == unit_id, "name"]
        return str(match.iloc[0]) if len(match) else unit_id

    # ------------------------------------------------------------------ comments (never cached)
    def comments(self, goal_id: str, year: int, period: str, unit: str | None) -> dict:
        return self.store.comments(goal_id, year, period, unit)

    def comment_history(
        self, goal_id: str, year: int, period: str, unit: str | None, section: str
    ) -> list:
        return self.store.comment_history(goal_id, year, period, unit, section)

    def add_comment(
        self, goal_id: str, year: int, period: str, unit: str | None, section: str, text: str, author: str
    ) -> int:
        return self.store.add_comment(goal_id, year, period, unit, section, text, author)

    # ------------------------------------------------------------------ the meeting (issue 14)
    def breakdown(self, indicator_id: str, year: int, period: str, unit: str | None = None) -> Any:
        """The indicator's change against last year split per unit, media type… (``goals.breakdown``)."""
        from goals.breakdown import breakdown

        return self._memoised(("breakdown", indicator_id, year, period, unit),
                              lambda: breakdown(self.plan(), self.tables(), indicator_id, year, period, unit))

    def status_history(self, goal_id: str, unit: str | None = None) -> pd.DataFrame:
        """The goal's and its indicators' status at T1, T2 and full year of the last three years (``goals.history``)."""
        return self._memoised(("status_history", goal_id, unit),
                              lambda: self.source().status_history(goal_id, unit, years=3))

    def unit_names(self) -> dict[str, str]:
        units = self.units()
        return dict(zip(units["unit_id"].astype(str), units["name"].astype(str)))

    def actions(self, goal_id: str | None, year: int, period: str, unit: str | None = None) -> list:
        """The actions to list for the period (open ones carried forward; ``goals.actions``);
        ``goal_id=None``: every goal's.  Never cached."""
        from goals.actions import for_period

        return for_period(self.store.actions(goal_id, unit) if goal_id is not None else
                          [a for a in self.store.actions() if a.unit_id == unit], year, period)

    def action_history(self, action_id: int) -> list:
        return self.store.action_history(action_id)

    def save_action(self, **fields: Any) -> int:
        return self.store.save_action(**fields)
