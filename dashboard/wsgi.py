"""WSGI entry point for gunicorn: ``gunicorn dashboard.wsgi:server``.

Each worker builds its own app on the configured store (env ``BIBPLAN_STORE_URL`` /
``data/settings.yaml``); workers share nothing but the store, so comments saved through any
worker are visible to all, and a new load is picked up by each worker within seconds.
"""

import os

from dashboard.app import create_app

# ``bibplan serve`` passes the address it binds, so a worker refuses to serve other machines
# without any users configured (see dashboard/auth/README.md).
app = create_app(host=os.environ.get("BIBPLAN_SERVE_HOST") or None)
server = app.server
