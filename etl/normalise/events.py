"""Events: one row per occasion (KB category, target group, participants, partner).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from etl.normalise.common import Ctx, map_labels, parse_dates, parse_numbers, require, resolve_units
from etl.parse import is_blank
from etl.units import UnitIndex
from etl.vocabulary import norm, vocabulary

_KB_CODE = re.compile(r"(?:publ)?\s*(\d{3})")


def normalise_events(df: pd.DataFrame, ctx: Ctx, units: UnitIndex, _: Any) -> pd.DataFrame | None:
    ok = require(df, ctx, ("unit", "unit_id"))
    ok &= require(df, ctx, ("date",))
    ok &= require(df, ctx, ("title",))
    ok &= require(df, ctx, ("kb_category",))
    ok &= require(df, ctx, ("target_group",))
    if not ok:
        return None
    date = parse_dates(df, "date", ctx).astype("datetime64[D]").astype("datetime64[s]")
    kb = np.full(len(df), np.nan)
    bad = np.zeros(len(df), dtype=bool)
    for i, v in enumerate(df["kb_category"]):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            kb[i] = v
        elif not is_blank(v) and (m := _KB_CODE.match(norm(v))):
            kb[i] = int(m[1])
        elif not is_blank(v):
            bad[i] = True
    ctx.cells("fel", "text_in_number", "KB-kategorin ska vara en kod 101–120 (t.ex. 113 eller "
              "Publ113).", df, bad, "kb_category")
    participants = parse_numbers(df, "participants", ctx)[0] if "participants" in df else np.full(len(df), np.nan)
    partner = [None if is_blank(v) else str(v).strip() for v in df["partner"]] if "partner" in df else None
    return pd.DataFrame({
        "date": date,
        "unit_id": resolve_units(df, ctx, units, date),
        "title": [str(v).strip() if not is_blank(v) else None for v in df["title"]],
        "kb_category": pd.array(np.round(kb), dtype="Float64").astype("Int64"),
        "target_group": map_labels(df, "target_group", ctx, vocabulary().value_labels["target_group"]),
        "participants": pd.array(np.round(participants), dtype="Float64").astype("Int64"),
        "partner": partner,
        "source_row": df["_row"].to_numpy(),
    })
