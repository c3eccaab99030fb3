"""A throw-away PostgreSQL cluster from Debian's `postgresql` package.

`make test-postgres` runs the suite inside one, and the load bench measures
PostgreSQL with one: initdb in a temp folder, a free port on 127.0.0.1 (the
unix socket stays in the folder too), a superuser `budget` trusted on
loopback so pytest-django may create its test databases, and at the end
the server stopped and the folder removed, whatever happened in between.

    python -m tests.pgcluster -- COMMAND [ARG...]

runs COMMAND with DATABASE_URL and INVESTMENTS_DATABASE_URL pointing at the
cluster's `budget` and `investments` databases and exits with its status.
PostgreSQL refuses to run as root, so under root every server binary runs
as the `postgres` system user the Debian package creates.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_BIN = Path(os.environ.get("BUDGET_PG_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "budget"
DATABASES = {"DATABASE_URL": "budget", "INVESTMENTS_DATABASE_URL": "investments"}
# Durability is pointless in a cluster that is deleted at the end; speed is not.
# The connection limit leaves room for 20 bench clients and xdist workers.
SERVER_SETTINGS = {
    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
    "max_connections": "200", "listen_addresses": "127.0.0.1",
}


def available() -> bool:
    """Whether this machine has the PostgreSQL server binaries."""
    return (PG_BIN / "initdb").is_file() and (PG_BIN / "pg_ctl").is_file()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(folder: Path) -> list[str]:
    """The command prefix that runs a server binary as a non-root user owning `folder`."""
    if os.geteuid() != 0:
        return []
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise SystemExit("Running as root needs the `postgres` user: install Debian's postgresql") from None
    os.chown(folder, user.pw_uid, user.pw_gid)
    return ["runuser", "-u", "postgres", "--"]


def _run(prefix: list[str], *args: str) -> None:
    done = subprocess.run([*prefix, *args], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr or done.stdout}")


@contextmanager
def throwaway_cluster() -> Iterator[dict[str, str]]:
    """Start a fresh cluster and yield the environment variables that point at it."""
    if not available():
        raise SystemExit(f"PostgreSQL binaries not found in {PG_BIN}: install Debian's postgresql")
    folder = Path(tempfile.mkdtemp(prefix="budget-pg-"))
    data, port = folder / "data", _free_port()
    prefix = _as_server_user(folder)
    options = " ".join(f"-c {key}={value}" for key, value in SERVER_SETTINGS.items())
    started = False
    try:
        _run(prefix, str(PG_BIN / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust",
             "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        _run(prefix, str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w",
             "-t", "60", "-o", f"-p {port} -k {folder} {options}", "start")
        started = True
        for name in DATABASES.values():
            _run(prefix, str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER,
                 name)
        yield {var: f"postgres://{SUPERUSER}@127.0.0.1:{port}/{name}" for var, name in DATABASES.items()}
    finally:
        if started:
            subprocess.run([*prefix, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                           capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def _stop_on_sigterm(signum, frame):
    """Turn SIGTERM into an exception so the cluster's `finally` runs."""
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    with throwaway_cluster() as urls:
        print(f"PostgreSQL cluster at {urls['DATABASE_URL']}", file=sys.stderr, flush=True)
        try:
            return subprocess.run(argv, env={**os.environ, **urls}).returncode
        except KeyboardInterrupt:
            return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
