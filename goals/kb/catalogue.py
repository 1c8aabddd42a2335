"""The KB variable catalogue (``variables.yaml``), checked with pydantic.

Every variable has KB's key, a question text and a section; ``compute`` says which tidy table
answers it (absent: the data cannot, the variable is listed empty for manual entry, never 0);
``sum_of`` is KB's sum rule and ``part_of`` its "of which" rule.  Keys, order and ``sum_of`` follow
KB's survey definition in ``libris/bibstat`` (``libstat/survey_templates.py``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from etl.config import parse_model, read_yaml
from etl.tables import AUDIENCES, MEDIA_TYPES, SERVICES, TARGET_GROUPS

DEFAULT_PATH = Path(__file__).with_name("variables.yaml")

Scope = Literal["all", "main", "other", "municipality"]

#: Filter columns a computation may use, per table, with their known values (None: any value).
FILTERS: dict[str, dict[str, tuple[Any, ...] | None]] = {
    "loans": {"media_type": MEDIA_TYPES, "audience": AUDIENCES, "genre": None},
    "visits": {},
    "events": {"kb_category": tuple(range(101, 121)), "target_group": TARGET_GROUPS},
    "opening_hours": {"service": SERVICES},
    "population": {},
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Compute(_Model):
    table: Literal["loans", "visits", "events", "opening_hours", "population"]
    column: str | None = None  # loans: initial_loans | renewals | loans; events: participants; hours
    filters: dict[str, Any] = {}
    measure: Literal["days_open", "hours_per_week", "hours_year"] | None = None  # opening_hours
    age_from: int = Field(default=0, ge=0)  # population
    age_to: int | None = None

    @model_validator(mode="after")
    def _check(self) -> "Compute":
        known = FILTERS[self.table]
        for key, val in self.filters.items():
            if key not in known:
                raise ValueError(f"filters: okänd kolumn {key!r} för {self.table}; tillåtna: {', '.join(known) or '(inga)'}")
            vocab = known[key]
            vals = val if isinstance(val, list) else [val]
            bad = [v for v in vals if vocab is not None and v not in vocab]
            if bad:
                raise ValueError(f"filters.{key}: okända värden {bad}; tillåtna: {', '.join(map(str, vocab or ()))}")
        if self.table == "opening_hours" and self.measure is None:
            raise ValueError("opening_hours behöver measure: days_open, hours_per_week eller hours_year")
        if self.table != "opening_hours" and self.measure is not None:
            raise ValueError("measure: gäller bara table: opening_hours")
        if self.table == "loans" and self.column not in ("initial_loans", "renewals", "loans"):
            raise ValueError("loans behöver column: initial_loans, renewals eller loans")
        if self.table == "events" and self.column not in (None, "participants"):
            raise ValueError("events: column får bara vara participants (utelämnad = antal tillfällen)")
        if self.table == "opening_hours" and self.column not in (None, "hours", "hours_evening_weekend"):
            raise ValueError("opening_hours: column får vara hours eller hours_evening_weekend")
        return self


class Variable(_Model):
    key: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    section: str
    question: str
    scope: Scope = "all"
    compute: Compute | None = None
    sum_of: list[str] = []
    also_sum_of: list[str] = []  # a second sum rule for the same total (Utlan399 = Inilan199 + Omlan299)
    part_of: str | None = None
    caveat: str = ""

    @model_validator(mode="after")
    def _one_source(self) -> "Variable":
        if self.compute is not None and self.sum_of:
            raise ValueError("ange compute eller sum_of, inte båda")
        return self

    @property
    def answerable(self) -> bool:
        return self.compute is not None or bool(self.sum_of)


class Section(_Model):
    id: str
    title: str


class Ratio(_Model):
    numerator: str | list[str]
    denominator: str | list[str]
    min: float
    max: float
    label: str

    def keys(self) -> tuple[list[str], list[str]]:
        def as_list(v: str | list[str]) -> list[str]:
            return [v] if isinstance(v, str) else list(v)
        return as_list(self.numerator), as_list(self.denominator)


class CatalogueFile(_Model):
    source: str
    sections: list[Section]
    variables: list[Variable] = Field(min_length=1)
    supplements: list[Variable] = []
    ratios: list[Ratio] = []

    @model_validator(mode="after")
    def _references(self) -> "CatalogueFile":
        allv = self.variables + self.supplements
        keys = [v.key for v in allv]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            raise ValueError(f"variablerna {dup} finns flera gånger")
        sections = {s.id for s in self.sections}
        known = set(keys)
        position = {k: i for i, k in enumerate(keys)}
        for v in allv:
            if v.section not in sections:
                raise ValueError(f"{v.key}: okänt avsnitt {v.section!r}; kända: {', '.join(sorted(sections))}")
            refs = v.sum_of + v.also_sum_of + ([v.part_of] if v.part_of else [])
            bad = [r for r in refs if r not in known]
            if bad:
                raise ValueError(f"{v.key}: hänvisar till okända variabler {bad}")
            later = [r for r in v.sum_of + v.also_sum_of if position[r] > position[v.key]]
            if later:
                raise ValueError(f"{v.key}: delarna {later} måste stå före summan i listan")
        for r in self.ratios:
            num, den = r.keys()
            bad = [k for k in num + den if k not in known]
            if bad:
                raise ValueError(f"ratios {r.label!r}: okända variabler {bad}")
        return self


class Catalogue:
    """The validated catalogue: variables in KB's order, looked up by key."""

    def __init__(self, data: CatalogueFile, path: Path | str = ""):
        self.data = data
        self.path = str(path)
        self.source = data.source
        self.sections = {s.id: s.title for s in data.sections}
        self.variables: list[Variable] = list(data.variables)
        self.supplements: list[Variable] = list(data.supplements)
        self.ratios: list[Ratio] = list(data.ratios)
        self._by_key = {v.key: v for v in self.variables + self.supplements}

    def __getitem__(self, key: str) -> Variable:
        return self._by_key[key]

    def all(self) -> list[Variable]:
        return self.variables + self.supplements


def parse_catalogue(raw: Any, path: Path | str = "variables.yaml") -> Catalogue:
    return Catalogue(parse_model(CatalogueFile, raw, path), path)


@cache
def _default() -> Catalogue:
    return parse_catalogue(read_yaml(DEFAULT_PATH), DEFAULT_PATH)


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """The bundled catalogue, or the one at ``path`` (a library's own edited copy)."""
    if path is None:
        return _default()
    return parse_catalogue(read_yaml(Path(path)), path)
