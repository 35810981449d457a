"""A throwaway PostgreSQL cluster on a loopback port, started with ``initdb`` and ``pg_ctl``.

The cluster lives in a temporary folder and is removed when it stops. ``initdb`` refuses
to run as root, so under root (as in CI containers) every server command runs as the
unprivileged ``postgres`` system user that Debian's package creates, via ``runuser``.
Each test gets a database of its own, created from ``template0`` and dropped afterwards.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

POSTGRES_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
SERVER_USER = "postgres"
ROLE = "coach"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bin_dir() -> Path | None:
    """The newest installed PostgreSQL server binaries, or None when none is installed."""
    for candidate in POSTGRES_BIN_DIRS:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    return None


class PostgresCluster:
    """One running cluster; ``create_database`` hands out fresh, empty databases."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="coach-pg-"))
        self.data = self.root / "data"
        self._counter = itertools.count(1)
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam(SERVER_USER)
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as_user = ["runuser", "-u", SERVER_USER, "--"]

    def _run(self, tool: str, *args: str) -> None:
        command = [*self._as_user, str(self.bin_dir / tool), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")

    def start(self) -> None:
        """Create the cluster (trust auth on loopback only) and start the server."""
        self._run("initdb", "-D", str(self.data), "-U", ROLE, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"), "-w", "start")

    def stop(self) -> None:
        """Stop the server at once and delete the cluster's folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of one database of this cluster (psycopg 3 driver)."""
        return f"postgresql+psycopg://{ROLE}@127.0.0.1:{self.port}/{database}"

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={ROLE} dbname=postgres", autocommit=True) as conn:
            conn.execute(statement)

    def create_database(self) -> str:
        """A new empty database; returns its name."""
        name = f"test_{os.getpid()}_{next(self._counter)}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return name

    def drop_database(self, name: str) -> None:
        """Drop a database even if a connection was left open."""
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
