"""Deterministic generator of bibplan's bundled sample data set.

A city library system shaped like Uppsala's (about 240,000 inhabitants): Stadsbiblioteket, twelve
district libraries and two bookmobiles, January 2019 to October 2026.  The files it writes look like
real exports (Swedish headers that differ between files, months as columns, a two-row header, totals
rows, numbers as text, Excel date serials, a counter outage, a renamed unit, Likert labels, personal
data, Windows-1252 and UTF-8-with-BOM CSV files); ``README.md`` beside this file lists every one.

Run ``python data/sample/generate.py [OUTDIR]`` (default: this folder).  Import it to get
:func:`truth`, the clean tidy tables the files encode after the intended ETL treatment, so the ETL's
end-to-end test can check totals independently of the ETL.

Determinism: every random draw comes from a numpy Generator seeded with :data:`SEED` (one stream per
kind, so changing one kind does not change the others); workbook properties and zip timestamps are
fixed; nothing reads the clock.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

HERE = Path(__file__).resolve().parent
SEED = 20191031
FIRST = dt.date(2019, 1, 1)
LAST = dt.date(2026, 10, 31)  # last day with data: November 2026 is not exported yet
EXPORTED = dt.datetime(2026, 11, 3, 8, 0, 0)  # the fixed "export time" of every file
RENAME = dt.date(2022, 9, 1)  # Librum becomes Bergsbrunna (new premises)
OUTAGE = (dt.date(2024, 3, 11), dt.date(2024, 3, 22))  # Gottsunda's door counter is broken
OUTAGE_UNIT = "gottsunda"
SURVEY_WAVES = (2019, 2021, 2022, 2023, 2024, 2025)  # no wave in 2020 (pandemic)
GOOGLE_LAST_WAVE = 2022  # Google Forms until 2022, Microsoft Forms from 2023
POPULATION_YEARS = tuple(range(2018, 2026))  # 31 December of each year; 2026 not yet published


# --------------------------------------------------------------------------- units
@dataclass(frozen=True)
class UnitSpec:
    """A unit and the parameters its data is generated from."""

    id: str
    name: str  # canonical name (units.yaml)
    type: str  # huvudbibliotek, stadsdelsbibliotek, bokbuss
    district: str | None  # catchment district; None = the whole municipality
    visits: int  # visits in a normal year (2019)
    loans: int  # loans (initial + renewals) in 2019
    counter: str  # door counter export: in_out, cumulative, bus_counted, bus_estimated
    long_name: str  # how the counter, event, opening-hours and survey systems write the name
    events: int  # event occasions in a normal year


UNITS: tuple[UnitSpec, ...] = (
    UnitSpec("stadsbiblioteket", "Stadsbiblioteket", "huvudbibliotek", None, 540_000, 680_000,
             "in_out", "Stadsbiblioteket", 1000),
    UnitSpec("gottsunda", "Gottsunda", "stadsdelsbibliotek", "Gottsunda", 120_000, 120_000,
             "in_out", "Gottsunda bibliotek", 280),
    UnitSpec("granby", "Gränby", "stadsdelsbibliotek", "Gränby", 115_000, 130_000,
             "in_out", "Gränby bibliotek", 270),
    UnitSpec("savja", "Sävja", "stadsdelsbibliotek", "Sävja", 90_000, 110_000,
             "in_out", "Sävja bibliotek", 240),
    UnitSpec("stenhagen", "Stenhagen", "stadsdelsbibliotek", "Stenhagen", 95_000, 95_000,
             "in_out", "Stenhagens bibliotek", 250),
    UnitSpec("eriksberg", "Eriksberg", "stadsdelsbibliotek", "Eriksberg", 75_000, 105_000,
             "in_out", "Eriksbergs bibliotek", 200),
    UnitSpec("sala_backe", "Sala backe", "stadsdelsbibliotek", "Sala backe", 70_000, 72_000,
             "in_out", "Sala backe bibliotek", 190),
    UnitSpec("bergsbrunna", "Bergsbrunna", "stadsdelsbibliotek", "Bergsbrunna", 65_000, 88_000,
             "in_out", "Bergsbrunna bibliotek", 180),
    UnitSpec("storvreta", "Storvreta", "stadsdelsbibliotek", "Storvreta", 60_000, 100_000,
             "cumulative", "Storvreta bibliotek", 120),
    UnitSpec("bjorklinge", "Björklinge", "stadsdelsbibliotek", "Björklinge", 35_000, 55_000,
             "cumulative", "Björklinge bibliotek", 80),
    UnitSpec("vattholma", "Vattholma", "stadsdelsbibliotek", "Vattholma", 28_000, 38_000,
             "cumulative", "Vattholma bibliotek", 60),
    UnitSpec("skyttorp", "Skyttorp", "stadsdelsbibliotek", "Skyttorp", 20_000, 28_000,
             "cumulative", "Skyttorps bibliotek", 45),
    UnitSpec("almunge", "Almunge", "stadsdelsbibliotek", "Almunge", 30_000, 46_000,
             "cumulative", "Almunge bibliotek", 70),
    UnitSpec("bokbuss_norr", "Bokbuss Norr", "bokbuss", None, 16_000, 36_000,
             "bus_counted", "Bokbussen Norr", 25),
    UnitSpec("bokbuss_syd", "Bokbuss Syd", "bokbuss", None, 16_000, 34_000,
             "bus_estimated", "Bokbussen Syd", 25),
)
UNIT_BY_ID = {u.id: u for u in UNITS}
OLD_NAME = {"bergsbrunna": ("Librum", "Librum bibliotek")}  # (short, long) before RENAME
#: Spelling variants some systems use (units.yaml has them as aliases).
LOANS_2023_NAMES = {"sala_backe": "Salabacke"}
SURVEY_MS_NAMES = {"stadsbiblioteket": "Uppsala stadsbibliotek"}


def short_name(unit_id: str, on: dt.date) -> str:
    """The unit's name in the library system's loan exports on a date."""
    if unit_id in OLD_NAME and on < RENAME:
        return OLD_NAME[unit_id][0]
    return UNIT_BY_ID[unit_id].name


def long_name(unit_id: str, on: dt.date) -> str:
    """The unit's name in the counter, event and survey systems on a date."""
    if unit_id in OLD_NAME and on < RENAME:
        return OLD_NAME[unit_id][1]
    return UNIT_BY_ID[unit_id].long_name


# --------------------------------------------------------------------------- calendar
def _easter(year: int) -> dt.date:
    """Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


@cache
def holidays(year: int) -> frozenset[dt.date]:
    """Days the libraries are closed: Swedish public holidays and the eves that matter."""
    easter = _easter(year)
    midsummer_eve = next(dt.date(year, 6, d) for d in range(19, 26) if dt.date(year, 6, d).weekday() == 4)
    all_saints = next(dt.date(year, 10, 31) + dt.timedelta(days=i) for i in range(7)
                      if (dt.date(year, 10, 31) + dt.timedelta(days=i)).weekday() == 5)
    fixed = [(1, 1), (1, 6), (5, 1), (6, 6), (12, 24), (12, 25), (12, 26), (12, 31)]
    days = {dt.date(year, m, d) for m, d in fixed}
    days |= {easter + dt.timedelta(days=n) for n in (-2, -1, 0, 1, 39)}
    days |= {midsummer_eve, midsummer_eve + dt.timedelta(days=1), all_saints}
    return frozenset(days)


def all_days() -> Iterator[dt.date]:
    day = FIRST
    while day <= LAST:
        yield day
        day += dt.timedelta(days=1)


def months() -> list[dt.date]:
    """First day of every month in the sample period."""
    return [dt.date(y, m, 1) for y in range(FIRST.year, LAST.year + 1) for m in range(1, 13)
            if dt.date(y, m, 1) <= LAST]


# --------------------------------------------------------------------------- opening hours
Segment = tuple[str, str, str]  # (service, opens, closes)
Schedule = dict[int, list[Segment]]  # ISO weekday 1..7 -> segments


def _staffed(hours: dict[tuple[int, ...], tuple[str, str]]) -> Schedule:
    out: Schedule = {}
    for days, (opens, closes) in hours.items():
        for d in days:
            out[d] = [("bemannad", opens, closes)]
    return out


def _with_meroppet(staffed: Schedule, opens: str, closes: str) -> Schedule:
    """Add unstaffed (meröppet) hours from ``opens`` to ``closes`` outside the staffed hours."""
    out: Schedule = {}
    for d in range(1, 8):
        segs = list(staffed.get(d, []))
        if segs:
            first, last = segs[0][1], segs[-1][2]
            extra = [("meroppet", opens, first)] if opens < first else []
            extra += [("meroppet", last, closes)] if last < closes else []
        else:
            extra = [("meroppet", opens, closes)]
        out[d] = sorted(segs + extra, key=lambda s: s[1])
    return out


STADSBIB = _staffed({(1, 2, 3, 4): ("10:00", "20:00"), (5,): ("10:00", "18:00"), (6,): ("11:00", "16:00"),
                     (7,): ("12:00", "16:00")})
BIG = _staffed({(1, 3): ("11:00", "19:00"), (2, 4): ("11:00", "18:00"), (5,): ("11:00", "16:00"),
                (6,): ("11:00", "15:00")})
MEDIUM = _staffed({(1, 3): ("12:00", "19:00"), (2, 4): ("10:00", "17:00"), (5,): ("10:00", "15:00")})
SMALL = _staffed({(1, 4): ("13:00", "19:00"), (3,): ("10:00", "16:00")})
TINY = _staffed({(2,): ("13:00", "19:00"), (4,): ("13:00", "18:00")})
BUS = _staffed({(1, 2, 3, 4): ("09:00", "17:00")})

#: unit -> [(valid_from, schedule)], oldest first.  Changes: meröppet at Storvreta (2021-09),
#: Stadsbiblioteket (2023-09) and Sävja (2024-01); budget cuts at Vattholma and Skyttorp (2023-01).
SCHEDULES: dict[str, list[tuple[dt.date, Schedule]]] = {
    "stadsbiblioteket": [(FIRST, STADSBIB),
                         (dt.date(2023, 9, 1), {d: ([("meroppet", "08:00", "10:00")] if d <= 5 else [])
                                                + STADSBIB[d] for d in STADSBIB})],
    "gottsunda": [(FIRST, BIG)], "granby": [(FIRST, BIG)], "stenhagen": [(FIRST, BIG)],
    "savja": [(FIRST, MEDIUM), (dt.date(2024, 1, 1), _with_meroppet(MEDIUM, "08:00", "20:00"))],
    "eriksberg": [(FIRST, MEDIUM)], "sala_backe": [(FIRST, MEDIUM)], "bergsbrunna": [(FIRST, MEDIUM)],
    "storvreta": [(FIRST, MEDIUM), (dt.date(2021, 9, 1), _with_meroppet(MEDIUM, "07:00", "21:00"))],
    "bjorklinge": [(FIRST, SMALL)], "almunge": [(FIRST, SMALL)],
    "vattholma": [(FIRST, SMALL), (dt.date(2023, 1, 1), TINY)],
    "skyttorp": [(FIRST, TINY), (dt.date(2023, 1, 1), _staffed({(4,): ("13:00", "19:00")}))],
    "bokbuss_norr": [(FIRST, BUS)], "bokbuss_syd": [(FIRST, BUS)],
}


def schedule_on(unit_id: str, day: dt.date) -> Schedule:
    return [s for start, s in SCHEDULES[unit_id] if start <= day][-1]


def _hours(opens: str, closes: str) -> float:
    (h1, m1), (h2, m2) = (map(int, opens.split(":")), map(int, closes.split(":")))
    return (h2 * 60 + m2 - h1 * 60 - m1) / 60


def weekly_hours(schedule: Schedule) -> float:
    return sum(_hours(o, c) for segs in schedule.values() for _, o, c in segs)


@cache
def open_days(unit_id: str) -> tuple[dt.date, ...]:
    """Days the unit is open: its schedule has hours that weekday, not a holiday; the bookmobiles
    also rest in July."""
    bus = UNIT_BY_ID[unit_id].type == "bokbuss"
    return tuple(d for d in all_days()
                 if schedule_on(unit_id, d).get(d.isoweekday())
                 and d not in holidays(d.year) and not (bus and d.month == 7))


# --------------------------------------------------------------------------- shared model
VISIT_SEASON = np.array([1.0, 1.05, 1.05, 0.95, 0.95, 0.8, 0.6, 0.85, 1.05, 1.1, 1.1, 0.8])
LOAN_SEASON = np.array([1.0, 0.95, 1.05, 0.95, 0.95, 1.05, 0.95, 0.9, 1.0, 1.05, 1.05, 0.8])
#: Visits relative to normal during the pandemic (month -> factor); loans fall half as much.
COVID = {
    (2020, 3): 0.6, (2020, 4): 0.42, (2020, 5): 0.45, (2020, 6): 0.5, (2020, 7): 0.6, (2020, 8): 0.65,
    (2020, 9): 0.7, (2020, 10): 0.65, (2020, 11): 0.5, (2020, 12): 0.45, (2021, 1): 0.45,
    (2021, 2): 0.5, (2021, 3): 0.5, (2021, 4): 0.5, (2021, 5): 0.55, (2021, 6): 0.65, (2021, 7): 0.75,
    (2021, 8): 0.8, (2021, 9): 0.85, (2021, 10): 0.85, (2021, 11): 0.85, (2021, 12): 0.8,
    (2022, 1): 0.7, (2022, 2): 0.8, (2022, 3): 0.9, (2022, 4): 0.93, (2022, 5): 0.95, (2022, 6): 0.96,
}
WEEKDAY_WEIGHT = {1: 1.1, 2: 1.1, 3: 1.05, 4: 1.1, 5: 0.9, 6: 0.8, 7: 0.6}


def covid(year: int, month: int) -> float:
    return COVID.get((year, month), 1.0)


def growth(unit_id: str, day: dt.date) -> float:
    """Slow growth, plus Bergsbrunna's new, larger premises after the rename."""
    years = (day.year - FIRST.year) + (day.month - 1) / 12
    boost = 1.25 if unit_id == "bergsbrunna" and day >= RENAME else 1.0
    return 1.008 ** years * boost


def _rng(kind: str) -> np.random.Generator:
    """An independent random stream per kind (keyed by the byte sum of its name, which differs
    between the kinds), so changing how one kind is drawn leaves the others as they were."""
    return np.random.default_rng([SEED, sum(kind.encode())])


# --------------------------------------------------------------------------- loans
MEDIA_LABELS = {  # canonical media type -> label in the library system's export
    "bok": "Bok", "ljudbok": "Ljudbok", "talbok": "Talbok (DAISY)", "e-media": "E-bok",
    "film": "Film", "musik": "Musik", "spel": "Spel", "tidskrift": "Tidskrift",
}
MEDIA_SHARE = {"bok": 0.70, "ljudbok": 0.05, "talbok": 0.02, "e-media": 0.07, "film": 0.05,
               "musik": 0.02, "spel": 0.03, "tidskrift": 0.06}
BUS_MEDIA_SHARE = {"bok": 0.88, "ljudbok": 0.06, "talbok": 0.04, "e-media": 0.02}
MEDIA_TREND = {"bok": 0.99, "ljudbok": 1.0, "talbok": 1.02, "e-media": 1.12, "film": 0.88,
               "musik": 0.85, "spel": 1.02, "tidskrift": 0.95}  # yearly factor
AUDIENCE_SHARE = {
    "bok": (0.42, 0.08, 0.50), "ljudbok": (0.20, 0.10, 0.70), "talbok": (0.15, 0.10, 0.75),
    "e-media": (0.10, 0.10, 0.80), "film": (0.35, 0.10, 0.55), "musik": (0.10, 0.10, 0.80),
    "spel": (0.50, 0.35, 0.15), "tidskrift": (0.15, 0.05, 0.80),
}
FICTION_SHARE = {"barn": 0.8, "unga": 0.75, "vuxna": 0.6}
RENEWAL_SHARE = {"bok": 0.30, "ljudbok": 0.25, "talbok": 0.35, "e-media": 0.0, "film": 0.15,
                 "musik": 0.20, "spel": 0.20, "tidskrift": 0.10}
WITH_GENRE = ("bok", "ljudbok", "talbok", "e-media")
AUDIENCES = ("barn", "unga", "vuxna")


def loan_cells(unit: UnitSpec) -> list[tuple[str, str, str, float]]:
    """(media, audience, genre, share of the unit's loans) for every row the export has."""
    shares = BUS_MEDIA_SHARE if unit.type == "bokbuss" else MEDIA_SHARE
    out = []
    for media, ms in shares.items():
        for audience, aud in zip(AUDIENCES, AUDIENCE_SHARE[media]):
            if media in WITH_GENRE:
                f = FICTION_SHARE[audience]
                out += [(media, audience, "skonlitteratur", ms * aud * f),
                        (media, audience, "facklitteratur", ms * aud * (1 - f))]
            else:
                out.append((media, audience, "ej_angivet", ms * aud))
    return out


@cache
def loans() -> pd.DataFrame:
    """Tidy loans: one row per unit x month x media type x audience x genre."""
    rng = _rng("loans")
    rows = []
    season = LOAN_SEASON / LOAN_SEASON.sum()
    for unit in UNITS:
        cells = loan_cells(unit)
        for month in months():
            y, m = month.year, month.month
            years = y - FIRST.year
            c = covid(y, m)
            for media, audience, genre, share in cells:
                factor = MEDIA_TREND[media] ** years
                if media == "e-media":
                    factor *= 1.0 + 1.5 * (1.0 - c)  # e-loans rose when the buildings emptied
                else:
                    factor *= 1.0 - 0.5 * (1.0 - c)
                if audience == "barn" and m in (6, 7):
                    factor *= 1.3  # Sommarboken: the summer reading campaign
                if audience == "barn" and y >= 2023:
                    factor *= 1.02 ** (y - 2022)  # läslyft for children from 2023
                mean = unit.loans * share * season[m - 1] * factor * growth(unit.id, month)
                total = int(rng.poisson(mean * rng.gamma(50.0, 1 / 50.0)))
                r = min(RENEWAL_SHARE[media] * (1.4 if (y, m) in {(2020, 4), (2020, 5), (2020, 6)} else 1), 1)
                renewals = int(rng.binomial(total, r))
                rows.append((month, unit.id, media, audience, genre, total - renewals, renewals))
    cols = ["month", "unit_id", "media_type", "audience", "genre", "initial_loans", "renewals"]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- visits
@cache
def visits_raw() -> pd.DataFrame:
    """Per unit and open day: the true visits and what each counter type shows.

    Columns: date, unit_id, counter, visits (as the ETL should store them), passages_in and
    passages_out (in_out counters), reading (cumulative counters: end-of-day meter reading),
    broken ("" / "trasig" / "blank" on outage days), estimated.
    """
    rng = _rng("visits")
    season = VISIT_SEASON / VISIT_SEASON.sum() * 12
    rows = []
    for unit in UNITS:
        days = open_days(unit.id)
        base_hours = weekly_hours(SCHEDULES[unit.id][0][1])
        weights = np.array([WEEKDAY_WEIGHT[d.isoweekday()] for d in days])
        # Spread a normal year's visits over the open days of 2019 (a full, normal year).
        norm = weights[[d.year == 2019 for d in days]].sum()
        reading = int(rng.integers(200_000, 2_000_000))
        rows.append((dt.date(2018, 12, 31), unit.id, "baseline", np.nan, 0, 0, reading, "", False))
        for day, w in zip(days, weights):
            hours = (weekly_hours(schedule_on(unit.id, day)) / base_hours) ** 0.25  # more hours, more visits
            mean = unit.visits * w / norm * season[day.month - 1] * covid(day.year, day.month)
            mean *= hours * growth(unit.id, day)
            v = int(rng.poisson(mean * rng.gamma(30.0, 1 / 30.0)))
            inn = out = 0
            broken = ""
            estimated = False
            if unit.counter == "in_out":
                inn = v
                out = max(v + int(rng.integers(-4, 5)), 0)  # people leave a little out of step
                value = (inn + out) / 2
                if unit.id == OUTAGE_UNIT and OUTAGE[0] <= day <= OUTAGE[1]:
                    broken = "trasig" if day <= OUTAGE[0] + dt.timedelta(days=3) else "blank"
                    value = np.nan
            elif unit.counter == "cumulative":
                reading += v
                value = float(v)
            elif unit.counter == "bus_estimated":
                value = v + 0.5 * int(rng.integers(0, 2))  # sample weeks x weeks open: halves occur
                estimated = True
            else:
                value = float(v)
            rows.append((day, unit.id, unit.counter, value, inn, out, reading, broken, estimated))
    cols = ["date", "unit_id", "counter", "visits", "passages_in", "passages_out", "reading", "broken",
            "estimated"]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- events
#: KB category -> (label, [(title, target group)], mean participants, partner probability).
CATEGORIES: dict[int, tuple[str, list[tuple[str, str]], int, float]] = {
    101: ("Bokstart/BVC", [("Bokstart på BVC", "barn"), ("Bokstartsträff för föräldrar", "alla")],
          8, 0.9),
    102: ("Högläsning", [("Sagostund", "barn"), ("Högläsning för de minsta", "barn"),
                         ("Högläsning för vuxna", "vuxna")], 14, 0.05),
    103: ("Skapande verksamhet", [("Makerspace: programmera robotar", "barn"), ("Pysselverkstad", "barn"),
                                  ("Legoverkstad", "barn")], 12, 0.1),
    104: ("Bokcirkel (sluten)", [("Bokcirkel", "vuxna"), ("Bokcirkel för unga", "unga")], 8, 0.2),
    105: ("Språkcafé/öppen cirkel", [("Språkcafé", "vuxna"), ("Läsecirkel öppen för alla", "alla")],
          15, 0.5),
    106: ("Klass- och gruppbesök", [("Klassbesök", "barn"), ("Klassbesök högstadiet", "unga"),
                                    ("Gruppbesök SFI", "vuxna")], 22, 0.0),
    108: ("Informationssökning", [("Lär dig söka information", "vuxna"),
                                  ("Källkritik för unga", "unga")], 9, 0.1),
    110: ("Litteratursamtal", [("Litteratursamtal", "vuxna"), ("Boktips för unga", "unga")], 18, 0.1),
    111: ("Digital hjälp", [("Digital drop-in", "vuxna"), ("IT-café för seniorer", "vuxna"),
                            ("Mobilhjälp", "vuxna")], 7, 0.3),
    112: ("Film", [("Filmvisning för barn", "barn"), ("Filmklubb", "vuxna")], 25, 0.1),
    113: ("Föreläsning/debatt", [("Föreläsning", "vuxna"), ("Debatt", "vuxna"),
                                 ("Medborgardialog", "alla")], 40, 0.4),
    114: ("Författarbesök", [("Författarbesök", "vuxna"), ("Författarbesök för barn", "barn")],
          45, 0.3),
    115: ("Musik", [("Konsert", "alla"), ("Lunchkonsert", "vuxna")], 50, 0.5),
    116: ("Skrivande", [("Skrivarverkstad", "unga"), ("Skrivarcirkel", "vuxna")], 9, 0.2),
    117: ("Sång och ramsor", [("Rim och ramsor", "barn"), ("Babyrytmik", "barn")], 20, 0.1),
    118: ("Scenkonst", [("Barnteater", "barn"), ("Teaterföreställning", "alla")], 60, 0.6),
    119: ("Utställning", [("Vernissage", "alla")], 35, 0.5),
    120: ("Övrigt", [("Lovaktivitet", "barn"), ("Spelkväll", "unga"), ("Läxhjälp", "unga")], 15, 0.3),
}
PARTNERS = ("ABF", "Studiefrämjandet", "Studieförbundet Vuxenskolan", "Region Uppsala (BVC)",
            "Uppsala universitet", "Kulturskolan", "Röda korset", "SeniorNet Uppsala",
            "Uppsala stadsteater", "Hyresgästföreningen")
#: Category weights per unit type (relative frequency of occasions).
CATEGORY_WEIGHTS = {
    "huvudbibliotek": {101: 3, 102: 10, 103: 6, 104: 5, 105: 8, 106: 10, 108: 4, 110: 5, 111: 8,
                       112: 4, 113: 8, 114: 4, 115: 4, 116: 4, 117: 8, 118: 3, 119: 2, 120: 4},
    "stadsdelsbibliotek": {101: 4, 102: 14, 103: 5, 104: 4, 105: 8, 106: 14, 108: 2, 110: 3, 111: 8,
                           112: 2, 113: 2, 114: 1, 115: 1, 116: 2, 117: 10, 118: 2, 119: 1, 120: 6},
    "bokbuss": {102: 5, 106: 5, 120: 1},
}
TARGET_LABELS_CSV = {"barn": "Barn", "unga": "Unga", "vuxna": "Vuxna", "alla": "Alla"}
TARGET_LABELS_XLSX = {"barn": "Barn", "unga": "Ungdomar", "vuxna": "Vuxna", "alla": "Alla åldrar"}


@cache
def events() -> pd.DataFrame:
    """Tidy events (one row per occasion) plus the hidden start time."""
    rng = _rng("events")
    rows = []
    for unit in UNITS:
        weights = CATEGORY_WEIGHTS[unit.type]
        cats = np.array(list(weights))
        p = np.array(list(weights.values()), dtype=float)
        p /= p.sum()
        days = open_days(unit.id)
        by_year: dict[int, list[dt.date]] = {}
        for d in days:
            by_year.setdefault(d.year, []).append(d)
        for year, ydays in by_year.items():
            n = int(rng.poisson(unit.events * len(ydays) / len(by_year[2019])))
            for _ in range(n):
                day = ydays[int(rng.integers(len(ydays)))]
                if rng.random() > covid(day.year, day.month) ** 2:  # cancelled during the pandemic
                    continue
                cat = int(rng.choice(cats, p=p))
                label, titles, mean, partner_p = CATEGORIES[cat]
                title, target = titles[int(rng.integers(len(titles)))]
                participants = int(rng.poisson(mean * covid(day.year, day.month)))
                counted = rng.random() > 0.1
                partner = str(rng.choice(PARTNERS)) if rng.random() < partner_p else ""
                if cat == 101:
                    partner = "Region Uppsala (BVC)" if partner else ""
                start = f"{int(rng.integers(10, 19)):02d}:{int(rng.choice([0, 30])):02d}"
                rows.append((day, unit.id, title, cat, target, participants if counted else None,
                             partner, start))
    cols = ["date", "unit_id", "title", "kb_category", "target_group", "participants", "partner", "time"]
    df = pd.DataFrame(rows, columns=cols)
    df = df.drop_duplicates(["date", "unit_id", "title", "kb_category"]).sort_values(
        ["date", "time", "unit_id", "title"], kind="stable")
    df["participants"] = df["participants"].astype("Int64")
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------- opening hours
def opening_hours() -> pd.DataFrame:
    rows = []
    for unit in UNITS:
        for valid_from, schedule in SCHEDULES[unit.id]:
            for weekday in sorted(schedule):
                for service, opens, closes in schedule[weekday]:
                    rows.append((unit.id, valid_from, weekday, service, opens, closes, _hours(opens, closes)))
    cols = ["unit_id", "valid_from", "weekday", "service", "opens", "closes", "hours"]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- survey
ITEMS_5 = ("bemotande", "utbud", "oppettider", "lokaler", "hitta", "kan_paverka")
ITEMS_10 = ("nki_helhet", "nki_forvantningar", "nki_ideal")
ITEM_OFFSET = {"bemotande": 0.4, "utbud": -0.1, "oppettider": -0.3, "lokaler": 0.0, "hitta": 0.0,
               "kan_paverka": -0.8, "nki_helhet": 0.0, "nki_forvantningar": -0.1, "nki_ideal": -0.4}
DONT_KNOW = {"kan_paverka": 0.15, "nki_ideal": 0.05, "oppettider": 0.04}  # default 0.03
AGE_GROUPS = ("0-17", "18-29", "30-49", "50-64", "65-", "okand")
AGE_P = (0.06, 0.18, 0.30, 0.22, 0.22, 0.02)
AGE_LABELS = {"0-17": "Under 18 år", "18-29": "18–29 år", "30-49": "30–49 år", "50-64": "50–64 år",
              "65-": "65 år eller äldre", "okand": "Vill ej uppge"}
WAVE_SIZE = {2019: 2600, 2021: 1700, 2022: 2200, 2023: 2500, 2024: 2700, 2025: 2800}
BUS_ANSWERS = {(2024, "bokbuss_norr"): 22}  # default 40: one wave with fewer than 30 answers
SATISFACTION = {5: "Mycket nöjd", 4: "Ganska nöjd", 3: "Varken nöjd eller missnöjd",
                2: "Ganska missnöjd", 1: "Mycket missnöjd"}
AGREEMENT = {5: "Instämmer helt", 4: "Instämmer i stor grad", 3: "Instämmer delvis",
             2: "Instämmer i liten grad", 1: "Instämmer inte alls"}
FIRST_NAMES = ("Anna", "Erik", "Maria", "Lars", "Karin", "Anders", "Sara", "Johan", "Eva", "Ali",
               "Fatima", "Mohammed", "Lena", "Per", "Elin")
LAST_NAMES = ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
              "Persson", "Svensson", "Gustafsson", "Hassan", "Lindqvist")


@cache
def survey_wide() -> pd.DataFrame:
    """One row per respondent and wave: unit, age group, item answers (NaN = Vet ej) and the
    hidden extras the export writers need (timestamp, name, e-mail)."""
    rng = _rng("survey")
    visits = {u.id: u.visits for u in UNITS if u.type != "bokbuss"}
    total_v = sum(visits.values())
    rows = []
    for wave in SURVEY_WAVES:
        counts = {uid: int(round(WAVE_SIZE[wave] * v / total_v)) for uid, v in visits.items()}
        for bus in ("bokbuss_norr", "bokbuss_syd"):
            counts[bus] = BUS_ANSWERS.get((wave, bus), 40)
        unit_level = {u.id: 0.1 * ((i * 7) % 5 - 2) for i, u in enumerate(UNITS)}
        respondents = [uid for uid in counts for _ in range(counts[uid])]
        order = rng.permutation(len(respondents))
        for n, idx in enumerate(order, start=1):
            uid = respondents[idx]
            latent = 4.0 + unit_level[uid] + 0.04 * (wave - 2019) + rng.normal(0, 0.6)
            if rng.random() < 0.03:
                latent = 1.5  # a few thoroughly dissatisfied visitors
            answers: dict[str, float] = {}
            for item in ITEMS_5 + ITEMS_10:
                if rng.random() < DONT_KNOW.get(item, 0.03):
                    answers[item] = np.nan
                    continue
                x = latent + ITEM_OFFSET[item] + rng.normal(0, 0.6)
                if item in ITEMS_10:
                    answers[item] = float(np.clip(round(1 + (x - 1) * 9 / 4), 1, 10))
                else:
                    answers[item] = float(np.clip(round(x), 1, 5))
            ts = dt.datetime(wave, 10, 1) + dt.timedelta(days=int(rng.integers(0, 31)),
                                                         seconds=int(rng.integers(9 * 3600, 20 * 3600)))
            duration = int(rng.integers(60, 600))
            signed = rng.random() < 0.15
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" if signed else ""
            email = (name.lower().replace(" ", ".").replace("ö", "o").replace("å", "a").replace("ä", "a")
                     + "@example.se") if signed else ""
            rows.append({"wave": wave, "n": n, "unit_id": uid,
                         "age_group": str(rng.choice(AGE_GROUPS, p=AGE_P)), **answers,
                         "timestamp": ts, "completed": ts + dt.timedelta(seconds=duration),
                         "name": name, "email": email})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- population
#: District -> (inhabitants 31 Dec 2018, yearly growth, children factor, student factor).
DISTRICTS: dict[str, tuple[int, float, float, float]] = {
    "Centrum": (14_000, 1.010, 0.5, 2.0), "Luthagen": (22_000, 1.012, 0.7, 1.8),
    "Fålhagen": (12_000, 1.012, 0.8, 1.5), "Svartbäcken": (16_000, 1.010, 0.9, 1.3),
    "Kåbo": (9_000, 1.008, 0.9, 1.6), "Övriga landsbygden": (12_000, 1.005, 1.1, 0.6),
    "Gottsunda": (23_000, 1.012, 1.3, 1.0), "Gränby": (20_000, 1.015, 1.1, 1.1),
    "Sävja": (17_000, 1.020, 1.3, 0.8), "Stenhagen": (14_000, 1.012, 1.2, 1.0),
    "Eriksberg": (13_000, 1.010, 1.0, 1.2), "Sala backe": (12_000, 1.018, 1.1, 1.2),
    "Bergsbrunna": (11_000, 1.045, 1.4, 0.8), "Storvreta": (9_000, 1.015, 1.3, 0.6),
    "Björklinge": (5_000, 1.010, 1.2, 0.6), "Vattholma": (3_000, 1.005, 1.1, 0.5),
    "Skyttorp": (2_000, 1.003, 1.0, 0.5), "Almunge": (4_000, 1.008, 1.1, 0.5),
}


def _age_weights(children: float, students: float) -> np.ndarray:
    ages = np.arange(101)
    w = np.where(ages < 20, 1.0 * children, 1.0)
    w = np.where((ages >= 20) & (ages < 30), 1.3 * students, w)
    w = np.where((ages >= 30) & (ages < 45), 1.2 * (0.5 + children / 2), w)
    old = ages >= 65
    w = np.where(old, 0.95 * np.exp(-(ages - 65) / 12.0), w)
    w[100] = 0.05 * w[99] * 3  # 100 and older
    return w / w.sum()


@cache
def population() -> pd.DataFrame:
    rng = _rng("population")
    rows = []
    for district, (base, g, children, students) in DISTRICTS.items():
        p = _age_weights(children, students)
        for year in POPULATION_YEARS:
            total = int(round(base * g ** (year - 2018)))
            counts = rng.multinomial(total, p)
            for age, count in enumerate(counts):
                rows.append((year, district, age, None if age == 100 else age, int(count)))
    cols = ["year", "district", "age_from", "age_to", "population"]
    df = pd.DataFrame(rows, columns=cols)
    df["age_to"] = df["age_to"].astype("Int64")
    return df


# --------------------------------------------------------------------------- truth
def _conform(kind: str, df: pd.DataFrame) -> pd.DataFrame:
    from etl.tables import conform  # the tidy-table contract

    return conform(kind, df)


def truth() -> dict[str, pd.DataFrame]:
    """The clean tidy tables the exports encode, after the intended ETL treatment.

    Totals rows are not included, in+out counts are halved, cumulative readings are differenced
    (the baseline reading of 2018-12-31 yields no row), outage days are NaN, "Vet ej" is NaN,
    personal data is absent.  Columns exactly as ``etl.tables.COLUMNS``; ``units`` is the register.
    Survey ``respondent_id`` is the ``ID`` column of Microsoft Forms waves ("17") and, for Google
    Forms waves, which have no id column, "rad" + the Excel row ("rad18").  ``benchmark``: the Kolada
    download without its comparison-group row, the nation's code 0000 as "00".
    """
    _ensure_repo_on_path()
    out: dict[str, pd.DataFrame] = {}
    from etl.tables import UNIT_COLUMNS

    out["units"] = pd.DataFrame([(u.id, u.name, u.type, u.district) for u in UNITS],
                                columns=list(UNIT_COLUMNS)).astype(UNIT_COLUMNS)
    ln = loans().assign(month=lambda d: pd.to_datetime(d["month"]))
    out["loans"] = _conform("loans", ln)
    v = visits_raw()
    v = v[v["counter"] != "baseline"].assign(date=lambda d: pd.to_datetime(d["date"]))
    out["visits"] = _conform("visits", v)
    out["events"] = _conform("events", events().assign(date=lambda d: pd.to_datetime(d["date"]),
                                                       partner=lambda d: d["partner"].replace("", None)))
    out["opening_hours"] = _conform("opening_hours", opening_hours().assign(
        valid_from=lambda d: pd.to_datetime(d["valid_from"])))
    wide = survey_wide()
    long = wide.melt(id_vars=["wave", "n", "unit_id", "age_group"], value_vars=list(ITEMS_5 + ITEMS_10),
                     var_name="item", value_name="value")
    google = long["wave"] <= GOOGLE_LAST_WAVE
    long["respondent_id"] = np.where(google, "rad" + (long["n"] + 1).astype(str), long["n"].astype(str))
    long["scale_max"] = np.where(long["item"].isin(ITEMS_10), 10, 5)
    long = long.sort_values(["wave", "n", "item"], key=lambda s: s if s.name != "item" else
                            s.map({k: i for i, k in enumerate(ITEMS_5 + ITEMS_10)}), kind="stable")
    out["survey"] = _conform("survey", long)
    out["population"] = _conform("population", population())
    bm = benchmark()
    nation = bm["area_code"] == "0000"
    out["benchmark"] = _conform("benchmark", bm.assign(
        area_code=bm["area_code"].where(~nation, "00"), area_type=np.where(nation, "riket", "kommun"),
        label=bm["variable"].map(KOLADA_KPIS), gender="T"))  # the group row (G33930) is not an area
    return out


def _ensure_repo_on_path() -> None:
    root = str(HERE.parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)


# --------------------------------------------------------------------------- writing helpers
def save_workbook(wb: Workbook, path: Path) -> None:
    """Save with fixed document properties and zip timestamps, so the bytes are reproducible."""
    wb.properties.creator = "Statistikverktyget"
    wb.properties.lastModifiedBy = "Statistikverktyget"
    wb.properties.created = EXPORTED
    wb.properties.modified = EXPORTED
    buf = io.BytesIO()
    archive = zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)
    ExcelWriter(wb, archive).save()  # unlike save_workbook, does not stamp the current time
    stamp = EXPORTED.timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))


def new_sheet(title: str) -> tuple[Workbook, Worksheet]:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    return wb, ws


def save_csv(rows: list[list[object]], path: Path, encoding: str, delimiter: str) -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def sv_number(x: float, decimals: int = 0) -> str:
    """Swedish number text: space as thousands separator, decimal comma (``1 234``, ``87,5``)."""
    text = f"{x:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",")


MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
             "oktober", "november", "december")
WEEKDAYS_SV = ("Måndag", "Tisdag", "Onsdag", "Torsdag", "Fredag", "Lördag", "Söndag")
GENRE_LABELS = {"skonlitteratur": "Skönlitteratur", "facklitteratur": "Facklitteratur",
                "ej_angivet": "Ej angivet"}
GENRE_LABELS_NEW = {"skonlitteratur": "Skön", "facklitteratur": "Fack", "ej_angivet": "Övrigt"}
AUDIENCE_LABELS_NEW = {"barn": "Barn 0-12", "unga": "Ungdom 13-17", "vuxna": "Vuxen"}


def _loans_wide(years: list[int]) -> pd.DataFrame:
    """Loans pivoted to one row per unit x media x audience x genre x measure, a column per month."""
    ln = loans()
    ln = ln[[m.year in years for m in ln["month"]]]
    long = ln.melt(id_vars=["month", "unit_id", "media_type", "audience", "genre"],
                   value_vars=["initial_loans", "renewals"], var_name="measure", value_name="n")
    wide = long.pivot_table(index=["unit_id", "media_type", "audience", "genre", "measure"],
                            columns="month", values="n", aggfunc="sum", sort=False)
    return wide


# --------------------------------------------------------------------------- one writer per file
def write_loans_yearly(outdir: Path) -> list[Path]:
    """utlan_per_manad_YYYY.xlsx (2019-2022): months as columns, title rows, a totals row."""
    paths = []
    for year in (2019, 2020, 2021, 2022):
        wide = _loans_wide([year])
        wb, ws = new_sheet("Utlån per månad")
        ws.append([f"Utlånsstatistik per månad {year}"])
        ws.append([f"Uttag ur bibliotekssystemet {year + 1}-01-09"])
        ws.append(["Filial", "År", "Medietyp", "Målgrupp", "Genre", "Lånetyp",
                   *[m[:3].capitalize() for m in MONTHS_SV]])
        on = dt.date(year, 12, 31)  # the export is run after the year: current names
        sums = np.zeros(12, dtype=np.int64)
        for (uid, media, audience, genre, measure), values in wide.iterrows():
            vals = [int(x) for x in values.to_numpy()]
            sums += np.array(vals)
            ws.append([short_name(uid, on), year, MEDIA_LABELS[media], audience.capitalize(),
                       GENRE_LABELS[genre], "Utlån" if measure == "initial_loans" else "Omlån", *vals])
        ws.append(["Totalt", year, "", "", "", "", *[int(s) for s in sums]])
        path = outdir / f"utlan_per_manad_{year}.xlsx"
        save_workbook(wb, path)
        paths.append(path)
    return paths


def write_loans_recent(outdir: Path) -> Path:
    """utlan_2023-2026.xlsx: two-row header (År over Månad), numbers as text with space thousands."""
    years = [2023, 2024, 2025, 2026]
    wide = _loans_wide(years)
    wb, ws = new_sheet("Utlån")
    fixed = ["Bibliotek", "Materialtyp", "Åldersgrupp", "Skön/Fack", "Lånetyp"]
    top: list[object] = list(fixed)
    sub: list[object] = [""] * len(fixed)
    columns = list(wide.columns)
    spans = []
    for year in years:
        ms = [m for m in columns if m.year == year]
        spans.append((len(top) + 1, len(top) + len(ms)))
        top += [year] + [""] * (len(ms) - 1)
        sub += [MONTHS_SV[m.month - 1][:3] for m in ms]
    ws.append(top)
    ws.append(sub)
    for first, last in spans:  # the year spans its months; the fixed headers span both rows
        ws.merge_cells(start_row=1, start_column=first, end_row=1, end_column=last)
    for i in range(1, len(fixed) + 1):
        ws.merge_cells(start_row=1, start_column=i, end_row=2, end_column=i)
    on = LAST
    for (uid, media, audience, genre, measure), values in wide.iterrows():
        ws.append([LOANS_2023_NAMES.get(uid, short_name(uid, on)), MEDIA_LABELS[media],
                   AUDIENCE_LABELS_NEW[audience],
                   GENRE_LABELS_NEW[genre], "Utlån" if measure == "initial_loans" else "Omlån",
                   *[sv_number(int(x)) for x in values.to_numpy()]])
    path = outdir / "utlan_2023-2026.xlsx"
    save_workbook(wb, path)
    return path


def write_visits_in_out(outdir: Path) -> list[Path]:
    """besok_inut_YYYY.xlsx: in and out passages per unit and day (halve), an outage, a totals row."""
    raw = visits_raw()
    raw = raw[raw["counter"] == "in_out"]
    paths = []
    for year in range(FIRST.year, LAST.year + 1):
        part = raw[[d.year == year for d in raw["date"]]].sort_values(["date", "unit_id"], kind="stable")
        wb, ws = new_sheet("Besök")
        ws.append(["Datum", "Enhet", "In", "Ut"])
        for r in part.itertuples():
            if r.broken == "trasig":
                cells = ["trasig", "trasig"]
            elif r.broken == "blank":
                cells = [None, None]
            else:
                cells = [int(r.passages_in), int(r.passages_out)]
            ws.append([r.date, long_name(r.unit_id, r.date), *cells])
        ok = part[part["broken"] == ""]
        ws.append([None, "Summa", int(ok["passages_in"].sum()), int(ok["passages_out"].sum())])
        for row in ws.iter_rows(min_row=2, max_col=1):
            row[0].number_format = "yyyy-mm-dd"
        path = outdir / f"besok_inut_{year}.xlsx"
        save_workbook(wb, path)
        paths.append(path)
    return paths


def write_visits_cumulative(outdir: Path) -> Path:
    """besok_matarstallning.csv: UTF-8 with BOM, ',' delimited, end-of-day meter readings."""
    raw = visits_raw()
    raw = raw[raw["unit_id"].map(lambda u: UNIT_BY_ID[u].counter == "cumulative")]
    raw = raw.sort_values(["date", "unit_id"], kind="stable")
    rows: list[list[object]] = [["Datum", "Plats", "Mätarställning"]]
    rows += [[r.date.isoformat(), long_name(r.unit_id, r.date).upper(), int(r.reading)]
             for r in raw.itertuples()]
    path = outdir / "besok_matarstallning.csv"
    save_csv(rows, path, "utf-8-sig", ",")
    return path


def write_visits_bookmobiles(outdir: Path) -> Path:
    """besok_bokbussar.xlsx: dates as Excel serial numbers, one bus counted, one estimated with
    decimal comma text."""
    raw = visits_raw()
    raw = raw[raw["counter"].isin(["bus_counted", "bus_estimated"])]
    raw = raw.sort_values(["date", "unit_id"], kind="stable")
    wb, ws = new_sheet("Bokbussar")
    ws.append(["Datum", "Buss", "Besökare", "Uppskattat"])
    epoch = dt.date(1899, 12, 30)
    for r in raw.itertuples():
        serial = (r.date - epoch).days
        value: object = sv_number(r.visits, 1) if r.estimated else int(r.visits)
        ws.append([serial, UNIT_BY_ID[r.unit_id].long_name, value, "Ja" if r.estimated else "Nej"])
    path = outdir / "besok_bokbussar.xlsx"
    save_workbook(wb, path)
    return path


def write_events_old(outdir: Path) -> Path:
    """arrangemang_2019-2022.csv: Windows-1252, ';', category as "102 Högläsning"."""
    ev = events()
    ev = ev[[d.year <= 2022 for d in ev["date"]]]
    rows: list[list[object]] = [["Datum", "Tid", "Bibliotek", "Arrangemang", "Kategori", "Målgrupp",
                                 "Antal deltagare", "Samarbetspartner"]]
    for r in ev.itertuples():
        rows.append([r.date.isoformat(), r.time, long_name(r.unit_id, r.date), r.title,
                     f"{r.kb_category} {CATEGORIES[r.kb_category][0]}", TARGET_LABELS_CSV[r.target_group],
                     "" if pd.isna(r.participants) else int(r.participants), r.partner])
    path = outdir / "arrangemang_2019-2022.csv"
    save_csv(rows, path, "cp1252", ";")
    return path


def write_events_new(outdir: Path) -> Path:
    """arrangemang_2023-2026.xlsx: the new event calendar's export; KB category as a number."""
    ev = events()
    ev = ev[[d.year >= 2023 for d in ev["date"]]]
    wb, ws = new_sheet("Arrangemang")
    ws.append(["Datum", "Starttid", "Enhet", "Titel", "KB-kategori", "Målgrupp", "Deltagare", "Samarbete"])
    for r in ev.itertuples():
        ws.append([r.date, r.time, long_name(r.unit_id, r.date), r.title, int(r.kb_category),
                   TARGET_LABELS_XLSX[r.target_group],
                   None if pd.isna(r.participants) else int(r.participants),
                   r.partner or None])
    for row in ws.iter_rows(min_row=2, max_col=1):
        row[0].number_format = "yyyy-mm-dd"
    path = outdir / "arrangemang_2023-2026.xlsx"
    save_workbook(wb, path)
    return path


def write_opening_hours(outdir: Path) -> Path:
    """oppettider.xlsx: one row per unit x valid-from x weekday x segment."""
    oh = opening_hours()
    wb, ws = new_sheet("Öppettider")
    ws.append(["Bibliotek", "Gäller från", "Veckodag", "Typ", "Öppnar", "Stänger"])
    for r in oh.itertuples():
        ws.append([long_name(r.unit_id, LAST), r.valid_from, WEEKDAYS_SV[r.weekday - 1],
                   "Bemannat" if r.service == "bemannad" else "Meröppet", r.opens, r.closes])
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        row[0].number_format = "yyyy-mm-dd"
    path = outdir / "oppettider.xlsx"
    save_workbook(wb, path)
    return path


GOOGLE_HEADERS = {
    "unit_id": "Vilket bibliotek besöker du oftast?",
    "age_group": "Ålder",
    "bemotande": "Hur nöjd är du med personalens bemötande?",
    "utbud": "Hur nöjd är du med utbudet av böcker och andra medier?",
    "oppettider": "Hur nöjd är du med öppettiderna?",
    "lokaler": "Hur nöjd är du med bibliotekets lokaler?",
    "hitta": "Jag får hjälp att hitta det jag söker",
    "kan_paverka": "Jag kan påverka bibliotekets verksamhet",
    "nki_helhet": "Hur nöjd är du sammantaget med biblioteket? (1-10)",
    "nki_forvantningar": "Hur väl motsvarar biblioteket dina förväntningar? (1-10)",
    "nki_ideal": "Hur nära ett idealiskt bibliotek kommer vårt bibliotek? (1-10)",
}
MS_HEADERS = {
    "unit_id": "Bibliotek",
    "age_group": "Åldersgrupp",
    "bemotande": "Bemötande",
    "utbud": "Utbud",
    "oppettider": "Öppettider",
    "lokaler": "Lokaler",
    "hitta": "Jag får hjälp att hitta det jag söker",
    "kan_paverka": "Jag kan påverka bibliotekets verksamhet",
    "nki_helhet": "Sammantaget, hur nöjd är du med biblioteket?",
    "nki_forvantningar": "Hur väl uppfyller biblioteket dina förväntningar?",
    "nki_ideal": "Hur nära ett perfekt bibliotek är vårt bibliotek?",
}


def _answer(item: str, value: float, labels: bool) -> object:
    if np.isnan(value):
        return "Vet ej"
    if labels and item in ITEMS_5:
        return (AGREEMENT if item in ("hitta", "kan_paverka") else SATISFACTION)[int(value)]
    return int(value)


def write_survey(outdir: Path) -> list[Path]:
    """enkat_YYYY.xlsx: Google Forms (2019 with Likert labels; 2021, 2022 with numbers and an
    e-mail column) and Microsoft Forms (2023-2025: ID, Start time, Completion time, Email, Name)."""
    wide = survey_wide()
    paths = []
    for wave in SURVEY_WAVES:
        part = wide[wide["wave"] == wave].sort_values("n")
        on = dt.date(wave, 10, 1)
        google = wave <= GOOGLE_LAST_WAVE
        wb, ws = new_sheet("Formulärsvar 1" if google else "Sheet1")
        items = list(ITEMS_5 + ITEMS_10)
        if google:
            email = ["E-postadress"] if wave == 2022 else []
            ws.append(["Tidstämpel", *email, GOOGLE_HEADERS["unit_id"], GOOGLE_HEADERS["age_group"],
                       *[GOOGLE_HEADERS[i] for i in items]])
        else:
            ws.append(["ID", "Start time", "Completion time", "Email", "Name", MS_HEADERS["unit_id"],
                       MS_HEADERS["age_group"], *[MS_HEADERS[i] for i in items]])
        for r in part.itertuples():
            answers = [_answer(i, getattr(r, i), labels=(wave == 2019)) for i in items]
            unit = long_name(r.unit_id, on)
            if not google:
                unit = SURVEY_MS_NAMES.get(r.unit_id, unit)
            if google:
                email = [r.email or None] if wave == 2022 else []
                ws.append([r.timestamp, *email, unit, AGE_LABELS[r.age_group], *answers])
            else:
                ws.append([r.n, r.timestamp, r.completed, r.email or "anonymous", r.name or None, unit,
                           AGE_LABELS[r.age_group], *answers])
        for row in ws.iter_rows(min_row=2, min_col=1 if google else 2, max_col=1 if google else 3):
            for cell in row:
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
        path = outdir / f"enkat_{wave}.xlsx"
        save_workbook(wb, path)
        paths.append(path)
    return paths


def write_population(outdir: Path) -> Path:
    """befolkning_stadsdelar.xlsx: SCB/PX-web-like, title rows, ages "0 år" .. "100+ år"."""
    pop = population()
    wb, ws = new_sheet("Folkmängd")
    ws.append(["Folkmängd i Uppsala kommun efter stadsdel, ålder och år (31 december)"])
    ws.append([])
    ws.append(["region", "ålder", "år", "Folkmängd"])
    for r in pop.itertuples():
        age = "100+ år" if r.age_from == 100 else f"{r.age_from} år"
        ws.append([r.district, age, str(r.year), int(r.population)])
    path = outdir / "befolkning_stadsdelar.xlsx"
    save_workbook(wb, path)
    return path


# --------------------------------------------------------------------------- benchmark (Kolada)
#: The comparison municipalities of the Kolada download: code -> (name, population 2019, loans per
#: inhabitant 2019, activities for children per 1 000 aged 0-20 in 2019).  Values are fictional.
BENCHMARK_AREAS: dict[str, tuple[str, int, float, float]] = {
    "0580": ("Linköping", 163_000, 5.6, 38.0), "1880": ("Örebro", 155_000, 6.3, 45.0),
    "1980": ("Västerås", 152_000, 4.9, 31.0), "1283": ("Helsingborg", 147_000, 5.2, 36.0),
    "0581": ("Norrköping", 143_000, 4.4, 29.0), "0680": ("Jönköping", 141_000, 5.9, 41.0),
    "2480": ("Umeå", 127_000, 7.4, 52.0), "1281": ("Lund", 124_000, 8.1, 47.0),
    "0180": ("Stockholm", 975_000, 6.8, 44.0), "1480": ("Göteborg", 580_000, 5.4, 35.0),
    "2180": ("Gävle", 101_000, 4.6, 33.0),
}
BENCHMARK_YEARS = tuple(range(2019, 2026))
KOLADA_KPIS = {"N01951": "Invånare totalt, antal",
               "N09801": "Utlån (fysiska) på folkbibliotek, antal/inv",
               "N09805": "Publika aktiviteter för barn och unga, antal/1000 inv 0-20 år"}


def benchmark() -> pd.DataFrame:
    """Kolada-like values per municipality and year: the home municipality's (0380) from the
    sample's own truth (physical loans, KB Utlan399, per inhabitant; activities for children and
    young people per 1 000 inhabitants aged 0-20), the others drawn around fixed levels."""
    rng = _rng("benchmark")
    ln = loans()
    ln = ln[ln["media_type"] != "e-media"]
    ln_year = pd.to_datetime(ln["month"]).dt.year
    physical = (ln["initial_loans"] + ln["renewals"]).groupby(ln_year).sum()
    ev = events()
    ev = ev[ev["target_group"].isin(["barn", "unga"])]
    young_events = ev.groupby(pd.to_datetime(ev["date"]).dt.year).size()
    pop = population()
    total = pop.groupby("year")["population"].sum()
    young = pop[pop["age_from"] <= 20].groupby("year")["population"].sum()
    rows = []
    for year in BENCHMARK_YEARS:
        rows.append(("0380", "Uppsala", year, "N01951", float(total[year])))
        rows.append(("0380", "Uppsala", year, "N09801", round(float(physical[year]) / total[year], 1)))
        rows.append(("0380", "Uppsala", year, "N09805", round(float(young_events[year]) * 1000 / young[year], 1)))
    for code, (name, pop19, loans19, act19) in BENCHMARK_AREAS.items():
        for year in BENCHMARK_YEARS:
            k = year - 2019
            dip = 0.7 if year in (2020, 2021) else 1.0
            rows.append((code, name, year, "N01951", float(round(pop19 * 1.01 ** k))))
            rows.append((code, name, year, "N09801", round(loans19 * 0.99 ** k * dip * rng.normal(1, 0.03), 1)))
            rows.append((code, name, year, "N09805", round(act19 * dip * rng.normal(1, 0.06), 1)))
    for year in BENCHMARK_YEARS:  # the nation's row: Kolada's code 0000
        rows.append(("0000", "Riket", year, "N09801", round(5.3 * 0.99 ** (year - 2019) * (0.7 if year in (2020, 2021) else 1), 1)))
    return pd.DataFrame(rows, columns=["area_code", "area_name", "year", "variable", "value"])


def write_benchmark(outdir: Path) -> Path:
    """kolada_jamforelse.csv: a Kolada download (UTF-8 with BOM, ';', decimal comma): KPI, KPI name,
    municipality id, municipality, year, gender, value; one comparison-group row (G...) to skip."""
    bm = benchmark()
    rows: list[list[object]] = [["KPI", "KPI-namn", "Kommun-id", "Kommun", "År", "Kön", "Värde"]]
    for r in bm.itertuples():
        value = sv_number(r.value, 0 if r.variable == "N01951" else 1)
        rows.append([r.variable, KOLADA_KPIS[r.variable], r.area_code, r.area_name, r.year, "T", value])
    rows.append(["N09801", KOLADA_KPIS["N09801"], "G33930", "Liknande kommuner, folkbibliotek", 2025, "T", "5,6"])
    path = outdir / "kolada_jamforelse.csv"
    save_csv(rows, path, "utf-8-sig", ";")
    return path


WRITERS: tuple[Callable[[Path], Path | list[Path]], ...] = (
    write_loans_yearly, write_loans_recent, write_visits_in_out, write_visits_cumulative,
    write_visits_bookmobiles, write_events_old, write_events_new, write_opening_hours, write_survey,
    write_population, write_benchmark,
)


def generate(outdir: Path = HERE) -> list[Path]:
    """Write every export file into ``outdir``; return their paths."""
    outdir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for writer in WRITERS:
        result = writer(outdir)
        paths += result if isinstance(result, list) else [result]
    return paths


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    outdir = Path(args[0]) if args else HERE
    for path in generate(outdir):
        print(f"{path.stat().st_size:>10,d}  {path}")


if __name__ == "__main__":
    main()
