"""Limits and headers for every request of the served app.

- **Body size.** Every route refuses a request body over :data:`BODY_LIMIT_BYTES` with ``413``
  before reading it; a user who may upload gets :data:`UPLOAD_BODY_LIMIT_BYTES` on Dash's callback
  route (uploads travel there, base64-encoded).  Env ``BIBPLAN_MAX_BODY_MB`` and
  ``BIBPLAN_MAX_UPLOAD_BODY_MB`` change them; a reverse proxy should set the same
  (``client_max_body_size`` in ``deploy/nginx-bibplan.conf``).
- **Security headers** on every response: a Content-Security-Policy that allows only the app's own
  scripts, styles, fonts and images (plus the hashes of Dash's own inline scripts; styles may be
  inline because React and plotly set them), ``frame-ancestors 'none'`` and ``X-Frame-Options``,
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``.
- **Malformed Dash requests** (not JSON, not a callback the app has, inputs not a list of
  id/property pairs) get ``400`` JSON, never a ``500`` HTML page (:func:`init_dash_checks`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import flask
from flask import request
from werkzeug.exceptions import HTTPException

from etl.upload_safety import MAX_BYTES as UPLOAD_FILE_BYTES

MB = 1024 * 1024
#: Any request body (a callback's inputs, the login form, ...).
BODY_LIMIT_BYTES = 2 * MB
#: Files sent to the upload page in one go: three files at the per-file limit, base64-encoded.
UPLOAD_BODY_LIMIT_BYTES = 3 * UPLOAD_FILE_BYTES * 4 // 3 + MB
DASH_CALLBACK_PATH = "_dash-update-component"

BASE_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def body_limits() -> tuple[int, int]:
    """(general, upload) body limits in bytes, from the env or the defaults."""

    def env_mb(name: str, default: int) -> int:
        raw = os.environ.get(name, "").strip().replace(",", ".")
        return int(float(raw) * MB) if raw else default

    return env_mb("BIBPLAN_MAX_BODY_MB", BODY_LIMIT_BYTES), env_mb("BIBPLAN_MAX_UPLOAD_BODY_MB", UPLOAD_BODY_LIMIT_BYTES)


def csp_header(script_hashes: list[str] | tuple[str, ...] = ()) -> str:
    parts = dict(BASE_CSP)
    if script_hashes:
        parts["script-src"] = " ".join(["'self'", *script_hashes])
    return "; ".join(f"{k} {v}" for k, v in parts.items())


def json_error(status: int, code: str, message: str, **extra: Any) -> flask.Response:
    body = {"error": code, "message": message, **extra}
    return flask.Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def _is_dash_callback() -> bool:
    return request.method == "POST" and request.path.endswith("/" + DASH_CALLBACK_PATH)


def too_large(limit: int) -> flask.Response:
    mb = limit / MB
    text = str(round(mb)) if mb >= 10 or mb == int(mb) else f"{mb:.1f}".replace(".", ",")
    message = f"Förfrågan är för stor (högst {text} MB). Skicka mindre filer eller färre åt gången."
    if _is_dash_callback() or request.accept_mimetypes.best == "application/json":
        return json_error(413, "too_large", message)
    return flask.Response(message, status=413, mimetype="text/plain")


def check_body_size(limit: int, drain_up_to: int = 0) -> flask.Response | None:
    """Refuse a body over ``limit`` before anything parses it; a body without a length (chunked)
    is cut off at ``limit`` by Werkzeug when read.  A refused body of at most ``drain_up_to``
    bytes is read and thrown away in small chunks first: a reverse proxy that is still sending it
    would otherwise see the connection close and answer 502 instead of this 413."""
    length = request.content_length
    if length is not None and length > limit:
        if length <= drain_up_to:
            _drain(length)
        return too_large(limit)
    request.max_content_length = limit
    return None


def _drain(length: int) -> None:
    stream = request.environ.get("wsgi.input")
    left = length
    while stream is not None and left > 0:
        chunk = stream.read(min(left, 64 * 1024))
        if not chunk:
            break
        left -= len(chunk)


def init_hardening(server: flask.Flask, may_upload: Callable[[], bool],
                   script_hashes: Callable[[], list[str]] | None = None) -> None:
    """Body limits and security headers on ``server``.  ``may_upload()``: may the current
    (already identified) user upload?  ``script_hashes()``: CSP hashes of inline scripts."""
    general, upload = body_limits()
    server.config["MAX_CONTENT_LENGTH"] = upload  # the outer bound, before anyone is identified
    server.extensions["bibplan_body_limits"] = (general, upload)
    cached: list[str] = []

    def first_check() -> flask.Response | None:  # before the login guard reads anything
        return check_body_size(upload)

    def role_check() -> flask.Response | None:  # after it: the user's own limit
        return check_body_size(upload if _is_dash_callback() and may_upload() else general, drain_up_to=upload)

    def headers(response: flask.Response) -> flask.Response:
        if script_hashes is not None and not cached:
            cached.extend(script_hashes())
        response.headers.setdefault("Content-Security-Policy", csp_header(cached))
        for name, value in STATIC_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    server.before_request_funcs.setdefault(None, []).insert(0, first_check)
    server.before_request(role_check)
    server.after_request(headers)

    @server.errorhandler(413)
    def _too_large(_exc: HTTPException) -> flask.Response:
        return too_large(request.max_content_length or upload)


def init_dash_checks(app: Any) -> None:
    """Answer malformed requests to Dash's callback route with ``400`` JSON: a body that is not a
    JSON object, an ``output`` the app has no callback for, ``inputs``/``state`` that are not
    lists of ``{id, property}``, ``changedPropIds`` that is not a list of strings."""
    server: flask.Flask = app.server

    def check() -> flask.Response | None:
        if not _is_dash_callback():
            return None
        problem = callback_body_problem(request.get_json(silent=True), app.callback_map)
        if problem:
            return json_error(400, "bad_request", f"Felaktig förfrågan: {problem}.")
        return None

    server.before_request(check)

    @server.errorhandler(400)
    def _bad_request(exc: HTTPException) -> Any:
        if _is_dash_callback():
            from dashboard.inputs import BadInput

            message = exc.description if isinstance(exc, BadInput) else "Felaktig förfrågan: inte giltig JSON."
            return json_error(400, "bad_request", message)
        return exc.get_response()


def callback_body_problem(body: Any, callbacks: dict[str, Any]) -> str:
    """What is wrong with a Dash callback request body (Swedish), or ``""``."""
    if not isinstance(body, dict):
        return "inte ett JSON-objekt"
    output = body.get("output")
    if not isinstance(output, str) or output not in callbacks:
        return "okänd utdata"
    for key in ("inputs", "state"):
        items = body.get(key, [])
        if not isinstance(items, list):
            return f"{key} är inte en lista"
        for item in _flatten(items):
            if not isinstance(item, dict) or "id" not in item or not isinstance(item.get("property"), str):
                return f"{key} har ett element utan id och property"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds är inte en lista av text"
    return ""


def _flatten(items: list[Any]) -> list[Any]:
    """Pattern-matching (ALL) inputs arrive as lists of {id, property} inside the list."""
    out: list[Any] = []
    for item in items:
        out.extend(item if isinstance(item, list) else [item])
    return out
