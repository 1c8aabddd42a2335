"""Shared fixtures: a tiny data directory (units.yaml, sources.yaml) and file writers."""

from __future__ import annotations

import csv
import os
import secrets
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

UNITS_YAML = """\
municipality: Testkommun
units:
  - id: stadsbiblioteket
    name: Stadsbiblioteket
    type: huvudbibliotek
  - id: gottsunda
    name: Gottsunda bibliotek
    type: stadsdelsbibliotek
    district: Gottsunda
    aliases: [{name: Gottsunda}]
  - id: savja
    name: Sävja bibliotek
    type: stadsdelsbibliotek
    district: Sävja
    aliases:
      - {name: Sävja filial, valid_to: 2021-12-31}
  - id: bokbuss
    name: Bokbussen
    type: bokbuss
"""


def write_xlsx_file(path: Path, rows: list[list[Any]], sheet: str = "Blad1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_csv_file(path: Path, rows: list[list[Any]], encoding: str = "cp1252", delimiter: str = ";") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


@pytest.fixture
def write_xlsx() -> Callable[..., Path]:
    """``write_xlsx(path, rows, sheet="Blad1")``: a workbook with ``rows`` from A1 (openpyxl)."""
    return write_xlsx_file


@pytest.fixture
def write_csv() -> Callable[..., Path]:
    """``write_csv(path, rows, encoding="cp1252", delimiter=";")``."""
    return write_csv_file


@pytest.fixture
def data_dir(tmp_path: Path) -> Callable[[str], Path]:
    """``data_dir(sources_yaml)``: a data directory with the test units.yaml and the given sources."""

    def make(sources: str, units: str = UNITS_YAML) -> Path:
        d = tmp_path / "data"
        d.mkdir(exist_ok=True)
        (d / "units.yaml").write_text(units, encoding="utf-8")
        (d / "sources.yaml").write_text(sources, encoding="utf-8")
        return d

    return make


def pytest_setup_options():  # dash_duo: Debian's Chromium, a fixed window (see shared recipes)
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    options.add_argument("--window-size=1280,900")
    return options


def free_port() -> int:
    """A free loopback port, so browser tests in parallel checkouts never collide on Dash's 8050."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- skips for missing programs
def _browser_missing() -> str:
    missing = [name for name, path in (("chromium", "/usr/bin/chromium"), ("chromedriver", None))
               if not (Path(path).exists() if path else shutil.which(name))]
    if not missing:
        return ""
    return f"{' and '.join(missing)} not installed: run scripts/system-packages.sh as root (apt-get install chromium chromium-driver)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests are skipped with one line saying why when Chromium or chromedriver is missing,
    instead of erroring in dash_duo's set-up."""
    reason = _browser_missing()
    if not reason:
        return
    for item in items:
        if "browser" in item.keywords or "dash_duo" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason=reason))


# --------------------------------------------------------------------------- PostgreSQL
@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """A PostgreSQL server for the whole test session (tests/pgserver.py), or a skip saying why."""
    from tests.pgserver import PgServer, find_pg_bin

    bin_dir, why = find_pg_bin()
    if bin_dir is None:
        pytest.skip(why)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed: pip install -e '.[postgres]'")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root without runuser: PostgreSQL cannot be started as another user")
    server = PgServer(bin_dir)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty store: a SQLite file, and (second run) a new database on the session's
    PostgreSQL server, dropped after the test.  Tests taking it run on both."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        return
    server = request.getfixturevalue("pg_server")
    name = "t_" + secrets.token_hex(6)
    url = server.create_database(name)
    try:
        yield url
    finally:
        server.drop_database(name)
