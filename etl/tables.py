"""The tidy tables: one documented long table per source kind.

These column lists are the contract between the ETL (which produces them), the store (which keeps
them) and ``goals/`` (which computes indicators from them).  Every stored row also carries the
trace columns in :data:`TRACE_COLUMNS`, so it can be followed back to the file, sheet and Excel row
it came from.

Dtypes: dates are ``datetime64[s]`` (pandas 3 is not nanosecond by default), identifiers and
labels are ``category`` where they are used as filters, counts are ``Int64`` (nullable), measured
values that may be missing (a counter outage) are ``float64`` with NaN meaning *missing*, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import pandas as pd

from etl.grain import frame_grain, frame_period_end

#: Kinds of source data, in the order they are loaded and shown.
KINDS: tuple[str, ...] = ("loans", "visits", "events", "opening_hours", "survey", "population", "benchmark")

#: Swedish display names of the kinds.
KIND_LABELS_SV: dict[str, str] = {
    "loans": "Utlån",
    "visits": "Besök",
    "events": "Arrangemang",
    "opening_hours": "Öppettider",
    "survey": "Enkät",
    "population": "Befolkning",
    "benchmark": "Jämförelsedata",
}

#: Columns that trace a stored row to its origin (added by the pipeline, kept by the store).
TRACE_COLUMNS: tuple[str, ...] = ("load_id", "source_file", "source_sheet", "source_row")

#: Canonical columns per kind: name -> dtype.  Grain (the key that must be unique) in GRAIN.
COLUMNS: dict[str, dict[str, str]] = {
    # One row per unit x month x media type x audience x genre.
    "loans": {
        "month": "datetime64[s]",  # first day of the month
        "unit_id": "category",
        "media_type": "category",  # bok, ljudbok, talbok, e-media, musik, film, spel, tidskrift, ovrigt
        "audience": "category",  # barn (0-12), unga (13-17), vuxna -- decided by the item, as KB Barn03
        "genre": "category",  # skonlitteratur, facklitteratur, ej_angivet
        "initial_loans": "Int64",  # KB Inilan199
        "renewals": "Int64",  # KB Omlan299; loans (Utlan399) = initial_loans + renewals
        "period_end": "datetime64[s]",  # last day the row covers (month: month end; year: 31 Dec)
        "grain": "category",  # month, quarter or year (see etl.grain)
    },
    # One row per unit x period (a day for door counters, a month, quarter or year for totals).
    # NaN visits = missing (counter outage), never 0.
    "visits": {
        "date": "datetime64[s]",  # first day of the period
        "unit_id": "category",
        "visits": "float64",  # physical visits (KB Besok01), already halved for in+out counters
        "estimated": "bool",  # True for estimated values (bookmobile sample weeks)
        "period_end": "datetime64[s]",  # last day the row covers (a day: the day itself)
        "grain": "category",  # day, month, quarter or year (see etl.grain)
    },
    # One row per event occasion (KB counts occasions; participants are our own addition).
    "events": {
        "date": "datetime64[s]",
        "unit_id": "category",
        "title": "str",
        "kb_category": "Int64",  # 101..120 (KB Publ1xx); children/youth is target_group
        "target_group": "category",  # barn, unga, vuxna, alla
        "participants": "Int64",  # nullable: not every occasion is counted
        "partner": "str",  # nullable: empty = no partner
    },
    # Weekly schedule per unit, valid from a date until the next valid_from for the same unit.
    "opening_hours": {
        "unit_id": "category",
        "valid_from": "datetime64[s]",
        "weekday": "Int64",  # 1 = måndag .. 7 = söndag
        "service": "category",  # bemannad, meroppet
        "opens": "str",  # "HH:MM"
        "closes": "str",  # "HH:MM"
        "hours": "float64",  # closes - opens, in hours
    },
    # One row per respondent x item.  NaN value = "Vet ej"/"Ej aktuellt" (missing, never 0).
    "survey": {
        "wave": "Int64",  # year of the survey wave
        "respondent_id": "str",  # unique within a wave (pseudonymous)
        "unit_id": "category",
        "age_group": "category",  # e.g. "0-17", "18-29", "30-49", "50-64", "65-", "okand"
        "item": "category",  # see SURVEY_ITEMS
        "value": "float64",
        "scale_max": "Int64",  # 5 or 10
    },
    # Inhabitants per district x age band x year (reference date 31 December of the year).
    "population": {
        "year": "Int64",
        "district": "category",
        "age_from": "Int64",
        "age_to": "Int64",  # inclusive; NA = open band ("100+")
        "population": "Int64",
    },
    # Published statistics of many municipalities (KB, Kolada): area x year x variable x gender.
    "benchmark": {
        "year": "Int64",
        "area_code": "category",  # "0380" (kommun), "01" (län), "00" (riket): normalised, text
        "area_type": "category",  # kommun, lan, riket
        "area_name": "str",
        "variable": "category",  # the publisher's code: KB "Folk146", Kolada "N09801"
        "label": "str",  # the publisher's label of the variable, as in the file
        "gender": "category",  # T (totalt), K (kvinnor), M (män)
        "value": "float64",
        "value_text": "str",  # a text value (text_variables: a municipality group); value is NaN then
    },
}

#: The key at which rows must be unique.
GRAIN: dict[str, tuple[str, ...]] = {
    "loans": ("month", "unit_id", "media_type", "audience", "genre"),
    "visits": ("date", "unit_id"),
    "events": ("date", "unit_id", "title", "kb_category"),
    "opening_hours": ("unit_id", "valid_from", "weekday", "service", "opens"),
    "survey": ("wave", "respondent_id", "item"),
    "population": ("year", "district", "age_from"),
    "benchmark": ("year", "area_code", "variable", "gender"),
}

#: Kinds whose file replaces exactly the stored rows with the same key (:data:`GRAIN`) as its own rows,
#: never a span: a Kolada download with one KPI and a KB file with others for the same municipality
#: and year live side by side, and a value the file does not hold is kept.
REPLACE_EXACT: frozenset[str] = frozenset({"benchmark"})

#: The column a kind's rows belong to (what a re-export replaces per value of, with the period).
UNIT_COLUMN: dict[str, str] = {"population": "district", "benchmark": "area_code"} | {
    k: "unit_id" for k in ("loans", "visits", "events", "opening_hours", "survey")}

#: The period column of each kind (what a corrected re-export replaces).
PERIOD_COLUMN: dict[str, str] = {
    "loans": "month",
    "visits": "date",
    "events": "date",
    "opening_hours": "valid_from",
    "survey": "wave",
    "population": "year",
    "benchmark": "year",
}

MEDIA_TYPES = ("bok", "ljudbok", "talbok", "e-media", "musik", "film", "spel", "tidskrift", "ovrigt")
AUDIENCES = ("barn", "unga", "vuxna")
GENRES = ("skonlitteratur", "facklitteratur", "ej_angivet")
TARGET_GROUPS = ("barn", "unga", "vuxna", "alla")
SERVICES = ("bemannad", "meroppet")

#: Survey items: 1-5 items and the three NKI questions on 1-10.
SURVEY_ITEMS: dict[str, int] = {
    "bemotande": 5,
    "utbud": 5,
    "oppettider": 5,
    "lokaler": 5,
    "hitta": 5,
    "kan_paverka": 5,
    "nki_helhet": 10,
    "nki_forvantningar": 10,
    "nki_ideal": 10,
}

#: Unit register columns (from units.yaml, not from a spreadsheet).
UNIT_COLUMNS: dict[str, str] = {
    "unit_id": "str",
    "name": "str",
    "type": "category",  # huvudbibliotek, stadsdelsbibliotek, bokbuss
    "district": "str",  # NA for units that serve the whole municipality
}


def empty(kind: str) -> pd.DataFrame:
    """An empty tidy table of ``kind`` with the canonical columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in COLUMNS[kind].items()})


def loans_total(loans: pd.DataFrame) -> pd.Series:
    """Loans as KB counts them (Utlan399): initial loans + renewals, a missing count taken as 0.
    The one place the total is computed (anomaly rules, indicators)."""
    return (loans["initial_loans"].astype("Float64").fillna(0)
            + loans["renewals"].astype("Float64").fillna(0)).astype(float)


def conform(kind: str, df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with exactly the canonical columns of ``kind`` (plus any trace columns), cast."""
    out = pd.DataFrame(index=df.index)
    if kind in ("loans", "visits") and len(df) and ("grain" not in df or "period_end" not in df):
        df = df.assign(grain=frame_grain(kind, df), period_end=frame_period_end(kind, df))
    for col, dtype in COLUMNS[kind].items():
        out[col] = df[col].astype(dtype) if col in df else pd.Series(dtype=dtype, index=df.index)
    for col in TRACE_COLUMNS:
        if col in df:
            out[col] = df[col]
    return out.reset_index(drop=True)


@dataclass
class Tables:
    """All tidy tables plus the unit register: what ``goals/`` computes from.

    Built by ``etl.store.read_tables`` from the store, or by hand in tests.  Missing kinds are
    empty tables with the canonical columns.
    """

    units: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(UNIT_COLUMNS)))
    loans: pd.DataFrame = field(default_factory=lambda: empty("loans"))
    visits: pd.DataFrame = field(default_factory=lambda: empty("visits"))
    events: pd.DataFrame = field(default_factory=lambda: empty("events"))
    opening_hours: pd.DataFrame = field(default_factory=lambda: empty("opening_hours"))
    survey: pd.DataFrame = field(default_factory=lambda: empty("survey"))
    population: pd.DataFrame = field(default_factory=lambda: empty("population"))
    benchmark: pd.DataFrame = field(default_factory=lambda: empty("benchmark"))

    def kinds(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in KINDS}
