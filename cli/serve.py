"""``bibplan serve``: the dashboard, for development (Flask) or production (gunicorn)."""

from __future__ import annotations

import os
import shutil
import sys

import click

#: The address ``bibplan serve`` listens on, for the workers' own start-up check.
HOST_ENV = "BIBPLAN_SERVE_HOST"


@click.command()
@click.option("--dev", is_flag=True, help="Utvecklingsserver (Flask, en process) med felsökningsläge.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Adress att lyssna på.")
@click.option("--port", default=8050, show_default=True, type=int, help="Port att lyssna på.")
@click.option(
    "--workers",
    default=lambda: min(2 * (os.cpu_count() or 1) + 1, 8),
    show_default="2 × processorkärnor + 1, högst 8",
    type=click.IntRange(1, 64),
    help="Antal gunicorn-arbetare (utan --dev).",
)
def serve(dev: bool, host: str, port: int, workers: int) -> None:
    """Starta instrumentpanelen på http://HOST:PORT.

    Utan --dev körs gunicorn med flera arbetsprocesser; de delar bara databasen, så kommentarer som
    sparas i en arbetare syns i alla och går aldrig förlorade.

    Utan användare (bibplan user add) öppnas appen utan inloggning, men bara på 127.0.0.1.
    """
    from dashboard.auth import AuthSetupError, auth_required, default_users_path

    try:
        auth_required(default_users_path(), host, trusted_header=os.environ.get("BIBPLAN_TRUSTED_HEADER") or None)
    except AuthSetupError as exc:
        raise click.ClickException(str(exc)) from None
    os.environ[HOST_ENV] = host  # the gunicorn workers check it again (dashboard/wsgi.py)
    if dev:
        from dashboard.app import create_app

        app = create_app(host=host)
        click.echo(f"bibplan: http://{host}:{port}")
        app.run(
            host=host, port=port, debug=True, use_reloader=False, dev_tools_ui=False,
            dev_tools_hot_reload=False, dev_tools_disable_version_check=True,
        )  # fmt: skip
        return
    args = gunicorn_command(host, port, workers)
    click.echo(f"bibplan: http://{host}:{port} ({workers} arbetare)")
    os.execv(args[0], args)


def gunicorn_command(host: str, port: int, workers: int) -> list[str]:
    """The gunicorn command line ``bibplan serve`` runs (the venv's gunicorn first)."""
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which("gunicorn")
    if gunicorn is None:
        raise click.ClickException("gunicorn saknas; installera projektet igen (make install)")
    return [
        gunicorn, "dashboard.wsgi:server",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--no-control-socket",
        "--timeout", "120",
        "--access-logfile", "-",
    ]  # fmt: skip
