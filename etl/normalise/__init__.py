"""Normalise step: a :class:`~etl.read.RawSheet` -> the tidy table of its kind (``etl.tables``).

Handles layouts (long, months as columns), totals rows, personal data, value labels, numbers and
dates written as text, unit names with validity dates, counter modes and outages.  Problems found on
the way become :class:`~etl.problems.Problem` records with the Excel row and header of the cell.
One module per kind (``loans``, ``visits``, ``events``, ``opening_hours``, ``survey``,
``population``, ``benchmark``); the shared cell helpers are in ``common``, the layout steps in ``layout``.
Transaction exports take the fast path in :mod:`etl.transactions`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from etl.config import Source
from etl.headers import map_columns
from etl.normalise.benchmark import normalise_benchmark
from etl.normalise.common import Ctx
from etl.normalise.events import normalise_events
from etl.normalise.layout import drop_totals, form_cells, melt_months
from etl.normalise.loans import normalise_loans
from etl.normalise.opening_hours import normalise_opening_hours
from etl.normalise.population import normalise_population, parse_age_band
from etl.normalise.survey import normalise_survey
from etl.normalise.visits import normalise_visits
from etl.problems import Problem
from etl.read import RawSheet
from etl.tables import conform, empty
from etl.units import UnitIndex

__all__ = ["NORMALISERS", "NormalisedSheet", "normalise", "parse_age_band"]

NORMALISERS = {
    "loans": normalise_loans,
    "visits": normalise_visits,
    "events": normalise_events,
    "opening_hours": normalise_opening_hours,
    "survey": normalise_survey,
    "population": normalise_population,
}


@dataclass
class NormalisedSheet:
    """The tidy table of one sheet and what the later steps need to know about it.

    ``frame``: the rows (with trace columns), ``columns``: field -> the sheet's header it was read
    from (so validation names the user's column), ``failed_rows``: Excel rows with an error, also
    those a grouped record only lists (validation does not report them again)."""

    frame: pd.DataFrame
    columns: dict[str, str] = field(default_factory=dict)
    failed_rows: list[int] = field(default_factory=list)


def normalise(sheet: RawSheet, source: Source, units: UnitIndex,
              opening_hours: pd.DataFrame | None = None, *, outages: bool = True
              ) -> tuple[NormalisedSheet, list[Problem]]:
    """The tidy table for ``sheet`` and the problems found.  ``outages``: whether daily visits of
    0 or blank on an open day are marked missing (the ``counter_outage`` rule's ``enabled``)."""
    if source.kind == "benchmark":  # wide or long published statistics: a reader of its own
        frame, columns, failed, problems = normalise_benchmark(sheet, source)
        return NormalisedSheet(frame, columns, failed), problems
    if source.layout == "cells":
        ctx = Ctx(sheet, source, {})
        ctx.outages = outages
        ctx.problems += sheet.problems
        form = form_cells(sheet, source, ctx)
        out = NORMALISERS[source.kind](form, ctx, units, opening_hours) if form is not None else None
        if out is None:
            return _result(empty(source.kind), ctx), ctx.finish()
        out["source_file"], out["source_sheet"] = sheet.file, sheet.sheet
        result = conform(source.kind, out)
        problems = ctx.finish()
        return _result(result, ctx), problems
    cmap = map_columns(sheet, source.kind, source)
    ctx = Ctx(sheet, source, {f: sheet.names[i] for f, i in cmap.fields.items()})
    ctx.outages = outages
    ctx.problems += sheet.problems + cmap.problems
    df = pd.DataFrame({f: pd.Series(sheet.columns[i], dtype=object) for f, i in cmap.fields.items()})
    df["_row"] = sheet.rows
    for fld, value in source.constants.items():
        if fld not in df:
            df[fld] = pd.Series([value] * len(df), dtype=object)
    df = drop_totals(df, cmap, sheet, source, ctx)
    if source.layout == "months_as_columns":
        df = melt_months(df, cmap, sheet, source, ctx)
        if df is None:
            return _result(empty(source.kind), ctx), ctx.finish()
    out = NORMALISERS[source.kind](df, ctx, units, opening_hours)
    if out is None:
        return _result(empty(source.kind), ctx), ctx.finish()
    out["source_file"] = sheet.file
    out["source_sheet"] = sheet.sheet
    result = conform(source.kind, out)
    problems = ctx.finish()
    return _result(result, ctx), problems


def _result(frame: pd.DataFrame, ctx: Ctx) -> NormalisedSheet:
    return NormalisedSheet(frame, dict(ctx.columns), sorted(ctx.failed_rows))
