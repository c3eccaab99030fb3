"""Training the ML tier on the ledger, and loading the current model.

The model file lives in BUDGET_HOME/models/ and is replaced atomically, so a
running server picks up a retrained model on its next batch (the cache is
keyed by the file's modification time). Confirmations since the last training
are counted in a small file there; the scheduler retrains once enough pile up.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from django.conf import settings

from categories.engine.model import Example, TrainedModel, train
from transactions.models import CONFIRMED_STATUSES, Transaction

log = logging.getLogger(__name__)

MODEL_FILE = "categorizer.joblib"
COUNTER_FILE = "confirmations-since-training"
MAX_TRAINING_ROWS = 200_000

_cache: dict[str, tuple[float, TrainedModel | None]] = {}


def models_dir() -> Path:
    path = Path(settings.BUDGET_MODELS_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def examples_from_ledger(limit: int = MAX_TRAINING_ROWS) -> list[Example]:
    """The newest confirmed rows as training examples (label = category id)."""
    rows = (
        Transaction.objects.filter(status__in=CONFIRMED_STATUSES, category__isnull=False)
        .order_by("-date", "-id")
        .values_list("description", "merchant_key", "amount", "date", "category_id")[:limit]
    )
    return [Example(d, m, a, day, str(c)) for d, m, a, day, c in rows]


def train_from_ledger() -> TrainedModel | None:
    """Train on the ledger and install the model; None when there is too little to learn."""
    model = train(examples_from_ledger())
    path = models_dir() / MODEL_FILE
    if model is None:
        path.unlink(missing_ok=True)
    else:
        model.save(path)
    reset_counter()
    _cache.clear()
    return model


def current_model() -> TrainedModel | None:
    """The installed model, loaded once per file version; None if there is none."""
    path = models_dir() / MODEL_FILE
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    cached = _cache.get(str(path))
    if cached and cached[0] == mtime:
        return cached[1]
    model = TrainedModel.load(path)
    _cache[str(path)] = (mtime, model)
    return model


def count_confirmations(n: int) -> int:
    """Add n confirmations to the since-training counter; return the new total."""
    path = models_dir() / COUNTER_FILE
    try:
        total = int(path.read_text() or 0) + n
    except (FileNotFoundError, ValueError):
        total = n
    tmp = path.with_suffix(".tmp")
    tmp.write_text(str(total))
    os.replace(tmp, path)
    return total


def reset_counter() -> None:
    (models_dir() / COUNTER_FILE).unlink(missing_ok=True)


def retrain_if_due() -> TrainedModel | None:
    """Retrain when BUDGET_RETRAIN_EVERY confirmations happened since the last training."""
    due = count_confirmations(0)
    if due == 0 or (due < settings.BUDGET_RETRAIN_EVERY and current_model() is not None):
        return None
    log.info("retraining the categorizer")
    return train_from_ledger()
