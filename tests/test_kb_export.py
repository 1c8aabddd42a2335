"""``bibplan kb`` on the bundled sample: every computed KB variable checked against sums made here,
in the test, from the raw sample files (not through the ETL), KB's sum rules, empty unanswerable
variables, and the workbook's layout."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from cli.main import main
from etl.store import Store
from goals.kb import load_catalogue
from goals.kb.rules import FIRST_ROW

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
YEAR = 2025
MEDIA = {"Bok": "101", "Ljudbok": "103", "Talbok (DAISY)": "104", "Musik": "107", "Film": "108", "Spel": "112",
         "Tidskrift": "113"}


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from etl.pipeline import load_dir

    url = f"sqlite:///{tmp_path_factory.mktemp('kb_store') / 'store.sqlite'}"
    load_dir(SAMPLE, Store(url))
    return url


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory, store_url: str):
    tmp = tmp_path_factory.mktemp("kb_sample")
    url = store_url
    out = tmp / "kb.xlsx"
    res = CliRunner().invoke(main, ["kb", "--year", str(YEAR), "-o", str(out)], env={"BIBPLAN_STORE_URL": url})
    assert res.exit_code == 0, res.output
    assert "Skrevs till" in res.output
    return openpyxl.load_workbook(out)


@pytest.fixture(scope="module")
def sheet(workbook) -> pd.DataFrame:
    ws = workbook["KB-statistik"]
    rows = list(ws.iter_rows(min_row=FIRST_ROW - 1, values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def _row(sheet: pd.DataFrame, key: str) -> pd.Series:
    hit = sheet[sheet["Nyckel"] == key]
    assert len(hit) == 1, key
    return hit.iloc[0]


def _empty(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _num(text: object) -> float:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return 0.0
    return float(str(text).replace(" ", "").replace("\u00a0", "").replace(",", "."))


@pytest.fixture(scope="module")
def raw_loans() -> pd.DataFrame:
    """utlan_2023-2026.xlsx read by hand: two header rows (year carried forward over months)."""
    grid = pd.read_excel(SAMPLE / "utlan_2023-2026.xlsx", header=None, engine="calamine")
    years = grid.iloc[0].ffill()
    cols = [c for c in grid.columns[5:] if years[c] == YEAR]
    body = grid.iloc[2:]
    body = body[body[0].notna() & ~body[0].astype(str).str.startswith("Total")]
    out = body[[0, 1, 2, 4]].copy()
    out.columns = ["unit", "media", "age", "kind"]
    out["n"] = body[cols].apply(lambda r: sum(_num(v) for v in r), axis=1)
    return out


def test_loans_by_media_type_match_the_raw_export(sheet: pd.DataFrame, raw_loans: pd.DataFrame) -> None:
    for label, code in MEDIA.items():
        mine = raw_loans[raw_loans["media"] == label]
        ini = mine.loc[mine["kind"] == "Utlån", "n"].sum()
        ren = mine.loc[mine["kind"] == "Omlån", "n"].sum()
        if label == "Tidskrift":  # 113 holds tidskrift and övrigt (the sample has no övrigt)
            assert _row(sheet, "Inilan113")["Hela kommunen"] == ini
            continue
        assert _row(sheet, f"Inilan{code}")["Hela kommunen"] == ini, label
        assert _row(sheet, f"Omlan2{code[1:]}")["Hela kommunen"] == ren, label
        assert _row(sheet, f"Utlan3{code[1:]}")["Hela kommunen"] == ini + ren, label
    physical = raw_loans[raw_loans["media"] != "E-bok"]
    assert _row(sheet, "Inilan199")["Hela kommunen"] == physical.loc[physical["kind"] == "Utlån", "n"].sum()
    assert _row(sheet, "Omlan299")["Hela kommunen"] == physical.loc[physical["kind"] == "Omlån", "n"].sum()
    assert _row(sheet, "Utlan399")["Hela kommunen"] == physical["n"].sum()
    ebooks = raw_loans[raw_loans["media"] == "E-bok"]["n"].sum()
    assert _row(sheet, "Elan201")["Hela kommunen"] == ebooks
    kids = raw_loans[raw_loans["media"].isin(["Bok", "Tidskrift"]) & raw_loans["age"].isin(["Barn 0-12", "Ungdom 13-17"])]
    assert _row(sheet, "Barn03")["Hela kommunen"] == kids["n"].sum()
    # per unit: Gottsunda's books
    g = raw_loans[(raw_loans["unit"] == "Gottsunda") & (raw_loans["media"] == "Bok")]
    assert _row(sheet, "Utlan301")["Gottsunda"] == g["n"].sum()


def test_events_as_occasions_by_category_and_children(sheet: pd.DataFrame) -> None:
    ev = pd.read_excel(SAMPLE / "arrangemang_2023-2026.xlsx", engine="calamine")
    ev = ev[pd.to_datetime(ev["Datum"]).dt.year == YEAR]
    young = ev["Målgrupp"].isin(["Barn", "Ungdomar"])
    for cat in range(101, 121):
        assert _row(sheet, f"Publ{cat}")["Hela kommunen"] == (ev["KB-kategori"] == cat).sum(), cat
        assert _row(sheet, f"Publ{cat + 100}")["Hela kommunen"] == ((ev["KB-kategori"] == cat) & young).sum(), cat
    assert _row(sheet, "Publ199")["Hela kommunen"] == len(ev)
    assert _row(sheet, "Publ299")["Hela kommunen"] == young.sum()
    g = ev[ev["Enhet"] == "Gottsunda bibliotek"]
    assert _row(sheet, "Publ199")["Gottsunda"] == len(g)
    assert _row(sheet, "Publ102")["Gottsunda"] == (g["KB-kategori"] == 102).sum()


def test_visits_from_the_in_out_counter(sheet: pd.DataFrame) -> None:
    v = pd.read_excel(SAMPLE / "besok_inut_2025.xlsx", engine="calamine")
    g = v[v["Enhet"] == "Gottsunda bibliotek"]
    # in+out counters are halved; a zero on an open day is an outage (missing), not a visit count
    expected = ((g["In"] + g["Ut"]) / 2).sum()
    # KB counts whole visits: a half from (in + out) ÷ 2 is rounded up, and the caveat says so
    assert _row(sheet, "Besok01")["Gottsunda"] == math.floor(expected + 0.5)
    if expected != int(expected):
        assert "avrundat till" in _row(sheet, "Besok01")["Anmärkning"]
    units = [c for c in sheet.columns if c not in ("Nyckel", "Avsnitt", "Fråga", "Hela kommunen", "Källa", "Anmärkning")]
    per_unit = sum(_num(_row(sheet, "Besok01")[u]) for u in units)
    assert _row(sheet, "Besok01")["Hela kommunen"] == pytest.approx(per_unit)
    assert "skattade" in _row(sheet, "Besok01")["Anmärkning"]  # Bokbuss Syd's sample weeks


def test_opening_hours_of_the_main_library(sheet: pd.DataFrame) -> None:
    # Schedule from 2023-09-01 holds all of 2025: staffed Mon-Thu 10-20, Fri 10-18, Sat 11-16, Sun 12-16;
    # meröppet 08-10 Monday to Friday.  After 18 or weekend: 4 x 2 h + 5 h + 4 h.
    main_lib = "Stadsbiblioteket"
    assert _row(sheet, "Open103")[main_lib] == 4 * 10 + 8 + 5 + 4
    assert _row(sheet, "Open105")[main_lib] == 5 * 2
    assert _row(sheet, "Open106")[main_lib] == 4 * 2 + 5 + 4
    # open every day of the week, but not on 2025's holidays and eves: 1 and 6 Jan, 18–21 Apr (Easter),
    # 1 May, 29 May (Ascension), 6 Jun, 8 Jun (Pentecost), 20–21 Jun (midsummer), 1 Nov, 24–26 and 31 Dec
    holidays_2025 = 2 + 4 + 1 + 1 + 1 + 1 + 2 + 1 + 4
    assert holidays_2025 == 17
    assert _row(sheet, "Open101")[main_lib] == 365 - holidays_2025
    assert "17 helgdagar och aftnar" in _row(sheet, "Open101")["Anmärkning"]
    assert _empty(_row(sheet, "Open103")["Gottsunda"])  # 1xx is the main library only
    assert _empty(_row(sheet, "Open203")[main_lib])


def test_population_and_unanswerable_variables(sheet: pd.DataFrame) -> None:
    pop = pd.read_excel(SAMPLE / "befolkning_stadsdelar.xlsx", header=2, engine="calamine")
    pop = pop[pop["år"] == YEAR]
    age = pop["ålder"].astype(str).str.extract(r"(\d+)")[0].astype(float)
    assert _row(sheet, "Population01")["Hela kommunen"] == pop["Folkmängd"].sum()
    assert _row(sheet, "Population03")["Hela kommunen"] == pop.loc[age <= 17, "Folkmängd"].sum()
    for key in ("Arsverke01", "Arsverke99", "Utgift99", "Aktiv99", "Fjarr397", "Besok02"):
        assert _empty(_row(sheet, key)["Hela kommunen"]), key  # empty for manual entry, never 0
        assert "för hand" in _row(sheet, key)["Källa"]


def test_kb_order_sum_rules_and_checks_sheet(sheet: pd.DataFrame, workbook) -> None:
    cat = load_catalogue()
    assert list(sheet["Nyckel"])[: len(cat.variables)] == [v.key for v in cat.variables]
    for var in cat.variables:
        if not var.sum_of:
            continue
        total = _row(sheet, var.key)["Hela kommunen"]
        parts = [_row(sheet, k)["Hela kommunen"] for k in var.sum_of]
        if not _empty(total):
            assert total == pytest.approx(sum(parts)), var.key
    ws = workbook["Kontroller"]
    assert ws.cell(5, 1).value == "Alla kontroller gick igenom."
    assert "libris/bibstat" in workbook["Om"].cell(2, 1).value
    assert all("rader" in str(p) or "för hand" in str(p) or "summeringsregel" in str(p)
               for p in sheet["Källa"]), "every value names where it comes from"


def test_sample_comparison_group_from_the_kolada_download(store_url: str) -> None:
    """The sample plan's group (population within ±40 % of Uppsala's) and its median, computed here
    from kolada_jamforelse.csv."""
    from goals import load_plan
    from goals.compare import comparison_table

    raw = pd.read_csv(SAMPLE / "kolada_jamforelse.csv", sep=";", dtype=str, encoding="utf-8-sig")
    raw = raw[raw["Kommun-id"].str.fullmatch(r"\d{4}") & (raw["Kommun-id"] != "0000")]
    raw["v"] = raw["Värde"].str.replace(" ", "").str.replace(",", ".").astype(float)
    y = raw[raw["År"] == "2025"]
    pop = y[y["KPI"] == "N01951"].set_index("Kommun-id")["v"]
    group = [c for c in pop.index if c != "0380" and abs(pop[c] / pop["0380"] - 1) <= 0.40]
    loans = y[y["KPI"] == "N09801"].set_index("Kommun-id")["v"]
    table = comparison_table(load_plan(SAMPLE / "biblioteksplan.yaml"), Store(store_url).read_tables(), 2025)
    row = table[table["indicator_id"] == "utlan_per_invanare"].iloc[0]
    assert row["members"] == len(group) == 6
    assert row["median"] == pytest.approx(float(np.median(loans[group])))
    assert row["value"] == loans["0380"]
    assert row["rank"] == 1 + int((loans[group] > loans["0380"]).sum())
    assert row["status"] == ("uppnatt" if loans["0380"] >= np.median(loans[group]) else "ej_uppnatt")
    assert "Utlan399" in row["note"]


def test_sample_benchmark_loads_as_the_generator_says(store_url: str) -> None:
    import sys

    sys.path.insert(0, str(SAMPLE))
    import generate

    want = generate.truth()["benchmark"]
    got = Store(store_url).read_tables().benchmark
    key = ["year", "area_code", "variable", "gender"]
    w = want.assign(area_code=want["area_code"].astype(str), variable=want["variable"].astype(str),
                    gender=want["gender"].astype(str)).set_index(key)["value"].sort_index()
    g = got.assign(area_code=got["area_code"].astype(str), variable=got["variable"].astype(str),
                   gender=got["gender"].astype(str)).set_index(key)["value"].sort_index()
    pd.testing.assert_series_equal(g, w, check_dtype=False, check_index_type=False)
