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


from etl.pipeline.check import (
    DATA_SUFFIXES,
    LOAD_ORDER,
    CheckResult,
    Config,
    FileResult,
    Item,
    ProgressFn,
    add_anomalies,
    check_file,
    check_paths,
    config_hash,
    content_hash,
    load_config,
    match_source,
    unexpected_problem,
    match_sources,
    unmatched_problem,
)
from etl.pipeline.load import (
    FileReport,
    LoadReport,
    config_dir_for,
    data_files,
    interrupted_problem,
    load_dir,
    load_items,
    load_paths,
    missing_config,
    path_items,
)
from etl.pipeline.uploads import (
    MANIFEST,
    REPLACES_COLUMNS,
    STAGING_DIR,
    Preview,
    StagedFile,
    UploadChanged,
    confirm_staged,
    confirm_upload,
    discard_staged,
    discard_upload,
    preview_upload,
    replacement_question,
    staged_upload,
    sweep_staging,
)

__all__ = [
    "DATA_SUFFIXES", "LOAD_ORDER", "MANIFEST", "REPLACES_COLUMNS", "STAGING_DIR", "CheckResult", "Config",
    "FileReport", "FileResult", "Item", "LoadReport", "Preview", "ProgressFn", "StagedFile", "UploadChanged",
    "add_anomalies", "check_file", "check_paths", "config_dir_for", "config_hash", "confirm_staged", "confirm_upload",
    "content_hash", "data_files", "discard_staged", "discard_upload", "interrupted_problem", "load_config", "load_dir",
    "load_items", "load_paths", "match_source", "match_sources", "missing_config", "path_items", "preview_upload",
    "replacement_question", "staged_upload", "sweep_staging", "unexpected_problem", "unmatched_problem",
]
