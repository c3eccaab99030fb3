"""Where the money goes: merchants by net spending over a period."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Sum

from insights.ledger import INCOME, TRANSFER, Categories, CategoryInfo
from insights.models import LedgerMonth, cents
from insights.months import Period


@dataclass
class MerchantTotal:
    key: str
    name: str
    total: Decimal
    count: int
    category: CategoryInfo


def top_merchants(period: Period, *, limit: int = 15) -> list[MerchantTotal]:
    """The merchants with the most net spending in expense categories, from the summary."""
    categories = Categories()
    span = LedgerMonth.objects.filter(month__gte=str(period.first), month__lte=str(period.last)).exclude(
        category_id__in=[*categories.ids(INCOME), *categories.ids(TRANSFER)])
    top = list(
        span.values("merchant_key")
        .annotate(total=Sum("total_cents"), count=Sum("count"), name=Max("merchant_name"))
        .filter(total__gt=0).order_by("-total", "merchant_key")[:limit]
    )
    keys = [row["merchant_key"] for row in top]
    main_category: dict[str, int] = {}
    for key, category_id, _ in (span.filter(merchant_key__in=keys).values("merchant_key", "category_id")
                                .annotate(total=Sum("total_cents")).order_by("total")
                                .values_list("merchant_key", "category_id", "total")):
        main_category[key] = category_id  # ascending, so the biggest category wins
    return [
        MerchantTotal(row["merchant_key"], row["name"] or row["merchant_key"], cents(row["total"]),
                      row["count"], categories[main_category.get(row["merchant_key"])])
        for row in top
    ]
