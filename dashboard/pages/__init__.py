"""The app's pages.  Each module has ``layout(ds, view)`` (the page for a URL) and
``register(app, ds)`` (its callbacks)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    name: str
    path: str
    label_key: str  # i18n key of the navigation label
    action: str | None = None  # the right (dashboard.auth.ACTIONS) the page needs beyond reading


PAGES: tuple[PageInfo, ...] = (
    PageInfo("overview", "/", "nav_overview"),
    PageInfo("goal", "/mal", "nav_goal"),
    PageInfo("units", "/enheter", "nav_units"),
    PageInfo("compare", "/jamforelse", "nav_compare"),
    PageInfo("data", "/data", "nav_data"),
    PageInfo("upload", "/uppladdning", "nav_upload", action="upload"),
    PageInfo("present", "/presentation", "nav_present"),
)
