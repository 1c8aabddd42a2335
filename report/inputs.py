"""What a report is made of: plain data gathered once, then handed to the sheet builders.

:func:`collect` calls ``goals/`` (follow-up, goal status, trends, unit comparisons) for one year,
period and unit; :class:`StoreInfo` holds what comes from the store (last data date, Analys and
Åtgärder texts, problems).  The sheet builders only read a :class:`ReportInputs`: they never touch a
database, so the CLI and the app can pass whatever they already have.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import pandas as pd

import goals
from goals.compare import comparison_table, group_sentence, shown_year
from goals.describe import describe_definition
from etl.problems import to_frame as problems_frame
from etl.tables import KIND_LABELS_SV, Tables

SECTIONS: dict[str, str] = {"analys": "Analys", "atgarder": "Åtgärder"}
ORG_ID = "ALLA"
ORG_NAME = "Hela organisationen"


@dataclass(frozen=True)
class CommentText:
    """One saved Analys or Åtgärder text."""

    text: str
    author: str = ""
    saved_at: dt.datetime | None = None


class _StoreLike(Protocol):  # the part of etl.store.Store the report reads
    def last_data_date(self) -> dt.date | None: ...
    def comments(self, goal_id: str, year: int, period: str, unit_id: str | None) -> dict[str, Any]: ...
    def problems(self, load_id: int | None = None) -> pd.DataFrame: ...


@dataclass
class StoreInfo:
    """What the report needs from the store, read by the caller (CLI or app) before writing.

    ``comments``: goal id -> section (``analys``/``atgarder``) -> text.  ``problems``: the frame of
    ``Store.problems()`` (columns of ``etl.problems.to_frame``, optionally ``load_id``, ``loaded_at``).
    ``overall``: the overall analysis for the whole organisation (section -> text); ``actions``:
    goal id -> the actions listed for the period (``etl.followup_store.Action``; open ones carried
    from earlier periods by ``goals.actions.for_period``).
    """

    last_data_date: dt.date | None = None
    comments: dict[str, dict[str, CommentText]] = field(default_factory=dict)
    problems: pd.DataFrame = field(default_factory=lambda: problems_frame([]))
    overall: dict[str, CommentText] = field(default_factory=dict)
    actions: dict[str, list[Any]] = field(default_factory=dict)

    @classmethod
    def from_store(
        cls, store: _StoreLike, goal_ids: list[str], year: int, period: str, unit: str | None = None
    ) -> "StoreInfo":
        """Read the last data date, the goals' comments and actions for the period, the overall
        analysis and all problems."""
        from etl.followup_store import OVERALL
        from goals.actions import for_period

        def texts(goal_id: str) -> dict[str, CommentText]:
            found = store.comments(goal_id, year, period, unit)
            return {
                section: CommentText(str(c.text), str(getattr(c, "author", "") or ""), getattr(c, "saved_at", None))
                for section, c in found.items()
                if c is not None and str(c.text).strip()
            }

        comments = {gid: texts(gid) for gid in goal_ids}
        actions: dict[str, list[Any]] = {}
        if hasattr(store, "actions"):
            for gid in goal_ids:
                actions[gid] = for_period(store.actions(gid, unit), year, period)
        return cls(last_data_date=store.last_data_date(), comments=comments, problems=store.problems(),
                   overall=texts(OVERALL), actions=actions)


@dataclass(frozen=True)
class GoalInfo:
    id: str
    name: str
    description: str
    indicator_ids: tuple[str, ...]


@dataclass(frozen=True)
class IndicatorInfo:
    """An indicator as the report shows it (from ``goals.Plan``)."""

    id: str
    name: str
    unit_label: str
    decimals: int
    direction: str
    kb_key: str
    iso_code: str
    description: str
    source: str
    definition: str
    target: str
    is_survey: bool
    accumulates: bool = False  # grows over the year (loans, visits): sums up to the full year
    target_kind: str = ""  # the year's target: "niva" (a level), "forandring" (change) or ""


@dataclass
class ReportInputs:
    """Everything the workbook shows, as plain values and DataFrames (``goals/`` outputs)."""

    year: int
    period_code: str
    period_label: str
    period_start: dt.date
    period_end: dt.date
    full_year: bool
    unit_id: str | None
    unit_name: str
    plan_name: str
    goal_set_name: str
    goal_set_id: str
    goals: list[GoalInfo]
    indicators: dict[str, IndicatorInfo]
    followup: pd.DataFrame  # goals.followup for the report's unit
    goal_status: pd.DataFrame  # goals.goal_status of it
    trends: dict[str, pd.DataFrame]  # indicator id -> goals.trend
    comparisons: dict[str, pd.DataFrame]  # indicator id -> goals.unit_comparison
    followup_units: pd.DataFrame = field(default_factory=pd.DataFrame)  # goals.followup per unit
    store: StoreInfo = field(default_factory=StoreInfo)
    generated: dt.date = field(default_factory=dt.date.today)
    forecast_method: str = ""  # how the goals file's forecast works, in Swedish (Om rapporten)
    history: dict[str, pd.DataFrame] = field(default_factory=dict)  # goal id -> goals.history.status_history
    status_labels: dict[str, str] = field(default_factory=lambda: dict(goals.STATUS_LABELS_SV))
    #: goals.compare.comparison_table: the indicators against the plan's comparison group (empty: none)
    benchmark: pd.DataFrame = field(default_factory=pd.DataFrame)
    benchmark_group: str = ""  # "Testgrupp (2025): Uppsala jämförs med …"

    @property
    def title(self) -> str:
        return f"Måluppföljning {self.period_label}"

    @property
    def subtitle(self) -> str:
        return f"{self.goal_set_name} · {self.unit_name}"

    @property
    def goal_word(self) -> str:
        """What the goal set's items are called: ``Mål`` (biblioteksplan) or ``Uppdrag``."""
        return "Uppdrag" if "uppdrag" in self.goal_set_id.lower() else "Mål"

    def status_label(self, status: object) -> str:
        return self.status_labels.get(str(status), str(status))


# --------------------------------------------------------------------------- describing indicators
def describe_target(ind: Any, year: int) -> str:
    t = ind.target(year)
    if t is None:
        return "Inget mål satt"
    if t.level is not None:
        text = f"Nivå {t.level:g}".replace(".", ",")
        if ind.direction == "lower":
            text = f"Högst {t.level:g}".replace(".", ",")
        elif ind.direction == "closer":
            text = f"Nära {t.level:g} (±{t.margin:g})".replace(".", ",")
    else:
        text = f"Förändring {t.change_pct:+g} % mot året innan".replace(".", ",")
    if t.tolerance:
        text += f"; delvis uppnått inom {t.tolerance:g}".replace(".", ",")
    return text


def describe_forecast(plan: Any, coverage: tuple[int, int, float] | None = None) -> str:
    """The full-year forecast method with the goals file's settings and the range's measured
    coverage (``goals.forecast_coverage``), in Swedish."""
    f = plan.forecast
    years = "året" if f.years == 1 else f"de {f.years} åren"
    text = (
        "Helårsprognosen räknar upp utfallet hittills i år med säsongsmönstret: medianen av kvoten "
        f"helår / samma period under {years} närmast före som har fullständiga data och inget "
        "seriebrott. Intervallet kalibreras på hur fel samma slags prognos (samma månader, samma slags "
        "indikator, en enhet eller flera) blev tidigare år; där det finns för få sådana prognoser är det "
        "prognosen ± spridningen mellan åren. En status på prognosen ges bara när hela intervallet "
        "når målet (uppnått) eller missar det (ej uppnått); annars Osäkert."
    )
    if coverage is not None:
        hits, tries, stated = coverage
        text += (
            f" Efterprövat på tidigare år höll intervallet utfallet i {round(100 * hits / tries)} % av "
            f"{tries} prognoser (avsett: {round(100 * stated)} %; varje år prövat mot de andra årens fel)."
        )
    if f.exclude_years:
        text += " Åren " + ", ".join(map(str, f.exclude_years)) + " används inte (avvikande säsongsmönster)."
    return text + " Enkätindikatorer har ingen prognos: årets enkät är årets värde."


def indicator_info(plan: Any, indicator_id: str, year: int) -> IndicatorInfo:
    ind = plan.indicator(indicator_id)
    m = ind.definition.measure
    return IndicatorInfo(
        id=ind.id,
        name=ind.name_sv,
        unit_label=ind.unit,
        decimals=int(ind.decimals),
        direction=ind.direction,
        kb_key=ind.kb_key or "",
        iso_code=ind.iso_code or "",
        description=ind.description_sv,
        source=KIND_LABELS_SV.get(m.table, m.table),
        definition=describe_definition(ind),
        target=describe_target(ind, year),
        is_survey=bool(ind.is_survey),
        accumulates=bool(ind.grows_with_time),
        target_kind=ind.target(year).kind if ind.target(year) is not None else "",
    )


# --------------------------------------------------------------------------- collecting
def unit_name(tables: Tables, unit_id: str | None) -> str:
    if unit_id is None or unit_id == ORG_ID:
        return ORG_NAME
    units = tables.units
    match = units.loc[units["unit_id"].astype(str) == unit_id, "name"] if "unit_id" in units else []
    return str(match.iloc[0]) if len(match) else unit_id


def _trend(plan: Any, source: Any, indicator_id: str, year: int, period: str, unit: str | None,
           fu: pd.DataFrame) -> pd.DataFrame:
    """The trend the report draws, like with like (as the dashboard): an indicator that accumulates
    over the year as full years with this year's full-year forecast (its target is then the
    full-year target); any other indicator as the chosen period each year."""
    from dashboard.views import trend_frame  # pure pandas, no Dash

    ind = plan.indicator(indicator_id)
    if not ind.grows_with_time:
        return source.trend(indicator_id, period, unit=unit)
    rows = fu[fu["indicator_id"].astype(str) == indicator_id]
    row = rows.iloc[0] if len(rows) else None
    return trend_frame(source.trend(indicator_id, "helar", unit=unit), year, row)


def collect(
    plan: Any,
    tables: Tables,
    year: int,
    period: str,
    unit: str | None = None,
    goal_set: str = "biblioteksplan",
    store_info: StoreInfo | None = None,
    generated: dt.date | None = None,
    source: Any = None,
) -> ReportInputs:
    """Compute everything the report shows with ``goals/`` (no store access here).  ``source``: the
    follow-up to read (``goals.results``: the stored result, as ``bibplan report`` passes it);
    default: computed from ``tables``."""
    from goals.results import FreshFollowup

    source = source if source is not None else FreshFollowup(plan, tables)
    per = goals.parse_period(year, period)
    gset = plan.goal_set(goal_set)
    goal_infos = [GoalInfo(g.id, g.name, g.description, tuple(g.indicators)) for g in gset.goals]
    ind_ids = list(dict.fromkeys(i for g in goal_infos for i in g.indicator_ids))
    store_info = store_info or StoreInfo()
    if store_info.last_data_date is None:  # no store at hand: the last date in the tables
        last = source.last_data_date()
        if last is not None and not pd.isna(last):
            store_info = replace(store_info, last_data_date=pd.Timestamp(last).date())
    fu = source.followup(year, per.code, unit=unit, goal_set=goal_set)
    unit_ids = [u for u in source.units()["unit_id"].astype(str) if u != unit]
    fu_units = source.followup(year, per.code, unit=unit_ids, goal_set=goal_set) if unit_ids else None
    bench = comparison_table(plan, tables, upto=year)  # the benchmark years up to the report's year
    return ReportInputs(
        year=year,
        period_code=per.code,
        period_label=per.label_sv,
        period_start=per.start,
        period_end=per.end,
        full_year=per.is_full_year,
        unit_id=unit,
        unit_name=unit_name(tables, unit),
        plan_name=plan.name,
        goal_set_name=gset.name,
        goal_set_id=gset.id,
        goals=goal_infos,
        indicators={i: indicator_info(plan, i, year) for i in ind_ids},
        followup=fu,
        goal_status=goals.goal_status(fu),
        trends={i: _trend(plan, source, i, year, per.code, unit, fu) for i in ind_ids},
        comparisons={i: source.unit_comparison(i, year, per.code) for i in ind_ids},
        followup_units=fu_units if fu_units is not None else pd.DataFrame(),
        store=store_info,
        generated=generated or dt.date.today(),
        forecast_method=describe_forecast(plan, source.forecast_coverage(year, per.code)),
        history={g.id: source.status_history(g.id, unit, goal_set=goal_set, years=3) for g in goal_infos},
        benchmark=bench,
        benchmark_group=group_sentence(plan, tables, shown_year(bench)) if shown_year(bench) else "",
    )
