"""etl.changes: new / replaced / unchanged rows and old -> new totals, counted by hand here."""

from __future__ import annotations

import math

import pandas as pd

from etl.changes import Counts, by_period, compare, counts
from etl.tables import conform


def visits(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return conform("visits", pd.DataFrame(
        [{"date": pd.Timestamp(d), "unit_id": u, "visits": v, "estimated": False} for d, u, v in rows]))


STORED = visits([("2026-10-01", "gottsunda", 100), ("2026-10-02", "gottsunda", 110),
                 ("2026-10-31", "gottsunda", 90), ("2026-10-01", "savja", 50)])


def test_a_new_month_is_new_and_touches_nothing_stored() -> None:
    new = visits([("2026-11-02", "gottsunda", 400), ("2026-11-03", "gottsunda", 380)])
    rows = compare("visits", new, STORED)
    assert counts(rows) == Counts(new=2, replaced=0, unchanged=0)
    month = by_period("visits", rows)
    assert month[["unit", "status", "rows_new"]].values.tolist() == [["gottsunda", "ny", 2]]
    assert month["new"].iloc[0] == 780 and math.isnan(month["old"].iloc[0])


def test_a_corrected_month_is_replaced_old_to_new_and_the_rest_unchanged() -> None:
    # October again for Gottsunda: the 2nd corrected 110 -> 130, the 31st missing from the file.
    new = visits([("2026-10-01", "gottsunda", 100), ("2026-10-02", "gottsunda", 130),
                  ("2026-10-30", "gottsunda", 95)])
    rows = compare("visits", new, STORED)
    # 1st unchanged; 2nd changed; 30th new key; 31st stored in the span but not in the file: replaced.
    # (the span is the 1st to the 30th, so the 31st is outside it and stays: not counted)
    assert counts(rows) == Counts(new=1, replaced=1, unchanged=1)
    month = by_period("visits", rows).iloc[0]
    assert (month["status"], month["old"], month["new"], month["change"]) == ("ersatt", 210.0, 325.0, 115.0)


def test_a_file_identical_to_the_store_is_unchanged() -> None:
    new = STORED[STORED["unit_id"] == "savja"]
    rows = compare("visits", new, STORED)
    assert counts(rows) == Counts(unchanged=1)
    assert by_period("visits", rows)["status"].tolist() == ["oforandrad"]


def test_loans_total_is_initial_loans_plus_renewals() -> None:
    def loans(n: int) -> pd.DataFrame:
        return conform("loans", pd.DataFrame([{"month": pd.Timestamp("2026-10-01"), "unit_id": "gottsunda",
                                               "media_type": "bok", "audience": "vuxna", "genre": "skonlitteratur",
                                               "initial_loans": n, "renewals": 10}]))
    rows = compare("loans", loans(120), loans(100))
    month = by_period("loans", rows).iloc[0]
    assert (month["status"], month["old"], month["new"], month["change"]) == ("ersatt", 110.0, 130.0, 20.0)


def test_brought_keeps_the_unit_months_a_load_changes() -> None:
    from etl.changes import brought

    # A re-export of October (the same as stored for Sävja, the 2nd corrected for Gottsunda) and
    # November for Gottsunda: Gottsunda's October (all three of its rows) and November come back.
    new = visits([("2026-10-01", "gottsunda", 100), ("2026-10-02", "gottsunda", 130),
                  ("2026-10-31", "gottsunda", 90), ("2026-10-01", "savja", 50), ("2026-11-02", "gottsunda", 7)])
    kept = brought("visits", new, STORED)
    assert sorted(zip(kept["unit_id"].astype(str), kept["date"].dt.strftime("%m-%d"))) == [
        ("gottsunda", "10-01"), ("gottsunda", "10-02"), ("gottsunda", "10-31"), ("gottsunda", "11-02")]
    assert brought("visits", STORED, STORED).empty  # nothing changes: nothing to warn about
