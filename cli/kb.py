"""``bibplan kb``: KB's annual library statistics for a year, as an Excel workbook."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("kb")
@click.option("--year", type=int, required=True, help="Statistikåret, t.ex. 2025.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Excel-filen som skrivs (standard: kb_ÅÅÅÅ.xlsx).")
@click.option("--variables", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="En egen variabelkatalog (YAML) i stället för den inbyggda.")
def kb(year: int, output: Path | None, variables: Path | None) -> None:
    """Räkna fram KB:s biblioteksstatistik för ett år, per enhet och för hela kommunen."""
    from cli.errors import FAILED, CliError
    from report.kb_workbook import write_kb_workbook
    from etl.config import ConfigError, data_dir, load_units, store_url
    from etl.store import Store
    from goals.kb import kb_export, load_catalogue

    try:
        catalogue = load_catalogue(variables)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    store = Store(store_url())
    tables = store.read_tables()
    export = kb_export(tables, year, catalogue)
    municipality = ""
    units_file = data_dir() / "units.yaml"
    if units_file.exists():
        municipality = getattr(load_units(units_file), "municipality", "") or ""
    output = output or Path(f"kb_{year}.xlsx")
    if output.suffix.lower() != ".xlsx":
        output = output.with_suffix(".xlsx")
    output.parent.mkdir(parents=True, exist_ok=True)
    write_kb_workbook(export, output, municipality=municipality, data_until=store.last_data_date())
    answered = sum(1 for v in catalogue.variables if export.value(v.key) is not None)
    click.echo(f"KB-statistik {year}: {answered} av {len(catalogue.variables)} variabler ur data, "
               f"övriga tomma för hand. Skrevs till {output}")
    if export.incomplete_until is not None:
        click.echo(f"OBS: året {year} är inte komplett (data t.o.m. {export.incomplete_until.isoformat()}): "
                   "värdena ur utlån, besök och arrangemang är preliminära.")
    errors = [p for p in export.problems if p.is_error]
    for p in export.problems:
        click.echo(f"  {p.severity}: {p.message} ({p.location()})")
    if errors:
        raise CliError(f"{len(errors)} av KB:s kontroller gick inte igenom; se bladet Kontroller.", FAILED)
