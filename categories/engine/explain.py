"""Why the engine predicted what it did, in words a person can check."""

from __future__ import annotations

from dataclasses import dataclass, field

from categories.engine.mappings import load_mappings
from categories.engine.model import Example
from categories.engine.rules import RuleSet
from categories.engine.training import current_model
from categories.models import Category
from transactions.models import Tier


@dataclass
class Explanation:
    tier: str | None
    confidence: float | None
    summary: str
    rule: dict | None = None
    mapping: dict | None = None
    model: dict | None = None
    alternatives: list[tuple[str, float]] = field(default_factory=list)


def explain(t) -> Explanation:
    """Describe the decision for one transaction: which tier, and its evidence."""
    names = dict(Category.objects.values_list("id", "display_name"))
    rule = RuleSet.load().match(t.description, t.amount)
    mapping = load_mappings([t.merchant_key]).get(t.merchant_key) if t.merchant_key else None
    model = current_model()
    prediction = model.predict([Example(t.description, t.merchant_key, t.amount, t.date, None)])[0] \
        if model else None
    top = [(names.get(int(label), label), round(p, 3)) for label, p in (prediction.top if prediction else [])]
    info = Explanation(t.categorization_tier, t.prediction_confidence, "No tier was sure enough to predict.")
    if rule:
        info.rule = {"id": rule.id, "pattern": rule.pattern, "amount": str(rule.amount),
                     "tolerance": str(rule.tolerance), "label": rule.label}
    if mapping:
        info.mapping = {"key": mapping.key, "count": mapping.count, "overrides": mapping.overrides,
                        "category": names.get(mapping.category_id),
                        "confidence": round(mapping.confidence, 3)}
    if model:
        info.model = {"version": model.version, "top": top}
        info.alternatives = top
    category = names.get(t.predicted_category_id, "—")
    if t.categorization_tier == Tier.AMOUNT_RULE and rule:
        info.summary = (f"Amount rule #{rule.id}: the description contains “{rule.pattern}” and the "
                        f"amount is within {rule.tolerance} of {rule.amount} → {category}.")
    elif t.categorization_tier == Tier.MERCHANT_MAP and mapping:
        info.summary = (f"Merchant “{mapping.key}” was confirmed as {names.get(mapping.category_id)} "
                        f"{mapping.count} time(s)" + (f", overridden {mapping.overrides} time(s)"
                                                       if mapping.overrides else "") + ".")
    elif t.categorization_tier == Tier.AI and model:
        info.summary = f"The model ({model.version}) ranks: " + ", ".join(
            f"{name} {p:.0%}" for name, p in top) + "."
    elif t.categorization_tier == Tier.TRANSFER:
        info.summary = ("An opposite amount in another of your accounts within a few days: "
                        "this looks like a transfer, not spending.")
    return info
