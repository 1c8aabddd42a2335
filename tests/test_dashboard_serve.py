"""``bibplan serve`` under gunicorn: several workers, comments saved through all of them kept."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cli.serve import gunicorn_command
from dashboard.testing import fill_store
from etl.store import Store
from tests.conftest_dashboard import TINY_PLAN, tiny_tables

SAVE_OUTPUT = ("..comment-status.children...comment-loaded.data...comment-meta-analys.children..."
               "comment-meta-atgarder.children...comment-history-analys.children..."
               "comment-history-atgarder.children...author-store.data..")  # fmt: skip


def test_gunicorn_command() -> None:
    cmd = gunicorn_command("0.0.0.0", 8123, 3)
    assert Path(cmd[0]).name == "gunicorn"
    assert cmd[1:] == ["dashboard.wsgi:server", "--bind", "0.0.0.0:8123", "--workers", "3",
                       "--no-control-socket", "--timeout", "120", "--access-logfile", "-"]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _save_body(text: str, author: str) -> bytes:
    key = {"goal": "lasning", "year": 2026, "period": "T1", "unit": None, "lang": "sv"}
    outputs = [{"id": p.split(".")[0], "property": p.split(".")[1]} for p in SAVE_OUTPUT.strip(".").split("...")]
    state = [("comment-analys", "value", text), ("comment-atgarder", "value", ""),
             ("comment-author", "value", author), ("comment-key", "data", key),
             ("comment-loaded", "data", {"analys": None, "atgarder": None})]  # fmt: skip
    body = {
        "output": SAVE_OUTPUT, "outputs": outputs,
        "inputs": [{"id": "comment-save", "property": "n_clicks", "value": 1}],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": ["comment-save.n_clicks"],
    }  # fmt: skip
    return json.dumps(body).encode()


@pytest.mark.slow
def test_comments_saved_through_several_workers_are_all_kept(tmp_path: Path) -> None:
    plan = tmp_path / "biblioteksplan.yaml"
    plan.write_text(TINY_PLAN, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    fill_store(Store(url), tiny_tables())
    port = _free_port()
    env = {**os.environ, "BIBPLAN_STORE_URL": url, "BIBPLAN_DATA_DIR": str(tmp_path)}
    cmd = gunicorn_command("127.0.0.1", port, 3)
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/_dash-layout", timeout=2)
                break
            except OSError:
                time.sleep(0.2)

        def save(i: int) -> str:
            request = urllib.request.Request(
                base + "/_dash-update-component", data=_save_body(f"Version {i}", f"Skribent {i}"),
                headers={"Content-Type": "application/json"},
            )  # fmt: skip
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)["response"]["comment-status"]["children"]

        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(save, range(24)))
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert all(s.startswith("Sparat") for s in statuses)
    history = Store(url).comment_history("lasning", 2026, "T1", None, "analys")
    assert sorted(c.text for c in history) == sorted(f"Version {i}" for i in range(24))
    assert {c.author for c in history} == {f"Skribent {i}" for i in range(24)}
