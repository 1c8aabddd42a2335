"""Population: inhabitants per year, district and age band.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from etl.normalise.common import Ctx, parse_numbers, require, values_into_fields
from etl.parse import numbers
from etl.units import UnitIndex
from etl.vocabulary import norm

_AGE_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)(?:\s*ar)?$")
_AGE_OPEN = re.compile(r"^(\d+)\s*(?:[+-]\s*(?:ar)?|(?:ar\s*)?(?:\+|och aldre|eller aldre|och over))$")
_AGE_ONE = re.compile(r"^(\d+)(?:\s*ar)?$")


def parse_age_band(v: Any) -> tuple[float, float] | None:
    """"0-5", "0–5 år" -> (0, 5); "7", "7 år" -> (7, 7); "65+", "100+ år", "65 år och äldre" -> (65, NaN)."""
    text = norm(v)
    if m := _AGE_RANGE.match(text):
        return float(m[1]), float(m[2])
    if m := _AGE_ONE.match(text):
        return float(m[1]), float(m[1])
    if m := _AGE_OPEN.match(text):
        return float(m[1]), np.nan
    return None


def normalise_population(df: pd.DataFrame, ctx: Ctx, units: UnitIndex, _: Any) -> pd.DataFrame | None:
    df = values_into_fields(df, ("population",), ctx)
    ok = require(df, ctx, ("year",)) if "month" not in df else True
    ok &= require(df, ctx, ("district",))
    ok &= require(df, ctx, ("age", "age_from"))
    ok &= require(df, ctx, ("population",))
    if not ok:
        return None
    if "year" in df:
        year, bad, _ = numbers(df["year"].tolist())
        ctx.cells("fel", "bad_date", "Året ska vara ett årtal, t.ex. 2024.", df, bad, "year")
    else:
        year = df["month"].to_numpy().astype("datetime64[Y]").astype(int) + 1970.0
    if "age" in df:
        age_from = np.full(len(df), np.nan)
        age_to = np.full(len(df), np.nan)
        for i, v in enumerate(df["age"]):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                age_from[i] = age_to[i] = v
                continue
            band = parse_age_band(v)
            if band is None:
                ctx.add("fel", "bad_value", "Åldersgruppen går inte att tolka; skriv t.ex. 0-5, 65+ eller 7.",
                        df["_row"].iat[i], ctx.col("age"), v)
                continue
            age_from[i], age_to[i] = band
    else:
        age_from = numbers(df["age_from"].tolist())[0]
        age_to = numbers(df["age_to"].tolist())[0] if "age_to" in df else np.full(len(df), np.nan)
    pop, _ = parse_numbers(df, "population", ctx)
    districts = {norm(u.district): u.district for u in units.units.units if u.district}
    return pd.DataFrame({
        "year": pd.array(year, dtype="Float64").astype("Int64"),
        "district": [districts.get(norm(v), str(v).strip()) for v in df["district"]],
        "age_from": pd.array(age_from, dtype="Float64").astype("Int64"),
        "age_to": pd.array(age_to, dtype="Float64").astype("Int64"),
        "population": pd.array(np.round(pop), dtype="Float64").astype("Int64"),
        "source_row": df["_row"].to_numpy(),
    })
