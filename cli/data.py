"""The data commands: ``bibplan load``, ``check``, ``status``, ``loads`` (the load history) and
``undo`` (undo a load)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.errors import FAILED, CliError
from etl.config import ConfigError, data_dir, store_url
from etl.problems import PROBLEM_COLUMNS_SV, Problem
from etl.tables import KIND_LABELS_SV

STATUS_SV = {"stored": "sparad", "unchanged": "oförändrad (redan laddad)", "rejected": "avvisad",
             "unmatched": "okänd fil", "undone": "ångrad"}
#: Show the progress bar only when a load takes longer than this (seconds).
PROGRESS_AFTER = 0.5


def _console() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal:  # piped or captured: wide enough that messages stay readable
        console = Console(highlight=False, width=max(console.width, 160))
    return console


def _config_error(console: Console, exc: ConfigError) -> None:
    raise CliError(str(exc)) from None


def _int(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


def print_problems(console: Console, problems: Iterable[Problem]) -> None:
    """All problems as one table with the Swedish column names."""
    problems = list(problems)
    if not problems:
        return
    table = Table(title="Problem", expand=False)
    for key, label in PROBLEM_COLUMNS_SV.items():
        if key == "message":
            table.add_column(label, ratio=1, min_width=40, overflow="fold")
        else:
            table.add_column(label, no_wrap=key in ("severity", "row"), overflow="fold", max_width=30)
    for p in problems:
        style = "red" if p.is_error else "yellow"
        table.add_row(f"[{style}]{p.severity}[/]", p.file, p.sheet, "" if p.row is None else str(p.row),
                      p.column, p.value, p.message)
    console.print(table)


def print_plan_problems(console: Console, benchmark: pd.DataFrame, directory: Path | None = None) -> None:
    """Warnings where the plan's comparison names what the benchmark data lack (a typo in a variable
    or a municipality code): with ``biblioteksplan.yaml`` of ``directory`` (default: the data
    directory), if there is one."""
    from goals import load_plan
    from goals.compare import comparison_problems

    path = (directory or data_dir()) / "biblioteksplan.yaml"
    if not path.exists():
        return
    try:
        plan = load_plan(path)
    except ConfigError as exc:
        console.print(f"[yellow]{exc}[/]")
        return
    problems = comparison_problems(plan, benchmark, plan_file=str(path))
    if problems:
        console.print("[bold yellow]Jämförelsegruppen i biblioteksplan.yaml:[/]")
        print_problems(console, problems)


class _LazyProgress:
    """A rich progress bar that appears only once the work has taken more than a moment."""

    def __init__(self, console: Console):
        self.console = console
        self.started = time.perf_counter()
        self.progress: Progress | None = None
        self.task = None

    def __call__(self, done: int, total: int, name: str) -> None:
        if self.progress is None:
            if time.perf_counter() - self.started < PROGRESS_AFTER or done >= total:
                return
            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), console=self.console, transient=True)
            self.progress.start()
            self.task = self.progress.add_task("Laddar", total=total)
        self.progress.update(self.task, completed=done, description=f"Laddar {name}")

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


_REPLACE_HELP = ("Ersätt lagrade data även där filerna täcker betydligt färre perioder eller ändrar summan mer "
                 "än replace_share (se sources.yaml); utan flaggan avvisas sådana filer.")
_CONFIG_DIR_HELP = ("Mapp med units.yaml och sources.yaml (standard: mappen som anges, eller filernas "
                    "mapp, om den har sources.yaml; annars den konfigurerade datakatalogen).")


def _resolve_config(console: Console, paths: tuple[Path, ...], config_dir: Path | None):
    """The config for ``paths`` (see :func:`etl.pipeline.config_dir_for`); a missing path or config
    file ends the command with exit code 2 and a message naming what is missing and where."""
    from etl.pipeline import config_dir_for, load_config, missing_config

    missing_paths = [p for p in paths if not p.exists()]
    if missing_paths:
        raise CliError(f"Hittar inte {', '.join(str(p) for p in missing_paths)}. Ange en mapp med "
                       "exporter eller exportfiler (xlsx, xls, ods, csv).")
    try:
        chosen = config_dir or config_dir_for(paths, data_dir())
    except ConfigError as exc:
        _config_error(console, exc)
    if not chosen.is_dir():
        raise CliError(f"Konfigurationsmappen {chosen} finns inte. Ange mappen som har units.yaml "
                       "och sources.yaml med --config-dir.")
    lacking = missing_config(chosen)
    if lacking:
        if config_dir is not None:
            why = f"{chosen} (angiven med --config-dir)"
        else:
            folders = sorted({str((p if p.is_dir() else p.parent).resolve()) for p in paths})
            why = (f"den konfigurerade datakatalogen {chosen}, eftersom {', '.join(folders)} inte har någon "
                   "sources.yaml" if str(chosen.resolve()) not in folders else str(chosen))
        raise CliError(f"Konfigurationen saknas: {' och '.join(lacking)} finns inte i {why}. "
                       "units.yaml listar enheterna och sources.yaml hur exporterna läses. Ange mappen som har "
                       "dem med --config-dir, lägg dem bredvid exporterna eller ändra data_dir i "
                       "data/settings.yaml (se README, avsnittet Configuration).")
    try:
        return load_config(chosen)
    except ConfigError as exc:
        _config_error(console, exc)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--config-dir", type=click.Path(file_okay=False, path_type=Path), default=None, help=_CONFIG_DIR_HELP)
@click.option("--store", "url", default=None, help="Databas-URL (standard: settings.yaml / BIBPLAN_STORE_URL).")
@click.option("--user", default=None, help="Vem som laddar (standard: inloggad användare).")
@click.option("--replace", is_flag=True, help=_REPLACE_HELP)
def load(paths: tuple[Path, ...], config_dir: Path | None, url: str | None, user: str | None,
         replace: bool) -> None:
    """Ladda exporterna i PATHS: mappar och/eller filer (standard: den konfigurerade datakatalogen)."""
    from etl.pipeline import load_paths, path_items
    from etl.store import Store

    console = _console()
    try:
        paths = paths or (data_dir(),)
    except ConfigError as exc:
        _config_error(console, exc)
    config = _resolve_config(console, paths, config_dir)
    if not path_items(paths):
        raise CliError(f"Inga exportfiler (xlsx, xls, ods, csv) i {', '.join(str(p) for p in paths)}. "
                       "Inget laddades.", FAILED)
    progress = _LazyProgress(console)
    try:
        store = Store(url or store_url())
        report = load_paths(paths, config, store, user=user, progress=progress, replace=replace)
    except ConfigError as exc:
        progress.stop()
        _config_error(console, exc)
        return
    progress.stop()
    table = Table("Fil", "Typ", "Status", "Rader tillagda", "Rader ersatta", "Fel", "Varningar",
                  title=f"Laddning {report.load_id} från {', '.join(str(p) for p in paths)}")
    for f in report.files:
        style = "red" if f.errors else ("yellow" if f.warnings else "")
        table.add_row(f.file, KIND_LABELS_SV.get(f.kind, f.kind), f"[{style}]{STATUS_SV[f.status]}[/]" if style
                      else STATUS_SV[f.status], _int(f.rows_added), _int(f.rows_replaced), str(f.errors),
                      str(f.warnings))
    console.print(table)
    print_problems(console, report.problems)
    rejected = sum(f.status in ("rejected", "unmatched") for f in report.files)
    console.print(f"{_int(report.rows_added)} rader sparade, {_int(report.rows_replaced)} ersatta, "
                  f"{rejected} filer avvisade.")
    if report.has_errors:
        raise CliError("Filer med fel har inte laddats; rätta felen ovan och ladda igen.", FAILED)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--config-dir", type=click.Path(file_okay=False, path_type=Path), default=None, help=_CONFIG_DIR_HELP)
@click.option("--store", "url", default=None,
              help="Databas att jämföra med för avvikelsevarningar (standard: settings.yaml / BIBPLAN_STORE_URL).")
@click.option("--no-store", is_flag=True, help="Jämför inte med det som redan är laddat.")
@click.option("--replace", is_flag=True, help=_REPLACE_HELP)
def check(paths: tuple[Path, ...], config_dir: Path | None, url: str | None, no_store: bool,
          replace: bool) -> None:
    """Kontrollera PATHS (filer och/eller mappar) mot konfigurationen och visa problemen; inget sparas.

    Avvikelsevarningar (t.ex. förändring mot samma månad förra året) räknas mot det som redan är
    laddat i databasen."""
    from etl.pipeline import check_paths, path_items

    console = _console()
    config = _resolve_config(console, paths, config_dir)
    items = path_items(paths)
    if not items:
        raise CliError(f"Inga exportfiler (xlsx, xls, ods, csv) i {', '.join(str(p) for p in paths)}.", FAILED)
    try:
        store = None if no_store else _existing_store(url or store_url())
        existing = store.read_tables() if store is not None else None
        result = check_paths([f for f, _ in items], config, existing=existing, labels=dict(items), replace=replace,
                             stored_state=store.file_state if store is not None else None)
    except ConfigError as exc:
        _config_error(console, exc)
        return
    table = Table("Fil", "Källa", "Typ", "Period (skulle ersättas)", "Rader", "Fel", "Varningar",
                  title="Kontroll (inget sparas)")
    for f in result.files:
        errors = sum(p.is_error for p in f.problems)
        spans = f.replaces()
        period = "" if spans.empty else f"{str(spans['first'].min())[:10]} – {str(spans['last'].max())[:10]}"
        if f.unchanged:
            period = "redan inläst på samma sätt: hoppas över"
        table.add_row(f.name, f.source.id if f.source else "", KIND_LABELS_SV.get(f.kind, f.kind), period,
                      _int(0 if f.frame is None or f.has_errors else len(f.frame)), str(errors),
                      str(len(f.problems) - errors))
    console.print(table)
    print_shrinks(console, result.files)
    print_problems(console, result.problems)
    new_bench = [f.frame for f in result.files if f.kind == "benchmark" and f.frame is not None and not f.has_errors]
    if new_bench:  # the plan's comparison against the benchmark data stored and checked
        from etl.pipeline import config_dir_for

        print_plan_problems(console, pd.concat([existing.benchmark if existing is not None else new_bench[0].iloc[0:0],
                                                *new_bench], ignore_index=True),
                            config_dir or config_dir_for(paths, data_dir()))
    if result.has_errors:
        raise CliError("Det finns fel: filer med fel skulle avvisas i sin helhet vid laddning.", FAILED)
    console.print("Inga fel.")


def print_shrinks(console: Console, files: Iterable[Any]) -> None:
    """Where a file would replace stored data with far less: stored and new per unit and month."""
    for f in files:
        if f.shrinks is None:
            continue
        table = Table("Enhet", "Månad", "Lagrade perioder", "Nya perioder", "Lagrad summa", "Ny summa",
                      title=f"{f.name}: ersätter lagrade data med betydligt mindre")
        for r in f.shrinks.itertuples(index=False):
            style = "red" if r.new_periods < r.stored_periods or r.new_total != r.stored_total else ""
            cells = [str(r.unit), str(r.period), _int(r.stored_periods), _int(r.new_periods),
                     _num(r.stored_total), _num(r.new_total)]
            table.add_row(*[f"[{style}]{c}[/]" if style else c for c in cells])
        console.print(table)


def _num(x: float) -> str:
    from etl.parse import format_number_sv

    return format_number_sv(round(float(x), 1)).replace(" ", "\u00a0")


def _existing_store(url: str):
    """The store, or None when a SQLite store file does not exist yet (nothing loaded)."""
    from sqlalchemy.engine import make_url

    from etl.store import Store

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and (not parsed.database or not Path(parsed.database).exists()):
        return None
    return Store(url)


@click.command()
@click.option("--store", "url", default=None, help="Databas-URL (standard: settings.yaml / BIBPLAN_STORE_URL).")
def status(url: str | None) -> None:
    """Visa vad som är laddat: per typ och enhet, första och sista period, rader och varningar."""
    from etl.store import Store

    console = _console()
    try:
        store = Store(url or store_url())
    except ConfigError as exc:
        _config_error(console, exc)
        return
    df = store.status()
    print_interrupted(console, store)
    if df.empty:
        console.print("Inget är laddat ännu. Kör: bibplan load")
        return
    table = Table("Typ", "Enhet", "Första period", "Sista period", "Rader", "Senast laddad", "Varningar",
                  title="Laddade data")
    for r in df.itertuples(index=False):
        last = "" if r.last_load is None or pd.isna(r.last_load) else str(r.last_load)[:16]
        table.add_row(KIND_LABELS_SV.get(r.kind, r.kind), str(r.unit_name), r.first_period, r.last_period,
                      "" if pd.isna(r.rows) else _int(int(r.rows)), last, str(r.warnings))
    console.print(table)
    console.print("Varningar räknas per enhet när de gäller enheten; varningar om en fil som helhet (t.ex. en "
                  "summeringsrad) står på raden (hela filen).")
    last = store.last_data_date()
    console.print(f"Data t.o.m. {last.isoformat() if last else '–'}.")
    if "benchmark" in set(df["kind"].astype(str)):
        print_plan_problems(console, store.read_kind("benchmark"))


def print_interrupted(console: Console, store: Any) -> None:
    """Loads that began but never finished (killed): none of their files is stored; say so."""
    from etl.pipeline import interrupted_problem

    for r in store.interrupted_loads().itertuples(index=False):
        console.print(f"[bold yellow]{interrupted_problem(r).message}[/]")


def _store(console: Console, url: str | None):
    """The store at ``url`` (default: the configured one); a config error ends the command."""
    from etl.store import Store

    try:
        return Store(url or store_url())
    except ConfigError as exc:
        raise CliError(str(exc)) from None


def _when(value: object) -> str:
    return "" if value is None or value != value else str(value)[:16]


@click.command()
@click.argument("load_id", required=False, type=int)
@click.option("--store", "url", default=None, help="Databas-URL (standard: settings.yaml / BIBPLAN_STORE_URL).")
def loads(load_id: int | None, url: str | None) -> None:
    """Visa laddningshistoriken; med LOAD_ID filerna i en laddning (innehållshash, rader)."""
    console = _console()
    store = _store(console, url)
    df = store.loads()
    if df.empty:
        console.print("Inga laddningar ännu. Kör: bibplan load")
        return
    if load_id is None:
        table = Table("Id", "Start", "Användare", "Filer", "Sparade", "Rader tillagda", "Rader ersatta",
                      "Ångrad", "Från", title="Laddningar")
        for r in df.itertuples(index=False):
            stored = sum(f["status"] in ("stored", "undone") for f in r.files)
            table.add_row(str(r.id), _when(r.started_at), r.user, str(len(r.files)), str(stored),
                          _int(r.rows_added), _int(r.rows_replaced), _when(r.undone_at), r.data_dir)
        console.print(table)
        console.print("Visa en laddnings filer: bibplan loads ID. Ångra en laddning: bibplan undo ID.")
        return
    match = df[df["id"] == load_id]
    if match.empty:
        raise CliError(f"Laddning {load_id} finns inte. Se bibplan loads.", FAILED)
    r = match.iloc[0]
    undone = f", ångrad {_when(r['undone_at'])}" if r["undone_at"] is not None and r["undone_at"] == r["undone_at"] else ""
    table = Table("Fil", "Typ", "Status", "Innehållshash (SHA-256)", "Rader tillagda", "Rader ersatta", "Fel",
                  "Varningar", title=f"Laddning {load_id}: {_when(r['started_at'])} av {r['user']}{undone}")
    for f in r["files"]:
        table.add_row(f["file"], KIND_LABELS_SV.get(f["kind"], f["kind"]), STATUS_SV.get(f["status"], f["status"]),
                      f["content_hash"], _int(f["rows_added"]), _int(f["rows_replaced"]), str(f["errors"]),
                      str(f["warnings"]))
    console.print(table)


@click.command()
@click.argument("load_id", type=int)
@click.option("--store", "url", default=None, help="Databas-URL (standard: settings.yaml / BIBPLAN_STORE_URL).")
@click.option("--yes", "-y", is_flag=True, help="Fråga inte först.")
def undo(load_id: int, url: str | None, yes: bool) -> None:
    """Ångra laddning LOAD_ID: ta bort raderna den lade till och ta tillbaka dem den ersatte."""
    from etl.store import UndoError

    console = _console()
    store = _store(console, url)
    df = store.loads()
    match = df[df["id"] == load_id]
    if match.empty:
        raise CliError(f"Laddning {load_id} finns inte. Se bibplan loads.", FAILED)
    r = match.iloc[0]
    if not yes:
        click.confirm(f"Ångra laddning {load_id} ({_when(r['started_at'])} av {r['user']}: "
                      f"{_int(r['rows_added'])} rader tillagda, {_int(r['rows_replaced'])} ersatta)?", abort=True)
    try:
        removed = store.undo_load(load_id)
    except UndoError as exc:
        raise CliError(str(exc), FAILED) from None
    console.print(f"Laddning {load_id} är ångrad: {_int(removed)} rader borttagna, "
                  f"{_int(int(r['rows_replaced']))} rader återställda.")
