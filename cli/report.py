"""``bibplan report``: write the follow-up of a year and period as an Excel workbook or a Word
document."""

from __future__ import annotations

from pathlib import Path

import click

from cli.errors import CliError

PLAN_FILE = "biblioteksplan.yaml"


@click.command("report")
@click.option("--year", type=int, required=True, help="År, t.ex. 2026.")
@click.option("--period", default="helar", show_default=True,
              help="Period: T1, T2, helar (helår), Q1–Q4 eller M01–M12.")
@click.option("--unit", default=None, help="Enhets-id för en enhets rapport (standard: hela organisationen).")
@click.option("--goal-set", default="biblioteksplan", show_default=True,
              help="Målsamling: biblioteksplan eller t.ex. uppdragsplan.")
@click.option("--plan", "plan_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Målfilen (standard: biblioteksplan.yaml i datakatalogen).")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "docx"]), default=None,
              help="xlsx (Excel-arbetsbok) eller docx (Word-rapport till nämnden); standard: filändelsen, annars xlsx.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Filen som skrivs, t.ex. rapport.xlsx eller rapport.docx.")
def report(year: int, period: str, unit: str | None, goal_set: str, plan_path: Path | None, fmt: str | None,
           output: Path) -> None:
    """Skriv uppföljningsrapporten (Excel eller Word) för ett år och en period."""
    import goals
    from report import StoreInfo, write_docx, write_report
    from etl.config import ConfigError, data_dir, store_url
    from etl.store import Store

    try:
        plan = goals.load_plan(plan_path or data_dir() / PLAN_FILE)
        per = goals.parse_period(year, period)
        gset = plan.goal_set(goal_set)
    except (ConfigError, ValueError, KeyError) as exc:
        raise CliError(f"Fel: {exc.args[0] if isinstance(exc, KeyError) else exc}") from None
    store = Store(store_url())
    tables = store.read_tables()
    if unit is not None and unit not in set(tables.units["unit_id"].astype(str)):
        known = ", ".join(tables.units["unit_id"].astype(str))
        raise CliError(f"Fel: okänd enhet {unit!r}; kända enheter: {known}")
    info = StoreInfo.from_store(store, [g.id for g in gset.goals], year, per.code, unit)
    fmt = fmt or ("docx" if output.suffix.lower() == ".docx" else "xlsx")
    if output.suffix.lower() != f".{fmt}":
        output = output.with_suffix(f".{fmt}")
    output.parent.mkdir(parents=True, exist_ok=True)
    write = write_docx if fmt == "docx" else write_report
    from dashboard.stored import open_followup

    source = open_followup(store, plan_path or data_dir() / PLAN_FILE, plan, tables=tables)
    write(plan, tables, info, year, per.code, unit=unit, path_or_buffer=output, goal_set=goal_set, source=source)
    click.echo(f"Rapporten {per.label_sv} skrevs till {output}")
