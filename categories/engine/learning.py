"""Learning from confirmations: merchant mappings now, the model on schedule.

Every confirmation path (review queue, email reply, archive import) calls
`learn_from`, so the engine learns the same way whoever confirms.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from categories.engine.training import count_confirmations
from categories.models import MerchantMapping


def learn_from(transactions: Sequence) -> int:
    """Upsert the merchant mapping of each confirmed row, in the given order.

    Same category as the mapping: its count grows. A different category: the
    mapping switches to it, its count restarts at 1 and its override count
    grows (so a mapping that keeps being overridden loses confidence).
    Returns the number of mappings created or changed.
    """
    confirmations = [(t.merchant_key, t.category_id) for t in transactions
                     if t.merchant_key and t.category_id]
    if not confirmations:
        return 0
    now = timezone.now()
    keys = sorted({key for key, _ in confirmations})
    existing: dict[str, MerchantMapping] = {}
    for start in range(0, len(keys), 900):
        for mapping in MerchantMapping.objects.filter(merchant_pattern__in=keys[start:start + 900]):
            existing[mapping.merchant_pattern] = mapping
    created: dict[str, MerchantMapping] = {}
    changed: dict[str, MerchantMapping] = {}
    for key, category_id in confirmations:
        mapping = existing.get(key) or created.get(key)
        if mapping is None:
            created[key] = MerchantMapping(
                merchant_pattern=key[:200], category_id=category_id, confidence=1,
                last_confirmed_at=now, created_at=now,
            )
            continue
        if mapping.category_id == category_id:
            mapping.confidence = (mapping.confidence or 0) + 1
        else:
            mapping.category_id = category_id
            mapping.confidence = 1
            mapping.overrides = (mapping.overrides or 0) + 1
        mapping.last_confirmed_at = now
        if mapping.pk:
            changed[key] = mapping
    MerchantMapping.objects.bulk_create(created.values(), batch_size=500)
    MerchantMapping.objects.bulk_update(
        changed.values(), ["category", "confidence", "overrides", "last_confirmed_at"], batch_size=500
    )
    count_confirmations(len(confirmations))
    return len(created) + len(changed)
