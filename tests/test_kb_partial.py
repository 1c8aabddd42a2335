"""KB export caveats: whole visits (an in/out counter's halves rounded half up, said in the caveat)
and a year that is not complete (every counted variable says so, and so do Kontroller and the CLI)."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from etl.tables import conform
from goals.kb import kb_export
from report.kb_workbook import build_workbook
from tests.conftest_dashboard import tiny_tables


def _tables(year_end: str = "2026-10-30"):
    t = tiny_tables()  # loans: 2025 whole year, 2026 January–October
    days = pd.date_range("2026-01-01", year_end, freq="D")
    # norr: 10.5 visits a day ((in + out) ÷ 2 with an odd sum); syd: 4 a day
    t.visits = conform("visits", pd.DataFrame(
        [{"date": d, "unit_id": "norr", "visits": 10.5, "estimated": False} for d in days]
        + [{"date": d, "unit_id": "syd", "visits": 4.0, "estimated": False} for d in days]))
    t.events = conform("events", pd.DataFrame([
        {"date": pd.Timestamp("2026-03-05"), "unit_id": "norr", "title": "Sagostund", "kb_category": 102,
         "target_group": "barn"},
        {"date": pd.Timestamp("2026-09-10"), "unit_id": "syd", "title": "Föredrag", "kb_category": 113,
         "target_group": "vuxna"}]))
    return t


def test_visits_are_whole_rounded_half_up_with_a_caveat() -> None:
    t = _tables("2026-12-31")
    t.loans = conform("loans", pd.DataFrame(
        [{"month": pd.Timestamp(2026, m, 1), "unit_id": "norr", "media_type": "bok", "audience": "vuxna",
          "genre": "skonlitteratur", "initial_loans": 1, "renewals": 0} for m in range(1, 13)]))
    exp = kb_export(t, 2026)
    # 2026 has 365 days: norr 365 × 10.5 = 3 832.5 -> 3 833 (half up); syd 365 × 4 = 1 460
    assert exp.value("Besok01", "norr") == 3833 and exp.value("Besok01", "syd") == 1460
    assert exp.value("Besok01") == 3833 + 1460
    note = exp.caveat_text("Besok01")
    assert "3 832,5 besök (in- och utpassager ÷ 2) avrundat till 3 833" in note and "halva avrundas uppåt" in note
    assert "inte komplett" not in note and exp.incomplete_until is None


def test_a_partial_year_is_said_everywhere() -> None:
    exp = kb_export(_tables(), 2026)
    # visits to 30 October, loans by month to October (a month row covers its last day, the 31st)
    assert exp.incomplete_until == pd.Timestamp("2026-10-31").date()
    said = "data t.o.m. 2026-10-31: året är inte komplett"
    # norr: 303 days (1 Jan–30 Oct) × 10.5 = 3 181.5 -> 3 182; loans Jan–Oct 2026: norr 110 + 20, syd 50 + 10 a month
    assert exp.value("Besok01", "norr") == 3182
    assert exp.value("Inilan101") == 10 * 160 and exp.value("Utlan399") == 10 * 190
    assert exp.value("Publ102") == 1 and exp.value("Publ199") == 2
    for key in ("Besok01", "Inilan101", "Inilan199", "Utlan399", "Publ102", "Publ113", "Publ199", "Publ299"):
        assert said in exp.caveat_text(key), key
    # a variable with no data, or not counted from loans/visits/events, gets no such note
    assert said not in exp.caveat_text("Population01") and said not in exp.caveat_text("Besok02")
    warn = [p for p in exp.problems if p.code == "kb_year_incomplete"]
    assert len(warn) == 1 and warn[0].severity == "varning" and "2026-10-31" in warn[0].message
    wb = build_workbook(exp)
    assert "året är inte komplett" in wb["KB-statistik"]["A2"].value
    checks = [r for r in wb["Kontroller"].iter_rows(min_row=5, values_only=True)]
    assert any("Året 2026 är inte komplett" in str(r[6]) for r in checks)
    # the complete year before is not marked
    full = kb_export(_tables(), 2025)
    assert full.incomplete_until is None and not [p for p in full.problems if p.code == "kb_year_incomplete"]
    assert said not in full.caveat_text("Utlan399")


def test_cli_says_the_year_is_incomplete(tmp_path) -> None:
    from click.testing import CliRunner

    from cli.main import main
    from dashboard.testing import fill_store
    from etl.store import Store

    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    fill_store(Store(url), _tables())
    out = tmp_path / "kb.xlsx"
    res = CliRunner().invoke(main, ["kb", "--year", "2026", "-o", str(out)], env={"BIBPLAN_STORE_URL": url})
    assert "OBS: året 2026 är inte komplett (data t.o.m. 2026-10-31)" in res.output
    assert "Året 2026 är inte komplett" in res.output
    ws = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))["KB-statistik"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=5, values_only=True)}
    note = rows["Publ199"][-1]
    assert "året är inte komplett" in note
