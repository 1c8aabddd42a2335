"""Per-inhabitant values for a year whose population is not published yet: projected, labelled."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.tables import conform
from goals import followup
from tests.test_goals_values import indicator, plan_of, tiny_loans, tiny_tables


def test_the_current_years_population_is_projected_from_the_trend() -> None:
    pop = conform(
        "population",
        pd.DataFrame(
            [(2024, "Norr", 0, None, 500), (2025, "Norr", 0, None, 510), (2024, "Syd", 0, None, 200), (2025, "Syd", 0, None, 200)],
            columns=["year", "district", "age_from", "age_to", "population"],
        ),
    )
    tables = tiny_tables(loans=tiny_loans(last="2026-01-01"), population=pop)
    plan = plan_of(indicator("lan_pc", {"measure": {"table": "loans"}, "denominator": {"kind": "population"}}))
    row = followup(plan, tables, 2026, "M01", unit="norr").iloc[0]
    # norr, January 2026: 16 + 2 children's loans and 6 non-fiction loans = 24; Norr grew 500 -> 510
    # (+2 %) from 2024 to 2025, so 2026 is projected at 510 x 1.02 = 520.2
    assert row["value"] == pytest.approx(24 / 520.2)
    assert "befolkning 2026 framskriven med trenden 2024–2025 (ej publicerad än)" in row["note"]
    # a published year is used as it is
    assert followup(plan, tables, 2025, "M01", unit="norr").iloc[0]["value"] == pytest.approx((20 + 2 + 6) / 510)
