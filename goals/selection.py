"""Unit selections: the whole organisation, one unit or a unit type.

A *selection* is the whole organisation (``"ALLA"``, also ``None``), one unit (its id) or a unit
type (``"typ:stadsdelsbibliotek"``, ``"typ:huvudbibliotek"``, ``"typ:bokbuss"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ORGANISATION = "ALLA"
ORGANISATION_NAME_SV = "Hela organisationen"
TYPE_PREFIX = "typ:"
TYPE_LABELS_SV = {"huvudbibliotek": "Huvudbibliotek", "stadsdelsbibliotek": "Stadsdelsbibliotek", "bokbuss": "Bokbussar"}

NOTE_WHOLE_CITY = "betjänar hela kommunen: inget eget upptagningsområde, inget värde per invånare"


@dataclass(frozen=True)
class Selection:
    """The units a value is computed over."""

    key: str  # "ALLA", a unit id or "typ:<type>"
    name: str
    type: str  # unit type ("" for the organisation)
    rows: np.ndarray = field(compare=False, hash=False)  # row indices in the grid
    whole: bool = False  # the whole organisation

    @property
    def index(self) -> slice | np.ndarray:
        """``rows`` as a slice when they are contiguous (a view, no copy when summing)."""
        r = self.rows
        if len(r) and r[-1] - r[0] + 1 == len(r):
            return slice(int(r[0]), int(r[-1]) + 1)
        return r

