"""The report renders in LibreOffice: PDF with the expected pages, one page as PNG for humans.

The PNG lands in ``build/test-output/report/`` (git-ignored) so a person can look at it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from report import write_report
from tests import test_report_fixtures as fx
from tests.test_report_fixtures import store_info

OUTPUT = Path(__file__).resolve().parents[1] / "build" / "test-output" / "report"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
)


def to_pdf(xlsx: Path, out: Path) -> Path:
    profile = Path("/tmp") / f"lo-bibplan-{uuid.uuid4().hex}"
    env = {**os.environ, "LC_ALL": "sv_SE.UTF-8", "LANG": "sv_SE.UTF-8"}  # Swedish separators
    try:
        proc = subprocess.run(
            [SOFFICE, "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", "pdf",
             "--outdir", str(out), str(xlsx)],
            capture_output=True, text=True, timeout=180, env=env,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdf = out / (xlsx.stem + ".pdf")
    assert proc.returncode == 0 and pdf.exists(), proc.stdout + proc.stderr
    return pdf


def page_count(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def test_report_converts_to_pdf_with_expected_pages(tmp_path):
    xlsx = tmp_path / "rapport.xlsx"
    write_report(fx.plan(), fx.tables(), store_info(), 2026, "T2", path_or_buffer=xlsx,
                 generated=dt.date(2026, 9, 15))
    pdf = to_pdf(xlsx, tmp_path)
    # Sammanfattning 1 page; each goal sheet 2 (table and texts, then a page break before the
    # charts); Enheter, Data, Avvikelser and Om rapporten 1 each: 1 + 2 × 2 + 4 = 9.
    assert page_count(pdf) == 9
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "Mål 1: Läsning" in text
        assert "1 560" in text.replace("\u00a0", " ")  # #,##0 shown with Swedish separators
        assert "=SUM(A1)" in text  # the formula-like comment printed as written
    if shutil.which("pdftoppm"):
        OUTPUT.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "2", "-l", "3", str(pdf), str(OUTPUT / "mal1")],
                       check=True)
        shutil.copy(pdf, OUTPUT / "rapport.pdf")
        assert sorted(p.name for p in OUTPUT.glob("mal1-*.png")) == ["mal1-2.png", "mal1-3.png"]
