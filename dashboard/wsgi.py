"""WSGI entry point for gunicorn: ``gunicorn dashboard.wsgi:server``.

Each worker builds its own app on the configured store (env ``BIBPLAN_STORE_URL`` /
``data/settings.yaml``); workers share nothing but the store, so comments saved through any
worker are visible to all, and a new load is picked up by each worker within seconds.

Behind a reverse proxy set env ``BIBPLAN_PROXY_HOPS=1`` (the number of proxies in front): the
client's address and scheme are then taken from the proxy's ``X-Forwarded-For`` /
``X-Forwarded-Proto``, so login throttling counts per real client, not per proxy.
"""

import os

from dashboard.app import create_app

# ``bibplan serve`` passes the address it binds, so a worker refuses to serve other machines
# without any users configured (see dashboard/auth/README.md).
app = create_app(host=os.environ.get("BIBPLAN_SERVE_HOST") or None)
server = app.server
if hops := int(os.environ.get("BIBPLAN_PROXY_HOPS", "").strip() or 0):
    from werkzeug.middleware.proxy_fix import ProxyFix

    server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
