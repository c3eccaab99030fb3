"""What the full export holds and how each value is written as CSV text and read back.

Every table of the app's own models plus the users, one CSV file each,
columns named as in the database. Values are written so they read back
exactly: money as decimal strings ("54.23", never a float), dates and
datetimes as ISO 8601 (datetimes in UTC), booleans as true/false, JSON as
JSON text. NULL is an empty cell, except in text columns (where an empty
cell is the empty string) which spell NULL as \\N, as PostgreSQL's COPY does.

Left out on purpose: encrypted columns (Plaid access tokens) and password
hashes. Summary tables the database derives from the ledger are exported for
reading but rebuilt, not loaded, on import.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.serializers import sort_dependencies
from django.db import connections, models, router

from accounts.crypto import EncryptedTextField

KIND = "budget-app-export"
MANIFEST = "manifest.json"
NULL_TEXT = "\\N"
# Kept exact by database triggers from `transactions` (see insights/summary.py).
DERIVED = {"insights.ledgermonth", "insights.ledgercategorymonth"}
LEFT_OUT_FIELDS = {"auth.user": {"password"}}
CONVENTIONS = {
    "amount": "amount > 0 is money out (an expense), amount < 0 is money in (income)",
    "money": "exact decimal strings, e.g. 54.23",
    "dates": "ISO 8601 (YYYY-MM-DD); datetimes ISO 8601 in UTC",
    "booleans": "true / false",
    "null": "an empty cell, except in text columns, where an empty cell is the empty string and NULL is \\N",
    "json": "JSON text",
}
NOT_INCLUDED = [
    "secrets.json (SECRET_KEY and the Fernet keys): never exported",
    "Plaid access tokens (accounts.plaid_access_token): linked banks are marked 'reconnect' after import",
    "user passwords: set one after import with `manage.py changepassword USERNAME`",
    "sessions, the admin log, permissions and scheduler state: the new installation makes its own",
]


class FormatError(ValueError):
    """A value in the export cannot be read; the caller adds file, line and column."""


def _own_app_labels() -> list[str]:
    base = Path(settings.BASE_DIR).resolve()
    return [config.label for config in apps.get_app_configs() if Path(config.path).resolve().parent == base]


def exported_models() -> list[type[models.Model]]:
    """The users and every concrete model of the app's own apps, parents before children."""
    chosen = [get_user_model()]
    for label in _own_app_labels():
        chosen += [m for m in apps.get_app_config(label).get_models()
                   if m._meta.managed and not m._meta.proxy]
    return sort_dependencies([(None, chosen)], allow_cycles=True)


def missing_tables(models_: list[type[models.Model]]) -> set[str]:
    """Tables of these models that their database does not have (an app not migrated there yet)."""
    present: dict[str, set[str]] = {}
    missing = set()
    for model in models_:
        alias = database_of(model)
        if alias not in present:
            present[alias] = set(connections[alias].introspection.table_names())
        if model._meta.db_table not in present[alias]:
            missing.add(model._meta.db_table)
    return missing


def label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def is_derived(model: type[models.Model]) -> bool:
    return label(model) in DERIVED


def database_of(model: type[models.Model]) -> str:
    return router.db_for_write(model)


def columns(model: type[models.Model]) -> list[models.Field]:
    """The model's exported columns, in table order."""
    left_out = LEFT_OUT_FIELDS.get(label(model), set())
    return [f for f in model._meta.concrete_fields
            if f.name not in left_out and not isinstance(f, EncryptedTextField)]


def _kind(field: models.Field) -> str:
    target = field.target_field if field.is_relation else field
    return target.get_internal_type()


def _is_text(field: models.Field) -> bool:
    return not field.is_relation and isinstance(field, models.CharField | models.TextField)


def encode(field: models.Field, value) -> str:
    """A Python value from the ORM as CSV text."""
    if value is None:
        return NULL_TEXT if _is_text(field) else ""
    kind = _kind(field)
    if kind == "DecimalField":
        return format(value, "f")
    if kind == "DateTimeField":
        return value.astimezone(dt.UTC).isoformat()
    if kind == "DateField":
        return value.isoformat()
    if kind == "BooleanField":
        return "true" if value else "false"
    if kind == "JSONField":
        return json.dumps(value, ensure_ascii=False)
    if kind == "FloatField":
        return repr(value)
    return str(value)


def decode(field: models.Field, text: str):
    """CSV text back to the Python value; raises FormatError with what is wrong."""
    if _is_text(field):
        if text == NULL_TEXT:
            if not field.null:
                raise FormatError("NULL is not allowed here")
            return None
        return text
    if text == "":
        if not field.null:
            raise FormatError("a value is required")
        return None
    kind = _kind(field)
    try:
        if kind == "DecimalField":
            value = Decimal(text)
            if not value.is_finite():
                raise FormatError(f"{text!r} is not an amount")
            return value
        if kind == "DateTimeField":
            value = dt.datetime.fromisoformat(text)
            if value.tzinfo is None:
                raise FormatError(f"{text!r} has no time zone offset")
            return value
        if kind == "DateField":
            return dt.date.fromisoformat(text)
        if kind == "BooleanField":
            if text not in ("true", "false"):
                raise FormatError(f"{text!r} is not true or false")
            return text == "true"
        if kind == "JSONField":
            return json.loads(text)
        if kind == "FloatField":
            return float(text)
        if kind in ("AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
                    "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
                    "PositiveSmallIntegerField"):
            return int(text)
    except (ValueError, InvalidOperation) as exc:
        if isinstance(exc, FormatError):
            raise
        raise FormatError(f"{text!r} is not a valid {kind.removesuffix('Field').lower()} value") from None
    return text
