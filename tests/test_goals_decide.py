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
        "a per-inhabitant level is the organisation's: not a unit's unless the plan says so",
        Target(level=6.5, tolerance=0.3),
        dict(direction="higher", previous=6.0, full_previous=NAN, part_year=False, grows_with_time=True,
             whole=False, unit_key="syd"),
        dict(level=NAN, target=NAN, unit_level_missing=True, notes=("nivåmålet gäller hela organisationen",)),
    ),
    (
        "unit_targets: organisation applies the level to every unit",
        Target(level=6.5, tolerance=0.3),
        dict(direction="higher", previous=6.0, full_previous=NAN, part_year=False, grows_with_time=False,
             whole=False, unit_key="syd", unit_targets="organisation"),
        dict(level=6.5, target=6.5, unit_level_missing=False),
    ),
    (
        "unit_change_pct: a unit without its own level is judged on its change, 6.0 x 1.01",
        Target(level=6.5, tolerance=0.3, unit_change_pct=1),
        dict(direction="higher", previous=6.0, full_previous=7.0, part_year=True, grows_with_time=True,
             whole=False, unit_key="syd"),
        dict(kind="forandring", target=6.06, target_change=1.0, full_target=7.07, annual_level=False,
             tol=0.018, notes=("enheten bedöms på förändring (+1 %) mot föregående år",)),
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


# ---------------------------------------------------------------- statuses that are not claims
RANGE_CASES = [
    # (low, high, target, direction, tolerance, margin, expected)
    (1010.0, 1100.0, 1000.0, "higher", 50.0, 0.0, "uppnatt"),  # the whole range reaches the target
    (900.0, 940.0, 1000.0, "higher", 50.0, 0.0, "ej_uppnatt"),  # the whole range misses beyond the tolerance
    (955.0, 990.0, 1000.0, "higher", 50.0, 0.0, "delvis"),  # the whole range in the tolerance band
    (980.0, 1020.0, 1000.0, "higher", 50.0, 0.0, "osakert"),  # holds reached and partly reached
    (900.0, 1100.0, 1000.0, "higher", 50.0, 0.0, "osakert"),
    (80.0, 95.0, 100.0, "lower", 5.0, 0.0, "uppnatt"),
    (98.0, 104.0, 100.0, "lower", 5.0, 0.0, "osakert"),
    (40.0, 60.0, 50.0, "closer", 1.0, 2.0, "osakert"),  # straddles the target, both ends far off
    (49.0, 51.0, 50.0, "closer", 1.0, 2.0, "uppnatt"),
]


@pytest.mark.parametrize(("low", "high", "target", "direction", "tol", "margin", "expected"), RANGE_CASES)
def test_judge_range(low: float, high: float, target: float, direction: str, tol: float, margin: float, expected: str) -> None:
    from goals.status import judge_range

    assert judge_range(low, high, target, direction, tol, margin) == expected


def test_forecast_status_is_read_from_the_range() -> None:
    # annual level 1000, tolerance 50: point 1005 would be "uppnatt", but the range 960–1050 holds both
    d = decide_status(ANNUAL, value=600.0, complete=True, direction="higher", forecast=1005.0,
                      forecast_low=960.0, forecast_high=1050.0)
    assert (d.status, d.basis, d.forecast_status) == ("osakert", "prognos", "osakert")
    assert d.reason == "prognosintervallet 960–1 050 rymmer både uppnått och ej uppnått mål (1 000)"
    assert d.reason in d.notes


def test_thirteen_to_twelve_events_is_too_small_a_base() -> None:
    """A unit's making-and-writing events 13 -> 12 against +5 %: -7,7 % would be red; below the
    floor of 20 it is "för litet underlag"."""
    from goals.status import small_base

    rt = resolve_target(Target(change_pct=5, tolerance=5), direction="higher", previous=13.0, full_previous=NAN,
                        part_year=False, grows_with_time=True)
    assert rt.target == pytest.approx(13.65)
    small = small_base(12.0, 13.0, 20, change_target=True)
    assert small == "för litet underlag: 12 i perioden (under 20)"
    d = decide_status(rt, value=12.0, complete=True, direction="higher", previous=13.0, small=small)
    assert (d.status, d.reason) == ("osakert", small)
    # with a floor of 10 the same change is a claim: 12 < 13.65 - 0.65 -> ej uppnått
    assert small_base(12.0, 13.0, 10, change_target=True) == ""
    assert decide_status(rt, value=12.0, complete=True, direction="higher", previous=13.0).status == "ej_uppnatt"
    # last year's count alone can be the small one
    assert small_base(25.0, 13.0, 20, change_target=True) == "för litet underlag: 13 föregående år (under 20)"
    assert small_base(25.0, 13.0, 20, change_target=False) == ""


@pytest.mark.parametrize(
    ("rt", "kwargs", "status", "reason"),
    [
        (CHANGE, dict(value=NAN, no_value="nämnaren är 0"), "ingen_data", "nämnaren är 0"),
        (CHANGE, dict(value=NAN), "ingen_data", "ingen data för perioden"),
        (CHANGE, dict(value=200.0, complete=False, no_value="ofullständig period: data t.o.m. 2026-10-14"),
         "ingen_data", "ofullständig period: data t.o.m. 2026-10-14"),
        (ResolvedTarget(), dict(value=5.0, year=2026), "inget_mal", "inget mål för 2026"),
        (CHANGE, dict(value=211.0), "uppnatt", ""),
    ],
)
def test_every_status_that_is_not_a_claim_says_why(rt: ResolvedTarget, kwargs: dict, status: str, reason: str) -> None:
    args = dict(complete=True, direction="higher") | kwargs
    d = decide_status(rt, **args)
    assert (d.status, d.reason) == (status, reason)
