"""Survey: one row per respondent x item (Likert labels mapped to the scale).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from etl.normalise.common import Ctx, parse_dates, require, resolve_units, show_value
from etl.parse import is_blank, numbers
from etl.tables import SURVEY_ITEMS
from etl.units import UnitIndex
from etl.vocabulary import norm, vocabulary


def normalise_survey(df: pd.DataFrame, ctx: Ctx, units: UnitIndex, _: Any) -> pd.DataFrame | None:
    items = [f for f in SURVEY_ITEMS if f in df]
    ok = require(df, ctx, ("unit", "unit_id"))
    ok &= require(df, ctx, ("wave", "timestamp"))
    if not items:
        ctx.add("fel", "missing_column", "Inga enkätfrågor hittades. Hittade kolumner: "
                f"{', '.join(n for n in ctx.sheet.names if n)}. Ange frågornas rubriker under columns "
                f"i sources.yaml (t.ex. columns: {{bemotande: \"Hur nöjd är du med bemötandet?\"}}).",
                ctx.sheet.header_row, "enkätfrågor")
        ok = False
    if not ok:
        return None
    if "wave" in df:
        wave, bad, _ = numbers(df["wave"].tolist())
        ctx.cells("fel", "bad_date", "Enkätvågen (året) ska vara ett årtal, t.ex. 2024.", df, bad, "wave")
        stamp = np.array([f"{int(w)}-07-01" if not np.isnan(w) else "NaT" for w in wave], dtype="datetime64[s]")
    else:
        stamp = parse_dates(df, "timestamp", ctx)
        wave = stamp.astype("datetime64[Y]").astype(int) + 1970.0
        wave[np.isnat(stamp)] = np.nan
    unit_ids = resolve_units(df, ctx, units, stamp)
    resp = ([show_value(v).strip() if not is_blank(v) else f"rad{r}" for v, r in zip(df["respondent_id"], df["_row"])]
            if "respondent_id" in df else [f"rad{r}" for r in df["_row"]])
    age_labels = {norm(k): v for k, v in ctx.source.value_labels.get("age_group", {}).items()}
    age = [age_labels.get(norm(v), show_value(v).strip()) if not is_blank(v) else "okand" for v in df["age_group"]] \
        if "age_group" in df else ["okand"] * len(df)
    vocab = vocabulary()
    unmapped: dict[str, list[tuple[int, str]]] = {}
    unmapped_items: dict[str, str] = {}
    frames = []
    for item in items:
        scale = int(ctx.source.constants.get("scale_max", SURVEY_ITEMS[item]))
        labels = {**vocab.likert.get(scale, {}), **{norm(k): v for k, v in ctx.source.value_labels.get(item, {}).items()}}
        cells = df[item].tolist()
        values, bad, _ = numbers(cells)
        for i in np.flatnonzero(bad):  # text answers: labels
            v = cells[i]
            key = norm(v)
            if key in vocab.likert_missing:
                continue
            if key in labels:
                values[i] = np.nan if labels[key] is None else labels[key]
            else:
                unmapped.setdefault(str(v), []).append((int(df["_row"].iat[i]), ctx.col(item)))
                unmapped_items.setdefault(item, str(v))
        frames.append(pd.DataFrame({"wave": wave, "respondent_id": resp, "unit_id": unit_ids, "age_group": age,
                                    "item": item, "value": values, "scale_max": scale,
                                    "source_row": df["_row"].to_numpy()}))
    if unmapped:
        unmapped = {lbl: sorted(hits) for lbl, hits in sorted(unmapped.items(), key=lambda kv: min(kv[1]))}
        listing = "; ".join(f"{lbl!r} (rad {', '.join(str(r) for r, _ in hits[:5])}{' …' if len(hits) > 5 else ''})"
                            for lbl, hits in unmapped.items())
        first = min(h for hits in unmapped.values() for h in hits)
        ctx.add("fel", "unmapped_likert", f"{len(unmapped)} svarsalternativ går inte att översätta till "
                f"skalan: {listing}. Lägg till dem i sources.yaml, t.ex. value_labels: "
                + "{" + ", ".join(f"{it}: {{\"{lbl}\": 5}}" for it, lbl in unmapped_items.items()) + "}"
                + " (värdet på skalan); \"Vet ej\" och \"Ej aktuellt\" räknas som saknade.", first[0], first[1],
                ", ".join(unmapped))
    # Waves with too few answers are warned about by the anomaly rule few_survey_answers
    # (etl/anomalies/rules.py), which names the unit, the file and the first row of the unit.
    return pd.concat(frames, ignore_index=True)
