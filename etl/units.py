"""Unit names in exports -> unit ids, honouring alias validity dates (renamed units)."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.config import UnitsFile
from etl.spans import day_runs, month_runs
from etl.tables import UNIT_COLUMNS
from etl.vocabulary import norm


@dataclass(frozen=True)
class _Name:
    unit_id: str
    shown: str  # the name as written in units.yaml
    valid_from: dt.date | None
    valid_to: dt.date | None

    def valid_on(self, day: np.datetime64) -> bool:
        if np.isnat(day):
            return self.valid_from is None and self.valid_to is None
        d = day.astype("datetime64[D]").item()
        return (self.valid_from is None or d >= self.valid_from) and (self.valid_to is None or d <= self.valid_to)


class UnitIndex:
    """Look up unit ids by id, name or alias (case/diacritics-insensitive)."""

    def __init__(self, units: UnitsFile):
        self.units = units
        self.names: dict[str, list[_Name]] = {}
        self.current: dict[str, str] = {u.id: u.name for u in units.units}
        for u in units.units:
            self._add(u.name, u.id, None, None)
            for a in u.aliases:
                self._add(a.name, u.id, a.valid_from, a.valid_to)
            self._add(u.id, u.id, None, None)

    def _add(self, name: str, unit_id: str, start: dt.date | None, end: dt.date | None) -> None:
        entries = self.names.setdefault(norm(name), [])
        if not any(e.unit_id == unit_id and e.valid_from == start and e.valid_to == end for e in entries):
            entries.append(_Name(unit_id, name, start, end))

    def lookup(self, values: list, days: np.ndarray) -> tuple[np.ndarray, dict[int, str]]:
        """-> (unit ids as object array with None for failures, {row index: Swedish message})."""
        out = np.empty(len(values), dtype=object)
        errors: dict[int, str] = {}
        undated: dict[str, tuple[str | None, str]] = {}  # names whose meaning does not depend on the date
        cache: dict[tuple[str, np.datetime64], tuple[str | None, str]] = {}
        for i, (v, d) in enumerate(zip(values, days)):
            text = str(v)
            hit = undated.get(text)
            if hit is None:
                entries = self.names.get(norm(text), [])
                if all(e.valid_from is None and e.valid_to is None for e in entries) and \
                        len({e.unit_id for e in entries}) <= 1:
                    hit = undated[text] = self._one(text, np.datetime64("NaT"))
                else:
                    key = (text, d)
                    if key not in cache:
                        cache[key] = self._one(text, d)
                    hit = cache[key]
            uid, msg = hit
            out[i] = uid
            if uid is None:
                errors[i] = msg
        return out, errors

    def _one(self, value: str, day: np.datetime64) -> tuple[str | None, str]:
        entries = self.names.get(norm(value))
        if not entries:
            close = difflib.get_close_matches(norm(value), list(self.names), n=1, cutoff=0.6)
            hint = ""
            if close:
                e = self.names[close[0]][0]
                hint = f" Menar du {e.shown!r} ({self.current[e.unit_id]})?"
            return None, (f"Okänd enhet {value!r}.{hint} Lägg till namnet som alias under rätt enhet i "
                          "units.yaml, eller rätta namnet i filen.")
        valid = {e.unit_id for e in entries if e.valid_on(day)}
        if len(valid) == 1:
            return valid.pop(), ""
        if len(valid) > 1:
            names = ", ".join(self.current[u] for u in sorted(valid))
            return None, (f"Namnet {value!r} passar flera enheter ({names}) samma datum; "
                          "ge aliasen i units.yaml datum som inte överlappar.")
        return None, self.not_valid_message(value, [day])

    def not_valid_message(self, value: str, days: list[np.datetime64], monthly: bool = False) -> str:
        """Why ``value`` (a name with validity dates) cannot be used on ``days``, in one sentence
        that names when it is valid, when it is used (``sep–dec 2022`` when ``monthly``) and the
        name to use instead: ``'Librum' gäller bara t.o.m. 2022-08-31 men används för sep–dec 2022;
        använd 'Bergsbrunna' …``."""
        entries = self.names.get(norm(value), [])
        units = list(dict.fromkeys(e.unit_id for e in entries))

        def span(e: _Name) -> str:
            if e.valid_from and e.valid_to:
                return f"{e.valid_from} – {e.valid_to}"
            if e.valid_to:
                return f"t.o.m. {e.valid_to}"
            return f"fr.o.m. {e.valid_from}"

        if len(units) == 1:
            ranges = " och ".join(span(e) for e in entries)
        else:
            ranges = " och ".join(f"{span(e)} ({self.current[e.unit_id]})" for e in entries)
        dated = [d for d in days if not np.isnat(d)]
        if not dated:
            used = "men raden saknar datum"
        elif monthly:
            used = f"men används för {month_runs(dated)}"
        else:
            used = f"men används {'den ' if len(set(dated)) == 1 else ''}{day_runs(dated)}"
        instead = (f"använd {self.current[units[0]]!r} för den perioden" if len(units) == 1
                   else "använd enhetens namn för den perioden")
        return f"{value!r} gäller bara {ranges} {used}; {instead}, eller rätta giltighetsdatumen i units.yaml."

    def failure(self, value: str, day: np.datetime64) -> str:
        """Why ``value`` does not resolve on ``day``: ``unknown`` (no such name), ``ambiguous``
        (several units) or ``not_valid`` (the name is not valid that day)."""
        entries = self.names.get(norm(value), [])
        if not entries:
            return "unknown"
        return "ambiguous" if len({e.unit_id for e in entries if e.valid_on(day)}) > 1 else "not_valid"

    def name(self, unit_id: str) -> str:
        """The unit's name in the register (the id itself for an unknown id)."""
        return self.current.get(unit_id, unit_id)


def units_frame(units: UnitsFile) -> pd.DataFrame:
    """The unit register as the ``units`` table (columns of ``etl.tables.UNIT_COLUMNS``)."""
    df = pd.DataFrame({
        "unit_id": [u.id for u in units.units],
        "name": [u.name for u in units.units],
        "type": [u.type for u in units.units],
        "district": [u.district for u in units.units],
    })
    return df.astype({c: t for c, t in UNIT_COLUMNS.items()})
