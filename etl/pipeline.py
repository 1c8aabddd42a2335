"""The pipeline: match files to sources, then read -> normalise -> validate -> store.

``check_paths`` runs everything but the store (``bibplan check``); ``load_dir`` loads a data
directory into a :class:`~etl.store.Store` (``bibplan load``): each file is stored whole or, when it
has errors, rejected whole; a file whose content is already stored is skipped.  Both also run the
anomaly rules (:func:`etl.anomalies.detect`) on the rows of the files without errors, against what
the store holds, and add the warnings to the files they concern.  A load holds the store's load
lock from the first check to the last file stored, so two loads never interleave.

Uploads from the app: :func:`preview_upload` checks the
uploaded bytes (:func:`etl.upload_safety.save_upload`), stages them under generated names in the
data directory's ``.uploads/`` folder, and runs the same check as ``bibplan check``;
:func:`confirm_upload` then loads exactly the staged files.
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import hashlib
import json
import re
import secrets
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl import anomalies
from etl.config import ConfigError, Source, SourcesFile, UnitsFile, data_dir, load_sources, load_units
from etl.normalise import normalise
from etl.problems import Problem, has_errors
from etl.read import CSV_SUFFIXES, SPREADSHEET_SUFFIXES, InputError, read_sheet
from etl.store import Store
from etl.tables import KINDS, PERIOD_COLUMN, Tables
from etl.upload_safety import MAX_BYTES, display_name, save_upload
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
    #: The file's name as the user knows it (relative path in the data directory, or the uploaded
    #: file's name); "" = ``path.name``.  Problems and stored rows are traced to this name.
    label: str = ""
    #: The same content is already stored (a load skips it).
    unchanged: bool = False

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
            if f.frame is not None and not f.has_errors and not f.unchanged:
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
            frame, problems = normalise(sheet, source, units, opening_hours)
            sheet_name = sheet.sheet
    except InputError as exc:
        return FileResult(path, source, None, [exc.problem], digest)
    error_rows = {p.row for p in problems if p.is_error and p.row is not None}
    error_rows |= set(frame.attrs.get("failed_rows", ()))  # rows a grouped record lists
    problems = problems + validate(source.kind, frame, file=path.name, sheet=sheet_name,
                                   unit_ids=[u.id for u in units.units.units] if source.kind != "population" else (),
                                   skip_rows=error_rows)
    return FileResult(path, source, frame, problems, digest)


#: A file to check or load: where it is, and the name it is known by (problems and rows are traced
#: to that name; source patterns are matched against it).
Item = tuple[Path, str]


def _order(items: list[tuple[Item, Source | None]]) -> list[tuple[Item, Source | None]]:
    rank = {k: i for i, k in enumerate(LOAD_ORDER)}
    return sorted(items, key=lambda it: (rank.get(it[1].kind, -1) if it[1] else -1, it[0][1]))


def _with_hours(base: pd.DataFrame | None, new: list[pd.DataFrame]) -> pd.DataFrame | None:
    """The opening hours ``base`` (the store's) with the schedules in ``new`` replacing those of the
    same unit and valid_from."""
    if not new:
        return base
    fresh = pd.concat(new, ignore_index=True)
    if base is None or base.empty:
        return fresh
    key = ["unit_id", "valid_from"]
    old = base.assign(unit_id=base["unit_id"].astype(str))
    fresh = fresh.assign(unit_id=fresh["unit_id"].astype(str))
    keep = ~old.set_index(key).index.isin(fresh.set_index(key).index)
    return pd.concat([old[keep], fresh], ignore_index=True)


ProgressFn = Callable[[int, int, str], None]


def _check_items(items: list[Item], config: Config, *, base_dir: Path | None = None,
                 existing: Tables | None = None, is_stored: Callable[[str], bool] | None = None,
                 progress: ProgressFn | None = None, rules: Path | None = None) -> CheckResult:
    """Check every item in load order; then add the anomaly warnings (see :func:`add_anomalies`).
    ``is_stored(content_hash)``: files whose content is already stored are marked ``unchanged`` and
    not read."""
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
        hours = _with_hours(base_hours, opening) if source.kind == "visits" else None
        res = check_file(path, source, index, hours, digest, label)
        if source.kind == "opening_hours" and res.frame is not None and not res.has_errors:
            opening.append(res.frame)
        result.files.append(res)
    add_anomalies(result, existing, rules if rules is not None else config.dir / anomalies.RULES_FILE_NAME,
                  unit_names={u.id: u.name for u in config.units.units})
    return result


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
                labels: Mapping[Path, str] | None = None) -> CheckResult:
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
    return _check_items(items, config, base_dir=base_dir, existing=existing, rules=rules)


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
    return [name for name in ("units.yaml", "sources.yaml") if not (Path(directory) / name).is_file()]


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
               user: str | None = None, progress: ProgressFn | None = None) -> LoadReport:
    """Load export files and folders (see :func:`path_items`) with ``config`` as one load."""
    paths = [Path(p) for p in paths]
    items = path_items(paths)
    folders = [p for p in paths if p.is_dir()]
    base_dir = folders[0] if len(folders) == 1 and len(paths) == 1 else None
    return load_items(items, config, _store_for(store), user=user, origin=", ".join(str(p) for p in paths),
                      progress=progress, base_dir=base_dir)


def load_dir(directory: Path | str | None = None, store: Store | None = None, *, user: str | None = None,
             progress: ProgressFn | None = None) -> LoadReport:
    """Load every export in ``directory`` (default: the configured data directory) into ``store``."""
    directory = Path(directory) if directory is not None else data_dir()
    if not directory.is_dir():
        raise ConfigError(directory, [("", "katalogen finns inte; ange en katalog med exporter, units.yaml "
                                           "och sources.yaml")])
    config = load_config(directory)
    items = [(p, p.relative_to(directory).as_posix()) for p in data_files(directory)]
    return load_items(items, config, _store_for(store), user=user, origin=str(directory), progress=progress,
                      base_dir=directory)


def load_items(items: list[Item], config: Config, store: Store, *, user: str | None = None, origin: str = "",
               progress: ProgressFn | None = None, base_dir: Path | None = None) -> LoadReport:
    """Load files into ``store`` as one load, holding the store's load lock throughout: check them
    against the store as it is now (anomaly warnings included), then store each file without errors
    (a corrected re-export replaces its units and periods) and record every file and problem."""
    with store.load_lock():
        store.set_units(units_frame(config.units))
        load_id = store.begin_load(user, origin)
        report = LoadReport(load_id)
        existing = store.read_tables()
        checked = _check_items(items, config, base_dir=base_dir, existing=existing, is_stored=store.has_file,
                               progress=progress)
        for res in checked.files:
            if res.source is None:
                store.record_file(load_id, res.name, content_hash=res.content_hash, status="unmatched",
                                  problems=res.problems)
                report.files.append(FileReport(res.name, "", "", "unmatched", errors=1))
                report.problems += res.problems
                continue
            if res.unchanged:
                store.record_file(load_id, res.name, source_id=res.source.id, kind=res.kind,
                                  content_hash=res.content_hash, status="unchanged", problems=[])
                report.files.append(FileReport(res.name, res.source.id, res.kind, "unchanged"))
                continue
            status = "rejected" if res.has_errors or res.frame is None else "stored"
            stored = store.record_file(load_id, res.name, source_id=res.source.id, kind=res.kind,
                                       content_hash=res.content_hash, status=status, problems=res.problems,
                                       frame=res.frame)
            errors = sum(p.is_error for p in res.problems)
            report.files.append(FileReport(res.name, res.source.id, res.kind, status, stored.rows_added,
                                           stored.rows_replaced, errors, len(res.problems) - errors))
            report.problems += res.problems
        if progress:
            progress(len(checked.files), len(checked.files), "")
        store.finish_load(load_id)
    return report


# --------------------------------------------------------------------------- uploads
#: The folder (inside the data directory) uploads are staged in; hidden, so ``load_dir`` skips it.
STAGING_DIR = ".uploads"
#: The list of a preview's staged files, written into its staging folder (see :func:`staged_upload`).
MANIFEST = "manifest.json"
_TOKEN = re.compile(r"^[0-9a-f]{16}$")


class UploadChanged(Exception):
    """A staged upload is missing or no longer has the content that was previewed (Swedish text)."""


@dataclass(frozen=True)
class StagedFile:
    """One uploaded file: its name for display, and where and with which content it is staged
    (``path`` is None when the upload was refused by the safety check)."""

    label: str
    path: Path | None
    sha256: str
    size: int


@dataclass
class Preview:
    """What a load of uploaded files would do, before anything is stored.

    ``problems``: every problem (safety check, reading, validation, anomaly warnings), traced to the
    uploaded file names.  ``replaces``: per file, source, kind and unit, the periods it covers and
    how many stored rows in them it would replace (``file, source, kind, unit, first, last, rows``).
    """

    token: str
    config_dir: Path
    staging_dir: Path
    files: list[StagedFile]
    problems: list[Problem]
    replaces: pd.DataFrame
    check: CheckResult

    @property
    def has_errors(self) -> bool:
        return has_errors(self.problems)

    @property
    def loadable(self) -> list[str]:
        """Names of the files a confirm would store (staged, matched, without errors)."""
        return [f.name for f in self.check.files if f.source is not None and not f.has_errors
                and f.frame is not None and not f.unchanged]


REPLACES_COLUMNS = ["file", "source", "kind", "unit", "first", "last", "rows"]


def preview_upload(files: list[tuple[str, bytes]], directory: Path | str | None = None,
                   store: Store | None = None, *, max_bytes: int = MAX_BYTES) -> Preview:
    """Check uploaded files (``(file name, content)`` pairs) without storing anything.

    Each file passes :func:`etl.upload_safety.save_upload` (type by content, size, zip bomb, XML
    entities) and is staged under a generated name in ``<data dir>/.uploads/<token>/``; the name the
    user gave is only a label.  The staged files then get the same check as ``bibplan check``
    against the config of ``directory`` (default: the configured data directory) and, with anomaly
    warnings, against what ``store`` holds.  Raises :class:`etl.config.ConfigError` for a bad config."""
    directory = Path(directory) if directory is not None else data_dir()
    config = load_config(directory)
    token = secrets.token_hex(8)
    staging = directory / STAGING_DIR / token
    staged: list[StagedFile] = []
    problems: list[Problem] = []
    items: list[Item] = []
    for original, content in files:
        label = display_name(original)
        checked, found = save_upload(staging, original, content, max_bytes=max_bytes)
        problems += found
        if checked is None:
            staged.append(StagedFile(label, None, hashlib.sha256(content).hexdigest(), len(content)))
            continue
        staged.append(StagedFile(label, checked.path, checked.sha256, len(content)))
        items.append((checked.path, label))
    existing = store.read_tables() if store is not None else None
    result = _check_items(items, config, existing=existing,
                          is_stored=store.has_file if store is not None else None)
    problems += result.problems
    _write_manifest(staging, staged)
    problems += [Problem("varning", "already_loaded", "Filen är redan inläst med exakt samma innehåll; den "
                         "hoppas över vid inläsningen.", file=f.name) for f in result.files if f.unchanged]
    parts = []
    for f in result.files:
        if f.source is None or f.has_errors or f.frame is None or f.unchanged:
            continue
        if store is not None:
            spans = store.would_replace(f.kind, f.frame)
        else:
            spans = f.replaces().drop(columns="kind").assign(rows=0)
        parts.append(spans.assign(file=f.name, source=f.source.id, kind=f.kind))
    replaces = (pd.concat(parts, ignore_index=True)[REPLACES_COLUMNS] if parts
                else pd.DataFrame(columns=REPLACES_COLUMNS))
    return Preview(token, directory, staging, staged, problems, replaces, result)


def _write_manifest(staging: Path, staged: list[StagedFile]) -> None:
    staging.mkdir(parents=True, exist_ok=True)
    entries = [{"label": f.label, "name": f.path.name if f.path else None, "sha256": f.sha256, "size": f.size}
               for f in staged]
    (staging / MANIFEST).write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")


def staged_upload(token: str, directory: Path | str | None = None) -> list[StagedFile]:
    """The files a preview staged, read back from its staging folder by ``token`` (so a confirm
    can run in another process than the preview, e.g. another gunicorn worker).  Only names inside
    the staging folder are accepted.  Raises :class:`UploadChanged` for an unknown token."""
    directory = Path(directory) if directory is not None else data_dir()
    staging = directory / STAGING_DIR / str(token)
    if not _TOKEN.match(str(token)) or not (staging / MANIFEST).is_file():
        raise UploadChanged("Uppladdningen finns inte längre (den kan redan vara inläst eller borttagen). "
                            "Ladda upp filerna igen.")
    out = []
    for e in json.loads((staging / MANIFEST).read_text(encoding="utf-8")):
        name = e.get("name")
        path = None
        if name is not None:
            if Path(name).name != name or name in (".", "..", MANIFEST):
                raise UploadChanged("Uppladdningens fillista är ogiltig. Ladda upp filerna igen.")
            path = staging / name
        out.append(StagedFile(str(e["label"]), path, str(e["sha256"]), int(e["size"])))
    return out


def confirm_staged(token: str, store: Store, user: str | None = None,
                   directory: Path | str | None = None) -> LoadReport:
    """:func:`confirm_upload` for a preview known only by its ``token`` (the app keeps only the
    token in the browser)."""
    directory = Path(directory) if directory is not None else data_dir()
    files = staged_upload(token, directory)
    preview = Preview(token, directory, directory / STAGING_DIR / token, files, [],
                      pd.DataFrame(columns=REPLACES_COLUMNS), CheckResult())
    return confirm_upload(preview, store, user)


def confirm_upload(preview: Preview, store: Store, user: str | None = None) -> LoadReport:
    """Load exactly the files staged by ``preview`` (refused uploads are not among them) as one
    load by ``user``.  The files are checked again under the load lock, against the store as it is
    then.  Raises :class:`UploadChanged` if a staged file is gone or its content differs from the
    preview's."""
    items: list[Item] = []
    for f in preview.files:
        if f.path is None:
            continue
        if not f.path.is_file() or content_hash(f.path) != f.sha256:
            raise UploadChanged(f"Den uppladdade filen {f.label} finns inte längre eller har ändrats sedan "
                                "kontrollen. Ladda upp filerna igen.")
        items.append((f.path, f.label))
    config = load_config(preview.config_dir)
    return load_items(items, config, store, user=user, origin=f"uppladdning {preview.token}")


def discard_upload(preview: Preview) -> None:
    """Remove a preview's staged files (an upload the user did not confirm)."""
    shutil.rmtree(preview.staging_dir, ignore_errors=True)
