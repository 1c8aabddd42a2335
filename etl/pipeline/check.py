"""Check files against the config: match each to its source, read -> normalise -> validate, then the
anomaly rules against what the store holds (nothing is stored here).
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl import anomalies, changes, replace_guard
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
    #: False: the folder has no ``units.yaml`` (only benchmark sources need none); the stored unit
    #: register is then left as it is.
    has_units: bool = True


def benchmark_only(sources: SourcesFile) -> bool:
    """Every source is ``kind: benchmark`` (published statistics need no unit register)."""
    return bool(sources.sources) and all(s.kind == "benchmark" for s in sources.sources)


def load_config(directory: Path) -> Config:
    """``units.yaml`` and ``sources.yaml`` of a data directory (raises ConfigError); a folder whose
    sources are all benchmark data may leave out ``units.yaml``."""
    directory = Path(directory)
    sources = load_sources(directory / "sources.yaml")
    if not (directory / "units.yaml").is_file() and benchmark_only(sources):
        return Config(directory, UnitsFile(units=[]), sources, has_units=False)
    return Config(directory, load_units(directory / "units.yaml"), sources)


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
    #: The same content is already stored, read with the same configuration (a load skips it).
    unchanged: bool = False
    #: Stored and new unit-periods and totals per unit and month where the file would replace stored
    #: data with far less (``etl.replace_guard.DIFF_COLUMNS``); None when it would not.
    shrinks: pd.DataFrame | None = None
    #: The source definition and unit register this file is read with (:func:`config_hash`).
    config_hash: str = ""
    #: The same content is stored but was read with another configuration: a load reads it again
    #: and replaces every row it stored before.
    reread: bool = False

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
        start = PERIOD_COLUMN[self.kind]
        end = "period_end" if "period_end" in self.frame else start  # a month ends on its last day
        grouped = self.frame.groupby(unit, observed=True)
        spans = pd.DataFrame({"min": grouped[start].min(), "max": grouped[end].max()}).reset_index()
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


def _names(path: Path, base_dir: Path | None, name: str | None) -> list[str]:
    """The names a file is matched by: its path relative to the data directory, its file name (or
    ``name`` and its last part, e.g. an upload's)."""
    if name is not None:
        return [name, Path(name).name]
    names = [path.name]
    if base_dir is not None:
        try:
            names.insert(0, path.resolve().relative_to(Path(base_dir).resolve()).as_posix())
        except ValueError:
            pass
    return names


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A glob with ``{year}`` (``besok_{year}.xlsx``) as a regular expression with a year group."""
    parts = []
    for token in re.split(r"(\{year\}|\*|\?)", pattern.casefold()):
        parts.append({"{year}": r"(?P<year>\d{4})", "*": ".*", "?": "."}.get(token, re.escape(token)))
    return re.compile("".join(parts))


def _matches(source: Source, names: list[str]) -> bool:
    if "{year}" in source.pattern:
        rx = _pattern_regex(source.pattern)
        return any(rx.fullmatch(n.casefold()) for n in names)
    return any(fnmatch.fnmatch(n.casefold(), source.pattern.casefold()) for n in names)


def file_year(source: Source, names: list[str]) -> int | None:
    """The year in the file's name, by ``{year}`` in the source's pattern or its ``file_year``."""
    for n in names:
        if "{year}" in source.pattern and (m := _pattern_regex(source.pattern).fullmatch(n.casefold())):
            return int(m["year"])
        if source.file_year and (m := re.search(source.file_year, n, re.IGNORECASE)):
            return int(m["year"])
    return None


def match_sources(path: Path, sources: SourcesFile, base_dir: Path | None = None,
                  name: str | None = None) -> list[Source]:
    """Every source whose glob ``pattern`` matches the file (relative to the data directory, or by
    file name; ``name``, when given, is the name to match instead, e.g. an upload's), in the order
    of sources.yaml: several sources may read one file (other sheets or columns of a workbook).
    A source that takes its year from the file name gets it as the constant ``year``."""
    names = _names(path, base_dir, name)
    out = []
    for s in sources.sources:
        if not _matches(s, names):
            continue
        year = file_year(s, names) if ("{year}" in s.pattern or s.file_year) else None
        if year is not None and "year" not in s.constants:
            s = s.model_copy(update={"constants": {**s.constants, "year": year}})
        out.append(s)
    return out


def match_source(path: Path, sources: SourcesFile, base_dir: Path | None = None,
                 name: str | None = None) -> Source | None:
    """The first source that reads the file (see :func:`match_sources`), or None."""
    found = match_sources(path, sources, base_dir, name)
    return found[0] if found else None


def unmatched_problem(path: Path, sources: SourcesFile, label: str | None = None) -> Problem:
    patterns = [s.pattern for s in sources.sources]
    name = label or path.name
    close = difflib.get_close_matches(Path(name).name, patterns, n=1, cutoff=0.3)
    hint = f" Närmast är {close[0]!r}." if close else ""
    return Problem("fel", "unmatched_file", f"Filen passar inget mönster i sources.yaml ({', '.join(patterns)})."
                   f"{hint} Byt namn på filen eller lägg till en källa med ett pattern som passar.",
                   file=name)


def check_file(path: Path, source: Source, units: UnitIndex, opening_hours: pd.DataFrame | None = None,
               digest: str | None = None, label: str | None = None, *, outages: bool = True) -> FileResult:
    """Read, normalise and validate one file (nothing is stored).  ``label``: the name to trace
    problems and rows to (default: the file name)."""
    digest = digest or content_hash(path)
    res = _check_file(path, source, units, opening_hours, digest, outages)
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
                digest: str, outages: bool = True) -> FileResult:
    try:
        if source.layout == "transactions":
            frame, problems = read_transactions(path, source, units)
            sheet_name = str(frame["source_sheet"].iat[0]) if len(frame) else ""
        else:
            sheet = read_sheet(path, source)
            tidy, problems = normalise(sheet, source, units, opening_hours, outages=outages)
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


def _declared(source: Source, sources: SourcesFile) -> Source:
    """The source as sources.yaml declares it (without a year taken from the file name)."""
    return next((s for s in sources.sources if s.id == source.id), source)


def config_hash(source: Source, units: UnitsFile) -> str:
    """What "read the same way" means: the source's definition in sources.yaml and the unit
    register (aliases decide which unit a row is).  A change to either reads the file again."""
    text = source.model_dump_json() + "\n" + units.model_dump_json()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: Why a stored file is read again (``FileResult.reread``), by :meth:`etl.store.Store.file_state`.
REREAD_MESSAGES = {
    "config_changed": "Konfigurationen för källan har ändrats: filen läses om och ersätter de rader den "
                      "gav förra gången.",
    "config_unknown": "Filen lästes in innan bibplan sparade hur filer läses: filen läses om med den "
                      "nuvarande konfigurationen och ersätter de rader den gav förra gången.",
}


def _check_items(items: list[Item], config: Config, *, base_dir: Path | None = None,
                 existing: Tables | None = None, stored_state: Callable[[str, str], str] | None = None,
                 progress: ProgressFn | None = None, rules: Path | None = None,
                 replace: bool = False) -> CheckResult:
    """Check every item in load order; then add the anomaly warnings (see :func:`add_anomalies`).
    ``stored_state(content_hash, config_hash)`` (:meth:`etl.store.Store.file_state`): a file
    already stored with the same content and configuration is marked ``unchanged`` and not read;
    one stored with the same content but another configuration is read again (``reread``) with
    a warning saying so.  A file that would replace stored periods with far less is an error per
    unit unless ``replace`` (see :mod:`etl.replace_guard`)."""
    index = UnitIndex(config.units)
    rules = rules if rules is not None else config.dir / anomalies.RULES_FILE_NAME
    outages = anomalies.load_rules(rules).counter_outage.enabled
    pairs: list[tuple[Item, Source | None]] = []
    for path, label in items:
        found = match_sources(path, config.sources, base_dir, None if label == path.name else label)
        pairs += [((path, label), s) for s in found] if found else [((path, label), None)]
    matched = _order(pairs)
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
        chash = config_hash(_declared(source, config.sources), config.units)
        state = stored_state(digest, chash) if stored_state is not None else "new"
        if state == "unchanged":
            result.files.append(FileResult(path, source, None, [], digest, label, unchanged=True,
                                           config_hash=chash))
            continue
        hours = combine_opening_hours(base_hours, opening) if source.kind == "visits" else None
        res = check_file(path, source, index, hours, digest, label, outages=outages)
        res.config_hash = chash
        if state in REREAD_MESSAGES:
            res.reread = True
            res.problems.insert(0, Problem("varning", "config_changed", REREAD_MESSAGES[state], file=res.name))
        if source.kind == "opening_hours" and res.frame is not None and not res.has_errors:
            opening.append(res.frame)
        if existing is not None and res.frame is not None and not res.has_errors:
            _guard_replacement(res, existing, config, replace)
        result.files.append(res)
    add_anomalies(result, existing, rules, unit_names={u.id: u.name for u in config.units.units})
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
    ``existing`` (what the store holds), limited to the unit-months the load changes (a re-export
    of stored months is not warned about again), and add each warning to the file it names; a warning that
    names no file of the check (a unit missing a month when several files could hold it) goes to
    the first file with rows, under that file's name.  A run of counter outage days found both by
    the file's own check and by the anomaly rule is reported once.  ``unit_names``: unit id -> name
    for the messages (the register's).  Returns the warnings added."""
    frames = result.frames
    if existing is not None:  # only the unit-months the load changes (changes.brought)
        frames = {k: changes.brought(k, v, getattr(existing, k)) for k, v in frames.items()}
        frames = {k: v for k, v in frames.items() if not v.empty}
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
                labels: Mapping[Path, str] | None = None, replace: bool = False,
                stored_state: Callable[[str, str], str] | None = None) -> CheckResult:
    """Check files against the config: every problem, anomaly warnings against ``existing`` (what the
    store holds; None = nothing), and the tidy rows each would store.  ``labels``: the name to
    match and report a path by (default: its file name).  ``stored_state``: the store's
    :meth:`~etl.store.Store.file_state`, so the check shows what a load would do (skip a file
    already stored the same way, read one again whose configuration changed)."""
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
    return _check_items(items, config, base_dir=base_dir, existing=existing, rules=rules, replace=replace,
                        stored_state=stored_state)
