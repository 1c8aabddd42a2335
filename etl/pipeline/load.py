"""Load files into the store: each file stored whole or, with errors, rejected whole, under the
store's load lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.config import ConfigError, data_dir
from etl.pipeline.check import DATA_SUFFIXES, Config, FileResult, Item, ProgressFn, _check_items, load_config
from etl.problems import Problem, has_errors
from etl.store import Store
from etl.units import units_frame


@dataclass
class FileReport:
    file: str
    source_id: str
    kind: str
    status: str  # stored, unchanged, rejected, unmatched
    rows_added: int = 0
    rows_replaced: int = 0
    errors: int = 0
    warnings: int = 0


@dataclass
class LoadReport:
    load_id: int
    files: list[FileReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return has_errors(self.problems)

    @property
    def rows_added(self) -> int:
        return sum(f.rows_added for f in self.files)

    @property
    def rows_replaced(self) -> int:
        return sum(f.rows_replaced for f in self.files)


def data_files(directory: Path) -> list[Path]:
    """The export files in a data directory (spreadsheets and CSV, recursively; hidden files and
    folders, such as the upload staging folder ``.uploads``, skipped)."""
    directory = Path(directory)
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in DATA_SUFFIXES
                  and not any(part.startswith((".", "~$")) for part in p.relative_to(directory).parts))


def _store_for(store: Store | None) -> Store:
    if store is not None:
        return store
    from etl.config import store_url

    return Store(store_url())


def config_dir_for(paths: Iterable[Path | str], default: Path | None = None) -> Path:
    """Where the config (``units.yaml``, ``sources.yaml``) for checking or loading ``paths`` is:
    the one folder they are in (a folder given itself, or the common parent of the files) when it
    has ``sources.yaml``, else ``default`` (the configured data directory)."""
    folders = {(Path(p) if Path(p).is_dir() else Path(p).parent).resolve() for p in paths}
    if len(folders) == 1:
        here = next(iter(folders))
        if (here / "sources.yaml").is_file():
            return here
    return Path(default) if default is not None else data_dir()


def missing_config(directory: Path) -> list[str]:
    """The config files a data directory lacks (``units.yaml``, ``sources.yaml``), in that order."""
    directory = Path(directory)
    lacking = [name for name in ("units.yaml", "sources.yaml") if not (directory / name).is_file()]
    if lacking == ["units.yaml"]:  # a folder of benchmark data only needs no unit register
        from etl.config import ConfigError, load_sources
        from etl.pipeline.check import benchmark_only

        try:
            if benchmark_only(load_sources(directory / "sources.yaml")):
                return []
        except ConfigError:
            pass  # the broken sources.yaml is reported when it is read
    return lacking


def path_items(paths: Iterable[Path | str]) -> list[Item]:
    """The export files of ``paths`` (folders: their data files, recursively, named relative to the
    folder; files: themselves, named by their file name), each once, in the order given.  Raises
    ``FileNotFoundError`` for a path that does not exist."""
    items: list[Item] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = [(f, f.relative_to(path).as_posix()) for f in data_files(path)]
        elif path.is_file():
            found = [(path, path.name)]
        else:
            raise FileNotFoundError(str(path))
        for f, label in found:
            if f.resolve() not in seen:
                seen.add(f.resolve())
                items.append((f, label))
    return items


def load_paths(paths: Iterable[Path | str], config: Config, store: Store | None = None, *,
               user: str | None = None, progress: ProgressFn | None = None, replace: bool = False) -> LoadReport:
    """Load export files and folders (see :func:`path_items`) with ``config`` as one load."""
    paths = [Path(p) for p in paths]
    items = path_items(paths)
    folders = [p for p in paths if p.is_dir()]
    base_dir = folders[0] if len(folders) == 1 and len(paths) == 1 else None
    return load_items(items, config, _store_for(store), user=user, origin=", ".join(str(p) for p in paths),
                      progress=progress, base_dir=base_dir, replace=replace)


def load_dir(directory: Path | str | None = None, store: Store | None = None, *, user: str | None = None,
             progress: ProgressFn | None = None, replace: bool = False) -> LoadReport:
    """Load every export in ``directory`` (default: the configured data directory) into ``store``."""
    directory = Path(directory) if directory is not None else data_dir()
    if not directory.is_dir():
        raise ConfigError(directory, [("", "katalogen finns inte; ange en katalog med exporter, units.yaml "
                                           "och sources.yaml")])
    config = load_config(directory)
    items = [(p, p.relative_to(directory).as_posix()) for p in data_files(directory)]
    return load_items(items, config, _store_for(store), user=user, origin=str(directory), progress=progress,
                      base_dir=directory, replace=replace)


def load_items(items: list[Item], config: Config, store: Store, *, user: str | None = None, origin: str = "",
               progress: ProgressFn | None = None, base_dir: Path | None = None,
               replace: bool = False) -> LoadReport:
    """Load files into ``store`` as one load, holding the store's load lock throughout: check them
    against the store as it is now (anomaly warnings and the replacement question included), then
    store each file without errors (a corrected re-export replaces its units and periods; a file read
    again after a change of its source or of the units replaces every row it gave before) and record
    every file and problem, all in one transaction: a load that fails or is killed leaves the store
    as it was, and only its start is kept, so that ``status`` and the next load can say it was
    interrupted (:meth:`Store.interrupted_loads`)."""
    with store.load_lock():
        interrupted = store.interrupted_loads(skip_running=False)
        load_id = store.begin_load(user, origin)
        report = LoadReport(load_id)
        report.problems += [interrupted_problem(r) for r in interrupted.itertuples(index=False)]
        existing = store.read_tables()
        checked = _check_items(items, config, base_dir=base_dir, existing=existing, stored_state=store.file_state,
                               progress=progress, replace=replace)
        with store.transaction() as conn:
            if config.has_units:
                store.set_units(units_frame(config.units), conn=conn)
            for res in checked.files:
                _store_file(store, conn, load_id, res, report)
            store.finish_load(load_id, conn=conn)
        if progress:
            progress(len(checked.files), len(checked.files), "")
    return report


def _store_file(store: Store, conn: Any, load_id: int, res: FileResult, report: LoadReport) -> None:
    """Record one checked file of a load in the load's transaction ``conn`` (its rows when it has no errors)."""
    if res.source is None:
        store.record_file(load_id, res.name, content_hash=res.content_hash, status="unmatched",
                          problems=res.problems, conn=conn)
        report.files.append(FileReport(res.name, "", "", "unmatched", errors=1))
        report.problems += res.problems
        return
    if res.unchanged:
        store.record_file(load_id, res.name, source_id=res.source.id, kind=res.kind,
                          content_hash=res.content_hash, status="unchanged", problems=[], conn=conn,
                          config_hash=res.config_hash)
        report.files.append(FileReport(res.name, res.source.id, res.kind, "unchanged"))
        return
    status = "rejected" if res.has_errors or res.frame is None else "stored"
    stored = store.record_file(load_id, res.name, source_id=res.source.id, kind=res.kind,
                               content_hash=res.content_hash, status=status, problems=res.problems,
                               frame=res.frame, conn=conn, config_hash=res.config_hash, reread=res.reread)
    errors = sum(p.is_error for p in res.problems)
    report.files.append(FileReport(res.name, res.source.id, res.kind, status, stored.rows_added,
                                   stored.rows_replaced, errors, len(res.problems) - errors))
    report.problems += res.problems


def interrupted_problem(load: Any) -> Problem:
    """The notice about a load that began but never finished (Swedish, for the CLI and the app)."""
    return Problem("varning", "interrupted_load", f"Laddning {load.id} (startad {str(load.started_at)[:16]} av "
                   f"{load.user}) avbröts innan den var klar. Ingenting från den sparades: databasen är som före "
                   "den. Ladda filerna igen.", file=str(load.data_dir or ""))
