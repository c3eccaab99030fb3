import pytest

from accounts.models import Account
from budgetsite.seed import seed_defaults
from categories.models import AmountRule, Category, MerchantMapping


def _counts():
    return (
        Category.objects.count(), Account.objects.count(), MerchantMapping.objects.count(),
        AmountRule.objects.count(),
    )


@pytest.mark.django_db
def test_seed_twice_gives_identical_counts():
    first = seed_defaults()
    after_first = _counts()
    second = seed_defaults()
    assert _counts() == after_first
    assert str(second) == "created 0 categories, 0 accounts, 0 merchant mappings, 0 amount rules"
    assert first.categories == after_first[0]


@pytest.mark.django_db
def test_seed_taxonomy_is_two_level_and_flagged(seeded):
    parents = Category.objects.filter(parent__isnull=True)
    children = Category.objects.filter(parent__isnull=False)
    assert parents.count() >= 12 and children.count() >= 40
    assert not children.filter(children__isnull=False).exists()
    assert all(c.color and c.color.startswith("#") for c in Category.objects.all())
    assert Category.objects.get(short_desc="paycheck").is_income
    for short in ("rent", "electricity", "streaming", "auto_insurance"):
        assert Category.objects.get(short_desc=short).is_recurring, short
    assert Category.objects.filter(short_desc=Category.TRANSFERS).exists()


@pytest.mark.django_db
def test_seed_creates_original_default_accounts_and_apple_rules(seeded):
    names = set(Account.objects.values_list("institution", "account_type"))
    assert {("Discover", "credit_card"), ("SoFi", "checking"), ("SoFi", "savings"),
            ("Wells Fargo", "checking")} <= names
    apple = AmountRule.objects.filter(description_pattern="APPLE.COM/BILL")
    assert apple.values("category").distinct().count() >= 2


@pytest.mark.django_db
def test_seed_keeps_what_a_person_changed(seeded):
    Category.objects.filter(short_desc="groceries").update(display_name="Food shopping")
    seed_defaults()
    assert Category.objects.get(short_desc="groceries").display_name == "Food shopping"
