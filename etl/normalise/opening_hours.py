"""Opening hours: weekly schedules per unit, valid from a date.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from etl.normalise.common import Ctx, map_labels, parse_dates, require, resolve_units
from etl.parse import hhmm, parse_time
from etl.units import UnitIndex
from etl.vocabulary import norm, vocabulary


def normalise_opening_hours(df: pd.DataFrame, ctx: Ctx, units: UnitIndex, _: Any) -> pd.DataFrame | None:
    ok = require(df, ctx, ("unit", "unit_id"))
    for f in ("valid_from", "weekday", "opens", "closes"):
        ok &= require(df, ctx, (f,))
    if not ok:
        return None
    valid_from = parse_dates(df, "valid_from", ctx)
    weekdays = vocabulary().weekdays
    wd = np.full(len(df), np.nan)
    for i, v in enumerate(df["weekday"]):
        if isinstance(v, (int, float)) and 1 <= v <= 7:
            wd[i] = v
        elif norm(v) in weekdays:
            wd[i] = weekdays[norm(v)]
        else:
            ctx.add("fel", "bad_value", "Veckodagen ska vara måndag–söndag eller 1–7.", df["_row"].iat[i],
                    ctx.col("weekday"), v)
    opens = np.array([parse_time(v) for v in df["opens"]], dtype=float)
    closes = np.array([parse_time(v) for v in df["closes"]], dtype=float)
    closed = np.isnan(opens) & np.isnan(closes)
    for f, arr in (("opens", opens), ("closes", closes)):
        bad = np.isnan(arr) & ~closed
        ctx.cells("fel", "bad_time", "Klockslaget går inte att tolka; skriv det som TT:MM (t.ex. 10:00).",
                  df, bad, f)
    service = map_labels(df, "service", ctx, vocabulary().value_labels["service"]) if "service" in df else "bemannad"
    out = pd.DataFrame({
        "unit_id": resolve_units(df, ctx, units, valid_from),
        "valid_from": valid_from,
        "weekday": pd.array(wd, dtype="Float64").astype("Int64"),
        "service": service,
        "opens": [hhmm(h) if not np.isnan(h) else None for h in opens],
        "closes": [hhmm(h) if not np.isnan(h) else None for h in closes],
        "hours": closes - opens,
        "source_row": df["_row"].to_numpy(),
    })
    return out.loc[~closed].reset_index(drop=True)
