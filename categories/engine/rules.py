"""Tier 1: amount rules. A description fragment plus an amount means a category.

Rules are few and exact, so a match is certain (confidence 1.0). They are
loaded once per batch; matching is a substring test on the lowercased
description, so no per-row query or regex is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from categories.models import AmountRule


@dataclass(frozen=True, slots=True)
class Rule:
    id: int
    pattern: str
    amount: Decimal
    tolerance: Decimal
    category_id: int
    label: str


class RuleSet:
    """All amount rules, grouped by lowercased pattern for one pass per row."""

    def __init__(self, rules: list[Rule]) -> None:
        self.by_pattern: dict[str, list[Rule]] = {}
        for rule in rules:
            self.by_pattern.setdefault(rule.pattern.lower(), []).append(rule)

    @classmethod
    def load(cls) -> RuleSet:
        return cls([
            Rule(r.id, r.description_pattern, r.amount, r.tolerance or Decimal(0), r.category_id,
                 r.short_desc)
            for r in AmountRule.objects.all()
        ])

    def __bool__(self) -> bool:
        return bool(self.by_pattern)

    def match(self, description: str, amount: Decimal) -> Rule | None:
        """The closest rule whose pattern is in the description and amount is within tolerance."""
        lowered = description.lower()
        best: Rule | None = None
        for pattern, rules in self.by_pattern.items():
            if pattern not in lowered:
                continue
            for rule in rules:
                gap = abs(amount - rule.amount)
                if gap <= rule.tolerance and (best is None or gap < abs(amount - best.amount)):
                    best = rule
        return best
