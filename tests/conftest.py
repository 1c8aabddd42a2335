"""Shared fixtures: a tiny data directory (units.yaml, sources.yaml) and file writers."""

from __future__ import annotations

import csv
import socket
from collections.abc import Callable
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
