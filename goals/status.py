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
``ej_uppnatt`` (at worst ``delvis``, with a note); fewer than 30 answers are flagged "för få svar".

Goal status from its indicators (those with status uppnatt/delvis/ej_uppnatt are *judged*):
``ingen_data`` unless at least half of the goal's indicators are judged (one assessed indicator
out of five does not speak for the goal); then ``uppnatt`` if all judged are uppnatt;
``ej_uppnatt`` if more than half of the judged are ej_uppnatt; otherwise ``delvis``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from goals.targets import ResolvedTarget

STATUSES: tuple[str, ...] = ("uppnatt", "delvis", "ej_uppnatt", "ingen_data", "inget_mal")
STATUS_LABELS_SV: dict[str, str] = {
    "uppnatt": "Uppnått",
    "delvis": "Delvis uppnått",
    "ej_uppnatt": "Ej uppnått",
    "ingen_data": "Ingen data",
    "inget_mal": "Inget mål",
}
STATUS_LABELS_EN: dict[str, str] = {
    "uppnatt": "Achieved",
    "delvis": "Partly achieved",
    "ej_uppnatt": "Not achieved",
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


def covers(ci_low: float, ci_high: float, target: float, direction: str, margin: float = 0.0) -> bool:
    """Does the interval still reach the target (so the shortfall may be chance)?"""
    if any(math.isnan(x) for x in (ci_low, ci_high, target)):
        return False
    if direction == "higher":
        return ci_high >= target
    if direction == "lower":
        return ci_low <= target
    return ci_low <= target + margin and ci_high >= target - margin


@dataclass(frozen=True)
class Decision:
    """A row's ``status``, what it judged (``basis``: ``period`` or ``prognos``), the
    ``forecast_status`` and the notes explaining them."""

    status: str
    basis: str = "period"
    forecast_status: str = ""
    notes: tuple[str, ...] = ()


def decide_status(
    rt: ResolvedTarget,
    *,
    value: float,
    complete: bool,
    direction: str,
    is_survey: bool = False,
    previous: float = math.nan,
    forecast: float = math.nan,
    ci_low: float = math.nan,
    ci_high: float = math.nan,
) -> Decision:
    """The status of one follow-up row from its value and resolved target (see the module
    docstring): a pure function of its arguments."""
    notes: list[str] = []
    basis = "period"
    if math.isnan(value) or (not complete and not is_survey):
        status = "ingen_data"
    elif not rt.has_target or rt.unit_level_missing:
        status = "inget_mal"
    elif rt.annual_level:
        basis = "prognos"
        if math.isnan(forecast):
            status = "ingen_data"
            notes.append("helårsmål men ingen helårsprognos (för få jämförbara år)")
        else:
            status = judge(forecast, rt.full_target, direction, rt.tol, rt.margin)
            notes.append("helårsmål: status mot helårsprognosen")
    elif math.isnan(rt.target):
        status = "ingen_data"
        if previous != 0:
            notes.append("förändringsmål utan jämförbart värde föregående år")
    else:
        status = judge(value, rt.target, direction, rt.tol, rt.margin)
        if status == "ej_uppnatt" and is_survey and covers(ci_low, ci_high, rt.target, direction, rt.margin):
            status = "delvis"
            notes.append("inom felmarginalen: konfidensintervallet täcker målet")
    forecast_status = ""
    if rt.has_target and not math.isnan(forecast) and not math.isnan(rt.full_target):
        forecast_status = judge(forecast, rt.full_target, direction, rt.full_tol, rt.full_margin)
    return Decision(status, basis, forecast_status, tuple(notes))


def goal_rule(statuses: list[str]) -> str:
    """A goal's status from its indicators' statuses (see the module docstring)."""
    judged = [s for s in statuses if s in ("uppnatt", "delvis", "ej_uppnatt")]
    if not judged or 2 * len(judged) < len(statuses):
        return "ingen_data"
    if all(s == "uppnatt" for s in judged):
        return "uppnatt"
    if 2 * sum(s == "ej_uppnatt" for s in judged) > len(judged):
        return "ej_uppnatt"
    return "delvis"


def goal_status(followup_df: pd.DataFrame) -> pd.DataFrame:
    """One row per goal (per unit when the follow-up has several units): the goal rule applied.

    Columns: ``goal_id, goal_name, status, n_uppnatt, n_delvis, n_ej, n_ingen_data`` (+ ``unit_id``
    when more than one unit is present, ``n_inget_mal``).
    """
    cols = ["goal_id", "goal_name", "status", "n_uppnatt", "n_delvis", "n_ej", "n_ingen_data", "n_inget_mal"]
    if followup_df.empty:
        return pd.DataFrame({c: pd.Series(dtype="str" if c in cols[:3] else "int64") for c in cols})
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
        )
        rows.append(row)
    out = pd.DataFrame(rows)
    order = keys + cols[2:]
    return out[order]
