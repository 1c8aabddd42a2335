"""``bibplan init`` and ``bibplan units suggest`` (issue 9 §4): a new library starts from commented
templates and a units.yaml drafted from its own export, then loads a monthly-totals file."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

import goals
from cli.main import main
from etl.config import data_dir, load_sources, load_units


@pytest.fixture
def runner(monkeypatch, tmp_path):
    settings = tmp_path / "conf" / "settings.yaml"
    settings.parent.mkdir()
    settings.write_text("# mina inställningar\ndata_dir: sample\nstore_url: sqlite:///bibplan.sqlite\n", encoding="utf-8")
    monkeypatch.setenv("BIBPLAN_SETTINGS", str(settings))
    monkeypatch.delenv("BIBPLAN_DATA_DIR", raising=False)
    monkeypatch.setenv("BIBPLAN_STORE_URL", f"sqlite:///{tmp_path / 'ny.sqlite'}")
    return CliRunner(), settings


def test_init_writes_valid_templates_and_points_the_settings_at_them(runner, tmp_path):
    cli, settings = runner
    folder = tmp_path / "conf" / "vara_data"
    res = cli.invoke(main, ["init", str(folder)])
    assert res.exit_code == 0, res.output
    assert {p.name for p in folder.iterdir()} == {"units.yaml", "sources.yaml", "biblioteksplan.yaml"}
    assert [u.id for u in load_units(folder / "units.yaml").units] == ["stadsbiblioteket", "norra", "bokbussen"]
    assert [s.id for s in load_sources(folder / "sources.yaml").sources] == ["utlan", "besok_manad", "besok_dag"]
    assert [i.id for i in goals.load_plan(folder / "biblioteksplan.yaml").indicators] == ["besok", "utlan"]
    text = settings.read_text(encoding="utf-8")
    assert text.startswith("# mina inställningar\n") and "data_dir: vara_data\n" in text
    assert "store_url: sqlite:///bibplan.sqlite" in text
    assert data_dir() == folder.resolve()
    again = cli.invoke(main, ["init", str(folder)])  # never overwrites what the library wrote
    assert again.exit_code == 2 and "finns redan" in again.output


def test_units_suggest_drafts_one_unit_per_distinct_name(runner, tmp_path, write_xlsx):
    cli, _ = runner
    export = write_xlsx(tmp_path / "utlan.xlsx", [
        ["Månad", "Filial", "Utlån"], ["2024-01", "Sävja bibliotek", 5], ["2024-01", "Central Library", 7],
        ["2024-02", "Sävja bibliotek", 6], ["2024-02", "", 1], ["", "Totalt", 19]])
    out = tmp_path / "units.yaml"
    res = cli.invoke(main, ["units", "suggest", str(export), "--column", "filial", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert [(u.id, u.name, u.type) for u in load_units(out).units] == [
        ("savja_bibliotek", "Sävja bibliotek", "stadsdelsbibliotek"),
        ("central_library", "Central Library", "stadsdelsbibliotek")]
    assert "Kontrollera varje enhet" in out.read_text(encoding="utf-8")
    missing = cli.invoke(main, ["units", "suggest", str(export), "--column", "Bibliotek", "-o", str(tmp_path / "x.yaml")])
    assert missing.exit_code == 2 and "Hittade kolumner: Månad, Filial, Utlån" in missing.output


def test_a_new_library_loads_its_monthly_totals(runner, tmp_path, write_xlsx):
    cli, _ = runner
    folder = tmp_path / "conf" / "data"
    assert cli.invoke(main, ["init", str(folder)]).exit_code == 0
    write_xlsx(folder / "besok_2025.xlsx", [["Bibliotek", "jan", "feb", "mar"], ["Stadsbiblioteket", 900, 0, 1100],
                                            ["Norra biblioteket", 300, 310, 320]])
    (folder / "units.yaml").write_text(yaml.safe_dump({"units": [
        {"id": "stadsbiblioteket", "name": "Stadsbiblioteket", "type": "huvudbibliotek"},
        {"id": "norra", "name": "Norra biblioteket", "type": "stadsdelsbibliotek", "district": "Norra"}]},
        allow_unicode=True), encoding="utf-8")
    res = cli.invoke(main, ["load"])
    assert res.exit_code == 0, res.output
    status = cli.invoke(main, ["status"])
    assert "Data t.o.m. 2025-03-31" in status.output
