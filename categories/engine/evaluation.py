"""An honest evaluation of the engine on a labeled file, through the real pipeline.

The file is replayed chronologically: the first part becomes confirmed history
(archive import: mappings learned, model trained), the rest is ingested as new
rows and categorized exactly as an import would. It must run in a throw-away
data home (the command arranges that); it never touches the user's database.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from categories.engine.confidence import expected_calibration_error
from categories.engine.merchants import merchant_key
from categories.engine.pipeline import auto_confirm_threshold
from categories.engine.training import train_from_ledger
from categories.models import Category
from transactions.importers.base import ImportRow
from transactions.ingest import ingest
from transactions.models import Source, Status, Transaction

DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y",
                "%Y/%m/%d")
DAYFIRST_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%Y/%m/%d")
EXPENSE_WORDS = {"debit", "expense", "dr", "withdrawal", "payment", "purchase"}


class EvaluationError(ValueError):
    """The labeled file cannot be evaluated as described (a located sentence)."""


@dataclass
class Columns:
    date: str
    description: str
    amount: str
    label: str
    type: str | None = None
    sign: str = "expense-positive"
    dayfirst: bool = False


def _parse_date(text: str, dayfirst: bool) -> datetime.date:
    text = text.strip()
    head = text.split(" ")[0].split("T")[0]
    for fmt in DAYFIRST_FORMATS if dayfirst else DATE_FORMATS:
        try:
            return datetime.datetime.strptime(head, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _parse_amount(text: str) -> Decimal:
    cleaned = re.sub(r"[^0-9.\-()]", "", text.strip())
    negative = cleaned.startswith("(") or cleaned.startswith("-")
    value = Decimal(cleaned.strip("()-") or "x")
    return -value if negative else value


def read_labeled(path: Path, cols: Columns) -> tuple[list[tuple[ImportRow, str]], int]:
    """(row, label) pairs sorted by date (stable), and the count of rows dropped (no text)."""
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    needed = [c for c in (cols.date, cols.description, cols.amount, cols.label, cols.type) if c]
    missing = [c for c in needed if c not in (reader.fieldnames or [])]
    if missing:
        raise EvaluationError(f"{path}: no column named {', '.join(missing)} "
                              f"(columns are: {', '.join(reader.fieldnames or [])})")
    pairs, dropped = [], 0
    for line, record in enumerate(reader, start=2):
        description = (record[cols.description] or "").strip()
        label = (record[cols.label] or "").strip()
        if not description or not label:
            dropped += 1
            continue
        try:
            day = _parse_date(record[cols.date], cols.dayfirst)
            amount = abs(_parse_amount(record[cols.amount]))
        except (ValueError, InvalidOperation) as exc:
            raise EvaluationError(f"{path}:{line}: cannot read date or amount ({exc})") from exc
        if cols.type:
            expense = (record[cols.type] or "").strip().lower() in EXPENSE_WORDS
        else:
            raw = _parse_amount(record[cols.amount])
            expense = (raw > 0) == (cols.sign == "expense-positive")
        pairs.append((ImportRow(date=day, description=description,
                                amount=amount if expense else -amount, line=line), label))
    pairs.sort(key=lambda p: p[0].date)
    return pairs, dropped


def evaluate(path: Path, cols: Columns, *, train_fraction: float = 0.8) -> dict:
    """Replay the file through ingest and the engine; return the figures."""
    from accounts.models import Account, AccountType

    pairs, dropped = read_labeled(path, cols)
    if len(pairs) < 10:
        raise EvaluationError(f"{path}: only {len(pairs)} usable rows; need at least 10")
    cut = int(len(pairs) * train_fraction)
    history, test = pairs[:cut], pairs[cut:]
    labels = sorted({label for _, label in pairs})
    ids = {}
    for label in labels:
        slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:90] or "label"
        category, _ = Category.objects.get_or_create(
            short_desc=f"eval_{slug}_{len(ids)}", defaults={"display_name": label[:100]})
        ids[label] = category.pk
    history_account, test_account = (
        Account.objects.create(name=name, institution="Evaluation", account_type=AccountType.CHECKING)
        for name in ("History", "New")
    )
    ingest([replace(r, category_name=label) for r, label in history], account=history_account,
           source=Source.ARCHIVE,
           categories=ids.get, file_name=path.name)
    model = train_from_ledger()
    # Test rows carry their line as external id, so each is scored against its own label.
    result = ingest([replace(r, external_id=str(r.line)) for r, _ in test], account=test_account,
                    source=Source.CSV_IMPORT, file_name=path.name)
    expected_by_line = {str(r.line): ids[label] for r, label in test}
    stored = list(Transaction.objects.filter(import_batch_id=result.batch_id).values_list(
        "external_id", "predicted_category_id", "categorization_tier", "prediction_confidence",
        "status"))
    correct, confidences, hits = 0, [], []
    by_tier: Counter = Counter()
    by_tier_right: Counter = Counter()
    auto, auto_right = 0, 0
    for line, predicted, tier, confidence, status in stored:
        right = predicted == expected_by_line[line]
        correct += right
        if predicted is not None:
            by_tier[tier] += 1
            by_tier_right[tier] += right
            confidences.append(confidence)
            hits.append(right)
        if status == Status.AUTO_CONFIRMED:
            auto += 1
            auto_right += right
    n = len(stored)
    return {
        "file": path.name,
        "rows": len(pairs), "dropped_without_text": dropped, "history": len(history), "test": n,
        "categories": len(labels),
        "accuracy": round(correct / n, 4),
        "coverage": round(sum(by_tier.values()) / n, 4),
        "accuracy_by_tier": {t: round(by_tier_right[t] / c, 4) for t, c in by_tier.items()},
        "share_by_tier": {t: round(c / n, 4) for t, c in by_tier.items()},
        "auto_confirm_threshold": auto_confirm_threshold(),
        "auto_confirm_rate": round(auto / n, 4),
        "auto_confirm_precision": round(auto_right / auto, 4) if auto else None,
        "ece": round(expected_calibration_error(confidences, hits), 4) if confidences else None,
        "baseline_accuracy": round(_baseline(history, test), 4),
        "model_version": model.version if model else None,
    }


def _baseline(history, test) -> float:
    """Most frequent category for the exact cleaned merchant, else the overall most frequent."""
    per_merchant: dict[str, Counter] = {}
    overall: Counter = Counter()
    for r, label in history:
        per_merchant.setdefault(merchant_key(r.description), Counter())[label] += 1
        overall[label] += 1
    fallback = overall.most_common(1)[0][0] if overall else None
    right = 0
    for r, label in test:
        counts = per_merchant.get(merchant_key(r.description))
        guess = counts.most_common(1)[0][0] if counts else fallback
        right += guess == label
    return right / len(test)

