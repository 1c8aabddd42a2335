"""deploy/nginx-bibplan.conf for real: Debian's nginx on loopback in front of gunicorn in
trusted-header mode.  nginx authenticates (basic auth here, SSO in production) and passes the user
in X-Remote-User; a header the client sends itself is replaced, never passed on."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from cli.serve import gunicorn_command
from dashboard.auth import add_user
from dashboard.testing import fill_store
from etl.store import Store
from tests.conftest import free_port
from tests.conftest_dashboard import TINY_PLAN, tiny_tables

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "deploy" / "nginx-bibplan.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
PASSWORDS = {"lisa": "lisa-proxy-1", "anna": "anna-proxy-2"}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.nginx,
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed: run scripts/system-packages.sh as root"),
]


def site_for_test(app_port: int, port: int, htpasswd: Path) -> str:
    """The shipped site, changed only where a test on loopback must: plain HTTP on a free port
    instead of TLS on 443 (and no port-80 redirect), the test's gunicorn and password file."""
    site = SITE.read_text(encoding="utf-8")
    site, n = re.subn(r"server \{\s*listen 80;.*?\n\}\n", "", site, count=1, flags=re.S)
    assert n == 1
    site = site.replace("server 127.0.0.1:8050;", f"server 127.0.0.1:{app_port};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port};")
    site = re.sub(r"\n\s*(listen \[::\]:443 ssl http2;|ssl_[a-z_]+ [^\n]*;)", "", site)
    site = site.replace("/etc/nginx/bibplan.htpasswd", str(htpasswd))
    directives = re.sub(r"#[^\n]*", "", site)
    assert " ssl" not in directives and "ssl_" not in directives and "8050" not in directives
    return site


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed: apt-get install openssl")
def test_the_shipped_site_passes_nginx_t(tmp_path: Path) -> None:
    """The site exactly as shipped (TLS, HTTP/2, IPv6, the port-80 redirect) is valid for this
    nginx; only the certificate paths point at a throwaway self-signed certificate."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=bibplan.example.se", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)  # fmt: skip
    site = SITE.read_text(encoding="utf-8")
    site = site.replace("/etc/ssl/certs/bibplan.example.se.crt", str(cert))
    site = site.replace("/etc/ssl/private/bibplan.example.se.key", str(key))
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\nevents {{}}\n"
        f"http {{\n    include {tmp_path / 'site.conf'};\n}}\n", encoding="utf-8")  # fmt: skip
    test = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                           "-e", str(tmp_path / "error.log")], capture_output=True, text=True)  # fmt: skip
    assert test.returncode == 0, test.stderr
    assert "syntax is ok" in test.stderr
    # nginx >= 1.25.1 calls "listen ... http2" deprecated (a warning, still valid); nothing else may warn.
    assert [line for line in test.stderr.splitlines() if "[warn]" in line and "http2" not in line] == []


def wait_for(port: int, proc: subprocess.Popen, what: str) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"{what} stopped: {proc.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/_favicon.ico")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer on port {port}")


@pytest.fixture(scope="module")
def proxied(tmp_path_factory) -> Any:
    tmp = tmp_path_factory.mktemp("nginx")
    (tmp / "biblioteksplan.yaml").write_text(TINY_PLAN, encoding="utf-8")
    url = f"sqlite:///{tmp / 'store.sqlite'}"
    fill_store(Store(url), tiny_tables())
    users = tmp / "users.yaml"
    add_user(users, "lisa", "läsare", None)
    add_user(users, "anna", "administratör", None)
    htpasswd = tmp / "htpasswd"
    htpasswd.write_text("".join(f"{name}:{{SHA}}{base64.b64encode(hashlib.sha1(pw.encode()).digest()).decode()}\n"
                                for name, pw in PASSWORDS.items()))  # fmt: skip
    app_port, port = free_port(), free_port()
    env = {**os.environ, "BIBPLAN_STORE_URL": url, "BIBPLAN_DATA_DIR": str(tmp), "BIBPLAN_USERS_FILE": str(users),
           "BIBPLAN_TRUSTED_HEADER": "X-Remote-User", "BIBPLAN_PROXY_HOPS": "1", "BIBPLAN_SECRET_KEY": "test"}
    app = subprocess.Popen(gunicorn_command("127.0.0.1", app_port, 1), env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)  # fmt: skip
    (tmp / "site.conf").write_text(site_for_test(app_port, port, htpasswd), encoding="utf-8")
    temp = "\n".join(f"    {k}_temp_path {tmp / k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp / "nginx.conf").write_text(
        ("user root root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\nworker_processes 1;\npid {tmp / 'nginx.pid'};\nerror_log {tmp / 'error.log'};\n"
        f"events {{ worker_connections 64; }}\nhttp {{\n    access_log {tmp / 'access.log'};\n{temp}\n"
        f"    include {tmp / 'site.conf'};\n}}\n",
        encoding="utf-8",
    )
    nginx = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        wait_for(app_port, app, "gunicorn")
        wait_for(port, nginx, "nginx")
        yield {"port": port, "app_port": app_port}
    finally:
        for proc in (nginx, app):
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def request(port: int, method: str, path: str, *, user: str | None = None, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    hdrs = dict(headers or {})
    if user is not None:
        hdrs["Authorization"] = "Basic " + base64.b64encode(f"{user}:{PASSWORDS[user]}".encode()).decode()
    if body is not None:
        hdrs.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers=hdrs)
    response = conn.getresponse()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def rendered_page(port: int, path: str, **kwargs: Any) -> tuple[int, str]:
    """The router callback (header and page body) for ``path``, as the browser fires it."""
    status, _, deps = request(port, "GET", "/_dash-dependencies", **kwargs)
    assert status == 200
    spec = next(d for d in json.loads(deps) if d["output"].strip(".").startswith("header.children"))
    outputs = [dict(zip(("id", "property"), p.rsplit(".", 1))) for p in spec["output"].strip(".").split("...")]
    values = {("url", "pathname"): path, ("url", "search"): ""}
    body = {"output": spec["output"], "outputs": outputs,
            "inputs": [{**d, "value": values.get((d["id"], d["property"]))} for d in spec["inputs"]],
            "state": [{**d, "value": values.get((d["id"], d["property"]))} for d in spec["state"]],
            "changedPropIds": ["url.pathname"]}  # fmt: skip
    status, _, out = request(port, "POST", "/_dash-update-component", body=json.dumps(body).encode(), **kwargs)
    return status, json.dumps(json.loads(out), ensure_ascii=False) if status == 200 else out.decode()


def test_the_user_nginx_authenticated_is_logged_in(proxied) -> None:
    port = proxied["port"]
    assert request(port, "GET", "/")[0] == 401  # nginx asks for a login first
    status, _, index = request(port, "GET", "/", user="lisa")
    assert status == 200 and b"_dash-renderer" in index
    status, page = rendered_page(port, "/", user="lisa")
    assert status == 200
    assert "lisa (läsare)" in page


def test_a_header_sent_by_the_client_is_replaced_by_nginx(proxied) -> None:
    port = proxied["port"]
    status, page = rendered_page(port, "/uppladdning", user="lisa", headers={"X-Remote-User": "anna"})
    assert status == 200
    assert "lisa (läsare)" in page and "anna (" not in page
    assert "Din roll får inte använda den här sidan" in page  # lisa's role, not anna's
    # The same header straight to gunicorn would be believed: which is why it listens on loopback
    # only, behind nginx (deploy/bibplan.service binds 127.0.0.1).
    status, direct = rendered_page(proxied["app_port"], "/", headers={"X-Remote-User": "anna"})
    assert status == 200 and "anna (administratör)" in direct


def test_headers_limits_and_static_caching_through_nginx(proxied) -> None:
    port = proxied["port"]
    _, headers, index = request(port, "GET", "/", user="lisa")
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["strict-transport-security"] == "max-age=31536000"
    bundle = re.search(rb'src="(/_dash-component-suites/[^"]+)"', index).group(1).decode()
    status, headers, _ = request(port, "GET", bundle, user="lisa")
    assert status == 200 and headers["cache-control"] == "public, max-age=2592000, immutable"
    status, headers, _ = request(port, "GET", "/assets/20_bibplan.css", user="lisa")
    assert status == 200 and headers["cache-control"] == "public, max-age=86400"
    # Over nginx's body limit (81 MB): refused by nginx on the declared length.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest("POST", "/_dash-update-component")
    conn.putheader("Authorization", "Basic " + base64.b64encode(f"anna:{PASSWORDS['anna']}".encode()).decode())
    conn.putheader("Content-Length", str(100 * 1024 * 1024))
    conn.endheaders()
    assert conn.getresponse().status == 413
    # Under it, the app's own limit for a reader (2 MB) holds.
    status, _, body = request(port, "POST", "/_dash-update-component", user="lisa", body=b"x" * (3 * 1024 * 1024))
    assert status == 413 and "högst 2 MB" in body.decode()
