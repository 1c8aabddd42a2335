"""The bundled sample data: reproducible from its generator, realistic in size, and consistent with
``truth()`` (the clean tables the ETL's end-to-end test compares against).

Expected values here are read straight from the files with openpyxl/csv and parsed by hand, so a
mistake in ``truth()`` cannot hide behind the same mistake in a writer.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from data.sample import generate as gen
from etl.config import load_sources, load_units
from etl.tables import COLUMNS, UNIT_COLUMNS

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
CONFIG_FILES = {"units.yaml", "sources.yaml", "biblioteksplan.yaml", "generate.py", "README.md"}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    gen.generate(out)
    return out


@pytest.fixture(scope="module")
def truth() -> dict[str, pd.DataFrame]:
    return gen.truth()


def _exports(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()
                  if p.is_file() and p.name not in CONFIG_FILES and p.suffix in {".xlsx", ".csv"})


def _sheets(path: Path) -> dict[str, list[list[object]]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def _rows(path: Path, sheet: str | None = None) -> list[tuple[object, ...]]:
    wb = load_workbook(path, read_only=True)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    return rows


def _sv_int(text: str) -> int:
    """'12 345' -> 12345 (the test's own parser for space thousands)."""
    return int(text.replace(" ", ""))


# --------------------------------------------------------------------------- reproducibility
def test_regenerated_files_match_committed(regenerated: Path) -> None:
    assert _exports(regenerated) == _exports(SAMPLE)
    for name in _exports(SAMPLE):
        committed, fresh = SAMPLE / name, regenerated / name
        if name.endswith(".csv"):
            assert fresh.read_bytes() == committed.read_bytes(), name
        else:
            assert _sheets(fresh) == _sheets(committed), name


def test_workbook_properties_are_fixed(regenerated: Path) -> None:
    with zipfile.ZipFile(regenerated / "oppettider.xlsx") as z:
        core = z.read("docProps/core.xml").decode()
        stamps = {i.date_time for i in z.infolist()}
    assert "2026-11-03T08:00:00Z" in core
    assert stamps == {(2026, 11, 3, 8, 0, 0)}


def test_sample_is_small() -> None:
    sizes = {p.name: p.stat().st_size for p in SAMPLE.iterdir() if p.is_file()}
    assert sum(sizes.values()) < 10_000_000
    assert max(sizes.values()) < 3_000_000


# --------------------------------------------------------------------------- config
def test_config_files_are_valid_and_match_the_generator(truth: dict[str, pd.DataFrame]) -> None:
    units = load_units(SAMPLE / "units.yaml")
    sources = load_sources(SAMPLE / "sources.yaml")
    assert [(u.id, u.name, u.type, u.district) for u in units.units] == [
        (u.id, u.name, u.type, u.district) for u in gen.UNITS]
    assert len(units.units) == 15
    assert [u.type for u in units.units].count("stadsdelsbibliotek") == 12
    districts = set(truth["population"]["district"].astype(str))
    assert {u.district for u in units.units if u.district} <= districts
    # The rename: the old name is an alias only until the day before the rename.
    berg = next(u for u in units.units if u.id == "bergsbrunna")
    assert {a.name: a.valid_to for a in berg.aliases}["Librum"] == dt.date(2022, 8, 31)
    # Every export is matched by exactly one source, and every source matches a file.
    for name in _exports(SAMPLE):
        matching = [s.id for s in sources.sources if Path(name).match(s.pattern)]
        assert len(matching) == 1, (name, matching)
    for s in sources.sources:
        assert list(SAMPLE.glob(s.pattern)), s.id


def test_truth_has_the_contract_columns(truth: dict[str, pd.DataFrame]) -> None:
    for kind, cols in COLUMNS.items():
        assert list(truth[kind].columns) == list(cols), kind
        assert dict(truth[kind].dtypes.astype(str)) == cols, kind
    assert dict(truth["units"].dtypes.astype(str)) == UNIT_COLUMNS
    assert truth["units"]["district"].isna().sum() == 3  # Stadsbiblioteket and the two bookmobiles


# --------------------------------------------------------------------------- magnitudes
def test_magnitudes(truth: dict[str, pd.DataFrame]) -> None:
    v, ln = truth["visits"], truth["loans"]
    visits = v.groupby(v["date"].dt.year)["visits"].sum()
    loans = (ln["initial_loans"] + ln["renewals"]).groupby(ln["month"].dt.year).sum()
    for year in (2019, 2022, 2023, 2024, 2025):
        assert 1_200_000 <= visits[year] <= 1_600_000, year
        assert 1_500_000 <= loans[year] <= 2_000_000, year
    assert visits[2020] < 0.75 * visits[2019]
    assert visits[2021] < 0.8 * visits[2019]
    assert loans[2020] < loans[2019]
    v19 = v[v["date"].dt.year == 2019]
    share = v19.loc[v19["unit_id"] == "stadsbiblioteket", "visits"].sum() / v19["visits"].sum()
    assert 0.35 <= share <= 0.40
    # Spring 2020 is 40-60 % below spring 2019.
    apr = v[v["date"].dt.month == 4].groupby(v["date"].dt.year)["visits"].sum()
    assert 0.4 <= apr[2020] / apr[2019] <= 0.6
    # The data ends in October 2026: T2 2026 is complete, November is not there.
    assert v["date"].max() == pd.Timestamp("2026-10-30")  # 31 Oct 2026 is a Saturday before All Saints' Day
    assert ln["month"].max() == pd.Timestamp("2026-10-01")
    events = truth["events"]
    per_year = events.groupby(events["date"].dt.year).size()
    assert all(2_000 <= per_year[y] <= 4_000 for y in (2019, 2023, 2024, 2025))
    pop = truth["population"]
    assert 230_000 <= pop.loc[pop["year"] == 2025, "population"].sum() <= 250_000


# --------------------------------------------------------------------------- files vs truth
def test_loans_months_as_columns_cell(truth: dict[str, pd.DataFrame]) -> None:
    rows = _rows(SAMPLE / "utlan_per_manad_2019.xlsx")
    header = rows[2]
    assert header[:6] == ("Filial", "År", "Medietyp", "Målgrupp", "Genre", "Lånetyp")
    key = ("Stadsbiblioteket", 2019, "Bok", "Barn", "Skönlitteratur", "Utlån")
    row = next(r for r in rows if r[:6] == key)
    march = row[header.index("Mar")]
    ln = truth["loans"]
    want = ln[(ln["month"] == "2019-03-01") & (ln["unit_id"] == "stadsbiblioteket")
              & (ln["media_type"] == "bok") & (ln["audience"] == "barn") & (ln["genre"] == "skonlitteratur")]
    assert len(want) == 1 and march == want["initial_loans"].iloc[0]
    # The old name is used before the rename.
    assert any(r[0] == "Librum" for r in rows) and not any(r[0] == "Bergsbrunna" for r in rows)


def test_loans_totals_row_is_the_sum(truth: dict[str, pd.DataFrame]) -> None:
    rows = _rows(SAMPLE / "utlan_per_manad_2021.xlsx")
    header = rows[2]
    total = rows[-1]
    assert total[0] == "Totalt"
    body = [r for r in rows[3:-1]]
    jan = header.index("Jan")
    ln = truth["loans"]
    jan21 = ln[ln["month"] == "2021-01-01"]
    assert total[jan] == sum(r[jan] for r in body) == int((jan21["initial_loans"] + jan21["renewals"]).sum())


def test_loans_two_row_header_text_numbers(truth: dict[str, pd.DataFrame]) -> None:
    rows = _rows(SAMPLE / "utlan_2023-2026.xlsx")
    years, months_ = rows[0], rows[1]
    col = next(i for i in range(len(years)) if years[i] == 2025) + 9  # okt 2025: 10th month of 2025
    assert months_[col] == "okt"
    assert len(years) == 5 + 12 * 3 + 10  # the last year stops at October 2026
    row = next(r for r in rows if r[:5] == ("Salabacke", "Bok", "Vuxen", "Fack", "Omlån"))
    assert isinstance(row[col], str)
    ln = truth["loans"]
    want = ln[(ln["month"] == "2025-10-01") & (ln["unit_id"] == "sala_backe") & (ln["media_type"] == "bok")
              & (ln["audience"] == "vuxna") & (ln["genre"] == "facklitteratur")]
    assert _sv_int(row[col]) == want["renewals"].iloc[0]
    assert any(" " in c for r in rows[2:] for c in r[5:] if isinstance(c, str))  # space thousands occur


def test_visits_in_out_and_outage(truth: dict[str, pd.DataFrame]) -> None:
    rows = _rows(SAMPLE / "besok_inut_2024.xlsx")
    assert rows[0] == ("Datum", "Enhet", "In", "Ut")
    by_key = {(r[0].date() if r[0] else None, r[1]): r for r in rows[1:]}
    v = truth["visits"].set_index(["date", "unit_id"])["visits"]
    sb = by_key[(dt.date(2024, 3, 12), "Stadsbiblioteket")]
    assert v[(pd.Timestamp("2024-03-12"), "stadsbiblioteket")] == (sb[2] + sb[3]) / 2
    assert by_key[(dt.date(2024, 3, 12), "Gottsunda bibliotek")][2:] == ("trasig", "trasig")
    assert by_key[(dt.date(2024, 3, 20), "Gottsunda bibliotek")][2:] == (None, None)
    outage = v.xs("gottsunda", level="unit_id").loc["2024-03-11":"2024-03-22"]
    # 11-22 March 2024: twelve days, one of them a Sunday (closed): eleven open days.
    assert len(outage) == 11 and outage.isna().all()
    assert v.isna().sum() == 11
    summa = rows[-1]
    assert summa[1] == "Summa"
    assert summa[2] == sum(r[2] for r in rows[1:-1] if isinstance(r[2], int))


def test_visits_cumulative_csv(truth: dict[str, pd.DataFrame]) -> None:
    data = (SAMPLE / "besok_matarstallning.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=","))
    assert rows[0] == ["Datum", "Plats", "Mätarställning"]
    storvreta = [(r[0], int(r[2])) for r in rows[1:] if r[1] == "STORVRETA BIBLIOTEK"]
    assert storvreta[0][0] == "2018-12-31"  # the baseline reading
    i = next(k for k, (d, _) in enumerate(storvreta) if d == "2025-05-06")
    v = truth["visits"].set_index(["date", "unit_id"])["visits"]
    assert v[(pd.Timestamp("2025-05-06"), "storvreta")] == storvreta[i][1] - storvreta[i - 1][1]
    assert not (truth["visits"]["date"] < "2019-01-01").any()


def test_visits_bookmobiles(truth: dict[str, pd.DataFrame]) -> None:
    rows = _rows(SAMPLE / "besok_bokbussar.xlsx")
    assert rows[0] == ("Datum", "Buss", "Besökare", "Uppskattat")
    first = rows[1]
    assert first[0] == 43467 and dt.date(1899, 12, 30) + dt.timedelta(days=43467) == dt.date(2019, 1, 2)
    syd = next(r for r in rows[1:] if r[1] == "Bokbussen Syd")
    assert isinstance(syd[2], str) and "," in syd[2] and syd[3] == "Ja"
    day = pd.Timestamp(dt.date(1899, 12, 30) + dt.timedelta(days=syd[0]))
    t = truth["visits"].set_index(["date", "unit_id"])
    assert t.loc[(day, "bokbuss_syd"), "visits"] == float(syd[2].replace(",", "."))
    assert bool(t.loc[(day, "bokbuss_syd"), "estimated"])
    assert truth["visits"]["estimated"].sum() == sum(1 for r in rows[1:] if r[3] == "Ja")


def test_events_csv_windows_1252(truth: dict[str, pd.DataFrame]) -> None:
    data = (SAMPLE / "arrangemang_2019-2022.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(data.decode("cp1252")), delimiter=";"))
    assert rows[0][0] == "Datum" and rows[0][4] == "Kategori"
    ev = truth["events"]
    y21 = [r for r in rows[1:] if r[0].startswith("2021")]
    t21 = ev[ev["date"].dt.year == 2021]
    assert len(y21) == len(t21)
    assert sum(int(r[6]) for r in y21 if r[6]) == t21["participants"].sum()
    assert sum(1 for r in y21 if r[4].startswith("102 ")) == (t21["kb_category"] == 102).sum()
    # The rename: Librum until August 2022, Bergsbrunna from September.
    names = {(r[2], r[0] >= "2022-09-01") for r in rows[1:] if r[2].startswith(("Librum", "Bergsbrunna"))}
    assert names == {("Librum bibliotek", False), ("Bergsbrunna bibliotek", True)}


def test_events_grain_is_unique(truth: dict[str, pd.DataFrame]) -> None:
    ev = truth["events"]
    assert not ev.duplicated(["date", "unit_id", "title", "kb_category"]).any()
    assert ev["participants"].isna().any() and ev["partner"].isna().any()
    assert set(ev["kb_category"].unique()) <= set(range(101, 121)) - {107, 109}


def test_opening_hours(truth: dict[str, pd.DataFrame]) -> None:
    rows = _rows(SAMPLE / "oppettider.xlsx")
    assert rows[0] == ("Bibliotek", "Gäller från", "Veckodag", "Typ", "Öppnar", "Stänger")
    oh = truth["opening_hours"]
    assert len(rows) - 1 == len(oh)
    changed = {r[0] for r in rows[1:] if r[1].date() != dt.date(2019, 1, 1)}
    assert changed == {"Stadsbiblioteket", "Sävja bibliotek", "Storvreta bibliotek", "Vattholma bibliotek",
                       "Skyttorps bibliotek"}
    # Stadsbiblioteket's Monday: 10-20 staffed; from 2023-09-01 also 08-10 meröppet.
    sb = oh[(oh["unit_id"] == "stadsbiblioteket") & (oh["weekday"] == 1)]
    assert sorted(zip(sb["valid_from"].dt.date, sb["service"], sb["hours"])) == [
        (dt.date(2019, 1, 1), "bemannad", 10.0), (dt.date(2023, 9, 1), "bemannad", 10.0),
        (dt.date(2023, 9, 1), "meroppet", 2.0)]


def test_survey_labels_numbers_and_personal_data(truth: dict[str, pd.DataFrame]) -> None:
    s = truth["survey"]
    rows19 = _rows(SAMPLE / "enkat_2019.xlsx")
    col = rows19[0].index("Hur nöjd är du med personalens bemötande?")
    answers = [r[col] for r in rows19[1:]]
    labels = {5: "Mycket nöjd", 4: "Ganska nöjd", 3: "Varken nöjd eller missnöjd", 2: "Ganska missnöjd",
              1: "Mycket missnöjd"}
    assert set(answers) == set(labels.values()) | {"Vet ej"}
    b19 = s[(s["wave"] == 2019) & (s["item"] == "bemotande")]
    assert b19["value"].isna().sum() == answers.count("Vet ej")
    assert b19["value"].sum() == sum(k for a in answers for k, lbl in labels.items() if a == lbl)
    rows24 = _rows(SAMPLE / "enkat_2024.xlsx")
    assert rows24[0][:5] == ("ID", "Start time", "Completion time", "Email", "Name")
    assert any(r[4] for r in rows24[1:])  # some respondents left their name: the ETL must drop it
    unit_col = rows24[0].index("Bibliotek")
    assert sum(1 for r in rows24[1:] if r[unit_col] == "Bokbussen Norr") == 22
    n24 = s[(s["wave"] == 2024) & (s["unit_id"] == "bokbuss_norr")]["respondent_id"].nunique()
    assert n24 == 22
    nki_col = rows24[0].index("Sammantaget, hur nöjd är du med biblioteket?")
    nki = [r[nki_col] for r in rows24[1:] if r[nki_col] != "Vet ej"]
    t = s[(s["wave"] == 2024) & (s["item"] == "nki_helhet")]
    assert math.isclose(t["value"].mean(), sum(nki) / len(nki))
    assert set(t["scale_max"]) == {10}
    per_wave = s.groupby("wave")["respondent_id"].nunique()
    assert all(1_500 <= n <= 3_500 for n in per_wave)


def test_population_file(truth: dict[str, pd.DataFrame]) -> None:
    rows = _rows(SAMPLE / "befolkning_stadsdelar.xlsx")
    assert rows[2] == ("region", "ålder", "år", "Folkmängd")
    body = rows[3:]
    assert {r[1] for r in body} == {f"{a} år" for a in range(100)} | {"100+ år"}
    pop = truth["population"]
    gottsunda_kids_2025 = sum(r[3] for r in body if r[0] == "Gottsunda" and r[2] == "2025"
                              and r[1] != "100+ år" and int(r[1].split()[0]) <= 17)
    want = pop[(pop["district"] == "Gottsunda") & (pop["year"] == 2025) & (pop["age_to"] <= 17)]
    assert gottsunda_kids_2025 == want["population"].sum()
    assert pop.loc[pop["age_from"] == 100, "age_to"].isna().all()


def test_readme_row_numbers_are_right() -> None:
    """The planted-problem table in data/sample/README.md cites Excel rows; check a few."""
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    rows = _rows(SAMPLE / "besok_inut_2024.xlsx")  # row n of the sheet is rows[n - 1]
    assert ('| 461, 469, 477, 485 (C–D "trasig"); 493, 499, 508, 516, 524, 532, 540 (C–D blank) |'
            in readme)
    for n in (461, 469, 477, 485):
        assert rows[n - 1][1:] == ("Gottsunda bibliotek", "trasig", "trasig")
    for n in (493, 499, 508, 516, 524, 532, 540):
        assert rows[n - 1][1:] == ("Gottsunda bibliotek", None, None)
    assert "2024: 2352" in readme and len(rows) == 2352 and rows[-1][1] == "Summa"
    loans = _rows(SAMPLE / "utlan_per_manad_2020.xlsx")
    assert "| 1036 | `Totalt` row |" in readme and len(loans) == 1036 and loans[-1][0] == "Totalt"
    survey = _rows(SAMPLE / "enkat_2024.xlsx")
    assert "(first at row 119)" in readme and survey[118][5] == "Bokbussen Norr"
    assert all(r[5] != "Bokbussen Norr" for r in survey[:118])
