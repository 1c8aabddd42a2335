"""Status against target, survey statistics and the goal status rule.

Indicator status (``direction: higher``; mirrored for ``lower``):

- ``uppnatt``: value >= target;
- ``delvis``: target - tolerance <= value < target;
- ``ej_uppnatt``: value < target - tolerance;
- ``ingen_data``: no value, or no comparable value (a change target without last year's value or
  with last year's value 0, or a period with incomplete data);
- ``inget_mal``: a value but no target set for that year (or, for values that add up over units,
  no level set for this unit: the level belongs to the whole organisation).

An annual level target on a value that accumulates over the year (loans, visits, events, also per
inhabitant) is judged at part-year periods (T1, T2, quarters, months, an unfinished year) on the
year-end forecast against the level (``status_basis = "prognos"``; the row's period ``target`` is
then empty and ``target_full_year`` holds the level).  Every other status is judged on the period's
value against the period's target (``status_basis = "period"``): a change target against the same
months last year.  ``forecast_status`` always judges the forecast against ``target_full_year``
(for a change target: last year's full-year value × (1 + change)).

``direction: closer``: ``uppnatt`` when |value - target| <= margin, ``delvis`` within margin +
tolerance.  A ``change_pct`` target compares the change in percent against the same period last
year with the target change (tolerance in percentage points).

Survey indicators are estimates: when the 95 % interval still covers the target the status is never
``ej_uppnatt`` (at worst ``delvis``, with a note).

A status is a claim, made only where the data support it.  Otherwise the row says why, in words
(``status_reason``):

- ``osakert`` ("Osäkert"): the data cannot tell.  A count (loans, visits, events, participants)
  below ``status.min_count`` (default 20) this year or last ("för litet underlag"), the counterpart
  of a survey's interval; a status on the forecast whose range holds both a reached and a missed
  target.
- ``ingen_data``: no value, an incomplete period, no comparable value last year, or an annual
  target without a forecast.
- ``inget_mal``: no target for the year, or a level that belongs to the whole organisation.

A status on the forecast is read from its *range* (:func:`judge_range`): ``uppnatt`` only when the
whole range reaches the target, ``ej_uppnatt`` only when the whole range misses it beyond the
tolerance, ``delvis`` when the whole range lies in the tolerance band, otherwise ``osakert``.

Goal status from its indicators (those with status uppnatt/delvis/ej_uppnatt are *judged*;
``osakert`` is not):
``ingen_data`` unless at least half of the goal's indicators are judged (one assessed indicator
out of five does not speak for the goal); then ``uppnatt`` if all judged are uppnatt;
``ej_uppnatt`` if more than half of the judged are ej_uppnatt; otherwise ``delvis``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
from babel.numbers import format_decimal

from goals.targets import ResolvedTarget

STATUSES: tuple[str, ...] = ("uppnatt", "delvis", "ej_uppnatt", "osakert", "ingen_data", "inget_mal")
#: The statuses that are claims about the target; the others come with a reason in words.
CLAIMS: tuple[str, ...] = ("uppnatt", "delvis", "ej_uppnatt")
STATUS_LABELS_SV: dict[str, str] = {
    "uppnatt": "Uppnått",
    "delvis": "Delvis uppnått",
    "ej_uppnatt": "Ej uppnått",
    "osakert": "Osäkert",
    "ingen_data": "Ingen data",
    "inget_mal": "Inget mål",
}
STATUS_LABELS_EN: dict[str, str] = {
    "uppnatt": "Achieved",
    "delvis": "Partly achieved",
    "ej_uppnatt": "Not achieved",
    "osakert": "Uncertain",
    "ingen_data": "No data",
    "inget_mal": "No target",
}

Z95 = 1.959963984540054
MIN_ANSWERS = 30


def wilson(k: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a share k/n (NaN, NaN when n == 0)."""
    if not n or n <= 0 or k is None or (isinstance(k, float) and math.isnan(k)):
        return math.nan, math.nan
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_interval(n: float, total: float, total_sq: float, z: float = Z95) -> tuple[float, float, float]:
    """Mean and its normal 95 % interval from n, sum and sum of squares (sample sd)."""
    if not n or n <= 0:
        return math.nan, math.nan, math.nan
    mean = total / n
    if n < 2:
        return mean, math.nan, math.nan
    var = max(0.0, (total_sq - n * mean * mean) / (n - 1))
    half = z * math.sqrt(var / n)
    return mean, mean - half, mean + half


def nki_index(mean_1_to_10: float) -> float:
    """SCB's NKI transform of a 1–10 mean to 0–100: (mean - 1) * 100 / 9."""
    return (mean_1_to_10 - 1) * 100 / 9


def _grade(gap: float, tolerance: float, eps: float) -> str:
    """``gap`` = how far the value is short of reaching the target (<= 0: reached); ``eps``
    absorbs floating-point rounding (a value equal to its target in print is reached)."""
    if gap <= eps:
        return "uppnatt"
    if gap <= tolerance + eps:
        return "delvis"
    return "ej_uppnatt"


def judge(value: float, target: float, direction: str, tolerance: float = 0.0, margin: float = 0.0) -> str:
    """Status of ``value`` against ``target`` (see the module docstring)."""
    if value is None or target is None or math.isnan(value) or math.isnan(target):
        return "ingen_data"
    eps = 1e-9 * max(1.0, abs(value), abs(target))
    if direction == "higher":
        return _grade(target - value, tolerance, eps)
    if direction == "lower":
        return _grade(value - target, tolerance, eps)
    return _grade(abs(value - target) - margin, tolerance, eps)


def judge_range(low: float, high: float, target: float, direction: str, tolerance: float = 0.0, margin: float = 0.0) -> str:
    """Status of a range (a forecast's): a claim only when both ends agree (see the module
    docstring); ``osakert`` when the range holds more than one status."""
    if any(x is None or math.isnan(x) for x in (low, high, target)):
        return "ingen_data"
    a, b = judge(low, target, direction, tolerance, margin), judge(high, target, direction, tolerance, margin)
    inside = direction == "closer" and low < target < high and a != "uppnatt"
    return a if a == b and not inside else "osakert"


def covers(ci_low: float, ci_high: float, target: float, direction: str, margin: float = 0.0) -> bool:
    """Does the interval still reach the target (so the shortfall may be chance)?"""
    if any(math.isnan(x) for x in (ci_low, ci_high, target)):
        return False
    if direction == "higher":
        return ci_high >= target
    if direction == "lower":
        return ci_low <= target
    return ci_low <= target + margin and ci_high >= target - margin


@lru_cache(maxsize=4096)
def _num(x: float, decimals: int = 0) -> str:
    """A number in Swedish form for a reason text (``1 234``, ``4,2``), at most ``decimals``
    decimals (memoised: a full follow-up formats the same thresholds thousands of times)."""
    pattern = "#,##0" + ("." + "#" * decimals if decimals > 0 else "")
    return format_decimal(x, format=pattern, locale="sv_SE").replace("\u00a0", " ")


@dataclass(frozen=True)
class Decision:
    """A row's ``status``, what it judged (``basis``: ``period`` or ``prognos``), the
    ``forecast_status``, the reasons in words when a status is not a claim, and notes."""

    status: str
    basis: str = "period"
    forecast_status: str = ""
    reason: str = ""
    forecast_reason: str = ""
    notes: tuple[str, ...] = ()


def small_base(count: float, previous_count: float, min_count: float, change_target: bool) -> str:
    """The "för litet underlag" reason when a count is below ``min_count`` (or ""): this year's
    count, and last year's when the target is a change."""
    if not min_count:
        return ""
    if not math.isnan(count) and count < min_count:
        return f"för litet underlag: {_num(count)} i perioden (under {_num(min_count)})"
    if change_target and not math.isnan(previous_count) and previous_count < min_count:
        return f"för litet underlag: {_num(previous_count)} föregående år (under {_num(min_count)})"
    return ""


def _range_reason(status: str, low: float, high: float, target: float, decimals: int) -> str:
    if status != "osakert":
        return ""
    lo, hi, t = _num(low, decimals), _num(high, decimals), _num(target, decimals)
    return f"prognosintervallet {lo}–{hi} rymmer både uppnått och ej uppnått mål ({t})"


def decide_status(
    rt: ResolvedTarget,
    *,
    value: float,
    complete: bool,
    direction: str,
    is_survey: bool = False,
    previous: float = math.nan,
    forecast: float = math.nan,
    forecast_low: float = math.nan,
    forecast_high: float = math.nan,
    ci_low: float = math.nan,
    ci_high: float = math.nan,
    small: str = "",
    no_value: str = "",
    year: int | None = None,
    decimals: int = 1,
) -> Decision:
    """The status of one follow-up row from its value and resolved target (see the module
    docstring): a pure function of its arguments.

    ``small``: a "för litet underlag" reason (:func:`small_base`);
    ``no_value``: why there is no (complete) value, used as the reason; ``decimals``: how the
    numbers in a reason are written."""
    notes: list[str] = []
    basis = "period"
    reason = ""
    lo = forecast_low if not math.isnan(forecast_low) else forecast
    hi = forecast_high if not math.isnan(forecast_high) else forecast
    if math.isnan(value) or (not complete and not is_survey):
        status = "ingen_data"
        reason = no_value or ("ofullständig period" if not complete and not is_survey else "ingen data för perioden")
    elif not rt.has_target:
        status, reason = "inget_mal", f"inget mål för {year}" if year else "inget mål"
    elif rt.unit_level_missing:
        status, reason = "inget_mal", "nivåmålet gäller hela organisationen"
    elif not rt.annual_level and math.isnan(rt.target):
        status = "ingen_data"
        reason = rt.notes[0] if rt.notes else "förändringsmål utan jämförbart värde föregående år"
    elif small:
        status, reason = "osakert", small
    elif rt.annual_level:
        basis = "prognos"
        if math.isnan(forecast):
            status, reason = "ingen_data", "helårsmål men ingen helårsprognos (för få jämförbara år)"
        else:
            status = judge_range(lo, hi, rt.full_target, direction, rt.tol, rt.margin)
            reason = _range_reason(status, lo, hi, rt.full_target, decimals)
            notes.append("helårsmål: status mot helårsprognosen")
    else:
        status = judge(value, rt.target, direction, rt.tol, rt.margin)
        if status == "ej_uppnatt" and is_survey and covers(ci_low, ci_high, rt.target, direction, rt.margin):
            status = "delvis"
            notes.append("inom felmarginalen: konfidensintervallet täcker målet")
    forecast_status = forecast_reason = ""
    if rt.has_target and not math.isnan(forecast) and not math.isnan(rt.full_target):
        if small:
            forecast_status, forecast_reason = "osakert", small
        else:
            forecast_status = judge_range(lo, hi, rt.full_target, direction, rt.full_tol, rt.full_margin)
            forecast_reason = _range_reason(forecast_status, lo, hi, rt.full_target, decimals)
    if reason and status not in CLAIMS:
        notes.append(reason)
    return Decision(status, basis, forecast_status, reason, forecast_reason, tuple(notes))


def goal_rule(statuses: list[str]) -> str:
    """A goal's status from its indicators' statuses (see the module docstring)."""
    judged = [s for s in statuses if s in CLAIMS]
    if not judged or 2 * len(judged) < len(statuses):
        return "ingen_data"
    if all(s == "uppnatt" for s in judged):
        return "uppnatt"
    if 2 * sum(s == "ej_uppnatt" for s in judged) > len(judged):
        return "ej_uppnatt"
    return "delvis"


def goal_reason(statuses: list[str]) -> str:
    """Why a goal has no status, in words ("" when it has one)."""
    judged = sum(s in CLAIMS for s in statuses)
    if goal_rule(statuses) != "ingen_data":
        return ""
    return f"för få bedömda indikatorer: {judged} av {len(statuses)} (minst hälften behövs)"


def goal_status(followup_df: pd.DataFrame) -> pd.DataFrame:
    """One row per goal (per unit when the follow-up has several units): the goal rule applied.

    Columns: ``goal_id, goal_name, status, n_uppnatt, n_delvis, n_ej, n_ingen_data, n_inget_mal,
    n_osakert, reason`` (+ ``unit_id`` when more than one unit is present); ``reason`` says in words
    why a goal has no status.
    """
    cols = ["goal_id", "goal_name", "status", "n_uppnatt", "n_delvis", "n_ej", "n_ingen_data", "n_inget_mal", "n_osakert",
            "reason"]
    if followup_df.empty:
        return pd.DataFrame({c: pd.Series(dtype="str" if c in (*cols[:3], "reason") else "int64") for c in cols})
    keys = ["goal_id", "goal_name"]
    multi = "unit_id" in followup_df and followup_df["unit_id"].nunique() > 1
    if multi:
        keys.append("unit_id")
    rows = []
    for key, grp in followup_df.groupby(keys, sort=False, observed=True):
        st = grp["status"].astype(str).tolist()
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        row.update(
            status=goal_rule(st),
            n_uppnatt=st.count("uppnatt"),
            n_delvis=st.count("delvis"),
            n_ej=st.count("ej_uppnatt"),
            n_ingen_data=st.count("ingen_data"),
            n_inget_mal=st.count("inget_mal"),
            n_osakert=st.count("osakert"),
            reason=goal_reason(st),
        )
        rows.append(row)
    out = pd.DataFrame(rows)
    order = keys + cols[2:]
    return out[order]
