"""Truthful confidences for tiers 2 and 3, and the policy that picks between them.

PLACEHOLDER - constants fitted below.
"""

from __future__ import annotations

from collections.abc import Sequence

from categories.engine.model import Prediction

MAP_ALPHA = 1.0
MAP_BETA = 0.2
MAP_OVERRIDE = 1.0
MODEL_OVERRULES_AT = 0.9
DEFAULT_AUTO_CONFIRM_THRESHOLD = 0.95

TIER_MERCHANT_MAP = "merchant_map"
TIER_AI = "ai"


def mapping_confidence(count: int, overrides: int = 0) -> float:
    n = max(count, 0)
    o = max(overrides, 0)
    return (n + MAP_ALPHA) / (n + MAP_ALPHA + MAP_BETA * (1 + MAP_OVERRIDE * o))


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], n_bins: int = 10
) -> float:
    n = len(confidences)
    if n == 0:
        return 0.0
    totals = [0] * n_bins
    conf_sums = [0.0] * n_bins
    hits = [0] * n_bins
    for c, ok in zip(confidences, correct, strict=True):
        b = min(int(c * n_bins), n_bins - 1)
        totals[b] += 1
        conf_sums[b] += c
        hits[b] += bool(ok)
    return sum(abs(conf_sums[b] - hits[b]) for b in range(n_bins) if totals[b]) / n


def choose(
    mapping: tuple[str, float] | None, model: Prediction | None
) -> tuple[str, float, str] | None:
    if mapping is not None:
        label, conf = mapping
        if model is not None and model.label != label and model.probability >= max(
            MODEL_OVERRULES_AT, conf
        ):
            return model.label, model.probability, TIER_AI
        if model is not None and model.label == label:
            return label, max(conf, model.probability), TIER_MERCHANT_MAP
        return label, conf, TIER_MERCHANT_MAP
    if model is not None:
        return model.label, model.probability, TIER_AI
    return None
