"""Load a full export (see `backups.export`) into an empty installation.

All or nothing: the file is checked as it is read, every row goes in inside
one transaction per database, and any problem (a malformed zip, a bad value,
a row that refers to a missing one) raises ImportDataError naming the file,
line and column, with nothing written. An installation that already holds
data is refused rather than merged into.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import DatabaseError, connections, models, transaction

from accounts.models import Account, ConnectionStatus
from backups import export_format as fmt
from backups import schema

BATCH = 2000


class ImportDataError(Exception):
    """The export cannot be loaded; the message says where and why. Nothing was written."""


@dataclass
class ImportResult:
    rows: dict[str, int] = field(default_factory=dict)
    users: list[str] = field(default_factory=list)
    reconnect: int = 0


def non_empty_tables() -> dict[str, int]:
    """Tables of this installation that already hold rows (derived summaries aside)."""
    found = {}
    models_ = fmt.exported_models()
    missing = fmt.missing_tables(models_)
    for model in models_:
        if fmt.is_derived(model) or model._meta.db_table in missing:
            continue
        count = model._base_manager.using(fmt.database_of(model)).count()
        if count:
            found[model._meta.db_table] = count
    return found


def _manifest(archive: zipfile.ZipFile, name: str) -> dict:
    try:
        manifest = json.loads(archive.read(fmt.MANIFEST))
    except KeyError:
        raise ImportDataError(f"{name} is not a Budget App export: it has no {fmt.MANIFEST}.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportDataError(f"{name}: {fmt.MANIFEST} is not valid JSON ({exc}).") from None
    if not isinstance(manifest, dict) or manifest.get("kind") != fmt.KIND:
        raise ImportDataError(f"{name}: {fmt.MANIFEST} does not describe a Budget App export.")
    tables = manifest.get("tables")
    if not isinstance(tables, list) or not all(isinstance(t, dict) and "file" in t for t in tables):
        raise ImportDataError(f"{name}: {fmt.MANIFEST} has no valid list of tables.")
    applied: dict[str, list[str]] = {}
    try:
        for by_app in (manifest.get("schema") or {}).values():
            for app, names in by_app.items():
                applied.setdefault(app, []).extend(str(n) for n in names)
    except (AttributeError, TypeError):
        raise ImportDataError(f"{name}: the schema in {fmt.MANIFEST} is malformed.") from None
    if unknown := schema.unknown(applied):
        raise ImportDataError(schema.newer_schema_message(name, unknown))
    return manifest


@contextlib.contextmanager
def _without_auto_now(model) -> Iterator[None]:
    """Keep the exported timestamps: auto_now fields would stamp every row with now."""
    stamped = [(f, f.auto_now, f.auto_now_add) for f in model._meta.concrete_fields
               if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for f, _, _ in stamped:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, now_add in stamped:
            f.auto_now, f.auto_now_add = now, now_add


def _load_table(archive: zipfile.ZipFile, name: str, entry: dict) -> int:
    where = f"{name}: {entry.get('file')}"
    try:
        model = apps.get_model(entry["model"])
    except (KeyError, LookupError, ValueError):
        raise ImportDataError(f"{where}: {fmt.MANIFEST} names a model this version does not have "
                              f"({entry.get('model')!r}).") from None
    by_column = {f.column: f for f in fmt.columns(model)}
    try:
        member = archive.open(entry["file"])
    except KeyError:
        raise ImportDataError(f"{where}: the file is missing from the zip.") from None
    rows = 0
    database = fmt.database_of(model)
    with member, io.TextIOWrapper(member, encoding="utf-8", newline="") as text, _without_auto_now(model):
        reader = csv.reader(text)
        header = next(reader, None)
        if header is None:
            raise ImportDataError(f"{where}, line 1: the file is empty (a header row is required).")
        unknown = [c for c in header if c not in by_column]
        if unknown:
            raise ImportDataError(f"{where}, line 1: unknown column(s) {', '.join(unknown)} for "
                                  f"{model._meta.db_table}.")
        fields = [by_column[c] for c in header]
        batch = []
        for values in reader:
            if len(values) != len(fields):
                raise ImportDataError(f"{where}, line {reader.line_num}: {len(values)} values for "
                                      f"{len(fields)} columns.")
            attrs = {}
            for f, value in zip(fields, values, strict=True):
                try:
                    attrs[f.attname] = fmt.decode(f, value)
                except fmt.FormatError as exc:
                    raise ImportDataError(
                        f"{where}, line {reader.line_num}, column {f.column}: {exc}.") from None
            obj = model(**attrs)
            if model is get_user_model():
                obj.password = make_password(None)
            batch.append(obj)
            if len(batch) >= BATCH:
                model._base_manager.using(database).bulk_create(batch)
                rows += len(batch)
                batch = []
        model._base_manager.using(database).bulk_create(batch)
        rows += len(batch)
    if rows != entry.get("rows", rows):
        raise ImportDataError(f"{where}: {rows} rows, but {fmt.MANIFEST} says {entry['rows']}.")
    return rows


def load_export(path: Path) -> ImportResult:
    """Load the export zip at `path` into this (empty) installation."""
    name = Path(path).name
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ImportDataError(f"{name} is not a readable zip file ({exc}).") from None
    with archive:
        manifest = _manifest(archive, name)
        if busy := non_empty_tables():
            listed = ", ".join(f"{table} ({count} rows)" for table, count in busy.items())
            raise ImportDataError(f"This installation is not empty: {listed}. Import into a new data folder "
                                  "(BUDGET_HOME) right after `manage.py migrate`.")
        result = ImportResult()
        wanted = [apps.get_model(e["model"]) for e in manifest["tables"]
                  if e.get("rows") and not e.get("derived") and _known(e.get("model"))]
        if missing := fmt.missing_tables(wanted):
            listed = ", ".join(sorted(missing))
            raise ImportDataError(f"{name} has rows for tables this installation lacks ({listed}): run "
                                  "`manage.py migrate` (and `migrate --database investments`) first.")
        aliases = sorted({fmt.database_of(apps.get_model(e["model"])) for e in manifest["tables"]
                          if _known(e.get("model"))}) or ["default"]
        try:
            with contextlib.ExitStack() as stack:
                for alias in aliases:
                    stack.enter_context(transaction.atomic(using=alias))
                for entry in manifest["tables"]:
                    if entry.get("derived"):
                        continue
                    result.rows[entry.get("table", "?")] = _load_table(archive, name, entry)
                _reset_sequences(aliases)
                result.reconnect = Account.objects.linked().update(
                    plaid_connection_status=ConnectionStatus.RECONNECT)
                for alias in aliases:
                    connections[alias].check_constraints()
        except (zipfile.BadZipFile, EOFError, zlib.error, UnicodeDecodeError, csv.Error) as exc:
            raise ImportDataError(f"{name} is damaged ({exc}); nothing was imported.") from None
        except DatabaseError as exc:
            raise ImportDataError(f"{name}: the rows do not fit together ({exc}); nothing was imported.") \
                from None
    result.users = list(get_user_model().objects.values_list("username", flat=True))
    return result


def _known(model_label) -> bool:
    try:
        apps.get_model(model_label)
    except (LookupError, ValueError, TypeError, AttributeError):
        return False
    return True


def _reset_sequences(aliases: list[str]) -> None:
    """Ids were given explicitly; point the id sequences past them (PostgreSQL)."""
    for alias in aliases:
        connection = connections[alias]
        own: list[type[models.Model]] = [m for m in fmt.exported_models() if fmt.database_of(m) == alias]
        missing = fmt.missing_tables(own)
        own = [m for m in own if m._meta.db_table not in missing]
        statements = connection.ops.sequence_reset_sql(no_style(), own)
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
