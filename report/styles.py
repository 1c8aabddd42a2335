"""Fonts, fills and borders of the report, and the status colours.

Arial is used throughout: Excel has it everywhere and LibreOffice substitutes the metric-compatible
Liberation Sans, so column widths and page breaks come out the same in both.  Status is never shown
by colour alone: every status cell also carries its Swedish label.
"""

from __future__ import annotations

from functools import cache

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

FONT_NAME = "Arial"
ACCENT = "1F4E79"  # dark blue: headings and header rows
MUTED = "595959"
GRID = "BFBFBF"

TITLE = Font(name=FONT_NAME, size=16, bold=True, color=ACCENT)
SUBTITLE = Font(name=FONT_NAME, size=12, bold=True, color=ACCENT)
HEADING = Font(name=FONT_NAME, size=11, bold=True, color=ACCENT)
BODY = Font(name=FONT_NAME, size=10)
BOLD = Font(name=FONT_NAME, size=10, bold=True)
NOTE = Font(name=FONT_NAME, size=9, italic=True, color=MUTED)
LINK = Font(name=FONT_NAME, size=10, color=ACCENT, underline="single")
HEADER = Font(name=FONT_NAME, size=10, bold=True, color="FFFFFF")

HEADER_FILL = PatternFill("solid", fgColor=ACCENT)
BAND_FILL = PatternFill("solid", fgColor="F2F2F2")
SECTION_FILL = PatternFill("solid", fgColor="DDEBF7")

THIN = Side(style="thin", color=GRID)
CELL_BORDER = Border(bottom=THIN)
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

PARAGRAPH = Alignment(wrap_text=True, vertical="top")  # running text
WRAP = Alignment(wrap_text=True, vertical="center")  # text in table cells
LEFT = Alignment(horizontal="left", vertical="center")
MIDDLE = Alignment(vertical="center")
CENTER = Alignment(horizontal="center", vertical="center")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")

#: status code -> (fill colour, font colour).  The codes and order follow ``goals.status``.
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "uppnatt": ("C6EFCE", "006100"),
    "delvis": ("FFEB9C", "7F4F00"),
    "ej_uppnatt": ("FFC7CE", "9C0006"),
    "osakert": ("F8EAF2", "8A3D6B"),
    "ingen_data": ("E7E6E6", "404040"),
    "inget_mal": ("DDEBF7", "1F4E79"),
}
#: Chart colours: the value line/bars and the target line.
SERIES_COLOUR = "1F4E79"
TARGET_COLOUR = "C00000"
HIGHLIGHT_COLOUR = "ED7D31"


@cache
def status_fill(status: str) -> PatternFill:
    fill, _ = STATUS_COLOURS.get(status, STATUS_COLOURS["ingen_data"])
    return PatternFill("solid", fgColor=fill)


@cache
def status_font(status: str, bold: bool = True) -> Font:
    _, colour = STATUS_COLOURS.get(status, STATUS_COLOURS["ingen_data"])
    return Font(name=FONT_NAME, size=10, bold=bold, color=colour)
