"""Importing files: pick the reader, match the file's accounts, resolve archive
categories, and hand the rows to `ingest`. Commands and the Import page are
thin wrappers over these functions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from categories.models import Category
from notifications.notify import notify_after_commit
from transactions.importers.base import ImportFileError
from transactions.importers.detect import FileContents, Statement, read_file
from transactions.importers.generic import ColumnMapping
from transactions.ingest import IngestResult, ingest
from transactions.models import ImportProfile, Source

IMPORTED_PARENT = "imported"


@dataclass
class FileResult:
    """What importing one file did: one IngestResult per account it touched."""

    file_name: str
    format_label: str
    results: list[tuple[Account, IngestResult]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unknown_categories: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [f"{self.file_name} ({self.format_label}):"]
        for account, result in self.results:
            parts.append(f"{account}: {result}" if len(self.results) > 1 else str(result))
        parts += self.skipped
        if self.unknown_categories:
            names = ", ".join(f"{n} ({c})" for n, c in sorted(self.unknown_categories.items()))
            parts.append(f"unknown categories left for review: {names}")
        return " ".join(parts)


def _last_digits(ref: str, n: int = 4) -> str:
    digits = re.sub(r"\D", "", ref or "")
    return digits[-n:]


def match_statements(
    contents: FileContents, account: Account | None, chosen: dict[str, Account] | None = None
) -> list[tuple[Statement, Account]]:
    """Give each statement of the file an account; refuse a file for another account.

    A statement with an account number goes to the account whose `mask`
    matches its last digits, else to one chosen by the person (`chosen`,
    remembered by setting the mask), else to `account` when the file has a
    single statement. A single-account file whose number contradicts the
    chosen account's mask is refused.
    """
    chosen = chosen or {}
    pairs = []
    by_mask = {a.mask: a for a in Account.objects.exclude(mask="")}
    single = len(contents.statements) == 1
    for statement in contents.statements:
        ref = statement.account_ref
        digits = _last_digits(ref)
        target = chosen.get(ref) or (by_mask.get(digits) if digits else None)
        if target is None and single:
            target = account
        if target is None:
            raise ImportFileError(
                f"the file holds account ending {digits or ref}: choose which account it is",
                file=contents.file_name,
            )
        if single and account is not None and digits and account.mask and account.mask != digits \
                and target == account:
            raise ImportFileError(
                f"this file is for the account ending {digits}, not {account} "
                f"(ending {account.mask})", file=contents.file_name,
            )
        if digits and not target.mask:
            target.mask = digits
            target.save(update_fields=["mask"])
        pairs.append((statement, target))
    return pairs


def import_file(
    data: bytes, *, file_name: str, account: Account | None, preset: str = "auto",
    mapping: ColumnMapping | None = None, chosen: dict[str, Account] | None = None, user=None,
    dry_run: bool = False, archive: bool = False, create_categories: bool = False,
    progress: Callable[[int], None] | None = None,
) -> FileResult:
    """Import one file (all or nothing) and return what happened per account."""
    if mapping is None and preset in ("auto", "generic"):
        mapping = profile_mapping_for(data, file_name)
    contents = read_file(data, file_name=file_name, preset=preset, mapping=mapping)
    result = FileResult(file_name, contents.format_label, skipped=contents.skipped)
    resolver = CategoryResolver(create=create_categories and not dry_run) if archive else None
    try:
        with transaction.atomic():
            for statement, target in match_statements(contents, account, chosen):
                outcome = ingest(
                    statement.rows, account=target,
                    source=Source.ARCHIVE if archive else Source.CSV_IMPORT,
                    file_name=file_name, file_format=contents.format_name, user=user,
                    dry_run=dry_run, categories=resolver, progress=progress,
                )
                result.results.append((target, outcome))
                for name, count in outcome.unknown_categories.items():
                    result.unknown_categories[name] = result.unknown_categories.get(name, 0) + count
    except ImportFileError as exc:
        if exc.file:
            raise
        raise exc.located(file_name) from exc
    notify_after_commit()  # mail about new rows to review; never blocks or fails the import
    return result


def profile_mapping_for(data: bytes, file_name: str) -> ColumnMapping | None:
    """The saved column mapping whose header matches this file's, if any."""
    from transactions.importers.csvfile import decode, sniff
    from transactions.importers.generic import header_signature

    try:
        sniffed = sniff(decode(data, filename=file_name), filename=file_name)
    except ImportFileError:
        return None
    signature = header_signature(sniffed.header, width=sniffed.width)
    profile = ImportProfile.objects.filter(header_signature=signature).first()
    if profile is None:
        return None
    ImportProfile.objects.filter(pk=profile.pk).update(last_used_at=timezone.now())
    return ColumnMapping.from_dict(profile.mapping)


def save_profile(name: str, mapping: ColumnMapping, signature: str) -> ImportProfile:
    """Save (or replace) the named mapping for files with this header."""
    profile, _ = ImportProfile.objects.update_or_create(
        header_signature=signature, defaults={"name": name, "mapping": mapping.to_dict()}
    )
    return profile


def _normalized(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


class CategoryResolver:
    """Match archive category names to categories by short_desc or display name.

    Case, accents and punctuation are ignored ("Food & Dining" = "food dining").
    With `create`, unknown names become children of an "Imported" parent.
    """

    def __init__(self, *, create: bool = False) -> None:
        self.create = create
        self.known: dict[str, int] = {}
        for pk, short, display, parent in Category.objects.values_list(
                "id", "short_desc", "display_name", "parent_id"):
            for key in (_normalized(short), _normalized(display)):
                # Prefer a leaf over a parent of the same name.
                if key and (key not in self.known or parent is not None):
                    self.known[key] = pk
        self._parent: Category | None = None

    def __call__(self, name: str) -> int | None:
        key = _normalized(name)
        if not key:
            return None
        if key in self.known:
            return self.known[key]
        if not self.create:
            return None
        if self._parent is None:
            self._parent, _ = Category.objects.get_or_create(
                short_desc=IMPORTED_PARENT,
                defaults={"display_name": "Imported", "color": "#78909c"},
            )
        short = f"imported_{key.replace(' ', '_')}"[:100]
        category, _ = Category.objects.get_or_create(
            short_desc=short,
            defaults={"display_name": name.strip()[:100], "parent": self._parent, "color": "#78909c"},
        )
        self.known[key] = category.pk
        return category.pk
