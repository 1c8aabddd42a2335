"""The meeting in a real browser on the bundled sample: the slide fills 1920×1080 with status, the
deciding indicators, the charts and both texts without scrolling; the red goal's card says why; an
action written on the goal page shows on the closing slide."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.keys import Keys

from dashboard.app import create_app
from dashboard.data import DataSource
from tests.conftest import free_port
from tests.conftest_dashboard import sample_ds, sample_store_file  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
OUTPUT = Path(__file__).resolve().parents[1] / "build" / "test-output" / "meeting"

VISIBLE = """
const el = document.querySelector(arguments[0]);
if (!el) return null;
const r = el.getBoundingClientRect();
return [r.top, r.bottom, r.left, r.right, window.innerHeight, window.innerWidth];
"""


def start(dash_duo: Any, ds: DataSource, path: str, size: tuple[int, int]) -> None:
    dash_duo.start_server(create_app(ds), dev_tools_disable_version_check=True, port=free_port())
    dash_duo.driver.set_window_size(*size)
    dash_duo.wait_for_page(dash_duo.server_url + path)
    # make the viewport (not the window with its browser bars) the asked size
    extra = dash_duo.driver.execute_script("return [window.outerWidth - window.innerWidth, "
                                           "window.outerHeight - window.innerHeight]")
    if any(extra):
        dash_duo.driver.set_window_size(size[0] + extra[0], size[1] + extra[1])


def on_screen(dash_duo: Any, selector: str) -> bool:
    box = dash_duo.driver.execute_script(VISIBLE, selector)
    assert box is not None, f"{selector} is not on the page"
    top, bottom, left, right, height, width = box
    return top >= 0 and bottom <= height + 0.5 and left >= 0 and right <= width + 0.5


def test_slide_fills_1920x1080_without_scrolling(dash_duo: Any, sample_ds: DataSource) -> None:
    store = sample_ds.store
    store.add_comment("demokrati", 2026, "T2", None, "analys",
                      "Färre debatter än i fjol: två stora arrangemang flyttades till hösten.", "Anna")
    store.add_comment("demokrati", 2026, "T2", None, "atgarder", "Boka tre samtalskvällar före jul.", "Anna")
    store.save_action(goal_id="demokrati", year=2026, period="T1", text="Samtalsserie med kommunfullmäktige",
                      owner="Bo Berg", due=dt.date(2026, 11, 30), state="pagar", author="anna")
    start(dash_duo, sample_ds, "/presentation?year=2026&period=T2&goal=demokrati", (1920, 1080))
    dash_duo.wait_for_text_to_equal("#slide-title", "Bidra till livaktig demokrati", timeout=30)
    dash_duo.wait_for_element(".tile .js-plotly-plot", timeout=20)
    dash_duo.wait_for_contains_text("#slide-analys", "Färre debatter", timeout=10)
    assert "Boka tre samtalskvällar" in dash_duo.find_element("#slide-atgarder").text
    assert "Samtalsserie med kommunfullmäktige" in dash_duo.find_element("#slide-actions").text  # carried from T1
    OUTPUT.mkdir(parents=True, exist_ok=True)
    dash_duo.driver.save_screenshot(str(OUTPUT / "slide-1920x1080.png"))  # for a person to look at
    why = dash_duo.find_element(".slide-why").text
    assert why.startswith("Därför ej uppnått:") and "Föredrag, debatter och möten" in why
    for selector in ("#slide-title", ".slide-head .status-badge", ".slide-why", ".tile:last-child .js-plotly-plot",
                     "#slide-analys", "#slide-atgarder", "#slide-actions", "#present-fullscreen"):
        assert on_screen(dash_duo, selector), (selector, dash_duo.driver.execute_script(VISIBLE, selector))
    scroll = dash_duo.driver.execute_script("return [document.documentElement.scrollHeight, window.innerHeight]")
    assert scroll[0] <= scroll[1]
    # → goes to the next goal; the closing slide lists every goal's actions
    dash_duo.find_element("body").send_keys(Keys.ARROW_RIGHT)
    dash_duo.wait_for_text_to_equal("#slide-title", "Tillgängliga och välkomnande", timeout=10)
    dash_duo.driver.get(dash_duo.server_url + "/presentation?year=2026&period=T2&goal=atgarder")
    dash_duo.wait_for_text_to_equal("#slide-title", "Åtgärder att följa upp", timeout=20)
    assert "Samtalsserie med kommunfullmäktige" in dash_duo.find_element(".closing-actions").text
    assert dash_duo.get_logs() == []


def test_red_goal_card_names_the_indicator_that_makes_it_red(dash_duo: Any, sample_ds: DataSource) -> None:
    start(dash_duo, sample_ds, "/?year=2026&period=T2", (1440, 1000))
    dash_duo.wait_for_element(".goal-card", timeout=30)
    card = next(c for c in dash_duo.find_elements(".goal-card") if "Bidra till livaktig demokrati" in c.text)
    text = card.text
    assert "Därför ej uppnått:" in text
    # the deciding indicators worst first, each with its reason: the change against the change target
    fu = sample_ds.followup(2026, "T2")
    worst = fu[(fu["goal_id"] == "demokrati") & (fu["status"] == "ej_uppnatt")].sort_values("change_pct")
    first = worst.iloc[0]
    pct = f"{abs(first['change_pct']):.1f}".replace(".", ",")
    assert f"{first['indicator_name']}: förändring −{pct}" in text
    assert text.index("Därför ej uppnått:") < text.index(str(first["indicator_name"]))
    assert dash_duo.get_logs() == []
