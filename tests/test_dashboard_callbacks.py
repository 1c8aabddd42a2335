"""Callback bodies called as plain functions on a tiny store whose numbers are computed by hand.

The tiny data set (tests/conftest_dashboard.py): two units, loans every month from January 2025
to October 2026.  Norr lends 100 + 20 renewals a month in 2025 and 110 + 20 in 2026; Syd 50 + 10
both years.  So for T1 (January–April):
  2026: 4 × (130 + 60) = 760, 2025: 4 × (120 + 60) = 720, change +5,6 %,
  target +3 % on last year: 720 × 1,03 = 741,6 -> "742"; Norr 4 × 130 = 520, Syd 4 × 60 = 240.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import openpyxl
import pandas as pd
import pytest

from dashboard import comments, downloads, state
from dashboard.app import create_app, render
from dashboard.data import DataSource
from dashboard.pages import goal, overview, units
from dashboard.testing import fill_store
from etl.tables import Tables, conform
from tests.conftest_dashboard import tiny_ds, tiny_tables  # noqa: F401  (fixture)

NB = "\u00a0"


def texts(component: Any) -> list[str]:
    """Every string in a Dash component tree, depth first."""
    if component is None:
        return []
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [s for c in component for s in texts(c)]
    return texts(getattr(component, "children", None))


def find(component: Any, cls: str) -> list[Any]:
    """Components whose className contains ``cls``."""
    out = []
    if isinstance(component, (list, tuple)):
        for c in component:
            out += find(c, cls)
        return out
    if component is None or isinstance(component, str):
        return out
    if cls in (getattr(component, "className", "") or "").split():
        out.append(component)
    return out + find(getattr(component, "children", None), cls)


def view(**kw: Any) -> state.ViewState:
    return state.ViewState(**{"year": 2026, "period": "T1", **kw})


def test_default_view_is_the_latest_complete_tertial(tiny_ds: DataSource) -> None:
    # data until 2026-10-31: T2 (Jan–Aug) is complete, the year is not
    assert tiny_ds.default_view() == (2026, "T2")
    assert state.resolve(tiny_ds, state.parse("")) == state.ViewState(year=2026, period="T2")
    assert state.resolve(tiny_ds, state.parse("?year=2025&unit=okand")) == state.ViewState(year=2025, period="helar")


def test_overview_card_numbers(tiny_ds: DataSource) -> None:
    title, counts, cards = overview.overview_content(tiny_ds, 2026, "T1", None, view())
    assert title == "T1 2026 (jan–apr) · Hela biblioteket"
    assert [t for t in texts(cards) if t in ("760", "+5,6" + NB + "%")] == ["760", "+5,6" + NB + "%"]
    # the period value goes with the period target (742), the forecast with the full-year target:
    # Jan–Apr is 4/12 of a flat year: 760 × 3 = 2 280; all of 2025 = 12 × 180 = 2 160, × 1,03 = 2 224,8
    assert "mål jan–apr 742" in texts(cards)
    assert f"prognos helår 2{NB}280 · helårsmål 2{NB}225" in texts(cards)
    assert texts(counts)[:2] == ["✓", "1"]  # one goal, uppnått
    assert cards[0].href == "/mal?year=2026&period=T1&goal=lasning"


def test_changing_the_period_changes_the_numbers(tiny_ds: DataSource) -> None:
    # T2: 8 × 190 = 1 520 against 8 × 180 = 1 440
    _, _, cards = overview.overview_content(tiny_ds, 2026, "T2", None, view(period="T2"))
    assert f"1{NB}520" in texts(cards)
    _, _, cards = overview.overview_content(tiny_ds, 2026, "T2", "syd", view(period="T2", unit="syd"))
    assert "480" in texts(cards)  # Syd: 8 × 60


def test_goal_page_summary_and_units(tiny_ds: DataSource) -> None:
    head, summary, sections = goal.goal_content(tiny_ds, view(goal="lasning"))
    assert "Läsning" in texts(head)
    grid = find(summary, "bib-grid")[0]
    row = grid.rowData[0]
    assert (row["value"], row["value__fmt"], row["previous__fmt"]) == (760.0, "760", "720")
    assert row["change_text__fmt"] == f"+5,6{NB}%" and row["target__fmt"] == "742"
    assert row["forecast__fmt"] == f"2{NB}280" and row["target_full_year__fmt"] == f"2{NB}225"
    assert row["status__fmt"] == "✓ Uppnått"
    assert len(sections) == 1 and sections[0].id == "ind-utlan"

    key = {"ind": "utlan", "year": 2026, "period": "T1", "unit": None, "lang": "sv", "decimals": 0, "unit_label": "lån"}
    fig, table = goal.units_content(tiny_ds, key, ["main", "buses"])
    assert list(fig.data[0].y) == ["Södra biblioteket", "Norrbiblioteket"]
    assert list(fig.data[0].x) == [240.0, 520.0]
    assert [(r["unit_name"], r["status__fmt"]) for r in table.rowData] == [
        ("Norrbiblioteket", "✓ Uppnått"),  # +8,3 % against a +3 % target
        ("Södra biblioteket", "✗ Ej uppnått"),  # ±0 % is below +3 % − 2 points
    ]

    fig, table = goal.monthly_content(tiny_ds, key)
    october, november = table.rowData[9], table.rowData[10]
    assert (october["month"], october["cumulative__fmt"], october["cumulative_previous__fmt"]) == (
        "Oktober", f"1{NB}900", f"1{NB}800")  # fmt: skip
    assert (november["cumulative__fmt"], november["cumulative_previous__fmt"]) == ("–", f"1{NB}980")
    assert len(fig.data[1].x) == 10  # this year's line stops at October


def test_unit_profile_page(tiny_ds: DataSource) -> None:
    title, body = units.profile_content(tiny_ds, view(unit="norr"))
    assert title == "Norrbiblioteket · T1 2026 (jan–apr)"
    row = find(body, "bib-grid")[0].rowData[0]
    # Loans are a count that adds up over units: Norr's 520 is part of the whole library's 760, so
    # no "difference against the whole library" is shown (it would read −32 %, which says nothing).
    assert (row["value__fmt"], row["org_value__fmt"], row["diff_pct__fmt"]) == ("520", "760", "–")


def test_unit_profile_without_unit_asks_for_one(tiny_ds: DataSource) -> None:
    """With "Hela biblioteket" chosen, the page says to pick a unit instead of showing another one."""
    title, body = units.profile_content(tiny_ds, view(unit=None))
    assert title == "Enheter · T1 2026 (jan–apr)"
    assert "Välj en enhet" in body.children and not find(body, "bib-grid")


def test_router_renders_every_page(tiny_ds: DataSource) -> None:
    for path, marker in [("/", "goal-cards"), ("/mal", "goal-page"), ("/enheter", "units-page"),
                         ("/data", "data-page"), ("/presentation", "present-page")]:  # fmt: skip
        header, body, shell, meta = render(tiny_ds, path, "?year=2026&period=T1&lang=en")
        assert find(header, "app-header")
        assert meta["lang"] == "en" and meta["title"].endswith(" – Library plan follow-up")
        assert find(body, marker) or marker in (body.className or ""), path
    _, body, _, meta = render(tiny_ds, "/finns-inte", "")
    assert meta == {"lang": "sv", "title": "Sidan finns inte – Biblioteksplanens uppföljning"}
    assert texts(body) == ["Sidan finns inte."]


def test_an_unknown_period_in_the_url_is_reported_not_replaced_silently(tiny_ds: DataSource) -> None:
    _, body, _, _ = render(tiny_ds, "/", "?year=2026&period=T3")
    assert texts(body)[0] == ("Perioden T3 finns inte: T1, T2, helar (helår), Q1–Q4 eller M01–M12. "
                              "Visar T2 2026 (jan–aug).")
    _, body, _, _ = render(tiny_ds, "/", "?year=2026&period=T1")
    assert "finns inte" not in " ".join(texts(body))


def test_comments_are_versioned_and_survive_a_new_app(tiny_ds: DataSource) -> None:
    key = {"goal": "lasning", "year": 2026, "period": "T1", "unit": None, "lang": "sv"}
    msg, loaded, _ = comments.save_comments(tiny_ds, key, {"analys": "Bra start."}, "", {})
    assert msg.startswith("Skriv ditt namn")
    assert tiny_ds.comments("lasning", 2026, "T1", None) == {}

    msg, loaded, conflict = comments.save_comments(
        tiny_ds, key, {"analys": "Bra start.", "atgarder": ""}, "Anna", {"analys": None, "atgarder": None})
    assert msg.startswith("Sparat") and not conflict
    # someone else saves a new analys in between (another worker, same store)
    other = DataSource(tiny_ds.url, plan_path=tiny_ds.plan_path)
    other.add_comment("lasning", 2026, "T1", None, "analys", "Bättre än väntat.", "Bo")
    msg, loaded, conflict = comments.save_comments(
        tiny_ds, key, {"analys": "Bra start, utlånen ökar.", "atgarder": "Fler bokcirklar."}, "Anna", loaded)
    assert conflict and "Båda versionerna finns kvar" in msg

    fresh = DataSource(tiny_ds.url, plan_path=tiny_ds.plan_path)  # a restart: nothing in memory
    latest = fresh.comments("lasning", 2026, "T1", None)
    assert (latest["analys"].text, latest["analys"].author) == ("Bra start, utlånen ökar.", "Anna")
    assert latest["atgarder"].text == "Fler bokcirklar."
    history = [c.text for c in fresh.comment_history("lasning", 2026, "T1", None, "analys")]
    assert history == ["Bra start.", "Bättre än väntat.", "Bra start, utlånen ökar."]
    panel = comments.comments_panel(fresh, view(goal="lasning"), "Anna")
    assert "Bra start, utlånen ökar." in [getattr(c, "value", None) for c in find(panel, "comment-text")]
    assert "Tidigare versioner (2)" in texts(panel)


def test_download_frames(tiny_ds: DataSource) -> None:
    df, name = downloads.frame_for(tiny_ds, "units:utlan", view())
    assert name == "units-utlan-2026-t1.xlsx"
    assert df[["Enhet", "Utfall", "Status"]].values.tolist() == [
        ["Norrbiblioteket", 520.0, "Uppnått"], ["Södra biblioteket", 240.0, "Ej uppnått"]]  # fmt: skip
    df, name = downloads.frame_for(tiny_ds, "coverage", view(), {"kind": "loans"})
    assert name == "tackning-loans.xlsx"
    assert len(df) == 2 * 22 and set(df["Täckning"]) == {"ok"}  # two units × Jan 2025–Oct 2026
    df, _ = downloads.frame_for(tiny_ds, "monthly:utlan", view())
    assert df["Ackumulerat i år"].tolist()[:4] == [190.0, 380.0, 570.0, 760.0]
    pytest.importorskip("report")
    book = openpyxl.load_workbook(io.BytesIO(downloads.to_bytes(df, "manad")))
    sheet = book.active
    assert [c.value for c in sheet[1]][:2] == ["Månad", "Utfall"]
    assert sheet["D5"].value == 760


def test_new_load_shows_without_restart(tiny_ds: DataSource, tmp_path: Any) -> None:
    assert tiny_ds.last_data_date().isoformat() == "2026-10-31"
    november = conform("loans", pd.DataFrame([
        {"month": pd.Timestamp(2026, 11, 1), "unit_id": u, "media_type": "bok", "audience": "vuxna",
         "genre": "skonlitteratur", "initial_loans": 1, "renewals": 0} for u in ("norr", "syd")]))  # fmt: skip
    fill_store(tiny_ds.store, Tables(units=tiny_tables().units, loans=november))
    assert tiny_ds.last_data_date().isoformat() == "2026-11-30"  # check_every=0: checked at once
    assert tiny_ds.followup(2026, "M11")["value"].iloc[0] == 2.0


def test_app_factory_registers_the_callbacks(tiny_ds: DataSource) -> None:
    app = create_app(tiny_ds)
    outputs = set(app.callback_map)
    assert "url.search" in outputs and "download.data" in outputs
    assert any("overview-cards.children" in o for o in outputs)
    assert app.config.serve_locally is True


def test_report_download(tiny_ds: DataSource) -> None:
    tiny_ds.add_comment("lasning", 2026, "T1", None, "analys", "=SUMMA(A1)", "Anna")
    data, name = downloads.report_bytes(tiny_ds, view())
    assert name == "uppfoljning-2026-t1-alla.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert "Sammanfattning" in book.sheetnames


def test_download_button_through_the_dash_endpoint(tiny_ds: DataSource) -> None:
    """The download callback wired as the browser calls it: the units table of the T1 view."""
    app = create_app(tiny_ds)
    button = {"key": "units:utlan", "type": "download"}
    ctls = [{"id": {"type": "ctl", "key": k}, "property": "value", "value": v}
            for k, v in (("year", 2026), ("period", "T1"), ("unit", "ALLA"))]  # fmt: skip
    body = {
        "output": "download.data",
        "outputs": {"id": "download", "property": "data"},
        "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
        "state": [
            {"id": "url", "property": "search", "value": "?year=2026&period=T2"},
            ctls,
            [{**c, "property": "id", "value": c["id"]} for c in ctls],
            [{"id": {"type": "opt", "key": "include"}, "property": "value", "value": ["main"]}],
            [{"id": {"type": "opt", "key": "include"}, "property": "id", "value": {"type": "opt", "key": "include"}}],
        ],
        "changedPropIds": ['{"key":"units:utlan","type":"download"}.n_clicks'],
    }
    response = app.server.test_client().post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()["response"]["download"]["data"]
    assert data["filename"] == "units-utlan-2026-t1.xlsx" and data["base64"]
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(data["content"]))).active
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2, max_col=3)]
    assert rows == [["Norrbiblioteket", "stadsdelsbibliotek", 520], ["Södra biblioteket", "stadsdelsbibliotek", 240]]


def test_presentation_tile_pairs_period_and_full_year(tiny_ds: DataSource) -> None:
    from dashboard.pages import present

    slide = present.slide(tiny_ds, view(goal="lasning"))
    shown = texts(slide)
    # T1 2026: 760 against the period target 720 × 1,03 = 742; the forecast 2 280 against the
    # full-year target 2 160 × 1,03 = 2 225 -- never the forecast next to the period target
    assert "mål jan–apr 742" in shown and f"prognos helår 2{NB}280 · helårsmål 2{NB}225" in shown
    assert f"prognos 2{NB}280 · mål 742" not in shown


def test_unfinished_year_is_labelled_on_the_overview(tiny_ds: DataSource) -> None:
    # data ends 2026-10-31: helår 2026 is jan–okt against jan–okt 2025 (10 × 190 vs 10 × 180)
    title, _, cards = overview.overview_content(tiny_ds, 2026, "helar", None, view(period="helar"))
    assert title == "Helår 2026 (ofullständig: jan–okt, data t.o.m. 2026-10-31) · Hela biblioteket"
    assert f"1{NB}900" in texts(cards) and "mål jan–okt 1" + NB + "854" in texts(cards)


def test_summary_grid_leaves_full_year_columns_empty_without_a_forecast() -> None:
    # a share (no forecast): no helårsmål and no forecast status shown next to it
    rows = pd.DataFrame({
        "indicator_name": ["Andel med partner", "Tillfällen"], "value": [22.0, 240.0], "previous": [21.0, 236.0],
        "change": [1.0, 4.0], "change_pct": [float("nan"), 1.695], "change_kind": ["pp", "pct"],
        "span": ["jan–aug"] * 2, "target": [25.0, 247.8], "status": ["ej_uppnatt", "delvis"],
        "forecast": [float("nan"), 382.0], "target_full_year": [25.0, 361.2], "forecast_status": ["", "uppnatt"],
        "n": [float("nan")] * 2, "note": ["", ""], "decimals": [0, 0], "unit_label": ["%", "tillfällen"],
    })  # fmt: skip
    records = goal.summary_grid(rows, "sv").rowData
    assert [r["change_text__fmt"] for r in records] == [f"+1,0{NB}p.e.", f"+1,7{NB}%"]
    assert [r["target_full_year__fmt"] for r in records] == ["–", "361"]
    assert [r["forecast_status_text__fmt"] for r in records] == ["", "✓ Uppnått"]
    assert [r["target__fmt"] for r in records] == [f"25{NB}%", "248"]
