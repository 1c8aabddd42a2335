"""ETL ingest speed: a Koha-like transaction export (xlsx and CSV) and the whole sample.

Each ingest (content hash -> read -> aggregate -> validate, what ``bibplan check`` and ``bibplan
load`` do per file; the borrower column is dropped unread) is compared with the raw read of the same
file as the floor: python-calamine ``to_python()`` for xlsx, pyarrow's default (multithreaded)
``pyarrow.csv.read_csv`` of the whole file for CSV.  Floor and ingest run alternately on the same
file with a warm page cache, so both see the same machine state; the figures are medians, and the
CPU time (all threads) is given too, as it depends less on what else the machine is doing.  Peak
memory of the CSV ingest and of the floor is measured in fresh processes.
Targets (issue 2): ingest within 1.5x the floor, < 2 GB for 5 M rows, the whole sample < 3 s.
"""

from __future__ import annotations

import datetime as dt
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from python_calamine import CalamineWorkbook

from bench.common import Result, median_time

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"

BRANCHES = ["Stadsbiblioteket", "Gottsunda", "Gränby", "Sävja", "Stenhagen", "Eriksberg", "Sala backe",
            "Storvreta", "Vattholma", "Björklinge", "Skyttorp", "Almunge", "Bergsbrunna", "Bokbuss Norr",
            "Bokbuss Syd"]
TYPES = (["issue", "renew", "return", "localuse"], [0.45, 0.2, 0.33, 0.02])
ITEMTYPES = (["BK", "BOK", "LJUDBOK", "DAISY", "EBOOK", "CD", "DVD", "SPEL", "TIDSKR"],
             [0.55, 0.05, 0.1, 0.03, 0.08, 0.04, 0.08, 0.03, 0.04])
CATEGORIES = (["BARN", "UNG", "VUXEN"], [0.3, 0.1, 0.6])

UNITS_YAML = "units:\n" + "".join(
    f"  - {{id: u{i}, name: {name}, type: {'bokbuss' if 'Bokbuss' in name else 'stadsdelsbibliotek'}}}\n"
    for i, name in enumerate(BRANCHES))
SOURCES_YAML = """\
sources:
  - id: koha
    kind: loans
    pattern: "koha_*"
    layout: transactions
    value_labels:
      category: {BARN: barn, UNG: unga, VUXEN: vuxna}
      media_type: {EBOOK: e-media, TIDSKR: tidskrift}
"""


def transactions(n: int, seed: int = 7) -> dict[str, np.ndarray]:
    """``n`` Koha ``statistics``-like rows for 2024 (datetime, branch, type, itemtype, categorycode,
    borrowernumber), column-wise."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01T08:00:00")
    seconds = np.sort(rng.integers(0, 365 * 86400, n))
    return {
        "datetime": start + seconds.astype("timedelta64[s]"),
        "branch": np.asarray(BRANCHES, dtype=object)[rng.integers(0, len(BRANCHES), n)],
        "type": np.asarray(TYPES[0], dtype=object)[rng.choice(len(TYPES[0]), n, p=TYPES[1])],
        "itemtype": np.asarray(ITEMTYPES[0], dtype=object)[rng.choice(len(ITEMTYPES[0]), n, p=ITEMTYPES[1])],
        "categorycode": np.asarray(CATEGORIES[0], dtype=object)[rng.choice(3, n, p=CATEGORIES[1])],
        "borrowernumber": rng.integers(1, 150_000, n),
    }


def write_csv(path: Path, cols: dict[str, np.ndarray]) -> Path:
    table = pa.table({
        "datetime": pa.array(np.datetime_as_string(cols["datetime"], unit="s")).cast(pa.string()),
        **{k: pa.array(v.tolist() if v.dtype == object else v) for k, v in cols.items() if k != "datetime"},
    })
    # Koha reports write "2024-01-05 10:00:00"; ISO "T" replaced by a space.
    table = table.set_column(0, "datetime", pa.array([s.replace("T", " ") for s in table.column(0).to_pylist()]))
    pacsv.write_csv(table, path)
    return path


def write_xlsx(path: Path, cols: dict[str, np.ndarray]) -> Path:
    """A minimal xlsx (inline strings, dates as styled serial numbers) written directly: openpyxl
    needs minutes for a million rows."""
    names = list(cols)
    serial = (cols["datetime"] - np.datetime64("1899-12-30T00:00:00")).astype(np.int64) / 86400.0
    letters = "ABCDEF"

    def inline(ref: str, text: str) -> str:
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                   '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                   '</Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                   '</Relationships>')
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                   '<sheets><sheet name="statistics" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                   '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
                   '</Relationships>')
        z.writestr("xl/styles.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                   '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>'
                   '<cellStyleXfs count="1"><xf/></cellStyleXfs>'
                   '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="22" applyNumberFormat="1"/></cellXfs></styleSheet>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            fh.write(('<row r="1">' + "".join(inline(f"{letters[i]}1", n) for i, n in enumerate(names)) + "</row>").encode())
            step = 50_000
            for lo in range(0, len(serial), step):
                parts = []
                for j in range(lo, min(lo + step, len(serial))):
                    r = j + 2
                    parts.append(
                        f'<row r="{r}"><c r="A{r}" s="1"><v>{serial[j]:.6f}</v></c>'
                        + inline(f"B{r}", cols["branch"][j]) + inline(f"C{r}", cols["type"][j])
                        + inline(f"D{r}", cols["itemtype"][j]) + inline(f"E{r}", cols["categorycode"][j])
                        + f'<c r="F{r}"><v>{cols["borrowernumber"][j]}</v></c></row>')
                fh.write("".join(parts).encode())
            fh.write(b"</sheetData></worksheet>")
    return path


def _ingest(path: Path, config_dir: Path) -> int:
    from etl.pipeline import check_file, load_config, match_source
    from etl.units import UnitIndex

    config = load_config(config_dir)
    source = match_source(path, config.sources, config_dir)
    result = check_file(path, source, UnitIndex(config.units))
    assert not result.has_errors, [str(p) for p in result.problems if p.is_error]
    return int(result.frame[["initial_loans", "renewals"]].sum().sum())


def _cpu_seconds() -> float:
    """CPU time of this process so far, all threads (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def paired_times(floor: Callable[[], object], fn: Callable[[], object], repeat: int) -> dict[str, float]:
    """Median wall and CPU times of ``floor()`` and ``fn()``, run alternately ``repeat`` times each
    after one unmeasured run of each, so that both see the same machine state (page cache, other
    load).  Keys: ``floor``, ``fn`` (wall seconds), ``floor_cpu``, ``fn_cpu``."""
    floor()
    fn()
    times: dict[str, list[float]] = {"floor": [], "fn": [], "floor_cpu": [], "fn_cpu": []}
    for _ in range(repeat):
        for name, f in (("floor", floor), ("fn", fn)):
            cpu, wall = _cpu_seconds(), time.perf_counter()
            f()
            times[name].append(time.perf_counter() - wall)
            times[f"{name}_cpu"].append(_cpu_seconds() - cpu)
    return {k: statistics.median(v) for k, v in times.items()}


def _peak_memory_mb(statement: str) -> float:
    """Peak resident memory (MB) of a fresh process that runs ``statement`` (with ``Path``,
    ``pacsv`` and ``_ingest`` imported).

    Read from ``VmHWM`` in ``/proc/self/status``: ``ru_maxrss`` is inherited across fork and exec on
    Linux, so a child started from this (large) process would report this process's peak instead."""
    code = ("from pathlib import Path; import pyarrow.csv as pacsv; "
            f"from bench.etl_ingest import _ingest; {statement}; "
            "print(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024  # kB -> MB


def _raw_sample_read() -> None:
    for p in sorted(SAMPLE.iterdir()):
        if p.suffix == ".xlsx":
            wb = CalamineWorkbook.from_path(str(p))
            for name in wb.sheet_names:
                wb.get_sheet_by_name(name).to_python()
        elif p.suffix == ".csv":
            p.read_bytes().decode("utf-8", errors="replace").splitlines()


def _load_sample(tmp: Path) -> None:
    from etl.pipeline import load_dir
    from etl.store import Store

    db = tmp / f"sample-{dt.datetime.now().timestamp()}.sqlite"
    report = load_dir(SAMPLE, Store(f"sqlite:///{db}"), user="bench")
    assert not report.has_errors


def run(quick: bool) -> list[Result]:
    from etl.pipeline import content_hash

    n_xlsx, n_csv = (100_000, 500_000) if quick else (1_000_000, 5_000_000)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bibplan-bench-") as tmpdir:
        tmp = Path(tmpdir)
        (tmp / "units.yaml").write_text(UNITS_YAML, encoding="utf-8")
        (tmp / "sources.yaml").write_text(SOURCES_YAML, encoding="utf-8")

        xlsx = write_xlsx(tmp / "koha_statistics.xlsx", transactions(n_xlsx))
        t = paired_times(lambda: CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_index(0).to_python(),
                         lambda: _ingest(xlsx, tmp), repeat=3)
        results.append(Result(f"ingest Koha xlsx, {n_xlsx:,} rows", t["fn"], "calamine to_python()", t["floor"],
                              "< 1.5× floor", f"{n_xlsx / t['fn']:,.0f} rows/s (floor {n_xlsx / t['floor']:,.0f}); "
                              f"CPU {t['fn_cpu']:.2f} s vs {t['floor_cpu']:.2f} s"))
        xlsx.unlink()

        csv_cols = transactions(n_csv)
        csv = write_csv(tmp / "koha_statistics.csv", csv_cols)
        del csv_cols
        t = paired_times(lambda: pacsv.read_csv(csv), lambda: _ingest(csv, tmp), repeat=7)
        digest = median_time(lambda: content_hash(csv), repeat=3)
        peak = _peak_memory_mb(f"_ingest(Path({str(csv)!r}), Path({str(tmp)!r}))")
        floor_peak = _peak_memory_mb(f"pacsv.read_csv({str(csv)!r})")
        results.append(Result(f"ingest Koha CSV, {n_csv:,} rows", t["fn"], "pyarrow.csv.read_csv", t["floor"],
                              "< 1.5× floor, < 2 GB", f"{n_csv / t['fn']:,.0f} rows/s (floor {n_csv / t['floor']:,.0f}); "
                              f"CPU {t['fn_cpu']:.2f} s vs {t['floor_cpu']:.2f} s; of which the file's SHA-256 "
                              f"content hash {digest:.2f} s; peak {peak:,.0f} MB (floor {floor_peak:,.0f} MB)"))

        floor = median_time(_raw_sample_read, repeat=3)
        load = median_time(lambda: _load_sample(tmp), repeat=3)
        results.append(Result("load whole sample (data/sample → SQLite)", load, "raw read of the sample files",
                              floor, "< 3 s", ""))
    return results
