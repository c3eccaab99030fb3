"""The navigation, built from the URL names that exist (apps add pages over time)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

NAV = [
    ("review", "Review", True),
    ("transaction_list", "Transactions", False),
    ("budget_month", "Budgets", False),
    ("account_list", "Accounts", False),
    ("import_page", "Import", False),
    ("insights", "Insights", False),
    ("portfolio", "Investments", False),
    ("notification_list", "Notifications", False),
    ("settings", "Settings", False),
]


def navigation(request) -> dict:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    items = []
    for name, label, badge in NAV:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append(
            {"url": url, "label": label, "badge": badge, "current": request.path.startswith(url)}
        )
    return {"nav_items": items}
