"""``bibplan load/check/status`` through click's CliRunner, config errors, transaction exports."""

from __future__ import annotations


import pytest
from click.testing import CliRunner

from cli.main import main
from etl.config import ConfigError
from etl.pipeline import check_paths, load_config

SOURCES = """\
sources:
  - {id: utlan, kind: loans, pattern: "utlan*.xlsx"}
  - id: koha
    kind: loans
    pattern: "koha*.csv"
    layout: transactions
    value_labels:
      category: {BARN: barn, UNG: unga, VUXEN: vuxna}
"""
HEADER = ["Månad", "Filial", "Medietyp", "Målgrupp", "Utlån"]


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("BIBPLAN_STORE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    return CliRunner()


def test_load_check_status_exit_codes(env, data_dir, write_xlsx):
    d = data_dir(SOURCES)
    write_xlsx(d / "utlan_a.xlsx", [HEADER, ["2024-01", "Gottsunda", "Bok", "Barn", 10]])
    ok = env.invoke(main, ["load", str(d)])
    assert ok.exit_code == 0, ok.output
    assert "utlan_a.xlsx" in ok.output and "sparad" in ok.output
    status = env.invoke(main, ["status"])
    assert status.exit_code == 0 and "Gottsunda bibliotek" in status.output and "Data t.o.m. 2024-01-31" in status.output

    bad = write_xlsx(d / "utlan_b.xlsx", [HEADER, ["2024-02", "Gottsunda", "Bok", "Barn", "ca 300"]])
    checked = env.invoke(main, ["check", str(bad)])
    assert checked.exit_code == 1
    assert "Allvarlighet" in checked.output and "ca 300" in checked.output and "│ 2 " in checked.output
    loaded = env.invoke(main, ["load", str(d)])
    assert loaded.exit_code == 1 and "avvisad" in loaded.output


def test_config_error_names_file_and_key_and_exits_2(env, data_dir, write_xlsx):
    d = data_dir("sources:\n  - {id: utlan, kind: lån, pattern: '*.xlsx'}\n")
    with pytest.raises(ConfigError) as err:
        load_config(d)
    assert err.value.file.endswith("sources.yaml")
    assert err.value.errors[0][0] == "sources[0] (utlan).kind"
    assert "tillåtna värden" in err.value.errors[0][1]
    result = env.invoke(main, ["load", str(d)])
    assert result.exit_code == 2
    assert "sources.yaml" in result.output and "sources[0] (utlan).kind" in result.output


def test_visits_source_without_counter_mode_is_a_config_error(data_dir):
    d = data_dir("sources:\n  - {id: besok, kind: visits, pattern: '*.csv'}\n")
    with pytest.raises(ConfigError, match="counter_mode"):
        load_config(d)


def test_transactions_are_aggregated_and_borrowers_never_stored(env, data_dir, write_csv, tmp_path):
    d = data_dir(SOURCES)
    rows = [["datetime", "branch", "type", "itemtype", "categorycode", "borrowernumber"],
            ["2024-01-05 10:00:00", "Gottsunda", "issue", "BK", "BARN", "90017"],
            ["2024-01-05 10:01:00", "Gottsunda", "renew", "BK", "BARN", "90017"],
            ["2024-01-06 11:00:00", "Gottsunda", "issue", "BK", "BARN", "90018"],
            ["2024-01-06 12:00:00", "Gottsunda", "return", "BK", "BARN", "90018"],
            ["2024-01-31 23:59:00", "Gottsunda", "localuse", "DVD", "VUXEN", "90019"],
            ["2024-02-01 09:00:00", "Sävja bibliotek", "issue", "DVD", "VUXEN", "90019"]]
    path = write_csv(d / "koha_2024.csv", rows, encoding="utf-8", delimiter=",")
    res = check_paths([path], load_config(d)).files[0]
    assert not res.has_errors, [str(p) for p in res.problems]
    got = {(r.month.strftime("%Y-%m"), r.unit_id, r.media_type, r.audience): (r.initial_loans, r.renewals, r.source_row)
           for r in res.frame.itertuples()}
    assert got == {("2024-01", "gottsunda", "bok", "barn"): (2, 1, 2),
                   ("2024-02", "savja", "film", "vuxna"): (1, 0, 7)}
    assert env.invoke(main, ["load", str(d)]).exit_code == 0
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("cli.sqlite*"))
    assert b"90017" not in stored and b"90019" not in stored


# --------------------------------------------------------------------------- load PATH...
def _exports(tmp_path, write_xlsx, name="exports"):
    """A folder with two loan exports and no config files."""
    folder = tmp_path / name
    folder.mkdir()
    a = write_xlsx(folder / "utlan_jan.xlsx", [HEADER, ["2024-01", "Gottsunda", "Bok", "Barn", 10]])
    b = write_xlsx(folder / "utlan_feb.xlsx", [HEADER, ["2024-02", "Gottsunda", "Bok", "Barn", 7]])
    return folder, a, b


def _stored_loans(tmp_path) -> dict[str, int]:
    from etl.store import Store

    loans = Store(f"sqlite:///{tmp_path / 'cli.sqlite'}").read_tables().loans
    return {str(m)[:7]: int(n) for m, n in zip(loans["month"], loans["initial_loans"])}


def test_load_a_folder_of_exports_uses_the_configured_data_directory(env, data_dir, write_xlsx, tmp_path,
                                                                     monkeypatch):
    config = data_dir(SOURCES)
    monkeypatch.setenv("BIBPLAN_DATA_DIR", str(config))
    folder, _, _ = _exports(tmp_path, write_xlsx)
    result = env.invoke(main, ["load", str(folder)])
    assert result.exit_code == 0, result.output
    assert _stored_loans(tmp_path) == {"2024-01": 10, "2024-02": 7}


def test_load_single_files_and_check_a_folder(env, data_dir, write_xlsx, tmp_path, monkeypatch):
    config = data_dir(SOURCES)
    monkeypatch.setenv("BIBPLAN_DATA_DIR", str(config))
    folder, jan, feb = _exports(tmp_path, write_xlsx)
    result = env.invoke(main, ["load", str(jan)])
    assert result.exit_code == 0, result.output
    assert "utlan_jan.xlsx" in result.output and "utlan_feb.xlsx" not in result.output
    assert _stored_loans(tmp_path) == {"2024-01": 10}
    checked = env.invoke(main, ["check", str(folder), "--no-store"])
    assert checked.exit_code == 0, checked.output
    assert "utlan_jan.xlsx" in checked.output and "utlan_feb.xlsx" in checked.output
    # A folder and a file together, the file inside the folder: each file is loaded once.
    both = env.invoke(main, ["load", str(folder), str(feb)])
    assert both.exit_code == 0, both.output
    assert _stored_loans(tmp_path) == {"2024-01": 10, "2024-02": 7}


def test_load_takes_the_config_from_config_dir_or_the_folder_itself(env, data_dir, write_xlsx, tmp_path,
                                                                    monkeypatch):
    config = data_dir(SOURCES)
    monkeypatch.setenv("BIBPLAN_DATA_DIR", str(tmp_path / "nowhere"))
    folder, _, _ = _exports(tmp_path, write_xlsx)
    result = env.invoke(main, ["load", str(folder), "--config-dir", str(config)])
    assert result.exit_code == 0, result.output
    # The config folder holding exports itself is loaded with its own config.
    write_xlsx(config / "utlan_mar.xlsx", [HEADER, ["2024-03", "Gottsunda", "Bok", "Barn", 4]])
    own = env.invoke(main, ["load", str(config)])
    assert own.exit_code == 0, own.output
    assert _stored_loans(tmp_path) == {"2024-01": 10, "2024-02": 7, "2024-03": 4}


def test_load_without_config_names_what_is_missing_and_where(env, write_xlsx, tmp_path, monkeypatch):
    empty = tmp_path / "empty_config"
    empty.mkdir()
    monkeypatch.setenv("BIBPLAN_DATA_DIR", str(empty))
    folder, jan, _ = _exports(tmp_path, write_xlsx)
    for target in (folder, jan):
        result = env.invoke(main, ["load", str(target)])
        assert result.exit_code == 2
        text = " ".join(result.output.split())
        assert text.startswith(f"Konfigurationen saknas: units.yaml och sources.yaml finns inte i den "
                               f"konfigurerade datakatalogen {empty}, eftersom {folder} inte har någon sources.yaml.")
        assert "--config-dir" in text and "konfigurationsfilen" not in text and "katalogen finns inte" not in text
    given = env.invoke(main, ["load", str(folder), "--config-dir", str(empty)])
    assert given.exit_code == 2
    assert "units.yaml och sources.yaml finns inte i " + str(empty) + " (angiven med --config-dir)" in \
        " ".join(given.output.split())


def test_load_a_path_that_does_not_exist(env, tmp_path):
    result = env.invoke(main, ["load", str(tmp_path / "saknas.xlsx")])
    assert result.exit_code == 2
    assert f"Hittar inte {tmp_path / 'saknas.xlsx'}." in " ".join(result.output.split())
