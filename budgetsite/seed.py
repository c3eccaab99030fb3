"""Default data for a new household: categories, accounts, starter rules.

Idempotent: rows are created only when missing (matched by their natural key),
and nothing a person has changed is overwritten, so `seed_defaults` can run on
every start.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from accounts.models import Account, AccountType
from categories.engine.merchants import merchant_key
from categories.models import AmountRule, Category, MerchantMapping

# (short_desc, display name, color, flags, children[(short_desc, name, flags)])
# flags: "i" income, "r" recurring.
TAXONOMY: list[tuple[str, str, str, str, list[tuple[str, str, str]]]] = [
    ("income", "Income", "#2e7d32", "i", [
        ("paycheck", "Paycheck", "i"), ("interest", "Interest", "i"),
        ("refunds", "Refunds & reimbursements", "i"), ("other_income", "Other income", "i"),
    ]),
    ("housing", "Housing", "#6d4c41", "", [
        ("rent", "Rent", "r"), ("mortgage", "Mortgage", "r"),
        ("home_maintenance", "Home maintenance", ""), ("home_supplies", "Home supplies", ""),
    ]),
    ("utilities", "Utilities", "#f9a825", "r", [
        ("electricity", "Electricity", "r"), ("gas_heating", "Gas & heating", "r"),
        ("water", "Water & sewer", "r"), ("internet", "Internet", "r"), ("phone", "Phone", "r"),
    ]),
    ("food", "Food", "#ef6c00", "", [
        ("groceries", "Groceries", ""), ("restaurants", "Restaurants", ""),
        ("coffee", "Coffee shops", ""), ("food_delivery", "Food delivery", ""),
    ]),
    ("transportation", "Transportation", "#1565c0", "", [
        ("fuel", "Gas & fuel", ""), ("rideshare", "Rideshare & taxi", ""),
        ("public_transit", "Public transit", ""), ("parking_tolls", "Parking & tolls", ""),
        ("car_maintenance", "Car maintenance", ""),
    ]),
    ("shopping", "Shopping", "#8e24aa", "", [
        ("general_merchandise", "General merchandise", ""), ("clothing", "Clothing", ""),
        ("electronics", "Electronics", ""), ("online_shopping", "Online shopping", ""),
    ]),
    ("subscriptions", "Subscriptions", "#d81b60", "r", [
        ("streaming", "Streaming", "r"), ("software", "Software & apps", "r"),
        ("memberships", "Memberships", "r"), ("cloud_storage", "Cloud storage", "r"),
    ]),
    ("health", "Health", "#00897b", "", [
        ("pharmacy", "Pharmacy", ""), ("doctor", "Doctor & dentist", ""),
        ("fitness", "Fitness", "r"),
    ]),
    ("insurance", "Insurance", "#546e7a", "r", [
        ("health_insurance", "Health insurance", "r"), ("auto_insurance", "Auto insurance", "r"),
        ("home_insurance", "Home & renters insurance", "r"), ("life_insurance", "Life insurance", "r"),
    ]),
    ("entertainment", "Entertainment", "#7cb342", "", [
        ("movies_events", "Movies & events", ""), ("hobbies", "Hobbies", ""),
        ("books_games", "Books & games", ""),
    ]),
    ("travel", "Travel", "#0097a7", "", [
        ("flights", "Flights", ""), ("lodging", "Lodging", ""), ("vacation", "Vacation", ""),
    ]),
    ("personal", "Personal & family", "#c2185b", "", [
        ("personal_care", "Personal care", ""), ("childcare", "Childcare & school", ""),
        ("pets", "Pets", ""), ("gifts_donations", "Gifts & donations", ""),
    ]),
    ("financial", "Financial", "#455a64", "", [
        ("bank_fees", "Bank fees", ""), ("taxes", "Taxes", ""),
        ("loan_payments", "Loan payments", "r"),
    ]),
    (Category.TRANSFERS, "Transfers", "#9e9e9e", "", [
        ("credit_card_payment", "Credit card payment", ""),
        ("account_transfer", "Transfer between accounts", ""),
    ]),
]

DEFAULT_ACCOUNTS = [
    ("Discover Card", "Discover", AccountType.CREDIT_CARD),
    ("SoFi Checking", "SoFi", AccountType.CHECKING),
    ("SoFi Savings", "SoFi", AccountType.SAVINGS),
    ("Wells Fargo Checking", "Wells Fargo", AccountType.CHECKING),
]

# Sample raw descriptions: their cleaned keys become starter mappings.
STARTER_MAPPINGS = [
    ("NETFLIX.COM", "streaming"), ("SPOTIFY USA", "streaming"), ("HULU 877-8244858 CA", "streaming"),
    ("STARBUCKS STORE 01234", "coffee"), ("DUNKIN #123456", "coffee"),
    ("SAFEWAY #1234", "groceries"), ("TRADER JOE S #123", "groceries"),
    ("WHOLEFDS MKT 10234", "groceries"), ("COSTCO WHSE #0123", "groceries"),
    ("KROGER #123", "groceries"), ("SHELL OIL 12345678", "fuel"), ("CHEVRON 0123456", "fuel"),
    ("UBER *TRIP", "rideshare"), ("LYFT *RIDE", "rideshare"), ("DOORDASH*ORDER", "food_delivery"),
    ("AMZN Mktp US*2K4LL1D30", "online_shopping"), ("TARGET T-1234", "general_merchandise"),
    ("WALGREENS #1234", "pharmacy"), ("CVS/PHARMACY #01234", "pharmacy"),
    ("COMCAST CABLE COMM", "internet"), ("VERIZON WIRELESS", "phone"),
    ("GEICO *AUTO", "auto_insurance"), ("PLANET FITNESS", "fitness"),
]

# Apple sells many things; the price tells them apart (expense amounts).
STARTER_RULES = [
    ("APPLE.COM/BILL", Decimal("0.99"), Decimal("0.00"), "iCloud 50 GB", "cloud_storage"),
    ("APPLE.COM/BILL", Decimal("2.99"), Decimal("0.00"), "iCloud 200 GB", "cloud_storage"),
    ("APPLE.COM/BILL", Decimal("9.99"), Decimal("0.00"), "iCloud 2 TB", "cloud_storage"),
    ("APPLE.COM/BILL", Decimal("10.99"), Decimal("0.00"), "Apple Music", "streaming"),
    ("APPLE.COM/BILL", Decimal("19.95"), Decimal("0.00"), "Apple One", "subscriptions"),
]


@dataclass
class SeedResult:
    categories: int = 0
    accounts: int = 0
    mappings: int = 0
    rules: int = 0

    def __str__(self) -> str:
        return (
            f"created {self.categories} categories, {self.accounts} accounts, "
            f"{self.mappings} merchant mappings, {self.rules} amount rules"
        )


@transaction.atomic
def seed_defaults(*, with_accounts: bool = True) -> SeedResult:
    """Create whatever default rows are missing; report what was created."""
    result = SeedResult()
    existing = {c.short_desc: c for c in Category.objects.all()}

    def ensure(short: str, name: str, color: str, flags: str, parent: Category | None) -> Category:
        if short in existing:
            return existing[short]
        cat = Category.objects.create(
            short_desc=short, display_name=name, color=color, parent=parent,
            is_income="i" in flags, is_recurring="r" in flags,
        )
        existing[short] = cat
        result.categories += 1
        return cat

    for short, name, color, flags, children in TAXONOMY:
        parent = ensure(short, name, color, flags, None)
        for child_short, child_name, child_flags in children:
            ensure(child_short, child_name, color, child_flags, parent)

    if with_accounts and not Account.objects.exists():
        for name, institution, kind in DEFAULT_ACCOUNTS:
            Account.objects.create(name=name, institution=institution, account_type=kind)
            result.accounts += 1

    known = set(MerchantMapping.objects.values_list("merchant_pattern", flat=True))
    for raw, short in STARTER_MAPPINGS:
        key = merchant_key(raw)
        if key and key not in known:
            MerchantMapping.objects.create(merchant_pattern=key, category=existing[short])
            known.add(key)
            result.mappings += 1

    rules = set(AmountRule.objects.values_list("description_pattern", "amount"))
    for pattern, amount, tolerance, label, short in STARTER_RULES:
        if (pattern, amount) not in rules:
            AmountRule.objects.create(
                description_pattern=pattern, amount=amount, tolerance=tolerance,
                short_desc=label, category=existing[short],
            )
            result.rules += 1
    return result
