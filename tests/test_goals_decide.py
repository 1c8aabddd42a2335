"""The two pure steps of a follow-up row, table-driven: :func:`goals.targets.resolve_target`
(which target, tolerance and margin a row is read against) and :func:`goals.status.decide_status`
(the status from value, target and forecast).  Expected values are worked out by hand."""

from __future__ import annotations

import math

import pytest

from goals.plan import Target
from goals.status import decide_status
from goals.targets import ResolvedTarget, resolve_target

NAN = math.nan


def _eq(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)


# (case, target, kwargs, expected fields)
RESOLVE_CASES = [
    (
        "change target: last year 200 × 1.05, tolerance 2 points of 200",
        Target(change_pct=5, tolerance=2),
        dict(direction="higher", previous=200.0, full_previous=600.0, part_year=True, grows_with_time=True),
        dict(kind="forandring", target=210.0, tol=4.0, full_target=630.0, full_tol=12.0, tol_low=206.0,
             annual_level=False, target_change=5.0),
    ),
    (
        "change target without last year: no period target, full-year target from last full year",
        Target(change_pct=5),
        dict(direction="higher", previous=NAN, full_previous=600.0, part_year=True, grows_with_time=True),
        dict(kind="forandring", target=NAN, full_target=630.0, tol_low=NAN),
    ),
    (
        "change target with last year 0: no target, noted",
        Target(change_pct=5),
        dict(direction="higher", previous=0.0, full_previous=NAN, part_year=False, grows_with_time=True),
        dict(kind="forandring", target=NAN, full_target=NAN,
             notes=("föregående år 0: en förändring i procent går inte att beräkna",)),
    ),
    (
        "lower is better: the tolerance edge lies above the target",
        Target(change_pct=-10, tolerance=5),
        dict(direction="lower", previous=50.0, full_previous=NAN, part_year=False, grows_with_time=False),
        dict(target=45.0, tol=2.5, tol_low=47.5, tol_high=NAN),
    ),
    (
        "annual level on an accumulating indicator at T2: no period target, judged on the forecast",
        Target(level=1000, tolerance=50),
        dict(direction="higher", previous=NAN, full_previous=NAN, part_year=True, grows_with_time=True),
        dict(kind="niva", level=1000.0, target=NAN, full_target=1000.0, annual_level=True, tol_low=950.0),
    ),
    (
        "level on a share at T2: the level is the period target",
        Target(level=80, tolerance=5),
        dict(direction="higher", previous=NAN, full_previous=NAN, part_year=True, grows_with_time=False),
        dict(target=80.0, annual_level=False, tol_low=75.0),
    ),
    (
        "closer: margin then tolerance on both sides",
        Target(level=50, tolerance=1, margin=2),
        dict(direction="closer", previous=NAN, full_previous=NAN, part_year=False, grows_with_time=False),
        dict(target=50.0, tol_low=47.0, tol_high=53.0),
    ),
    (
        "an organisation level on a count does not apply to a unit without its own level",
        Target(level=1000, units={"norr": 120}),
        dict(direction="higher", previous=NAN, full_previous=NAN, part_year=False, grows_with_time=True,
             adds_up_over_units=True, whole=False, unit_key="syd"),
        dict(level=NAN, unit_level_missing=True, notes=("nivåmålet gäller hela organisationen",)),
    ),
    (
        "a unit with its own level is judged on it",
        Target(level=1000, units={"norr": 120}),
        dict(direction="higher", previous=NAN, full_previous=NAN, part_year=False, grows_with_time=True,
             adds_up_over_units=True, whole=False, unit_key="norr"),
        dict(level=120.0, target=120.0, unit_level_missing=False),
    ),
]


@pytest.mark.parametrize(("case", "target", "kwargs", "expected"), RESOLVE_CASES, ids=[c[0] for c in RESOLVE_CASES])
def test_resolve_target(case: str, target: Target, kwargs: dict, expected: dict) -> None:
    rt = resolve_target(target, **kwargs)
    for name, want in expected.items():
        got = getattr(rt, name)
        if isinstance(want, float):
            assert _eq(got, want), f"{name}: {got} != {want}"
        else:
            assert got == want, f"{name}: {got} != {want}"


def test_no_target_resolves_to_nothing() -> None:
    rt = resolve_target(None, direction="higher", previous=1.0, full_previous=1.0, part_year=False, grows_with_time=True)
    assert not rt.has_target and math.isnan(rt.target) and math.isnan(rt.full_target)


CHANGE = ResolvedTarget(kind="forandring", target=210.0, tol=4.0, full_target=630.0, full_tol=12.0)
ANNUAL = ResolvedTarget(kind="niva", level=1000.0, full_target=1000.0, tol=50.0, full_tol=50.0, annual_level=True)
SHARE = ResolvedTarget(kind="niva", level=0.8, target=0.8, full_target=0.8)

# (case, resolved target, kwargs, status, basis, forecast_status, a note that must be present)
DECIDE_CASES = [
    ("value over target", CHANGE, dict(value=211.0, forecast=NAN), "uppnatt", "period", "", None),
    ("value within tolerance", CHANGE, dict(value=207.0, forecast=NAN), "delvis", "period", "", None),
    ("value below tolerance", CHANGE, dict(value=205.0, forecast=NAN), "ej_uppnatt", "period", "", None),
    ("forecast judged against the full-year target", CHANGE, dict(value=211.0, forecast=620.0), "uppnatt", "period", "delvis", None),
    ("incomplete period: no status", CHANGE, dict(value=211.0, complete=False), "ingen_data", "period", "", None),
    ("no value", CHANGE, dict(value=NAN), "ingen_data", "period", "", None),
    ("no target", ResolvedTarget(), dict(value=5.0), "inget_mal", "period", "", None),
    ("organisation level not for the unit", ResolvedTarget(kind="niva", unit_level_missing=True), dict(value=5.0),
     "inget_mal", "period", "", None),
    ("annual level on the forecast", ANNUAL, dict(value=600.0, forecast=960.0), "delvis", "prognos", "delvis",
     "helårsmål: status mot helårsprognosen"),
    ("annual level without a forecast", ANNUAL, dict(value=600.0), "ingen_data", "prognos", "",
     "helårsmål men ingen helårsprognos (för få jämförbara år)"),
    ("change target without last year", ResolvedTarget(kind="forandring", full_target=630.0), dict(value=200.0),
     "ingen_data", "period", "", "förändringsmål utan jämförbart värde föregående år"),
    ("survey below target but the interval covers it", SHARE,
     dict(value=0.75, is_survey=True, ci_low=0.65, ci_high=0.85), "delvis", "period", "",
     "inom felmarginalen: konfidensintervallet täcker målet"),
    ("survey below target, interval clear of it", SHARE,
     dict(value=0.70, is_survey=True, ci_low=0.65, ci_high=0.75), "ej_uppnatt", "period", "", None),
]


@pytest.mark.parametrize(
    ("case", "rt", "kwargs", "status", "basis", "forecast_status", "note"), DECIDE_CASES, ids=[c[0] for c in DECIDE_CASES]
)
def test_decide_status(
    case: str, rt: ResolvedTarget, kwargs: dict, status: str, basis: str, forecast_status: str, note: str | None
) -> None:
    args = dict(complete=True, direction="higher") | kwargs
    d = decide_status(rt, **args)
    assert (d.status, d.basis, d.forecast_status) == (status, basis, forecast_status)
    if note is not None:
        assert note in d.notes
