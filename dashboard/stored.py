"""The stored follow-up: computed once per data version and plan, read by every worker, the CLI
and the report (imports no Dash).

:func:`rebuild` reads the tidy tables and the plan, computes every part of the follow-up
(``goals.results.compute``) and the coverage grids (``dashboard.coverage``), and stores them in the
store (``Store.put_result``: a ``results`` row and one Arrow IPC stream per part in ``result_parts``;
plain tables of bytes, so SQLite and PostgreSQL serve it alike).  A result is keyed by the store's
data version and a hash of the plan file and the unit register (:func:`result_key`), so a load, an
undo (by the CLI or the app) or a plan edited in place makes it stale.  The app
(``dashboard.data.DataSource``) notices within seconds and rebuilds it in the background under the
store's result lock, so however many workers notice at once, one computes; until it is stored, views
are computed from the tables as before (the same numbers).  ``bibplan values`` and ``bibplan report``
read the stored result when it is current and compute from the tables otherwise.

:class:`StoredFollowup` answers the views (``goals.results.Followup``) from the stored parts,
fetching each part once and keeping the most recently used ones in memory.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc

import goals
from dashboard.coverage import KINDS_WITH_GRID, coverage
from etl.store import ResultInfo, Store
from etl.tables import Tables
from goals.results import FreshFollowup, Followup, compute

#: The stored result's name in the store.
RESULT = "followup"
#: Bump when the parts' layout or meaning changes: results of an older format are rebuilt.
FORMAT = "1"


def result_key(store: Store, plan_path: Path | str) -> str:
    """What a result depends on besides the data version: the plan file's bytes, the unit
    register and :data:`FORMAT`."""
    h = hashlib.sha256(FORMAT.encode())
    path = Path(plan_path)
    h.update(path.read_bytes() if path.exists() else b"")
    h.update(store.read_units().to_csv(index=False).encode("utf-8"))
    return h.hexdigest()


def encode(frame: pd.DataFrame) -> bytes:
    """A part as an Arrow IPC stream (zstd-compressed columns)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = io.BytesIO()
    with ipc.new_stream(sink, table.schema, options=ipc.IpcWriteOptions(compression="zstd")) as writer:
        writer.write_table(table)
    return sink.getvalue()


def decode(payload: bytes) -> pd.DataFrame:
    return ipc.open_stream(payload).read_all().to_pandas()


def data_years(tables: Tables) -> list[int]:
    """Years that have loans, visits, events or survey data, newest first (the year selector)."""
    years: set[int] = set()
    for frame, col in ((tables.loans, "month"), (tables.visits, "date"), (tables.events, "date")):
        if len(frame):
            years |= set(pd.DatetimeIndex(frame[col].dropna()).year.unique().tolist())
    if len(tables.survey):
        years |= set(int(w) for w in tables.survey["wave"].dropna().unique())
    return sorted(years, reverse=True)


def compute_parts(plan: Any, tables: Tables) -> dict[str, pd.DataFrame]:
    """Every part of the stored result: the follow-up, a coverage grid per kind and the years."""
    parts = compute(plan, tables)
    for kind in KINDS_WITH_GRID:
        parts[f"coverage/{kind}"] = coverage(tables, kind)
    parts["meta/data_years"] = pd.DataFrame({"year": pd.array(data_years(tables), dtype="int64")})
    return parts


def current(store: Store, plan_path: Path | str) -> ResultInfo | None:
    """The stored result if it was computed from the data and plan now in place, else None."""
    info = store.result_info(RESULT)
    if info is None or info.data_version != store.data_version() or info.key != result_key(store, plan_path):
        return None
    return info


def rebuild(store: Store, plan_path: Path | str, force: bool = False, wait: bool = True) -> ResultInfo | None:
    """Compute and store the follow-up unless the stored one is current (``force``: always).
    ``wait=False``: return None at once when another worker is computing it.  Raises
    ``goals.PlanError`` for a plan that cannot be read (the old result stays)."""
    with store.result_lock(wait=wait) as got:
        if not got:
            return None
        info = None if force else current(store, plan_path)
        if info is not None:
            return info
        started = time.perf_counter()
        # the version before the tables are read: a load meanwhile leaves this result stale
        version, key = store.data_version(), result_key(store, plan_path)
        plan = goals.load_plan(plan_path)
        parts = compute_parts(plan, store.read_tables())
        encoded = {k: encode(v) for k, v in parts.items()}
        store.put_result(RESULT, version, key, encoded, seconds=time.perf_counter() - started)
    return store.result_info(RESULT)


class StoredFollowup(Followup):
    """The follow-up views of one stored result (see ``goals.results.Followup``)."""

    def __init__(self, store: Store, plan: Any, info: ResultInfo, cache_size: int = 64):
        super().__init__(plan, self._get)
        self.store = store
        self.info = info
        self._cache: OrderedDict[str, pd.DataFrame | None] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def _get(self, key: str) -> pd.DataFrame | None:
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        payload = self.store.result_part(self.info.id, key)
        frame = decode(payload) if payload is not None else None
        with self._lock:
            self._cache[key] = frame
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return frame

    def forget(self) -> None:
        """Drop the fetched parts (they are fetched again from the store when asked for)."""
        with self._lock:
            self._cache.clear()
            self._arrays.clear()

    def data_years(self) -> list[int]:
        """:func:`data_years` of the tables the result was computed from."""
        frame = self.part("meta/data_years")
        return [] if frame is None else [int(y) for y in frame["year"]]

    def coverage(self, kind: str) -> pd.DataFrame:
        """The coverage grid of ``kind`` (``dashboard.coverage.coverage``)."""
        frame = self.part(f"coverage/{kind}")
        return frame if frame is not None else coverage(Tables(), kind)


def open_followup(store: Store, plan_path: Path | str, plan: Any = None,
                  tables: Tables | None = None) -> StoredFollowup | FreshFollowup:
    """The follow-up for the CLI and the report: the stored result when it is current, else
    computed from the tables (``goals.results.FreshFollowup``, the same numbers)."""
    plan = plan if plan is not None else goals.load_plan(plan_path)
    info = current(store, plan_path)
    if info is not None:
        return StoredFollowup(store, plan, info)
    return FreshFollowup(plan, tables if tables is not None else store.read_tables())
