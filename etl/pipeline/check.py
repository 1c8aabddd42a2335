"""Check files against the config: match each to its source, read -> normalise -> validate, then the
anomaly rules against what the store holds (nothing is stored here).
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl import anomalies, replace_guard
from etl.config import Source, SourcesFile, UnitsFile, load_sources, load_units
from etl.normalise import normalise
from etl.problems import Problem, has_errors
from etl.read import CSV_SUFFIXES, SPREADSHEET_SUFFIXES, InputError, read_sheet
from etl.schedule import combine_opening_hours
from etl.tables import KINDS, PERIOD_COLUMN, UNIT_COLUMN, Tables
from etl.transactions import read_transactions
from etl.units import UnitIndex
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
    #: The file's name as the user knows it (relative path in the data directory, or the uploaded
    #: file's name); "" = ``path.name``.  Problems and stored rows are traced to this name.
    label: str = ""
    #: The same content is already stored (a load skips it).
    unchanged: bool = False
    #: Stored and new unit-periods and totals per unit and month where the file would replace stored
    #: data with far less (``etl.replace_guard.DIFF_COLUMNS``); None when it would not.
    shrinks: pd.DataFrame | None = None

    @property
    def name(self) -> str:
        return self.label or self.path.name

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
        unit = UNIT_COLUMN[self.kind]
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
            if f.frame is not None and not f.has_errors and not f.unchanged:
                out.setdefault(f.kind, []).append(f.frame)
        return {k: pd.concat(v, ignore_index=True) for k, v in out.items()}

    @property
    def replaces(self) -> pd.DataFrame:
        parts = [f.replaces() for f in self.files if not f.has_errors]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["kind", "unit", "first", "last"])




def content_hash(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def match_source(path: Path, sources: SourcesFile, base_dir: Path | None = None,
                 name: str | None = None) -> Source | None:
    """The first source whose glob ``pattern`` matches the file (relative to the data directory,
    or by file name; ``name``, when given, is the name to match instead, e.g. an upload's)."""
    if name is not None:
        names = [name, Path(name).name]
    else:
        names = [path.name]
    if base_dir is not None and name is None:
        try:
            names.insert(0, path.resolve().relative_to(Path(base_dir).resolve()).as_posix())
        except ValueError:
            pass
    for s in sources.sources:
        if any(fnmatch.fnmatch(n.casefold(), s.pattern.casefold()) for n in names):
            return s
    return None


def unmatched_problem(path: Path, sources: SourcesFile, label: str | None = None) -> Problem:
    patterns = [s.pattern for s in sources.sources]
    name = label or path.name
    close = difflib.get_close_matches(Path(name).name, patterns, n=1, cutoff=0.3)
    hint = f" Närmast är {close[0]!r}." if close else ""
    return Problem("fel", "unmatched_file", f"Filen passar inget mönster i sources.yaml ({', '.join(patterns)})."
                   f"{hint} Byt namn på filen eller lägg till en källa med ett pattern som passar.",
                   file=name)


def check_file(path: Path, source: Source, units: UnitIndex, opening_hours: pd.DataFrame | None = None,
               digest: str | None = None, label: str | None = None) -> FileResult:
    """Read, normalise and validate one file (nothing is stored).  ``label``: the name to trace
    problems and rows to (default: the file name)."""
    digest = digest or content_hash(path)
    res = _check_file(path, source, units, opening_hours, digest)
    return _relabel(res, label) if label and label != path.name else res


def _relabel(res: FileResult, label: str) -> FileResult:
    """``res`` with its problems and rows traced to ``label`` instead of the file name on disk."""
    old = res.path.name
    problems = [dataclasses.replace(p, file=label) if p.file == old else p for p in res.problems]
    frame = res.frame
    if frame is not None and "source_file" in frame:
        frame = frame.assign(source_file=frame["source_file"].where(frame["source_file"] != old, label))
    return dataclasses.replace(res, problems=problems, frame=frame, label=label)


def _check_file(path: Path, source: Source, units: UnitIndex, opening_hours: pd.DataFrame | None,
                digest: str) -> FileResult:
    try:
        if source.layout == "transactions":
            frame, problems = read_transactions(path, source, units)
            sheet_name = str(frame["source_sheet"].iat[0]) if len(frame) else ""
        else:
            sheet = read_sheet(path, source)
            tidy, problems = normalise(sheet, source, units, opening_hours)
            frame, columns, failed = tidy.frame, tidy.columns, tidy.failed_rows
            sheet_name = sheet.sheet
        if source.layout == "transactions":
            columns, failed = {}, []
        error_rows = {p.row for p in problems if p.is_error and p.row is not None}
        error_rows |= set(failed)  # rows a grouped record lists
        problems = problems + validate(source.kind, frame, file=path.name, sheet=sheet_name, columns=columns,
                                       unit_ids=[u.id for u in units.units.units] if UNIT_COLUMN[source.kind] == "unit_id" else (),
                                       skip_rows=error_rows, bounds=source.bounds(), ratio=source.plausible_ratio)
    except InputError as exc:
        return FileResult(path, source, None, [exc.problem], digest)
    except Exception as exc:  # noqa: BLE001 -- no input may end in a traceback: it is a problem record
        return FileResult(path, source, None, [unexpected_problem(path.name, exc)], digest)
    return FileResult(path, source, frame, problems, digest)


def unexpected_problem(file: str, exc: BaseException) -> Problem:
    """A file that made a reader fail in a way no check foresaw: one error record, never a traceback."""
    what = f"{type(exc).__name__}: {exc}"[:300]
    return Problem("fel", "unreadable", f"Filen kunde inte läsas ({what}). Öppna den i Excel och spara den som "
                   ".xlsx (eller CSV UTF-8) och försök igen; kvarstår felet, skicka filen till den som sköter bibplan.",
                   file=file)


#: A file to check or load: where it is, and the name it is known by (problems and rows are traced
#: to that name; source patterns are matched against it).
Item = tuple[Path, str]


def _order(items: list[tuple[Item, Source | None]]) -> list[tuple[Item, Source | None]]:
    rank = {k: i for i, k in enumerate(LOAD_ORDER)}
    return sorted(items, key=lambda it: (rank.get(it[1].kind, -1) if it[1] else -1, it[0][1]))


ProgressFn = Callable[[int, int, str], None]


def _check_items(items: list[Item], config: Config, *, base_dir: Path | None = None,
                 existing: Tables | None = None, is_stored: Callable[[str], bool] | None = None,
                 progress: ProgressFn | None = None, rules: Path | None = None,
                 replace: bool = False) -> CheckResult:
    """Check every item in load order; then add the anomaly warnings (see :func:`add_anomalies`).
    ``is_stored(content_hash)``: files whose content is already stored are marked ``unchanged`` and
    not read.  A file that would replace stored periods with far less is an error per unit unless
    ``replace`` (see :mod:`etl.replace_guard`)."""
    index = UnitIndex(config.units)
    matched = _order([((path, label), match_source(path, config.sources, base_dir,
                                                   None if label == path.name else label))
                      for path, label in items])
    result = CheckResult()
    base_hours = existing.opening_hours if existing is not None else None
    opening: list[pd.DataFrame] = []
    for n, ((path, label), source) in enumerate(matched):
        if progress:
            progress(n, len(matched), label)
        digest = content_hash(path)
        if source is None:
            result.files.append(FileResult(path, None, None, [unmatched_problem(path, config.sources, label)],
                                           digest, label))
            continue
        if is_stored is not None and is_stored(digest):
            result.files.append(FileResult(path, source, None, [], digest, label, unchanged=True))
            continue
        hours = combine_opening_hours(base_hours, opening) if source.kind == "visits" else None
        res = check_file(path, source, index, hours, digest, label)
        if source.kind == "opening_hours" and res.frame is not None and not res.has_errors:
            opening.append(res.frame)
        if existing is not None and res.frame is not None and not res.has_errors:
            _guard_replacement(res, existing, config, replace)
        result.files.append(res)
    add_anomalies(result, existing, rules if rules is not None else config.dir / anomalies.RULES_FILE_NAME,
                  unit_names={u.id: u.name for u in config.units.units})
    return result


def _guard_replacement(res: FileResult, existing: Tables, config: Config, replace: bool) -> None:
    """Ask before ``res`` replaces stored periods with far less (:mod:`etl.replace_guard`): one
    problem per unit (an error, or with ``replace`` a warning) and the difference per unit and month
    in ``res.shrinks``."""
    source = res.source
    stored = getattr(existing, res.kind, None)
    found = replace_guard.shrinking(res.kind, res.frame, stored, source.replace_share)
    if not found:
        return
    res.shrinks = replace_guard.difference(res.kind, res.frame, stored, [s.unit for s in found])
    names = {u.id: u.name for u in config.units.units}
    res.problems += replace_guard.problems(found, file=res.name, unit_names=names, replace=replace,
                                           share=source.replace_share)


def add_anomalies(result: CheckResult, existing: Tables | None = None,
                  rules: Path | None = None, unit_names: Mapping[str, str] | None = None) -> list[Problem]:
    """Run :func:`etl.anomalies.detect` on the rows of ``result``'s files without errors against
    ``existing`` (what the store holds) and add each warning to the file it names; a warning that
    names no file of the check (a unit missing a month when several files could hold it) goes to
    the first file with rows, under that file's name.  A run of counter outage days found both by
    the file's own check and by the anomaly rule is reported once.  ``unit_names``: unit id -> name
    for the messages (the register's).  Returns the warnings added."""
    frames = result.frames
    if not frames:
        return []
    found = anomalies.detect(frames, existing, rules=rules if rules is not None and rules.exists() else None,
                             unit_names=unit_names)
    by_name = {f.name: f for f in result.files if f.frame is not None and not f.has_errors and not f.unchanged}
    # The anomaly rule reports a run of outage days against the opening hours; the file's own check
    # reported the same run (same unit, same first row): keep one record, the rule's.
    runs = {(p.file, p.unit_id, p.row) for p in found if p.code == "counter_outage"}
    for f in by_name.values():
        f.problems[:] = [p for p in f.problems if not (p.code == "counter_outage" and p.severity == "varning"
                                                       and (f.name, p.unit_id, p.row) in runs)]
    fallback = next(iter(by_name.values()))
    for p in found:
        target = by_name.get(p.file)
        if target is None:
            target = fallback
            p = dataclasses.replace(p, file=target.name)
        target.problems.append(p)
    return found


def check_paths(paths: Iterable[Path | str], units: UnitsFile | Config, sources: SourcesFile | None = None,
                *, base_dir: Path | None = None, existing: Tables | None = None,
                labels: Mapping[Path, str] | None = None, replace: bool = False) -> CheckResult:
    """Check files against the config: every problem, anomaly warnings against ``existing`` (what the
    store holds; None = nothing), and the tidy rows each would store.  ``labels``: the name to
    match and report a path by (default: its file name)."""
    if isinstance(units, Config):
        base_dir = base_dir or units.dir
        config = units
    else:
        if sources is None:
            raise TypeError("check_paths needs a Config, or units and sources")
        config = Config(Path(base_dir) if base_dir is not None else Path("."), units, sources)
    labels = labels or {}
    items = [(Path(p), labels.get(Path(p), Path(p).name)) for p in paths]
    rules = config.dir / anomalies.RULES_FILE_NAME if base_dir is not None else anomalies.DEFAULT_RULES_PATH
    return _check_items(items, config, base_dir=base_dir, existing=existing, rules=rules, replace=replace)
