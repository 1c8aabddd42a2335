"""The configuration the library edits: settings, units and sources, YAML checked with pydantic.

Files (in the configured data directory; the bundled sample in ``data/sample/`` has its own copy):

- ``data/settings.yaml``: which data directory to load and which store to use.
- ``units.yaml``: the unit register (id, name, type, district, aliases with validity dates).
- ``sources.yaml``: which export file maps onto which tidy table, and how.

Every error names the file, the key path and the fix (:class:`ConfigError`).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from etl.parse import NumberStyle
from etl.tables import COLUMNS, KINDS, SURVEY_ITEMS

REPO_DATA = Path(__file__).resolve().parent.parent / "data"


class ConfigError(Exception):
    """A configuration file is wrong.  ``str()`` names the file, the key path and the fix."""

    def __init__(self, file: Path | str, errors: list[tuple[str, str]]):
        self.file = str(file)
        self.errors = errors  # (key path, message with fix)
        lines = [f"Fel i konfigurationsfilen {self.file}:"]
        lines += [f"  - {key or '(hela filen)'}: {msg}" for key, msg in errors]
        super().__init__("\n".join(lines))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- units.yaml
UnitType = Literal["huvudbibliotek", "stadsdelsbibliotek", "bokbuss"]


class Alias(_Model):
    """Another name the unit has in exports, optionally only within a date range (renames)."""

    name: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class Unit(_Model):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    type: UnitType
    district: str | None = None  # catchment district; None = serves the whole municipality
    aliases: list[Alias] = []


class UnitsFile(_Model):
    municipality: str = "Kommunen"
    units: list[Unit]

    @model_validator(mode="after")
    def _unique_ids(self) -> "UnitsFile":
        seen: set[str] = set()
        for u in self.units:
            if u.id in seen:
                raise ValueError(f"enhets-id {u.id!r} finns två gånger; ge varje enhet ett eget id")
            seen.add(u.id)
        return self


# --------------------------------------------------------------------------- sources.yaml
#: Largest plausible value of a count in one stored row, per kind and field (a source may set its
#: own with ``plausible_max``).  Loans: one unit, month, media type, audience and genre; visits: one
#: unit and day (scaled by the row's period, ``PLAUSIBLE_PER``); participants: one event; population: one district and age band.
PLAUSIBLE_MAX: dict[str, dict[str, float]] = {
    "loans": {"initial_loans": 1_000_000, "renewals": 1_000_000},
    "visits": {"visits": 100_000},
    "events": {"participants": 100_000},
    "population": {"population": 10_000_000},
}
#: The period a count's bound is for; a row covering a longer period (a month of visits, a year of
#: loans) may hold that many times the bound.
PLAUSIBLE_PER: dict[str, str] = {"visits": "dag", "loans": "månad"}

#: ``long``: one row per record; ``months_as_columns``: one column per month (value in the cells);
#: ``transactions``: one row per circulation event (Koha ``statistics``-like), aggregated to months.
#: ``cells``: a form (label -> value), one record per sheet, fields read from given cells.
#: ``wide``: published statistics, one column per variable (benchmark only).
Layout = Literal["long", "months_as_columns", "transactions", "cells", "wide"]
CounterMode = Literal["in", "in_out", "cumulative"]


class MonthColumns(_Model):
    """A group of month columns picked by a regular expression on the header: the group named
    ``month`` holds the month (``april``, ``jan 2024``, ``2024-01``), an optional group ``year`` the
    year.  Several groups are summed into one measure (main entrance + side entrance)."""

    match: str

    @field_validator("match")
    @classmethod
    def _has_month_group(cls, v: str) -> str:
        import re

        try:
            rx = re.compile(v)
        except re.error as exc:
            raise ValueError(f"ogiltigt reguljärt uttryck ({exc}); t.ex. \"huvudentré - (?P<month>.+)$\"") from None
        if "month" not in rx.groupindex:
            raise ValueError("uttrycket behöver en grupp (?P<month>…) som fångar månaden, t.ex. "
                             "\"huvudentré - (?P<month>.+)$\"")
        return v


class CellRef(_Model):
    """A form field found by its label: the value is in the same row, in ``column`` (a letter) or
    else the first non-empty cell right of the label."""

    label: str
    column: str | None = Field(default=None, pattern=r"^[A-Za-z]{1,3}$")


class Source(_Model):
    """One kind of export file and how it maps onto a tidy table.

    ``columns`` maps a canonical field (see ``etl.tables.COLUMNS`` plus the pre-normalisation
    fields ``unit``, ``year``, ``loans``, ``in``, ``out``, ``total``, ...) to the header used in the
    file.  Fields not given are recognised from common Swedish and English header variants
    (``etl/vocabulary.yaml``); the config only overrides.
    """

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    kind: Literal["loans", "visits", "events", "opening_hours", "survey", "population", "benchmark"]
    pattern: str  # glob relative to the data directory, e.g. "utlan_*.xlsx"
    sheet: str | int | None = None  # sheet name or 0-based index; None = first sheet
    header_rows: int = Field(default=1, ge=1, le=3)  # rows that make up the header (2 = År over Månad)
    skip_rows: int = Field(default=0, ge=0)  # rows above the header (titles, notes)
    layout: Layout = "long"
    columns: dict[str, str] = {}
    value_labels: dict[str, dict[str, Any]] = {}  # field -> {label in file: canonical value}
    constants: dict[str, Any] = {}  # fields the file lacks but that are fixed for it
    counter_mode: CounterMode | None = None  # visits only
    encoding: str | None = None  # CSV only; None = detect (UTF-8 with/without BOM, cp1252)
    delimiter: str | None = None  # CSV only; None = sniff
    #: strptime format of dates that are neither ISO nor Excel dates, e.g. "%d/%m/%Y"; without it a
    #: slash or dot date whose day and month can be swapped (11/02/2026) is an error.
    date_format: str | None = None
    #: Numbers written as text: decimal sign and thousands separator (" " = any space kind, "" =
    #: none).  Not given: "," and space, and a text that reads two ways ("1,234") is an error.
    decimal: Literal[",", "."] | None = None
    thousands: Literal[" ", ".", ",", "'", ""] | None = None
    #: Largest plausible value per field and row (e.g. {visits: 20000}); see etl.validate.PLAUSIBLE_MAX.
    plausible_max: dict[str, float] = {}
    #: A value more than this many times the unit's median for the same month is an error.
    plausible_ratio: float = Field(default=1000, gt=1)
    #: A re-export that would replace stored periods asks first (``--replace``) when its rows cover
    #: less than this share of the stored unit-periods, or lower their total by more than it.
    replace_share: float = Field(default=0.5, gt=0, le=1)
    #: months_as_columns: the field the month cells hold (default: ``loans`` for loans, else the
    #: kind's measure, e.g. ``population``); a row field ``measure`` with value_labels may instead
    #: name the field per row (rows "Utlån" / "Omlån").
    value_field: str | None = None
    #: transactions: timestamps are UTC (Sierra ``transaction_gmt``) and are moved to local time.
    timestamps_utc: bool = False
    #: The period each value covers (loans, visits): ``day``, ``month``, ``quarter`` or ``year``.
    #: None = what the file says: a date column is days (loans: months), ``months_as_columns`` and
    #: month cells are months, ``2023Q2`` quarters, a year alone years.  A declared grain coarsens
    #: finer cells (dates in a monthly file are their months) and refuses coarser ones.
    grain: Literal["day", "month", "quarter", "year"] | None = None
    #: months_as_columns: pick the month columns by header pattern instead of by header alone;
    #: several groups are summed into one measure.
    month_columns: list[MonthColumns] = []
    #: The year of the file taken from its name by a regular expression with a group (?P<year>…);
    #: a ``{year}`` in ``pattern`` (``besok_{year}.xlsx``) does the same.
    file_year: str | None = None
    #: layout cells: field -> cell address ("B3") or {label: "Antal besök", column: C}.
    cells: dict[str, str | CellRef] = {}
    #: Read at most this many data rows / no row after this Excel row (notes under a table).
    n_rows: int | None = Field(default=None, ge=1)
    last_row: int | None = Field(default=None, ge=2)
    #: Month names of another language, read through babel's locale data (``de`` reads "März");
    #: Swedish and English names are always read.
    locale: str | None = None
    #: benchmark only: variables whose values are text, kept as text (``value_text``), e.g. SKR's
    #: municipality group ``[KGRP]`` ("A2 Större stad") for ``group_variable`` in the plan.
    text_variables: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def _dayfirst_replaced(cls, data: Any) -> Any:
        if isinstance(data, dict) and "dayfirst" in data:
            raise ValueError("dayfirst finns inte längre; ange datumformatet med date_format, t.ex. "
                             "date_format: \"%d/%m/%Y\" (dag först) eller \"%m/%d/%Y\" (månad först)")
        return data

    @model_validator(mode="after")
    def _number_style(self) -> "Source":
        if self.decimal is not None and self.decimal == self.thousands:
            raise ValueError(f"decimal och thousands är båda {self.decimal!r}; de måste vara olika tecken")
        if self.date_format is not None:
            try:
                probe = dt.datetime(2026, 11, 2, 13, 4, 5).strftime(self.date_format)
                dt.datetime.strptime(probe, self.date_format)
            except ValueError:
                raise ValueError(f"date_format {self.date_format!r} är inget giltigt datumformat; skriv t.ex. "
                                 "\"%d/%m/%Y\" (%d dag, %m månad, %Y år med fyra siffror)") from None
            if not {"%d", "%m"} <= {self.date_format[i:i + 2] for i in range(len(self.date_format) - 1)}:
                raise ValueError(f"date_format {self.date_format!r} saknar %d (dag) eller %m (månad)")
        unknown = sorted(set(self.plausible_max) - set(PLAUSIBLE_MAX.get(self.kind, {})))
        if unknown:
            raise ValueError(f"plausible_max: okända fält {unknown} för kind {self.kind}; tillåtna fält: "
                             + ", ".join(PLAUSIBLE_MAX.get(self.kind, {})))
        return self

    @property
    def number_style(self) -> NumberStyle:
        return NumberStyle(self.decimal, self.thousands)

    def bounds(self) -> dict[str, float]:
        """Largest plausible value per count field: the defaults with this source's plausible_max."""
        return {**PLAUSIBLE_MAX.get(self.kind, {}), **self.plausible_max}

    @model_validator(mode="after")
    def _text_variables_are_benchmark(self) -> "Source":
        if self.text_variables and self.kind != "benchmark":
            raise ValueError("text_variables gäller bara kind: benchmark; ta bort det eller ändra kind")
        return self

    @model_validator(mode="after")
    def _transactions_are_loans(self) -> "Source":
        if self.layout == "transactions" and self.kind != "loans":
            raise ValueError("layout: transactions gäller bara kind: loans; ändra layout eller kind")
        if self.layout == "wide" and self.kind != "benchmark":
            raise ValueError("layout: wide gäller bara kind: benchmark; ändra layout eller kind")
        if self.kind == "benchmark" and self.layout not in ("wide", "long"):
            raise ValueError("kind: benchmark läses med layout: wide (en kolumn per variabel, som KB:s filer) "
                             "eller long (en rad per värde, som Kolada)")
        return self

    @model_validator(mode="after")
    def _cells_layout(self) -> "Source":
        import re

        if self.layout == "cells" and not self.cells:
            raise ValueError("layout: cells behöver cells: {fält: cell}, t.ex. cells: {visits: B3, year: "
                             "{label: År}}")
        if self.cells and self.layout != "cells":
            raise ValueError("cells gäller bara layout: cells; ange layout: cells eller ta bort cells")
        for fld, ref in self.cells.items():
            if isinstance(ref, str) and not re.fullmatch(r"[A-Za-z]{1,3}[1-9]\d*", ref.strip()):
                raise ValueError(f"cells.{fld}: {ref!r} är ingen celladress; skriv t.ex. B3 eller "
                                 "{label: \"Antal besök\"}")
        return self

    @model_validator(mode="after")
    def _known_fields(self) -> "Source":
        allowed = RAW_FIELDS[self.kind]
        for key in ("columns", "value_labels", "constants", "cells"):
            unknown = sorted(set(getattr(self, key)) - set(allowed))
            if unknown:
                raise ValueError(
                    f"{key}: okända fält {unknown} för kind {self.kind}; tillåtna fält: "
                    + ", ".join(allowed)
                )
        return self

    @field_validator("month_columns", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, dict) else v

    @field_validator("file_year")
    @classmethod
    def _year_group(cls, v: str | None) -> str | None:
        import re

        if v is None:
            return v
        try:
            rx = re.compile(v)
        except re.error as exc:
            raise ValueError(f"ogiltigt reguljärt uttryck ({exc}); t.ex. \"besok_(?P<year>\\d{{4}})\"") from None
        if "year" not in rx.groupindex:
            raise ValueError("uttrycket behöver en grupp (?P<year>…), t.ex. \"_(?P<year>\\d{4})\\.xlsx$\"")
        return v

    @model_validator(mode="after")
    def _grain_for_counts(self) -> "Source":
        if self.grain is not None and self.kind not in ("loans", "visits"):
            raise ValueError("grain gäller bara kind: loans och visits; ta bort nyckeln")
        if self.grain == "day" and self.kind == "loans":
            raise ValueError("utlån lagras per månad eller grövre: ange grain: month, quarter eller year")
        if self.locale is not None:
            from babel import Locale, UnknownLocaleError

            try:
                Locale.parse(self.locale.replace("-", "_"))
            except (UnknownLocaleError, ValueError):
                raise ValueError(f"okänt språk locale: {self.locale!r}; ange en språkkod som de, fi, "
                                 "nb, da eller en") from None
        return self

    @model_validator(mode="after")
    def _counter_mode_for_visits(self) -> "Source":
        if self.kind == "visits" and self.counter_mode is None:
            raise ValueError(
                "besöksfiler behöver counter_mode: in (räknar bara in), in_out (in och ut, delas "
                "med 2) eller cumulative (mätarställning, differenser tas)"
            )
        if self.kind != "visits" and self.counter_mode is not None:
            raise ValueError("counter_mode gäller bara kind: visits; ta bort nyckeln")
        return self


class SourcesFile(_Model):
    sources: list[Source]

    @model_validator(mode="after")
    def _unique_ids(self) -> "SourcesFile":
        ids = [s.id for s in self.sources]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"käll-id {sorted(dup)} finns flera gånger; ge varje källa ett eget id")
        return self


# --------------------------------------------------------------------------- settings.yaml
class Settings(_Model):
    """``data/settings.yaml``: paths are relative to the folder the file is in."""

    data_dir: str = "sample"
    store_url: str = "sqlite:///bibplan.sqlite"

    @field_validator("store_url")
    @classmethod
    def _known_scheme(cls, v: str) -> str:
        if not (v.startswith("sqlite:") or v.startswith("postgresql")):
            raise ValueError("store_url ska börja med sqlite:/// eller postgresql://")
        return v


M = TypeVar("M", bound=BaseModel)


def _key_path(loc: tuple[Any, ...], raw: Any) -> str:
    """Turn a pydantic location into a readable key path: ``units[3].aliases[0].valid_to``,
    naming list items by their ``id`` where they have one."""
    out = ""
    node = raw
    for part in loc:
        if isinstance(part, int):
            label = f"[{part}]"
            if isinstance(node, list) and part < len(node) and isinstance(node[part], dict):
                ident = node[part].get("id") or node[part].get("name")
                if ident:
                    label = f"[{part}] ({ident})"
            out += label
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


def _swedish(e: dict[str, Any]) -> str:
    """One pydantic error as a Swedish sentence that says what to write instead."""
    kind, ctx, given = e["type"], e.get("ctx", {}), e.get("input")
    shown = f" (står {given!r})" if not isinstance(given, (dict, list)) and given is not None else ""
    messages = {
        "missing": "nyckeln saknas; lägg till den",
        "extra_forbidden": "okänd nyckel; kontrollera stavningen eller ta bort den",
        "literal_error": f"otillåtet värde{shown}; tillåtna värden: {str(ctx.get('expected', '')).replace(' or ', ' eller ')}",
        "string_pattern_mismatch": f"ogiltigt id{shown}; använd bara a-z, 0-9 och _ (inga mellanslag eller å/ä/ö)",
        "date_from_datetime_parsing": f"ogiltigt datum{shown}; skriv datum som ÅÅÅÅ-MM-DD",
        "date_parsing": f"ogiltigt datum{shown}; skriv datum som ÅÅÅÅ-MM-DD",
        "date_type": f"ogiltigt datum{shown}; skriv datum som ÅÅÅÅ-MM-DD",
        "float_parsing": f"ska vara ett tal{shown}; skriv t.ex. 12 eller 4.5 (punkt som decimaltecken)",
        "float_type": f"ska vara ett tal{shown}",
        "int_parsing": f"ska vara ett heltal{shown}",
        "int_from_float": f"ska vara ett heltal{shown}",
        "int_type": f"ska vara ett heltal{shown}",
        "bool_parsing": f"ska vara true eller false{shown}",
        "string_type": f"ska vara text{shown}",
        "list_type": f"ska vara en lista{shown}; skriv [a, b] eller en rad per värde med -",
        "dict_type": f"ska vara en uppsättning nycklar (nyckel: värde){shown}",
        "model_type": f"ska vara en uppsättning nycklar (nyckel: värde){shown}",
        "greater_than_equal": f"ska vara minst {ctx.get('ge')}{shown}",
        "less_than_equal": f"får vara högst {ctx.get('le')}{shown}",
        "greater_than": f"ska vara större än {ctx.get('gt')}{shown}",
    }
    if kind in messages:
        return messages[kind]
    return e["msg"].removeprefix("Value error, ")  # our own validators write Swedish already


#: Union branch tags pydantic puts in error locations (``sheet.str``, ``sheet.int``).
_UNION_TAGS = {"str", "int", "float", "bool", "none", "date", "function-after[_unique_ids(), UnitsFile]"}


def parse_model(model: type[M], raw: Any, file: Path | str) -> M:
    """Validate ``raw`` (parsed YAML) as ``model``; raise :class:`ConfigError` naming key and fix."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors: list[tuple[str, str]] = []
        for e in exc.errors():
            loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and (p in _UNION_TAGS or "[" in p)))
            item = (_key_path(loc, raw), _swedish(e))
            if item not in errors and not any(k == item[0] for k, _ in errors):
                errors.append(item)
        raise ConfigError(file, errors) from None


def read_yaml(path: Path) -> Any:
    if not path.exists():
        raise ConfigError(path, [("", "filen finns inte; skapa den (se README, avsnittet Konfiguration)")])
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"rad {mark.line + 1}, kolumn {mark.column + 1}" if mark else ""
        raise ConfigError(path, [(where, f"ogiltig YAML: {getattr(exc, 'problem', exc)}")]) from None


def load_units(path: Path) -> UnitsFile:
    return parse_model(UnitsFile, read_yaml(path), path)


def load_sources(path: Path) -> SourcesFile:
    return parse_model(SourcesFile, read_yaml(path), path)


def settings_path() -> Path:
    return Path(os.environ.get("BIBPLAN_SETTINGS", REPO_DATA / "settings.yaml"))


def load_settings(path: Path | None = None) -> Settings:
    path = path or settings_path()
    if not path.exists():
        return Settings()
    return parse_model(Settings, read_yaml(path), path)


def data_dir(settings: Settings | None = None, path: Path | None = None) -> Path:
    """The configured data directory (default: the bundled sample).  Env BIBPLAN_DATA_DIR wins."""
    if env := os.environ.get("BIBPLAN_DATA_DIR"):
        return Path(env)
    settings = settings or load_settings(path)
    return (( path or settings_path()).parent / settings.data_dir).resolve()


def store_url(settings: Settings | None = None, path: Path | None = None) -> str:
    """The store URL.  Env BIBPLAN_STORE_URL wins; relative SQLite paths are relative to data/."""
    if env := os.environ.get("BIBPLAN_STORE_URL"):
        return env
    settings = settings or load_settings(path)
    url = settings.store_url
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url[len(prefix):].startswith("/"):
        url = prefix + str(((path or settings_path()).parent / url[len(prefix):]).resolve())
    return url


#: Canonical fields a source may map (tidy columns plus pre-normalisation fields).
RAW_FIELDS: dict[str, tuple[str, ...]] = {
    "loans": tuple(COLUMNS["loans"])
    + ("unit", "year", "loans", "period", "measure", "date", "type", "borrower", "category"),
    "visits": tuple(COLUMNS["visits"]) + ("unit", "time", "in", "out", "total", "sensor", "year", "month", "period"),
    "events": tuple(COLUMNS["events"]) + ("unit", "time"),
    "opening_hours": tuple(COLUMNS["opening_hours"]) + ("unit",),
    "survey": tuple(COLUMNS["survey"]) + ("unit", "timestamp") + tuple(SURVEY_ITEMS),
    "population": tuple(COLUMNS["population"]) + ("age", "unit"),
    "benchmark": ("area_code", "area_name", "year", "variable", "label", "value", "gender"),
}
assert set(RAW_FIELDS) == set(KINDS)
