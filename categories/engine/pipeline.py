"""Categorize a batch: tier 1 amount rules, then tier 2 mappings and tier 3 model.

Rules, mappings and the model are loaded once per batch and the model runs
one vectorized prediction for the whole batch. Only rows waiting for review
are touched: confirmed rows are the truth, and staged rows hold a person's
choice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from categories.engine.confidence import DEFAULT_AUTO_CONFIRM_THRESHOLD, choose
from categories.engine.mappings import load_mappings
from categories.engine.merchants import merchant_key
from categories.engine.model import Example, TrainedModel
from categories.engine.rules import RuleSet
from categories.engine.training import current_model
from categories.models import Category
from transactions.models import Status, Tier

_UNSET = object()


def auto_confirm_threshold() -> float:
    """The setting if given, else the default measured on held-out data."""
    configured = settings.BUDGET_AUTO_CONFIRM_THRESHOLD
    return DEFAULT_AUTO_CONFIRM_THRESHOLD if configured is None else configured


@dataclass
class CategorizeResult:
    predicted: int = 0
    auto_confirmed: int = 0
    abstained: int = 0
    by_tier: Counter = field(default_factory=Counter)


def categorize(
    transactions: Sequence, *, threshold: float | None = None, rules: RuleSet | None = None,
    model: TrainedModel | None | object = _UNSET, auto_confirm: bool = True,
) -> CategorizeResult:
    """Predict a category for every pending-review row of the batch, in place.

    Writes `predicted_category`, `categorization_tier` and
    `prediction_confidence`; at or above the threshold also `category` and
    `status=auto_confirmed`. The caller saves (bulk_create or bulk_update).
    """
    result = CategorizeResult()
    todo = [t for t in transactions if t.status == Status.PENDING_REVIEW]
    if not todo:
        return result
    for t in todo:
        if not t.merchant_key:
            t.merchant_key = merchant_key(t.description, t.merchant_name or "")
    threshold = auto_confirm_threshold() if threshold is None else threshold
    rules = RuleSet.load() if rules is None else rules
    model = current_model() if model is _UNSET else model
    mappings = load_mappings(t.merchant_key for t in todo)

    rest = []
    for t in todo:
        rule = rules.match(t.description, t.amount) if rules else None
        if rule is not None:
            _predict(t, rule.category_id, Tier.AMOUNT_RULE, 1.0)
        else:
            rest.append(t)

    predictions = [None] * len(rest)
    if model is not None and rest:
        predictions = model.predict([_example(t) for t in rest])
        known = set(Category.objects.values_list("id", flat=True))
        predictions = [p if p is not None and int(p.label) in known else None for p in predictions]
    for t, prediction in zip(rest, predictions, strict=True):
        mapping = mappings.get(t.merchant_key)
        chosen = choose((str(mapping.category_id), mapping.confidence) if mapping else None, prediction)
        if chosen is None:
            _predict(t, None, None, None)
            result.abstained += 1
        else:
            label, confidence, tier = chosen
            _predict(t, int(label), tier, confidence)

    now = timezone.now()
    for t in todo:
        if t.predicted_category_id is None:
            continue
        result.predicted += 1
        result.by_tier[t.categorization_tier] += 1
        if auto_confirm and t.prediction_confidence >= threshold:
            t.category_id = t.predicted_category_id
            t.status = Status.AUTO_CONFIRMED
            t.confirmed_at = now
            result.auto_confirmed += 1
    return result


def _example(t) -> Example:
    return Example(t.description, t.merchant_key, t.amount, t.date, None)


def _predict(t, category_id: int | None, tier: str | None, confidence: float | None) -> None:
    t.predicted_category_id = category_id
    t.categorization_tier = tier
    t.prediction_confidence = None if confidence is None else round(float(confidence), 4)
