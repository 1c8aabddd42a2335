"""Serving many: N clients for S seconds on random views of gunicorn on loopback, one saving comments.

The sample is loaded through the ETL into a temporary SQLite store (the follow-up is computed and
stored as after ``bibplan load``) and served by gunicorn with ``bibplan serve``'s command line and
default worker count on a free 127.0.0.1 port.  For each client count, two runs of ``seconds``:

- *floor*: every client asks for the trivial endpoint the open pages poll (``/_bibplan/version``,
  a small JSON answer): what the same server does per second when a request costs nothing;
- *views*: every client posts random views (year, period, unit, goal) of Översikt, Mål (head and
  summary, trend, units, months), Enheter, the coverage grid and Presentation to
  ``/_dash-update-component``, as a browser does, while one more client saves an Analys text
  every half second.

Reported: views/s against the floor's requests/s (target: at least a quarter), p50/p95/p99 of the
views (target p95 < 250 ms), errors (any answer but 200), and the largest worker RSS (target
< 250 MB).  The server is stopped at the end; everything stays on loopback.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import Result
from bench.dashboard_callbacks import _body, _ctl

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
PLAN = SAMPLE / "biblioteksplan.yaml"
VERSION_PATH = "/_bibplan/version"
PERIODS = ("T1", "T2", "helar", "Q1", "Q2", "Q3", "Q4", *(f"M{m:02d}" for m in range(1, 13)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Views:
    """Random view requests of the dashboard's pages."""

    def __init__(self, plan: Any, years: list[int], units: list[str]):
        self.goals = plan.goal_set("biblioteksplan").goals
        self.plan, self.years, self.units = plan, years, units

    def body(self, rng: random.Random) -> dict:
        year, period = rng.choice(self.years), rng.choice(PERIODS)
        unit, goal = rng.choice(["ALLA", *self.units]), rng.choice(self.goals)
        ind = self.plan.indicator(rng.choice(goal.indicators))
        search = [("url", "search", f"?year={year}&period={period}&unit={unit}&goal={goal.id}")]
        view = [(_ctl("year"), "value", year), (_ctl("period"), "value", period), (_ctl("unit"), "value", unit)]
        key = {"ind": ind.id, "year": year, "period": period, "unit": None if unit == "ALLA" else unit,
               "lang": "sv", "decimals": ind.decimals, "unit_label": ind.unit}  # fmt: skip
        state = [({"type": "ind-state", "ind": ind.id}, "data", key)]
        choices = [
            lambda: _body("..overview-title.children...overview-counts.children...overview-cards.children..",
                          [("overview-title", "children"), ("overview-counts", "children"),
                           ("overview-cards", "children")], view, search),
            lambda: _body("..goal-head.children...goal-summary.children...goal-indicators.children..",
                          [("goal-head", "children"), ("goal-summary", "children"), ("goal-indicators", "children")],
                          [(_ctl("goal"), "value", goal.id), *view], search),
            lambda: _body('{"ind":["MATCH"],"type":"ind-trend"}.figure',
                          [({"type": "ind-trend", "ind": ind.id}, "figure")], state),
            lambda: _body('..{"ind":["MATCH"],"type":"ind-units"}.figure...{"ind":["MATCH"],"type":"ind-units-grid"}.children..',
                          [({"type": "ind-units", "ind": ind.id}, "figure"),
                           ({"type": "ind-units-grid", "ind": ind.id}, "children")],
                          [*state, ({"type": "opt", "key": "include"}, "value", ["main"])]),
            lambda: _body('..{"ind":["MATCH"],"type":"ind-ytd"}.figure...{"ind":["MATCH"],"type":"ind-monthly"}.children..',
                          [({"type": "ind-ytd", "ind": ind.id}, "figure"),
                           ({"type": "ind-monthly", "ind": ind.id}, "children")], state),
            lambda: _body("..units-title.children...units-profile.children..",
                          [("units-title", "children"), ("units-profile", "children")],
                          [(_ctl("year"), "value", year), (_ctl("period"), "value", period),
                           (_ctl("unit"), "value", rng.choice(self.units))], search),
            lambda: _body("coverage-graph.figure", [("coverage-graph", "figure")],
                          [({"type": "opt", "key": "kind"}, "value", rng.choice(["loans", "visits", "events"]))],
                          search),
            lambda: _body("present-slide.children", [("present-slide", "children")],
                          [(_ctl("goal"), "value", goal.id), *view], search),
        ]
        return rng.choice(choices)()

    def comment(self, rng: random.Random, n: int) -> dict:
        goal, year = rng.choice(self.goals), max(self.years)
        key = {"goal": goal.id, "year": year, "period": "T2", "unit": None, "lang": "sv"}
        return _body(
            "..comment-status.children...comment-loaded.data...comment-meta-analys.children..."
            "comment-meta-atgarder.children...comment-history-analys.children...comment-history-atgarder.children..."
            "author-store.data..",
            [("comment-status", "children"), ("comment-loaded", "data"), ("comment-meta-analys", "children"),
             ("comment-meta-atgarder", "children"), ("comment-history-analys", "children"),
             ("comment-history-atgarder", "children"), ("author-store", "data")],
            [("comment-save", "n_clicks", n)],
            [("comment-analys", "value", f"Lasttest {n}"), ("comment-atgarder", "value", ""),
             ("comment-author", "value", "lasttest"), ("comment-key", "data", key), ("comment-loaded", "data", {})],
        )


class Client(threading.Thread):
    """One client: requests back to back on one keep-alive connection until ``stop`` is set."""

    def __init__(self, port: int, request: Any, stop: threading.Event, pause: float = 0.0, seed: int = 0):
        super().__init__(daemon=True)
        self.port, self.request, self.stop, self.pause = port, request, stop, pause
        self.rng = random.Random(seed)
        self.times: list[float] = []
        self.errors = 0

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        n = 0
        while not self.stop.is_set():
            n += 1
            method, path, body = self.request(self.rng, n)
            headers = {"Content-Type": "application/json"} if body is not None else {}
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            if not self.stop.is_set():
                self.times.append(time.perf_counter() - t0)
                self.errors += not ok
            if self.pause:
                self.stop.wait(self.pause)
        conn.close()


def _drive(port: int, clients: int, seconds: float, request: Any, writer: Any = None) -> tuple[list[float], int, float]:
    stop = threading.Event()
    threads = [Client(port, request, stop, seed=i) for i in range(clients)]
    if writer is not None:
        threads.append(Client(port, writer, stop, pause=0.5, seed=10_000))
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    elapsed = time.perf_counter() - t0
    for t in threads:
        t.join(timeout=90)
    measured = threads[:clients]
    times = [x for t in measured for x in t.times]
    return times, sum(t.errors for t in threads), elapsed


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn stopped (exit {proc.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", VERSION_PATH)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer in time")


def _q(times: list[float], q: int) -> float:
    return statistics.quantiles(times, n=100)[q - 1] if len(times) > 1 else (times[0] if times else float("nan"))


def run(quick: bool = False) -> list[Result]:
    import goals
    from cli.serve import gunicorn_command
    from dashboard.stored import open_followup, rebuild
    from etl.pipeline import load_dir
    from etl.store import Store

    seconds = 4.0 if quick else 12.0
    counts = (16,) if quick else (16, 50)
    workers = min(2 * (os.cpu_count() or 1) + 1, 8)
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        store = Store(url)
        load_dir(SAMPLE, store)
        rebuild(store, PLAN)
        plan = goals.load_plan(PLAN)
        source = open_followup(store, PLAN, plan)
        views = Views(plan, source.years(), list(source.units()["unit_id"]))
        store.engine.dispose()
        port = _free_port()
        cmd = [c for c in gunicorn_command("127.0.0.1", port, workers) if c not in ("--access-logfile", "-")]
        env = {**os.environ, "BIBPLAN_STORE_URL": url, "BIBPLAN_DATA_DIR": str(SAMPLE),
               "BIBPLAN_SERVE_HOST": "127.0.0.1"}  # fmt: skip
        proc = subprocess.Popen(cmd, env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True)
        try:
            _wait_ready(port, proc)

            def trivial(rng: random.Random, n: int) -> tuple[str, str, None]:
                return "GET", VERSION_PATH, None

            def view(rng: random.Random, n: int) -> tuple[str, str, dict]:
                return "POST", "/_dash-update-component", views.body(rng)

            def comment(rng: random.Random, n: int) -> tuple[str, str, dict]:
                return "POST", "/_dash-update-component", views.comment(rng, n)

            # each worker imports, opens the store and reads its first parts once: not what is measured
            _drive(port, workers, 2.0, view)
            for clients in counts:
                floor_times, floor_errors, floor_s = _drive(port, clients, seconds, trivial)
                view_times, errors, view_s = _drive(port, clients, seconds, view, comment)
                rss = max((_rss_mb(c) for c in _children(proc.pid)), default=0.0)
                floor_rate, rate = len(floor_times) / floor_s, len(view_times) / view_s
                results.append(Result(
                    name=f"serve: {clients} clients × {seconds:.0f} s, random views + 1 comment writer "
                         f"({workers} gunicorn workers)",
                    seconds=_q(view_times, 95),
                    floor_name="trivial request p95",
                    floor_seconds=_q(floor_times, 95),
                    target="≥ ¼ of floor views/s; p95 < 250 ms; RSS < 250 MB",
                    extra=f"{rate:.0f} views/s vs {floor_rate:.0f} trivial/s = {rate / floor_rate:.2f}; "
                          f"p50 {_q(view_times, 50) * 1000:.0f} ms, p95 {_q(view_times, 95) * 1000:.0f} ms, "
                          f"p99 {_q(view_times, 99) * 1000:.0f} ms; errors {errors + floor_errors}; "
                          f"largest worker RSS {rss:.0f} MB",
                ))  # fmt: skip
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            if proc.returncode not in (0, -signal.SIGTERM) and err:
                print(err[-2000:], file=sys.stderr)
    return results


if __name__ == "__main__":
    from bench.common import print_results

    print_results(run(quick="--quick" in sys.argv))
