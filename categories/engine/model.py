"""Tier 3 of categorization: a small local model trained on the household's own history.

Why this shape:
- The household's confirmed transactions are the only training data (no cloud, no
  shared model), so the model must learn from a few dozen rows and still scale to
  ~100k. A linear SVM over sparse TF-IDF features does both: liblinear up to 20k
  rows, SGD on the same kind of objective above (see _fit_classifier).
- Merchant strings are noisy (store numbers, cities, truncation), so word n-grams
  (1-2) are backed by character n-grams (char_wb 2-5) that match "WHOLEFDS" against
  "WHOLE FOODS"; both run over merchant key + raw description. Tokens with digits
  collapse to "0" (ids and numbers never repeat), which also makes most texts in a
  batch identical: each distinct text is vectorised once, so 100k rows predict in
  about two seconds.
- The same bank string can mean different categories by amount (a payroll deposit
  vs a payment to the same company), so sign x magnitude bucket and round-number
  flags are features; so is the day of the month, for recurring bills.
- The confidence is shown to people and drives auto-confirmation, so it must be
  truthful: scores become probabilities through a temperature and a ceiling fitted
  on out-of-fold scores of the training data, against whether the top label was
  right; separately for rows whose merchant the model has seen and rows whose
  merchant is new, which are right far less often at the same score. Two shared
  parameters need no per-class data, so classes with one or two examples do not
  break calibration (per-class Platt/isotonic would).
- The tier abstains (train() returns None) when there is too little history to learn
  from; the review queue is a better answer than a guess from 5 rows.

Figures (per labeled file, and speed) come from bench/eval_labeled.py; the table is
in categories/engine/confidence.py.
"""

from __future__ import annotations

import datetime
import gc
import hashlib
import logging
import math
import os
import string
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
from scipy.optimize import minimize, minimize_scalar
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import SGDClassifier
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


@dataclass(slots=True)
class Prediction:
    """The model's answer for one row: best label, its calibrated probability, top 3.

    Not frozen: a frozen dataclass costs ~3x more to build, and predict() builds
    one per row of 100k-row imports.
    """

    label: str
    probability: float
    top: list[tuple[str, float]]


@dataclass(frozen=True)
class ModelConfig:
    """Hyperparameters, chosen across all four labeled files, never on one.

    Measured by the Brier score of the final confidence (mean over chronological
    splits at 50/60/70/80% per file); every alternative below won on one file and
    lost on another, the defaults are the middle that lost nowhere by much:
    C: LinearSVC regularisation (and SGD's alpha = 1 / (C * n)). 0.3 was worse on
      three files (free-text D 0.103 vs 0.099), 3.0 better on K and M, worse on D.
    numeric_weight: value of each one-hot amount/date feature against the two
      L2-normalised text blocks (norm 1 each). 0.25 and 1.0 each traded one file
      against the other two.
    use_day_of_month: day-of-month one-hots; without them K (recurring bills) went
      from 0.027 to 0.031 and M from 0.161 to 0.172, D gained 0.002.
    calibration_folds: folds for the out-of-fold scores calibration is fitted on.
    calibration_max_rows: above this many examples calibration is fitted on a random
      subsample: two parameters need far fewer rows, and it keeps training 100k rows
      well under a minute.
    min_rows_per_calibration: fewer out-of-fold rows of a kind (seen / new merchant)
      than this and that kind uses the calibration fitted on all rows.
    exact_solver_max_rows: liblinear up to here, SGD above (see _fit_classifier).
    sgd_epochs: SGD passes over the data; 10 was no better than 5 on 100k rows.
    """

    C: float = 1.0
    numeric_weight: float = 0.5
    use_day_of_month: bool = True
    calibration_folds: int = 4
    calibration_max_rows: int = 10_000
    min_rows_per_calibration: int = 30
    exact_solver_max_rows: int = 20_000
    sgd_epochs: int = 5
    seed: int = 0


# Punctuation separates words ("des:payment", "wholefds#123"); a token that is not
# all letters after that is a store number, date, amount, card or reference id, and
# becomes "0": its presence is kept (a signal in itself), values that never repeat
# are dropped. That also makes most of a batch's texts identical, which is what
# lets the featurizer vectorise each distinct text once (see _unique).
_PUNCTUATION_TO_SPACE = str.maketrans(dict.fromkeys(string.punctuation, " "))


def _text(example: Example) -> str:
    """Merchant key + raw description, lowercased, numbers collapsed, punctuation spaced.

    The merchant key leads so that a clean key (when the caller has one) is present
    even when the bank string is truncated or reordered.
    """
    raw = f"{example.merchant} {example.description}".lower()
    tokens = raw.translate(_PUNCTUATION_TO_SPACE).split()
    return " ".join([t if t.isalpha() else "0" for t in tokens])


def _word_ngrams(text: str) -> list[str]:
    # Texts are already normalised (_text), so whitespace splitting is the whole
    # tokenizer, and words see the same tokens as the character n-grams.
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
        texts, rows = _unique(_text(e) for e in examples)
        self.words.fit(texts)
        self.chars.fit(texts)
        return self._stack(self._texts(texts)[rows], self._numeric(examples))

    def transform(self, examples: Sequence[Example]) -> sp.csr_matrix:
        text_x, rows, numeric_x = self.transform_parts(examples)
        return self._stack(text_x[rows], numeric_x)

    def transform_parts(
        self, examples: Sequence[Example]
    ) -> tuple[sp.csr_matrix, np.ndarray, sp.csr_matrix]:
        """(text features of each distinct text, row -> distinct text, numeric features).

        Prediction works on these parts rather than the stacked matrix: gathering
        text rows for every transaction would copy ~100 non-zeros per row.
        """
        texts, rows = _unique(_text(e) for e in examples)
        return self._texts(texts), rows, self._numeric(examples)

    def _texts(self, texts: list[str]) -> sp.csr_matrix:
        return sp.hstack(
            [self.words.transform(texts), self.chars.transform(texts)], format="csr"
        )

    def _numeric(self, examples: Sequence[Example]) -> sp.csr_matrix:
        return _numeric_features(
            examples, self.config.numeric_weight, self.config.use_day_of_month
        )

    @staticmethod
    def _stack(text_x: sp.csr_matrix, numeric_x: sp.csr_matrix) -> sp.csr_matrix:
        return sp.hstack([text_x, numeric_x], format="csr", dtype=np.float32)


Classifier = LinearSVC | SGDClassifier


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def _scores(clf: Classifier, featurizer: _Featurizer, examples: Sequence[Example]) -> np.ndarray:
    """Decision scores, one column per class, from one featurisation of the batch.

    The same linear function as clf.decision_function on the stacked features,
    computed as (distinct texts x text weights) gathered per row + numeric part, so
    a batch costs its distinct texts rather than its rows.
    """
    text_x, rows, numeric_x = featurizer.transform_parts(examples)
    n_text = text_x.shape[1]
    coef = clf.coef_
    s = (
        np.asarray(text_x @ coef[:, :n_text].T)[rows]
        + np.asarray(numeric_x @ coef[:, n_text:].T)
        + clf.intercept_
    )
    if s.shape[1] == 1:
        # A binary linear model scores classes_[1]; class 0 sits at -s so the
        # temperature acts on the same margin scale as the one-vs-rest multiclass case.
        s = np.column_stack([-s[:, 0], s[:, 0]])
    return s


@dataclass(frozen=True)
class _Calibration:
    """P(top label right) = ceiling * softmax(scores / temperature)[top]."""

    temperature: float = 1.0
    ceiling: float = 1.0

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        return self.ceiling * _softmax(scores, self.temperature)


def _fit_classifier(
    x: sp.csr_matrix, y: np.ndarray, config: ModelConfig, exact: bool
) -> Classifier:
    """A linear SVM (L2-regularised, one-vs-rest), fitted exactly or by SGD.

    liblinear's exact solver (squared hinge) is the best measured on the labeled
    files, but its time grows faster than linearly: ~60 s CPU for 100k rows here,
    before calibration. Large histories therefore use SGD with a fixed number of
    passes on the closest stable objective: modified Huber (a hinge smoothed
    quadratically near the margin; squared hinge diverges at SGD's step sizes) with
    alpha = 1 / (C * n), LinearSVC's C on SGD's scale. On 30k synthetic rows the
    two differ by 0.3 points of accuracy.
    """
    clf: Classifier
    if exact:
        clf = LinearSVC(C=config.C, random_state=config.seed)
    else:
        clf = SGDClassifier(
            loss="modified_huber",
            alpha=1.0 / (config.C * x.shape[0]),
            max_iter=config.sgd_epochs,
            tol=None,
            random_state=config.seed,
        )
    with warnings.catch_warnings():
        # Convergence warnings on separable sparse text are harmless here: the
        # calibration step measures the resulting scores as they are.
        warnings.simplefilter("ignore")
        clf.fit(x, y)
    return clf


def _fit_calibrations(
    examples: Sequence[Example], y: np.ndarray, n_classes: int, config: ModelConfig, exact: bool
) -> tuple[_Calibration, _Calibration]:
    """Calibrations (seen merchant, new merchant) that make top-1 probability truthful.

    Out-of-fold scores stand in for unseen data. A row whose merchant key occurs in
    its fold's training part is "seen"; the model is far more often right on those,
    and the share of new merchants differs between a random fold and next month's
    imports, so each kind gets its own calibration (the pooled one when a kind has
    too few rows to fit). Rows whose class is absent from a fold's training part
    count as wrong: that is what happens to rare categories in real use.
    """
    rng = np.random.default_rng(config.seed)
    idx = np.arange(len(examples))
    if len(idx) > config.calibration_max_rows:
        idx = np.sort(rng.choice(idx, config.calibration_max_rows, replace=False))
    sub_y = y[idx]
    min_count = min(Counter(sub_y.tolist()).values())
    n_folds = min(config.calibration_folds, len(idx) // 2)
    if n_folds < 2:
        return _Calibration(), _Calibration()
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
        clf = _fit_classifier(x_train, y[train_rows], config, exact)
        s = _scores(clf, featurizer, [examples[i] for i in test_rows])
        # Classes missing from the fold's training part are never predicted and add
        # no probability mass, whatever the temperature.
        full = np.full((len(test_rows), n_classes), -np.inf)
        full[:, clf.classes_] = s
        known = {examples[i].merchant for i in train_rows}
        fold_scores.append(full)
        fold_hits.append(full.argmax(axis=1) == y[test_rows])
        fold_seen.append(np.array([examples[i].merchant in known for i in test_rows]))
    if not fold_scores:
        return _Calibration(), _Calibration()
    scores = np.vstack(fold_scores)
    hits = np.concatenate(fold_hits)
    seen = np.concatenate(fold_seen)
    pooled = _fit_calibration(scores, hits)
    seen_cal, new_cal = (
        _fit_calibration(scores[mask], hits[mask])
        if mask.sum() >= config.min_rows_per_calibration
        else pooled
        for mask in (seen, ~seen)
    )
    return seen_cal, new_cal


def _fit_calibration(scores: np.ndarray, hits: np.ndarray) -> _Calibration:
    """Temperature and ceiling minimising the log loss of "was the top label right".

    Top-label calibration, because that is what the confidence promises (rather than
    the full-distribution NLL). The ceiling is needed because a temperature alone
    cannot bend the top end: out of fold on the free-text file, new-merchant rows
    scored >= 0.99 were right 96% of the time, and a single temperature fitted to
    the whole range left them there.
    """
    top_gap = scores.max(axis=1, keepdims=True) - scores

    def loss(params: np.ndarray) -> float:
        log_t, ceiling = params
        top = ceiling / np.exp(-top_gap / math.exp(log_t)).sum(axis=1)
        p = top.clip(1e-6, 1 - 1e-6)
        return float(-np.mean(np.where(hits, np.log(p), np.log1p(-p))))

    log_t_bounds = (math.log(1e-3), math.log(1e4))
    # A 1-D search first: the 2-D fit from a good start avoids flat regions of
    # the temperature (scores that are all far apart).
    start = minimize_scalar(
        lambda log_t: loss(np.array([log_t, 1.0])), bounds=log_t_bounds, method="bounded"
    ).x
    result = minimize(
        loss, x0=np.array([start, 1.0]), bounds=[log_t_bounds, (0.5, 1.0)], method="L-BFGS-B"
    )
    return _Calibration(temperature=float(math.exp(result.x[0])), ceiling=float(result.x[1]))


@dataclass
class TrainedModel:
    """A fitted tier-3 model; pickled whole by save() and restored by load()."""

    featurizer: _Featurizer
    classifier: Classifier
    classes: list[str]
    calibrations: tuple[_Calibration, _Calibration]  # seen merchant, new merchant
    merchants: frozenset[str]
    n_examples: int
    trained_at: datetime.datetime
    version: str
    format_version: int = FORMAT_VERSION
    sklearn_version: str = field(default=sklearn.__version__)

    def predict(self, batch: Sequence[Example]) -> list[Prediction]:
        """Predict a whole batch with one featurisation and one scoring pass."""
        if not batch:
            return []
        scores = _scores(self.classifier, self.featurizer, batch)
        seen = np.fromiter((e.merchant in self.merchants for e in batch), bool, len(batch))
        proba = np.empty_like(scores)
        for mask, calibration in zip((seen, ~seen), self.calibrations, strict=True):
            proba[mask] = calibration.probabilities(scores[mask])
        k = min(TOP_K, proba.shape[1])
        # Partition out the top k, then order just those (a full sort of every row's
        # classes is the slower way to the same answer).
        top_idx = np.argpartition(-proba, k - 1, axis=1)[:, :k]
        top_p = np.take_along_axis(proba, top_idx, axis=1)
        order = np.argsort(-top_p, axis=1, kind="stable")
        top_idx = np.take_along_axis(top_idx, order, axis=1)
        top_p = np.take_along_axis(top_p, order, axis=1)
        classes = self.classes
        # Building ~5 small objects per row would set off repeated full garbage
        # collections that walk the model's large vocabularies (3-4x the cost of the
        # loop itself at 100k rows); nothing here creates reference cycles.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            return [
                Prediction(
                    label=classes[idx_row[0]],
                    probability=p_row[0],
                    top=[(classes[c], p) for c, p in zip(idx_row, p_row, strict=True)],
                )
                for idx_row, p_row in zip(top_idx.tolist(), top_p.tolist(), strict=True)
            ]
        finally:
            if gc_was_enabled:
                gc.enable()

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
    """Training time, size and a hash of the training data: equal data, equal hash."""
    digest = hashlib.sha256()
    for e in examples:
        fields = (e.merchant, e.description, e.amount, e.date, e.label)
        digest.update(("\x1f".join(map(str, fields)) + "\x1e").encode())
    return f"{trained_at:%Y%m%dT%H%M%SZ}-n{len(examples)}-{digest.hexdigest()[:12]}"


def train(
    examples: Sequence[Example],
    *,
    min_examples: int = 30,
    min_classes: int = 2,
    config: ModelConfig | None = None,
) -> TrainedModel | None:
    """Fit the model on labeled examples, or None (abstain) below the minimums.

    Examples without a label are ignored; a classifier needs two classes whatever
    `min_classes` says. `config` defaults to the measured ModelConfig(); it is a
    parameter so the benchmark can sweep it. 100k examples: ~20 s CPU.
    """
    config = config or ModelConfig()
    labeled = [e for e in examples if e.label is not None]
    labels = [str(e.label) for e in labeled]
    classes = sorted(set(labels))
    if len(labeled) < min_examples or len(classes) < max(2, min_classes):
        return None
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[label] for label in labels])
    # The calibration folds use the final model's solver: the temperature is a
    # property of the score scale, which differs between the two solvers.
    exact = len(labeled) <= config.exact_solver_max_rows
    calibrations = _fit_calibrations(labeled, y, len(classes), config, exact)
    featurizer = _Featurizer(config)
    x = featurizer.fit_transform(labeled)
    classifier = _fit_classifier(x, y, config, exact)
    trained_at = datetime.datetime.now(datetime.UTC)
    return TrainedModel(
        featurizer=featurizer,
        classifier=classifier,
        classes=classes,
        calibrations=calibrations,
        merchants=frozenset(e.merchant for e in labeled),
        n_examples=len(labeled),
        trained_at=trained_at,
        version=_version(labeled, trained_at),
    )
