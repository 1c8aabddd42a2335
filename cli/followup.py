"""``bibplan goals`` and ``bibplan values``: the goal model on the command line.

Both read the goals file ``biblioteksplan.yaml`` from the configured data directory and, for
``values``, the loaded data from the store; they call the same ``goals`` functions as the app.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from cli.errors import CliError
from dashboard.formatting import NBSP, fmt_change, fmt_number, fmt_range, fmt_value, is_missing
from etl.config import ConfigError, data_dir, store_url
from goals import STATUS_LABELS_SV, Plan, load_plan, parse_period
from goals.describe import describe_definition
from goals.plan import Indicator

STATUS_STYLE = {"uppnatt": "green", "delvis": "yellow", "ej_uppnatt": "red", "osakert": "magenta", "ingen_data": "dim",
                "inget_mal": "dim"}
COLUMNS_SV = (
    "Mål", "Indikator", "Enhet", "Värde", "Föreg. år", "Förändring", "Mål för perioden", "Status",
    "Helårsprognos", "Helårs­mål", "Prognos mot helårsmål", "n", "95 % intervall", "Not",
)
#: Columns holding numbers: right-aligned and never wrapped.
NUMERIC_SV = frozenset({"Värde", "Föreg. år", "Förändring", "Mål för perioden", "Helårsprognos", "Helårs\u00admål", "n",
                        "95 % intervall"})
#: ``values --format csv``: one raw column per quantity (dot decimals, no thousands separator), so the
#: file can be pivoted.  Percent indicators are in percent (0–100, ``unit_label`` "%").
CSV_COLUMNS = (
    "goal_id", "goal_name", "indicator_id", "indicator_name", "unit_id", "unit_name", "period_start", "period_end",
    "value", "previous", "change", "change_kind", "change_pct", "target", "target_kind", "target_change_pct",
    "target_full_year", "status", "status_basis", "status_reason", "forecast", "forecast_low", "forecast_high",
    "forecast_status", "forecast_reason", "n", "ci_low", "ci_high", "unit_label", "decimals", "note",
)



def _console() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=max(console.width, 200))
    return console


def num(x: float, decimals: int = 0, signed: bool = False) -> str:
    """Swedish number as the app and the report write it (``1 234 567``, ``4,2``; halves round up;
    non-breaking spaces, so a number never wraps); empty for NaN."""
    if is_missing(x):
        return ""
    text = fmt_number(x, decimals)
    if signed and text.strip("0,\u00a0 \u2212-"):
        text = ("+" if x > 0 else "\u2212") + text.lstrip("-\u2212")
    return text.replace("-", "\u2212")


def pct(x: float, decimals: int = 1) -> str:
    s = num(x, decimals, signed=True)
    return f"{s}{NBSP}%" if s else ""


def _with_unit(text: str, unit_label: str) -> str:
    return f"{text}{NBSP}%" if text and unit_label.strip() == "%" else text


def _plan(path: str | None) -> Plan:
    return load_plan(Path(path) if path else data_dir() / "biblioteksplan.yaml")


def _fail(console: Console, message: str) -> None:
    raise CliError(message)


def _target_sv(ind: Indicator, year: int) -> str:
    """``13,0 (delvis ≥ 12,5)``, ``+3,0 % (delvis ≥ 0,0 %)``, ``25 % ± 2 (delvis ± 3)``."""
    t = ind.target(year)
    if t is None:
        return ""
    d = ind.decimals
    if t.level is not None:
        base, unit = t.level, ind.unit
        show = lambda x: _with_unit(num(x, d), unit)  # noqa: E731
    else:
        base, d = float(t.change_pct), 1  # type: ignore[arg-type]
        show = lambda x: pct(x, d)  # noqa: E731
    text = show(base)
    if ind.direction == "closer":
        if t.margin:
            text += f" ± {num(t.margin, d)}"
        return text + (f" (delvis ± {num(t.margin + t.tolerance, d)})" if t.tolerance else "")
    if not t.tolerance:
        return text
    if ind.direction == "higher":
        return f"{text} (delvis ≥ {show(base - t.tolerance)})"
    return f"{text} (delvis ≤ {show(base + t.tolerance)})"


@click.command("goals")
@click.option("--goal-set", default=None, help="Visa bara en målsamling (t.ex. biblioteksplan, uppdragsplan).")
@click.option("--plan", "plan_path", default=None, type=click.Path(dir_okay=False), help="Målfil (standard: biblioteksplan.yaml i datakatalogen).")
def goals_cmd(goal_set: str | None, plan_path: str | None) -> None:
    """Lista mål och indikatorer med definitioner och målvärden."""
    console = _console()
    try:
        plan = _plan(plan_path)
    except ConfigError as exc:
        _fail(console, str(exc))
    sets = [plan.goal_set(goal_set)] if goal_set else list(plan.goal_sets.values())
    years = sorted({y for i in plan.indicators for y in i.targets})[-3:]
    for gs in sets:
        console.rule(f"[bold]{gs.name}[/] ({gs.id})")
        for g in gs.goals:
            table = Table(title=f"{g.name} ({g.id})", title_justify="left", caption=g.description or None,
                          caption_justify="left", expand=False)
            table.add_column("Indikator", overflow="fold", max_width=38)
            table.add_column("Enhet", max_width=20, overflow="fold")
            table.add_column("Riktning", no_wrap=True)
            table.add_column("KB/ISO", max_width=18, overflow="fold")
            table.add_column("Definition", overflow="fold", min_width=40)
            for y in years:
                table.add_column(f"Mål {y}", overflow="fold", max_width=22)
            for ind_id in g.indicators:
                ind = plan.indicator(ind_id)
                direction = {"higher": "högre", "lower": "lägre", "closer": "nära mål"}[ind.direction]
                ref = " / ".join(x for x in (ind.kb_key, ind.iso_code) if x)
                table.add_row(f"{ind.name_sv}\n[dim]{ind.id}[/]", ind.unit, direction, ref,
                              f"{describe_definition(ind)}\n[dim]{ind.description_sv}[/]",
                              *(_target_sv(ind, y) for y in years))
            console.print(table)


def _default_year_period(last) -> tuple[int, str]:
    """The latest tertial (T1, T2, helår) the data covers (``last``: the last day with data)."""
    if last is None:
        return 0, "T2"
    for code in ("helar", "T2", "T1"):
        p = parse_period(last.year, code)
        if p.end <= last.date():
            return last.year, code
    return last.year - 1, "helar"


def _rows(df) -> list[list[str]]:
    """The table's cells: the period value next to the period target, the forecast next to the
    full-year target, changes in procentenheter for percentages (one rule with the app)."""
    rows = []
    for r in df.itertuples(index=False):
        d, unit = int(r.decimals), str(r.unit_label)
        value = lambda x: "" if is_missing(x) else fmt_value(x, d, unit)  # noqa: E731
        interval = fmt_range(r.ci_low, r.ci_high, d, unit)
        forecast = ""
        if not is_missing(r.forecast):
            rng = fmt_range(r.forecast_low, r.forecast_high, d, unit)
            forecast = f"{value(r.forecast)} ({rng})" if rng else value(r.forecast)
        target = value(r.target)
        if r.target_kind == "forandring" and target:
            target = f"{target} ({pct(r.target_change_pct, 1)})"
        change = "" if is_missing(r.change) else fmt_change(r.change, r.change_pct, r.change_kind)
        status = STATUS_LABELS_SV[r.status]
        if r.status_basis == "prognos":
            status += " (prognos)"
        if r.status_reason:  # a status that is not a claim says why
            status += f": {r.status_reason}"
        forecast_status = STATUS_LABELS_SV[r.forecast_status] if r.forecast_status else ""
        if forecast_status and r.forecast_reason:
            forecast_status += f": {r.forecast_reason}"
        rows.append([
            r.goal_name,
            r.indicator_name,
            r.unit_name,
            value(r.value),
            value(r.previous),
            change if change != "–" else "",
            target,
            status,
            forecast,
            value(r.target_full_year) if forecast else "",
            forecast_status,
            num(r.n, 0),
            interval,
            "; ".join(n for n in str(r.note).split("; ") if n not in (r.status_reason, r.forecast_reason)),
        ])
    return rows


def _raw(x: object) -> object:
    """A raw CSV cell: numbers with a dot decimal and no separators, missing as empty."""
    if is_missing(x):
        return ""
    if isinstance(x, float):
        return repr(round(x, 10)).removesuffix(".0") if x == int(x) else repr(round(x, 10))
    return x


@click.command("values")
@click.option("--year", type=int, default=None, help="År (standard: det senaste året med data).")
@click.option("--period", default=None, help="T1, T2, helar, Q1–Q4 eller M01–M12 (standard: senaste tertialen med data).")
@click.option("--unit", "units", multiple=True, help="Enhets-id, typ:<enhetstyp> eller * för alla (standard: hela organisationen). Kan upprepas.")
@click.option("--goal", default=None, help="Visa bara ett mål (id).")
@click.option("--goal-set", default="biblioteksplan", show_default=True, help="Målsamling: biblioteksplan eller uppdragsplan.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@click.option("--plan", "plan_path", default=None, type=click.Path(dir_okay=False), help="Målfil (standard: biblioteksplan.yaml i datakatalogen).")
def values(year: int | None, period: str | None, units: tuple[str, ...], goal: str | None, goal_set: str,
           fmt: str, plan_path: str | None) -> None:
    """Måluppföljning: värde, föregående år, mål, status och helårsprognos per mål, indikator och enhet."""
    from dashboard.stored import open_followup
    from etl.store import Store

    console = _console()
    try:
        plan = _plan(plan_path)
        store = Store(store_url())
        source = open_followup(store, Path(plan_path) if plan_path else data_dir() / "biblioteksplan.yaml", plan)
    except ConfigError as exc:
        _fail(console, str(exc))
    if not source.years():
        _fail(console, "Ingen data är laddad. Kör först: bibplan load")
    last = source.last_data_date()
    if year is None or period is None:
        y, p = _default_year_period(last)
        year = year if year is not None else y
        period = period if period is not None else p
    try:
        per = parse_period(year, period)
        df = source.followup(year, per.code, unit=list(units) or None, goal_set=goal_set, goal=goal)
    except (KeyError, ValueError) as exc:
        _fail(console, str(exc.args[0] if exc.args else exc))
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for rec in df[list(CSV_COLUMNS)].to_dict("records"):
            writer.writerow([_raw(rec[c]) for c in CSV_COLUMNS])
        return
    rows = _rows(df)
    one_unit = df["unit_id"].nunique() <= 1
    title = f"{plan.goal_set(goal_set).name}: {per.label_sv}"
    spans = {s for s in df["span"] if not str(s).startswith("enkät")} if len(df) else set()  # a wave is no span
    if per.is_full_year and len(spans - {"jan–dec"}) == 1 and last is not None:
        title += f" ({(spans - {'jan–dec'}).pop()}: data t.o.m. {last:%Y-%m-%d})"
    if one_unit and len(df):
        title += f", {df['unit_name'].iloc[0]}"
    caption = f"Data t.o.m. {last:%Y-%m-%d}." if last is not None else None
    table = Table(title=title, caption=caption, caption_justify="left", expand=False, show_lines=False)
    columns = [c for c in COLUMNS_SV if not (one_unit and c == "Enhet")]
    for c in columns:
        numeric = c in NUMERIC_SV
        table.add_column(c, justify="right" if numeric else "left", overflow="fold", no_wrap=numeric,
                         max_width=None if numeric else (60 if c == "Not" else 30))
    previous_goal = None
    for r, raw in zip(rows, df.itertuples(index=False)):
        goal_cell = r[0] if raw.goal_id != previous_goal else ""
        previous_goal = raw.goal_id
        style = STATUS_STYLE.get(raw.status, "")
        fstyle = STATUS_STYLE.get(raw.forecast_status, "")
        r = [goal_cell, *r[1:7], f"[{style}]{r[7]}[/]", r[8], r[9], f"[{fstyle}]{r[10]}[/]" if r[10] else "", *r[11:]]
        if one_unit:
            del r[2]
        table.add_row(*r)
    console.print(table)
