"""Dashboard callbacks: server time per callback over the HTTP endpoint, next to a no-op callback.

Data: ``goals.synthetic.build`` for 10 years × 15 units (a main library, 12 district libraries, 2
bookmobiles) written to a temporary SQLite store; the sample's ``biblioteksplan.yaml``.  Each
callback is POSTed to ``/_dash-update-component`` through Flask's test client (the same request a
browser sends, without the network), a few hundred times; reported: median and p95 server time,
next to a no-op callback registered on the same app and timed in the same run (the floor: Dash's
own request handling).  *warm* repeats one view (the rendered view is memoised, as when a meeting
looks at the same period); *cold* empties the app's caches before every call (every call fetches
the stored follow-up's parts again and renders the view, as the first look after a new load; the
stored result is computed once before the measurements, ``dashboard.stored``).  Also the process's peak memory
(what one gunicorn worker holds for this data).
"""

from __future__ import annotations

import json
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from dash import Input, Output

from bench.common import Result

REPO = Path(__file__).resolve().parent.parent
PLAN = REPO / "data" / "sample" / "biblioteksplan.yaml"


def _sid(i: Any) -> str:
    return json.dumps(i, sort_keys=True, separators=(",", ":")) if isinstance(i, dict) else str(i)


def _body(output: str, outputs: list[tuple[Any, str]], inputs: list[tuple[Any, str, Any]],
          state: list[tuple[Any, str, Any]] = ()) -> dict:  # fmt: skip
    outs = [{"id": i, "property": p} for i, p in outputs]
    return {
        "output": output,
        "outputs": outs if len(outs) > 1 else outs[0],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": [f"{_sid(inputs[0][0])}.{inputs[0][1]}"],
    }


def _ctl(key: str) -> dict:
    return {"type": "ctl", "key": key}


def _bodies(ds: Any) -> dict[str, dict]:
    plan = ds.plan()
    goal = plan.goal_set("biblioteksplan").goals[0]
    ind = plan.indicator(goal.indicators[0])
    key = {"ind": ind.id, "year": 2026, "period": "T2", "unit": None, "lang": "sv",
           "decimals": ind.decimals, "unit_label": ind.unit}  # fmt: skip
    view = [(_ctl("year"), "value", 2026), (_ctl("period"), "value", "T2"), (_ctl("unit"), "value", "ALLA")]
    search = [("url", "search", "?year=2026&period=T2")]
    return {
        "Översikt: cards": _body(
            "..overview-title.children...overview-counts.children...overview-cards.children..",
            [("overview-title", "children"), ("overview-counts", "children"), ("overview-cards", "children")],
            view, search,
        ),
        "Mål: goal head, summary, sections": _body(
            "..goal-head.children...goal-summary.children...goal-indicators.children..",
            [("goal-head", "children"), ("goal-summary", "children"), ("goal-indicators", "children")],
            [(_ctl("goal"), "value", goal.id), *view], search,
        ),
        "Mål: trend chart": _body(
            '{"ind":["MATCH"],"type":"ind-trend"}.figure',
            [({"type": "ind-trend", "ind": ind.id}, "figure")],
            [({"type": "ind-state", "ind": ind.id}, "data", key)],
        ),
        "Mål: units chart and table": _body(
            '..{"ind":["MATCH"],"type":"ind-units"}.figure...{"ind":["MATCH"],"type":"ind-units-grid"}.children..',
            [({"type": "ind-units", "ind": ind.id}, "figure"), ({"type": "ind-units-grid", "ind": ind.id}, "children")],
            [({"type": "ind-state", "ind": ind.id}, "data", key), ({"type": "opt", "key": "include"}, "value", ["main"])],
        ),
        "Mål: year to date and months": _body(
            '..{"ind":["MATCH"],"type":"ind-ytd"}.figure...{"ind":["MATCH"],"type":"ind-monthly"}.children..',
            [({"type": "ind-ytd", "ind": ind.id}, "figure"), ({"type": "ind-monthly", "ind": ind.id}, "children")],
            [({"type": "ind-state", "ind": ind.id}, "data", key)],
        ),
        "Enheter: unit profile": _body(
            "..units-title.children...units-profile.children..",
            [("units-title", "children"), ("units-profile", "children")],
            [(_ctl("year"), "value", 2026), (_ctl("period"), "value", "T2"), (_ctl("unit"), "value", "filial03")],
            search,
        ),
        "Data: coverage grid": _body(
            "coverage-graph.figure", [("coverage-graph", "figure")],
            [({"type": "opt", "key": "kind"}, "value", "visits")], search,
        ),
        "Presentation: slide": _body(
            "present-slide.children", [("present-slide", "children")],
            [(_ctl("goal"), "value", goal.id), *view], search,
        ),
    }


def _time_posts(client: Any, body: dict, n: int, before: Any = None) -> list[float]:
    times = []
    for _ in range(n):
        if before is not None:
            before()
        t0 = time.perf_counter()
        response = client.post("/_dash-update-component", json=body)
        times.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"{body['output']}: HTTP {response.status_code}: {response.get_data(as_text=True)[:300]}")
    return times


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def first_render(app: Any, ds: Any, runs: int) -> tuple[float, float] | None:
    """Median seconds from navigation to Översikt's cards drawn (sparklines included) in headless
    Chromium, with the view cache empty (first look after a load) and warm; None without Chromium."""
    import shutil
    import threading

    from werkzeug.serving import make_server

    if not shutil.which("chromedriver") or not Path("/usr/bin/chromium").exists():
        return None
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1440,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options)
    url = f"http://127.0.0.1:{server.server_port}/?year=2026&period=T2"
    timings: dict[str, list[float]] = {"cold": [], "warm": []}
    try:
        driver.get(url)  # browser cache of the JS bundles warmed, as for a returning user
        WebDriverWait(driver, 30).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".sparkline .main-svg")))
        for kind in ("cold", "warm") * runs:
            if kind == "cold":
                ds.forget()
            driver.get("about:blank")
            t0 = time.perf_counter()
            driver.get(url)
            WebDriverWait(driver, 30).until(
                lambda d: len(d.find_elements(By.CSS_SELECTOR, ".goal-card .sparkline .main-svg")) >= 7
            )
            timings[kind].append(time.perf_counter() - t0)
    finally:
        driver.quit()
        server.shutdown()
    return statistics.median(timings["cold"]), statistics.median(timings["warm"])


def run(quick: bool = False) -> list[Result]:
    from dashboard.app import create_app
    from dashboard.data import DataSource
    from dashboard.testing import fill_store
    from etl.store import Store
    from goals.synthetic import build

    n = 60 if quick else 300
    n_cold = 15 if quick else 60
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        fill_store(Store(url), build(years=range(2017, 2027), n_districts=12, n_bookmobiles=2))
        ds = DataSource(url, plan_path=PLAN)
        ds.wait_stored()  # the stored follow-up, as a running app has it after the load
        app = create_app(ds)

        @app.callback(Output("bench-noop", "children"), Input("bench-noop-in", "value"))
        def noop(value: Any) -> Any:
            return value

        client = app.server.test_client()
        noop_body = _body("bench-noop.children", [("bench-noop", "children")], [("bench-noop-in", "value", 1)])
        floor = _time_posts(client, noop_body, n)
        floor = _time_posts(client, noop_body, n)  # after warm-up
        floor_median = statistics.median(floor)
        results = []
        for name, body in _bodies(ds).items():
            _time_posts(client, body, 3)  # warm-up
            warm = _time_posts(client, body, n)
            cold = _time_posts(client, body, n_cold, before=ds.forget)
            results.append(
                Result(
                    name=f"callback {name} (warm)",
                    seconds=statistics.median(warm),
                    floor_name="no-op callback",
                    floor_seconds=floor_median,
                    target="p95 < 50 ms",
                    extra=f"p95 {_p95(warm) * 1000:.1f} ms; cold median {statistics.median(cold) * 1000:.1f} ms, "
                    f"p95 {_p95(cold) * 1000:.1f} ms",
                )
            )
        render = first_render(app, ds, 3 if quick else 5)
        if render is not None:
            results.append(
                Result(
                    name="Översikt first render in Chromium (cold view cache)", seconds=render[0],
                    target="< 1.5 s", extra=f"warm view cache {render[1] * 1000:.0f} ms",
                )
            )  # fmt: skip
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        results.append(
            Result(
                name="no-op callback (floor)", seconds=floor_median, target="",
                extra=f"p95 {_p95(floor) * 1000:.2f} ms; process peak memory {peak_mb:.0f} MB (target < 400 MB)",
            )
        )  # fmt: skip
    return results


if __name__ == "__main__":
    from bench.common import print_results

    print_results(run(quick=True))
