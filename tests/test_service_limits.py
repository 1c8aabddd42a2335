"""Issue 13 §4 through the app's HTTP endpoints (the WSGI app as gunicorn runs it): sessions die
on logout, logins are throttled without holding a worker, bodies are limited, malformed and
impossible callback requests get 400, every response carries the security headers."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from dashboard.auth import add_user, hash_password, remove_user
from dashboard.auth import web as auth_web
from dashboard.auth.sessions import lockout_seconds
from tests.test_issue6_app import HEADER, PASSWORDS, call, env, hashes, login, texts, upload, xlsx  # noqa: F401

MB = 1024 * 1024
KEY = {"goal": "lasning", "year": 2026, "period": "T1", "unit": None, "lang": "sv"}


class Clock:
    def __init__(self) -> None:
        self.now = 2_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(auth_web, "_clock", c)
    return c


def save_values(text: str = "Utlånen ökar.", **key: Any) -> dict[tuple[str, str], Any]:
    return {("comment-save", "n_clicks"): 1, ("comment-analys", "value"): text,
            ("comment-atgarder", "value"): "", ("comment-author", "value"): "",
            ("comment-key", "data"): {**KEY, **key},
            ("comment-loaded", "data"): {"analys": None, "atgarder": None}}  # fmt: skip


def save_body(app: Any, values: dict[tuple[str, str], Any], output: str = "comment-status.children",
              changed: str = "comment-save.n_clicks") -> dict[str, Any]:
    key = next(k for k in app.callback_map if k.strip(".").startswith(output))
    spec = app.callback_map[key]
    outputs = [dict(zip(("id", "property"), p.rsplit(".", 1))) for p in key.strip(".").split("...")]

    def item(d: dict[str, str]) -> dict[str, Any]:
        return {"id": d["id"], "property": d["property"], "value": values.get((d["id"], d["property"]))}

    return {"output": key, "outputs": outputs, "inputs": [item(d) for d in spec["inputs"]],
            "state": [item(d) for d in spec["state"]], "changedPropIds": [changed]}


def attempt(client: Any, name: str, password: str, addr: str = "10.0.0.1") -> Any:
    page = client.get("/login", environ_base={"REMOTE_ADDR": addr}).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"username": name, "password": password, "csrf_token": csrf},
                       environ_base={"REMOTE_ADDR": addr})


# --------------------------------------------------------------------------- sessions
def test_a_copied_session_cookie_is_dead_after_logout(env) -> None:
    app, ds = env["app"], env["ds"]
    client = login(app, "rolf")
    cookie = client.get_cookie("bibplan_session").value
    assert call(client, app, "comment-status.children", save_values("Före utloggning."))
    client.get("/logout")
    thief = app.server.test_client()
    thief.set_cookie("bibplan_session", cookie)
    assert thief.get("/").status_code == 302  # the page: back to the login
    response = thief.post("/_dash-update-component", json=save_body(app, save_values("Efter utloggning.")))
    assert response.status_code == 401 and response.json["error"] == "not_logged_in"
    assert thief.get("/_dash-layout").status_code == 401
    assert [c.text for c in ds.comment_history("lasning", 2026, "T1", None, "analys")] == ["Före utloggning."]


def test_password_change_and_removal_end_sessions_at_once(env, tmp_path: Path) -> None:
    app = env["app"]
    users = tmp_path / "users.yaml"
    rolf, lisa = login(app, "rolf"), login(app, "lisa")
    assert rolf.get("/_dash-layout").status_code == 200 and lisa.get("/_dash-layout").status_code == 200
    add_user(users, "rolf", "redaktör", hash_password("ett-nytt-lösenord"), replace=True)
    remove_user(users, "lisa")
    assert rolf.get("/_dash-layout").status_code == 401
    assert lisa.get("/_dash-layout").status_code == 401


# --------------------------------------------------------------------------- throttling
def test_lockout_grows_per_failure() -> None:
    # 3 free failures per user name, then 2 s, doubling; 10 free per address.
    assert [lockout_seconds(n, "user") for n in range(1, 8)] == [0, 0, 2, 4, 8, 16, 32]
    assert lockout_seconds(9, "addr") == 0 and lockout_seconds(10, "addr") == 2
    assert lockout_seconds(40, "user") == 15 * 60


def test_wrong_passwords_lock_the_user_name_with_a_swedish_message(env, clock, monkeypatch) -> None:
    app = env["app"]
    checks: list[str] = []
    real = auth_web.verify_password
    monkeypatch.setattr(auth_web, "verify_password", lambda h, p: checks.append(p) or real(h, p))
    client = app.server.test_client()
    for i in range(3):
        assert attempt(client, "anna", f"fel-{i}").status_code == 200
    checks.clear()
    locked = attempt(client, "anna", PASSWORDS["anna"])  # even the right password waits
    assert locked.status_code == 429
    assert "För många misslyckade inloggningar för anna. Vänta 2 sekunder och försök sedan igen." in \
        locked.get_data(as_text=True)
    assert locked.headers["Retry-After"] == "2"
    assert checks == []  # answered without a password check (and without sleeping)
    assert client.get("/").status_code == 302
    clock.now += 2
    assert attempt(client, "anna", "fel-3").status_code == 200  # 4 failures: now 4 s
    clock.now += 3
    assert "Vänta 1 sekund " in attempt(client, "anna", PASSWORDS["anna"]).get_data(as_text=True)
    clock.now += 1
    assert attempt(client, "anna", PASSWORDS["anna"]).status_code == 302
    assert client.get("/").status_code == 200
    # Another user from elsewhere was never affected; anna's failures are cleared by her login.
    assert attempt(app.server.test_client(), "rolf", PASSWORDS["rolf"], addr="10.0.0.2").status_code == 302
    assert attempt(app.server.test_client(), "anna", "fel-igen").status_code == 200


def test_one_address_guessing_many_names_is_locked(env, clock) -> None:
    app = env["app"]
    client = app.server.test_client()
    for i in range(10):
        assert attempt(client, f"gissning{i}", "fel", addr="10.9.9.9").status_code == 200
    locked = attempt(client, "lisa", PASSWORDS["lisa"], addr="10.9.9.9")
    assert locked.status_code == 429
    assert "För många misslyckade inloggningar från din dator. Vänta 2 sekunder" in locked.get_data(as_text=True)
    assert attempt(app.server.test_client(), "lisa", PASSWORDS["lisa"], addr="10.1.1.1").status_code == 302


# --------------------------------------------------------------------------- body limits
def test_request_bodies_are_limited_before_they_are_read(env) -> None:
    app = env["app"]
    reader, admin = login(app, "lisa"), login(app, "anna")
    big = b"x" * (3 * MB)
    response = reader.post("/_dash-update-component", data=big, content_type="application/json")
    assert response.status_code == 413
    assert response.json["message"] == "Förfrågan är för stor (högst 2 MB). Skicka mindre filer eller färre åt gången."
    anonymous = app.server.test_client().post("/_dash-update-component", data=big, content_type="application/json")
    assert anonymous.status_code == 401  # not logged in: refused before the body is read
    assert app.server.test_client().post("/login", data=big, content_type="text/plain").status_code == 413
    # An administrator may send uploads (base64 in a callback) up to the upload limit ...
    upload = admin.post("/_dash-update-component", data=big, content_type="application/json")
    assert upload.status_code == 400  # read, and refused as malformed, not as too large
    # ... but not more: refused on the declared length, without reading the body.
    huge = admin.post("/_dash-update-component", data=b"{}", content_type="application/json",
                      environ_overrides={"CONTENT_LENGTH": str(200 * MB)})
    assert huge.status_code == 413 and "högst 81 MB" in huge.json["message"]
    assert admin.post("/login", data=big, content_type="text/plain").status_code == 413


# --------------------------------------------------------------------------- malformed requests
@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"{}", b'{"output": "nope.children"}',
                                  b'{"output": "KEY", "inputs": 5}', b'{"output": "KEY", "inputs": [{"x": 1}]}',
                                  b'{"output": "KEY", "inputs": [], "changedPropIds": [1]}'])
def test_malformed_callback_bodies_get_400_json(env, body: bytes) -> None:
    app = env["app"]
    key = next(k for k in app.callback_map if k.strip(".").startswith("comment-status.children"))
    client = login(app, "rolf")
    response = client.post("/_dash-update-component", data=body.replace(b"KEY", key.encode()),
                           content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert response.json["message"].startswith("Felaktig förfrågan")


@pytest.mark.parametrize(("change", "message"), [
    ({"goal": "finns_inte"}, "målet 'finns_inte' finns inte"),
    ({"year": 99999}, "det finns inga data för år 99999"),
    ({"year": "abc"}, "året ska vara ett heltal, inte 'abc'"),
    ({"period": "T3"}, "perioden 'T3' finns inte"),
    ({"unit": "ingenstans"}, "enheten 'ingenstans' finns inte"),
    ({"text": "x" * 20_001}, "Analys är för lång (20\u00a0001 tecken, högst 20\u00a0000)"),
])  # fmt: skip
def test_comments_for_what_does_not_exist_are_refused_with_400(env, change: dict, message: str) -> None:
    app, ds = env["app"], env["ds"]
    client = login(app, "rolf")
    text = change.pop("text", "En analys.")
    response = client.post("/_dash-update-component", json=save_body(app, save_values(text, **change)))
    assert response.status_code == 400
    assert response.json["message"] == f"Felaktig förfrågan: {message}."
    assert ds.comment_history("lasning", 2026, "T1", None, "analys") == []


def test_a_valid_comment_at_the_length_limit_is_saved(env) -> None:
    app, ds = env["app"], env["ds"]
    client = login(app, "rolf")
    response = client.post("/_dash-update-component",
                           json=save_body(app, save_values("å" * 20_000, unit="syd", year="2025")))
    assert response.status_code == 200
    saved = ds.comments("lasning", 2025, "T1", "syd")["analys"]
    assert saved.text == "å" * 20_000 and saved.author == "rolf"


def action_values(text: str = "Sagostunder på lördagar", pick: Any = "new", **key: Any) -> dict[tuple[str, str], Any]:
    return {("action-save", "n_clicks"): 1, ("action-pick", "value"): pick, ("action-text", "value"): text,
            ("action-owner", "value"): "Anna Ek", ("action-due", "value"): "2026-06-30",
            ("action-state", "value"): "planerad", ("action-author", "value"): "",
            ("action-key", "data"): {**KEY, **key}}  # fmt: skip


def save_action_body(app: Any, values: dict[tuple[str, str], Any]) -> dict[str, Any]:
    return save_body(app, values, "action-status.children", "action-save.n_clicks")


@pytest.mark.parametrize(("values", "message"), [
    (action_values(goal="finns_inte"), "målet 'finns_inte' finns inte"),
    (action_values(year=99999), "det finns inga data för år 99999"),
    (action_values(period="Q9"), "perioden 'Q9' finns inte"),
    (action_values(unit="ingenstans"), "enheten 'ingenstans' finns inte"),
    (action_values("x" * 20_001), "åtgärden är för lång (20\u00a0001 tecken, högst 20\u00a0000)"),
    (action_values(pick="abc"), "åtgärdens id ska vara ett heltal, inte 'abc'"),
    ({**action_values(), ("action-owner", "value"): "o" * 201}, "ansvarig är för lång (201 tecken, högst 200)"),
    ({**action_values(), ("action-due", "value"): 20260630}, "datumet ska vara text (ÅÅÅÅ-MM-DD)"),
    ({**action_values(), ("action-key", "data"): "lasning"}, "åtgärdens nyckel saknas"),
])  # fmt: skip
def test_actions_for_what_does_not_exist_are_refused_with_400(env, values: dict, message: str) -> None:
    app, ds = env["app"], env["ds"]
    client = login(app, "rolf")
    response = client.post("/_dash-update-component", json=save_action_body(app, values))
    assert response.status_code == 400
    assert response.json["message"] == f"Felaktig förfrågan: {message}."
    assert ds.store.actions() == []


def test_a_valid_action_is_saved_under_the_users_name(env) -> None:
    app, ds = env["app"], env["ds"]
    client = login(app, "rolf")
    values = action_values("å" * 20_000, unit="syd", year="2025", period="T2")
    response = client.post("/_dash-update-component", json=save_action_body(app, values))
    assert response.status_code == 200
    [saved] = ds.store.actions()
    assert (saved.goal_id, saved.unit_id, saved.year, saved.period) == ("lasning", "syd", 2025, "T2")
    assert (saved.text, saved.owner, saved.author, str(saved.due)) == ("å" * 20_000, "Anna Ek", "rolf", "2026-06-30")
    changed = {**action_values("Sagostunder på söndagar", pick=str(saved.action_id)), ("action-state", "value"): "klar"}
    assert client.post("/_dash-update-component", json=save_action_body(app, changed)).status_code == 200
    [latest] = ds.store.actions()
    assert (latest.action_id, latest.text, latest.state) == (saved.action_id, "Sagostunder på söndagar", "klar")


# --------------------------------------------------------------------------- headers
def test_every_response_carries_the_security_headers(env) -> None:
    app = env["app"]
    client = login(app, "lisa")
    index = client.get("/")
    html = re.sub(r"<!--.*?-->", "", index.get_data(as_text=True), flags=re.S)  # IE-only comments
    # The hash of Dash's inline renderer script, computed here from the page itself.
    inline = re.findall(r'<script(?![^>]*type="application/json")(?![^>]*src=)[^>]*>(.*?)</script>', html, re.S)
    assert inline, "Dash's inline renderer script"
    hashes_here = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in inline}
    responses = {
        "/": index,
        "/login": app.server.test_client().get("/login"),
        "/_dash-layout": client.get("/_dash-layout"),
        "/assets/20_bibplan.css": client.get("/assets/20_bibplan.css"),
        "callback": client.post("/_dash-update-component", data=b"{}", content_type="application/json"),
        "401": app.server.test_client().get("/_dash-layout"),
    }
    for name, response in responses.items():
        csp = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
        assert csp["default-src"] == "'self'", name
        assert csp["frame-ancestors"] == "'none'", name
        scripts = csp["script-src"].split()
        assert scripts[0] == "'self'" and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, name
        assert csp["connect-src"] == "'self'" and csp["object-src"] == "'none'", name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert response.headers["X-Frame-Options"] == "DENY", name
        assert response.headers["Referrer-Policy"] == "same-origin", name
    csp_index = dict(p.strip().split(" ", 1) for p in index.headers["Content-Security-Policy"].split(";"))
    assert hashes_here <= set(csp_index["script-src"].split())
    assert not re.search(r"https?://", json.dumps(dict(index.headers)))


# --------------------------------------------------------------------------- upload staging
def staged_tokens(env) -> set[str]:
    root = env["data"] / ".uploads"
    return {p.name for p in root.iterdir()} if root.exists() else set()


def test_confirm_cleans_its_staging_and_a_second_confirm_loads_nothing(env) -> None:
    app, ds = env["app"], env["ds"]
    client = login(app, "anna")
    out = upload(client, app, {"utlan_nov.xlsx": xlsx([HEADER, ["2026-11", "Norr", "Bok", "Vuxna", 110, 20]])})
    token = out["upload-token"]["data"]
    assert staged_tokens(env) == {token}
    confirm = {("upload-confirm", "n_clicks"): 1, ("upload-token", "data"): token}
    first = call(client, app, "upload-result.children", confirm)
    assert "Inläst (inläsning 2): 1 nya rader, 0 ersatta, 0 oförändrade." in texts(first)
    assert staged_tokens(env) == set()
    again = call(client, app, "upload-result.children", confirm)  # a double click, or a second tab
    assert "Inläst (inläsning 2): 1 nya rader, 0 ersatta, 0 oförändrade." in texts(again)
    assert ds.store.loads()["id"].tolist() == [1, 2]
    loans = ds.store.read_tables().loans
    assert int(loans.loc[loans["month"].dt.strftime("%Y-%m") == "2026-11", "initial_loans"].sum()) == 110


def test_a_new_preview_replaces_the_old_staging_and_abandoned_ones_expire(env) -> None:
    app = env["app"]
    client = login(app, "anna")
    good = xlsx([HEADER, ["2026-11", "Norr", "Bok", "Vuxna", 5, 0]])
    first = upload(client, app, {"utlan_a.xlsx": good})["upload-token"]["data"]
    second = call(client, app, "upload-preview.children", {
        ("upload-files", "contents"): [good], ("upload-files", "filename"): ["utlan_b.xlsx"],
        ("url", "search"): "", ("upload-token", "data"): first})["upload-token"]["data"]  # fmt: skip
    assert staged_tokens(env) == {second}
    old = env["data"] / ".uploads" / second
    three_hours_ago = time.time() - 3 * 3600
    os.utime(old, (three_hours_ago, three_hours_ago))
    third = upload(login(app, "anna"), app, {"utlan_c.xlsx": good})["upload-token"]["data"]
    assert staged_tokens(env) == {third}  # the abandoned preview was removed, the new one kept


def test_cancel_removes_the_staging_and_a_later_confirm_loads_nothing(env) -> None:
    app, ds = env["app"], env["ds"]
    client = login(app, "anna")
    out = upload(client, app, {"utlan_nov.xlsx": xlsx([HEADER, ["2026-11", "Norr", "Bok", "Vuxna", 110, 20]])})
    token = out["upload-token"]["data"]
    assert "Avbryt" in texts(out) and staged_tokens(env) == {token}
    key = next(k.strip(".") for k, spec in app.callback_map.items()
               if [i["id"] for i in spec["inputs"]] == ["upload-cancel"])  # fmt: skip
    cancelled = call(client, app, key, {("upload-cancel", "n_clicks"): 1, ("upload-token", "data"): token})
    assert cancelled["upload-token"]["data"] is None
    assert "Uppladdningen avbröts; ingenting lästes in" in texts(cancelled)
    assert staged_tokens(env) == set()
    stale = call(client, app, "upload-result.children", {("upload-confirm", "n_clicks"): 1,
                                                          ("upload-token", "data"): token})  # a second tab
    assert "Uppladdningen finns inte längre (den kan redan vara inläst eller borttagen)." in texts(stale)
    assert ds.store.loads()["id"].tolist() == [1]  # only the tiny data set's load


def test_malformed_upload_input_gets_400(env) -> None:
    app = env["app"]
    client = login(app, "anna")
    key = next(k for k in app.callback_map if k.strip(".").startswith("upload-preview.children"))
    outputs = [dict(zip(("id", "property"), p.rsplit(".", 1))) for p in key.strip(".").split("...")]
    body = {"output": key, "outputs": outputs,
            "inputs": [{"id": "upload-files", "property": "contents", "value": [{"not": "text"}]}],
            "state": [{"id": "upload-files", "property": "filename", "value": ["a.xlsx"]},
                      {"id": "url", "property": "search", "value": ""},
                      {"id": "upload-token", "property": "data", "value": None}],
            "changedPropIds": ["upload-files.contents"]}  # fmt: skip
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 400
    assert response.json["message"] == "Felaktig förfrågan: filerna ska vara en lista av text med ett namn var."
    assert staged_tokens(env) == set()


# --------------------------------------------------------------------------- a fresh install
def test_a_missing_plan_gives_a_page_saying_which_file_and_how(env) -> None:
    app = env["app"]
    (env["data"] / "biblioteksplan.yaml").unlink()  # a new install before `bibplan init`
    client = login(app, "lisa")
    out = call(client, app, "header.children", {("url", "pathname"): "/", ("url", "search"): ""})
    page = texts(out)
    assert "Konfigurationen behöver rättas" in page and "bibplan init" in page
    assert f"Fel i konfigurationsfilen {env['data'] / 'biblioteksplan.yaml'}:" in page
    assert "filen finns inte; skapa den" in page
