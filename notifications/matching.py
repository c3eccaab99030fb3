"""What a reply line means: accept the prediction, a category, or nothing sure.

Names match on display name, short_desc or "Parent Child", ignoring case,
accents and punctuation ("food & dining" = "Food Dining"); then on the words
of a name ("coffee" = "Coffee shops" when no other category has that word);
then fuzzily (rapidfuzz) for typos, only when one category clearly wins. A
reply that could mean two categories is never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from categories.models import Category

ACCEPT = {"ok", "okay", "k", "yes", "y", "yep", "yeah", "yup", "accept", "correct", "right", "confirm",
          "sure", "fine", "agreed"}
_POLITE = {"thanks", "thank", "you", "please", "thx", "ty", "that", "s", "right", "fine", "good",
           "is", "its", "it"}
FUZZY_SCORE = 85
FUZZY_MARGIN = 6
_LINE = re.compile(r"^(?:line|no\.?|nr\.?)?\s*#?\s*(\d{1,4})\s*(?:[.:)\-=]|\s)\s*(.*)$", re.I)


def normalized(text: str) -> str:
    """Lowercase ASCII words: accents, punctuation and 'and' dropped."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", " ", ascii_text.replace("_", " ")).split()
    return " ".join(w for w in words if w != "and")


def accepts_all(text: str) -> bool:
    """`"all OK"`, `"OK to all"`, `"yes, all"`: accept every prediction of a digest."""
    words = [w for w in normalized(text).split() if w not in ("to", "for", "of", "them", "the")]
    return "all" in words and len(words) == 2 and any(w in ACCEPT for w in words)


def split_line_number(text: str) -> tuple[int | None, str]:
    """`"2 Groceries"`, `"#2: OK"`, `"line 2 - ok"` -> (2, rest); else (None, text)."""
    found = _LINE.match(text.strip())
    if not found:
        bare = text.strip().lstrip("#")
        return (int(bare), "") if bare.isdigit() and len(bare) <= 4 else (None, text)
    return int(found.group(1)), found.group(2).strip()


@dataclass
class Choice:
    """`kind` is "accept", "category", "ambiguous" (`closest` are the candidates) or
    "unclear" (`closest` are suggestions)."""

    kind: str
    text: str
    category: Category | None = None
    closest: list[Category] = field(default_factory=list)


class CategoryMatcher:
    """Every category's names, loaded once per batch of replies."""

    def __init__(self) -> None:
        self.categories = {c.pk: c for c in Category.objects.select_related("parent")}
        self.keys: dict[str, set[int]] = {}
        for category in self.categories.values():
            names = {category.display_name, category.short_desc}
            if category.parent_id:
                names.add(f"{category.parent.display_name} {category.display_name}")
            for name in names:
                key = normalized(name)
                if key:
                    self.keys.setdefault(key, set()).add(category.pk)

    def _prefer_leaves(self, ids: set[int]) -> set[int]:
        leaves = {pk for pk in ids if self.categories[pk].parent_id}
        parents_of_leaves = {self.categories[pk].parent_id for pk in leaves}
        return {pk for pk in ids if pk not in parents_of_leaves} or ids

    def _decided(self, text: str, ids: set[int]) -> Choice:
        ids = self._prefer_leaves(ids)
        found = sorted((self.categories[pk] for pk in ids), key=lambda c: c.display_name)
        if len(found) == 1:
            return Choice("category", text, category=found[0])
        return Choice("ambiguous", text, closest=found)

    def match(self, text: str) -> Choice:
        key = normalized(text)
        words = key.split()
        if not words:
            return Choice("unclear", text, closest=self.closest(text))
        if words[0] in ACCEPT and all(w in _POLITE or w in ACCEPT for w in words[1:]):
            return Choice("accept", text)
        if key in self.keys:
            return self._decided(text, set(self.keys[key]))
        containing = {pk for name, ids in self.keys.items() if set(words) <= set(name.split())
                      for pk in ids}
        if containing:
            return self._decided(text, containing)
        return self._fuzzy(text, key)

    def _fuzzy(self, text: str, key: str) -> Choice:
        best: dict[int, float] = {}
        for name, score, _ in process.extract(key, list(self.keys), scorer=fuzz.ratio, limit=12):
            for pk in self.keys[name]:
                best[pk] = max(best.get(pk, 0), score)
        ranked = sorted(best.items(), key=lambda item: -item[1])
        if ranked and ranked[0][1] >= FUZZY_SCORE:
            close = {pk for pk, score in ranked if score > ranked[0][1] - FUZZY_MARGIN}
            return self._decided(text, close)
        return Choice("unclear", text, closest=self.closest(text))

    def closest(self, text: str, limit: int = 5) -> list[Category]:
        """The categories whose names look most like `text`, best first."""
        key = normalized(text)
        if not key:
            return []
        ranked: list[Category] = []
        for name, _, _ in process.extract(key, list(self.keys), scorer=fuzz.WRatio, limit=limit * 3):
            for pk in sorted(self.keys[name]):
                if self.categories[pk] not in ranked:
                    ranked.append(self.categories[pk])
        return ranked[:limit]
