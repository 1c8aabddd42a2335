"""A throw-away PostgreSQL server for the tests: ``initdb`` a cluster in a temporary folder, start it
with ``pg_ctl`` on a free loopback port (TCP only, no Unix socket), stop it and delete the folder
at the end.  As root, PostgreSQL refuses to run, so the cluster then belongs to ``nobody`` and its
programs run through ``runuser``.

:func:`find_pg_bin` says where ``initdb``/``pg_ctl`` are (PATH, else Debian's
``/usr/lib/postgresql/<version>/bin``) or why the PostgreSQL tests are skipped.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.conftest import free_port

SUPERUSER = "bibplan"
#: Settings for a test server: loopback only, no Unix socket, durability traded for speed.
SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off "
    "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
)


def find_pg_bin() -> tuple[Path | None, str]:
    """(the folder holding initdb and pg_ctl, "") or (None, why not)."""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent, ""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent, ""
    return None, "PostgreSQL (initdb, pg_ctl) is not installed: run scripts/system-packages.sh as root"


class PgServer:
    """One running cluster; ``url(database)`` gives a SQLAlchemy URL for psycopg 3."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="bibplan-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.as_user: str | None = None
        if os.geteuid() == 0:
            self.as_user = "nobody"
            nobody = pwd.getpwnam("nobody")
            os.chown(self.root, nobody.pw_uid, nobody.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", f"-p {self.port} {SERVER_OPTIONS}", "start")

    def _run(self, program: str, *args: str) -> None:
        cmd = [str(self.bin / program), *args]
        if self.as_user:
            cmd = ["runuser", "-u", self.as_user, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip()}\n{log}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(sql)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
