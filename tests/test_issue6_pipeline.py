"""Issue 6 backend: anomaly warnings on every load, reviewed warnings, load history and undo,
serialised loads, and upload preview/confirm."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from etl.pipeline import (
    STAGING_DIR,
    UploadChanged,
    check_paths,
    confirm_upload,
    discard_upload,
    load_config,
    load_dir,
    preview_upload,
)
from etl.store import ReviewError, Store

SOURCES = """\
sources:
  - {id: utlan, kind: loans, pattern: "utlan*.xlsx"}
  - {id: enkat, kind: survey, pattern: "enkat*.xlsx", constants: {wave: 2024}}
"""
HEADER = ["Månad", "Filial", "Medietyp", "Målgrupp", "Nylån", "Omlån"]


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An empty store on SQLite and on PostgreSQL (``store_url`` in conftest.py)."""
    store = Store(store_url)
    yield store
    store.engine.dispose()


def loans_rows(unit: str, months: list[str], initial: list[int]) -> list[list[object]]:
    return [[m, unit, "Bok", "Vuxna", n, 0] for m, n in zip(months, initial, strict=True)]


def xlsx_bytes(rows: list[list[object]], sheet: str = "Blad1") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def loans_by_month(store: Store) -> dict[tuple[str, str], int]:
    df = store.read_tables().loans
    g = df.groupby(["unit_id", "month"], observed=True)["initial_loans"].sum()
    return {(str(u), m.strftime("%Y-%m")): int(v) for (u, m), v in g.items()}


# --------------------------------------------------------------------------- anomalies in the pipeline
def test_load_stores_anomaly_warnings_against_the_store(data_dir, write_xlsx, store):
    d = data_dir(SOURCES)
    months_2023 = ["2023-01", "2023-02", "2023-03"]
    write_xlsx(d / "utlan_2023.xlsx", [HEADER, *loans_rows("Gottsunda", months_2023, [1000, 1000, 1000])])
    first = load_dir(d, store, user="anna")
    assert [p.code for p in first.problems] == []
    # 2024: January +5 % (no warning), February +30 % (flagged: 300 > 2 * sqrt(2300) = 95.9),
    # March 1 000 (same).  The baseline (2023) comes from the store, not from this file.
    write_xlsx(d / "utlan_2024.xlsx", [HEADER, *loans_rows("Gottsunda", ["2024-01", "2024-02", "2024-03"],
                                                           [1050, 1300, 1000])])
    second = load_dir(d, store, user="anna")
    changes = [p for p in second.problems if p.code == "change_vs_last_year"]
    assert len(changes) == 1
    p = changes[0]
    assert (p.severity, p.file, p.row) == ("varning", "utlan_2024.xlsx", 3)  # Excel row of February
    assert p.message.startswith("Gottsunda bibliotek: utlånen avviker mer än 10\u00a0% från samma månad "
                                "förra året: feb 2024 +30\u00a0% (1\u00a0300 mot 1\u00a0000).")
    stored = store.problems(second.load_id)
    assert stored["code"].tolist() == ["change_vs_last_year"]
    assert stored["file"].tolist() == ["utlan_2024.xlsx"]
    assert [f.warnings for f in second.files if f.file == "utlan_2024.xlsx"] == [1]


def test_check_runs_the_same_anomaly_rules(data_dir, write_xlsx, store):
    d = data_dir(SOURCES)
    write_xlsx(d / "utlan_2023.xlsx", [HEADER, *loans_rows("Gottsunda", ["2023-02"], [1000])])
    load_dir(d, store)
    path = write_xlsx(d / "utlan_2024.xlsx", [HEADER, *loans_rows("Gottsunda", ["2024-02"], [700])])
    against_store = check_paths([path], load_config(d), existing=store.read_tables())
    assert [p.code for p in against_store.problems] == ["change_vs_last_year"]
    assert "−30\u00a0% (700 mot 1\u00a0000)" in against_store.problems[0].message
    assert check_paths([path], load_config(d)).problems == []  # nothing to compare with


def test_few_survey_answers_is_warned_once_with_its_row(data_dir, write_xlsx, store):
    d = data_dir(SOURCES)
    rows = [["Bibliotek", "Bemötande"]] + [["Gottsunda", 4]] * 3 + [["Sävja bibliotek", 5]] * 2
    write_xlsx(d / "enkat_2024.xlsx", rows)
    report = load_dir(d, store)
    few = [p for p in report.problems if "svar" in p.message and "30" in p.message]
    assert [(p.code, p.row, p.value) for p in few] == [
        ("few_survey_answers", 2, "3"),  # Gottsunda's first answer is on row 2
        ("few_survey_answers", 5, "2"),
    ]
    assert few[0].message.startswith("Gottsunda bibliotek: enkäten 2024 har bara 3 svar (färre än 30).")


def test_change_warnings_are_summarised_per_file_when_many_units(data_dir, write_xlsx, store, tmp_path):
    units = "municipality: T\nunits:\n" + "".join(
        f"  - {{id: u{i}, name: Enhet {i}, type: stadsdelsbibliotek, district: D{i}}}\n" for i in range(8))
    d = data_dir(SOURCES, units=units)
    write_xlsx(d / "utlan_2023.xlsx", [HEADER] + [[m, f"u{i}", "Bok", "Vuxna", 1000, 0]
                                                  for i in range(8) for m in ("2023-01", "2023-02")])
    load_dir(d, store)
    # Every unit +50 % in January and February 2024; unit 0 also in a third month, March (vs no
    # March 2023: not compared).  8 units > max_listed (6): one warning for the file.
    write_xlsx(d / "utlan_2024.xlsx", [HEADER] + [[m, f"u{i}", "Bok", "Vuxna", 1500, 0]
                                                  for i in range(8) for m in ("2024-01", "2024-02")])
    report = load_dir(d, store)
    changes = [p for p in report.problems if p.code == "change_vs_last_year"]
    assert len(changes) == 1
    msg = changes[0].message
    assert msg.startswith("Utlånen avviker mer än 10\u00a0% från samma månad förra året för 8 enheter "
                          "(16 månader): Enhet 0 2 månader (störst jan 2024 +50\u00a0%)")
    assert "och 2 till." in msg
    assert changes[0].row == 2


# --------------------------------------------------------------------------- reviews
def test_review_survives_reloading_an_unrelated_file(data_dir, write_xlsx, store):
    d = data_dir(SOURCES)
    write_xlsx(d / "enkat_2024.xlsx", [["Bibliotek", "Bemötande"]] + [["Gottsunda", 4]] * 3)
    write_xlsx(d / "utlan_a.xlsx", [HEADER, *loans_rows("Gottsunda", ["2024-01"], [10])])
    load_dir(d, store)
    problems = store.problems()
    warning = problems[problems["code"] == "few_survey_answers"].iloc[0]
    assert warning["reviewed_by"] == "" and pd.isna(warning["reviewed_at"])
    store.review_problem(int(warning["problem_id"]), "anna", "Bokbussen stod still i maj; känt.")
    # A corrected loans file is loaded: the survey warning and its review stay.
    write_xlsx(d / "utlan_a.xlsx", [HEADER, *loans_rows("Gottsunda", ["2024-01"], [12])])
    load_dir(d, store)
    after = store.problems()
    row = after[after["code"] == "few_survey_answers"].iloc[0]
    assert (row["reviewed_by"], row["review_comment"]) == ("anna", "Bokbussen stod still i maj; känt.")
    assert not pd.isna(row["reviewed_at"])


def test_review_follows_the_same_warning_into_a_new_load_of_the_file(data_dir, write_xlsx, store):
    d = data_dir(SOURCES)
    write_xlsx(d / "enkat_2024.xlsx", [["Bibliotek", "Bemötande"]] + [["Gottsunda", 4]] * 3)
    load_dir(d, store)
    pid = int(store.problems()["problem_id"].iat[0])
    store.review_problem(pid, "anna", "Få svar, känt.")
    # Same warning (same unit, row, count) from a re-export with another answer changed.
    write_xlsx(d / "enkat_2024.xlsx", [["Bibliotek", "Bemötande"]] + [["Gottsunda", 4]] * 2 + [["Gottsunda", 5]])
    second = load_dir(d, store)
    now = store.problems()
    assert now["load_id"].tolist() == [second.load_id]
    assert now["problem_id"].iat[0] != pid  # a new problem record ...
    assert now["reviewed_by"].tolist() == ["anna"]  # ... with the review kept
    # A changed warning (4 answers now) is a new finding: not reviewed.
    write_xlsx(d / "enkat_2024.xlsx", [["Bibliotek", "Bemötande"]] + [["Gottsunda", 4]] * 4)
    load_dir(d, store)
    assert store.problems()["reviewed_by"].tolist() == [""]


def test_review_of_an_error_or_unknown_problem_is_refused(data_dir, write_xlsx, store):
    d = data_dir(SOURCES)
    write_xlsx(d / "utlan_a.xlsx", [HEADER, ["2024-01", "Okänd filial", "Bok", "Vuxna", 5, 0]])
    load_dir(d, store)
    error = store.problems()
    assert error["severity"].tolist() == ["fel"]
    with pytest.raises(ReviewError, match="Bara varningar"):
        store.review_problem(int(error["problem_id"].iat[0]), "anna", "")
    with pytest.raises(ReviewError, match="finns inte"):
        store.review_problem(999, "anna", "")


# --------------------------------------------------------------------------- history and undo
def test_loads_history_and_undo_restores_the_exact_tables(data_dir, write_xlsx, store):
    d = data_dir(SOURCES)
    write_xlsx(d / "utlan_a.xlsx", [HEADER, *loans_rows("Gottsunda", ["2024-01", "2024-02"], [10, 20]),
                                    *loans_rows("Sävja bibliotek", ["2024-02"], [7])])
    write_xlsx(d / "enkat_2024.xlsx", [["Bibliotek", "Bemötande"], ["Gottsunda", 4], ["Gottsunda", 5]])
    load_dir(d, store, user="anna")
    before = store.read_tables()
    problems_before = store.problems()
    # A corrected re-export of Gottsunda February (and a new month) replaces that unit x period.
    (d / "utlan_a.xlsx").unlink()
    write_xlsx(d / "utlan_b.xlsx", [HEADER, *loans_rows("Gottsunda", ["2024-02", "2024-03"], [25, 30])])
    second = load_dir(d, store, user="bo")
    assert loans_by_month(store) == {("gottsunda", "2024-01"): 10, ("gottsunda", "2024-02"): 25,
                                     ("gottsunda", "2024-03"): 30, ("savja", "2024-02"): 7}
    history = store.loads()
    assert history["user"].tolist() == ["anna", "bo"]
    assert history[["rows_added", "rows_replaced"]].values.tolist() == [[5, 0], [2, 1]]
    files = {f["file"]: f for f in history["files"].iat[1]}
    assert files["utlan_b.xlsx"]["status"] == "stored"
    assert files["utlan_b.xlsx"]["content_hash"] == __import__("hashlib").sha256(
        (d / "utlan_b.xlsx").read_bytes()).hexdigest()
    assert files["enkat_2024.xlsx"]["status"] == "unchanged"
    store.undo_load(second.load_id)
    after = store.read_tables()
    for kind, frame in before.kinds().items():
        pd.testing.assert_frame_equal(
            after.kinds()[kind].sort_values(list(frame.columns)).reset_index(drop=True),
            frame.sort_values(list(frame.columns)).reset_index(drop=True), check_categorical=False)
    # The undone load's warnings are no longer outstanding.
    pd.testing.assert_frame_equal(store.problems()[problems_before.columns].reset_index(drop=True),
                                  problems_before.reset_index(drop=True))


def test_cli_loads_and_undo(data_dir, write_xlsx, tmp_path):
    from click.testing import CliRunner

    from cli.main import main

    d = data_dir(SOURCES)
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    write_xlsx(d / "utlan_a.xlsx", [HEADER, *loans_rows("Gottsunda", ["2024-01"], [10])])
    runner = CliRunner()
    assert runner.invoke(main, ["load", str(d), "--store", url, "--user", "anna"]).exit_code == 0
    write_xlsx(d / "utlan_a.xlsx", [HEADER, *loans_rows("Gottsunda", ["2024-01"], [12])])
    assert runner.invoke(main, ["load", str(d), "--store", url, "--user", "bo"]).exit_code == 0
    listing = runner.invoke(main, ["loads", "--store", url])
    assert listing.exit_code == 0, listing.output
    lines = [ln for ln in listing.output.splitlines() if ln.startswith("│ ")]
    assert [ln.split("│")[1].strip() for ln in lines] == ["1", "2"]
    assert "anna" in lines[0] and "bo" in lines[1]
    detail = runner.invoke(main, ["loads", "2", "--store", url])
    assert "utlan_a.xlsx" in detail.output and "sparad" in detail.output
    refused = runner.invoke(main, ["undo", "2", "--store", url], input="n\n")
    assert refused.exit_code == 1 and loans_by_month(Store(url)) == {("gottsunda", "2024-01"): 12}
    done = runner.invoke(main, ["undo", "2", "--store", url, "--yes"])
    assert done.exit_code == 0, done.output
    assert "1 rader borttagna, 1 rader återställda" in done.output
    assert loans_by_month(Store(url)) == {("gottsunda", "2024-01"): 10}
    again = runner.invoke(main, ["undo", "2", "--store", url, "--yes"])
    assert again.exit_code == 1 and "redan ångrad" in again.output


# --------------------------------------------------------------------------- serialised loads
def test_two_loads_at_once_run_one_after_the_other(data_dir, write_xlsx, tmp_path, store_url):
    d = data_dir(SOURCES)
    a, b = d / "a", d / "b"
    for sub, unit, n in ((a, "Gottsunda", 10), (b, "Sävja bibliotek", 20)):
        sub.mkdir()
        (sub / "units.yaml").write_text((d / "units.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        (sub / "sources.yaml").write_text(SOURCES, encoding="utf-8")
        for i in range(3):
            write_xlsx(sub / f"utlan_{i}.xlsx", [HEADER, *loans_rows(unit, [f"2024-0{i + 1}"], [n + i])])
    url = store_url
    Store(url)  # create the schema first
    a_inside = threading.Event()
    events: list[str] = []

    def slow_progress(done: int, total: int, name: str) -> None:
        # The first load signals the second to start while it is still checking its files, then
        # gives it every chance to interleave.
        if not a_inside.is_set():
            a_inside.set()
            threading.Event().wait(0.3)

    errors: list[BaseException] = []

    def run(directory: Path, user: str, progress=None) -> None:
        try:
            events.append(f"start {user}")
            load_dir(directory, Store(url), user=user, progress=progress)
            events.append(f"end {user}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    t1 = threading.Thread(target=run, args=(a, "a", slow_progress))
    t1.start()
    assert a_inside.wait(30)
    t2 = threading.Thread(target=run, args=(b, "b"))
    t2.start()
    t1.join(60)
    t2.join(60)
    assert errors == []
    store = Store(url)
    assert loans_by_month(store) == {("gottsunda", "2024-01"): 10, ("gottsunda", "2024-02"): 11,
                                     ("gottsunda", "2024-03"): 12, ("savja", "2024-01"): 20,
                                     ("savja", "2024-02"): 21, ("savja", "2024-03"): 22}
    loads = store.loads()
    assert loads["user"].tolist() == ["a", "b"]
    # Not interleaved: b's load began after a's finished, and every file record of a comes first.
    assert loads["finished_at"].iat[0] <= loads["started_at"].iat[1]
    with store.engine.connect() as conn:
        import sqlalchemy as sa

        order = [r[0] for r in conn.execute(sa.text("SELECT load_id FROM load_files ORDER BY id")).all()]
    assert order == [1, 1, 1, 2, 2, 2]
    if url.startswith("sqlite"):  # PostgreSQL: an advisory lock, nothing on disk
        assert (tmp_path / "store.sqlite.lock").exists()


# --------------------------------------------------------------------------- upload preview / confirm
def test_preview_upload_checks_stages_and_shows_what_would_be_replaced(data_dir, write_xlsx, store):
    d = data_dir(SOURCES)
    write_xlsx(d / "utlan_2024.xlsx", [HEADER, *loans_rows("Gottsunda", ["2024-01", "2024-02"], [10, 20])])
    load_dir(d, store)
    good = xlsx_bytes([HEADER, *loans_rows("Gottsunda", ["2024-02", "2024-03"], [25, 30])], sheet="Utlån")
    bad = xlsx_bytes([HEADER, ["2024-03", "Gottsunda", "Bok", "Vuxna", "ca 300", 0],
                      ["2024-03", "Okänd filial", "Bok", "Vuxna", 5, 0]])
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    preview = preview_upload([("../../etc/utlan_mars.xlsx", good), ("utlan_fel.xlsx", bad),
                              ("utlan_bild.xlsx", png)], d, store)
    # Staged under generated names inside <data dir>/.uploads/<token>/, never at the given path.
    staged = [f for f in preview.files if f.path is not None]
    assert [f.label for f in preview.files] == ["utlan_mars.xlsx", "utlan_fel.xlsx", "utlan_bild.xlsx"]
    assert [f.path is None for f in preview.files] == [False, False, True]
    for f in staged:
        assert f.path.parent == d / STAGING_DIR / preview.token
        assert f.path.name != f.label
    # Problems are traced to the uploaded names, with rows.
    errors = [(p.file, p.row, p.code) for p in preview.problems if p.is_error]
    assert ("utlan_bild.xlsx", None, "upload_wrong_type") in errors
    assert {(f, r) for f, r, _ in errors if f == "utlan_fel.xlsx"} == {("utlan_fel.xlsx", 2), ("utlan_fel.xlsx", 3)}
    assert preview.has_errors and preview.loadable == ["utlan_mars.xlsx"]
    # What the good file would replace: Gottsunda Feb-Mar 2024, of which one stored row (February).
    rep = preview.replaces
    assert rep[["file", "source", "kind", "unit", "rows"]].values.tolist() == [
        ["utlan_mars.xlsx", "utlan", "loans", "gottsunda", 1]]
    assert (str(rep["first"].iat[0])[:10], str(rep["last"].iat[0])[:10]) == ("2024-02-01", "2024-03-01")
    # Nothing stored by the preview.
    assert loans_by_month(store) == {("gottsunda", "2024-01"): 10, ("gottsunda", "2024-02"): 20}
    assert len(store.loads()) == 1


def test_confirm_upload_loads_exactly_the_staged_files(data_dir, write_xlsx, store):
    d = data_dir(SOURCES)
    write_xlsx(d / "utlan_2024.xlsx", [HEADER, *loans_rows("Gottsunda", ["2024-01", "2024-02"], [10, 20])])
    load_dir(d, store)
    good = xlsx_bytes([HEADER, *loans_rows("Gottsunda", ["2024-02", "2024-03"], [25, 30])])
    bad = xlsx_bytes([HEADER, ["2024-03", "Okänd filial", "Bok", "Vuxna", 5, 0]])
    preview = preview_upload([("utlan_mars.xlsx", good), ("utlan_fel.xlsx", bad)], d, store)
    report = confirm_upload(preview, store, user="admin")
    assert [(f.file, f.status, f.rows_added, f.rows_replaced) for f in report.files] == [
        ("utlan_fel.xlsx", "rejected", 0, 0), ("utlan_mars.xlsx", "stored", 2, 1)]
    assert loans_by_month(store) == {("gottsunda", "2024-01"): 10, ("gottsunda", "2024-02"): 25,
                                     ("gottsunda", "2024-03"): 30}
    last = store.loads().iloc[-1]
    assert last["user"] == "admin" and last["data_dir"] == f"uppladdning {preview.token}"
    rows = store.read_tables().loans
    assert set(rows["month"].dt.strftime("%Y-%m")) == {"2024-01", "2024-02", "2024-03"}
    # The stored rows are traced to the uploaded name, not the staging name.
    import sqlalchemy as sa

    with store.engine.connect() as conn:
        names = {r[0] for r in conn.execute(sa.text("SELECT DISTINCT source_file FROM loans")).all()}
    assert names == {"utlan_2024.xlsx", "utlan_mars.xlsx"}
    # The staged files stay out of a later `bibplan load` of the data directory.
    again = load_dir(d, store)
    assert [f.file for f in again.files] == ["utlan_2024.xlsx"]


def test_confirm_refuses_a_staged_file_that_changed(data_dir, store):
    d = data_dir(SOURCES)
    preview = preview_upload([("utlan_mars.xlsx", xlsx_bytes([HEADER, *loans_rows("Gottsunda", ["2024-03"], [5])]))],
                             d, store)
    staged = preview.files[0].path
    staged.write_bytes(xlsx_bytes([HEADER, *loans_rows("Gottsunda", ["2024-03"], [500])]))
    with pytest.raises(UploadChanged, match="utlan_mars.xlsx"):
        confirm_upload(preview, store, user="admin")
    assert store.loads().empty
    discard_upload(preview)
    assert not preview.staging_dir.exists()


def test_preview_refuses_zip_bomb_and_entities_and_nothing_is_stored(data_dir, store):
    import zipfile

    d = data_dir(SOURCES)
    base = xlsx_bytes([HEADER, *loans_rows("Gottsunda", ["2024-03"], [5])])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        dst.writestr("xl/media/image1.bin", b"\0" * (50 * 1024 * 1024))
    preview = preview_upload([("utlan_bomb.xlsx", out.getvalue())], d, store)
    assert [(p.file, p.code) for p in preview.problems] == [("utlan_bomb.xlsx", "upload_zip_bomb")]
    assert preview.loadable == [] and preview.replaces.empty
    assert [p.name for p in (d / STAGING_DIR / preview.token).iterdir()] == ["manifest.json"]
    report = confirm_upload(preview, store, user="admin")
    assert report.files == [] and store.read_tables().loans.empty
    assert not (d / STAGING_DIR / preview.token).exists()  # staging removed once confirmed


def test_preview_marks_a_file_already_loaded(data_dir, write_xlsx, store):
    d = data_dir(SOURCES)
    path = write_xlsx(d / "utlan_2024.xlsx", [HEADER, *loans_rows("Gottsunda", ["2024-01"], [10])])
    load_dir(d, store)
    preview = preview_upload([("utlan_2024.xlsx", path.read_bytes())], d, store)
    assert [(p.code, p.severity) for p in preview.problems] == [("already_loaded", "varning")]
    assert preview.loadable == []


def test_confirm_by_token_reads_the_staged_list_back(data_dir, store):
    from etl.pipeline import confirm_staged, staged_upload

    d = data_dir(SOURCES)
    content = xlsx_bytes([HEADER, *loans_rows("Gottsunda", ["2024-03"], [5])])
    preview = preview_upload([("utlan_mars.xlsx", content), ("bild.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)], d, store)
    files = staged_upload(preview.token, d)
    assert [(f.label, f.path, f.sha256) for f in files] == [(f.label, f.path, f.sha256) for f in preview.files]
    report = confirm_staged(preview.token, store, "admin", d)
    assert [(f.file, f.status) for f in report.files] == [("utlan_mars.xlsx", "stored")]
    assert loans_by_month(store) == {("gottsunda", "2024-03"): 5}
    for bad in ("../../etc", "0123456789abcdef", "x"):
        with pytest.raises(UploadChanged, match="Ladda upp filerna igen"):
            staged_upload(bad, d)
