"""Change breakdown: which units, media types, audiences or event categories account for an
indicator's change against the same period last year.

For each dimension the parts' *contributions* (in the indicator's own unit) sum exactly to the
follow-up's change ``value - previous``:

- a sum or count without denominator (``value = scale × N``): a part contributes
  ``scale × (N1_part - N0_part)``;
- a ratio (``value = scale × N / D``: per inhabitant, per opening hour, per week, a share):
  ``value1 - value0 = value1 × (N1 - N0) / N1 + (value1 × N0 / N1 - value0)``, so a part contributes
  ``value1 × (N1_part - N0_part) / N1`` and one more line, the *denominator* (more inhabitants,
  more opening hours), carries ``value1 × N0 / N1 - value0``.

Rows whose category is missing or outside the vocabulary form an ``övrigt`` part, so nothing is
left out.  Survey results and distinct counts are not sums of parts: they get no breakdown and a
``reason`` says so.  Pure numbers: the words are in ``report.explain``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etl.tables import Tables
from goals.measures import monthly_array
from goals.model import Model, as_period, get_model
from goals.periods import month_index
from goals.plan import VOCABULARIES, FilterSpec, Indicator, Measure, Plan

#: The dimensions a measure's table is broken down by (``unit`` = the units of the selection).
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "loans": ("unit", "media_type", "audience"),
    "events": ("unit", "kb_category", "target_group"),
    "visits": ("unit",),
    "opening_hours": ("unit", "service"),
}

#: Part id of the rows outside the dimension's vocabulary, and of the denominator's effect.
OTHER = "__ovrigt__"
DENOMINATOR = "__namnare__"

COLUMNS = ("dimension", "part", "value", "previous", "change", "change_pct", "contribution")


@dataclass
class Breakdown:
    """The change of one indicator split per dimension.

    ``parts``: one row per dimension and part (:data:`COLUMNS`): the part's own numerator this
    year (``value``) and last year (``previous``), its change and change in percent, and its
    ``contribution`` to the indicator's change.  Within each dimension the contributions sum to
    ``total_change``.  ``reason``: why there is no breakdown (``parts`` is then empty).
    """

    indicator_id: str
    value: float
    previous: float
    total_change: float
    denominator_kind: str | None
    parts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(COLUMNS)))
    reason: str = ""

    def dimension(self, name: str) -> pd.DataFrame:
        """One dimension's parts, largest absolute contribution first."""
        df = self.parts[self.parts["dimension"] == name]
        return df.reindex(df["contribution"].abs().sort_values(ascending=False).index).reset_index(drop=True)

    @property
    def dimensions(self) -> list[str]:
        return list(dict.fromkeys(self.parts["dimension"]))


def _dimension_values(measure: Measure, dim: str) -> list[object] | None:
    """The values a dimension splits into, within the measure's own filter (None: not split)."""
    known = VOCABULARIES.get((measure.table, dim))
    if known is None:
        return None
    spec = measure.filters.get(dim)
    if spec is None:
        return list(known)
    if isinstance(spec, FilterSpec):
        if spec.present is not None:
            return None
        values = list(spec.in_) if spec.in_ is not None else list(known)
        return [v for v in values if v not in (spec.not_in or [])]
    values = spec if isinstance(spec, list) else [spec]
    return list(values) if len(values) > 1 else None


_ARRAYS: dict[tuple[int, str], np.ndarray] = {}


def _array(model: Model, measure: Measure) -> np.ndarray:
    key = (id(model.cache), measure.model_dump_json())
    if key not in _ARRAYS:
        if len(_ARRAYS) > 512:
            _ARRAYS.clear()
        _ARRAYS[key] = monthly_array(model.cache, measure)
    return _ARRAYS[key]


def _why_not(ind: Indicator, row: dict) -> str:
    m = ind.definition.measure
    if m.table == "survey":
        return "enkät: ett medelvärde eller en andel av svaren är ingen summa av delar"
    if m.aggregation == "distinct":
        return "antal unika: delarna överlappar och summerar inte till helheten"
    if math.isnan(row["value"]) or math.isnan(row["previous"]):
        return "ingen jämförelse med föregående år" + (f" ({row['note']})" if row.get("note") else "")
    return ""


def breakdown(plan: Plan, tables: Tables, indicator_id: str, year: int, period: str,
              unit: str | None = None) -> Breakdown:
    """The change of ``indicator_id`` for ``unit`` (None = the whole organisation) in ``year`` and
    ``period`` against the same months last year, split per dimension (see the module docstring).
    The months are those of the follow-up row (a period the data ends inside is followed up to its
    last month with data)."""
    model = get_model(plan, tables)
    ind = plan.indicator(indicator_id)
    sel = model.selection(unit)
    row = model.row(ind, sel, as_period(year, period))
    value, previous = float(row["value"]), float(row["previous"])
    den = ind.definition.denominator
    out = Breakdown(ind.id, value, previous, value - previous, den.kind if den else None)
    out.reason = _why_not(ind, row)
    if out.reason:
        out.total_change = math.nan
        return out
    start, end = pd.Timestamp(row["period_start"]), pd.Timestamp(row["period_end"])
    cur = model.grid.month_slice(month_index(start.year, start.month), month_index(end.year, end.month))
    prev = model.grid.month_slice(month_index(start.year - 1, start.month), month_index(end.year - 1, end.month))
    m = ind.definition.measure
    scale = ind.definition.scale
    units = [model.grid.unit_ids[r] for r in sel.rows]

    def sums(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        block = arr[sel.rows]
        return block[:, cur].sum(axis=1), block[:, prev].sum(axis=1)

    n1_units, n0_units = sums(_array(model, m))
    n1, n0 = float(n1_units.sum()), float(n0_units.sum())
    if den is not None and n1 == 0:
        out.reason = "inget utfall i år att dela upp"
        out.total_change = math.nan
        return out

    def contribution(d1: float, d0: float) -> float:
        return value * (d1 - d0) / n1 if den is not None else scale * (d1 - d0)

    rows: list[dict] = []

    def add(dim: str, part: str, p1: float, p0: float) -> None:
        rows.append({"dimension": dim, "part": part, "value": p1, "previous": p0, "change": p1 - p0,
                     "change_pct": (p1 - p0) / abs(p0) * 100 if p0 else math.nan,
                     "contribution": contribution(p1, p0)})

    def close(dim: str, p1_sum: float, p0_sum: float) -> None:
        """The rest of the numerator (rows outside the vocabulary) and the denominator's effect."""
        r1, r0 = n1 - p1_sum, n0 - p0_sum
        if abs(r1) > 1e-9 * max(1.0, abs(n1)) or abs(r0) > 1e-9 * max(1.0, abs(n0)):
            add(dim, OTHER, r1, r0)
        rest = value * n0 / n1 - previous if den is not None else scale * n0 - previous + (value - scale * n1)
        if abs(rest) > 1e-9 * max(1.0, abs(value), abs(previous)):
            rows.append({"dimension": dim, "part": DENOMINATOR, "value": math.nan, "previous": math.nan,
                         "change": math.nan, "change_pct": math.nan, "contribution": rest})

    for dim in DIMENSIONS.get(m.table, ("unit",)):
        if dim == "unit":
            if len(units) < 2:
                continue
            for u, p1, p0 in zip(units, n1_units, n0_units):
                if p1 or p0:
                    add("unit", u, float(p1), float(p0))
            close("unit", float(n1_units.sum()), float(n0_units.sum()))
            continue
        values = _dimension_values(m, dim)
        if not values:
            continue
        s1 = s0 = 0.0
        for v in values:
            part = Measure(table=m.table, filters={**m.filters, dim: v}, aggregation=m.aggregation, column=m.column)
            p1_units, p0_units = sums(_array(model, part))
            p1, p0 = float(p1_units.sum()), float(p0_units.sum())
            s1, s0 = s1 + p1, s0 + p0
            if p1 or p0:
                add(dim, str(v), p1, p0)
        close(dim, s1, s0)
    out.parts = pd.DataFrame(rows, columns=list(COLUMNS)).astype(
        {"dimension": "str", "part": "str", "value": "float64", "previous": "float64", "change": "float64",
         "change_pct": "float64", "contribution": "float64"})
    return out
