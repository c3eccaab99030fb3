"""The one pipeline every source feeds: normalize -> dedupe -> categorize -> insert.

Files, archives, manual entry and Plaid all call `ingest`, so deduplication,
categorization and logging are never skipped. Rows stream through in chunks
(bounded memory for million-row files) inside ONE database transaction per
call: a bad row anywhere rolls the whole file back.

Deduplication, in layers:
1. external id (OFX FITID, Plaid id), unique per account;
2. a fingerprint of (account, date, amount, normalized description, and the
   occurrence number of that same tuple within the file), so two genuine
   identical coffees on one day both import once and a re-import adds 0;
3. a fuzzy match (same account and amount, date within ±3 days, similar
   merchant, different source) is imported but flagged as a possible
   duplicate for review instead of being dropped.
A transaction a person deleted is remembered (DeletedTransaction) and a
re-import skips it; rows removed by reverting an import are not remembered
that way, so the file can be imported again.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from itertools import islice

from django.db import connection, transaction
from django.utils import timezone
from rapidfuzz import fuzz

from categories.engine import learning
from categories.engine.merchants import clean_merchant_and_key
from categories.engine.pipeline import categorize
from categories.engine.rules import RuleSet
from categories.engine.training import current_model
from categories.engine.transfers import pair_transfers
from insights import summary
from transactions import search
from transactions.bulk import triggers_aside
from transactions.importers.base import ImportFileError, ImportRow
from transactions.models import (
    DeletedTransaction,
    DeleteReason,
    ImportBatch,
    Source,
    Status,
    Transaction,
)

CHUNK = 5000
FUZZY_DAYS = 3
MAX_AMOUNT = Decimal("9999999999.99")
CENT = Decimal("0.01")
EXTERNAL_ID_MAX_LENGTH = Transaction._meta.get_field("external_id").max_length


@dataclass
class IngestResult:
    """What one ingest did; `str()` is the one-line summary commands print."""

    added: int = 0
    duplicates: int = 0
    possible_duplicates: int = 0
    deleted_skipped: int = 0
    auto_confirmed: int = 0
    errors: int = 0
    batch_id: int | None = None
    dry_run: bool = False
    unknown_categories: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        verb = "would add" if self.dry_run else "added"
        text = (
            f"{verb} {self.added}, {self.duplicates} duplicates skipped, "
            f"{self.possible_duplicates} possible duplicates flagged, "
            f"{self.deleted_skipped} previously deleted skipped, "
            f"{self.auto_confirmed} auto-confirmed, {self.errors} errors"
        )
        if self.batch_id and not self.dry_run:
            text += f" (import #{self.batch_id})"
        return text


class _DryRun(Exception):
    """Raised inside the atomic block to roll a dry run back."""


def fingerprint(account_id: int, date: datetime.date, amount: Decimal, description: str,
                occurrence: int) -> str:
    return _fingerprint(account_id, _same_row(date, amount, description), occurrence)


def _same_row(date: datetime.date, amount: Decimal, description: str) -> str:
    """What two rows share when they are the same purchase: date, amount, normalized text."""
    return f"{date.isoformat()}|{amount:.2f}|{' '.join(description.lower().split())}"


def _fingerprint(account_id: int, same_row: str, occurrence: int) -> str:
    return hashlib.blake2b(f"{account_id}|{same_row}|{occurrence}".encode(), digest_size=16).hexdigest()


def ingest(
    rows: Iterable[ImportRow], *, account, source: str, file_name: str = "", file_format: str = "",
    user=None, dry_run: bool = False, categories: Callable[[str], int | None] | None = None,
    progress: Callable[[int], None] | None = None, manual: bool = False,
) -> IngestResult:
    """Import rows into one account; all or nothing.

    `source="archive"` rows are stored confirmed with the category their
    `category_name` resolves to through `categories` (a callable returning a
    category id or None); unresolved names are counted in
    `unknown_categories` and imported uncategorized for review.
    `manual` rows were typed in by a person: never dropped as duplicates
    (a second identical cash purchase is a second purchase).
    Raises ImportFileError (nothing written) on a bad row.
    """
    result = IngestResult(dry_run=dry_run)
    try:
        with transaction.atomic():
            summary.lock_ledger()
            batch = ImportBatch.objects.create(
                file_name=file_name[:255] or "(rows)", account=account, source=source,
                file_format=file_format, created_by=user,
            )
            result.batch_id = batch.pk
            _ingest_chunks(rows, account, source, batch, result, categories, progress, manual)
            ImportBatch.objects.filter(pk=batch.pk).update(
                added=result.added, duplicates=result.duplicates,
                possible_duplicates=result.possible_duplicates,
                deleted_skipped=result.deleted_skipped, auto_confirmed=result.auto_confirmed,
                errors=result.errors,
            )
            if dry_run:
                raise _DryRun
    except _DryRun:
        result.batch_id = None
    return result


def _chunks(rows: Iterable[ImportRow]) -> Iterator[list[ImportRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _ingest_chunks(rows, account, source, batch, result, categories, progress, manual) -> None:
    occurrences: dict[bytes, int] = {}
    seen_external: set[str] = set()
    rules = RuleSet.load()
    model = current_model()
    archive = source == Source.ARCHIVE
    done = 0
    for chunk in _chunks(rows):
        candidates = []
        for row in chunk:
            amount = _valid_amount(row)
            same_row = _same_row(row.date, amount, row.description)
            # An 8-byte digest, not the text: a million-row file keeps its counts small.
            key = hashlib.blake2b(same_row.encode(), digest_size=8).digest()
            occurrence = occurrences.get(key, 0)
            occurrences[key] = occurrence + 1
            external = _external_id(row.external_id)
            if external is not None:
                if external in seen_external:
                    result.duplicates += 1
                    continue
                seen_external.add(external)
            candidates.append((row, amount, external, _fingerprint(account.pk, same_row, occurrence)))
        if manual:
            new = _unique_fingerprints(candidates, account)
        else:
            new = _drop_known(candidates, account, result)
        now = timezone.now()
        txns = [_NewRow.of(row, amount, external, fp, account, source, batch.pk, now)
                for row, amount, external, fp in new]
        _flag_possible_duplicates(txns, account, source, result)
        if archive:
            _apply_archive_categories(txns, new, categories, result)
        result.auto_confirmed += categorize(txns, rules=rules, model=model).auto_confirmed
        _insert(txns)
        pair_transfers(account, txns)
        if archive:
            learning.learn_from([t for t in txns if t.category_id])
        result.added += len(txns)
        done += len(chunk)
        if progress:
            progress(done)


def _external_id(raw: str | None) -> str | None:
    """The file's own id, short enough for its column (PostgreSQL enforces the length).

    A longer one (DCU's run to 235 characters; OFX allows 255) is stored as its
    digest, the same on every import, so re-imports still match it.
    """
    text = (raw or "").strip()
    if len(text) <= EXTERNAL_ID_MAX_LENGTH:
        return text or None
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _valid_amount(row: ImportRow) -> Decimal:
    def bad(message: str, column: str) -> ImportFileError:
        return ImportFileError(message, column=column, line=row.line or None)

    if not isinstance(row.date, datetime.date):
        raise bad("the date is missing or not a date", "date")
    try:
        amount = Decimal(row.amount).quantize(CENT)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise bad(f"the amount {row.amount!r} is not a number", "amount") from exc
    if not amount.is_finite() or abs(amount) > MAX_AMOUNT:
        raise bad(f"the amount {row.amount} is out of range", "amount")
    if not (row.description or "").strip():
        raise bad("the description is empty", "description")
    return amount


def _drop_known(candidates, account, result) -> list:
    """Remove rows already stored (by external id or fingerprint) or deleted by a person."""
    externals = [c[2] for c in candidates if c[2]]
    prints = [c[3] for c in candidates]
    stored = Transaction._meta.db_table
    deleted = DeletedTransaction._meta.db_table
    stored_ext = _existing(stored, "external_id", account.pk, externals)
    stored_ext |= _existing(stored, "plaid_transaction_id", account.pk, externals)
    stored_fp = _existing(stored, "fingerprint", account.pk, prints)
    user_deleted = ("reason", DeleteReason.USER)
    deleted_ext = _existing(deleted, "external_id", account.pk, externals, user_deleted)
    deleted_fp = _existing(deleted, "fingerprint", account.pk, prints, user_deleted)
    new = []
    for candidate in candidates:
        _, _, external, fp = candidate
        if (external and external in stored_ext) or fp in stored_fp:
            result.duplicates += 1
        elif (external and external in deleted_ext) or fp in deleted_fp:
            result.deleted_skipped += 1
        else:
            new.append(candidate)
    return new


def _unique_fingerprints(candidates, account) -> list:
    """Give manual rows the next free occurrence number instead of dropping them."""
    table = Transaction._meta.db_table
    unique, taken = [], set()
    for row, amount, external, _ in candidates:
        occurrence = 0
        while True:
            fp = fingerprint(account.pk, row.date, amount, row.description, occurrence)
            if fp not in taken and not _existing(table, "fingerprint", account.pk, [fp]):
                break
            occurrence += 1
        taken.add(fp)
        unique.append((row, amount, external, fp))
    return unique


def _existing(table: str, column: str, account_id: int, values: list[str],
              also: tuple[str, str] | None = None) -> set[str]:
    """Which of `values` the column already holds for the account (index lookups, 900 at a time).

    Plain SQL on purpose: building ORM IN-filters of 900 values costs more
    than running them.
    """
    found: set[str] = set()
    quote = connection.ops.quote_name
    extra = f" AND {quote(also[0])} = %s" if also else ""
    with connection.cursor() as cursor:
        for start in range(0, len(values), 900):
            part = values[start:start + 900]
            if not part:
                continue
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(
                f"SELECT {quote(column)} FROM {quote(table)} WHERE {quote('account_id')} = %s "
                f"AND {quote(column)} IN ({marks}){extra}",
                [account_id, *part, *([also[1]] if also else [])],
            )
            found.update(row[0] for row in cursor.fetchall())
    return found


@dataclass(slots=True)
class _NewRow:
    """A transaction about to be inserted, with the Transaction field names the engine reads.

    Lighter than a model instance: building and inserting 100k Django model
    objects costs more than everything else an import does.
    """

    account_id: int
    date: datetime.date
    description: str
    merchant_name: str
    merchant_key: str
    amount: Decimal
    source: str
    is_pending: bool
    external_id: str | None
    plaid_transaction_id: str | None
    fingerprint: str
    import_batch_id: int
    created_at: datetime.datetime
    status: str = Status.PENDING_REVIEW
    category_id: int | None = None
    predicted_category_id: int | None = None
    categorization_tier: str | None = None
    prediction_confidence: float | None = None
    confirmed_at: datetime.datetime | None = None
    possible_duplicate_of_id: int | None = None
    notes: str = ""

    @classmethod
    def of(cls, row: ImportRow, amount, external, fp, account, source, batch_id, now) -> _NewRow:
        name, key = clean_merchant_and_key(row.description, row.merchant_name or "")
        return cls(
            account_id=account.pk, date=row.date, description=row.description.strip(),
            merchant_name=name, merchant_key=key, amount=amount, source=source,
            is_pending=bool(row.is_pending), external_id=external,
            plaid_transaction_id=external if source == Source.PLAID else None, fingerprint=fp,
            import_batch_id=batch_id, created_at=now,
        )


_COLUMNS = [f.name for f in fields(_NewRow)]


def _insert(rows: list[_NewRow]) -> None:
    """Insert with one executemany, values adapted by the backend's own adapters.

    Django's bulk_create compiles SQL per row and caps SQLite batches at 999
    parameters (43 rows here); this keeps the same adapters at a tenth of the cost.
    """
    if not rows:
        return
    ops = connection.ops
    table = Transaction._meta.db_table
    names = ", ".join(ops.quote_name(c) for c in _COLUMNS)
    marks = ", ".join(["%s"] * len(_COLUMNS))
    adapt_date, adapt_decimal = ops.adapt_datefield_value, ops.adapt_decimalfield_value
    stamps: dict = {}

    def stamp(value):
        if value is None:
            return None
        if value not in stamps:
            stamps[value] = ops.adapt_datetimefield_value(value)
        return stamps[value]

    values = [
        (r.account_id, adapt_date(r.date), r.description, r.merchant_name, r.merchant_key,
         adapt_decimal(r.amount, 12, 2), r.source, r.is_pending, r.external_id,
         r.plaid_transaction_id, r.fingerprint, r.import_batch_id, stamp(r.created_at), r.status,
         r.category_id, r.predicted_category_id, r.categorization_tier, r.prediction_confidence,
         stamp(r.confirmed_at), r.possible_duplicate_of_id, r.notes)
        for r in rows
    ]
    with triggers_aside(len(values), [summary.BULK, search.BULK]), connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {ops.quote_name(table)} ({names}) VALUES ({marks})", values)


def _flag_possible_duplicates(txns, account, source, result) -> None:
    """Flag rows that look like an existing row from another source (same money, near date)."""
    if not txns:
        return
    low = min(t.date for t in txns) - datetime.timedelta(days=FUZZY_DAYS)
    high = max(t.date for t in txns) + datetime.timedelta(days=FUZZY_DAYS)
    amounts = {t.amount for t in txns}
    existing: dict[Decimal, list[tuple[int, datetime.date, str]]] = {}
    for pk, day, amount, key in (
        Transaction.objects.filter(account=account, date__range=(low, high))
        .exclude(source=source)
        .values_list("id", "date", "amount", "merchant_key")
    ):
        if amount in amounts:
            existing.setdefault(amount, []).append((pk, day, key))
    if not existing:
        return
    for t in txns:
        for pk, day, key in existing.get(t.amount, ()):
            if abs((t.date - day).days) <= FUZZY_DAYS and _similar(t.merchant_key, key):
                t.possible_duplicate_of_id = pk
                result.possible_duplicates += 1
                break


def _similar(a: str, b: str) -> bool:
    if not a or not b:
        return False
    return a == b or a.split()[0] == b.split()[0] or fuzz.token_set_ratio(a, b) >= 80


def _apply_archive_categories(txns, new, categories, result) -> None:
    now = timezone.now()
    for t, (row, *_rest) in zip(txns, new, strict=True):
        name = (row.category_name or "").strip()
        category_id = categories(name) if (categories and name) else None
        if category_id is None:
            if name:
                result.unknown_categories[name] = result.unknown_categories.get(name, 0) + 1
            continue
        t.category_id = t.predicted_category_id = category_id
        t.status = Status.CONFIRMED
        t.confirmed_at = now
