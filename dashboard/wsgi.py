"""WSGI entry point for gunicorn: ``gunicorn dashboard.wsgi:server``.

Each worker builds its own app on the configured store (env ``BIBPLAN_STORE_URL`` /
``data/settings.yaml``); workers share nothing but the store, so comments saved through any
worker are visible to all, and a new load is picked up by each worker within seconds.
"""

from dashboard.app import create_app

app = create_app()
server = app.server
