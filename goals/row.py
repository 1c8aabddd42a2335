"""One follow-up row: an indicator's value, comparison, target, status and forecast.

``target`` is the period's target, next to the period's value: a change target is last year's
value for the same months × (1 + change); a level target is the level, except an annual level on an
accumulating indicator at a part-year period, which has no period target (``target`` empty).
``target_full_year`` is the target the full-year forecast is read against: the level, or last
year's full-year value × (1 + change).  ``status_basis`` says what ``status`` judged (``period``:
the value against ``target``; ``prognos``: the forecast against ``target_full_year``);
``forecast_status`` always judges the forecast against ``target_full_year``.  ``change_kind`` is
``pp`` for percentage indicators (``change`` in procentenheter, ``change_pct`` empty), ``pts`` for
means and NKI (``change`` in points of the indicator's scale, ``change_pct`` empty) and ``pct``
otherwise.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from goals.forecast import Forecast
from goals.periods import MONTHS_SV, Period
from goals.plan import Indicator
from goals.selection import Selection
from goals.status import decide_status, small_base
from goals.targets import resolve_target

if TYPE_CHECKING:
    from goals.model import Model


def _isnan(x: float) -> bool:
    return x != x


def followup_row(
    model: "Model", ind: Indicator, sel: Selection, period: Period, latest_wave: bool = True, truncate: bool = True
) -> dict[str, Any]:
    """Everything about one indicator, selection and period (targets, status, forecast).

    ``latest_wave``: for a survey indicator without a wave in the period's year, show last
    year's wave (noted) instead of no data.  ``truncate``: follow up a period the data ends
    inside as January up to the last month with data (see :meth:`effective_period`); trends
    pass False (a year in a trend of full years is either whole or incomplete)."""
    v0 = model.value(ind, sel, period)
    if latest_wave and ind.is_survey and not v0.has_data:
        last = model.value(ind, sel, period.with_year(period.year - 1))
        if last.has_data:
            r = followup_row(model, ind, sel, period.with_year(period.year - 1), latest_wave=False)
            note = f"senaste enkät {period.year - 1} (ingen enkät {period.year} ännu)"
            r["note"] = "; ".join(x for x in (note, r["note"]) if x)
            return r
    eff = model.effective_period(ind, period) if truncate else period
    truncated = eff != period
    v = model.value(ind, sel, eff) if truncated else v0
    notes: list[str] = []
    if truncated:
        end = model.last_data_date_of_month(model.data_end_month(ind))  # type: ignore[arg-type]
        span = f"{MONTHS_SV[0]}–{MONTHS_SV[eff.last_month - 1]}"
        tables = [ind.definition.measure.table, model.compiled(ind).den_table or ""]
        cut = model.cut_note([t for t in tables if t])
        notes.append(f"ofullständig: {cut or f'data t.o.m. {end:%Y-%m-%d}'}; {span} jämförs med {span} {period.year - 1}")
    notes += list(v.notes)
    part_year = not eff.is_full_year
    prev_p = eff.previous()
    brk = model.crosses_break(ind, prev_p.start, eff.end)
    previous = previous_count = math.nan
    if brk is not None:
        notes.append(f"serien bryts {brk.date:%Y-%m-%d}: ingen jämförelse med föregående år")
    else:
        pv = model.value(ind, sel, prev_p)
        if pv.complete and not _isnan(pv.value):
            previous, previous_count = pv.value, pv.count
        elif pv.has_data and not pv.complete and not ind.is_survey:
            notes.append(f"föregående år ofullständigt ({prev_p.label_sv})")
    comparable = v.complete and not _isnan(v.value)
    change = v.value - previous if comparable and not _isnan(previous) else math.nan
    change_pct = math.nan
    if ind.change_kind == "pct" and not _isnan(change) and previous != 0:
        change_pct = change / abs(previous) * 100

    fc = model.forecast(ind, sel, eff) if part_year else Forecast()
    if truncated and not _isnan(fc.value):
        notes.append("helårsprognos från data hittills i år")
    t = ind.target(period.year)
    full_previous = math.nan
    if brk is None and t is not None and (t.change_pct is not None or t.unit_change_pct is not None):
        fp = model.value(ind, sel, prev_p.full_year())
        if fp.complete and not _isnan(fp.value) and fp.value != 0:
            full_previous = fp.value
    rt = resolve_target(
        t,
        direction=ind.direction,
        previous=previous,
        full_previous=full_previous,
        part_year=part_year,
        grows_with_time=ind.grows_with_time,
        adds_up_over_units=ind.adds_up_over_units,
        whole=sel.whole,
        unit_key=sel.key,
        unit_targets=ind.unit_targets,
    )
    notes += rt.notes
    small = ""
    if ind.counts_occurrences:
        small = small_base(v.count, previous_count, model.plan.status.min_count, rt.kind == "forandring")
    d = decide_status(
        rt,
        value=v.value,
        complete=v.complete,
        direction=ind.direction,
        is_survey=ind.is_survey,
        previous=previous,
        forecast=fc.value,
        forecast_low=fc.low,
        forecast_high=fc.high,
        ci_low=v.ci_low,
        ci_high=v.ci_high,
        small=small,
        no_value=next((n for n in v.notes if n), ""),
        year=period.year,
        decimals=ind.decimals,
    )
    notes += d.notes
    return {
        "indicator_id": ind.id,
        "indicator_name": ind.name_sv,
        "unit_id": sel.key,
        "unit_name": sel.name,
        "unit_type": sel.type,
        "period_start": eff.start.isoformat(),
        "period_end": eff.end.isoformat(),
        # a survey's value is its year's wave, whatever months the period has
        "span": f"enkät {period.year}" if ind.is_survey
        else f"{MONTHS_SV[eff.first_month - 1]}–{MONTHS_SV[eff.last_month - 1]}"
        if eff.first_month != eff.last_month else MONTHS_SV[eff.first_month - 1],
        "value": v.value,
        "previous": previous,
        "change": change,
        "change_pct": change_pct,
        "change_kind": ind.change_kind,
        "target": rt.target,
        "target_full_year": rt.full_target,
        "target_kind": rt.kind,
        "target_change_pct": rt.target_change,
        "tolerance_low": rt.tol_low,
        "tolerance_high": rt.tol_high,
        "status": d.status,
        "status_basis": d.basis,
        "status_reason": d.reason,
        "forecast": fc.value,
        "forecast_low": fc.low,
        "forecast_high": fc.high,
        "forecast_status": d.forecast_status,
        "forecast_reason": d.forecast_reason,
        "forecast_years": ", ".join(str(y) for y in sorted(fc.years)),
        "n": v.n,
        "ci_low": v.ci_low,
        "ci_high": v.ci_high,
        "complete": bool(v.complete),
        "segment": model.segment(ind, period),
        "decimals": ind.decimals,
        "unit_label": ind.unit,
        "direction": ind.direction,
        "note": "; ".join(dict.fromkeys(notes)),
    }

