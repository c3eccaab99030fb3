"""categorize_100k (rules + mappings + model loaded) and train_100k."""

import time

from bench.harness import bulk_transactions, report, setup_django


def main() -> None:
    setup_django()
    from categories.engine.pipeline import categorize
    from categories.engine.training import current_model, train_from_ledger
    from categories.models import MerchantMapping
    from transactions.models import Transaction

    bulk_transactions(100_000, status="confirmed")
    start = time.perf_counter()
    model = train_from_ledger()
    report("train_100k", time.perf_counter() - start, "s", examples=model.n_examples if model else 0,
           classes=len(model.classes) if model else 0)

    keys = list(Transaction.objects.values_list("merchant_key", flat=True).distinct()[:500])
    MerchantMapping.objects.bulk_create(
        [MerchantMapping(merchant_pattern=k, category_id=1, confidence=3) for k in keys[::2]],
        ignore_conflicts=True,
    )
    Transaction.objects.update(status="pending_review", category=None)
    rows = list(Transaction.objects.all())
    model = current_model()
    start = time.perf_counter()
    result = categorize(rows, model=model)
    elapsed = time.perf_counter() - start
    report("categorize_100k", len(rows) / elapsed, "rows/s", rows=len(rows),
           seconds=round(elapsed, 2), by_tier=dict(result.by_tier))


if __name__ == "__main__":
    main()
