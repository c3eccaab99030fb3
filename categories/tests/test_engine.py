import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from categories.engine.explain import explain
from categories.engine.learning import learn_from
from categories.engine.pipeline import categorize
from categories.engine.rules import RuleSet
from categories.engine.training import current_model, train_from_ledger
from categories.models import MerchantMapping
from categories.tests.factories import AmountRuleFactory, CategoryFactory, MerchantMappingFactory
from transactions.models import Status, Transaction
from transactions.tests.factories import TransactionFactory

pytestmark = pytest.mark.django_db


def _pending(description="SHOP", key="shop", amount="10.00", **extra):
    return TransactionFactory.build(description=description, merchant_key=key,
                                    amount=Decimal(amount), date=datetime.date(2026, 10, 5), **extra)


def test_rules_match_pattern_case_insensitively_within_tolerance_and_pick_the_closest():
    a, b = CategoryFactory(), CategoryFactory()
    AmountRuleFactory(description_pattern="apple.com/bill", amount="9.99", tolerance="0.50", category=a)
    AmountRuleFactory(description_pattern="APPLE.COM/BILL", amount="10.99", tolerance="0.50", category=b)
    rules = RuleSet.load()
    assert rules.match("APPLE.COM/BILL 866-712-7753", Decimal("10.80")).category_id == b.pk
    assert rules.match("APPLE.COM/BILL 866-712-7753", Decimal("9.60")).category_id == a.pk
    assert rules.match("APPLE.COM/BILL", Decimal("12.00")) is None
    assert rules.match("GOOGLE", Decimal("9.99")) is None


def test_categorize_never_touches_confirmed_or_staged_rows():
    category, other = CategoryFactory(), CategoryFactory()
    MerchantMappingFactory(merchant_pattern="shop", category=other, confidence=50)
    confirmed = _pending(status=Status.CONFIRMED, category=category, predicted_category=category)
    staged = _pending(status=Status.PENDING_SAVE, category=category)
    result = categorize([confirmed, staged], model=None)
    assert result.predicted == 0
    assert confirmed.category == category and confirmed.predicted_category == category
    assert staged.category == category and staged.predicted_category_id is None


def test_categorize_mapping_confidence_and_auto_confirm():
    category = CategoryFactory()
    MerchantMappingFactory(merchant_pattern="shop", category=category, confidence=1)
    weak = _pending()
    categorize([weak], model=None, threshold=0.95)
    assert weak.predicted_category_id == category.pk and weak.categorization_tier == "merchant_map"
    assert weak.status == Status.PENDING_REVIEW and weak.category_id is None
    MerchantMapping.objects.filter(merchant_pattern="shop").update(confidence=200)
    strong = _pending()
    categorize([strong], model=None, threshold=0.95)
    assert strong.prediction_confidence > weak.prediction_confidence
    assert strong.status == Status.AUTO_CONFIRMED and strong.category_id == category.pk


def test_rule_beats_mapping_with_certainty():
    rule_cat, map_cat = CategoryFactory(), CategoryFactory()
    AmountRuleFactory(description_pattern="SHOP", amount="10.00", category=rule_cat)
    MerchantMappingFactory(merchant_pattern="shop", category=map_cat, confidence=9)
    t = _pending()
    categorize([t], model=None, threshold=1.1)
    assert (t.predicted_category_id, t.categorization_tier, t.prediction_confidence) == (
        rule_cat.pk, "amount_rule", 1.0)


def test_an_edited_mapping_takes_effect_on_the_next_prediction():
    first, second = CategoryFactory(), CategoryFactory()
    mapping = MerchantMappingFactory(merchant_pattern="shop", category=first)
    t = _pending()
    categorize([t], model=None)
    assert t.predicted_category_id == first.pk
    mapping.category = second
    mapping.save()
    t2 = _pending()
    categorize([t2], model=None)
    assert t2.predicted_category_id == second.pk


def test_learning_counts_agreement_and_resets_on_override():
    a, b = CategoryFactory(), CategoryFactory()
    learn_from([_pending(category=a), _pending(category=a)])
    mapping = MerchantMapping.objects.get(merchant_pattern="shop")
    assert (mapping.category, mapping.confidence, mapping.overrides) == (a, 2, 0)
    assert mapping.last_confirmed_at is not None
    learn_from([_pending(category=b)])
    mapping.refresh_from_db()
    assert (mapping.category, mapping.confidence, mapping.overrides) == (b, 1, 1)
    before = _pending()
    categorize([before], model=None)
    MerchantMapping.objects.filter(pk=mapping.pk).update(overrides=5)
    after = _pending()
    categorize([after], model=None)
    assert after.prediction_confidence < before.prediction_confidence


def _ledger(n_per_merchant=20):
    groceries, fuel, coffee = (CategoryFactory(short_desc=s) for s in ("groceries", "fuel", "coffee"))
    for i in range(n_per_merchant):
        day = datetime.date(2026, 1, 1) + datetime.timedelta(days=i)
        for desc, key, category, amount in (
            (f"SAFEWAY #{i}", "safeway", groceries, "55.10"), (f"SHELL OIL {i}", "shell oil", fuel, "40.00"),
            (f"STARBUCKS {i}", "starbucks", coffee, "5.25"),
        ):
            TransactionFactory(description=desc, merchant_key=key, amount=Decimal(amount), date=day,
                               status=Status.CONFIRMED, category=category)
    return groceries, fuel, coffee


def test_model_tier_trains_on_the_ledger_and_predicts_unseen_variants():
    groceries, fuel, coffee = _ledger()
    model = train_from_ledger()
    assert model is not None and current_model().version == model.version
    t = _pending(description="SAFEWAY FUEL STATION #9", key="safeway fuel station", amount="54.00")
    categorize([t])
    assert t.categorization_tier == "ai" and t.predicted_category_id in (groceries.pk, fuel.pk)
    assert 0 < t.prediction_confidence <= 1
    why = explain(t)
    assert why.model["version"] == model.version and len(why.alternatives) == 3


def test_model_tier_abstains_without_enough_history():
    CategoryFactory()
    assert train_from_ledger() is None
    t = _pending(key="never seen")
    result = categorize([t])
    assert result.abstained == 1 and t.predicted_category_id is None


def test_explain_names_the_rule_and_the_mapping():
    category = CategoryFactory(display_name="Cloud")
    rule = AmountRuleFactory(description_pattern="APPLE.COM/BILL", amount="0.99", category=category)
    t = _pending(description="APPLE.COM/BILL", key="apple", amount="0.99")
    categorize([t], model=None)
    assert f"Amount rule #{rule.pk}" in explain(t).summary
    MerchantMappingFactory(merchant_pattern="shop", category=category, confidence=7)
    m = _pending()
    categorize([m], model=None)
    assert "confirmed as Cloud 7 time(s)" in explain(m).summary


def test_evaluate_categorizer_on_a_fixture_with_a_known_answer(tmp_path, capsys):
    lines = ["Date,Description,Amount,Type,Category"]
    merchants = [("SAFEWAY", "Groceries"), ("SHELL OIL", "Fuel"), ("NETFLIX", "Streaming"),
                 ("ACME PAYROLL", "Salary")]
    for i in range(100):
        desc, label = merchants[i % 4]
        kind = "credit" if label == "Salary" else "debit"
        lines.append(f"2026-{1 + i // 28:02d}-{1 + i % 28:02d},{desc} #{i},{10 + i % 7}.00,{kind},{label}")
    path = tmp_path / "labeled.csv"
    path.write_text("\n".join(lines) + "\n")
    call_command("evaluate_categorizer", str(path), "--date-col", "Date", "--desc-col", "Description",
                 "--amount-col", "Amount", "--label-col", "Category", "--type-col", "Type")
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (figures["history"], figures["test"], figures["categories"]) == (80, 20, 4)
    assert figures["accuracy"] == 1.0 and figures["coverage"] == 1.0
    assert figures["baseline_accuracy"] == 1.0
    assert not Transaction.objects.exists()  # the user's (test) database was never touched


def test_categorize_command_predicts_waiting_rows_and_dry_run_changes_nothing(capsys):
    category = CategoryFactory()
    MerchantMappingFactory(merchant_pattern="shop", category=category, confidence=2)
    waiting = TransactionFactory(description="SHOP", merchant_key="shop")
    call_command("categorize", "--dry-run")
    assert "would predict 1" in capsys.readouterr().out
    waiting.refresh_from_db()
    assert waiting.predicted_category is None
    call_command("categorize")
    assert "predicted 1" in capsys.readouterr().out
    waiting.refresh_from_db()
    assert waiting.predicted_category == category and waiting.categorization_tier == "merchant_map"


def test_train_categorizer_command_reports_abstention_then_a_model(capsys):
    call_command("train_categorizer")
    assert "Not enough confirmed transactions" in capsys.readouterr().out
    _ledger()
    call_command("train_categorizer")
    assert "Trained" in capsys.readouterr().out and current_model() is not None
