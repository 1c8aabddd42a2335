"""Anomaly rules (etl/anomalies.py): each rule on a small hand-built frame, flagged and not flagged.

Expected dates, months and values are worked out by hand in the comments next to each frame.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl import anomalies as an
from etl.config import ConfigError
from etl.tables import Tables, conform

D = pd.Timestamp


def month_t(year: int, month: int) -> int:
    return year * 12 + month - 1


def visits(
    unit: str, start: str, values: list[float], file: str = "besok.xlsx", first_row: int = 2
) -> pd.DataFrame:
    """Daily visits from ``start``, one row per value, Excel rows from ``first_row``."""
    return pd.DataFrame(
        {
            "date": pd.date_range(start, periods=len(values), freq="D"),
            "unit_id": unit,
            "visits": np.array(values, dtype=float),
            "estimated": False,
            "source_file": file,
            "source_sheet": "Besök",
            "source_row": range(first_row, first_row + len(values)),
        }
    )


def by_weekday(
    start: str, days: int, weekday: float = 100, saturday: float = 50, sunday: float = 0
) -> list[float]:
    """``days`` values from ``start``: Mon-Fri ``weekday``, Sat ``saturday``, Sun ``sunday``."""
    dow = pd.date_range(start, periods=days, freq="D").day_of_week
    return [sunday if d == 6 else saturday if d == 5 else weekday for d in dow]


def weeks(n: int, weekday: float = 100, saturday: float = 50, sunday: float = 0) -> list[float]:
    """``n`` weeks starting on a Monday: Mon-Fri ``weekday``, Sat ``saturday``, Sun ``sunday``."""
    return [weekday] * 5 + [saturday, sunday] if n == 1 else weeks(1, weekday, saturday, sunday) * n


def schedule(unit: str, valid_from: str = "2024-01-01", saturday: str | None = "meroppet") -> list[dict]:
    """Mon-Fri staffed 10-19, Saturday meröppet 8-21 (or closed), Sunday closed."""
    rows = [
        {
            "unit_id": unit,
            "valid_from": valid_from,
            "weekday": w,
            "service": "bemannad",
            "opens": "10:00",
            "closes": "19:00",
            "hours": 9.0,
        }
        for w in range(1, 6)
    ]
    if saturday:
        rows.append(
            {
                "unit_id": unit,
                "valid_from": valid_from,
                "weekday": 6,
                "service": saturday,
                "opens": "08:00",
                "closes": "21:00",
                "hours": 13.0,
            }
        )
    return rows


def opening_hours(*rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame([r for rs in rows for r in rs])
    df["valid_from"] = pd.to_datetime(df["valid_from"])
    return conform("opening_hours", df)


def loans(rows: list[tuple[str, str, int, int]], file: str = "utlan.xlsx") -> pd.DataFrame:
    """(unit, "YYYY-MM", initial_loans, renewals): one row per unit-month (bok, vuxna, skön)."""
    df = pd.DataFrame(rows, columns=["unit_id", "month", "initial_loans", "renewals"])
    df["month"] = pd.to_datetime(df["month"] + "-01")
    df["media_type"], df["audience"], df["genre"] = "bok", "vuxna", "skonlitteratur"
    df["source_file"], df["source_sheet"] = file, "Utlån"
    df["source_row"] = range(2, 2 + len(df))
    return conform("loans", df)


def monthly_loans(unit: str, first: str, totals: list[int], file: str = "utlan.xlsx") -> list[tuple]:
    """Rows for ``loans()``: consecutive months from ``first``, 80 % initial loans, 20 % renewals."""
    months = pd.date_range(first + "-01", periods=len(totals), freq="MS").strftime("%Y-%m")
    return [(unit, m, int(t * 0.8), t - int(t * 0.8)) for m, t in zip(months, totals, strict=True)]


def V(*frames: pd.DataFrame) -> pd.DataFrame:
    return conform("visits", pd.concat(frames, ignore_index=True))


UNITS = pd.DataFrame(
    {
        "unit_id": ["a", "b", "c", "d"],
        "name": ["Stadsbiblioteket", "Gottsunda bibliotek", "Sävja bibliotek", "Bokbussen"],
        "type": ["huvudbibliotek", "stadsdelsbibliotek", "stadsdelsbibliotek", "bokbuss"],
        "district": [None, "Gottsunda", "Sävja", None],
    }
)


def codes(problems) -> list[str]:
    return [p.code for p in problems]


# --------------------------------------------------------------------------- calendar and schedule
def test_swedish_holidays_2024():
    days = set(an.swedish_holidays([2024]))
    # Easter Sunday 2024 is 31 March: långfredag 29/3, påskafton 30/3, annandag påsk 1/4,
    # Kristi himmelsfärd 9/5 (+39), pingstdagen 19/5 (+49); midsommarafton the Friday 19-25 June
    # = 21/6; alla helgons dag the Saturday 31/10-6/11 = 2/11.
    for d in [
        "2024-01-01",
        "2024-01-06",
        "2024-03-29",
        "2024-03-30",
        "2024-03-31",
        "2024-04-01",
        "2024-05-01",
        "2024-05-09",
        "2024-05-19",
        "2024-06-06",
        "2024-06-21",
        "2024-06-22",
        "2024-11-02",
        "2024-12-24",
        "2024-12-25",
        "2024-12-26",
        "2024-12-31",
    ]:
        assert dt.date.fromisoformat(d) in days
    assert len(days) == 17
    assert dt.date(2024, 6, 20) not in days and dt.date(2024, 11, 1) not in days


def test_open_status_uses_the_schedule_valid_at_the_date():
    oh = opening_hours(schedule("a", "2024-01-01"), schedule("a", "2024-03-01", saturday=None))
    units = pd.Series(["a", "a", "a", "a", "b"])
    # Sat 24 Feb (meröppet, old schedule), Sat 2 Mar (new schedule: closed), Sun 3 Mar (closed),
    # Mon 4 Mar (open), Wed 31 Dec 2023 before any schedule, unit b without schedule.
    dates = pd.Series(pd.to_datetime(["2024-02-24", "2024-03-02", "2024-03-03", "2024-03-04", "2024-03-04"]))
    assert an.open_status(units, dates, oh).tolist() == [True, False, False, True, pd.NA]
    early = an.open_status(pd.Series(["a"]), pd.Series([D("2023-12-31")]), oh)
    assert early.isna().all()


# --------------------------------------------------------------------------- counter outage
def outage_fixture() -> tuple[pd.DataFrame, pd.DataFrame]:
    # Unit a, Mon 5 Feb - Sun 25 Feb 2024 (21 days, Excel rows 2..22).
    vals = weeks(3)
    vals[8] = np.nan  # Tue 13 Feb, row 10
    vals[9] = 0  # Wed 14 Feb, row 11
    vals[12] = 0  # Sat 17 Feb, meröppet = open: row 14
    # Sundays (11, 18, 25 Feb) are 0 and closed: not outages.
    a = visits("a", "2024-02-05", vals)
    # Unit d has no opening hours: its zeros cannot be judged.
    d = visits("d", "2024-02-05", [0.0] * 7, file="bokbuss.xlsx")
    return V(a, d), opening_hours(schedule("a"))


def test_counter_outage_flags_blank_and_zero_on_open_days_only():
    new, oh = outage_fixture()
    ctx = an.prepare({"visits": new}, Tables(units=UNITS), oh)
    found = an.counter_outages(ctx)
    assert found["date"].tolist() == [D("2024-02-13"), D("2024-02-14"), D("2024-02-17")]
    assert found["unit_id"].tolist() == ["a", "a", "a"]
    assert found["row"].tolist() == [10, 11, 14]
    # 13-14 Feb are one run, 17 Feb another (15-16 Feb counted normally in between).
    assert found["run"].iloc[0] == found["run"].iloc[1] != found["run"].iloc[2]

    problems = an.detect({"visits": new}, Tables(units=UNITS), oh)
    outages = [p for p in problems if p.code == "counter_outage"]
    assert len(outages) == 2
    first = outages[0]
    assert (first.severity, first.file, first.sheet, first.row, first.column) == (
        "varning",
        "besok.xlsx",
        "Besök",
        10,
        "Besök",
    )
    assert first.message.startswith(
        "Stadsbiblioteket: besök är 0 eller saknas 2024-02-13 t.o.m. 2024-02-14 (2 öppetdagar)"
    )
    assert "2024-02-17 (1 öppetdag)" in outages[1].message
    # One warning per day when asked for.
    per_day = an.default_rules().model_copy(
        update={"counter_outage": an.CounterOutageRule(enabled=True, per_day=True)}
    )
    rows = [p.row for p in an.detect({"visits": new}, None, oh, rules=per_day) if p.code == "counter_outage"]
    assert rows == [10, 11, 14]
    # The bookmobile has no schedule: no outage, but one warning that it cannot be checked.
    no_oh = [p for p in problems if p.code == "no_opening_hours"]
    assert len(no_oh) == 1 and no_oh[0].message.startswith("Bokbussen: öppettider saknas för 7 dagar")


def test_counter_outage_not_on_holidays_unless_switched_off():
    # Mon 1 Jan 2024 (nyårsdagen) 0, Sat 6 Jan (trettondedag jul) 0, the rest normal (2 weeks).
    vals = weeks(2)
    vals[0] = 0
    vals[5] = 0
    new, oh = V(visits("a", "2024-01-01", vals)), opening_hours(schedule("a", "2023-01-01"))
    assert an.counter_outages(an.prepare({"visits": new}, None, oh)).empty
    rules = an.default_rules().model_copy(update={"holidays_closed": False})
    found = an.counter_outages(an.prepare({"visits": new}, None, oh, rules=rules))
    assert found["date"].tolist() == [D("2024-01-01"), D("2024-01-06")]


# --------------------------------------------------------------------------- catch-up spike
def test_catch_up_spike_after_outage():
    # 13 weeks from Mon 1 Jan 2024; an outage Mon 12 - Wed 14 Feb (blank), then Thu 15 Feb.
    # Thursdays within 4 weeks of 15 Feb: 18/1, 25/1, 1/2, 8/2, 22/2, 29/2, 7/3, 14/3, all 100:
    # median 100, so more than 150 is a spike.
    def unit(u: str, thursday: float, outage: bool) -> pd.DataFrame:
        vals = weeks(13)
        if outage:
            vals[42:45] = [np.nan] * 3  # 12-14 Feb are days 42-44 from 1 Jan
        vals[45] = thursday  # Thu 15 Feb
        return visits(u, "2024-01-01", vals, file=f"{u}.xlsx")

    new = V(unit("a", 400, True), unit("b", 400, False), unit("c", 140, True))
    oh = opening_hours(schedule("a"), schedule("b"), schedule("c"))
    found = an.catch_up_spikes(an.prepare({"visits": new}, None, oh))
    # a: 400 after an outage -> flagged; b: 400 without an outage and c: 140 (+40 %) -> not.
    assert found[["unit_id", "date", "visits", "median"]].values.tolist() == [
        ["a", D("2024-02-15"), 400.0, 100.0]
    ]
    assert found["row"].tolist() == [2 + 45]

    spikes = [p for p in an.detect({"visits": new}, Tables(units=UNITS), oh) if p.code == "catch_up_spike"]
    assert len(spikes) == 1
    assert spikes[0].message.startswith(
        "Stadsbiblioteket: 400 besök 2024-02-15 (torsdag) direkt efter ett räknaravbrott är 300\u00a0% mer"
    )


def test_catch_up_spike_uses_store_history_for_the_median():
    # Stored: 4 weeks of Thursdays at 200 before the load; loaded: an outage Mon-Wed, then Thu 450.
    old = V(visits("a", "2024-01-15", weeks(4, weekday=200)))  # Mon 15 Jan - Sun 11 Feb
    vals = weeks(1, weekday=200)
    vals[0:3] = [np.nan] * 3
    vals[3] = 450  # Thu 15 Feb: +125 % vs median 200
    new = V(visits("a", "2024-02-12", vals))
    found = an.catch_up_spikes(an.prepare({"visits": new}, Tables(visits=old), opening_hours(schedule("a"))))
    assert found[["date", "median"]].values.tolist() == [[D("2024-02-15"), 200.0]]


# --------------------------------------------------------------------------- double counting
def double_fixture() -> tuple[pd.DataFrame, pd.DataFrame]:
    old = loans(
        monthly_loans("a", "2023-01", [1000] * 12)
        + monthly_loans("b", "2023-01", [1000] * 12)
        + monthly_loans("e", "2023-01", [500] * 6 + [1000] * 6)
    )
    new = loans(
        monthly_loans("a", "2024-01", [2000] * 6)  # x2 vs 2023 from January on
        + monthly_loans("b", "2024-01", [1500] * 6)  # x1.5: not double counting
        + monthly_loans("c", "2024-01", [1000, 1000, 1000, 2500, 2500, 2500])  # new unit, jumps in April
        + monthly_loans("d", "2024-01", [1000, 1000, 1000, 1700, 1700, 1700])  # x1.7: below 1.8
        + monthly_loans("e", "2024-01", [1000] * 6)  # x2 vs Jan-Jun 2023, not vs Oct-Dec 2023
    )
    return old, new


def test_double_counting_jump_and_sustained_shift():
    old, new = double_fixture()
    found = an.double_counting(an.prepare({"loans": new}, Tables(loans=old)))
    got = sorted(zip(found["unit_id"], found["t"], strict=True))
    # a: Jan and Feb are jumps (x2 vs last year and vs the median of the 3 months before: Oct-Dec
    # 2023 = 1000; Nov, Dec, Jan = 1000); from March the months before are 2000 too, but March-June
    # stay x2 vs last year after the jump: a sustained shift.  c: no last year; April 2500 vs the
    # median 1000 of Jan-Mar, May vs Feb-Apr (1000) -> jumps; June vs Mar-May (2500) is not.
    # e: x2 vs a half-closed first half of 2023, but level with Oct-Dec 2023: a recovery, no jump.
    assert got == [("a", month_t(2024, m)) for m in range(1, 7)] + [
        ("c", month_t(2024, 4)),
        ("c", month_t(2024, 5)),
    ]
    a_jan = found[(found["unit_id"] == "a") & (found["t"] == month_t(2024, 1))].iloc[0]
    assert (a_jan["value"], a_jan["last_year"], a_jan["previous"], a_jan["ratio_year"]) == (
        2000,
        1000,
        1000,
        2.0,
    )

    problems = an.detect({"loans": new}, Tables(loans=old, units=UNITS))
    doubles = [p for p in problems if p.code == "double_counting"]
    assert [p.message.split(":")[0] for p in doubles] == ["Stadsbiblioteket", "Sävja bibliotek"]
    assert "utlånen jan–juni 2024 är ungefär dubbelt så många" in doubles[0].message
    assert "×2,0 mot samma månad förra året" in doubles[0].message
    assert "apr–maj 2024" in doubles[1].message and "×2,5 mot månaderna före" in doubles[1].message
    assert (doubles[0].file, doubles[0].row, doubles[0].value) == ("utlan.xlsx", 2, "2\u00a0000")
    # a's months are not also reported as a change against last year; b's +50 % and e's +100 % are.
    changes = [p for p in problems if p.code == "change_vs_last_year"]
    assert [p.message.split(":")[0] for p in changes] == ["Gottsunda bibliotek", "e"]


def test_double_counting_visits_from_in_out_counter():
    # Daily visits: 2023 March at 100 per open day; 2024 March at 200 per open day (x2).
    old = V(visits("a", "2023-03-01", [100.0] * 31))
    new = V(visits("a", "2024-03-01", [200.0] * 31))
    oh = opening_hours(
        [
            {
                "unit_id": "a",
                "valid_from": "2020-01-01",
                "weekday": w,
                "service": "bemannad",
                "opens": "10:00",
                "closes": "19:00",
                "hours": 9.0,
            }
            for w in range(1, 8)
        ]
    )
    found = an.double_counting(an.prepare({"visits": new}, Tables(visits=old), oh))
    assert found[["kind", "unit_id", "t", "value", "last_year"]].values.tolist() == [
        ["visits", "a", month_t(2024, 3), 6200.0, 3100.0]
    ]
    msg = next(
        p for p in an.detect({"visits": new}, Tables(visits=old), oh) if p.code == "double_counting"
    ).message
    assert "counter_mode: in_out" in msg and "öppettider" not in msg
    # With a new schedule from 1 March 2024 (7 x 9 = 63 -> 7 x 12 = 84 hours a week) the message
    # names it as a possible explanation.
    longer = opening_hours(
        [
            {
                "unit_id": "a",
                "valid_from": "2024-03-01",
                "weekday": w,
                "service": "bemannad",
                "opens": "09:00",
                "closes": "21:00",
                "hours": 12.0,
            }
            for w in range(1, 8)
        ]
    )
    both = pd.concat([oh, longer], ignore_index=True)
    msg = next(
        p for p in an.detect({"visits": new}, Tables(visits=old), both) if p.code == "double_counting"
    ).message
    assert "Enheten har nya öppettider från 2024-03-01 (63 → 84 timmar i veckan)" in msg


# --------------------------------------------------------------------------- counts on closed days
def closed_fixture() -> tuple[pd.DataFrame, pd.DataFrame]:
    vals = weeks(3)
    vals[6] = 5  # Sun 11 Feb: closed, 5 visits (row 8)
    # Sat 17 Feb: meröppet, 50 visits: open.  Sat 24 Feb: the schedule from 19 Feb has no
    # Saturday, 50 visits (row 21).
    return (
        V(visits("a", "2024-02-05", vals)),
        opening_hours(schedule("a", "2024-01-01"), schedule("a", "2024-02-19", saturday=None)),
    )


def test_closed_day_counts():
    new, oh = closed_fixture()
    found = an.closed_day_counts(an.prepare({"visits": new}, None, oh))
    assert found[["date", "visits", "row"]].values.tolist() == [
        [D("2024-02-11"), 5.0, 8],
        [D("2024-02-24"), 50.0, 21],
    ]
    problems = [
        p for p in an.detect({"visits": new}, Tables(units=UNITS), oh) if p.code == "closed_day_counts"
    ]
    assert [p.row for p in problems] == [21, 8]  # grouped by weekday: lördag (6) before söndag (7)
    assert problems[1].message.startswith("Stadsbiblioteket: 5 besök på 1 söndag då enheten är stängd")


def test_closed_day_counts_tolerance_from_rules_file(tmp_path: Path):
    new, oh = closed_fixture()
    (tmp_path / "anomaly_rules.yaml").write_text("closed_day_counts:\n  tolerance: 10\n", encoding="utf-8")
    rules = an.load_rules(tmp_path / "anomaly_rules.yaml")
    found = an.closed_day_counts(an.prepare({"visits": new}, None, oh, rules=rules))
    assert found["date"].tolist() == [D("2024-02-24")]


# --------------------------------------------------------------------------- missing month
def test_missing_month_gap_and_absent_unit():
    old = loans(
        monthly_loans("a", "2023-10", [1000] * 3)
        + monthly_loans("b", "2023-10", [1000] * 3)
        + monthly_loans("c", "2023-10", [1000] * 3)
        + monthly_loans("d", "2023-01", [1000] * 6)
    )
    new = loans(
        monthly_loans("a", "2024-01", [1000] * 6)
        + [r for r in monthly_loans("b", "2024-01", [1000] * 6) if r[1] != "2024-03"]  # gap in March
        + monthly_loans("c", "2024-01", [1000] * 4)  # stops after April
    )
    found = an.missing_months(an.prepare({"loans": new}, Tables(loans=old)))
    # b March (data before and after); c May and June (others have data, c had data in the 3
    # months before).  d stopped in June 2023, more than 3 months before: not expected.
    assert found[["unit_id", "t", "reason"]].values.tolist() == [
        ["b", month_t(2024, 3), "gap"],
        ["c", month_t(2024, 5), "others"],
        ["c", month_t(2024, 6), "others"],
    ]
    problems = [
        p for p in an.detect({"loans": new}, Tables(loans=old, units=UNITS)) if p.code == "missing_month"
    ]
    assert [p.message.split(". ")[0] for p in problems] == [
        "Gottsunda bibliotek: utlån saknas för mars 2024, fast enheten har data före och efter",
        "Sävja bibliotek: utlån saknas för maj–juni 2024, fast andra enheter har data för perioden och "
        "enheten hade data månaderna före",
    ]
    assert problems[0].file == "utlan.xlsx"


def test_missing_month_not_for_a_seasonal_pause():
    def no_july(unit: str, year: int) -> list[tuple]:
        return [r for r in monthly_loans(unit, f"{year}-01", [1000] * 12) if r[1] != f"{year}-07"]

    # d (a bookmobile) rests every July: missing in 2023 and 2024 and never present -> a pause.
    # a has July 2023 but not July 2024 -> a gap.  b has only 2024: one July missing is not yet a
    # pattern (seasonal_pause_years = 2) -> a gap.
    old = loans(no_july("d", 2023) + monthly_loans("a", "2023-01", [1000] * 12))
    new = loans(no_july("d", 2024) + no_july("a", 2024) + no_july("b", 2024))
    found = an.missing_months(an.prepare({"loans": new}, Tables(loans=old)))
    assert found[["unit_id", "t", "reason"]].values.tolist() == [
        ["a", month_t(2024, 7), "gap"],
        ["b", month_t(2024, 7), "gap"],
    ]


def test_missing_month_nothing_when_complete():
    new = loans(monthly_loans("a", "2024-01", [1000] * 6) + monthly_loans("b", "2024-01", [900] * 6))
    assert an.missing_months(an.prepare({"loans": new}, None)).empty


# --------------------------------------------------------------------------- partial last period
def test_partial_visits_export_mid_month():
    # a: Fri 1 - Sun 31 March 2024, counted until Fri 15 March, 0 after (an export on the 16th).
    vals_a = by_weekday("2024-03-01", 15) + [0.0] * 16
    # b: counted until Thu 28 March; 29 (långfredag), 30 (påskafton), 31 (påskdagen) are holidays.
    vals_b = by_weekday("2024-03-01", 28) + [0.0] * 3
    # c: the file stops on Thu 28 March: the rest of the month is holidays too.
    vals_c = by_weekday("2024-03-01", 28)
    oh = opening_hours(*(schedule(u, "2024-01-01") for u in "abc"))
    new = V(
        visits("a", "2024-03-01", vals_a, file="a.xlsx"),
        visits("b", "2024-03-01", vals_b, file="b.xlsx"),
        visits("c", "2024-03-01", vals_c, file="c.xlsx"),
    )
    ctx = an.prepare({"visits": new}, None, oh)
    found = an.partial_periods(ctx)
    assert found[["kind", "file", "t", "data_end", "row"]].values.tolist() == [
        ["visits", "a.xlsx", month_t(2024, 3), D("2024-03-15"), 2 + 15]
    ]
    # The zeros after the data end are the incomplete period, not counter outages.
    assert an.counter_outages(ctx).empty
    problems = an.detect({"visits": new}, Tables(units=UNITS), oh)
    assert codes(problems) == ["partial_period"]
    assert problems[0].message.startswith("besöken slutar 2024-03-15 och resten av mars 2024 saknas")


def test_partial_loans_last_month_low():
    # utlan.xlsx: a and b 500 a month Jan-Mar, 200 each in April: 400 of 1 000 = 40 % < 60 %.
    # utlan2.xlsx: c 1000 a month, April 700 = 70 %: complete.
    new = pd.concat(
        [
            loans(
                monthly_loans("a", "2024-01", [500, 500, 500, 200])
                + monthly_loans("b", "2024-01", [500, 500, 500, 200])
            ),
            loans(monthly_loans("c", "2024-01", [1000, 1000, 1000, 700]), file="utlan2.xlsx"),
        ],
        ignore_index=True,
    )
    found = an.partial_periods(an.prepare({"loans": new}, None))
    assert found[["file", "t", "value", "previous"]].values.tolist() == [
        ["utlan.xlsx", month_t(2024, 4), 400.0, 1000.0]
    ]
    assert found["units"].tolist() == [["a", "b"]]
    problems = [p for p in an.detect({"loans": new}, None) if p.code == "partial_period"]
    assert len(problems) == 1
    assert problems[0].message.startswith(
        "apr 2024 är troligen ofullständig: utlånen (400) är bara 40\u00a0% av medianen för "
        "månaderna före (1\u00a0000)"
    )
    # A known export date decides: after the month's end -> complete; before -> incomplete.
    dates = {"utlan.xlsx": dt.date(2024, 5, 2), "utlan2.xlsx": dt.date(2024, 4, 15)}
    found = an.partial_periods(an.prepare({"loans": new}, None, export_dates=dates))
    assert found["file"].tolist() == ["utlan2.xlsx"]


# --------------------------------------------------------------------------- survey
def test_few_survey_answers():
    rows = [
        {
            "wave": 2024,
            "respondent_id": f"{u}{i}",
            "unit_id": u,
            "age_group": "30-49",
            "item": item,
            "value": 4.0,
            "scale_max": 5,
        }
        for u, n in (("d", 29), ("a", 30))
        for i in range(n)
        for item in ("bemotande", "utbud")
    ]
    df = pd.DataFrame(rows)
    df["source_file"], df["source_sheet"] = "enkat.xlsx", "Svar"
    df["source_row"] = range(2, 2 + len(df))
    new = conform("survey", df)
    found = an.few_survey_answers(an.prepare({"survey": new}, None))
    # 29 respondents (58 rows) for the bookmobile, 30 for a.
    assert found[["wave", "unit_id", "answers", "row"]].values.tolist() == [[2024, "d", 29, 2]]
    p = an.detect({"survey": new}, Tables(units=UNITS))
    assert codes(p) == ["few_survey_answers"]
    assert p[0].message.startswith("Bokbussen: enkäten 2024 har bara 29 svar (färre än 30)")


# --------------------------------------------------------------------------- change vs last year
def change_fixture():
    old_l = loans(monthly_loans("a", "2023-01", [1000, 1000, 1000]))
    # Jan +5 % (no), Feb +15 %, Mar -12 %; b has no last year.
    new_l = loans(
        monthly_loans("a", "2024-01", [1050, 1150, 880]) + monthly_loans("b", "2024-01", [500, 500, 500])
    )

    def events(unit: str, day: str, n: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "date": pd.Timestamp(day),
                "unit_id": unit,
                "title": [f"Sagostund {i}" for i in range(n)],
                "kb_category": 102,
                "target_group": "barn",
                "participants": 10,
                "partner": "",
            }
        )

    # January events: a 50 -> 75 (+50 %; 25 > 2 * sqrt(125) = 22.4, beyond chance: flagged);
    # b 12 -> 15 (+25 %, but 3 < 2 * sqrt(27) = 10.4: chance); c 5 -> 8 (below min_previous 10).
    # (Loans: 150 > 2 * sqrt(2150) = 92.7 and 120 > 2 * sqrt(1880) = 86.7: beyond chance.)
    old_e = conform(
        "events", pd.concat([events(u, "2023-01-10", n) for u, n in (("a", 50), ("b", 12), ("c", 5))])
    )
    new_e = conform(
        "events", pd.concat([events(u, "2024-01-10", n) for u, n in (("a", 75), ("b", 15), ("c", 8))])
    )
    return Tables(loans=old_l, events=old_e, units=UNITS), {"loans": new_l, "events": new_e}


def test_change_vs_last_year():
    existing, new = change_fixture()
    found = an.change_vs_last_year(an.prepare(new, existing))
    got = [[k, u, t, round(c, 4)] for k, u, t, c in found[["kind", "unit_id", "t", "change"]].values.tolist()]
    assert got == [
        ["events", "a", month_t(2024, 1), 0.5],
        ["loans", "a", month_t(2024, 2), 0.15],
        ["loans", "a", month_t(2024, 3), -0.12],
    ]
    problems = [p for p in an.detect(new, existing) if p.code == "change_vs_last_year"]
    assert len(problems) == 2  # one per unit and kind
    loans_msg = problems[1].message
    assert loans_msg.startswith(
        "Stadsbiblioteket: utlånen avviker mer än 10\u00a0% från samma månad förra året: "
        "feb 2024 +15\u00a0% (1\u00a0150 mot 1\u00a0000), mars 2024 −12\u00a0% (880 mot 1\u00a0000)."
    )
    assert problems[1].row == 3  # Excel row of February 2024 in utlan.xlsx


def test_change_vs_last_year_share_overridable(tmp_path: Path):
    existing, new = change_fixture()
    override = tmp_path / "anomaly_rules.yaml"
    override.write_text("change_vs_last_year:\n  share: 0.2\n", encoding="utf-8")
    rules = an.load_rules(override)
    assert rules.change_vs_last_year.min_previous == {"loans": 100, "visits": 100, "events": 10}
    found = an.change_vs_last_year(an.prepare(new, existing, rules=rules))
    assert found[["kind", "unit_id"]].values.tolist() == [["events", "a"]]


def test_change_vs_last_year_skips_months_with_blank_visit_days():
    oh = opening_hours(
        [
            {
                "unit_id": "a",
                "valid_from": "2020-01-01",
                "weekday": w,
                "service": "bemannad",
                "opens": "10:00",
                "closes": "19:00",
                "hours": 9.0,
            }
            for w in range(1, 8)
        ]
    )
    old = V(visits("a", "2023-05-01", [100.0] * 31))
    vals = [100.0] * 31
    vals[10] = np.nan  # 11 May 2024 blank: May's sum (3 000) is not comparable
    new = V(visits("a", "2024-05-01", vals))
    assert an.change_vs_last_year(an.prepare({"visits": new}, Tables(visits=old), oh)).empty


# --------------------------------------------------------------------------- rules file and whole run
def test_rules_file_errors_name_the_key(tmp_path: Path):
    bad = tmp_path / "anomaly_rules.yaml"
    bad.write_text("change_vs_last_year:\n  shares: 0.2\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        an.load_rules(bad)
    assert str(bad) in str(exc.value) and "change_vs_last_year.shares" in str(exc.value)
    assert an.load_rules(tmp_path / "missing.yaml") == an.default_rules()


def test_disabled_rule_is_not_run(tmp_path: Path):
    new, oh = outage_fixture()
    off = tmp_path / "anomaly_rules.yaml"
    off.write_text("counter_outage:\n  enabled: false\n", encoding="utf-8")
    assert "counter_outage" in codes(an.detect({"visits": new}, None, oh))
    assert "counter_outage" not in codes(an.detect({"visits": new}, None, oh, rules=off))


def test_clean_load_gives_no_warnings():
    # Two units open every day, an ordinary 2023 in the store and an ordinary 2024 loaded:
    # visits 100 a day, loans within 5 % of last year.  Nothing to report.
    oh = opening_hours(
        *(
            [
                {
                    "unit_id": u,
                    "valid_from": "2022-01-01",
                    "weekday": w,
                    "service": "bemannad",
                    "opens": "10:00",
                    "closes": "19:00",
                    "hours": 9.0,
                }
                for w in range(1, 8)
            ]
            for u in "ab"
        )
    )
    old_v = V(visits("a", "2023-01-01", [100.0] * 365), visits("b", "2023-01-01", [80.0] * 365))
    new_v = V(visits("a", "2024-01-01", [100.0] * 366), visits("b", "2024-01-01", [80.0] * 366))
    old_l = loans(monthly_loans("a", "2023-01", [1000] * 12) + monthly_loans("b", "2023-01", [800] * 12))
    new_l = loans(monthly_loans("a", "2024-01", [1040] * 12) + monthly_loans("b", "2024-01", [760] * 12))
    problems = an.detect({"visits": new_v, "loans": new_l}, Tables(visits=old_v, loans=old_l), oh)
    assert problems == []


def test_opening_hours_loaded_with_the_visits_are_used():
    # The store says Saturdays are meröppet; the load brings a schedule from 19 Feb without
    # Saturdays, plus visits: Sat 24 Feb (50 visits) is then a closed day, Sat 17 Feb is not.
    new_v, _ = closed_fixture()
    new_v = new_v[new_v["date"] != D("2024-02-11")]  # drop the Sunday count of that fixture
    stored = Tables(opening_hours=opening_hours(schedule("a", "2024-01-01")), units=UNITS)
    new = Tables(visits=new_v, opening_hours=opening_hours(schedule("a", "2024-02-19", saturday=None)))
    # The visits end on Sun 25 Feb, so February is also reported as incomplete.
    problems = an.detect(new, stored)
    assert codes(problems) == ["closed_day_counts", "partial_period"]
    assert "(2024-02-24)" in problems[0].message
    assert codes(an.detect({"visits": new_v}, stored)) == ["partial_period"]
