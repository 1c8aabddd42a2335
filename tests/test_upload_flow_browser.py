"""Issue 18 in the browser: the statistics coordinator's monthly upload on the bundled sample, by
keyboard where a person would use it: a new month, the same file again, a corrected month, and the
undo of a load that replaced another, in and out of order, and a file with a bad cell.  Expected
counts and totals are worked out here: the sample's door counters count in and out, so a day's
visits are (in + out) / 2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from dashboard.data import DataSource
from tests.a11y import assert_accessible
from tests.conftest_dashboard import sample_ds, sample_store_file  # noqa: F401  (fixtures)
from tests.test_issue6_browser import click, data_dir, go, start, visits_file  # noqa: F401

pytestmark = pytest.mark.browser


def text(dash_duo: Any, selector: str) -> str:
    return " ".join(dash_duo.find_element(selector).get_attribute("textContent").split())


def upload(dash_duo: Any, path: Path) -> None:
    """Choose ``path`` alone (Chromium adds files to a multiple file input: empty it first)."""
    field = dash_duo.wait_for_element("#upload-files input[type=file]", timeout=60)
    dash_duo.driver.execute_script("arguments[0].value = '';", field)
    field.send_keys(str(path))


def tab_to(dash_duo: Any, element_id: str, limit: int = 60) -> None:
    """Press Tab until ``element_id`` has the focus (fails if it is never reached: a trap)."""
    body = dash_duo.find_element("body")
    for _ in range(limit):
        if dash_duo.driver.execute_script("return document.activeElement && document.activeElement.id") == element_id:
            return
        dash_duo.driver.switch_to.active_element.send_keys(Keys.TAB) if _ else body.send_keys(Keys.TAB)
    raise AssertionError(f"#{element_id} not reached with {limit} Tab presses")


def test_the_monthly_upload_by_keyboard(dash_duo: Any, sample_ds: DataSource, tmp_path: Path,
                                        data_dir: Path) -> None:  # noqa: F811
    nov = visits_file(tmp_path / "besok_inut_2026-11.xlsx",
                      [["2026-11-02", "Gottsunda", 400, 400], ["2026-11-03", "Gottsunda", 380, 380]])
    start(dash_duo, sample_ds, tmp_path / "no-users.yaml", "/uppladdning")

    # 1. a new month: two new rows, nothing replaced; the summary comes before the button
    upload(dash_duo, nov)
    dash_duo.wait_for_element("#upload-confirm", timeout=60)
    assert text(dash_duo, "#upload-chosen") == "Valda filer: besok_inut_2026-11.xlsx"
    assert text(dash_duo, "#upload-summary") == "1 fil läses in: 2 nya rader, 0 ersatta, 0 oförändrade."
    assert text(dash_duo, "#upload-announce") == text(dash_duo, "#upload-summary")  # the live region
    row = [c.get_attribute("textContent") for c in dash_duo.find_elements("#upload-changes-0 tbody tr:first-child > *")]
    assert row == ["Gottsunda", "nov 2026", "ny", "–", "780", ""]  # 400 + 380
    assert_accessible(dash_duo, "upload preview")
    tab_to(dash_duo, "upload-confirm")  # no keyboard trap between the drop zone and Läs in
    dash_duo.driver.switch_to.active_element.send_keys(Keys.ENTER)
    dash_duo.wait_for_contains_text("#upload-done", "2 nya rader, 0 ersatta, 0 oförändrade", timeout=90)
    assert "Besök: data t.o.m. 2026-11-03" in text(dash_duo, "#upload-reach")
    assert "period=M11" in dash_duo.find_element("#upload-link-month").get_attribute("href")
    dash_duo.wait_for_text_to_equal("#data-until", "Data t.o.m. 2026-11-03", timeout=10)  # no reload
    assert_accessible(dash_duo, "upload result")

    # 2. the same file again: already loaded, nothing to do, no button
    upload(dash_duo, nov)
    dash_duo.wait_for_contains_text("#upload-files-summary", "Redan inläst den", timeout=60)
    assert "inget att göra" in text(dash_duo, "#upload-files-summary")
    assert not dash_duo.find_elements("#upload-confirm")

    # 3. a corrected November: the 2nd 400 -> 500, the 3rd the same
    fixed = visits_file(tmp_path / "besok_inut_2026-11_rattad.xlsx",
                        [["2026-11-02", "Gottsunda", 500, 500], ["2026-11-03", "Gottsunda", 380, 380]])
    upload(dash_duo, fixed)
    dash_duo.wait_for_element("#upload-confirm", timeout=60)
    assert text(dash_duo, "#upload-summary") == "1 fil läses in: 0 nya rader, 1 ersatta, 1 oförändrade."
    row = [c.get_attribute("textContent") for c in dash_duo.find_elements("#upload-changes-0 tbody tr:first-child > *")]
    assert row == ["Gottsunda", "nov 2026", "ersätts", "780", "880", "+100"]
    click(dash_duo, "#upload-confirm")
    dash_duo.wait_for_contains_text("#upload-done", "0 nya rader, 1 ersatta, 1 oförändrade", timeout=90)

    # 4. a file with a bad cell: "stängt" is one error (text, not a number) and nothing else about
    #    that cell (no "tom cell ... sparas som saknad": nothing is saved); the advice fits the case
    bad = visits_file(tmp_path / "besok_inut_2026-11_fel.xlsx",
                      [["2026-11-04", "Gottsunda", 410, 410], ["2026-11-05", "Gottsunda", "stängt", 300]])
    upload(dash_duo, bad)
    dash_duo.wait_for_contains_text("#upload-files-summary", "Vägras: 1 fel", timeout=60)
    assert text(dash_duo, "#upload-summary") == "Inget läses in. 1 fil vägras (se nedan varför)."
    assert text(dash_duo, "#upload-nothing") == "Inget att läsa in: rätta felen ovan och ladda upp filerna igen."
    problems = [" | ".join(c.get_attribute("textContent") for c in tr.find_elements("css selector", "td"))
                for tr in dash_duo.find_elements("#upload-problems-0 tbody tr")]
    assert [p for p in problems if "3" in p.split(" | ")[2]] == [  # Excel row 3: the header is row 1
        "fel | Besök | 3 | In | stängt | Cellen ska innehålla ett tal men innehåller text. Skriv talet "
        "(t.ex. 1 234) eller lämna cellen tom om värdet saknas."]
    assert not dash_duo.find_elements("#upload-confirm")

    # 5. undo out of order is not offered: load 2 is replaced in part by load 3, so only load 3
    #    offers Ångra, and its dialog says what goes and what comes back
    dash_duo.wait_for_contains_text("#load-row-2", "Ångra inläsning 3 först", timeout=20)
    assert not dash_duo.find_elements("#load-row-2 button")
    click(dash_duo, "#load-row-3 button")
    alert = WebDriverWait(dash_duo.driver, 10).until(expected_conditions.alert_is_present())
    assert "Besök Gottsunda nov 2026: 880 → 780 (2 rader tas bort, 2 kommer tillbaka)" in alert.text
    alert.accept()
    # load 3 stored the file's two rows: they go, load 2's two rows come back (780 again)
    dash_duo.wait_for_text_to_equal("#undo-done", "Inläsning 3 är ångrad: 2 rader borttagna.", timeout=60)
    dash_duo.wait_for_text_to_equal("#data-until", "Data t.o.m. 2026-11-03", timeout=10)
    # 6. now load 2 can be undone: November goes, the header goes back to October's end
    dash_duo.wait_for_element("#load-row-2 button", timeout=20)
    click(dash_duo, "#load-row-2 button")
    alert = WebDriverWait(dash_duo.driver, 10).until(expected_conditions.alert_is_present())
    assert "Besök Gottsunda nov 2026: 780 → – (2 rader tas bort, 0 kommer tillbaka)" in alert.text
    alert.accept()
    dash_duo.wait_for_text_to_equal("#undo-done", "Inläsning 2 är ångrad: 2 rader borttagna.", timeout=60)
    dash_duo.wait_for_text_to_equal("#data-until", "Data t.o.m. 2026-10-31", timeout=10)
    assert not (sample_ds.store.read_tables().visits["date"] >= pd.Timestamp("2026-11-01")).any()  # November gone
    assert dash_duo.get_logs() == []
