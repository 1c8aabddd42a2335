"""The pipeline: match files to sources, then read -> normalise -> validate -> store.

``check_paths`` runs everything but the store (``bibplan check``); ``load_dir`` loads a data
directory into a :class:`~etl.store.Store` (``bibplan load``): each file is stored whole or, when it
has errors, rejected whole; a file whose content is already stored is skipped.
"""

from __future__ import annotations

import difflib
import fnmatch
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl.config import ConfigError, Source, SourcesFile, UnitsFile, data_dir, load_sources, load_units
from etl.normalise import normalise
from etl.problems import Problem, has_errors
from etl.read import CSV_SUFFIXES, SPREADSHEET_SUFFIXES, InputError, read_sheet
from etl.store import Store
from etl.tables import KINDS, PERIOD_COLUMN
from etl.transactions import read_transactions
from etl.units import UnitIndex, units_frame
from etl.validate import validate

DATA_SUFFIXES = SPREADSHEET_SUFFIXES | CSV_SUFFIXES
#: Load order: opening hours first (visits use them to tell an outage from a closed day).
LOAD_ORDER = ("opening_hours",) + tuple(k for k in KINDS if k != "opening_hours")


@dataclass(frozen=True)
class Config:
    dir: Path
    units: UnitsFile
    sources: SourcesFile


def load_config(directory: Path) -> Config:
    """``units.yaml`` and ``sources.yaml`` of a data directory (raises ConfigError)."""
    directory = Path(directory)
    return Config(directory, load_units(directory / "units.yaml"), load_sources(directory / "sources.yaml"))


@dataclass
class FileResult:
    path: Path
    source: Source | None
    frame: pd.DataFrame | None
    problems: list[Problem]
    content_hash: str

    @property
    def kind(self) -> str:
        return self.source.kind if self.source else ""

    @property
    def has_errors(self) -> bool:
        return has_errors(self.problems)

    def replaces(self) -> pd.DataFrame:
        """Per unit, the first and last period this file covers (what it would replace)."""
        if self.frame is None or self.frame.empty or self.source is None:
            return pd.DataFrame(columns=["kind", "unit", "first", "last"])
        unit = "district" if self.kind == "population" else "unit_id"
        spans = self.frame.groupby(unit, observed=True)[PERIOD_COLUMN[self.kind]].agg(["min", "max"]).reset_index()
        return pd.DataFrame({"kind": self.kind, "unit": spans[unit].astype(str),
                             "first": spans["min"], "last": spans["max"]})


@dataclass
class CheckResult:
    files: list[FileResult] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]

    @property
    def has_errors(self) -> bool:
        return any(f.has_errors for f in self.files)

    @property
    def frames(self) -> dict[str, pd.DataFrame]:
        """Per kind, the rows of the files without errors."""
        out: dict[str, list[pd.DataFrame]] = {}
        for f in self.files:
            if f.frame is not None and not f.has_errors:
                out.setdefault(f.kind, []).append(f.frame)
        return {k: pd.concat(v, ignore_index=True) for k, v in out.items()}

    @property
    def replaces(self) -> pd.DataFrame:
        parts = [f.replaces() for f in self.files if not f.has_errors]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["kind", "unit", "first", "last"])


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


def content_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def match_source(path: Path, sources: SourcesFile, base_dir: Path | None = None) -> Source | None:
    """The first source whose glob ``pattern`` matches the file (relative to the data directory,
    or by file name)."""
    names = [path.name]
    if base_dir is not None:
        try:
            names.insert(0, path.resolve().relative_to(Path(base_dir).resolve()).as_posix())
        except ValueError:
            pass
    for s in sources.sources:
        if any(fnmatch.fnmatch(n.casefold(), s.pattern.casefold()) for n in names):
            return s
    return None


def unmatched_problem(path: Path, sources: SourcesFile) -> Problem:
    patterns = [s.pattern for s in sources.sources]
    close = difflib.get_close_matches(path.name, patterns, n=1, cutoff=0.3)
    hint = f" Närmast är {close[0]!r}." if close else ""
    return Problem("fel", "unmatched_file", f"Filen passar inget mönster i sources.yaml ({', '.join(patterns)})."
                   f"{hint} Byt namn på filen eller lägg till en källa med ett pattern som passar.",
                   file=path.name)


def check_file(path: Path, source: Source, units: UnitIndex, opening_hours: pd.DataFrame | None = None,
               digest: str | None = None) -> FileResult:
    """Read, normalise and validate one file (nothing is stored)."""
    digest = digest or content_hash(path)
    try:
        if source.layout == "transactions":
            frame, problems = read_transactions(path, source, units)
            sheet_name = str(frame["source_sheet"].iat[0]) if len(frame) else ""
        else:
            sheet = read_sheet(path, source)
            frame, problems = normalise(sheet, source, units, opening_hours)
            sheet_name = sheet.sheet
    except InputError as exc:
        return FileResult(path, source, None, [exc.problem], digest)
    error_rows = {p.row for p in problems if p.is_error and p.row is not None}
    problems = problems + validate(source.kind, frame, file=path.name, sheet=sheet_name,
                                   unit_ids=[u.id for u in units.units.units] if source.kind != "population" else (),
                                   skip_rows=error_rows)
    return FileResult(path, source, frame, problems, digest)


def _order(items: list[tuple[Path, Source | None]]) -> list[tuple[Path, Source | None]]:
    rank = {k: i for i, k in enumerate(LOAD_ORDER)}
    return sorted(items, key=lambda it: (rank.get(it[1].kind, -1) if it[1] else -1, str(it[0])))


def check_paths(paths: Iterable[Path | str], units: UnitsFile | Config, sources: SourcesFile | None = None,
                *, base_dir: Path | None = None) -> CheckResult:
    """Check files against the config: every problem, and the tidy rows each would store."""
    if isinstance(units, Config):
        base_dir = base_dir or units.dir
        units, sources = units.units, units.sources
    if sources is None:
        raise TypeError("check_paths needs a Config, or units and sources")
    index = UnitIndex(units)
    result = CheckResult()
    matched = _order([(Path(p), match_source(Path(p), sources, base_dir)) for p in paths])
    opening: list[pd.DataFrame] = []
    for path, source in matched:
        if source is None:
            result.files.append(FileResult(path, None, None, [unmatched_problem(path, sources)], content_hash(path)))
            continue
        hours = pd.concat(opening, ignore_index=True) if opening else None
        res = check_file(path, source, index, hours)
        if source.kind == "opening_hours" and res.frame is not None and not res.has_errors:
            opening.append(res.frame)
        result.files.append(res)
    return result


def data_files(directory: Path) -> list[Path]:
    """The export files in a data directory (spreadsheets and CSV, recursively; hidden files skipped)."""
    directory = Path(directory)
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in DATA_SUFFIXES
                  and not any(part.startswith((".", "~$")) for part in p.relative_to(directory).parts))


ProgressFn = Callable[[int, int, str], None]


def load_dir(directory: Path | str | None = None, store: Store | None = None, *, user: str | None = None,
             progress: ProgressFn | None = None) -> LoadReport:
    """Load every export in ``directory`` (default: the configured data directory) into ``store``."""
    directory = Path(directory) if directory is not None else data_dir()
    if not directory.is_dir():
        raise ConfigError(directory, [("", "katalogen finns inte; ange en katalog med exporter, units.yaml "
                                           "och sources.yaml")])
    config = load_config(directory)
    if store is None:
        from etl.config import store_url

        store = Store(store_url())
    index = UnitIndex(config.units)
    store.set_units(units_frame(config.units))
    load_id = store.begin_load(user, str(directory))
    report = LoadReport(load_id)
    files = _order([(p, match_source(p, config.sources, directory)) for p in data_files(directory)])
    opening = store.read_kind("opening_hours")
    for n, (path, source) in enumerate(files):
        if progress:
            progress(n, len(files), path.name)
        rel = path.relative_to(directory).as_posix()
        digest = content_hash(path)
        if source is None:
            problems = [unmatched_problem(path, config.sources)]
            store.record_file(load_id, rel, content_hash=digest, status="unmatched", problems=problems)
            report.files.append(FileReport(rel, "", "", "unmatched", errors=1))
            report.problems += problems
            continue
        if store.has_file(digest):
            store.record_file(load_id, rel, source_id=source.id, kind=source.kind, content_hash=digest,
                              status="unchanged", problems=[])
            report.files.append(FileReport(rel, source.id, source.kind, "unchanged"))
            continue
        res = check_file(path, source, index, opening if source.kind == "visits" else None, digest)
        status = "rejected" if res.has_errors or res.frame is None else "stored"
        stored = store.record_file(load_id, rel, source_id=source.id, kind=source.kind, content_hash=digest,
                                   status=status, problems=res.problems, frame=res.frame)
        if source.kind == "opening_hours" and status == "stored":
            opening = store.read_kind("opening_hours")
        errors = sum(p.is_error for p in res.problems)
        report.files.append(FileReport(rel, source.id, source.kind, status, stored.rows_added,
                                       stored.rows_replaced, errors, len(res.problems) - errors))
        report.problems += res.problems
    if progress:
        progress(len(files), len(files), "")
    store.finish_load(load_id)
    return report
