"""Commands that help a new library start: ``bibplan init DIR`` and ``bibplan units suggest``."""

from __future__ import annotations

import os
import re
from pathlib import Path

import click
import yaml

from cli.errors import CliError
from etl.config import settings_path

TEMPLATES = Path(__file__).with_name("templates")
#: The files ``bibplan init`` writes, from ``cli/templates``.
TEMPLATE_FILES = ("units.yaml", "sources.yaml", "biblioteksplan.yaml")


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Skriv över mallfiler som redan finns i mappen.")
def init(directory: Path, force: bool) -> None:
    """Skapa en datamapp DIRECTORY med kommenterade mallar (units.yaml, sources.yaml,
    biblioteksplan.yaml) och peka data/settings.yaml på den."""
    existing = [n for n in TEMPLATE_FILES if (directory / n).exists()]
    if existing and not force:
        raise CliError(f"{', '.join(existing)} finns redan i {directory}; inget skrevs. Använd --force för att "
                       "skriva över dem med mallarna.")
    directory.mkdir(parents=True, exist_ok=True)
    for name in TEMPLATE_FILES:
        (directory / name).write_text((TEMPLATES / name).read_text(encoding="utf-8"), encoding="utf-8")
    settings = settings_path()
    _point_settings_at(settings, directory)
    click.echo(f"Skapade {', '.join(TEMPLATE_FILES)} i {directory}; {settings} pekar nu på mappen.")
    click.echo("Nästa steg: skriv era enheter i units.yaml (eller bibplan units suggest EXPORT --column "
               "KOLUMN), beskriv exporterna i sources.yaml, lägg exporterna i mappen och kör "
               f"bibplan check {directory}.")


def _point_settings_at(settings: Path, directory: Path) -> None:
    """Set ``data_dir`` in the settings file (its other lines and comments kept), relative to the
    settings file's folder when the data folder is inside it."""
    try:
        value = os.path.relpath(directory.resolve(), settings.parent.resolve())
    except ValueError:  # another drive
        value = str(directory.resolve())
    if value.startswith(".."):
        value = str(directory.resolve())
    line = f"data_dir: {yaml.safe_dump(value, allow_unicode=True).strip().removesuffix('...').strip()}"
    if settings.exists():
        text = settings.read_text(encoding="utf-8")
        if re.search(r"(?m)^data_dir:.*$", text):
            text = re.sub(r"(?m)^data_dir:.*$", lambda _: line, text, count=1)
        else:
            text = text.rstrip("\n") + "\n" + line + "\n"
    else:
        settings.parent.mkdir(parents=True, exist_ok=True)
        text = "# bibplan settings. Paths are relative to this folder.\n" + line + "\n"
    settings.write_text(text, encoding="utf-8")


@click.group()
def units() -> None:
    """Enhetsregistret (units.yaml)."""


@units.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--column", required=True, help="Rubriken på kolumnen med enheternas namn, t.ex. Filial.")
@click.option("--sheet", default=None, help="Bladets namn (standard: första bladet).")
@click.option("--skip-rows", default=0, show_default=True, help="Rader ovanför rubrikraden.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("units.yaml"),
              show_default=True, help="Filen som utkastet skrivs till.")
@click.option("--force", is_flag=True, help="Skriv över filen om den finns.")
def suggest(file: Path, column: str, sheet: str | None, skip_rows: int, output: Path, force: bool) -> None:
    """Skriv ett utkast till units.yaml från de olika enhetsnamnen i kolumnen COLUMN i FILE."""
    names = unit_names(file, column, sheet, skip_rows)
    if output.exists() and not force:
        raise CliError(f"{output} finns redan; inget skrevs. Ange en annan fil med -o eller skriv över med --force.")
    output.write_text(units_draft(names), encoding="utf-8")
    click.echo(f"Skrev {len(names)} enheter till {output}. Kontrollera type och district för varje enhet.")


def unit_names(file: Path, column: str, sheet: str | None = None, skip_rows: int = 0) -> list[str]:
    """The distinct unit names in ``column`` of the export, in the order they first appear
    (blank cells and totals rows left out)."""
    from etl.config import Source
    from etl.read import InputError, read_sheet
    from etl.vocabulary import norm, vocabulary

    source = Source(id="units_suggest", kind="events", pattern="*", sheet=sheet, skip_rows=skip_rows)
    try:
        raw = read_sheet(file, source)
    except InputError as exc:
        raise CliError(exc.problem.message) from None
    wanted = norm(column)
    idx = next((i for i, n in enumerate(raw.names) if norm(n) == wanted), None)
    if idx is None:
        raise CliError(f"Kolumnen {column!r} finns inte i {file.name}. Hittade kolumner: "
                       f"{', '.join(n for n in raw.names if n)}.")
    totals = vocabulary().totals
    seen: dict[str, str] = {}
    for v in raw.columns[idx]:
        if v is None or not str(v).strip() or norm(v) in totals:
            continue
        seen.setdefault(norm(v), str(v).strip())
    if not seen:
        raise CliError(f"Kolumnen {column!r} i {file.name} har inga enhetsnamn.")
    return list(seen.values())


def units_draft(names: list[str]) -> str:
    """A commented units.yaml with one unit per name: an id from the name, every unit a
    stadsdelsbibliotek until the user says otherwise (the comment says to check)."""
    ids: set[str] = set()
    lines = [
        "# Utkast från bibplan units suggest: en enhet per namn i exporten.",
        "# Kontrollera varje enhet: type (huvudbibliotek | stadsdelsbibliotek | bokbuss) och district",
        "# (stadsdelen den betjänar, som i befolkningsfilen; utelämna för enheter som betjänar hela",
        "# kommunen). id får inte ändras när data väl är inläst.",
        "municipality: Vår kommun",
        "",
        "units:",
    ]
    for name in names:
        base = _slug(name) or "enhet"
        uid, n = base, 2
        while uid in ids:
            uid, n = f"{base}_{n}", n + 1
        ids.add(uid)
        lines += [f"  - id: {uid}", f"    name: {_quoted(name)}", "    type: stadsdelsbibliotek"]
    return "\n".join(lines) + "\n"


def _slug(name: str) -> str:
    from etl.vocabulary import norm

    return re.sub(r"[^a-z0-9]+", "_", norm(name)).strip("_")


def _quoted(text: str) -> str:
    return yaml.safe_dump(text, allow_unicode=True, default_style=None, width=1000).strip().removesuffix("...").strip()
