"""Calendar months ("YYYY-MM", as budgets and the summary store them) and report periods."""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """`"2026-11"` -> Month(2026, 11); raises ValueError on anything else."""
        found = _MONTH.match(text or "")
        if not found:
            raise ValueError(f"not a month: {text!r} (use YYYY-MM)")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, day: datetime.date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shift(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def days(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    @property
    def first(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def last(self) -> datetime.date:
        return datetime.date(self.year, self.month, self.days)

    @property
    def label(self) -> str:
        return self.first.strftime("%B %Y")

    @property
    def short(self) -> str:
        return self.first.strftime("%b %Y")

    def through(self, last: Month) -> list[Month]:
        """Every month from this one to `last`, both included."""
        count = (last.year - self.year) * 12 + last.month - self.month + 1
        return [self.shift(i) for i in range(max(count, 0))]


@dataclass(frozen=True)
class Period:
    """Whole months from `first` to `last`: what the summary can answer exactly."""

    key: str
    label: str
    first: Month
    last: Month


PERIODS = [
    ("this_month", "This month"), ("last_month", "Last month"), ("3m", "Last 3 months"),
    ("6m", "Last 6 months"), ("12m", "Last 12 months"), ("ytd", "Year to date"),
    ("last_year", "Last year"),
]


def period(key: str | None, today: datetime.date) -> Period:
    """The named period as of `today`; unknown or missing keys mean this month."""
    now = Month.of(today)
    spans = {
        "this_month": (now, now),
        "last_month": (now.shift(-1), now.shift(-1)),
        "3m": (now.shift(-2), now),
        "6m": (now.shift(-5), now),
        "12m": (now.shift(-11), now),
        "ytd": (Month(now.year, 1), now),
        "last_year": (Month(now.year - 1, 1), Month(now.year - 1, 12)),
    }
    key = key if key in spans else "this_month"
    first, last = spans[key]
    return Period(key, dict(PERIODS)[key], first, last)
