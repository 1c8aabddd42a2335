"""Helpers for the dashboard's tests and benchmark: a store filled straight from tidy tables.

The ETL normally fills the store from spreadsheets; tests and the benchmark need stores of known
content and any size without writing spreadsheets, so this writes :class:`etl.tables.Tables`
(for example from :func:`goals.synthetic.build`) as one load.
"""

from __future__ import annotations

import hashlib

from etl.store import Store
from etl.tables import KINDS, Tables


def fill_store(store: Store, tables: Tables, user: str = "test") -> int:
    """Store every kind of ``tables`` and its unit register as one load; returns the load id."""
    store.set_units(tables.units)
    load_id = store.begin_load(user=user)
    for kind in KINDS:
        frame = getattr(tables, kind)
        if not len(frame):
            continue
        frame = frame.assign(
            source_file=f"{kind}.xlsx", source_sheet="Blad1", source_row=range(2, len(frame) + 2)
        )
        digest = hashlib.sha256(f"{kind}:{len(frame)}:{load_id}".encode()).hexdigest()
        store.record_file(
            load_id, f"{kind}.xlsx", source_id=kind, kind=kind, content_hash=digest,
            status="stored", problems=[], frame=frame,
        )  # fmt: skip
    store.finish_load(load_id)
    return load_id
