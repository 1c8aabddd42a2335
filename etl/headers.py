"""Recognise columns: which header holds which canonical field.

Headers are matched against the built-in variants in ``etl/vocabulary.yaml`` (case-, whitespace-
and diacritics-insensitive); a source's ``columns`` mapping overrides them.  Personal-data columns
are recognised here so that they are dropped before any value is looked at.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from etl.config import Source
from etl.parse import parse_month
from etl.problems import Problem
from etl.read import RawSheet
from etl.vocabulary import norm, vocabulary

#: Swedish names of the fields, for messages.
FIELD_LABELS_SV: dict[str, str] = {
    "unit": "enhet", "unit_id": "enhets-id", "date": "datum", "month": "månad", "year": "år",
    "period": "period", "media_type": "medietyp", "audience": "målgrupp (barn/unga/vuxna)",
    "genre": "genre", "initial_loans": "nylån", "renewals": "omlån", "loans": "utlån",
    "measure": "mått", "type": "transaktionstyp", "borrower": "låntagarnummer",
    "category": "låntagarkategori", "time": "tid", "in": "in-passager", "out": "ut-passager",
    "total": "totalt/mätarställning", "visits": "besök", "sensor": "sensor",
    "estimated": "uppskattat", "title": "arrangemang", "kb_category": "KB-kategori",
    "target_group": "målgrupp", "participants": "antal deltagare", "partner": "samarbetspartner",
    "valid_from": "gäller från", "weekday": "veckodag", "service": "service (bemannad/meröppet)",
    "opens": "öppnar", "closes": "stänger", "wave": "våg/år", "respondent_id": "respondent",
    "timestamp": "tidstämpel", "age_group": "åldersgrupp", "district": "stadsdel",
    "age": "ålder", "age_from": "ålder från", "age_to": "ålder till", "population": "antal invånare",
}

_PERSONNUMMER = re.compile(r"^(19|20)?\d{6}[-+]?\d{4}$")


@dataclass
class ColumnMap:
    fields: dict[str, int] = field(default_factory=dict)  # field -> column index
    unrecognised: list[int] = field(default_factory=list)  # column indexes no field claimed
    dropped: list[int] = field(default_factory=list)  # personal-data columns (never read further)
    problems: list[Problem] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.fields


def map_columns(sheet: RawSheet, kind: str, source: Source) -> ColumnMap:
    """Map the sheet's headers to fields; drop personal-data columns with a warning."""
    vocab = vocabulary()
    variants = vocab.headers[kind]
    overrides = {norm(header): fld for fld, header in source.columns.items()}
    out = ColumnMap()
    for i, name in enumerate(sheet.names):
        key = norm(name)
        fld = overrides.get(key)
        if fld is None and key in vocab.personal_data and key not in overrides:
            if not (kind == "loans" and source.layout == "transactions" and variants.get(key) == "borrower"):
                out.dropped.append(i)
                out.problems.append(_personal(sheet, name, "kolumnen innehåller personuppgifter"))
                continue
        if fld is None and key not in overrides:
            fld = variants.get(key)
        if fld is None or fld in out.fields or fld in source.columns and norm(source.columns[fld]) != key:
            out.unrecognised.append(i)
            continue
        out.fields[fld] = i
    # Personnummer-like values in a column nobody claimed: drop that column too.
    for i in list(out.unrecognised):
        values = [v for v in sheet.columns[i][:200] if isinstance(v, str) and v.strip()]
        if values and sum(bool(_PERSONNUMMER.match(v.strip())) for v in values) >= max(1, len(values) // 2):
            out.unrecognised.remove(i)
            out.dropped.append(i)
            out.problems.append(_personal(sheet, sheet.names[i], "kolumnen innehåller personnummer"))
    # A header the source names explicitly must be there: never fall back silently (a renamed
    # "Antal deltagare" would otherwise load as empty and replace good data).
    for fld, header in source.columns.items():
        if fld not in out.fields:
            out.problems.append(configured_column_missing(sheet, fld, header))
    return out


def configured_column_missing(sheet: RawSheet, fld: str, header: str) -> Problem:
    """Error for a header that sources.yaml names for ``fld`` but the file lacks."""
    found = [n for n in sheet.names if n]
    by_norm = {norm(n): n for n in found}
    close = difflib.get_close_matches(norm(header), list(by_norm), n=1, cutoff=0.5)
    label = FIELD_LABELS_SV.get(fld, fld)
    msg = (f"Kolumnen {header!r} ({label}) som sources.yaml anger finns inte i filen. "
           f"Hittade kolumner: {', '.join(found) or '(inga)'}.")
    if close:
        msg += (f" Närmast är {by_norm[close[0]]!r}: rätta rubriken i exporten, eller ändra "
                f"columns: {{{fld}: \"{by_norm[close[0]]}\"}} i sources.yaml om exporten har bytt rubrik.")
    else:
        msg += " Rätta rubriken i exporten eller ändra columns i sources.yaml."
    return Problem("fel", "missing_column", msg, file=sheet.file, sheet=sheet.sheet,
                   row=sheet.header_row, column=header)


def _personal(sheet: RawSheet, name: str, why: str) -> Problem:
    return Problem(
        "varning", "personal_data",
        f"Kolumnen {name!r} togs bort ({why}) och sparas inte. Ta bort den ur exporten framöver.",
        file=sheet.file, sheet=sheet.sheet, row=sheet.header_row, column=name,
    )


def _suggest(found: list[str], kind: str, fields: tuple[str, ...]) -> list[str]:
    """The header most likely meant for ``fields``, as ``[normalised header]`` (or ``[]``).

    The vocabulary first: a header holding one of the field's known variants as a word (``Library
    Branch`` for unit), from any kind's vocabulary; only then string distance, to the variants and
    to the Swedish field name.  Month headers ("MARCH", "2024-01") are never suggested for another
    field: in a wide sheet they are the values, not a misspelt unit column."""
    vocab = vocabulary()
    variants = {v for table in vocab.headers.values() for v, f in table.items() if f in fields}
    month_fields = {"month", "period", "date"} & set(fields)
    candidates = [norm(n) for n in found if month_fields or parse_month(n) is None]
    for c in candidates:
        words = set(re.split(r"[\s_\-/]+", c))
        if c in variants or words & variants:
            return [c]
    for v in sorted(variants):
        close = difflib.get_close_matches(v, candidates, n=1, cutoff=0.75)
        if close:
            return close
    return difflib.get_close_matches(norm(FIELD_LABELS_SV.get(fields[0], fields[0])), candidates, n=1, cutoff=0.5)


def missing_column(sheet: RawSheet, kind: str, fld: str, alternatives: tuple[str, ...] = ()) -> Problem:
    """Error for a required field no header matched: list the headers found, suggest the closest."""
    found = [n for n in sheet.names if n]
    close = _suggest(found, kind, (fld, *alternatives))
    by_norm = {norm(n): n for n in found}
    label = FIELD_LABELS_SV.get(fld, fld)
    alt = "".join(f" eller {FIELD_LABELS_SV.get(a, a)}" for a in alternatives)
    msg = f"Kolumn för {label}{alt} saknas. Hittade kolumner: {', '.join(found) or '(inga)'}."
    if close:
        msg += (f" Närmast är {by_norm[close[0]]!r}: om den avses, lägg till "
                f"columns: {{{fld}: \"{by_norm[close[0]]}\"}} under källan i sources.yaml.")
    else:
        msg += f" Lägg till kolumnen i exporten eller ange columns: {{{fld}: \"rubrik\"}} i sources.yaml."
    return Problem("fel", "missing_column", msg, file=sheet.file, sheet=sheet.sheet,
                   row=sheet.header_row, column=label)
