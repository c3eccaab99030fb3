"""Which migrations a backup or export was made with, compared with what this code knows.

A backup from a newer version of the app holds migrations this code has never
seen; restoring it would leave tables this code cannot read, so it is refused.
An older backup is fine: `manage.py migrate` brings it forward afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.migrations.loader import MigrationLoader


def known_migrations() -> set[tuple[str, str]]:
    """(app, migration name) of every migration file in this code."""
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def group(rows: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Migrations as {app: [names in order]}, the form manifests use."""
    by_app: dict[str, list[str]] = defaultdict(list)
    for app, name in rows:
        by_app[app].append(name)
    return {app: sorted(names) for app, names in sorted(by_app.items())}


def unknown(applied: dict[str, list[str]]) -> list[str]:
    """`app.name` of the applied migrations this code does not know (a newer schema)."""
    known = known_migrations()
    return [f"{app}.{name}" for app, names in applied.items() for name in names if (app, name) not in known]


def missing(applied: dict[str, list[str]]) -> list[str]:
    """`app.name` of the migrations this code has that were not applied (an older schema)."""
    done = {(app, name) for app, names in applied.items() for name in names}
    apps_present = set(applied)
    return sorted(f"{app}.{name}" for app, name in known_migrations()
                  if app in apps_present and (app, name) not in done)


def newer_schema_message(source: str, names: list[str]) -> str:
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return (f"{source} was made by a newer version of Budget App: it has migrations this code does "
            f"not know ({shown}). Update the app to that version or later, then try again.")
