"""Uploads from the app: check uploaded bytes, stage them, preview what a load would do, then load
exactly the staged files.

Staging folders do not outlive their use: a confirm removes its folder, a new preview in the same
page removes the one it replaces (:func:`discard_staged`), and every preview first removes folders
older than :data:`STAGING_MAX_AGE_S` (abandoned previews).  Confirming is idempotent: the load of
an upload is recorded with its token, and a second confirm of the same token returns that load's
report instead of loading again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl import replace_guard
from etl.config import data_dir
from etl.pipeline.check import CheckResult, Item, _check_items, content_hash, load_config
from etl.pipeline.load import FileReport, LoadReport, load_items
from etl.problems import Problem, has_errors
from etl.store import Store
from etl.upload_safety import MAX_BYTES, display_name, save_upload

# --------------------------------------------------------------------------- uploads
#: The folder (inside the data directory) uploads are staged in; hidden, so ``load_dir`` skips it.
STAGING_DIR = ".uploads"
#: The list of a preview's staged files, written into its staging folder (see :func:`staged_upload`).
MANIFEST = "manifest.json"
_TOKEN = re.compile(r"^[0-9a-f]{16}$")
#: A preview not confirmed within this time is abandoned; its staged files are removed.
STAGING_MAX_AGE_S = 2 * 3600
#: Created (exclusively) in a staging folder while its confirm runs: a second confirm waits for none.
CLAIM = ".confirming"


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
    sweep_staging(directory)
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
                          stored_state=store.file_state if store is not None else None)
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
                   directory: Path | str | None = None, *, replace: bool = False) -> LoadReport:
    """:func:`confirm_upload` for a preview known only by its ``token`` (the app keeps only the
    token in the browser)."""
    directory = Path(directory) if directory is not None else data_dir()
    if _TOKEN.match(str(token)) and (done := _confirmed(store, str(token))) is not None:
        shutil.rmtree(directory / STAGING_DIR / str(token), ignore_errors=True)
        return done
    files = staged_upload(token, directory)
    preview = Preview(token, directory, directory / STAGING_DIR / token, files, [],
                      pd.DataFrame(columns=REPLACES_COLUMNS), CheckResult())
    return confirm_upload(preview, store, user, replace=replace)


def confirm_upload(preview: Preview, store: Store, user: str | None = None, *, replace: bool = False) -> LoadReport:
    """Load exactly the files staged by ``preview`` (refused uploads are not among them) as one
    load by ``user``.  The files are checked again under the load lock, against the store as it is
    then; ``replace``: the user confirmed the replacements that shrink (:func:`replacement_question`).
    Raises :class:`UploadChanged` if a staged file is gone or its content differs from the preview's.
    Idempotent: a preview already loaded returns that load's report (its problems are
    with the load in the store); its staging folder is removed once loaded."""
    if (done := _confirmed(store, preview.token)) is not None:
        discard_upload(preview)
        return done
    try:
        fd = os.open(preview.staging_dir / CLAIM, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UploadChanged("Uppladdningen läses redan in. Vänta en stund och ladda om sidan.") from None
    except FileNotFoundError:
        raise UploadChanged("Uppladdningen finns inte längre (den kan redan vara inläst eller borttagen). "
                            "Ladda upp filerna igen.") from None
    os.close(fd)
    try:
        report = _load_staged(preview, store, user, replace)
    except BaseException:
        (preview.staging_dir / CLAIM).unlink(missing_ok=True)
        raise
    discard_upload(preview)
    return report


def _origin(token: str) -> str:
    return f"uppladdning {token}"


def _confirmed(store: Store, token: str) -> LoadReport | None:
    """The report of the load that already stored the upload ``token``, or ``None``."""
    loads = store.loads()
    done = loads[(loads["data_dir"] == _origin(token)) & loads["finished_at"].notna()]
    if done.empty:
        return None
    row = done.iloc[-1]
    keys = ("file", "source_id", "kind", "status", "rows_added", "rows_replaced", "errors", "warnings")
    return LoadReport(int(row["id"]), [FileReport(*(f[k] for k in keys)) for f in row["files"]])


def _load_staged(preview: Preview, store: Store, user: str | None, replace: bool) -> LoadReport:
    items: list[Item] = []
    for f in preview.files:
        if f.path is None:
            continue
        if not f.path.is_file() or content_hash(f.path) != f.sha256:
            raise UploadChanged(f"Den uppladdade filen {f.label} finns inte längre eller har ändrats sedan "
                                "kontrollen. Ladda upp filerna igen.")
        items.append((f.path, f.label))
    config = load_config(preview.config_dir)
    return load_items(items, config, store, user=user, origin=_origin(preview.token), replace=replace)


def replacement_question(preview: Preview) -> pd.DataFrame:
    """The question a confirm must answer before it replaces stored data with far less: per file,
    unit and month the stored and the new unit-periods and totals (``file`` plus
    ``etl.replace_guard.DIFF_COLUMNS``; empty when there is nothing to ask).  Confirming means
    ``confirm_upload(..., replace=True)``."""
    parts = [f.shrinks.assign(file=f.name) for f in preview.check.files if f.shrinks is not None]
    if not parts:
        return pd.DataFrame(columns=["file", *replace_guard.DIFF_COLUMNS])
    return pd.concat(parts, ignore_index=True)[["file", *replace_guard.DIFF_COLUMNS]]


def discard_upload(preview: Preview) -> None:
    """Remove a preview's staged files (an upload the user did not confirm)."""
    shutil.rmtree(preview.staging_dir, ignore_errors=True)


def discard_staged(token: str | None, directory: Path | str | None = None) -> None:
    """Remove the staging folder of ``token`` (a preview replaced by a new one, or cancelled);
    a confirm in progress keeps its folder."""
    if not token or not _TOKEN.match(str(token)):
        return
    directory = Path(directory) if directory is not None else data_dir()
    staging = directory / STAGING_DIR / str(token)
    if not (staging / CLAIM).exists():
        shutil.rmtree(staging, ignore_errors=True)


def sweep_staging(directory: Path | str, max_age_s: float = STAGING_MAX_AGE_S, now: float | None = None) -> list[str]:
    """Remove staging folders last changed more than ``max_age_s`` ago (abandoned previews);
    returns their tokens."""
    root = Path(directory) / STAGING_DIR
    if not root.is_dir():
        return []
    now = time.time() if now is None else now
    removed = []
    for folder in root.iterdir():
        try:
            old = now - folder.stat().st_mtime > max_age_s
        except FileNotFoundError:
            continue
        if old and folder.is_dir() and _TOKEN.match(folder.name):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed
