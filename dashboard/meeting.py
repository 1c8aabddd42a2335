"""The meeting's building blocks, shared by the overview cards, the goal page and the presentation:
why a goal has its status (deciding indicators, worst first, with the reason in words), the change
breakdown of an indicator, the status trail and the actions list."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html

from dashboard import theme
from dashboard.components import status_badge
from dashboard.formatting import fmt_date, fmt_datetime
from goals.actions import OPEN_STATES, state_label
from goals.breakdown import Breakdown
from goals.explain import DECIDING, ranked
from report.explain import DIMENSION_LABELS, num, part_label, reason

TEXT: dict[str, dict[str, str]] = {
    "why": {"sv": "Därför {status}", "en": "Why {status}"},
    "why_none": {"sv": "Inga indikatorer bedömda", "en": "No indicator judged"},
    "breakdown": {"sv": "Vad förklarar förändringen mot föregående år?", "en": "What explains the change on last year?"},
    "breakdown_none": {"sv": "Ingen uppdelning: {reason}.", "en": "No breakdown: {reason}."},
    "part": {"sv": "Del", "en": "Part"},
    "contribution": {"sv": "Bidrag", "en": "Contribution"},
    "part_change": {"sv": "Egen förändring", "en": "Own change"},
    "total": {"sv": "Summa = förändringen", "en": "Total = the change"},
    "trail": {"sv": "Statushistorik", "en": "Status history"},
    "actions": {"sv": "Åtgärder att följa upp", "en": "Actions to follow up"},
    "no_actions": {"sv": "Inga åtgärder för perioden.", "en": "No actions for the period."},
    "owner": {"sv": "Ansvarig", "en": "Owner"},
    "due": {"sv": "Klart senast", "en": "Due"},
    "state": {"sv": "Läge", "en": "State"},
    "goal": {"sv": "Mål", "en": "Goal"},
    "action": {"sv": "Åtgärd", "en": "Action"},
    "since": {"sv": "sedan {period}", "en": "since {period}"},
    "changed_by": {"sv": "{author} {time}", "en": "{author} {time}"},
}

PERIOD_SHORT = {"T1": "T1", "T2": "T2", "helar": "Helår"}
PERIOD_SHORT_EN = {"T1": "T1", "T2": "T2", "helar": "Year"}


def tx(key: str, lang: str = "sv", **kw: Any) -> str:
    entry = TEXT[key]
    return entry.get(lang, entry["sv"]).format(**kw)


def indicator_name(plan: Any, indicator_id: str, lang: str) -> str:
    ind = plan.indicator(indicator_id)
    return ind.name_en if lang == "en" else ind.name_sv


def why_items(rows: pd.DataFrame, goal_status: str, plan: Any, lang: str, limit: int = 3) -> list[tuple[str, str, str]]:
    """(status, indicator name, reason) of the indicators that decide the goal's status, worst first."""
    r = ranked(rows, goal_status)
    r = r[r["decides"]]
    return [(str(x["status"]), indicator_name(plan, str(x["indicator_id"]), lang), reason(x, lang))
            for _, x in r.head(limit).iterrows()]


def why_block(rows: pd.DataFrame, goal_status: str, plan: Any, lang: str, limit: int = 3,
              className: str = "why") -> html.Div:
    """``Därför ✗ Ej uppnått:`` then one line per deciding indicator: icon, name, reason."""
    from dashboard.i18n import status_label

    items = why_items(rows, goal_status, plan, lang, limit)
    head = tx("why", lang, status=status_label(goal_status, lang).lower())
    if not items:
        return html.Div([html.Div(head, className="why-head"), html.Div(tx("why_none", lang), className="why-line")],
                        className=className)
    lines = [
        html.Li([html.Span(theme.status_style(s).icon, className=f"why-icon status-text-{s}", **{"aria-hidden": "true"}),
                 html.B(name), ": ", html.Span(text)], className="why-line")
        for s, name, text in items
    ]
    return html.Div([html.Div(head + ":", className="why-head"), html.Ul(lines, className="why-list")],
                    className=className, **{"data-status": goal_status})


def breakdown_block(bd: Breakdown, decimals: int, lang: str, unit_names: dict[str, str], most: int = 5) -> html.Div:
    """Per dimension a small table: the parts with the largest contributions, the rest summed, and
    the total (= the indicator's change)."""
    if bd.reason:
        return html.Div(tx("breakdown_none", lang, reason=bd.reason), className="breakdown-none")
    decimals += 2 if bd.denominator_kind else 0  # a rate's parts are small: show two more decimals
    tables = []
    for dim in bd.dimensions:
        df = bd.dimension(dim)
        shown, rest = df.head(most), df.iloc[most:]
        body = []
        for _, r in shown.iterrows():
            pct = r["change_pct"]
            body.append(html.Tr([
                html.Td(part_label(dim, str(r["part"]), lang, unit_names, bd.denominator_kind)),
                html.Td(_bar(float(r["contribution"]), float(df["contribution"].abs().max() or 1)), className="bar-cell"),
                html.Td(_signed(float(r["contribution"]), decimals, lang), className="num"),
                html.Td("" if pct != pct else _signed(float(pct), 0, lang) + "\u00a0%", className="num muted"),
            ]))
        if len(rest):
            body.append(html.Tr([html.Td(("övriga {n}" if lang == "sv" else "other {n}").format(n=len(rest))), html.Td(""),
                                 html.Td(_signed(float(rest["contribution"].sum()), decimals, lang), className="num"),
                                 html.Td("")]))
        body.append(html.Tr([html.Td(tx("total", lang)), html.Td(""),
                             html.Td(_signed(bd.total_change, decimals, lang), className="num"), html.Td("")],
                            className="total"))
        head = html.Tr([html.Th(DIMENSION_LABELS.get(dim, (dim, dim))[1 if lang == "en" else 0]), html.Th(""),
                        html.Th(tx("contribution", lang), className="num"),
                        html.Th(tx("part_change", lang), className="num")])
        tables.append(html.Table([html.Thead(head), html.Tbody(body)], className="breakdown-table"))
    return html.Div(tables, className="breakdown")


def _bar(value: float, scale: float) -> html.Div:
    width = f"{min(100.0, abs(value) / scale * 100):.0f}%"
    side = "pos" if value >= 0 else "neg"
    return html.Div(html.Div(className=f"bar {side}", style={"width": width}), className=f"bar-track {side}")


def _signed(value: float, decimals: int, lang: str) -> str:
    text = num(abs(value), decimals, lang)
    if text.strip("0,.") == "":
        return "±" + text
    return ("+" if value > 0 else "−" if lang == "sv" else "-") + text


def trail_block(history: pd.DataFrame, plan: Any, indicators: tuple[str, ...], lang: str,
                years: int = 4) -> html.Div | None:
    """A compact grid: rows = the goal and its indicators, columns = T1, T2, helår of each year."""
    if history.empty:
        return None
    keep = sorted(set(history["year"]))[-years:]
    h = history[history["year"].isin(keep)]
    cols = list(dict.fromkeys(zip(h["year"], h["period"])))
    short = PERIOD_SHORT_EN if lang == "en" else PERIOD_SHORT
    status = {(r.indicator_id, r.year, r.period): r.status for r in h.itertuples(index=False)}
    head = [html.Th("")] + [html.Th([html.Span(str(y), className="trail-year"), html.Br(), short.get(p, p)]) for y, p in cols]
    rows = []
    for ind_id in ("", *indicators):
        name = tx("goal", lang) if ind_id == "" else indicator_name(plan, ind_id, lang)
        cells = [html.Th(name, scope="row", className="trail-name" + (" trail-goal" if ind_id == "" else ""))]
        for y, p in cols:
            s = status.get((ind_id, y, p), "ingen_data")
            from dashboard.i18n import status_label

            cells.append(html.Td(theme.status_style(s).icon, className=f"trail-cell status-{s}",
                                 title=f"{y} {short.get(p, p)}: {status_label(s, lang)}"))
        rows.append(html.Tr(cells))
    return html.Div(html.Table([html.Thead(html.Tr(head)), html.Tbody(rows)], className="trail-table"),
                    className="trail")


def actions_table(actions: list[Any], lang: str, goal_names: dict[str, str] | None = None,
                  compact: bool = False) -> html.Div:
    """The actions: text, (goal), owner, due date, state, and who changed it last and when."""
    if not actions:
        return html.Div(tx("no_actions", lang), className="actions-empty")
    head = [html.Th(tx("action", lang))]
    if goal_names:
        head.append(html.Th(tx("goal", lang)))
    head += [html.Th(tx("owner", lang)), html.Th(tx("due", lang)), html.Th(tx("state", lang))]
    if not compact:
        head.append(html.Th(""))
    rows = []
    for a in actions:
        cells = [html.Td(a.text, className="action-text")]
        if goal_names:
            cells.append(html.Td(goal_names.get(a.goal_id, a.goal_id)))
        cells += [html.Td(a.owner), html.Td(fmt_date(a.due, lang) if a.due else "–", className="nowrap"),
                  html.Td(html.Span(state_label(a.state, lang), className=f"action-state state-{a.state}"))]
        if not compact:
            cells.append(html.Td(tx("changed_by", lang, author=a.author, time=fmt_datetime(a.saved_at, lang)),
                                 className="muted small"))
        rows.append(html.Tr(cells, className="open" if a.state in OPEN_STATES else "closed"))
    return html.Div(html.Table([html.Thead(html.Tr(head)), html.Tbody(rows)], className="actions-table"),
                    className="actions")


__all__ = ["DECIDING", "actions_table", "breakdown_block", "status_badge", "trail_block", "tx", "why_block", "why_items"]
