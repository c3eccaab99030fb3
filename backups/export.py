"""Write the full export: every table as CSV plus manifest.json, in one zip.

Each database is read inside one read-only snapshot, so the files agree with
each other (a transaction confirmed mid-export is in all of them or none),
without holding up writers: SQLite's deferred read transaction in WAL mode,
PostgreSQL's REPEATABLE READ.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator
from typing import BinaryIO

from django.db import connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

import budgetsite
from backups import export_format as fmt
from backups import schema

CHUNK = 2000


def export_file_name(now: dt.datetime) -> str:
    return f"budget-export-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}.zip"


@contextlib.contextmanager
def _read_snapshot(alias: str) -> Iterator[None]:
    connection = connections[alias]
    if connection.in_atomic_block:  # already inside a transaction: it is the snapshot
        yield
        return
    if connection.vendor == "sqlite":
        # Django's atomic() would BEGIN IMMEDIATE and block every writer for the whole export.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
    else:
        with transaction.atomic(using=alias):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield


def _write_table(archive: zipfile.ZipFile, model, name: str) -> int:
    fields = fmt.columns(model)
    rows = 0
    with archive.open(name, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
        writer = csv.writer(text)
        writer.writerow([f.column for f in fields])
        query = (model._base_manager.using(fmt.database_of(model)).order_by("pk")
                 .values_list(*[f.attname for f in fields]))
        for values in query.iterator(chunk_size=CHUNK):
            writer.writerow([fmt.encode(f, v) for f, v in zip(fields, values, strict=True)])
            rows += 1
    return rows


def write_export(fileobj: BinaryIO) -> dict:
    """Write the export zip into `fileobj`; return its manifest."""
    models_ = fmt.exported_models()
    aliases = sorted({fmt.database_of(m) for m in models_})
    manifest: dict = {
        "kind": fmt.KIND, "format": 1, "app_version": budgetsite.__version__,
        "created_at": timezone.now().astimezone(dt.UTC).isoformat(), "tables": [], "schema": {},
        "conventions": fmt.CONVENTIONS, "not_included": fmt.NOT_INCLUDED,
    }
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED) as archive, contextlib.ExitStack() as stack:
        for alias in aliases:
            stack.enter_context(_read_snapshot(alias))
            applied = MigrationRecorder(connections[alias]).applied_migrations()
            manifest["schema"][alias] = schema.group(applied)
        missing = fmt.missing_tables(models_)
        if missing:
            manifest["missing_tables"] = sorted(missing)
        for model in models_:
            if model._meta.db_table in missing:
                continue
            name = f"{model._meta.db_table}.csv"
            rows = _write_table(archive, model, name)
            manifest["tables"].append({
                "table": model._meta.db_table, "model": fmt.label(model), "file": name,
                "database": fmt.database_of(model), "columns": [f.column for f in fmt.columns(model)],
                "rows": rows, "derived": fmt.is_derived(model),
            })
        archive.writestr(fmt.MANIFEST, json.dumps(manifest, indent=2))
    return manifest
