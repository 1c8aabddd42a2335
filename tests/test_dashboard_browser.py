"""The app in a real browser (dash_duo, Debian Chromium, headless) on the bundled sample, loaded by
the real ETL once per session.  Expected numbers come from ``goals`` directly and are formatted in
the test with babel's Swedish locale, independently of ``dashboard.formatting``."""

from __future__ import annotations

import decimal
from typing import Any

import pytest
from babel.numbers import format_decimal
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

import goals
from dashboard.app import create_app
from dashboard.data import DataSource
from tests.conftest_dashboard import sample_ds, sample_store_file  # noqa: F401  (fixtures)
from tests.conftest import free_port

pytestmark = pytest.mark.browser

PAGES = [
    ("/", ".goal-card"),
    ("/mal?goal=kultur", ".indicator .js-plotly-plot"),
    ("/enheter?unit=gottsunda", "#unit-profile-grid .ag-row"),
    ("/data", "#coverage-graph .js-plotly-plot"),
    ("/jamforelse", "#compare-grid-utlan_per_invanare .ag-row"),
    ("/mal?goal=sprak_las", "#ind-compare-lasframjande_per_1000_barn"),
    ("/presentation", ".tile"),
]


def swedish(value: float, decimals: int) -> str:
    with decimal.localcontext() as ctx:  # halves up, as the app shows them
        ctx.rounding = decimal.ROUND_HALF_UP
        return format_decimal(value, format="#,##0" + ("." + "0" * decimals if decimals else ""), locale="sv_SE")


def choose(dash_duo: Any, picker: str, label: str) -> None:
    """Pick the option with ``label`` in a view control (a native ``<select>``)."""
    Select(dash_duo.find_element(picker)).select_by_visible_text(label)


def chosen(dash_duo: Any, picker: str) -> str:
    return Select(dash_duo.find_element(picker)).first_selected_option.text


def start(dash_duo: Any, ds: DataSource, path: str) -> None:
    dash_duo.start_server(create_app(ds), dev_tools_disable_version_check=True, port=free_port())
    dash_duo.wait_for_page(dash_duo.server_url + path)


@pytest.mark.parametrize(("path", "ready"), PAGES)
def test_page_renders_without_errors(dash_duo: Any, sample_ds: DataSource, path: str, ready: str) -> None:
    start(dash_duo, sample_ds, path)
    dash_duo.wait_for_element(ready, timeout=20)
    assert dash_duo.find_element(".data-until").get_attribute("textContent") == "Data t.o.m. 2026-10-31"
    assert dash_duo.get_logs() == []


def test_changing_the_period_shows_the_goal_models_numbers(dash_duo: Any, sample_ds: DataSource) -> None:
    plan, tables = sample_ds.plan(), sample_ds.tables()
    first = plan.goal_set("biblioteksplan").goals[0]
    ind = plan.indicator(first.indicators[0])

    def expected(period: str) -> str:
        fu = goals.followup(plan, tables, 2026, period)
        value = fu.loc[fu["indicator_id"] == ind.id, "value"].iloc[0]
        return swedish(value, ind.decimals)

    t2, t1 = expected("T2"), expected("T1")
    assert t1 != t2
    start(dash_duo, sample_ds, f"/mal?year=2026&period=T2&goal={first.id}")
    selector = f"#ind-{ind.id} .fig-value.big"
    dash_duo.wait_for_text_to_equal(selector, t2, timeout=20)
    choose(dash_duo, ".picker-period", "T1 (jan–apr)")
    dash_duo.wait_for_text_to_equal(selector, t1, timeout=20)
    assert "period=T1" in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []


def test_the_url_restores_the_view(dash_duo: Any, sample_ds: DataSource) -> None:
    start(dash_duo, sample_ds, "/mal?year=2025&period=T1&unit=gottsunda&goal=kultur")
    dash_duo.wait_for_text_to_equal("#goal-title", "Kulturcentra", timeout=20)
    assert dash_duo.find_element(".goal-head .eyebrow").text == "Mål 5 · T1 2025 (jan–apr) · Gottsunda"
    assert chosen(dash_duo, ".picker-year") == "2025"
    assert chosen(dash_duo, ".picker-period") == "T1 (jan–apr)"
    assert chosen(dash_duo, ".picker-unit") == "Gottsunda"
    # a link to another page keeps the view
    dash_duo.find_element(".main-nav a[href^='/enheter']").click()
    dash_duo.wait_for_text_to_equal("#units-title", "Gottsunda · T1 2025 (jan–apr)", timeout=20)
    assert dash_duo.get_logs() == []


def test_a_saved_comment_is_there_after_a_restart(dash_duo: Any, sample_ds: DataSource) -> None:
    path = "/mal?year=2026&period=T2&goal=demokrati"
    start(dash_duo, sample_ds, path)
    dash_duo.wait_for_element(".indicator .js-plotly-plot", timeout=20)  # the page has settled
    analys = dash_duo.wait_for_element("#comment-analys", timeout=20)
    analys.send_keys("Fler samtal och debatter än i fjol.")
    dash_duo.find_element("#comment-author").send_keys("Anna Andersson")
    # the grids above re-measure their rows while the page settles, so the button may move under
    # the pointer: click it through the DOM (the same click event React handles)
    dash_duo.driver.execute_script("arguments[0].click();", dash_duo.find_element("#comment-save"))
    dash_duo.wait_for_contains_text("#comment-status", "Sparat", timeout=10)
    assert "Anna Andersson" in dash_duo.find_element("#comment-meta-analys").text

    restarted = DataSource(sample_ds.url, plan_path=sample_ds.plan_path)  # a new process: nothing cached
    start(dash_duo, restarted, path)
    dash_duo.wait_for_element("#comment-analys", timeout=20)
    dash_duo.wait_for_text_to_equal("#comment-analys", "Fler samtal och debatter än i fjol.", timeout=10)
    assert dash_duo.get_logs() == []


def test_presentation_arrow_keys_change_goal(dash_duo: Any, sample_ds: DataSource) -> None:
    names = [g.name for g in sample_ds.plan().goal_set("biblioteksplan").goals]
    start(dash_duo, sample_ds, "/presentation?year=2026&period=T2")
    dash_duo.wait_for_text_to_equal("#slide-title", names[0], timeout=20)
    body = dash_duo.find_element("body")
    body.send_keys(Keys.ARROW_RIGHT)
    dash_duo.wait_for_text_to_equal("#slide-title", names[1], timeout=10)
    body.send_keys(Keys.ARROW_LEFT)
    body.send_keys(Keys.ARROW_LEFT)
    dash_duo.wait_for_text_to_equal("#slide-title", names[-1], timeout=10)
    assert "goal=" in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []
