"""Anomaly warnings on every load (domain.md §6, issue 6 §4).

:func:`detect` looks at the rows being loaded against what the store already holds and returns
warnings (:class:`etl.problems.Problem` with severity ``"varning"``): counter outages, catch-up
spikes, double counting, counts on closed days, missing months, incomplete last periods, survey
waves with too few answers and large changes against the same month last year.

Each rule is a small function ``rule(ctx) -> DataFrame`` returning one row per finding at its
natural grain (a day, a unit-month, a file, a survey wave), so tests can check the flagged dates
directly; :func:`detect` groups related findings (a run of outage days, consecutive months) into
one problem each and writes the Swedish message.  Thresholds come from ``anomaly_rules.yaml``
(:func:`load_rules`): the bundled defaults next to this module, overridable per data directory.

Everything is vectorised pandas/numpy over the whole frames; Python loops only run over findings
and files, which are few.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from etl.anomalies.context import Context, _month_index, prepare
from etl.anomalies.messages import (
    _change_problems,
    _closed_problems,
    _double_problems,
    _missing_problems,
    _opening_hours_problems,
    _outage_problems,
    _partial_problems,
    _spike_problems,
    _survey_problems,
)
from etl.anomalies.rules import (
    catch_up_spikes,
    change_vs_last_year,
    closed_day_counts,
    counter_outages,
    double_counting,
    few_survey_answers,
    missing_months,
    partial_periods,
    units_without_opening_hours,
)
from etl.anomalies.thresholds import (
    DEFAULT_RULES_PATH,
    RULES_FILE_NAME,
    AnomalyRules,
    CatchUpSpikeRule,
    ChangeVsLastYearRule,
    ClosedDayCountsRule,
    CounterOutageRule,
    DoubleCountingRule,
    FewSurveyAnswersRule,
    MissingMonthRule,
    PartialPeriodRule,
    default_rules,
    load_rules,
)
from etl.problems import Problem
from etl.schedule import open_status, swedish_holidays
from etl.tables import Tables

__all__ = [
    "DEFAULT_RULES_PATH", "RULES_FILE_NAME", "AnomalyRules", "CatchUpSpikeRule", "ChangeVsLastYearRule",
    "ClosedDayCountsRule", "Context", "CounterOutageRule", "DoubleCountingRule", "FewSurveyAnswersRule",
    "MissingMonthRule", "PartialPeriodRule", "catch_up_spikes", "change_vs_last_year", "closed_day_counts",
    "counter_outages", "default_rules", "detect", "double_counting", "few_survey_answers", "load_rules",
    "missing_months", "open_status", "partial_periods", "prepare", "swedish_holidays",
    "units_without_opening_hours",
]


def detect(
    new: Tables | Mapping[str, pd.DataFrame],
    existing: Tables | Mapping[str, pd.DataFrame] | None = None,
    opening_hours: pd.DataFrame | None = None,
    *,
    rules: AnomalyRules | Path | str | None = None,
    export_dates: Mapping[str, dt.date] | None = None,
    unit_names: Mapping[str, str] | None = None,
) -> list[Problem]:
    """All anomaly warnings for a load.

    ``new``: the rows being loaded, per kind (tidy frames as in ``etl.tables``, with the trace
    columns ``source_file``, ``source_sheet``, ``source_row`` when known).  ``existing``: what the
    store holds (baselines: last year, the months before, the unit register for names).
    ``opening_hours``: the schedules as they will be after the load; default: the store's,
    with the new ones replacing those of the same unit and ``valid_from``.  ``rules``: thresholds,
    or the path of an override file for :func:`load_rules` (default :func:`default_rules`).
    ``export_dates``: file name (as in ``source_file``) -> export date, when known.
    ``unit_names``: unit id -> name for the messages (default: the names in ``existing.units``;
    these win, so a check against an empty store still names units as the register does).

    Returns warnings (severity ``"varning"``) in rule order; related findings (a run of days,
    consecutive months, the same weekday) are one warning each.
    """
    if isinstance(rules, (Path, str)):
        rules = load_rules(Path(rules))
    ctx = prepare(new, existing, opening_hours, rules=rules, export_dates=export_dates, unit_names=unit_names)
    r = ctx.rules
    problems: list[Problem] = []
    skip: list[pd.DataFrame] = []
    if not ctx.visits.empty and (r.counter_outage.enabled or r.closed_day_counts.enabled):
        problems += _opening_hours_problems(ctx, units_without_opening_hours(ctx))
    if r.counter_outage.enabled:
        outages = counter_outages(ctx)
        problems += _outage_problems(ctx, outages)
        skip.append(
            pd.DataFrame(
                {"kind": "visits", "unit_id": outages["unit_id"], "t": _month_index(outages["date"])}
            )
        )
    if r.catch_up_spike.enabled:
        problems += _spike_problems(ctx, catch_up_spikes(ctx))
    if r.double_counting.enabled:
        doubles = double_counting(ctx)
        problems += _double_problems(ctx, doubles)
        skip.append(doubles[["kind", "unit_id", "t"]])
    if r.closed_day_counts.enabled:
        problems += _closed_problems(ctx, closed_day_counts(ctx))
    if r.missing_month.enabled:
        problems += _missing_problems(ctx, missing_months(ctx))
    if r.partial_period.enabled:
        partial = partial_periods(ctx)
        problems += _partial_problems(ctx, partial)
        if not partial.empty:
            exploded = partial[["kind", "t", "units"]].explode("units").rename(columns={"units": "unit_id"})
            skip.append(exploded)
    if r.few_survey_answers.enabled:
        problems += _survey_problems(ctx, few_survey_answers(ctx))
    if r.change_vs_last_year.enabled:
        skip_frame = (
            pd.concat([s.astype({"t": int}) for s in skip if not s.empty], ignore_index=True)
            if any(not s.empty for s in skip)
            else None
        )
        problems += _change_problems(ctx, change_vs_last_year(ctx, skip_frame))
    return problems
