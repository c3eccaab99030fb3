"""Tier 3 (local model) and the confidence/decision policy, on synthetic data.

Fast and self-contained: every example set is generated here, so these run
without the shared labeled files (the real-data figures come from
bench/eval_labeled.py).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from pathlib import Path

import pytest

from categories.engine.confidence import (
    DEFAULT_AUTO_CONFIRM_THRESHOLD,
    TIER_AI,
    TIER_MERCHANT_MAP,
    choose,
    expected_calibration_error,
    mapping_confidence,
)
from categories.engine.model import Example, ModelConfig, Prediction, TrainedModel, train

MERCHANTS = {
    "Groceries": ["whole foods", "trader joes", "safeway", "aldi"],
    "Restaurants": ["olive garden", "chipotle", "pizza hut", "thai palace"],
    "Fuel": ["shell", "chevron", "exxonmobil", "bp"],
    "Utilities": ["city water", "power company", "gas company"],
}


def _examples(n: int, seed: int = 0, categories: dict[str, list[str]] = MERCHANTS) -> list[Example]:
    """Bank-like rows whose merchant determines the category; numbers vary per row."""
    rng = random.Random(seed)
    start = datetime.date(2024, 1, 1)
    rows = []
    for i in range(n):
        label = rng.choice(sorted(categories))
        merchant = rng.choice(categories[label])
        description = f"POS {merchant.upper()} #{rng.randint(100, 9999)} REF{rng.randint(10**5, 10**6)}"
        amount = Decimal(f"{rng.uniform(3, 300):.2f}")
        rows.append(Example(description, merchant, amount, start + datetime.timedelta(days=i), label))
    return rows


@pytest.fixture(autouse=True)
def _models_dir() -> None:
    """Shadow the project-wide autouse fixture of this name, which needs Django's
    `settings`: these tests touch no Django state and also run with -p no:django."""


@pytest.fixture(scope="module")
def toy_model() -> TrainedModel:
    model = train(_examples(120))
    assert model is not None
    return model


def _unlabeled(examples: list[Example]) -> list[Example]:
    return [Example(e.description, e.merchant, e.amount, e.date, None) for e in examples]


def test_train_abstains_below_min_examples() -> None:
    assert train(_examples(29)) is None
    assert train(_examples(29), min_examples=20) is not None


def test_train_abstains_on_single_class() -> None:
    assert train(_examples(60, categories={"Fuel": MERCHANTS["Fuel"]})) is None


def test_train_ignores_unlabeled_examples() -> None:
    rows = _examples(40)
    assert train(_unlabeled(rows)) is None
    model = train(rows + _unlabeled(_examples(40, seed=1)))
    assert model is not None and model.n_examples == 40


def test_train_learns_separable_toy_set(toy_model: TrainedModel) -> None:
    fresh = _examples(60, seed=7)
    predictions = toy_model.predict(_unlabeled(fresh))
    assert [p.label for p in predictions] == [e.label for e in fresh]
    assert min(p.probability for p in predictions) > 0.5


def test_train_uses_amount_sign() -> None:
    # Same bank string both ways: only the sign says salary vs. refund of a payment.
    rows = [
        Example("ACME CORP ACH", "acme corp", Decimal(sign * 1500), datetime.date(2024, 1, d), label)
        for d in range(1, 29)
        for sign, label in ((-1, "Income"), (1, "Transfer"))
    ]
    model = train(rows)
    assert model is not None
    out = model.predict(
        [
            Example("ACME CORP ACH", "acme corp", Decimal("-1500"), datetime.date(2024, 2, 1)),
            Example("ACME CORP ACH", "acme corp", Decimal("1500"), datetime.date(2024, 2, 1)),
        ]
    )
    assert [p.label for p in out] == ["Income", "Transfer"]


def test_train_handles_classes_with_one_example() -> None:
    rows = _examples(60) + [
        Example("VET CLINIC 12", "vet clinic", Decimal("80.00"), datetime.date(2024, 5, 1), "Pets")
    ]
    model = train(rows)
    assert model is not None
    assert "Pets" in model.classes


def test_train_sgd_path_for_large_histories() -> None:
    # The exact solver's limit lowered so the SGD branch runs on a small set.
    model = train(_examples(120), config=ModelConfig(exact_solver_max_rows=50))
    assert model is not None
    fresh = _examples(40, seed=3)
    hits = sum(p.label == e.label for p, e in zip(model.predict(fresh), fresh, strict=True))
    assert hits >= 38


def test_predict_probabilities_in_unit_interval_and_top3_sorted(toy_model: TrainedModel) -> None:
    predictions = toy_model.predict(_examples(50, seed=11))
    for p in predictions:
        assert isinstance(p, Prediction)
        assert 0.0 <= p.probability <= 1.0
        assert len(p.top) == 3
        assert p.top[0] == (p.label, p.probability)
        probs = [q for _, q in p.top]
        assert probs == sorted(probs, reverse=True)
        assert all(0.0 <= q <= 1.0 for q in probs)
        assert len({label for label, _ in p.top}) == 3


def test_predict_top_is_shorter_with_two_classes() -> None:
    two = {k: MERCHANTS[k] for k in ("Fuel", "Groceries")}
    model = train(_examples(60, categories=two))
    assert model is not None
    (p,) = model.predict(_examples(1, seed=5, categories=two))
    assert len(p.top) == 2
    assert p.top[0][1] >= p.top[1][1]


def test_predict_batch_equals_per_row(toy_model: TrainedModel) -> None:
    batch = _examples(30, seed=13)
    whole = toy_model.predict(batch)
    one_by_one = [toy_model.predict([e])[0] for e in batch]
    assert [p.label for p in whole] == [p.label for p in one_by_one]
    for a, b in zip(whole, one_by_one, strict=True):
        assert a.probability == pytest.approx(b.probability, abs=1e-9)
        assert [c for c, _ in a.top] == [c for c, _ in b.top]


def test_predict_empty_batch(toy_model: TrainedModel) -> None:
    assert toy_model.predict([]) == []


def test_model_metadata(toy_model: TrainedModel) -> None:
    assert toy_model.classes == sorted(MERCHANTS)
    assert toy_model.n_examples == 120
    assert toy_model.trained_at.tzinfo is not None
    assert "n120" in toy_model.version
    again = train(_examples(120))
    assert again is not None
    # Same data -> same content hash in the version (the timestamp part may differ).
    assert again.version.split("-")[-1] == toy_model.version.split("-")[-1]


def test_save_load_round_trip_identical_predictions(toy_model: TrainedModel, tmp_path: Path) -> None:
    path = tmp_path / "models" / "model.joblib"
    toy_model.save(path)
    loaded = TrainedModel.load(path)
    assert loaded is not None
    assert loaded.version == toy_model.version
    batch = _examples(40, seed=17)
    assert loaded.predict(batch) == toy_model.predict(batch)
    # Atomic write: nothing but the model file is left behind.
    assert [p.name for p in path.parent.iterdir()] == ["model.joblib"]


def test_save_replaces_existing_file(toy_model: TrainedModel, tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    path.write_bytes(b"old")
    toy_model.save(path)
    assert TrainedModel.load(path) is not None


def test_load_corrupt_file_returns_none(tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    path.write_bytes(b"\x00not a joblib file at all")
    assert TrainedModel.load(path) is None


def test_load_missing_file_returns_none(tmp_path: Path) -> None:
    assert TrainedModel.load(tmp_path / "absent.joblib") is None


def test_load_foreign_object_returns_none(tmp_path: Path) -> None:
    import joblib

    path = tmp_path / "model.joblib"
    joblib.dump({"not": "a model"}, path)
    assert TrainedModel.load(path) is None


def test_load_other_format_version_returns_none(toy_model: TrainedModel, tmp_path: Path) -> None:
    import dataclasses

    path = tmp_path / "model.joblib"
    dataclasses.replace(toy_model, format_version=-1).save(path)
    assert TrainedModel.load(path) is None


def test_mapping_confidence_monotone_in_count() -> None:
    for overrides in range(6):
        values = [mapping_confidence(n, overrides) for n in range(1, 300)]
        assert values == sorted(values)
        assert values[0] < values[-1]


def test_mapping_confidence_capped_below_one() -> None:
    assert all(mapping_confidence(n) < 1.0 for n in (1, 10, 10**3, 10**9))
    assert mapping_confidence(10**9) <= 0.995


def test_mapping_confidence_decreasing_with_overrides() -> None:
    for count in (1, 2, 3, 5):
        values = [mapping_confidence(count, o) for o in range(6)]
        assert all(a > b for a, b in zip(values, values[1:], strict=False))
    for count in range(1, 200):
        values = [mapping_confidence(count, o) for o in range(10)]
        assert values == sorted(values, reverse=True)


def test_mapping_confidence_values_in_unit_interval() -> None:
    assert mapping_confidence(0) == 0.0
    assert 0.9 < mapping_confidence(1) < 0.95
    assert 0.0 < mapping_confidence(1, 50) < 0.5


def test_mapping_confidence_many_confirmations_auto_confirm() -> None:
    # The threshold is reachable by a steady mapping, and not by a single confirmation.
    assert mapping_confidence(1) < DEFAULT_AUTO_CONFIRM_THRESHOLD
    assert mapping_confidence(20) >= DEFAULT_AUTO_CONFIRM_THRESHOLD


def test_ece_perfectly_calibrated_is_zero() -> None:
    confidences = [0.8] * 10 + [0.3] * 10 + [0.95] * 20
    correct = [True] * 8 + [False] * 2 + [True] * 3 + [False] * 7 + [True] * 19 + [False]
    assert expected_calibration_error(confidences, correct) == pytest.approx(0.0, abs=1e-9)


def test_ece_overconfident_is_the_gap() -> None:
    assert expected_calibration_error([0.9] * 10, [True] * 5 + [False] * 5) == pytest.approx(0.4)


def test_ece_empty_and_edges() -> None:
    assert expected_calibration_error([], []) == 0.0
    assert expected_calibration_error([1.0, 0.0], [True, False]) == pytest.approx(0.0)
    with pytest.raises(ValueError):
        expected_calibration_error([0.5], [])


def _pred(label: str, probability: float) -> Prediction:
    return Prediction(label, probability, [(label, probability)])


def test_choose_neither_tier_returns_none() -> None:
    assert choose(None, None) is None


def test_choose_mapping_only() -> None:
    assert choose(("7", 0.92), None) == ("7", 0.92, TIER_MERCHANT_MAP)


def test_choose_model_only() -> None:
    assert choose(None, _pred("3", 0.6)) == ("3", 0.6, TIER_AI)


def test_choose_agreement_takes_the_higher_confidence() -> None:
    assert choose(("7", 0.92), _pred("7", 0.97)) == ("7", 0.97, TIER_MERCHANT_MAP)
    assert choose(("7", 0.99), _pred("7", 0.5)) == ("7", 0.99, TIER_MERCHANT_MAP)


def test_choose_confident_model_overrules_weak_mapping() -> None:
    assert choose(("7", 0.58), _pred("3", 0.9)) == ("3", 0.9, TIER_AI)


def test_choose_mapping_beats_less_confident_model() -> None:
    assert choose(("7", 0.95), _pred("3", 0.9)) == ("7", 0.95, TIER_MERCHANT_MAP)


def test_choose_tie_goes_to_mapping() -> None:
    assert choose(("7", 0.9), _pred("3", 0.9)) == ("7", 0.9, TIER_MERCHANT_MAP)
