"""Tier 3 of categorization: a small local model trained on the household's own history.

Why this shape:
- The household's confirmed transactions are the only training data (no cloud, no
  shared model), so the model must learn from a few dozen rows and still scale to
  ~100k. A linear model over sparse TF-IDF features does both and trains in seconds.
- Merchant strings are noisy (store numbers, cities, truncation), so word n-grams are
  backed by character n-grams that match "WHOLEFDS" against "WHOLE FOODS".
- The same merchant can mean different categories by amount (a pharmacy purchase vs
  a payroll deposit from the same bank string), so amount sign, magnitude bucket and
  round-number flags are features; so is the day of the month, for recurring bills.
- The confidence is shown to people and drives auto-confirmation, so it must be
  truthful: raw linear scores are turned into probabilities with a temperature fitted
  on out-of-fold scores of the training data, against whether the top label was right.
  A single shared temperature needs no per-class data, so classes with one or two
  examples do not break calibration (per-class Platt/isotonic would).
- The tier abstains (train() returns None) when there is too little history to learn
  from; the review queue is a better answer than a confident guess from 5 rows.

Measured figures (features, classifier choice, speed) are in bench/eval_labeled.py's
output and in categories/engine/confidence.py.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import math
import os
import re
import tempfile
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp
import sklearn
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.svm import LinearSVC

logger = logging.getLogger(__name__)

# Bumped whenever features or the pickled layout change: load() rejects other formats
# rather than predicting with a model whose features no longer line up.
FORMAT_VERSION = 1

TOP_K = 3


@dataclass
class Example:
    """One transaction as the model sees it.

    `merchant` is the stable merchant key computed by the caller
    (categories.engine.merchants.merchant_key); the model never derives it itself so
    training and inference cannot disagree on how it is computed.
    `amount > 0` is an expense, `amount < 0` income. `label` is the category
    identifier as a string, None at inference time.
    """

    description: str
    merchant: str
    amount: Decimal
    date: datetime.date
    label: str | None = None


@dataclass(frozen=True)
class Prediction:
    """The model's answer for one row: best label, its calibrated probability, top 3."""

    label: str
    probability: float
    top: list[tuple[str, float]]


@dataclass(frozen=True)
class ModelConfig:
    """Hyperparameters, chosen across all labeled files by bench/eval_labeled.py.

    C: LinearSVC regularisation (1.0 won or tied on every file; 0.3 lost on the
      free-text file, 3.0 on the noisy one).
    numeric_weight: value of each one-hot amount/date feature relative to the two
      L2-normalised text blocks (each of norm 1).
    use_day_of_month: day-of-month one-hots; they help recurring bills.
    calibration_folds: folds for the out-of-fold scores the temperature is fitted on.
    calibration_max_rows: above this many examples the temperature is fitted on a
      random subsample, so training 100k rows stays well under a minute; one scalar
      needs far fewer rows than that to be estimated precisely.
    """

    C: float = 1.0
    numeric_weight: float = 0.5
    use_day_of_month: bool = True
    calibration_folds: int = 4
    calibration_max_rows: int = 20_000
    min_rows_per_temperature: int = 30
    seed: int = 0


# A token holding a digit is a store number, date, amount, card or reference id:
# collapsing it to "0" keeps its presence (a signal in itself) but drops values that
# never repeat. It also makes most of a batch's texts identical, which is what lets
# the featurizer vectorise each distinct text once (see _unique). Anchored at token
# starts so the match is linear in the token length.
_NUMBERISH = re.compile(r"(?<!\S)[^\s\d]*\d\S*")
_NON_WORD = re.compile(r"[\W_]+")


def _text(example: Example) -> str:
    """Merchant key + raw description, lowercased, numbers collapsed, punctuation spaced.

    The merchant key leads so that a clean key (when the caller has one) is present
    even when the bank string is truncated or reordered.
    """
    raw = f"{example.merchant} {example.description}".lower()
    return _NON_WORD.sub(" ", _NUMBERISH.sub("0", raw)).strip()


def _word_ngrams(text: str) -> list[str]:
    # Texts are already normalised, so whitespace splitting is the tokenizer; a plain
    # callable is several times faster than sklearn's regex analyzer.
    tokens = text.split()
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


# Amount magnitude buckets are half-decades (1-3, 3-10, 10-31, ...) up to 10^7;
# crossed with the sign so "large income" and "large expense" are distinct features.
_N_MAGNITUDE = 16
_SIGNS = 3  # expense, income, zero
_N_ROUND = 3  # whole units, multiple of 10, multiple of 100
_N_DAYS = 31


def _numeric_features(
    examples: Sequence[Example], weight: float, use_day_of_month: bool
) -> sp.csr_matrix:
    """One-hot amount (and optionally day-of-month) features as a sparse block.

    Vectorised over the batch: floats are exact enough for buckets and whole-unit
    flags (cents are rounded first), and Decimal arithmetic per row would dominate
    the cost of a 100k-row batch.
    """
    n = len(examples)
    amounts = np.fromiter((float(e.amount) for e in examples), dtype=np.float64, count=n)
    cents = np.abs(np.rint(amounts * 100)).astype(np.int64)
    sign = np.where(amounts > 0, 0, np.where(amounts < 0, 1, 2))
    magnitude = 1 + np.floor(2 * np.log10(np.maximum(cents, 100) / 100)).astype(np.int64)
    bucket = np.where(cents >= 100, np.minimum(magnitude, _N_MAGNITUDE - 1), 0)
    base = _SIGNS * _N_MAGNITUDE
    rows = [np.arange(n)]
    cols = [sign * _N_MAGNITUDE + bucket]
    for offset, unit_cents in enumerate((100, 1_000, 10_000)):
        round_rows = np.flatnonzero((cents > 0) & (cents % unit_cents == 0))
        rows.append(round_rows)
        cols.append(np.full(len(round_rows), base + offset))
    n_cols = base + _N_ROUND
    if use_day_of_month:
        days = np.fromiter((e.date.day for e in examples), dtype=np.int64, count=n)
        rows.append(np.arange(n))
        cols.append(n_cols + days - 1)
        n_cols += _N_DAYS
    row = np.concatenate(rows)
    data = np.full(len(row), weight, dtype=np.float32)
    return sp.csr_matrix((data, (row, np.concatenate(cols))), shape=(n, n_cols))


def _unique(values: Iterable[str]) -> tuple[list[str], np.ndarray]:
    """Distinct values in first-seen order, and each value's index into them."""
    index: dict[str, int] = {}
    inverse = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int64)
    return list(index), inverse


class _CharNgrams:
    """TF-IDF of char_wb n-grams, computed once per distinct token.

    Gives exactly TfidfVectorizer(analyzer="char_wb", sublinear_tf=True)'s matrix
    (char_wb n-grams never span a space, so a text's counts are the sum of its
    tokens' counts) while running the slow Python n-gram loop only for distinct
    tokens rather than for every text: a text costs a split and a sparse product.
    """

    def __init__(self, ngram_range: tuple[int, int]) -> None:
        self.counter = CountVectorizer(
            analyzer="char_wb", ngram_range=ngram_range, dtype=np.float32
        )
        self.tfidf = TfidfTransformer(sublinear_tf=True)

    def fit(self, texts: Sequence[str]) -> None:
        self.counter.fit(sorted({token for text in texts for token in text.split()}))
        self.tfidf.fit(self._counts(texts))

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.tfidf.transform(self._counts(texts)).astype(np.float32)

    def _counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        tokens: dict[str, int] = {}
        indptr = [0]
        indices: list[int] = []
        for text in texts:
            indices.extend(tokens.setdefault(t, len(tokens)) for t in text.split())
            indptr.append(len(indices))
        per_text = sp.csr_matrix(
            (np.ones(len(indices), dtype=np.float32), indices, indptr),
            shape=(len(texts), len(tokens)),
        )
        return per_text @ self.counter.transform(list(tokens))


class _Featurizer:
    """Text + numeric features; fitted once, then one transform per batch.

    Word n-grams (1-2) and character n-grams (char_wb 2-5) both run over merchant
    key + normalised raw description: words carry meaning, characters match spelling
    variants ("wholefds" / "whole foods", truncations). Both are fitted and applied
    on distinct texts only, so IDF measures in how many different strings a term
    occurs (not how often one busy merchant repeats) and a batch costs its number of
    distinct texts, not rows.
    """

    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        self.words = TfidfVectorizer(analyzer=_word_ngrams, sublinear_tf=True, dtype=np.float32)
        self.chars = _CharNgrams((2, 5))

    def fit_transform(self, examples: Sequence[Example]) -> sp.csr_matrix:
        texts, _ = _unique(_text(e) for e in examples)
        self.words.fit(texts)
        self.chars.fit(texts)
        return self.transform(examples)

    def transform(self, examples: Sequence[Example]) -> sp.csr_matrix:
        texts, rows = _unique(_text(e) for e in examples)
        numeric = _numeric_features(
            examples, self.config.numeric_weight, self.config.use_day_of_month
        )
        return sp.hstack(
            [self.words.transform(texts)[rows], self.chars.transform(texts)[rows], numeric],
            format="csr",
            dtype=np.float32,
        )


def _softmax(scores: np.ndarray, temperature: float | np.ndarray) -> np.ndarray:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def _scores(clf: LinearSVC, x: sp.csr_matrix) -> np.ndarray:
    """Decision scores with one column per class, also for a binary classifier."""
    s = clf.decision_function(x)
    if s.ndim == 1:
        # Binary LinearSVC gives the score of classes_[1]; class 0 sits at -s so the
        # temperature acts on the same margin scale as the one-vs-rest multiclass case.
        s = np.column_stack([-s, s])
    return s


def _fit_classifier(x: sp.csr_matrix, y: np.ndarray, config: ModelConfig) -> LinearSVC:
    clf = LinearSVC(C=config.C, random_state=config.seed)
    with warnings.catch_warnings():
        # Convergence warnings on separable sparse text are harmless here: the
        # calibration step measures the resulting scores as they are.
        warnings.simplefilter("ignore")
        clf.fit(x, y)
    return clf


def _fit_temperatures(
    examples: Sequence[Example], y: np.ndarray, n_classes: int, config: ModelConfig
) -> tuple[float, float]:
    """Temperatures (seen merchant, new merchant) that make top-1 probability truthful.

    Out-of-fold scores stand in for unseen data. A row whose merchant key occurs in
    its fold's training part is "seen"; the model is far more often right on those,
    and the share of new merchants differs between a random fold and next month's
    imports, so each kind gets its own temperature (the pooled one when a kind has
    too few rows to fit). Rows whose class is absent from a fold's training part
    count as wrong: that is what happens to rare categories in real use.
    The loss is the log loss of "was the top label right" (top-label calibration),
    which is what the confidence promises, rather than the full-distribution NLL.
    """
    rng = np.random.default_rng(config.seed)
    idx = np.arange(len(examples))
    if len(idx) > config.calibration_max_rows:
        idx = np.sort(rng.choice(idx, config.calibration_max_rows, replace=False))
    sub_y = y[idx]
    min_count = min(Counter(sub_y.tolist()).values())
    n_folds = min(config.calibration_folds, len(idx) // 2)
    if min_count >= n_folds:
        splitter = StratifiedKFold(n_folds, shuffle=True, random_state=config.seed)
    else:
        # Stratification is impossible with singleton classes; a plain shuffled split
        # is the honest fallback (those rows are then often unseen in their fold).
        splitter = KFold(n_folds, shuffle=True, random_state=config.seed)
    fold_scores: list[np.ndarray] = []
    fold_hits: list[np.ndarray] = []
    fold_seen: list[np.ndarray] = []
    for train_idx, test_idx in splitter.split(idx, sub_y):
        train_rows, test_rows = idx[train_idx], idx[test_idx]
        if len(np.unique(y[train_rows])) < 2:
            continue
        featurizer = _Featurizer(config)
        x_train = featurizer.fit_transform([examples[i] for i in train_rows])
        clf = _fit_classifier(x_train, y[train_rows], config)
        s = _scores(clf, featurizer.transform([examples[i] for i in test_rows]))
        # Missing classes get a score far below any real one: never predicted, and
        # they add no probability mass.
        full = np.full((len(test_rows), n_classes), -1e3, dtype=np.float64)
        full[:, clf.classes_] = s
        known = {examples[i].merchant for i in train_rows}
        fold_scores.append(full)
        fold_hits.append(full.argmax(axis=1) == y[test_rows])
        fold_seen.append(np.array([examples[i].merchant in known for i in test_rows]))
    if not fold_scores:
        return 1.0, 1.0
    scores = np.vstack(fold_scores)
    hits = np.concatenate(fold_hits)
    seen = np.concatenate(fold_seen)
    pooled = _fit_one_temperature(scores, hits)
    return tuple(  # type: ignore[return-value]
        _fit_one_temperature(scores[mask], hits[mask])
        if mask.sum() >= config.min_rows_per_temperature
        else pooled
        for mask in (seen, ~seen)
    )


def _fit_one_temperature(scores: np.ndarray, hits: np.ndarray) -> float:
    def loss(log_t: float) -> float:
        p = _softmax(scores, math.exp(log_t)).max(axis=1).clip(1e-6, 1 - 1e-6)
        return float(-np.mean(np.where(hits, np.log(p), np.log1p(-p))))

    result = minimize_scalar(loss, bounds=(math.log(0.01), math.log(10.0)), method="bounded")
    return float(math.exp(result.x))


@dataclass
class TrainedModel:
    """A fitted tier-3 model; pickled whole by save() and restored by load()."""

    featurizer: _Featurizer
    classifier: LinearSVC
    classes: list[str]
    temperatures: tuple[float, float]
    merchants: frozenset[str]
    n_examples: int
    trained_at: datetime.datetime
    version: str
    format_version: int = FORMAT_VERSION
    sklearn_version: str = field(default=sklearn.__version__)

    def predict(self, batch: Sequence[Example]) -> list[Prediction]:
        """Predict a whole batch with one vectorise + one decision call."""
        if not batch:
            return []
        x = self.featurizer.transform(batch)
        t_seen, t_new = self.temperatures
        temperature = np.array([[t_seen if e.merchant in self.merchants else t_new] for e in batch])
        proba = _softmax(_scores(self.classifier, x).astype(np.float64), temperature)
        k = min(TOP_K, proba.shape[1])
        top_idx = np.argsort(-proba, axis=1, kind="stable")[:, :k]
        top_p = np.take_along_axis(proba, top_idx, axis=1)
        classes = self.classes
        return [
            Prediction(
                label=classes[idx_row[0]],
                probability=float(p_row[0]),
                top=[(classes[c], float(p)) for c, p in zip(idx_row, p_row, strict=True)],
            )
            for idx_row, p_row in zip(top_idx.tolist(), top_p.tolist(), strict=True)
        ]

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write atomically: a reader never sees a half-written model file."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                joblib.dump(self, fh, compress=3)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @staticmethod
    def load(path: str | os.PathLike[str]) -> TrainedModel | None:
        """The saved model, or None when missing, corrupt or from another format/sklearn.

        None means "the tier abstains until the next retrain", which is always safe;
        raising would take categorisation down over a cache file.
        """
        try:
            obj = joblib.load(path)
        except FileNotFoundError:
            return None
        except Exception:
            logger.warning("model file %s is unreadable; ignoring it", path, exc_info=True)
            return None
        if (
            not isinstance(obj, TrainedModel)
            or getattr(obj, "format_version", None) != FORMAT_VERSION
            or getattr(obj, "sklearn_version", None) != sklearn.__version__
        ):
            logger.warning("model file %s is from another version; ignoring it", path)
            return None
        return obj


def _version(examples: Sequence[Example], trained_at: datetime.datetime) -> str:
    digest = hashlib.sha256()
    for e in examples:
        digest.update(f"{e.merchant}\x1f{e.description}\x1f{e.amount}\x1f{e.date}\x1f{e.label}\x1e".encode())
    return f"{trained_at:%Y%m%dT%H%M%SZ}-n{len(examples)}-{digest.hexdigest()[:12]}"


def train(
    examples: Sequence[Example],
    *,
    min_examples: int = 30,
    min_classes: int = 2,
    config: ModelConfig | None = None,
) -> TrainedModel | None:
    """Fit the model on labeled examples, or None (abstain) below the minimums.

    Examples without a label are ignored. `config` defaults to the measured
    ModelConfig(); it is a parameter so the benchmark can sweep it.
    """
    config = config or ModelConfig()
    labeled = [e for e in examples if e.label is not None]
    labels = [str(e.label) for e in labeled]
    classes = sorted(set(labels))
    if len(labeled) < min_examples or len(classes) < max(2, min_classes):
        return None
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[label] for label in labels])
    temperatures = _fit_temperatures(labeled, y, len(classes), config)
    featurizer = _Featurizer(config)
    x = featurizer.fit_transform(labeled)
    classifier = _fit_classifier(x, y, config)
    trained_at = datetime.datetime.now(datetime.UTC)
    return TrainedModel(
        featurizer=featurizer,
        classifier=classifier,
        classes=classes,
        temperatures=temperatures,
        merchants=frozenset(e.merchant for e in labeled),
        n_examples=len(labeled),
        trained_at=trained_at,
        version=_version(labeled, trained_at),
    )
