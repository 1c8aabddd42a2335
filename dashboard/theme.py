"""One colour scheme for the whole app: status colours, icons and marker shapes, chart colours.

Status colours come from the Okabe–Ito palette (distinguishable with the common colour-vision
deficiencies) and every status also has its own icon and marker shape, so colour is never the only
carrier of meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

STATUSES: tuple[str, ...] = ("uppnatt", "delvis", "ej_uppnatt", "osakert", "ingen_data", "inget_mal")
#: The statuses a goal can have (``osakert`` and ``inget_mal`` only apply to indicators).
GOAL_STATUSES: tuple[str, ...] = ("uppnatt", "delvis", "ej_uppnatt", "ingen_data")


@dataclass(frozen=True)
class StatusStyle:
    colour: str  # fill / marker colour
    text: str  # a darker shade for text on white (contrast >= 4.5:1)
    background: str  # a light tint for card backgrounds
    icon: str  # shown next to the label
    symbol: str  # plotly marker symbol


STATUS_STYLE: dict[str, StatusStyle] = {
    "uppnatt": StatusStyle("#009E73", "#00694D", "#E3F4EE", "✓", "circle"),
    "delvis": StatusStyle("#E69F00", "#8A5A00", "#FCF1D9", "◐", "diamond"),
    "ej_uppnatt": StatusStyle("#D55E00", "#A23F00", "#FBE6DA", "✗", "x"),
    "osakert": StatusStyle("#CC79A7", "#8A3D6B", "#F8EAF2", "?", "diamond-open"),
    "ingen_data": StatusStyle("#8C8C8C", "#595959", "#F0F0F0", "–", "circle-open"),
    "inget_mal": StatusStyle("#56B4E9", "#1F5F86", "#E6F3FB", "○", "square"),
}

#: Series colours used in every chart.
VALUE = "#1F4E79"  # this year / the value
VALUE_LIGHT = "#9DB9D5"  # earlier years, other units
PREVIOUS = "#7F8C99"  # last year
TARGET = "#3B3B3B"  # target line (dashed)
GRID = "#E6E9ED"
FONT = "Inter, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def status_style(status: str | None) -> StatusStyle:
    return STATUS_STYLE.get(status or "ingen_data", STATUS_STYLE["ingen_data"])
