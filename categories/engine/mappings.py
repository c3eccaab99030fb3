"""Tier 2: learned merchant mappings, keyed by the cleaned merchant key.

A mapping's `confidence` column counts agreeing confirmations (the original
app's meaning); `overrides` counts confirmations that disagreed. The engine
turns both into a calibrated probability with `mapping_confidence`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from categories.engine.confidence import mapping_confidence
from categories.models import MerchantMapping


@dataclass(frozen=True, slots=True)
class Mapping:
    id: int
    key: str
    category_id: int
    count: int
    overrides: int

    @property
    def confidence(self) -> float:
        return mapping_confidence(self.count, self.overrides)


def load_mappings(keys: Iterable[str] | None = None) -> dict[str, Mapping]:
    """Mappings for the given merchant keys (all of them when keys is None), one query per 900 keys."""
    queryset = MerchantMapping.objects.values_list(
        "id", "merchant_pattern", "category_id", "confidence", "overrides"
    )
    if keys is None:
        rows = list(queryset)
    else:
        wanted = sorted({k for k in keys if k})
        rows = []
        for start in range(0, len(wanted), 900):
            rows += queryset.filter(merchant_pattern__in=wanted[start:start + 900])
    return {
        key: Mapping(pk, key, category_id, count or 1, overrides or 0)
        for pk, key, category_id, count, overrides in rows
    }
