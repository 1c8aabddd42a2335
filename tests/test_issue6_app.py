"""Issue 6 in the app, through Dash's HTTP endpoint as the browser calls it: each role sees and may
do only what it is allowed, checked on the server (not only by hiding buttons); upload, confirm,
undo and reviewing warnings work for the roles that may."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from dashboard.app import create_app
from dashboard.auth import add_user, hash_password
from dashboard.auth import web as auth_web
from dashboard.data import DataSource
from dashboard.testing import fill_store
from etl.store import Store
from tests.conftest_dashboard import TINY_PLAN, tiny_tables

PASSWORDS = {"anna": "anna-hemligt-1", "rolf": "rolf-hemligt-2", "lisa": "lisa-hemligt-3"}
ROLES = {"anna": "administratör", "rolf": "redaktör", "lisa": "läsare"}
SOURCES = """\
sources:
  - {id: utlan, kind: loans, pattern: "utlan*.xlsx"}
"""
#: The tiny data set's two units (tests/conftest_dashboard.py), with the names used in the files.
UNITS = """\
municipality: Testkommun
units:
  - {id: norr, name: Norrbiblioteket, type: stadsdelsbibliotek, district: Norr, aliases: [{name: Norr}]}
  - {id: syd, name: Södra biblioteket, type: stadsdelsbibliotek, district: Syd, aliases: [{name: Syd}]}
"""
HEADER = ["Månad", "Filial", "Medietyp", "Målgrupp", "Nylån", "Omlån"]


@pytest.fixture(scope="module")
def hashes() -> dict[str, str]:
    return {name: hash_password(pw) for name, pw in PASSWORDS.items()}


@pytest.fixture
def env(tmp_path: Path, hashes, monkeypatch) -> dict[str, Any]:
    """A data directory (units, sources, plan), a store with the tiny data set, a users file with
    one user per role, and the app on them."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "units.yaml").write_text(UNITS, encoding="utf-8")
    (data / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    plan = data / "biblioteksplan.yaml"
    plan.write_text(TINY_PLAN, encoding="utf-8")
    monkeypatch.setenv("BIBPLAN_DATA_DIR", str(data))
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    fill_store(Store(url), tiny_tables())
    users = tmp_path / "users.yaml"
    for name, role in ROLES.items():
        add_user(users, name, role, hashes[name])
    ds = DataSource(url, plan_path=plan, check_every=0)
    app = create_app(ds, users_path=users)
    app.server.secret_key = "test-secret"
    return {"app": app, "ds": ds, "data": data, "url": url}


def login(app: Any, name: str) -> Any:
    client = app.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": name, "password": PASSWORDS[name], "csrf_token": csrf})
    assert response.status_code == 302
    return client


def call(client: Any, app: Any, first_output: str, values: dict[tuple[str, str], Any]) -> dict[str, Any]:
    """Fire the callback whose first output is ``first_output`` with ``values`` for its inputs and
    states ((id, property) -> value; missing ones are None); returns the response per output id."""
    key = next(k for k in app.callback_map if k.strip(".").startswith(first_output))
    spec = app.callback_map[key]
    outputs = []
    for part in key.strip(".").split("..."):
        ident, prop = part.rsplit(".", 1)
        outputs.append({"id": ident, "property": prop})

    changed = []

    def item(d: dict[str, str], is_input: bool = False) -> Any:
        value = values.get((d["id"], d["property"]))
        if '["ALL"]' in d["id"]:  # a wildcard input: value is a list of (concrete id, value)
            changed.extend(json.dumps(i, sort_keys=True, separators=(",", ":")) + "." + d["property"]
                           for i, v in value if v)
            return [{"id": ident, "property": d["property"], "value": v} for ident, v in value]
        if is_input:
            changed.append(f"{d['id']}.{d['property']}")
        ident = json.loads(d["id"]) if d["id"].startswith("{") else d["id"]
        return {"id": ident, "property": d["property"], "value": value}

    inputs = [item(d, is_input=True) for d in spec["inputs"]]
    body = {"output": key, "outputs": outputs, "inputs": inputs, "state": [item(d) for d in spec["state"]],
            "changedPropIds": changed}
    response = client.post("/_dash-update-component", json=body)
    if response.status_code == 204:  # PreventUpdate / nothing to update
        return {}
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["response"]


def page(client: Any, app: Any, path: str) -> str:
    """The header and body the router renders for ``path``, as JSON text."""
    out = call(client, app, "header.children", {("url", "pathname"): path, ("url", "search"): ""})
    return json.dumps(out, ensure_ascii=False)


def xlsx(rows: list[list[Any]]) -> str:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return "data:application/octet-stream;base64," + base64.b64encode(buf.getvalue()).decode()


def upload(client: Any, app: Any, files: dict[str, str]) -> dict[str, Any]:
    return call(client, app, "upload-preview.children", {
        ("upload-files", "contents"): list(files.values()), ("upload-files", "filename"): list(files),
        ("url", "search"): ""})  # fmt: skip


def texts(component: Any) -> str:
    return json.dumps(component, ensure_ascii=False)


# --------------------------------------------------------------------------- roles
@pytest.mark.parametrize(("name", "sees_upload", "may_comment"),
                         [("lisa", False, False), ("rolf", False, True), ("anna", True, True)])
def test_each_role_sees_only_what_it_may(env, name: str, sees_upload: bool, may_comment: bool) -> None:
    app = env["app"]
    client = login(app, name)
    overview = page(client, app, "/")
    assert f"{name} ({ROLES[name]})" in overview and "Logga ut" in overview
    assert ('"/uppladdning' in overview) == sees_upload
    upload_page = page(client, app, "/uppladdning")
    assert ("Din roll får inte använda den här sidan" in upload_page) != sees_upload
    data_page = page(client, app, "/data")
    assert ("Markera som granskad" in data_page) == may_comment


def test_upload_and_undo_are_refused_on_the_server_for_other_roles(env) -> None:
    app, ds = env["app"], env["ds"]
    good = xlsx([HEADER, ["2026-11", "Norr", "Bok", "Vuxna", 5, 0]])
    for name in ("lisa", "rolf"):
        client = login(app, name)
        out = upload(client, app, {"utlan_nov.xlsx": good})
        assert "Bara en administratör kan ladda upp data." in texts(out)
        assert out["upload-token"]["data"] is None
        refused = call(client, app, "undo-status.children", {("undo-confirm", "submit_n_clicks"): 1,
                                                              ("undo-pending", "data"): 1})  # fmt: skip
        assert "Bara en administratör kan ångra inläsningar." in texts(refused)
    assert len(ds.store.loads()) == 1 and not (env["data"] / ".uploads").exists()


def test_comment_author_is_the_login_and_readers_cannot_save(env) -> None:
    app, ds = env["app"], env["ds"]
    key = {"goal": "lasning", "year": 2026, "period": "T1", "unit": None, "lang": "sv"}
    values = {("comment-save", "n_clicks"): 1, ("comment-analys", "value"): "Utlånen ökar.",
              ("comment-atgarder", "value"): "", ("comment-author", "value"): "Någon annan",
              ("comment-key", "data"): key, ("comment-loaded", "data"): {"analys": None, "atgarder": None}}
    refused = call(login(app, "lisa"), app, "comment-status.children", values)
    assert refused["comment-status"]["children"] == "Din roll får inte skriva analyser och åtgärder."
    assert ds.comments("lasning", 2026, "T1", None) == {}
    saved = call(login(app, "rolf"), app, "comment-status.children", values)
    assert saved["comment-status"]["children"].startswith("Sparat")
    assert ds.comments("lasning", 2026, "T1", None)["analys"].author == "rolf"


# --------------------------------------------------------------------------- upload, confirm, undo
def test_admin_uploads_confirms_and_undoes(env) -> None:
    app, ds = env["app"], env["ds"]
    client = login(app, "anna")
    assert ds.last_data_date().isoformat() == "2026-10-31"
    # November like the months before (110 + 20 and 50 + 10 loans): no anomaly warning.
    out = upload(client, app, {"utlan_nov.xlsx": xlsx([HEADER, ["2026-11", "Norr", "Bok", "Vuxna", 110, 20],
                                                              ["2026-11", "Syd", "Bok", "Vuxna", 50, 10]]),
                               "utlan_fel.xlsx": xlsx([HEADER, ["2026-11", "Okänd filial", "Bok", "Vuxna", 1, 0]])})
    shown = texts(out["upload-preview"]["children"])
    assert "utlan_fel.xlsx: 1 fel, 0 varningar" in shown
    assert "utlan_fel.xlsx" in shown and "Okänd filial" in shown
    assert '"children": "2"' in shown  # the bad row, as the Excel row number
    assert "Läs in" in shown and "nov 2026" in shown
    # the answer at the top: one file loads two new rows (Norr and Syd, November), one is refused
    assert "1 fil läses in: 2 nya rader, 0 ersatta, 0 oförändrade. 1 fil vägras" in shown
    assert "Läses in, nytt: nov 2026 (2 enheter): 2 nya rader" in shown  # Norr and Syd
    token = out["upload-token"]["data"]
    assert re.fullmatch(r"[0-9a-f]{16}", token)
    assert ds.last_data_date().isoformat() == "2026-10-31"  # nothing stored by the preview
    done = call(client, app, "upload-result.children", {("upload-confirm", "n_clicks"): 1,
                                                         ("upload-token", "data"): token})  # fmt: skip
    assert "Inläst (inläsning 2): 2 nya rader, 0 ersatta, 0 oförändrade." in texts(done)
    assert "Utlån: data t.o.m. 2026-11-30" in texts(done)
    assert "period=M11" in texts(done)
    assert "Lästes inte in (fel): utlan_fel.xlsx." in texts(done)
    assert ds.last_data_date().isoformat() == "2026-11-30"
    last = ds.store.loads().iloc[-1]
    assert last["user"] == "anna"
    buttons = [({"type": "undo-load", "load": 2}, 1), ({"type": "undo-load", "load": 1}, 0)]
    asked = call(client, app, "undo-confirm.displayed", {('{"load":["ALL"],"type":"undo-load"}', "n_clicks"): buttons})
    assert asked["undo-confirm"]["displayed"] is True and asked["undo-pending"]["data"] == 2
    assert asked["undo-confirm"]["message"].startswith("Ångra inläsning 2 (")
    # what goes and what comes back: November's 110 + 20 loans at Norr go, nothing comes back
    assert "Utlån Norrbiblioteket nov 2026: 130 → – (1 rader tas bort, 0 kommer tillbaka)" in asked["undo-confirm"]["message"]
    undone = call(client, app, "undo-status.children", {("undo-confirm", "submit_n_clicks"): 1,
                                                         ("undo-pending", "data"): 2})  # fmt: skip
    assert "Inläsning 2 är ångrad: 2 rader borttagna." in texts(undone)
    assert ds.last_data_date().isoformat() == "2026-10-31"


def test_reviewing_a_warning_from_the_data_page(env, write_xlsx) -> None:
    app, ds = env["app"], env["ds"]
    # A survey-free warning: a partial last month (loans far below the months before).  November:
    # the store ends in October, and an export that replaced October's 130 loans with 1 would be a
    # replacement that shrinks, which is refused without --replace (issue 10).
    write_xlsx(env["data"] / "utlan_nov.xlsx", [HEADER, ["2026-11", "Norr", "Bok", "Vuxna", 1, 0]])
    from etl.pipeline import load_dir

    load_dir(env["data"], ds.store)
    problems = ds.store.problems()
    warning = problems[problems["severity"] == "varning"].iloc[0]
    row = {"problem_id": int(warning["problem_id"]), "severity": "varning"}
    values = {("review-save", "n_clicks"): 1, ("problems-grid", "selectedRows"): [row],
              ("review-comment", "value"): "Exporten kördes tidigt; ny kommer."}
    refused = call(login(app, "lisa"), app, "review-status.children", values)
    assert refused["review-status"]["children"].startswith("Bara redaktörer och administratörer")
    done = call(login(app, "rolf"), app, "review-status.children", values)
    assert done["review-status"]["children"] == "Varningen är markerad som granskad."
    assert "rolf " in texts(done["problems-body"]) and "Exporten kördes tidigt; ny kommer." in texts(done["problems-body"])
    after = ds.store.problems()
    reviewed = after[after["problem_id"] == row["problem_id"]].iloc[0]
    assert (reviewed["reviewed_by"], reviewed["review_comment"]) == ("rolf", "Exporten kördes tidigt; ny kommer.")
