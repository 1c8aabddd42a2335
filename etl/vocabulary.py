"""The built-in vocabulary (``etl/vocabulary.yaml``) and the text normalisation used to match it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.yaml")
_SPACES = re.compile(r"\s+")
_FOLD = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2013": "-", "\u2014": "-",
                       # invisible characters exports carry: zero-width (no-)joiners and spaces, BOM, soft hyphen
                       "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None,
                       "\u00ad": None})


@lru_cache(maxsize=1 << 16)
def _norm_text(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _SPACES.sub(" ", text).strip().casefold().rstrip(":").strip()


def norm(value: Any) -> str:
    """Fold a header, label or unit name for matching and for duplicate detection: Unicode
    compatibility form, case folded, no diacritics, every kind of whitespace one space, invisible
    characters removed, stripped."""
    return _norm_text(value if isinstance(value, str) else str(value))


@dataclass(frozen=True)
class Vocabulary:
    headers: dict[str, dict[str, str]]  # kind -> {normalised header: field}
    personal_data: frozenset[str]
    totals: frozenset[str]
    outage: frozenset[str]
    months: dict[str, int]
    weekdays: dict[str, int]
    value_labels: dict[str, dict[str, Any]]  # field -> {normalised label: value}
    likert_missing: frozenset[str]
    likert: dict[int, dict[str, int]]  # scale max -> {normalised label: value}


def _variants(mapping: dict[Any, list[str]]) -> dict[str, Any]:
    return {norm(v): key for key, variants in mapping.items() for v in variants}


@cache
def vocabulary() -> Vocabulary:
    raw = yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8"))
    common = _variants(raw["headers"]["common"])
    headers = {
        kind: {**common, **_variants(fields)}
        for kind, fields in raw["headers"].items()
        if kind != "common"
    }
    return Vocabulary(
        headers=headers,
        personal_data=frozenset(norm(h) for h in raw["personal_data_headers"]),
        totals=frozenset(norm(h) for h in raw["totals_labels"]),
        outage=frozenset(norm(h) for h in raw["outage_labels"]),
        months=_variants(raw["months"]),
        weekdays=_variants(raw["weekdays"]),
        value_labels={f: {norm(k): v for k, v in m.items()} for f, m in raw["value_labels"].items()},
        likert_missing=frozenset(norm(h) for h in raw["likert"]["missing"]),
        likert={int(k): {norm(lbl): v for lbl, v in m.items()} for k, m in raw["likert"].items() if k != "missing"},
    )
