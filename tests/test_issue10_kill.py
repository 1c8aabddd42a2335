"""Issue 10: a load killed with SIGKILL at any point leaves the store as before or as after it, and
``bibplan status`` and the next load say that it was interrupted.

The load runs in a subprocess (``bibplan load``) that kills itself at a chosen point: while the
files are checked (the safety gate of the n-th file), while they are stored (the n-th file), just
before the load's transaction commits, and after the load has finished."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from etl.pipeline import load_config, load_paths
from etl.store import Store
from tests.test_issue10_files import data_digest

SOURCES = """\
sources:
  - {id: besok, kind: visits, pattern: "besok*.csv", counter_mode: in}
"""
UNITS = ("Gottsunda", "Sävja bibliotek", "Stadsbiblioteket", "Bokbussen")

#: Runs ``bibplan load DIR`` and kills itself (SIGKILL) at the n-th call of the patched function.
KILLER = r"""
import os, signal, sys
point, n, directory = sys.argv[1], int(sys.argv[2]), sys.argv[3]
calls = [0]

def kill_at(owner, name):
    orig = getattr(owner, name)
    def wrapped(*args, **kwargs):
        calls[0] += 1
        if calls[0] == n:
            os.kill(os.getpid(), signal.SIGKILL)
        return orig(*args, **kwargs)
    setattr(owner, name, wrapped)

import etl.upload_safety, etl.store, cli.data
if point == "gate":
    kill_at(etl.upload_safety, "check_upload")
elif point == "store":
    kill_at(etl.store.Store, "record_file")
elif point == "commit":
    kill_at(etl.store.Store, "finish_load")
elif point == "after":
    kill_at(cli.data, "print_problems")
from cli.main import main
main(["load", directory])
"""


def _month(unit: str, month: int) -> list[list[object]]:
    return [[f"2025-{month:02d}-{day:02d}", unit, 10 * month + day] for day in range(1, 29)]


@pytest.fixture
def setup(data_dir, write_csv, tmp_path):
    """A store holding January for every unit (loaded from one folder); a second folder with
    February to June, one file per month and unit (20 files)."""
    d = data_dir(SOURCES)
    first = tmp_path / "jan"
    first.mkdir()
    for name in ("units.yaml", "sources.yaml"):
        (first / name).write_text((d / name).read_text(encoding="utf-8"), encoding="utf-8")
    write_csv(first / "besok_jan.csv", [["Datum", "Bibliotek", "In"], *[r for u in UNITS for r in _month(u, 1)]])
    db = tmp_path / "kill.sqlite"
    store = Store(f"sqlite:///{db}")
    assert load_paths([first], load_config(first), store).rows_added == 4 * 28
    for m in range(2, 7):
        for i, u in enumerate(UNITS):
            write_csv(d / f"besok_{m}_{i}.csv", [["Datum", "Bibliotek", "In"], *_month(u, m)])
    return d, db, store


def _load_killed(point: str, n: int, d, db) -> int:
    env = {**os.environ, "BIBPLAN_STORE_URL": f"sqlite:///{db}"}
    proc = subprocess.run([sys.executable, "-c", KILLER, point, str(n), str(d)], env=env,
                          capture_output=True, text=True, timeout=600)
    return proc.returncode


def _status(db) -> str:
    return CliRunner().invoke(main, ["status", "--store", f"sqlite:///{db}"]).output


@pytest.mark.parametrize("point, n", [("gate", 12), ("store", 1), ("store", 20), ("commit", 1)])
def test_a_killed_load_leaves_the_store_as_before_and_says_so(setup, point, n):
    d, db, store = setup
    before = data_digest(db)
    assert _load_killed(point, n, d, db) == -signal.SIGKILL
    assert data_digest(db) == before
    status = _status(db)
    assert "avbröts innan den var klar" in status and "Ingenting från den sparades" in status
    # The next load says so too, then stores everything: January plus 20 files of 28 days.
    report = load_paths([d], load_config(d), store)
    notes = [p for p in report.problems if p.code == "interrupted_load"]
    assert len(notes) == 1 and notes[0].severity == "varning"
    assert report.rows_added == 20 * 28
    visits = store.read_kind("visits")
    # Per unit: sum over months 1-6 of (280*m + 406) = 280*21 + 6*406 = 8 316.
    assert visits.groupby(visits["unit_id"].astype(str))["visits"].sum().to_dict() == {
        "bokbuss": 8316.0, "gottsunda": 8316.0, "savja": 8316.0, "stadsbiblioteket": 8316.0}
    assert "avbröts" not in _status(db)


def test_a_load_killed_after_it_finished_is_complete(setup):
    d, db, store = setup
    assert _load_killed("after", 1, d, db) == -signal.SIGKILL
    visits = store.read_kind("visits")
    assert len(visits) == 6 * 4 * 28
    assert "avbröts" not in _status(db)


def test_a_load_killed_at_a_random_moment_is_before_or_after(setup):
    d, db, store = setup
    before = data_digest(db)
    env = {**os.environ, "BIBPLAN_STORE_URL": f"sqlite:///{db}"}
    for delay in (0.5, 2.0, 4.0):
        proc = subprocess.Popen([str(Path(sys.executable).with_name("bibplan")), "load", str(d)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.kill()
        proc.wait(timeout=60)
        rows = len(store.read_kind("visits"))
        assert rows in (4 * 28, 6 * 4 * 28)
        if rows == 4 * 28:
            assert data_digest(db) == before
        else:
            break
