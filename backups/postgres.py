"""PostgreSQL databases dumped with `pg_dump` (custom format) and restored with `pg_restore`.

A restore replaces the whole `public` schema inside one transaction (psql
`--single-transaction`), so it either completes or leaves the database as it
was. Connection details go to the tools through PG* environment variables,
never on the command line where other users could read the password.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connections

from backups import schema

_SETTING_TO_ENV = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD",
                   "NAME": "PGDATABASE"}


class PostgresToolError(Exception):
    """A PostgreSQL tool is missing or failed; the message says which and why."""


def _tool(name: str) -> str:
    if settings.BUDGET_PG_BIN:
        path = Path(settings.BUDGET_PG_BIN) / name
        if path.is_file():
            return str(path)
    elif found := shutil.which(name):
        return found
    else:
        versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                          key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
        if versions:
            return str(versions[-1])
    raise PostgresToolError(f"{name} was not found: install PostgreSQL's client programs "
                            "(Debian: postgresql-client) or set BUDGET_PG_BIN to their folder.")


def _environment(alias: str) -> dict[str, str]:
    settings_dict = connections[alias].settings_dict
    env = dict(os.environ)
    for key, var in _SETTING_TO_ENV.items():
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    if sslmode := settings_dict.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = sslmode
    return env


def _run(args: list[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise PostgresToolError(f"{Path(args[0]).name} failed: {detail[-1] if detail else done.returncode}")
    return done.stdout


def dump(alias: str, target: Path) -> None:
    """Dump the database of `alias` into `target` (custom format)."""
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}"], _environment(alias))


def check(path: Path) -> str:
    """"ok" when pg_restore can read the dump's table of contents, else what was wrong."""
    try:
        _run([_tool("pg_restore"), "--list", str(path)])
    except PostgresToolError as exc:
        return str(exc)
    return "ok"


def applied_migrations(path: Path) -> dict[str, list[str]]:
    """The django_migrations rows stored in a dump."""
    text = _run([_tool("pg_restore"), "--data-only", "--table=django_migrations", "--file=-", str(path)])
    rows, columns = [], None
    for line in text.splitlines():
        if line.startswith("COPY ") and "django_migrations" in line:
            columns = [c.strip() for c in line[line.index("(") + 1:line.index(")")].split(",")]
        elif columns is not None:
            if line == "\\.":
                break
            values = dict(zip(columns, line.split("\t"), strict=False))
            rows.append((values["app"], values["name"]))
    return schema.group(rows)


def tables(alias: str) -> dict[str, int]:
    """Row count of every table of the live database (read right before the dump)."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        names = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")
            counts[name] = cursor.fetchone()[0]
    return counts


def restore(alias: str, path: Path, work: Path) -> None:
    """Replace the `public` schema of `alias` with the dump's, all in one transaction."""
    script = work / f"{alias}.sql"
    _run([_tool("pg_restore"), "--no-owner", "--no-privileges", f"--file={script}", str(path)])
    _run([_tool("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
          "--command=DROP SCHEMA IF EXISTS public CASCADE", "--command=CREATE SCHEMA public",
          f"--file={script}"], _environment(alias))
