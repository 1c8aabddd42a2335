"""The goals file (``biblioteksplan.yaml``): goals, indicators in data terms, targets, goal sets.

Library staff add an indicator by editing YAML only.  An indicator is defined as

- a **measure**: a tidy table (``loans``, ``visits``, ``events``, ``opening_hours``, ``survey``),
  filters on its columns and an aggregation (``sum`` of a column, ``count`` of rows, ``distinct``
  values of a column, or for the survey ``mean``, ``top2box`` share, ``nki``);
- an optional **denominator**: the population of an age band in the unit's catchment, the opening
  hours of the unit, the number of weeks in the period, or another measure;
- a **scale** (1 per inhabitant, 1000 per 1 000 inhabitants, 100 for percent).

Targets are given per year as an absolute level or a change against the same period the previous
year (``change_pct``), each with a ``tolerance`` below the target (above it for ``direction:
lower``) within which the status is *delvis uppnått*.  Every error names the file, the key path and
the fix (:class:`PlanError`, the same format as :class:`etl.config.ConfigError`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from etl.config import ConfigError, parse_model, read_yaml
from etl.tables import AUDIENCES, COLUMNS, GENRES, MEDIA_TYPES, SERVICES, SURVEY_ITEMS, TARGET_GROUPS


class PlanError(ConfigError):
    """The goals file is wrong: ``str()`` names the file, the key path and the fix."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Table = Literal["loans", "visits", "events", "opening_hours", "survey"]
Aggregation = Literal["sum", "count", "distinct", "mean", "top2box", "nki"]
Direction = Literal["higher", "lower", "closer"]

#: Columns a measure may use besides the tidy columns (derived by ``goals.measures``).
DERIVED_COLUMNS: dict[str, tuple[str, ...]] = {
    "loans": ("loans",),  # initial_loans + renewals (KB Utlan399)
    "opening_hours": ("hours_evening_weekend",),  # hours after 18:00 on weekdays + all weekend hours
}

#: Known values of the filterable category columns (filters are checked against these).
VOCABULARIES: dict[tuple[str, str], tuple[Any, ...]] = {
    ("loans", "media_type"): MEDIA_TYPES,
    ("loans", "audience"): AUDIENCES,
    ("loans", "genre"): GENRES,
    ("events", "target_group"): TARGET_GROUPS,
    ("events", "kb_category"): tuple(range(101, 121)),
    ("opening_hours", "service"): SERVICES,
    ("opening_hours", "weekday"): tuple(range(1, 8)),
    ("survey", "item"): tuple(SURVEY_ITEMS),
}

NKI_ITEMS = ("nki_helhet", "nki_forvantningar", "nki_ideal")

Scalar = str | int | float | bool


class FilterSpec(_Model):
    """Long form of a filter: ``{in: [...]}``, ``{not_in: [...]}`` or ``{present: true}``."""

    in_: list[Scalar] | None = Field(default=None, alias="in")
    not_in: list[Scalar] | None = None
    present: bool | None = None  # true: the cell is not empty (e.g. events with a partner)


FilterValue = Scalar | list[Scalar] | FilterSpec


def _filter_values(v: FilterValue) -> list[Scalar]:
    if isinstance(v, FilterSpec):
        return list(v.in_ or []) + list(v.not_in or [])
    return list(v) if isinstance(v, list) else [v]


class Measure(_Model):
    """A number from one tidy table: filters, then an aggregation."""

    table: Table
    filters: dict[str, FilterValue] = {}
    aggregation: Aggregation = "sum"
    column: str | None = None  # for sum and distinct; default: the table's main measure

    @model_validator(mode="after")
    def _check(self) -> "Measure":
        cols = tuple(COLUMNS[self.table]) + DERIVED_COLUMNS.get(self.table, ())
        for key, val in self.filters.items():
            if key not in cols:
                raise ValueError(
                    f"filters: okänd kolumn {key!r} i tabellen {self.table}; tillåtna: {', '.join(cols)}"
                )
            known = VOCABULARIES.get((self.table, key))
            if known is not None:
                bad = [x for x in _filter_values(val) if x not in known]
                if bad:
                    raise ValueError(
                        f"filters.{key}: okända värden {bad}; tillåtna värden: "
                        + ", ".join(str(k) for k in known)
                    )
        survey_aggs = {"mean", "top2box", "nki"}
        if self.table == "survey" and self.aggregation not in survey_aggs | {"count"}:
            raise ValueError(
                f"aggregation {self.aggregation} fungerar inte för enkäten; använd mean, top2box, nki eller count"
            )
        if self.table != "survey" and self.aggregation in survey_aggs:
            raise ValueError(
                f"aggregation {self.aggregation} gäller bara table: survey; använd sum, count eller distinct"
            )
        if self.table == "survey" and self.aggregation in {"mean", "top2box"}:
            items = self.filters.get("item")
            if items is None or len(_filter_values(items)) != 1:
                raise ValueError(
                    f"aggregation {self.aggregation} behöver exakt en enkätfråga: lägg till "
                    "filters: {item: bemotande} (eller en annan fråga)"
                )
        if self.aggregation == "distinct" and not self.column:
            raise ValueError("aggregation distinct behöver column: (vilken kolumn som räknas unikt)")
        if self.column is not None and self.column not in cols:
            raise ValueError(f"column: okänd kolumn {self.column!r}; tillåtna: {', '.join(cols)}")
        if self.aggregation == "sum" and self.table in ("events", "survey") and self.column is None:
            raise ValueError("aggregation sum behöver column: för denna tabell (t.ex. participants)")
        return self

    @property
    def sum_column(self) -> str:
        """The column summed (``sum``) or counted unique (``distinct``)."""
        if self.column:
            return self.column
        return {"loans": "loans", "visits": "visits", "opening_hours": "hours"}.get(self.table, "")


class Denominator(_Model):
    """What the measure is divided by.

    ``population``: inhabitants aged ``age_from``..``age_to`` in the unit's catchment district
    (the whole municipality for the organisation); ``opening_hours``: scheduled hours in the
    period (``filters`` on service); ``weeks``: number of weeks in the period; ``measure``: another
    measure over the same units and period.
    """

    kind: Literal["population", "opening_hours", "weeks", "measure"]
    age_from: int = Field(default=0, ge=0)
    age_to: int | None = Field(default=None, ge=0)  # inclusive; None = no upper bound
    filters: dict[str, FilterValue] = {}
    measure: Measure | None = None

    @model_validator(mode="after")
    def _check(self) -> "Denominator":
        if self.kind == "measure" and self.measure is None:
            raise ValueError("kind: measure behöver measure: {table: ..., aggregation: ...}")
        if self.kind != "measure" and self.measure is not None:
            raise ValueError(f"measure: gäller bara kind: measure (inte {self.kind}); ta bort nyckeln")
        if self.kind != "opening_hours" and self.filters:
            raise ValueError("filters: gäller bara kind: opening_hours; lägg filtren i measure")
        if self.kind == "opening_hours":
            Measure(table="opening_hours", filters=self.filters)  # validates the filters
        if self.measure is not None and (self.measure.table == "survey" or self.measure.aggregation == "distinct"):
            raise ValueError("nämnaren (measure) måste vara en summa eller ett antal (sum eller count) ur loans, "
                             "visits, events eller opening_hours")
        if self.age_to is not None and self.age_to < self.age_from:
            raise ValueError("age_to är mindre än age_from; byt plats på dem")
        return self

    def hours_measure(self) -> Measure:
        return Measure(table="opening_hours", filters=self.filters, aggregation="sum", column="hours")


class Definition(_Model):
    measure: Measure
    denominator: Denominator | None = None
    scale: float = Field(default=1.0, gt=0)  # 1000 = per 1 000, 100 = percent

    @model_validator(mode="after")
    def _survey_without_denominator(self) -> "Definition":
        if self.measure.table == "survey" and self.denominator is not None:
            raise ValueError("enkätmått (table: survey) har ingen nämnare; ta bort denominator och använd "
                             "scale: 100 för procent")
        return self


#: Unit labels of indicators whose values are percentages (0–100): one rule for the follow-up, the
#: dashboard, the CLI and the report.
PERCENT_UNITS = frozenset({"%", "procent", "andel (%)"})


class Target(_Model):
    """A target for one year.  Exactly one of ``level`` and ``change_pct``.

    ``tolerance``: the band (in the indicator's unit, or in percentage points for ``change_pct``)
    just short of the target where the status is *delvis uppnått*.  ``margin``: for
    ``direction: closer``, how far from the level still counts as reached.
    """

    level: float | None = None
    change_pct: float | None = None
    tolerance: float = Field(default=0.0, ge=0)
    margin: float = Field(default=0.0, ge=0)
    #: Level per unit id: ``level`` is the whole organisation's target, so a unit is judged against
    #: its own level here (or ``unit_change_pct``; see ``Indicator.unit_targets``).
    units: dict[str, float] = {}
    #: With a level for the organisation: the units (those without their own level) are judged on
    #: their change against last year instead, by this many percent.
    unit_change_pct: float | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> "Target":
        if (self.level is None) == (self.change_pct is None):
            raise ValueError("ange exakt ett av level (nivå) och change_pct (förändring i procent mot föregående år)")
        if self.units and self.level is None:
            raise ValueError("units: (mål per enhet) gäller bara nivåmål; ange level för hela organisationen")
        if self.unit_change_pct is not None and self.level is None:
            raise ValueError("unit_change_pct gäller bara nivåmål; ett förändringsmål (change_pct) gäller redan varje enhet")
        return self

    @property
    def kind(self) -> str:
        return "niva" if self.level is not None else "forandring"


class SeriesBreak(_Model):
    """A definition change: comparisons and trends do not cross ``date``."""

    date: dt.date
    note_sv: str = ""


class Goal(_Model):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    description: str = ""


class Indicator(_Model):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name_sv: str
    name_en: str
    goals: list[str] = Field(min_length=1)
    unit: str  # unit label shown next to values, e.g. "lån per invånare", "%"
    decimals: int = Field(default=1, ge=0, le=4)
    direction: Direction = "higher"
    kb_key: str | None = None
    iso_code: str | None = None
    description_sv: str
    definition: Definition
    targets: dict[int, Target] = {}
    series_breaks: list[SeriesBreak] = []
    #: Whether the organisation's level target also applies to each unit: ``own`` (the default)
    #: judges a unit only on its own level (``units:``) or ``unit_change_pct``, since a district
    #: library's users also use the main library and the bookmobiles; ``organisation`` applies the
    #: level to every unit (not for counts, which add up over units).  Change targets apply to
    #: every unit either way.
    unit_targets: Literal["own", "organisation"] = "own"

    @field_validator("targets")
    @classmethod
    def _years(cls, v: dict[int, Target]) -> dict[int, Target]:
        bad = [y for y in v if not 1990 <= y <= 2100]
        if bad:
            raise ValueError(f"målår {bad} ser inte ut som årtal; skriv året som 2026")
        return v

    @property
    def is_survey(self) -> bool:
        return self.definition.measure.table == "survey"

    @property
    def change_kind(self) -> str:
        """How a change on last year is stated: ``pp`` (procentenheter) for percentages, ``pts``
        (points on the indicator's own scale) for means and NKI, else ``pct`` (relative change)."""
        if self.is_percentage:
            return "pp"
        if self.definition.measure.aggregation in ("mean", "nki"):
            return "pts"
        return "pct"

    @property
    def counts_occurrences(self) -> bool:
        """True when the numerator counts occurrences (loans, visits, events, participants): a
        small count is then too small a base for a status (``status.min_count``)."""
        m = self.definition.measure
        return m.table not in ("survey", "opening_hours") and m.aggregation in ("sum", "count", "distinct")

    @property
    def is_per_capita(self) -> bool:
        d = self.definition.denominator
        return d is not None and d.kind == "population"

    @property
    def adds_up_over_units(self) -> bool:
        """True when the organisation's value is the sum of the units' values (counts, sums, hours
        per week): a level target then belongs to the organisation, not to each unit."""
        d = self.definition.denominator
        return (
            not self.is_survey
            and self.definition.measure.aggregation in ("sum", "count", "distinct")
            and (d is None or d.kind == "weeks")
        )

    @property
    def is_percentage(self) -> bool:
        """True when the values are percentages (``unit: "%"``): a change is then shown in
        procentenheter (``change``), never as a relative change in percent."""
        return self.unit.strip().lower() in PERCENT_UNITS

    @property
    def grows_with_time(self) -> bool:
        """True when the value accumulates over the year (sums and counts, also per inhabitant):
        only these get a full-year forecast, and a year-to-date value is compared with an annual
        level target through that forecast.  Shares, means, survey results, hours per week and
        ratios of two flows over the same period (visits per opening hour) do not add up over the
        year: they get no forecast."""
        d = self.definition.denominator
        return (
            not self.is_survey
            and self.definition.measure.aggregation in ("sum", "count", "distinct")
            and (d is None or d.kind == "population")
        )

    def target(self, year: int) -> Target | None:
        return self.targets.get(year)


class SetGoal(_Model):
    """A goal (biblioteksplan) or a commitment (uppdragsplan) with the indicators that follow it up."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    description: str = ""
    indicators: list[str] = Field(min_length=1)


class GoalSetFile(_Model):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    description: str = ""
    goals: list[SetGoal]


class GoalSet(_Model):
    id: str
    name: str
    description: str = ""
    goals: list[SetGoal]


class ForecastSettings(_Model):
    """How the year-end forecast picks earlier years (see ``goals.forecast``)."""

    years: int = Field(default=3, ge=1, le=10)
    exclude_years: list[int] = [2020, 2021]  # COVID closures distort the seasonal profile
    #: The share of outcomes the forecast range is meant to hold (its width is calibrated on the
    #: data's own back-test to this level).
    coverage: float = Field(default=0.9, gt=0.5, lt=1.0)


class StatusSettings(_Model):
    """When a status is a claim (see ``goals.status``)."""

    #: A count (loans, visits, events, participants) below this, this year or last, gives
    #: "för litet underlag" instead of a status.
    min_count: int = Field(default=20, ge=0)
    #: Missing open days of visits (counter outages): ``impute`` them from the same weekday's
    #: median of the surrounding weeks, or ``none`` (the period is incomplete); see goals.outages.
    outages: Literal["impute", "none"] = "impute"
    #: With ``impute``: above this share of a selection's open days imputed, the period is
    #: incomplete instead.
    max_imputed_share: float = Field(default=0.15, ge=0, le=1)


from goals.compare import Comparison  # noqa: E402 (after the models it does not need)


class PlanFile(_Model):
    name: str = "Biblioteksplan"
    goals: list[Goal] = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)
    goal_sets: list[GoalSetFile] = []
    forecast: ForecastSettings = ForecastSettings()
    status: StatusSettings = StatusSettings()
    #: The home municipality, its comparison group and the indicators' benchmark variables.
    comparison: Comparison | None = None

    @model_validator(mode="after")
    def _references(self) -> "PlanFile":
        for kind, items in (("mål", self.goals), ("indikator", self.indicators), ("målsamling", self.goal_sets)):
            ids = [x.id for x in items]
            dup = sorted({i for i in ids if ids.count(i) > 1})
            if dup:
                raise ValueError(f"{kind}-id {dup} finns flera gånger; ge var och en ett eget id")
        goal_ids = {g.id for g in self.goals}
        ind_ids = {i.id for i in self.indicators}
        for ind in self.indicators:
            bad = [g for g in ind.goals if g not in goal_ids]
            if bad:
                raise ValueError(
                    f"indikatorn {ind.id} hänvisar till okända mål {bad}; kända mål: {', '.join(sorted(goal_ids))}"
                )
        empty = [g for g in goal_ids if not any(g in i.goals for i in self.indicators)]
        if empty:
            raise ValueError(f"målen {sorted(empty)} har inga indikatorer; ange målet i någon indikators goals:")
        if self.comparison is not None:
            bad = [i for i in self.comparison.indicators if i not in ind_ids]
            if bad:
                raise ValueError(f"comparison.indicators: okända indikatorer {bad}; kända: {', '.join(sorted(ind_ids))}")
        for gs in self.goal_sets:
            if gs.id == "biblioteksplan":
                raise ValueError("målsamlingen biblioteksplan byggs av goals: och indicators.goals; välj ett annat id")
            for g in gs.goals:
                bad = [i for i in g.indicators if i not in ind_ids]
                if bad:
                    raise ValueError(
                        f"goal_sets {gs.id}, {g.id}: okända indikatorer {bad}; "
                        f"kända: {', '.join(sorted(ind_ids))}"
                    )
        return self


class Plan:
    """The validated goals file: goals, indicators and goal sets, looked up by id."""

    def __init__(self, data: PlanFile, path: Path | str = ""):
        self.data = data
        self.path = str(path)
        self.name = data.name
        self.goals: list[Goal] = list(data.goals)
        self.indicators: list[Indicator] = list(data.indicators)
        self.forecast = data.forecast
        self.status = data.status
        self.comparison = data.comparison
        plan_set = GoalSet(
            id="biblioteksplan",
            name=data.name,
            goals=[
                SetGoal(
                    id=g.id,
                    name=g.name,
                    description=g.description,
                    indicators=[i.id for i in data.indicators if g.id in i.goals],
                )
                for g in data.goals
            ],
        )
        self.goal_sets: dict[str, GoalSet] = {"biblioteksplan": plan_set}
        for gs in data.goal_sets:
            self.goal_sets[gs.id] = GoalSet(id=gs.id, name=gs.name, description=gs.description, goals=gs.goals)
        self._indicators = {i.id: i for i in self.indicators}
        self._goals = {g.id: g for g in self.goals}

    def indicator(self, indicator_id: str) -> Indicator:
        try:
            return self._indicators[indicator_id]
        except KeyError:
            raise KeyError(
                f"okänd indikator {indicator_id!r}; kända: {', '.join(self._indicators)}"
            ) from None

    def goal(self, goal_id: str) -> Goal:
        return self._goals[goal_id]

    def goal_set(self, goal_set: str) -> GoalSet:
        try:
            return self.goal_sets[goal_set]
        except KeyError:
            raise KeyError(f"okänd målsamling {goal_set!r}; kända: {', '.join(self.goal_sets)}") from None

    def __repr__(self) -> str:
        return f"Plan({self.name!r}, {len(self.goals)} mål, {len(self.indicators)} indikatorer)"


def parse_plan(raw: Any, path: Path | str = "biblioteksplan.yaml") -> Plan:
    """Validate parsed YAML as a plan; raise :class:`PlanError` naming the key path and the fix."""
    try:
        data = parse_model(PlanFile, raw, path)
    except ConfigError as exc:
        raise PlanError(exc.file, exc.errors) from None
    return Plan(data, path)


def load_plan(path: Path | str) -> Plan:
    """Read and validate a goals file (``biblioteksplan.yaml``)."""
    path = Path(path)
    try:
        raw = read_yaml(path)
    except ConfigError as exc:
        raise PlanError(exc.file, exc.errors) from None
    return parse_plan(raw, path)
