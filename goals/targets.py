"""The target a follow-up row is judged against: :func:`resolve_target`, a pure function.

A change target is last year's value for the same months × (1 + change); a level target is the
level, except an annual level on an accumulating indicator at a part-year period, which has no
period target (judged on the full-year forecast instead).  Tolerance and margin of a change target
are in percentage points of last year's value.  See the module docstring of ``goals.model``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from goals.plan import Target


def _isnan(x: float) -> bool:
    return x != x


@dataclass(frozen=True)
class ResolvedTarget:
    """What a row's status is judged against.

    ``target``: the period's target (NaN when there is none for the period); ``full_target``: the
    target the full-year forecast is read against; ``tol``/``margin``: in the indicator's unit for
    the period target; ``full_tol``/``full_margin``: the same for ``full_target``;
    ``annual_level``: an annual level judged on the forecast at a part-year period;
    ``unit_level_missing``: a level target that belongs to the whole organisation, not this unit.
    """

    kind: str = ""  # "niva", "forandring" or "" (no target)
    level: float = math.nan
    target: float = math.nan
    target_change: float = math.nan
    full_target: float = math.nan
    tol: float = 0.0
    margin: float = 0.0
    full_tol: float = 0.0
    full_margin: float = 0.0
    annual_level: bool = False
    unit_level_missing: bool = False
    tol_low: float = math.nan
    tol_high: float = math.nan
    notes: tuple[str, ...] = field(default=())

    @property
    def has_target(self) -> bool:
        return bool(self.kind)

    @property
    def judged_target(self) -> float:
        """The target the row's ``status`` is read against."""
        return self.full_target if self.annual_level else self.target


def tolerance_band(judged: float, direction: str, tol: float, margin: float) -> tuple[float, float]:
    """(tolerance_low, tolerance_high): where ``delvis`` begins (``higher``/``lower``: one edge,
    ``closer``: both edges)."""
    if _isnan(judged):
        return math.nan, math.nan
    if direction == "higher":
        return judged - tol, math.nan
    if direction == "lower":
        return judged + tol, math.nan
    return judged - margin - tol, judged + margin + tol


def resolve_target(
    t: Target | None,
    *,
    direction: str,
    previous: float,
    full_previous: float,
    part_year: bool,
    grows_with_time: bool,
    adds_up_over_units: bool = False,
    whole: bool = True,
    unit_key: str = "",
    unit_targets: str = "own",
) -> ResolvedTarget:
    """The period's and the full year's target for one row.

    ``previous``: last year's value for the same months (NaN: not comparable); ``full_previous``:
    last year's full-year value (NaN: not comparable or across a series break).  The organisation's
    level applies to a unit (or unit type) only through ``Target.units``, as a change by
    ``Target.unit_change_pct``, or -- ``unit_targets == "organisation"``, not for counts that add up
    over units -- as it is.  A change target applies to every unit."""
    if t is None:
        return ResolvedTarget()
    notes: list[str] = []
    level = target = target_change = full_target = math.nan
    tol = margin = full_tol = full_margin = 0.0
    annual_level = unit_missing = False
    change_pct = t.change_pct
    if t.level is not None and not whole:
        own = t.units.get(unit_key, math.nan)
        if _isnan(own) and t.unit_change_pct is not None:
            change_pct = t.unit_change_pct
            notes.append(f"enheten bedöms på förändring ({t.unit_change_pct:+g} %) mot föregående år".replace(".", ","))
    if t.level is not None and change_pct is None:
        level = t.level
        if not whole and (adds_up_over_units or unit_targets != "organisation"):
            level = t.units.get(unit_key, math.nan)
            if _isnan(level):
                unit_missing = True
                notes.append("nivåmålet gäller hela organisationen")
        tol = full_tol = t.tolerance
        margin = full_margin = t.margin
        full_target = level
        annual_level = grows_with_time and part_year
        target = math.nan if annual_level else level
    else:
        target_change = float(change_pct)  # type: ignore[arg-type]
        if previous == 0:
            notes.append("föregående år 0: en förändring i procent går inte att beräkna")
        elif not _isnan(previous):
            target = previous * (1 + target_change / 100)
            tol, margin = abs(previous) * t.tolerance / 100, abs(previous) * t.margin / 100
        if not _isnan(full_previous) and full_previous != 0:
            full_target = full_previous * (1 + target_change / 100)
            full_tol = abs(full_previous) * t.tolerance / 100
            full_margin = abs(full_previous) * t.margin / 100
    judged = full_target if annual_level else target
    tol_low, tol_high = tolerance_band(judged, direction, tol, margin)
    return ResolvedTarget(
        kind="forandring" if change_pct is not None else "niva",
        level=level,
        target=target,
        target_change=target_change,
        full_target=full_target,
        tol=tol,
        margin=margin,
        full_tol=full_tol,
        full_margin=full_margin,
        annual_level=annual_level,
        unit_level_missing=unit_missing,
        tol_low=tol_low,
        tol_high=tol_high,
        notes=tuple(notes),
    )
