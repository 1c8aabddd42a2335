"""Issue 17: the meeting task by keyboard alone (choose the period, open a goal, write Analys,
present), with the skip link first and no keyboard trap on the way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from dashboard.data import DataSource
from tests.conftest_dashboard import sample_ds, sample_store_file  # noqa: F401  (fixtures)
from tests.test_issue6_browser import start

pytestmark = pytest.mark.browser


def active_id(dash_duo: Any) -> str:
    return dash_duo.driver.execute_script("return (document.activeElement && document.activeElement.id) || ''")


def tab_to(dash_duo: Any, element_id: str, limit: int = 120) -> None:
    """Press Tab until ``element_id`` has the focus (fails if it is never reached: a trap)."""
    for _ in range(limit):
        if active_id(dash_duo) == element_id:
            return
        dash_duo.driver.switch_to.active_element.send_keys(Keys.TAB)
    raise AssertionError(f"#{element_id} not reached with {limit} Tab presses (now at #{active_id(dash_duo)})")


def press(dash_duo: Any, *keys: str) -> None:
    dash_duo.driver.switch_to.active_element.send_keys(*keys)


def test_the_meeting_task_by_keyboard(dash_duo: Any, sample_ds: DataSource, tmp_path: Path) -> None:
    names = [g.name for g in sample_ds.plan().goal_set("biblioteksplan").goals]
    start(dash_duo, sample_ds, tmp_path / "no-users.yaml", "/?year=2026&period=T2")
    dash_duo.wait_for_element(".goal-card", timeout=30)
    dash_duo.find_element("body").send_keys(Keys.TAB)
    assert active_id(dash_duo) == "skip-link"  # the first stop

    # choose the period T1 in the native select by typing
    tab_to(dash_duo, '{"key":"period","type":"ctl"}')
    press(dash_duo, "T1")
    WebDriverWait(dash_duo.driver, 20).until(lambda d: "period=T1" in d.current_url)

    # open the goal page from the navigation
    tab_to(dash_duo, '{"key":"goal","type":"nav"}')
    press(dash_duo, Keys.ENTER)
    dash_duo.wait_for_text_to_equal("#goal-title", names[0], timeout=30)
    assert "period=T1" in dash_duo.driver.current_url

    # write Analys and save
    tab_to(dash_duo, "comment-analys", limit=200)
    press(dash_duo, "Fler lån än i fjol.")
    tab_to(dash_duo, "comment-author")
    press(dash_duo, "Anna")
    tab_to(dash_duo, "comment-save")
    press(dash_duo, Keys.ENTER)
    dash_duo.wait_for_contains_text("#comment-status", "Sparat", timeout=20)

    # present, and move on with the arrow key
    tab_to(dash_duo, '{"key":"present","type":"nav"}', limit=200)
    press(dash_duo, Keys.ENTER)
    dash_duo.wait_for_text_to_equal("#slide-title", names[0], timeout=30)
    dash_duo.find_element("body").send_keys(Keys.ARROW_RIGHT)
    dash_duo.wait_for_text_to_equal("#slide-title", names[1], timeout=20)
    assert dash_duo.get_logs() == []
