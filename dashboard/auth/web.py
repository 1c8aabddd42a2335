"""Login, sessions and role checks for the Flask server under the Dash app.

Three modes, decided on every request from the users file (so users added with the CLI take
effect without a restart):

- **password login** (the users file has users): ``/login`` shows a Swedish form; a signed session
  cookie keeps the user logged in until ``timeout_minutes`` pass without activity (requests from
  ``dcc.Interval`` polling alone do not count as activity), or ``/logout``.  A wrong password and an
  unknown user name get the same answer after the same constant delay.
- **trusted header** (``trusted_header="X-Remote-User"``): the municipality's reverse proxy has
  already authenticated the user and passes the user name in that header.  The role comes from the
  users file; a user not in the file gets ``header_default_role`` (``"läsare"`` by default; ``None``
  refuses them).  ONLY safe behind a proxy that removes that header from every client request and
  when the app port is reachable from the proxy alone: anyone who can reach the app directly can
  claim any user name.
- **open** (no users and no trusted header): for one person on their own machine.  Every request
  must come from 127.0.0.1/::1 and not through a reverse proxy (``X-Forwarded-For`` and the like);
  the user is ``lokal`` with role ``administratör``.  Starting on
  another interface without users is refused by :func:`auth_required`.

Public: :func:`init_auth`, :func:`init_dash_auth`, :func:`current_user`, :func:`permitted`,
:func:`require`, :func:`auth_required`.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
import math
import os
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import flask
from flask import Blueprint, g, has_request_context, render_template, request, session, url_for

from dashboard.auth.hardening import init_dash_checks, init_hardening
from dashboard.auth.passwords import dummy_hash, verify_password, verify_unknown_user
from dashboard.auth.roles import ROLES, can
from dashboard.auth.secret import resolve_secret_key
from dashboard.auth.sessions import SessionRegistry, sessions_path
from dashboard.auth.users import UsersCache, default_users_path, has_users
from etl.config import ConfigError

#: Clock used by the session and login logic (tests replace it).
_clock: Callable[[], float] = time.time

EXTENSION_KEY = "bibplan_auth"
LOCAL_USER_NAME = "lokal"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
#: Paths served without a login: the login page itself, its CSS and the Dash app's static files
#: (CSS, fonts, the JavaScript bundles).  Data, layout and callbacks are always protected.
PUBLIC_PREFIXES = ("/auth-static/", "/assets/", "/_dash-component-suites/")
PUBLIC_PATHS = ("/login", "/logout", "/_favicon.ico", "/favicon.ico")
#: Headers a reverse proxy adds: open mode (no users) refuses requests that carry them.
PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")
SESSION_SCRIPT = "auth-static/session.js"
DEFAULT_ASSETS = Path(__file__).resolve().parent.parent / "assets"

MSG_WRONG = "Fel användarnamn eller lösenord."
MSG_TIMEOUT = "Du har loggats ut efter {minutes} minuter utan aktivitet. Logga in igen."
MSG_LOGGED_OUT = "Du är utloggad."
MSG_NOT_LOGGED_IN = "Logga in för att se måluppföljningen."
MSG_STALE_FORM = "Formuläret hade gått ut. Försök igen."
MSG_LOCKED = {
    "user": "För många misslyckade inloggningar för {name}. Vänta {wait} och försök sedan igen.",
    "addr": "För många misslyckade inloggningar från din dator. Vänta {wait} och försök sedan igen.",
}


class AuthSetupError(RuntimeError):
    """The app would be reachable from other machines without any login."""


@dataclass(frozen=True)
class CurrentUser:
    """The user behind the current request.  ``via``: how they were identified."""

    name: str
    role: str
    via: Literal["login", "header", "local"]

    def can(self, action: str) -> bool:
        return can(self, action)


@dataclass
class AuthSettings:
    users: UsersCache
    timeout_s: float
    trusted_header: str | None
    header_default_role: str | None
    stylesheets: tuple[str, ...] | None
    _registry: SessionRegistry | None = None

    @property
    def timeout_minutes(self) -> int:
        return round(self.timeout_s / 60)

    @property
    def registry(self) -> SessionRegistry:
        """Sessions and failed logins (a SQLite file beside the users file), opened when first
        needed: open and trusted-header mode never create it."""
        if self._registry is None:
            self._registry = SessionRegistry(sessions_path(self.users.path))
        return self._registry


# --------------------------------------------------------------------------- start-up checks
def is_loopback(host: str | None) -> bool:
    """Is ``host`` (a name or address, as given to ``--host`` or seen as the remote address) local
    to this machine only?"""
    if not host:
        return False
    host = host.strip().strip("[]")
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def auth_required(users_path: Path | str, host: str, *, trusted_header: str | None = None) -> bool:
    """Must the app ask for a login when served on ``host``?

    ``True`` when the users file has users (or a trusted header is configured), ``False`` when
    there are none and ``host`` is 127.0.0.1/localhost/::1.  With no users on any other host it
    raises :class:`AuthSetupError` (Swedish and English), since the data would be open to anyone.
    """
    if trusted_header or has_users(users_path):
        return True
    if is_loopback(host):
        return False
    raise AuthSetupError(
        f"Inga användare finns i {users_path}, och appen skulle nås från andra datorer via "
        f"{host!r}. Lägg till en användare med `bibplan user add NAMN --role administratör`, "
        "eller kör på 127.0.0.1.\n"
        f"No users are configured in {users_path} and the app would be reachable from other "
        f"machines via {host!r}. Add a user with `bibplan user add NAME --role administratör`, "
        "or serve on 127.0.0.1."
    )


# --------------------------------------------------------------------------- set-up
def init_auth(
    server: flask.Flask,
    users_path: Path | str,
    *,
    secret_key: str | bytes | None = None,
    timeout_minutes: float = 30,
    trusted_header: str | None = None,
    header_default_role: str | None = "läsare",
    host: str | None = None,
    stylesheets: Sequence[str] | None = None,
    secure_cookies: bool = False,
    script_hashes: Callable[[], list[str]] | None = None,
) -> AuthSettings:
    """Protect every route of ``server`` (the Flask app under Dash) with the login.

    ``host``: when given, :func:`auth_required` is checked now, so that serving an unprotected app
    on a public interface fails at start.  ``stylesheets``: URLs for the login page; by default
    every ``*.css`` in ``dashboard/assets`` under ``/assets/``.  ``secure_cookies``: mark the
    session cookie HTTPS-only (set it when served over HTTPS).  ``script_hashes``: CSP hashes of
    the inline scripts the pages carry (Dash's ``app.csp_hashes``).  Body limits and security
    headers: :mod:`dashboard.auth.hardening`.
    """
    if header_default_role is not None and header_default_role not in ROLES:
        raise ValueError(f"header_default_role must be one of {ROLES} or None")
    if host is not None:
        auth_required(users_path, host, trusted_header=trusted_header)
    settings = AuthSettings(
        users=UsersCache(users_path),
        timeout_s=timeout_minutes * 60,
        trusted_header=trusted_header,
        header_default_role=header_default_role,
        stylesheets=tuple(stylesheets) if stylesheets is not None else None,
    )
    settings.users.get()  # a broken users file stops the start with its ConfigError
    server.secret_key = resolve_secret_key(users_path, secret_key)
    server.config.update(
        SESSION_COOKIE_NAME="bibplan_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=settings.timeout_s),
    )
    server.extensions[EXTENSION_KEY] = settings
    dummy_hash()  # computed now, so the first failed login is not faster than the others
    server.register_blueprint(_blueprint())
    server.before_request(_guard)
    init_hardening(server, lambda: permitted("upload"), script_hashes)
    return settings


def init_dash_auth(app: Any, users_path: Path | str | None = None, **kwargs: Any) -> AuthSettings:
    """:func:`init_auth` for a ``dash.Dash`` app, plus the small script that sends the browser to
    the login page when a callback answers 401 (session timed out).

    Defaults, each overridden by a keyword argument: ``users_path`` from
    :func:`~dashboard.auth.users.default_users_path` (env ``BIBPLAN_USERS_FILE``, else
    ``data/users.yaml``); ``trusted_header`` from env ``BIBPLAN_TRUSTED_HEADER``;
    ``timeout_minutes`` from env ``BIBPLAN_SESSION_MINUTES`` (else 30); ``secure_cookies`` when env
    ``BIBPLAN_SECURE_COOKIES`` is ``1``/``true``/``ja``.
    """
    users_path = users_path or default_users_path()
    if header := os.environ.get("BIBPLAN_TRUSTED_HEADER", "").strip():
        kwargs.setdefault("trusted_header", header)
    if minutes := os.environ.get("BIBPLAN_SESSION_MINUTES", "").strip():
        kwargs.setdefault("timeout_minutes", float(minutes))
    if os.environ.get("BIBPLAN_SECURE_COOKIES", "").strip().lower() in ("1", "true", "ja", "yes"):
        kwargs.setdefault("secure_cookies", True)
    kwargs.setdefault("script_hashes", app.csp_hashes)
    settings = init_auth(app.server, users_path, **kwargs)
    init_dash_checks(app)
    prefix = app.config.requests_pathname_prefix or "/"
    app.config.external_scripts.append(prefix.rstrip("/") + "/" + SESSION_SCRIPT)
    return settings


def _blueprint() -> Blueprint:
    bp = Blueprint(
        "bibplan_auth",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/auth-static",
    )
    bp.add_url_rule("/login", "login", _login, methods=["GET", "POST"])
    bp.add_url_rule("/logout", "logout", _logout, methods=["GET", "POST"])
    return bp


def _settings() -> AuthSettings:
    return flask.current_app.extensions[EXTENSION_KEY]


# --------------------------------------------------------------------------- the current user
def current_user() -> CurrentUser | None:
    """The user of the current request, or ``None`` (not logged in, or no request)."""
    if not has_request_context():
        return None
    return g.get("bibplan_user")


def permitted(action: str) -> bool:
    """May the current user do ``action`` (``read``, ``write_comments``, ``upload``, ``undo``)?
    Call it in every callback or route that writes, not only when drawing the UI."""
    return can(current_user(), action)


def require(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator for Flask views: answer 403 unless the current user may do ``action``."""

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            if not permitted(action):
                return _refuse(403, "forbidden", "Din roll får inte göra detta.")
            return view(*args, **kwargs)

        return inner

    return wrap


def _password_fingerprint(password_hash: str) -> str:
    """Stored in the session so that changing a password logs out its other sessions."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _identify(settings: AuthSettings) -> CurrentUser | flask.Response:
    users = settings.users.get()
    if settings.trusted_header:
        name = request.headers.get(settings.trusted_header, "").strip()
        if not name:
            return _refuse(401, "no_user_header", "Ingen inloggad användare kom med från proxyn.")
        entry = users.find(name)
        role = entry.role if entry else settings.header_default_role
        if role is None:
            return _refuse(403, "unknown_user", f"Användaren {name} har ingen behörighet till bibplan.")
        return CurrentUser(entry.name if entry else name, role, "header")
    if not users.users:
        if is_loopback(request.remote_addr) and not _via_proxy():
            return CurrentUser(LOCAL_USER_NAME, "administratör", "local")
        return _refuse(
            403,
            "no_users",
            "Inga användare är upplagda, så bibplan kan bara användas från datorn den körs på.",
        )
    name = session.get("user")
    if not name:
        return _not_logged_in(None)
    now = _clock()
    if now - float(session.get("seen", 0)) > settings.timeout_s:
        session.clear()
        return _not_logged_in("timeout")
    entry = users.find(name)
    if (
        entry is None
        or entry.password_hash is None
        or session.get("pw") != _password_fingerprint(entry.password_hash)
        or not settings.registry.is_active(session.get("sid"), entry.name)
    ):
        session.clear()
        return _not_logged_in(None)
    if not _is_passive():
        session["seen"] = now
    return CurrentUser(entry.name, entry.role, "login")


def _via_proxy() -> bool:
    """Did the request pass a reverse proxy?  Then 127.0.0.1 is the proxy, not the user."""
    return any(h in request.headers for h in PROXY_HEADERS)


def _is_passive() -> bool:
    """A Dash callback fired only by ``dcc.Interval`` ticks: not user activity."""
    if not request.path.endswith("/_dash-update-component"):
        return False
    if request.content_length is None or request.content_length > 64 * 1024:
        return False  # interval ticks are small; a large body is read only after the size checks
    body = request.get_json(silent=True)
    changed = body.get("changedPropIds") if isinstance(body, dict) else None
    return isinstance(changed, list) and bool(changed) and all(str(c).endswith(".n_intervals") for c in changed)


def _guard() -> flask.Response | None:
    """``before_request``: identify the user, or answer with the login page / 401 / 403."""
    settings = _settings()
    path = request.path
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return None
    try:
        result = _identify(settings)
    except ConfigError as exc:  # the users file was broken while the app runs: fail closed
        flask.current_app.logger.error("bibplan: %s", exc)
        return _refuse(503, "users_file_error", "Användarfilen har fel; be administratören rätta den (se serverloggen).")
    if isinstance(result, flask.Response):
        return result
    g.bibplan_user = result
    return None


# --------------------------------------------------------------------------- answers
def _wants_json() -> bool:
    if "/_dash-" in request.path or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _refuse(status: int, code: str, message: str) -> flask.Response:
    if _wants_json():
        return _json(status, {"error": code, "message": message})
    return _page(message, level="danger", status=status, show_form=False)


def _not_logged_in(reason: str | None) -> flask.Response:
    settings = _settings()
    message = (
        MSG_TIMEOUT.format(minutes=settings.timeout_minutes) if reason == "timeout" else MSG_NOT_LOGGED_IN
    )
    if _wants_json():
        login_url = url_for("bibplan_auth.login", reason=reason) if reason else url_for("bibplan_auth.login")
        return _json(401, {"error": "not_logged_in", "message": message, "login_url": login_url})
    target = request.script_root + request.full_path.rstrip("?")
    args: dict[str, str] = {"next": target}
    if reason:
        args["reason"] = reason
    return flask.redirect(url_for("bibplan_auth.login", **args))


def _json(status: int, body: dict[str, Any]) -> flask.Response:
    return flask.Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def _stylesheets(settings: AuthSettings) -> list[str]:
    if settings.stylesheets is not None:
        return list(settings.stylesheets)
    root = request.script_root
    return [f"{root}/assets/{p.name}" for p in sorted(DEFAULT_ASSETS.glob("*.css"))]


def _csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _page(
    message: str | None,
    *,
    level: str = "danger",
    status: int = 200,
    show_form: bool = True,
    username: str = "",
    next_url: str = "",
) -> flask.Response:
    html = render_template(
        "bibplan_auth/login.html",
        message=message,
        level=level,
        show_form=show_form,
        username=username,
        next=next_url,
        csrf=_csrf_token() if show_form else "",
        stylesheets=_stylesheets(_settings()),
    )
    response = flask.make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _duration_sv(seconds: float) -> str:
    """``"5 sekunder"``, ``"1 minut"``, ``"15 minuter"`` (rounded up)."""
    if seconds <= 90:
        n = max(1, math.ceil(seconds))
        return f"{n} sekund" if n == 1 else f"{n} sekunder"
    n = math.ceil(seconds / 60)
    return f"{n} minuter"


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site after login."""
    root = (request.script_root or "") + "/"
    if not target:
        return root
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return root
    return target


# --------------------------------------------------------------------------- views
def _login() -> Any:
    settings = _settings()
    if settings.trusted_header or not settings.users.get().users:
        return flask.redirect(_safe_next(None))  # nothing to log in to: proxy or open mode
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        if session.get("user") and not isinstance(_identify(settings), flask.Response):
            return flask.redirect(next_url)
        reason = request.args.get("reason")
        if reason == "timeout":
            return _page(MSG_TIMEOUT.format(minutes=settings.timeout_minutes), level="warning", next_url=next_url)
        if reason == "logout":
            return _page(MSG_LOGGED_OUT, level="info", next_url=next_url)
        return _page(None, next_url=next_url)

    name = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    expected = session.get("csrf")
    given = request.form.get("csrf_token", "")
    if not expected or not secrets.compare_digest(str(expected), given):
        return _page(MSG_STALE_FORM, level="warning", username=name, next_url=next_url)
    registry, addr, now = settings.registry, request.remote_addr or "", _clock()
    wait, scope = registry.wait_seconds(name, addr, now)
    if wait > 0:  # answered at once, without checking the password: a throttled client holds no worker
        flask.current_app.logger.warning("bibplan: inloggning för %r från %s spärrad (%s)", name, addr, scope)
        message = MSG_LOCKED[scope].format(name=name, wait=_duration_sv(wait))
        response = _page(message, username=name, next_url=next_url, status=429)
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response
    entry = settings.users.get().find(name) if name else None
    if entry is not None and entry.password_hash is not None:
        ok = verify_password(entry.password_hash, password)
    else:
        ok = verify_unknown_user(password)
    if not ok:
        flask.current_app.logger.warning("bibplan: misslyckad inloggning för %r från %s", name, addr)
        registry.failed(name, addr, now)
        return _page(MSG_WRONG, username=name, next_url=next_url)
    assert entry is not None and entry.password_hash is not None
    registry.succeeded(entry.name, addr)
    registry.forget_before(now - max(settings.timeout_s, 24 * 3600) - 3600)
    session.clear()
    session.permanent = True
    session["user"] = entry.name
    session["seen"] = now
    session["pw"] = _password_fingerprint(entry.password_hash)
    session["sid"] = registry.start(entry.name, now)
    flask.current_app.logger.info("bibplan: %s loggade in från %s", entry.name, request.remote_addr)
    return flask.redirect(next_url)


def _logout() -> Any:
    settings = _settings()
    if session.get("sid") and not settings.trusted_header:
        settings.registry.revoke(session.get("sid"), _clock())  # a kept copy of the cookie is dead too
    session.clear()
    if settings.trusted_header:
        return _page(
            "Du loggas ut från bibplan genom att logga ut från kommunens inloggning.",
            level="info",
            show_form=False,
        )
    return flask.redirect(url_for("bibplan_auth.login", reason="logout"))
