"""Config errors are Swedish, name the file and the key path, and say what to write instead."""

from __future__ import annotations

import pytest

from etl.config import ConfigError, load_sources, load_units


def _error(tmp_path, name, text, loader):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        loader(path)
    return info.value


def test_wrong_unit_type_names_key_value_and_allowed_values(tmp_path):
    err = _error(tmp_path, "units.yaml", "units:\n  - {id: gottsunda, name: Gottsunda, type: filial}\n", load_units)
    assert err.errors == [(
        "units[0] (gottsunda).type",
        "otillåtet värde (står 'filial'); tillåtna värden: "
        "'huvudbibliotek', 'stadsdelsbibliotek' eller 'bokbuss'",
    )]
    assert str(err).startswith(f"Fel i konfigurationsfilen {tmp_path / 'units.yaml'}:")


def test_text_where_a_number_belongs_and_a_bad_date(tmp_path):
    text = (
        "sources:\n  - {id: utlan, kind: loans, pattern: 'u*.xlsx', header_rows: tre}\n"
        "units: []\n"
    )
    err = _error(tmp_path, "sources.yaml", text, load_sources)
    assert ("sources[0] (utlan).header_rows", "ska vara ett heltal (står 'tre')") in err.errors
    assert ("units", "okänd nyckel; kontrollera stavningen eller ta bort den") in err.errors

    err = _error(tmp_path, "units.yaml", "units:\n  - id: a\n    name: A\n    type: bokbuss\n"
                 "    aliases: [{name: B, valid_to: 31/12/2022}]\n", load_units)
    assert err.errors == [("units[0] (a).aliases[0] (B).valid_to",
                           "ogiltigt datum (står '31/12/2022'); skriv datum som ÅÅÅÅ-MM-DD")]


def test_sheet_given_as_a_list_reports_one_error_not_one_per_union_branch(tmp_path):
    err = _error(tmp_path, "sources.yaml",
                 "sources:\n  - {id: x, kind: loans, pattern: 'x*.xlsx', sheet: [a, b]}\n", load_sources)
    assert [k for k, _ in err.errors] == ["sources[0] (x).sheet"]
