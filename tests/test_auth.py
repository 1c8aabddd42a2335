"""dashboard.auth: users file, hashing, login, sessions, roles, trusted header, open mode, CLI."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import flask
import pytest
from click.testing import CliRunner
from werkzeug.security import check_password_hash

from cli.main import main as bibplan
from dashboard.auth import (
    AuthSetupError,
    add_user,
    auth_required,
    can,
    current_user,
    hash_password,
    init_auth,
    load_users,
    remove_user,
    require,
    verify_password,
)
from dashboard.auth import web
from etl.config import ConfigError

PASSWORDS = {"anna": "anna-hemligt-1", "rolf": "rolf-hemligt-2", "lisa": "lisa-hemligt-3"}
ROLES = {"anna": "administratör", "rolf": "redaktör", "lisa": "läsare"}


@pytest.fixture(scope="module")
def hashes() -> dict[str, str]:
    return {name: hash_password(pw) for name, pw in PASSWORDS.items()}


@pytest.fixture
def users_path(tmp_path: Path, hashes) -> Path:
    path = tmp_path / "data" / "users.yaml"
    for name, role in ROLES.items():
        add_user(path, name, role, hashes[name])
    return path


class Clock:
    def __init__(self, start: float = 1_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(web, "_clock", c)
    return c


def make_app(users_path: Path, **kwargs) -> flask.Flask:
    app = flask.Flask(__name__)

    @app.route("/")
    def index():
        user = current_user()
        return f"hej {user.name} {user.role} {user.via}"

    @app.route("/_dash-update-component", methods=["POST"])
    def callback():
        return {"ok": True}

    @app.route("/upload", methods=["POST"])
    @require("upload")
    def upload():
        return "uppladdad"

    kwargs.setdefault("secret_key", "test-secret")
    init_auth(app, users_path, **kwargs)
    return app


def csrf_of(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(client, name: str, password: str, next_url: str | None = None):
    data = {"username": name, "password": password, "csrf_token": csrf_of(client)}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/login", data=data)


# --------------------------------------------------------------------------- hashing, file
def test_hash_is_salted_scrypt_and_verifies():
    h1, h2 = hash_password("rätt lösenord"), hash_password("rätt lösenord")
    assert h1.startswith("scrypt:") and h1 != h2  # a fresh salt each time
    assert "rätt lösenord" not in h1
    assert verify_password(h1, "rätt lösenord") and verify_password(h2, "rätt lösenord")
    assert not verify_password(h1, "fel lösenord")
    assert check_password_hash(h1, "rätt lösenord")  # the standard werkzeug format
    assert not verify_password("inte-en-hash", "x")
    with pytest.raises(ValueError, match="minst 8 tecken"):
        hash_password("kort")


def test_users_file_is_private_and_checked(users_path: Path):
    assert stat.S_IMODE(users_path.stat().st_mode) == 0o600
    users = load_users(users_path)
    assert [(u.name, u.role) for u in users.users] == list(ROLES.items())
    assert users.find("ANNA").name == "anna"  # names are case-insensitive

    bad = users_path.parent / "bad.yaml"
    bad.write_text("users:\n  - name: anna\n    role: chef\n    password_hash: hemligt\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_users(bad)
    text = str(err.value)
    assert str(bad) in text
    assert "users[0] (anna).role" in text and "läsare" in text
    assert "users[0] (anna).password_hash" in text and "bibplan user add" in text


def test_add_and_remove_user(users_path: Path, hashes):
    with pytest.raises(ValueError, match="finns redan"):
        add_user(users_path, "Anna", "läsare", hashes["anna"])
    add_user(users_path, "anna", "läsare", hashes["anna"], replace=True)
    assert load_users(users_path).find("anna").role == "läsare"
    remove_user(users_path, "lisa")
    assert load_users(users_path).find("lisa") is None
    with pytest.raises(ValueError, match="ingen användare"):
        remove_user(users_path, "lisa")


# --------------------------------------------------------------------------- roles
def test_role_permissions():
    expected = {
        "läsare": {"read"},
        "redaktör": {"read", "write_comments"},
        "administratör": {"read", "write_comments", "upload", "undo"},
    }
    for role, allowed in expected.items():
        for action in ("read", "write_comments", "upload", "undo"):
            assert can(role, action) == (action in allowed), (role, action)
            assert can(web.CurrentUser("x", role, "login"), action) == (action in allowed)
    assert not can(None, "read")
    assert not can("chef", "read")
    with pytest.raises(ValueError):
        can("administratör", "delete")


def test_route_requires_role(users_path: Path, clock):
    client = make_app(users_path).test_client()
    login(client, "lisa", PASSWORDS["lisa"])
    assert client.post("/upload").status_code == 403
    client = make_app(users_path).test_client()
    login(client, "anna", PASSWORDS["anna"])
    assert client.post("/upload").get_data(as_text=True) == "uppladdad"


# --------------------------------------------------------------------------- login
def test_login_and_logout(users_path: Path, clock):
    client = make_app(users_path).test_client()
    response = client.get("/rapport?ar=2026")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/rapport?ar%3D2026"

    response = login(client, "rolf", PASSWORDS["rolf"], next_url="/rapport?ar=2026")
    assert response.status_code == 302 and response.headers["Location"] == "/rapport?ar=2026"
    assert client.get("/").get_data(as_text=True) == "hej rolf redaktör login"

    response = client.get("/logout")
    assert response.headers["Location"] == "/login?reason=logout"
    assert "Du är utloggad." in client.get("/login?reason=logout").get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_never_redirects_off_site(users_path: Path, clock):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        client = make_app(users_path).test_client()
        response = login(client, "lisa", PASSWORDS["lisa"], next_url=target)
        assert response.headers["Location"] == "/", target


def test_wrong_password_and_unknown_user_get_the_same_answer(users_path: Path, clock):
    """Same page for both; no sleep holds the worker (throttling is tested in test_service_limits)."""
    client = make_app(users_path).test_client()
    answers = []
    for name, password in (("anna", "fel-lösenord-1"), ("okand", "fel-lösenord-1")):
        response = login(client, name, password)
        assert response.status_code == 200  # the form again (no error in the browser console)
        body = response.get_data(as_text=True)
        assert "Fel användarnamn eller lösenord." in body
        answers.append(body.replace(f'value="{name}"', 'value="NAMN"'))
    assert answers[0] == answers[1]
    assert client.get("/").status_code == 302  # still not logged in
    assert login(client, "anna", PASSWORDS["anna"]).status_code == 302


def test_both_failures_verify_a_hash(users_path: Path, clock, monkeypatch):
    """An unknown user costs a hash check too (against a dummy hash), like a wrong password."""
    calls = []
    real = web.verify_unknown_user
    monkeypatch.setattr(web, "verify_password", lambda h, p: calls.append("known") or False)
    monkeypatch.setattr(web, "verify_unknown_user", lambda p: calls.append("unknown") or real(p))
    client = make_app(users_path).test_client()
    login(client, "anna", "x" * 10)
    login(client, "ingen", "x" * 10)
    assert calls == ["known", "unknown"]


def test_login_form_needs_its_token(users_path: Path, clock):
    client = make_app(users_path).test_client()
    response = client.post("/login", data={"username": "anna", "password": PASSWORDS["anna"]})
    assert "Formuläret hade gått ut" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_page_is_swedish_and_local_only(users_path: Path):
    client = make_app(users_path).test_client()
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="sv">' in page and "Användarnamn" in page and "Lösenord" in page
    assert "http://" not in page and "https://" not in page  # no CDN
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert "/auth-static/login.css" in sheets
    assets = Path(web.__file__).resolve().parent.parent / "assets"
    for href in sheets:
        if href.startswith("/assets/"):
            assert (assets / href.removeprefix("/assets/")).is_file()
    assert client.get("/auth-static/login.css").status_code == 200


def test_dash_requests_get_json_401(users_path: Path):
    client = make_app(users_path).test_client()
    response = client.post("/_dash-update-component", json={"changedPropIds": ["x.value"]})
    assert response.status_code == 401
    assert response.json["error"] == "not_logged_in"
    assert response.json["login_url"] == "/login"


# --------------------------------------------------------------------------- sessions
def test_session_times_out_after_inactivity(users_path: Path, clock):
    client = make_app(users_path, timeout_minutes=30).test_client()
    login(client, "lisa", PASSWORDS["lisa"])
    clock.now += 29 * 60
    assert client.get("/").status_code == 200  # activity: the 30 minutes start again
    clock.now += 29 * 60
    assert client.get("/").status_code == 200
    clock.now += 31 * 60
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/&reason=timeout"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Du har loggats ut efter 30 minuter utan aktivitet." in page
    clock.now += 1
    assert client.get("/").status_code == 302  # the session was cleared, not revived


def test_interval_polling_is_not_activity(users_path: Path, clock):
    client = make_app(users_path, timeout_minutes=30).test_client()
    login(client, "lisa", PASSWORDS["lisa"])
    clock.now += 20 * 60
    poll = client.post("/_dash-update-component", json={"changedPropIds": ["poll.n_intervals"]})
    assert poll.status_code == 200
    clock.now += 15 * 60  # 35 minutes after the last real activity
    response = client.post("/_dash-update-component", json={"changedPropIds": ["poll.n_intervals"]})
    assert response.status_code == 401
    assert response.json["login_url"] == "/login?reason=timeout"


def test_removed_user_and_changed_password_end_sessions(users_path: Path, clock):
    app = make_app(users_path)
    lisa, rolf = app.test_client(), app.test_client()
    login(lisa, "lisa", PASSWORDS["lisa"])
    login(rolf, "rolf", PASSWORDS["rolf"])
    remove_user(users_path, "lisa")
    assert lisa.get("/").status_code == 302
    add_user(users_path, "rolf", "redaktör", hash_password("nytt-lösenord"), replace=True)
    assert rolf.get("/").status_code == 302


def test_broken_users_file_fails_closed(users_path: Path, clock):
    client = make_app(users_path).test_client()
    login(client, "anna", PASSWORDS["anna"])
    users_path.write_text("users: [{name: anna, role: kung}]\n", encoding="utf-8")
    response = client.get("/")
    assert response.status_code == 503
    assert "Användarfilen har fel" in response.get_data(as_text=True)
    with pytest.raises(ConfigError):
        make_app(users_path)


# --------------------------------------------------------------------------- trusted header
def test_trusted_header(users_path: Path, tmp_path: Path):
    add_user(users_path, "proxyanna", "administratör", None)
    client = make_app(users_path, trusted_header="X-Remote-User").test_client()
    assert client.get("/", headers={"X-Remote-User": "ProxyAnna"}).get_data(as_text=True) == (
        "hej proxyanna administratör header"
    )
    assert client.get("/", headers={"X-Remote-User": "okand"}).get_data(as_text=True) == (
        "hej okand läsare header"
    )
    assert client.get("/").status_code == 401  # the proxy must always send the header
    assert client.get("/login").status_code == 302  # no login form in this mode

    strict = make_app(users_path, trusted_header="X-Remote-User", header_default_role=None).test_client()
    assert strict.get("/", headers={"X-Remote-User": "okand"}).status_code == 403
    assert strict.get("/", headers={"X-Remote-User": "lisa"}).get_data(as_text=True) == "hej lisa läsare header"


# --------------------------------------------------------------------------- no users
def test_no_users_is_open_on_localhost_only(tmp_path: Path):
    missing = tmp_path / "users.yaml"
    for host in ("127.0.0.1", "localhost", "::1", "[::1]"):
        assert auth_required(missing, host) is False
    for host in ("0.0.0.0", "192.168.1.10", "bibplan.kommun.se", ""):
        with pytest.raises(AuthSetupError, match="bibplan user add"):
            auth_required(missing, host)
    assert auth_required(missing, "0.0.0.0", trusted_header="X-Remote-User") is True
    with pytest.raises(AuthSetupError):
        make_app(missing, host="0.0.0.0")

    client = make_app(missing, host="127.0.0.1").test_client()
    assert client.get("/").get_data(as_text=True) == "hej lokal administratör local"
    from_lan = client.get("/", environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert from_lan.status_code == 403
    assert "bara användas från datorn" in from_lan.get_data(as_text=True)
    through_proxy = client.get("/", headers={"X-Forwarded-For": "203.0.113.9"})
    assert through_proxy.status_code == 403


def test_users_configured_means_login_required_on_any_host(users_path: Path):
    assert auth_required(users_path, "0.0.0.0") is True
    assert auth_required(users_path, "127.0.0.1") is True


# --------------------------------------------------------------------------- secret key
def test_secret_key_is_generated_once_beside_the_users_file(users_path: Path, monkeypatch):
    monkeypatch.delenv("BIBPLAN_SECRET_KEY", raising=False)
    first = flask.Flask("a")
    init_auth(first, users_path)
    key_file = users_path.parent / ".bibplan-secret-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.secret_key == key_file.read_text().strip() and len(first.secret_key) == 64
    second = flask.Flask("b")
    init_auth(second, users_path)
    assert second.secret_key == first.secret_key
    monkeypatch.setenv("BIBPLAN_SECRET_KEY", "från-miljön")
    third = flask.Flask("c")
    init_auth(third, users_path)
    assert third.secret_key == "från-miljön"


# --------------------------------------------------------------------------- Dash
def test_init_dash_auth_protects_layout_and_adds_the_session_script(tmp_path: Path, users_path: Path):
    import dash
    from dash import html

    from dashboard.auth import init_dash_auth

    app = dash.Dash(__name__, assets_folder=str(tmp_path / "no-assets"))
    app.layout = html.Div("hemlig siffra 1 234")
    init_dash_auth(app, users_path, secret_key="k")
    client = app.server.test_client()
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/").status_code == 302
    login(client, "lisa", PASSWORDS["lisa"])
    assert "hemlig siffra" in client.get("/_dash-layout").get_data(as_text=True)
    index = client.get("/").get_data(as_text=True)
    assert '<script src="/auth-static/session.js"></script>' in index
    assert client.get("/auth-static/session.js").status_code == 200


# --------------------------------------------------------------------------- CLI
def run(args: list[str], path: Path, input: str | None = None):
    return CliRunner().invoke(bibplan, ["user", "--users-file", str(path), *args], input=input)


def test_cli_add_list_remove(tmp_path: Path):
    path = tmp_path / "users.yaml"
    result = run(["add", "anna", "--role", "administratör"], path, input="hemligt-123\nhemligt-123\n")
    assert result.exit_code == 0, result.output
    assert "Användaren anna (administratör) är sparad" in result.output
    entry = load_users(path).find("anna")
    assert entry.role == "administratör" and verify_password(entry.password_hash, "hemligt-123")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    result = run(["add", "lisa", "--role", "lasare", "--password-stdin"], path, input="lisas-lösen\n")
    assert result.exit_code == 0, result.output
    assert verify_password(load_users(path).find("lisa").password_hash, "lisas-lösen")

    result = run(["add", "lisa", "--role", "redaktör", "--password-stdin"], path, input="x" * 10 + "\n")
    assert result.exit_code == 1 and "finns redan" in result.output

    result = run(["list"], path)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["Namn", "Roll", "Lösenord"]
    assert [line.split() for line in lines[1:]] == [["anna", "administratör", "ja"], ["lisa", "läsare", "ja"]]

    result = run(["remove", "lisa"], path)
    assert result.exit_code == 0 and load_users(path).find("lisa") is None
    assert run(["remove", "lisa"], path).exit_code == 1


def test_cli_asks_twice_and_rejects_mismatch_and_short_passwords(tmp_path: Path):
    path = tmp_path / "users.yaml"
    result = run(["add", "anna", "--role", "läsare"], path, input="hemligt-123\nannat-lösen\n")
    assert result.exit_code != 0 and not path.exists()
    result = run(["add", "anna", "--role", "läsare"], path, input="kort\nhemligt-123\nhemligt-123\n")
    assert result.exit_code == 0, result.output
    assert "minst 8 tecken" in result.output
    assert verify_password(load_users(path).find("anna").password_hash, "hemligt-123")
    result = run(["add", "bo", "--role", "chef", "--no-password"], path)
    assert result.exit_code == 2 and "okänd roll" in result.output


def test_init_dash_auth_reads_its_defaults_from_the_environment(tmp_path: Path, users_path: Path, monkeypatch):
    import dash

    from dashboard.auth import init_dash_auth

    monkeypatch.setenv("BIBPLAN_USERS_FILE", str(users_path))
    monkeypatch.setenv("BIBPLAN_TRUSTED_HEADER", "X-Remote-User")
    monkeypatch.setenv("BIBPLAN_SESSION_MINUTES", "10")
    app = dash.Dash(__name__, assets_folder=str(tmp_path / "no-assets"))
    settings = init_dash_auth(app, secret_key="k")
    assert settings.users.path == users_path
    assert settings.trusted_header == "X-Remote-User"
    assert settings.timeout_s == 600
