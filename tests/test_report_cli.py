"""``bibplan report`` end to end: a store with the tiny fixture data and a comment, then the file."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import yaml
from click.testing import CliRunner

from cli.main import main
from etl.store import Store
from tests import test_report_fixtures as fx


def make_store(url: str) -> Store:
    store = Store(url)
    tables = fx.tables()
    store.set_units(tables.units)
    load = store.begin_load(user="test")
    for kind in ("loans", "population", "survey"):
        frame = getattr(tables, kind).assign(source_file=f"{kind}.xlsx", source_sheet="Blad1",
                                             source_row=pd.RangeIndex(2, 2 + len(getattr(tables, kind))))
        store.record_file(load, f"{kind}.xlsx", kind=kind, content_hash=kind, status="stored", problems=[],
                          frame=frame)
    store.finish_load(load)
    store.add_comment("lasning", 2026, "T2", None, "analys", "=SUM(A1) ökade utlån", "Anna")
    return store


def test_report_command(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    make_store(url)
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump(fx.PLAN, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("BIBPLAN_STORE_URL", url)
    out = tmp_path / "ut" / "rapport.xlsx"
    result = CliRunner().invoke(main, ["report", "--year", "2026", "--period", "T2", "--plan", str(plan),
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "T2 2026" in result.output
    wb = openpyxl.load_workbook(out)
    ws = wb["Sammanfattning"]
    facts = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(3, 10)}
    assert facts["Data t.o.m."] == dt.datetime(2026, 8, 31)  # the end of the last loan month
    ws = wb["Mål 1"]
    values = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert values["Utlån (lån)"] == 1560
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "=SUM(A1) ökade utlån")
    assert cell.data_type == "s"


def test_report_command_unknown_unit(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    make_store(url)
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump(fx.PLAN, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("BIBPLAN_STORE_URL", url)
    result = CliRunner().invoke(main, ["report", "--year", "2026", "--period", "T2", "--unit", "filial_x",
                                       "--plan", str(plan), "-o", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 2
    assert "okänd enhet 'filial_x'" in result.output and "filial_a" in result.output


def test_report_command_bad_period(tmp_path, monkeypatch):
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump(fx.PLAN, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("BIBPLAN_STORE_URL", f"sqlite:///{tmp_path / 's.sqlite'}")
    result = CliRunner().invoke(main, ["report", "--year", "2026", "--period", "T4", "--plan", str(plan),
                                       "-o", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 2
    assert "okänd period 'T4'" in result.output
