"""Issue 6 in a real browser (dash_duo, headless Chromium) on the bundled sample: each role logs in
and sees only what it may; an administrator uploads a good file, loads it and sees the data move,
uploads a bad file and sees its errors with row numbers, and undoes a load to get the old data back."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from dashboard.app import create_app
from dashboard.auth import add_user, hash_password
from dashboard.data import DataSource
from tests.conftest_dashboard import REPO, sample_ds, sample_store_file  # noqa: F401  (fixtures)
from tests.conftest import free_port

pytestmark = pytest.mark.browser

PASSWORDS = {"anna": "anna-hemligt-1", "rolf": "rolf-hemligt-2", "lisa": "lisa-hemligt-3"}
ROLES = {"anna": "administratör", "rolf": "redaktör", "lisa": "läsare"}
VISITS_HEADER = ["Datum", "Enhet", "In", "Ut"]  # the sample's besok_inut_*.xlsx layout (in + out)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample's configuration (units, sources) in a folder of its own: uploads are staged there."""
    d = tmp_path / "data"
    d.mkdir()
    for name in ("units.yaml", "sources.yaml"):
        shutil.copy(REPO / "data" / "sample" / name, d / name)
    monkeypatch.setenv("BIBPLAN_DATA_DIR", str(d))
    return d


def visits_file(path: Path, rows: list[list[Any]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Besök"
    for r in [VISITS_HEADER, *rows]:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    return path


def start(dash_duo: Any, ds: DataSource, users: Path, path: str) -> None:
    # navigate=False: with users, the first page is the login form, not the Dash app.
    dash_duo.start_server(create_app(ds, users_path=users), navigate=False, dev_tools_disable_version_check=True, port=free_port())
    go(dash_duo, path)


def go(dash_duo: Any, path: str) -> None:
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + path)


def click(dash_duo: Any, selector: str) -> None:
    """Click through the DOM: grids above may still re-measure and move the element."""
    dash_duo.driver.execute_script("arguments[0].click();", dash_duo.wait_for_element(selector, timeout=20))


def upload(dash_duo: Any, *paths: Path) -> None:
    dash_duo.wait_for_element("#upload-files input[type=file]", timeout=20).send_keys("\n".join(map(str, paths)))


def data_until(dash_duo: Any, expected: str) -> None:
    go(dash_duo, "/data")
    dash_duo.wait_for_text_to_equal(".data-until", f"Data t.o.m. {expected}", timeout=20)


# --------------------------------------------------------------------------- roles
def test_each_role_logs_in_and_sees_only_what_it_may(dash_duo: Any, sample_ds: DataSource, tmp_path: Path,
                                                     data_dir: Path) -> None:
    users = tmp_path / "users.yaml"
    for name, role in ROLES.items():
        add_user(users, name, role, hash_password(PASSWORDS[name]))
    start(dash_duo, sample_ds, users, "/")
    for name in ("lisa", "rolf", "anna"):
        dash_duo.wait_for_element("#login-button", timeout=20)
        dash_duo.find_element("#username").send_keys(name)
        dash_duo.find_element("#password").send_keys(PASSWORDS[name])
        dash_duo.find_element("#login-button").click()
        dash_duo.wait_for_text_to_equal("#user-name", f"{name} ({ROLES[name]})", timeout=20)
        nav = [a.text for a in dash_duo.find_elements(".main-nav a")]
        assert ("Uppladdning" in nav) == (name == "anna")
        go(dash_duo, "/uppladdning")
        if name == "anna":
            dash_duo.wait_for_element("#upload-files", timeout=20)
        else:
            dash_duo.wait_for_contains_text("#page-refused", "Din roll får inte", timeout=20)
        go(dash_duo, "/mal?year=2026&period=T2&goal=demokrati")
        dash_duo.wait_for_element("#comment-analys", timeout=20)
        assert bool(dash_duo.find_elements("#comment-save")) == (name != "lisa")
        assert dash_duo.get_logs() == []
        click(dash_duo, "#logout-link")


# --------------------------------------------------------------------------- upload, load, undo
def test_upload_a_good_file_load_it_and_undo(dash_duo: Any, sample_ds: DataSource, tmp_path: Path,
                                             data_dir: Path) -> None:
    no_users = tmp_path / "no-users.yaml"  # local mode: the local user is an administrator
    good = visits_file(tmp_path / "besok_inut_2026-11.xlsx",
                       [["2026-11-02", "Gottsunda", 400, 400], ["2026-11-03", "Gottsunda", 380, 380]])
    start(dash_duo, sample_ds, no_users, "/data")
    dash_duo.wait_for_text_to_equal(".data-until", "Data t.o.m. 2026-10-31", timeout=20)
    go(dash_duo, "/uppladdning")
    upload(dash_duo, good)
    dash_duo.wait_for_element("#upload-changes-0 tbody tr", timeout=30)
    replaces = dash_duo.find_element("#upload-changes-0").get_attribute("textContent")
    assert "Gottsunda" in replaces and "nov 2026" in replaces
    click(dash_duo, "#upload-confirm")
    dash_duo.wait_for_contains_text("#upload-done", "2 nya rader, 0 ersatta", timeout=30)
    data_until(dash_duo, "2026-11-03")

    go(dash_duo, "/uppladdning")
    dash_duo.wait_for_element("#load-row-2 button", timeout=20)
    click(dash_duo, "#load-row-2 button")
    alert = WebDriverWait(dash_duo.driver, 10).until(expected_conditions.alert_is_present())
    assert alert.text.startswith("Ångra inläsning 2 (")
    alert.accept()
    dash_duo.wait_for_contains_text("#undo-done", "Inläsning 2 är ångrad: 2 rader borttagna.", timeout=20)
    data_until(dash_duo, "2026-10-31")
    assert dash_duo.get_logs() == []


def test_upload_a_bad_file_shows_its_errors_with_row_numbers(dash_duo: Any, sample_ds: DataSource,
                                                             tmp_path: Path, data_dir: Path) -> None:
    bad = visits_file(tmp_path / "besok_inut_2026-12.xlsx",
                      [["2026-12-01", "Gottsunda", "många", 10], ["2026-12-02", "Okänd filial", 5, 5]])
    start(dash_duo, sample_ds, tmp_path / "no-users.yaml", "/uppladdning")
    upload(dash_duo, bad)
    dash_duo.wait_for_element("#upload-problems-0 tbody tr", timeout=30)
    dash_duo.wait_for_contains_text("#upload-nothing", "Inget att läsa in", timeout=10)
    rows = {c.get_attribute("textContent") for c in dash_duo.find_elements("#upload-problems-0 tbody td:nth-child(3)")}
    assert {"2", "3"} <= rows  # Excel rows of the two bad cells (row 1 is the header)
    assert "besok_inut_2026-12.xlsx" in dash_duo.find_element("#upload-details").get_attribute("textContent")
    assert "Okänd filial" in dash_duo.find_element("#upload-problems-0").get_attribute("textContent")
    assert not dash_duo.find_elements("#upload-confirm")
    assert len(sample_ds.store.loads()) == 1  # nothing stored
    assert dash_duo.get_logs() == []
