"""Loading the bundled sample into PostgreSQL against loading it into SQLite (the floor).

A throw-away PostgreSQL cluster is started on a free loopback port (``tests/pgserver.py``: initdb,
pg_ctl; as root the server runs as ``nobody``) and removed afterwards; each run loads into a new
database.  Target (issue 13): PostgreSQL within 1.5× the SQLite time.  Skipped with a note when
PostgreSQL or psycopg is not installed.
"""

from __future__ import annotations

import itertools
import sys
import tempfile
from pathlib import Path

from bench.common import Result, median_time

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def _load(url: str) -> None:
    from etl.pipeline import load_dir
    from etl.store import Store

    store = Store(url)
    report = load_dir(SAMPLE, store, user="bench")
    store.engine.dispose()
    assert not report.has_errors


def run(quick: bool) -> list[Result]:
    from tests.pgserver import PgServer, find_pg_bin

    bin_dir, why = find_pg_bin()
    try:
        import psycopg  # noqa: F401
    except ImportError:
        bin_dir, why = None, "psycopg is not installed (pip install -e '.[postgres]')"
    if bin_dir is None:
        print(f"(benchmark store_postgres skipped: {why})", file=sys.stderr)
        return []
    repeat = 2 if quick else 3
    counter = itertools.count()
    server = PgServer(bin_dir)
    try:
        with tempfile.TemporaryDirectory(prefix="bibplan-bench-pg-") as tmp:
            sqlite = median_time(lambda: _load(f"sqlite:///{tmp}/s{next(counter)}.sqlite"), repeat=repeat)
            pg = median_time(lambda: _load(server.create_database(f"b{next(counter)}")), repeat=repeat)
    finally:
        server.stop()
    return [Result("load whole sample → PostgreSQL 15 (COPY)", pg, "the same load → SQLite", sqlite, "< 1.5× floor")]
