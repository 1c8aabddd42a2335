"""Store step: the tidy tables, loads and problems in SQL (SQLAlchemy Core).

SQLite by default, PostgreSQL by URL.  The schema is created and upgraded by the code: the
``schema_version`` table records which of :data:`MIGRATIONS` have run.  Every data row carries its
trace columns (load, file, sheet, Excel row).  A file is stored in one transaction: the rows of its
kind whose unit and period it covers are deleted, then its rows are inserted (a corrected re-export
replaces, never adds).  The follow-up texts (comments) live in :mod:`etl.followup_store`.

Rows are inserted in bulk: ``executemany`` on SQLite, ``COPY`` on PostgreSQL (psycopg 3, the
``bibplan[postgres]`` extra).  Loads are serialised (:meth:`Store.load_lock`): a lock file beside a SQLite database (``flock``), a
session advisory lock on PostgreSQL.  A warning can be marked as reviewed (:meth:`Store.review_problem`);
the review is keyed on what the problem is (code, file, sheet, row, column, value), not on its row id,
so it still applies when the same warning comes back from a later load of the same file.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from etl.followup_store import FollowupStore, followup_metadata
from etl.followup_store import now as _now
from etl.grain import DATA_UNTIL_KINDS, data_until
from etl.problems import Problem, to_frame
from etl.tables import (COLUMNS, GRAIN, KINDS, PERIOD_COLUMN, REPLACE_EXACT, UNIT_COLUMN, TRACE_COLUMNS,
                        UNIT_COLUMNS, Tables)

_SQL_TYPES: dict[str, Callable[[], sa.types.TypeEngine]] = {
    "datetime64[s]": sa.Date,
    "category": lambda: sa.String(200),
    "str": sa.Text,
    "Int64": sa.BigInteger,
    "float64": sa.Float,
    "bool": sa.Boolean,
}

metadata = sa.MetaData()

sa.Table("schema_version", metadata, sa.Column("version", sa.Integer, primary_key=True),
         sa.Column("applied_at", sa.DateTime, nullable=False))
loads_t = sa.Table(
    "loads", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("user", sa.String(200), nullable=False),
    sa.Column("data_dir", sa.Text, nullable=False, default=""),
    sa.Column("rows_added", sa.Integer, nullable=False, default=0),
    sa.Column("rows_replaced", sa.Integer, nullable=False, default=0),
    sa.Column("undone_at", sa.DateTime),
)
load_files_t = sa.Table(
    "load_files", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("load_id", sa.Integer, sa.ForeignKey("loads.id"), nullable=False, index=True),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("source_id", sa.String(200), nullable=False, default=""),
    sa.Column("kind", sa.String(40), nullable=False, default=""),
    sa.Column("content_hash", sa.String(64), nullable=False, index=True),
    # The source definition and unit register the file was read with (NULL: loaded before v5).
    sa.Column("config_hash", sa.String(64)),
    sa.Column("status", sa.String(20), nullable=False),  # stored, unchanged, rejected, unmatched, undone
    sa.Column("rows_added", sa.Integer, nullable=False, default=0),
    sa.Column("rows_replaced", sa.Integer, nullable=False, default=0),
    sa.Column("errors", sa.Integer, nullable=False, default=0),
    sa.Column("warnings", sa.Integer, nullable=False, default=0),
)
problems_t = sa.Table(
    "problems", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("load_id", sa.Integer, sa.ForeignKey("loads.id"), nullable=False, index=True),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("code", sa.String(60), nullable=False),
    sa.Column("file", sa.Text, nullable=False, default=""),
    sa.Column("sheet", sa.Text, nullable=False, default=""),
    sa.Column("row", sa.Integer),
    sa.Column("column", sa.Text, nullable=False, default=""),
    sa.Column("value", sa.Text, nullable=False, default=""),
    sa.Column("message", sa.Text, nullable=False),
    # The unit the problem concerns ("" = the file as a whole); NULL = recorded before schema v4.
    sa.Column("unit_id", sa.String(100)),
)
reviews_t = sa.Table(
    "problem_reviews", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("problem_key", sa.String(64), nullable=False, index=True),
    sa.Column("code", sa.String(60), nullable=False),
    sa.Column("file", sa.Text, nullable=False, default=""),
    sa.Column("reviewed_by", sa.String(200), nullable=False),
    sa.Column("reviewed_at", sa.DateTime, nullable=False),
    sa.Column("comment", sa.Text, nullable=False, default=""),
)
#: A stored result (the follow-up computed from the data, ``dashboard.stored``): one row per
#: computation; ``key`` says what it was computed from besides ``data_version`` (plan, register).
results_t = sa.Table(
    "results", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(60), nullable=False),
    sa.Column("data_version", sa.Integer, nullable=False),
    sa.Column("key", sa.String(128), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("seconds", sa.Float, nullable=False, default=0.0),
)
#: The parts of a stored result: opaque bytes (Arrow IPC streams) under a key such as ``rows/2026/T2``.
result_parts_t = sa.Table(
    "result_parts", metadata,
    sa.Column("result_id", sa.Integer, sa.ForeignKey("results.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("payload", sa.LargeBinary, nullable=False),
)
units_t = sa.Table(
    "units", metadata,
    *[sa.Column(c, sa.String(200), primary_key=(c == "unit_id")) for c in UNIT_COLUMNS],
)


def _unit_col(kind: str) -> str:
    return UNIT_COLUMN[kind]


KIND_TABLES: dict[str, sa.Table] = {
    kind: sa.Table(
        kind, metadata,
        *[sa.Column(c, _SQL_TYPES[t]()) for c, t in COLUMNS[kind].items()],
        sa.Column("load_id", sa.Integer, nullable=False),
        sa.Column("source_file", sa.Text, nullable=False),
        sa.Column("source_sheet", sa.Text, nullable=False),
        sa.Column("source_row", sa.Integer),
        # The load whose file replaced this row (a corrected re-export); NULL = current.  Replaced
        # rows are kept so that a load can be undone exactly.
        sa.Column("replaced_by", sa.Integer),
        sa.Index(f"ix_{kind}_unit_period", _unit_col(kind), PERIOD_COLUMN[kind]),
    )
    for kind in KINDS
}


def _v1(conn: Connection) -> None:
    metadata.create_all(conn)
    followup_metadata.create_all(conn)


def _v2(conn: Connection) -> None:
    """Keep replaced rows (``replaced_by``) and record undone loads (``loads.undone_at``)."""
    inspector = sa.inspect(conn)
    for table, column, sql_type in [(k, "replaced_by", "INTEGER") for k in KINDS] + [("loads", "undone_at", "TIMESTAMP")]:
        if column not in {c["name"] for c in inspector.get_columns(table)}:
            conn.execute(sa.text(f'ALTER TABLE "{table}" ADD COLUMN {column} {sql_type}'))


def _v3(conn: Connection) -> None:
    """Reviews of warnings (``problem_reviews``), append-only: the latest per problem key holds."""
    reviews_t.create(conn, checkfirst=True)


def _v4(conn: Connection) -> None:
    """The unit a problem concerns (``problems.unit_id``), so warnings are counted per unit."""
    if "unit_id" not in {c["name"] for c in sa.inspect(conn).get_columns("problems")}:
        conn.execute(sa.text('ALTER TABLE "problems" ADD COLUMN unit_id VARCHAR(100)'))


def _v5(conn: Connection) -> None:
    """Actions with owner, due date, state and history (``actions``; ``etl.followup_store``)."""
    followup_metadata.create_all(conn)


def _v6(conn: Connection) -> None:
    """Grain is data: loans and visits rows keep ``period_end`` and ``grain``.  Rows stored before
    were months (loans) and days (visits): they get exactly that, nothing is guessed.  Stored files
    remember the configuration they were read with (``load_files.config_hash``)."""
    inspector = sa.inspect(conn)
    if "config_hash" not in {c["name"] for c in inspector.get_columns("load_files")}:
        conn.execute(sa.text('ALTER TABLE "load_files" ADD COLUMN config_hash VARCHAR(64)'))
    for kind, grain in (("loans", "month"), ("visits", "day")):
        have = {c["name"] for c in inspector.get_columns(kind)}
        for column, sql_type in (("period_end", "DATE"), ("grain", "VARCHAR(200)")):
            if column not in have:
                conn.execute(sa.text(f'ALTER TABLE "{kind}" ADD COLUMN {column} {sql_type}'))
        table = KIND_TABLES[kind]
        start = table.c[PERIOD_COLUMN[kind]]
        conn.execute(table.update().where(table.c.grain.is_(None)).values(grain=grain))
        if grain == "day":
            conn.execute(table.update().where(table.c.period_end.is_(None)).values(period_end=start))
            continue
        for (first,) in conn.execute(sa.select(start).distinct().where(table.c.period_end.is_(None))).all():
            if first is None:
                continue
            d = _to_date(first)
            end = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1) - dt.timedelta(days=1)
            conn.execute(table.update().where(start == first, table.c.period_end.is_(None)).values(period_end=end))


def _benchmark_text(conn: Connection) -> None:
    """Benchmark values that are text (``benchmark.value_text``: a municipality group)."""
    if "value_text" not in {c["name"] for c in sa.inspect(conn).get_columns("benchmark")}:
        conn.execute(sa.text('ALTER TABLE "benchmark" ADD COLUMN value_text TEXT'))


def _v8(conn: Connection) -> None:
    """Stored results (``results``, ``result_parts``): the follow-up computed once per data version."""
    results_t.create(conn, checkfirst=True)
    result_parts_t.create(conn, checkfirst=True)


#: Ordered schema migrations; version = position + 1.  Append, never edit.
MIGRATIONS: list[Callable[[Connection], None]] = [_v1, _v2, _v3, _v4, _v5, _v6, _benchmark_text, _v8]

#: ``Store.status()``'s unit for warnings about a file as a whole (no unit named).
FILE_LEVEL = "(hela filen)"

#: Key of the PostgreSQL advisory lock that serialises loads ("bibplan" in ASCII).
PG_LOCK_KEY = 0x62696270_6C616E
#: Key of the advisory lock held while a stored result is computed (``Store.result_lock``).
PG_RESULT_LOCK_KEY = PG_LOCK_KEY + 1


def problem_key(code: str, file: str, sheet: str, row: Any, column: str, value: str) -> str:
    """A stable identity of a problem: the same warning from a later load has the same key."""
    row_text = "" if row is None or pd.isna(row) else str(int(row))
    parts = [str(code), str(file or ""), str(sheet or ""), row_text, str(column or ""), str(value or "")]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


class ReviewError(Exception):
    """A problem cannot be marked as reviewed; ``str()`` is Swedish."""


_LOCKS_GUARD = threading.Lock()
_THREAD_LOCKS: dict[str, threading.Lock] = {}


def _thread_lock(name: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _THREAD_LOCKS.setdefault(name, threading.Lock())


@dataclass(frozen=True)
class ResultInfo:
    """A stored result: its id, what it was computed from, and when (``seconds``: how long)."""

    id: int
    name: str
    data_version: int
    key: str
    created_at: dt.datetime
    seconds: float


class UndoError(Exception):
    """A load cannot be undone (a later load replaced part of it); ``str()`` is Swedish."""


@dataclass
class StoredFile:
    """What storing one file did."""

    rows_added: int
    rows_replaced: int


class Store(FollowupStore):
    """The data store.  ``Store(url)`` creates or upgrades the schema; the follow-up texts
    (comments) come from :class:`etl.followup_store.FollowupStore`."""

    def __init__(self, url: str):
        self.url = url
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30}
        self.engine: Engine = sa.create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.upgrade()

    # ------------------------------------------------------------------ schema
    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table("schema_version"):
                return 0
            return conn.execute(sa.text("SELECT COALESCE(MAX(version), 0) FROM schema_version")).scalar_one()

    def upgrade(self) -> None:
        """Run every migration not recorded in ``schema_version`` (each checks what is there)."""
        with self.engine.connect() as conn:
            done = (set(conn.execute(sa.text("SELECT version FROM schema_version")).scalars())
                    if sa.inspect(conn).has_table("schema_version") else set())
        for version, migrate in enumerate(MIGRATIONS, start=1):
            if version in done:
                continue
            with self.engine.begin() as conn:
                migrate(conn)
                conn.execute(metadata.tables["schema_version"].insert(),
                             {"version": version, "applied_at": _now()})

    # ------------------------------------------------------------------ loads
    def lock_path(self) -> Path | None:
        """The lock file of a SQLite database file (``<db>.lock``); None for PostgreSQL and memory."""
        if self.engine.dialect.name != "sqlite":
            return None
        db = self.engine.url.database
        if not db or db == ":memory:" or db.startswith("file:"):
            return None
        return Path(db).with_name(Path(db).name + ".lock")

    @contextmanager
    def load_lock(self) -> Iterator[None]:
        """Hold the store's load lock: loads and undos run one after the other, never interleaved,
        across threads and processes.  SQLite: an exclusive ``flock`` on ``<db>.lock``; PostgreSQL:
        a session advisory lock (a load spans several transactions); an in-memory database: a lock
        in this process."""
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": PG_LOCK_KEY})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
                    conn.commit()
            return
        path = self.lock_path()
        if path is None:
            with _thread_lock(self.url):
                yield
            return
        import fcntl  # POSIX; bibplan's servers run on Linux

        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    @contextmanager
    def result_lock(self, wait: bool = True) -> Iterator[bool]:
        """Hold the lock under which a stored result is computed, so however many workers notice a
        new data version at once, one computes it.  Yields False (without the lock) when ``wait`` is
        False and another thread or process holds it.  SQLite: ``flock`` on ``<db>.result.lock``;
        PostgreSQL: a session advisory lock; an in-memory database: a lock in this process."""
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as conn:
                fn = "pg_advisory_lock" if wait else "pg_try_advisory_lock"
                got = conn.execute(sa.text(f"SELECT {fn}(:k)"), {"k": PG_RESULT_LOCK_KEY}).scalar()
                conn.commit()
                got = True if wait else bool(got)
                try:
                    yield got
                finally:
                    if got:
                        conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": PG_RESULT_LOCK_KEY})
                        conn.commit()
            return
        path = self.lock_path()
        if path is None:
            lock = _thread_lock(self.url + "#result")
            got = lock.acquire(blocking=wait)
            try:
                yield got
            finally:
                if got:
                    lock.release()
            return
        import fcntl

        fd = os.open(path.with_name(path.name.replace(".lock", ".result.lock")), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
                got = True
            except BlockingIOError:
                got = False
            try:
                yield got
            finally:
                if got:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def begin_load(self, user: str | None = None, data_dir: str = "") -> int:
        with self.engine.begin() as conn:
            return conn.execute(loads_t.insert().values(
                started_at=_now(), user=user or _user(), data_dir=data_dir)).inserted_primary_key[0]

    def finish_load(self, load_id: int, conn: Connection | None = None) -> None:
        with self._tx(conn) as conn:
            totals = conn.execute(sa.select(
                sa.func.coalesce(sa.func.sum(load_files_t.c.rows_added), 0),
                sa.func.coalesce(sa.func.sum(load_files_t.c.rows_replaced), 0),
            ).where(load_files_t.c.load_id == load_id)).one()
            conn.execute(loads_t.update().where(loads_t.c.id == load_id).values(
                finished_at=_now(), rows_added=totals[0], rows_replaced=totals[1]))

    def interrupted_loads(self, skip_running: bool = True) -> pd.DataFrame:
        """Loads that began but never finished (the process was killed or failed) since the last
        finished load: ``id, started_at, user, data_dir``.  Their files were stored in the load's
        single transaction, so none of them is in the store; the load has to be run again.  A load
        running right now (it holds the load lock) is not listed unless ``skip_running`` is False
        (the caller holds the lock itself)."""
        cols = ["id", "started_at", "user", "data_dir"]
        with self.engine.connect() as conn:
            last = conn.execute(sa.select(sa.func.max(loads_t.c.id)).where(loads_t.c.finished_at.is_not(None))).scalar()
            q = sa.select(*[loads_t.c[c] for c in cols]).where(loads_t.c.finished_at.is_(None))
            if last is not None:
                q = q.where(loads_t.c.id > last)
            rows = conn.execute(q.order_by(loads_t.c.id)).all()
        if rows and skip_running and self.load_running():
            rows = rows[:-1]  # the newest is the running load
        return pd.DataFrame([tuple(r) for r in rows], columns=cols)

    def load_running(self) -> bool:
        """True while another process or thread holds the load lock."""
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as conn:
                got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}).scalar()
                if got:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
                conn.commit()
                return not got
        path = self.lock_path()
        if path is None:
            lock = _thread_lock(self.url)
            if lock.acquire(blocking=False):
                lock.release()
                return False
            return True
        import fcntl

        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        finally:
            os.close(fd)

    def has_file(self, content_hash: str) -> bool:
        """True when a file with this content is already stored."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(load_files_t.c.id).where(
                load_files_t.c.content_hash == content_hash, load_files_t.c.status == "stored").limit(1)).first() is not None

    def file_state(self, content_hash: str, config_hash: str) -> str:
        """Whether a file with this content is stored, and read with the same configuration:
        ``"unchanged"`` (same content, same source definition and units), ``"config_changed"`` (same
        content, read with another configuration: it is to be read again), ``"config_unknown"``
        (stored before the store remembered configurations: read again too) or ``"new"``."""
        with self.engine.connect() as conn:
            hashes = {h for (h,) in conn.execute(sa.select(load_files_t.c.config_hash).where(
                load_files_t.c.content_hash == content_hash, load_files_t.c.status == "stored")).all()}
        if not hashes:
            return "new"
        if config_hash in hashes:
            return "unchanged"
        return "config_changed" if hashes - {None} else "config_unknown"

    @contextmanager
    def _tx(self, conn: Connection | None) -> Iterator[Connection]:
        """``conn`` when given (the caller's transaction), else a new transaction of its own."""
        if conn is not None:
            yield conn
            return
        with self.engine.begin() as own:
            yield own

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction: everything done through the connection is committed together
        when the block ends, or not at all (an exception, or the process killed).  A load stores
        all its files through one (:func:`etl.pipeline.load_items`)."""
        with self.engine.begin() as conn:
            yield conn

    def record_file(self, load_id: int, file: str, *, source_id: str = "", kind: str = "", content_hash: str,
                    status: str, problems: list[Problem], frame: pd.DataFrame | None = None,
                    conn: Connection | None = None, config_hash: str | None = None,
                    reread: bool = False) -> StoredFile:
        """Record a file of a load; with ``status == "stored"`` also replace and insert its rows, in
        one transaction: ``conn``'s (the load's, see :meth:`transaction`) or one of its own.
        ``reread``: the file is read again with a changed configuration: every current row it stored
        before is replaced too, also those outside the periods and units it now has."""
        result = StoredFile(0, 0)
        with self._tx(conn) as conn:
            if status == "stored" and frame is not None:
                result = self._replace(conn, load_id, kind, frame, file if reread else None)
            conn.execute(load_files_t.insert().values(
                load_id=load_id, file=file, source_id=source_id, kind=kind, content_hash=content_hash,
                config_hash=config_hash,
                status=status, rows_added=result.rows_added, rows_replaced=result.rows_replaced,
                errors=sum(p.is_error for p in problems), warnings=sum(not p.is_error for p in problems)))
            if problems:
                conn.execute(problems_t.insert(), [
                    {"load_id": load_id, "severity": p.severity, "code": p.code, "file": p.file,
                     "sheet": p.sheet, "row": p.row, "column": p.column, "value": p.value,
                     "message": p.message, "unit_id": p.unit_id} for p in problems])
        return result

    def _replace(self, conn: Connection, load_id: int, kind: str, frame: pd.DataFrame,
                 reread: str | None = None) -> StoredFile:
        table = KIND_TABLES[kind]
        unit_col, period_col = _unit_col(kind), PERIOD_COLUMN[kind]
        replaced = 0
        if reread is not None:  # the file's own earlier rows, whatever they cover now
            replaced += conn.execute(table.update().where(
                table.c.source_file == reread, table.c.replaced_by.is_(None)).values(replaced_by=load_id)).rowcount
        if not frame.empty and kind in REPLACE_EXACT:
            replaced += self._replace_exact(conn, load_id, kind, frame)
        elif not frame.empty:
            spans = frame.groupby(unit_col, observed=True)[period_col].agg(["min", "max"])
            for unit, (lo, hi) in spans.iterrows():
                lo, hi = _py(lo), _py(hi)
                replaced += conn.execute(table.update().where(
                    table.c[unit_col] == str(unit), table.c[period_col].between(lo, hi),
                    table.c.replaced_by.is_(None)).values(replaced_by=load_id)).rowcount
        frame = frame.assign(load_id=load_id)
        cols = list(COLUMNS[kind]) + list(TRACE_COLUMNS)
        records = _records(frame, kind, cols, sqlite=self.engine.dialect.name == "sqlite")
        if records:
            if self.engine.dialect.name == "sqlite":
                names = ", ".join(f'"{c}"' for c in cols)
                marks = ", ".join("?" for _ in cols)
                conn.exec_driver_sql(f'INSERT INTO "{kind}" ({names}) VALUES ({marks})', records)
            elif self.engine.dialect.name == "postgresql":
                _copy_rows(conn, kind, cols, records)
            else:
                conn.execute(table.insert(), [dict(zip(cols, r)) for r in records])
        return StoredFile(len(records), replaced)

    @staticmethod
    def _replace_exact(conn: Connection, load_id: int, kind: str, frame: pd.DataFrame) -> int:
        """Mark replaced the current stored rows whose whole key (:data:`GRAIN`) is one of the
        frame's: one statement per combination of the other key columns, the key column with the most
        values (a KB file's variables) matched by ``IN``."""
        table, key = KIND_TABLES[kind], list(GRAIN[kind])
        inner = max(key, key=lambda c: frame[c].nunique())
        outer = [c for c in key if c != inner]
        keys = frame[key].astype("object").where(frame[key].notna(), None).drop_duplicates()
        replaced = 0
        for values, group in keys.groupby(outer, dropna=False, sort=False):
            values = values if isinstance(values, tuple) else (values,)
            where = [table.c[c].is_(None) if v is None or pd.isna(v) else table.c[c] == _py(v)
                     for c, v in zip(outer, values)]
            inner_values = [_py(v) for v in group[inner].dropna().unique()]
            match = [table.c[inner].in_(inner_values)] if inner_values else []
            if group[inner].isna().any():
                match.append(table.c[inner].is_(None))
            replaced += conn.execute(table.update().where(
                *where, sa.or_(*match), table.c.replaced_by.is_(None)).values(replaced_by=load_id)).rowcount
        return replaced

    def set_units(self, units: pd.DataFrame, conn: Connection | None = None) -> None:
        """Replace the unit register (from units.yaml) in the store."""
        with self._tx(conn) as conn:
            conn.execute(units_t.delete())
            if len(units):
                conn.execute(units_t.insert(), [
                    {c: (None if pd.isna(v) else str(v)) for c, v in zip(UNIT_COLUMNS, row)}
                    for row in units[list(UNIT_COLUMNS)].itertuples(index=False)])

    # ------------------------------------------------------------------ reading
    def read_tables(self) -> Tables:
        """All tidy tables (canonical columns and dtypes) plus the unit register."""
        out: dict[str, pd.DataFrame] = {}
        with self.engine.connect() as conn:
            for kind in KINDS:
                out[kind] = self._read_kind(conn, kind)
            out["units"] = self._read_units(conn)
        return Tables(**out)

    def read_units(self) -> pd.DataFrame:
        """The unit register (``etl.tables.UNIT_COLUMNS``), ordered by unit id."""
        with self.engine.connect() as conn:
            return self._read_units(conn)

    @staticmethod
    def _read_units(conn: Connection) -> pd.DataFrame:
        rows = conn.execute(sa.select(*[units_t.c[c] for c in UNIT_COLUMNS]).order_by(units_t.c.unit_id)).fetchall()
        return _frame(rows, UNIT_COLUMNS)

    def read_kind(self, kind: str) -> pd.DataFrame:
        """One tidy table (canonical columns and dtypes)."""
        with self.engine.connect() as conn:
            return self._read_kind(conn, kind)

    @staticmethod
    def _read_kind(conn: Connection, kind: str) -> pd.DataFrame:
        table = KIND_TABLES[kind]
        query = sa.select(*[table.c[c] for c in COLUMNS[kind]]).where(table.c.replaced_by.is_(None))
        # Plain DB-API fetch: no per-row result processing (dates arrive as ISO text or date objects,
        # booleans as 0/1); the columns are converted vectorised in _frame.
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(str(query.compile(dialect=conn.dialect)))
            rows = cursor.fetchall()
        finally:
            cursor.close()
        return _frame(rows, COLUMNS[kind])

    def status(self) -> pd.DataFrame:
        """What is loaded: per kind and unit ``first_period``, ``last_period``, ``rows``,
        ``last_load`` and ``warnings``: the warnings of the stored files that concern that unit.
        Warnings about a file as a whole (a totals row, a personal-data column, a deviation listed
        for many units) are counted once, in a row of the kind with ``unit_id`` ``"(hela filen)"``
        (:data:`FILE_LEVEL`; ``rows`` empty), present only when there are such warnings.  Warnings
        recorded before problems had a unit (schema < 4) count as file-level: no unit is guessed.
        ``unit_name`` is the register's name (the id, or the district, when it has none)."""
        parts = []
        with self.engine.connect() as conn:
            loads = dict(conn.execute(sa.select(loads_t.c.id, loads_t.c.finished_at)).all())
            names = dict(conn.execute(sa.select(units_t.c.unit_id, units_t.c.name)).all())
            warnings = conn.execute(sa.select(problems_t.c.id, problems_t.c.load_id, problems_t.c.file,
                                              problems_t.c.row, problems_t.c.unit_id)
                                    .where(problems_t.c.severity == "varning")).all()
            for kind in KINDS:
                t = KIND_TABLES[kind]
                unit, period = t.c[_unit_col(kind)], t.c[PERIOD_COLUMN[kind]]
                current = t.c.replaced_by.is_(None)
                spans = conn.execute(sa.select(
                    unit, sa.func.min(period), sa.func.max(period), sa.func.count(), sa.func.max(t.c.load_id))
                    .where(current).group_by(unit).order_by(unit)).all()
                if not spans:
                    continue
                files = {(lid, f) for lid, f in conn.execute(
                    sa.select(t.c.load_id, t.c.source_file).distinct().where(current)).all()}
                mine = [w for w in warnings if (w.load_id, w.file) in files]
                per_unit: dict[str, int] = {}
                file_level = 0
                units = {str(s[0]) for s in spans}
                for w in mine:
                    if w.unit_id and w.unit_id in units:
                        per_unit[w.unit_id] = per_unit.get(w.unit_id, 0) + 1
                    else:
                        file_level += 1
                for u, lo, hi, n, last in spans:
                    parts.append({"kind": kind, "unit_id": u, "unit_name": names.get(u) or str(u),
                                  "first_period": _period_text(lo), "last_period": _period_text(hi), "rows": int(n),
                                  "last_load": loads.get(last), "warnings": per_unit.get(str(u), 0)})
                if file_level:
                    parts.append({"kind": kind, "unit_id": FILE_LEVEL, "unit_name": FILE_LEVEL,
                                  "first_period": _period_text(min(s[1] for s in spans)),
                                  "last_period": _period_text(max(s[2] for s in spans)), "rows": None,
                                  "last_load": loads.get(max(s[4] for s in spans)), "warnings": file_level})
        cols = ["kind", "unit_id", "unit_name", "first_period", "last_period", "rows", "last_load", "warnings"]
        out = pd.DataFrame(parts, columns=cols)
        out["rows"] = out["rows"].astype("Int64")
        out["warnings"] = out["warnings"].astype("int64")
        return out

    def problems(self, load_id: int | None = None) -> pd.DataFrame:
        """Problems of one load, or (``None``) the outstanding ones: those of the latest load of
        each file that is not undone.  Columns of ``etl.problems.to_frame`` plus ``load_id``,
        ``loaded_at``, ``problem_id`` (for :meth:`review_problem`) and the latest review:
        ``reviewed_by``, ``reviewed_at``, ``review_comment`` (empty/NaT when not reviewed)."""
        with self.engine.connect() as conn:
            q = sa.select(problems_t, loads_t.c.started_at.label("loaded_at")).join(
                loads_t, loads_t.c.id == problems_t.c.load_id)
            if load_id is not None:
                q = q.where(problems_t.c.load_id == load_id)
            else:
                latest = sa.select(load_files_t.c.file, sa.func.max(load_files_t.c.load_id).label("lid")) \
                    .join(loads_t, loads_t.c.id == load_files_t.c.load_id) \
                    .where(load_files_t.c.status != "unchanged", loads_t.c.undone_at.is_(None)) \
                    .group_by(load_files_t.c.file).subquery()
                q = q.join(latest, sa.and_(latest.c.file == problems_t.c.file, latest.c.lid == problems_t.c.load_id))
            rows = conn.execute(q.order_by(problems_t.c.id)).mappings().all()
            reviews = self._latest_reviews(conn)
        base = to_frame([])
        review_cols = {"reviewed_by": pd.Series(dtype="str"), "reviewed_at": pd.Series(dtype="datetime64[s]"),
                       "review_comment": pd.Series(dtype="str")}
        if not rows:
            return base.assign(load_id=pd.Series(dtype="Int64"), loaded_at=pd.Series(dtype="datetime64[s]"),
                               problem_id=pd.Series(dtype="Int64"), **review_cols)
        df = pd.DataFrame([dict(r) for r in rows])
        out = df[list(base.columns) + ["load_id", "loaded_at"]].copy()
        out["row"] = out["row"].astype("Int64")
        out["load_id"] = out["load_id"].astype("Int64")
        out["problem_id"] = df["id"].astype("Int64")
        keys = [problem_key(*r) for r in out[["code", "file", "sheet", "row", "column", "value"]]
                .itertuples(index=False)]
        found = [reviews.get(k) for k in keys]
        out["reviewed_by"] = pd.array([r["reviewed_by"] if r else "" for r in found], dtype="str")
        out["reviewed_at"] = pd.Series([r["reviewed_at"] if r else None for r in found],
                                       dtype="datetime64[s]", index=out.index)
        out["review_comment"] = pd.array([r["comment"] if r else "" for r in found], dtype="str")
        return out

    @staticmethod
    def _latest_reviews(conn: Connection) -> dict[str, dict[str, Any]]:
        rows = conn.execute(sa.select(reviews_t).order_by(reviews_t.c.id)).mappings().all()
        return {r["problem_key"]: dict(r) for r in rows}  # later rows win

    def review_problem(self, problem_id: int, user: str, comment: str = "") -> None:
        """Mark a warning as reviewed by ``user`` with ``comment``.  The review is kept with the
        problem's identity (:func:`problem_key`), so it also covers the same warning from a later
        load of the file; reviewing again adds a new review (the latest is shown), nothing is lost.
        Raises :class:`ReviewError` for an unknown problem or an error (errors are fixed, not reviewed)."""
        if not str(user or "").strip():
            raise ReviewError("Ange vem som granskar varningen.")
        with self.engine.begin() as conn:
            p = conn.execute(sa.select(problems_t).where(problems_t.c.id == int(problem_id))).mappings().first()
            if p is None:
                raise ReviewError(f"Problem {problem_id} finns inte; ladda om sidan.")
            if p["severity"] != "varning":
                raise ReviewError("Bara varningar kan markeras som granskade; ett fel rättas i filen, som "
                                  "sedan laddas igen.")
            conn.execute(reviews_t.insert().values(
                problem_key=problem_key(p["code"], p["file"], p["sheet"], p["row"], p["column"], p["value"]),
                code=p["code"], file=p["file"], reviewed_by=str(user).strip(), reviewed_at=_now(),
                comment=str(comment or "").strip()))

    def would_replace(self, kind: str, frame: pd.DataFrame) -> pd.DataFrame:
        """What storing ``frame`` (tidy rows of ``kind``) would replace: per unit the first and last
        period it covers and how many stored rows lie in that span (``unit, first, last, rows``)."""
        cols = ["unit", "first", "last", "rows"]
        if frame is None or frame.empty:
            return pd.DataFrame(columns=cols)
        table = KIND_TABLES[kind]
        unit_col, period_col = _unit_col(kind), PERIOD_COLUMN[kind]
        spans = frame.groupby(unit_col, observed=True)[period_col].agg(["min", "max"])
        out = []
        with self.engine.connect() as conn:
            for unit, (lo, hi) in spans.iterrows():
                n = conn.execute(sa.select(sa.func.count()).select_from(table).where(
                    table.c[unit_col] == str(unit), table.c[period_col].between(_py(lo), _py(hi)),
                    table.c.replaced_by.is_(None))).scalar_one()
                out.append({"unit": str(unit), "first": lo, "last": hi, "rows": int(n)})
        return pd.DataFrame(out, columns=cols)

    def loads(self) -> pd.DataFrame:
        """One row per load: id, started_at, finished_at, user, data_dir, rows_added, rows_replaced,
        files (list of {file, source_id, kind, content_hash, status, rows_added, rows_replaced, errors,
        warnings})."""
        with self.engine.connect() as conn:
            loads = conn.execute(sa.select(loads_t).order_by(loads_t.c.id)).mappings().all()
            files = conn.execute(sa.select(load_files_t).order_by(load_files_t.c.id)).mappings().all()
        by_load: dict[int, list[dict[str, Any]]] = {}
        for f in files:
            d = dict(f)
            by_load.setdefault(d.pop("load_id"), []).append({k: v for k, v in d.items() if k != "id"})
        cols = [c.name for c in loads_t.c] + ["files"]
        return pd.DataFrame([{**dict(r), "files": by_load.get(r["id"], [])} for r in loads], columns=cols)

    def data_version(self) -> int:
        """Grows whenever a load stores rows or is undone (the app polls it to reload)."""
        with self.engine.connect() as conn:
            stored = conn.execute(sa.select(sa.func.count()).select_from(load_files_t)
                                  .where(load_files_t.c.status.in_(("stored", "undone")))).scalar_one()
            undone = conn.execute(sa.select(sa.func.count()).select_from(loads_t)
                                  .where(loads_t.c.undone_at.is_not(None))).scalar_one()
        return int(stored) + int(undone)

    # ------------------------------------------------------------------ stored results
    def put_result(self, name: str, data_version: int, key: str, parts: dict[str, bytes], seconds: float = 0.0) -> int:
        """Store a computed result ``name`` with its ``parts`` in one transaction and drop the older
        results of that name: readers see the old result or the new one, never a mix.  Returns its id."""
        with self.engine.begin() as conn:
            rid = conn.execute(results_t.insert().values(
                name=name, data_version=int(data_version), key=key, created_at=_now(),
                seconds=float(seconds))).inserted_primary_key[0]
            if parts:
                conn.execute(result_parts_t.insert(),
                             [{"result_id": rid, "key": k, "payload": v} for k, v in parts.items()])
            old = sa.select(results_t.c.id).where(results_t.c.name == name, results_t.c.id != rid)
            conn.execute(result_parts_t.delete().where(result_parts_t.c.result_id.in_(old)))
            conn.execute(results_t.delete().where(results_t.c.name == name, results_t.c.id != rid))
        return int(rid)

    def result_info(self, name: str) -> ResultInfo | None:
        """The current stored result ``name`` (None before the first is stored)."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(results_t).where(results_t.c.name == name)
                               .order_by(results_t.c.id.desc()).limit(1)).mappings().first()
        return ResultInfo(**dict(row)) if row is not None else None

    def result_part(self, result_id: int, key: str) -> bytes | None:
        """One part of a stored result (None when it has no such part or was replaced meanwhile)."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(result_parts_t.c.payload).where(
                result_parts_t.c.result_id == int(result_id), result_parts_t.c.key == key)).scalar()

    def undo_load(self, load_id: int) -> int:
        """Undo a load exactly: remove the rows it added and bring back the rows it replaced, in one
        transaction.  Raises :class:`UndoError` if a later load replaced rows of this one (undo that
        one first).  Returns the number of rows removed.  Waits for a running load to finish."""
        with self.load_lock(), self.engine.begin() as conn:
            load = conn.execute(sa.select(loads_t.c.undone_at).where(loads_t.c.id == load_id)).first()
            if load is None:
                raise UndoError(f"Laddning {load_id} finns inte.")
            if load.undone_at is not None:
                raise UndoError(f"Laddning {load_id} är redan ångrad.")
            for t in KIND_TABLES.values():
                later = conn.execute(sa.select(t.c.replaced_by).where(
                    t.c.load_id == load_id, t.c.replaced_by.is_not(None), t.c.replaced_by != load_id).limit(1)).scalar()
                if later is not None:
                    raise UndoError(f"Laddning {load_id} kan inte ångras: laddning {later} har ersatt delar av "
                                    f"den. Ångra laddning {later} först.")
            removed = 0
            for t in KIND_TABLES.values():
                removed += conn.execute(t.delete().where(t.c.load_id == load_id)).rowcount
                conn.execute(t.update().where(t.c.replaced_by == load_id).values(replaced_by=None))
            conn.execute(load_files_t.update().where(load_files_t.c.load_id == load_id,
                                                     load_files_t.c.status == "stored").values(status="undone"))
            conn.execute(loads_t.update().where(loads_t.c.id == load_id).values(undone_at=_now()))
        return removed

    def undo_blockers(self) -> dict[int, int]:
        """Loads that cannot be undone now (the rule of :meth:`undo_load`): load id -> the latest
        later load that replaced rows of it (undo that one first)."""
        out: dict[int, int] = {}
        with self.engine.connect() as conn:
            for t in KIND_TABLES.values():
                rows = conn.execute(sa.select(t.c.load_id, sa.func.max(t.c.replaced_by)).where(
                    t.c.replaced_by.is_not(None), t.c.replaced_by != t.c.load_id).group_by(t.c.load_id))
                for load_id, later in rows:
                    out[int(load_id)] = max(out.get(int(load_id), 0), int(later))
        return out

    def undo_rows(self, load_id: int) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
        """What undoing ``load_id`` would do, per kind it touched: (the rows it removes, the rows
        it brings back), as tidy frames."""
        out: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
        with self.engine.connect() as conn:
            for kind, t in KIND_TABLES.items():
                cols = [t.c[c] for c in COLUMNS[kind]]
                gone = conn.execute(sa.select(*cols).where(t.c.load_id == load_id, t.c.replaced_by.is_(None))).fetchall()
                back = conn.execute(sa.select(*cols).where(t.c.replaced_by == load_id)).fetchall()
                if gone or back:
                    out[kind] = (_frame(gone, COLUMNS[kind]), _frame(back, COLUMNS[kind]))
        return out

    def last_data_date(self) -> dt.date | None:
        """"Data t.o.m." (:func:`etl.grain.data_until`): the last day the stored loans and visits
        cover, each row by its own period end (a monthly row covers its whole month)."""
        ends = {}
        with self.engine.connect() as conn:
            for kind in DATA_UNTIL_KINDS:
                t = KIND_TABLES[kind]
                v = conn.execute(sa.select(sa.func.max(t.c.period_end)).where(t.c.replaced_by.is_(None))).scalar()
                ends[kind] = _to_date(v) if v is not None else None
        return data_until(ends)


# ---------------------------------------------------------------------- helpers
def _copy_rows(conn: Connection, table: str, cols: list[str], records: list[tuple[Any, ...]]) -> None:
    """Bulk insert on PostgreSQL with ``COPY ... FROM STDIN`` (psycopg 3), inside the transaction
    of ``conn``: many times faster than row-by-row ``INSERT``s."""
    names = ", ".join(f'"{c}"' for c in cols)
    with conn.connection.dbapi_connection.cursor() as cur:  # type: ignore[union-attr]
        with cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for record in records:
                copy.write_row(record)


def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "okänd"


def _py(v: Any) -> Any:
    if isinstance(v, pd.Timestamp):
        return v.date()
    if isinstance(v, np.generic):
        return v.item()
    return v


def _to_date(v: Any) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def _period_text(v: Any) -> str:
    return "" if v is None else str(v)[:10]


def _records(frame: pd.DataFrame, kind: str, cols: list[str], sqlite: bool) -> list[tuple[Any, ...]]:
    """Rows as tuples of plain Python values (None for missing), built column-wise."""
    types = {**COLUMNS[kind], "load_id": "Int64", "source_file": "str", "source_sheet": "str", "source_row": "Int64"}
    columns = []
    for c in cols:
        s = frame[c] if c in frame else pd.Series([None] * len(frame))
        t = types[c]
        missing = s.isna().to_numpy()
        if t == "datetime64[s]":
            days = s.to_numpy(dtype="datetime64[D]")
            vals = np.datetime_as_string(days, unit="D").astype(object) if sqlite else days.astype(object)
        elif t == "Int64":
            vals = s.to_numpy(dtype=np.float64, na_value=0).astype(np.int64).astype(object)
        elif t == "float64":
            vals = s.to_numpy(dtype=np.float64).astype(object)
        elif t == "bool":
            vals = s.to_numpy(dtype=bool, na_value=False).astype(object)
        else:
            vals = s.to_numpy(dtype=object)
        if missing.any():
            vals = vals.copy()
            vals[missing] = None
        columns.append(vals.tolist())
    return list(zip(*columns))


def _frame(rows: list[Any], dtypes: dict[str, str]) -> pd.DataFrame:
    """Rows from the database -> a frame with the canonical dtypes, converted column by column."""
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=_EMPTY_CATEGORY if t == "category" else t) for c, t in dtypes.items()})
    data: dict[str, Any] = {}
    for (name, dtype), column in zip(dtypes.items(), zip(*rows)):
        values = np.fromiter(column, dtype=object, count=len(rows))
        if dtype == "datetime64[s]":
            codes, uniques = pd.factorize(values)
            first = next((v for v in uniques if v is not None), None)
            conv = pd.to_datetime(pd.Index(uniques, dtype=object), format="%Y-%m-%d" if isinstance(first, str) else None)
            days = conv.to_numpy().astype("datetime64[s]")
            data[name] = np.where(codes >= 0, days[np.maximum(codes, 0)], np.datetime64("NaT"))
        elif dtype == "Int64":
            data[name] = pd.Series(np.asarray(values, dtype=np.float64)).astype("Int64")
        elif dtype == "float64":
            data[name] = np.asarray(values, dtype=np.float64)
        elif dtype == "bool":
            data[name] = np.asarray(values, dtype=np.float64) > 0
        elif dtype == "category":
            data[name] = pd.Categorical(values)
        else:
            data[name] = pd.array(values, dtype="str")
    return pd.DataFrame(data)


_EMPTY_CATEGORY = pd.CategoricalDtype(pd.Index([], dtype="str"))
