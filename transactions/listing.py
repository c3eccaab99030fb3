"""The Transactions and Trash pages' reading side: filters, sorting, pages, CSV.

Every filter lives in the query string, so a page is bookmarkable and the back
button works. `TransactionFilters.from_query` parses it (a bad value is dropped
with a sentence saying why, never a 500) and `apply` turns it into one
chainable queryset. Pages are read with LIMIT/OFFSET on an ordering that ends
in `id`, fetching one extra row to learn whether a next page exists: a COUNT(*)
over a million filtered rows would cost more than the page itself.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import QueryDict

from accounts.models import SECRET_FIELDS, Account
from categories.models import Category
from transactions import search
from transactions.models import DeletedTransaction, DeleteReason, Source, Status, Transaction
from transactions.related import attach

PAGE_SIZE = 50
MAX_PAGE = 1_000_000
DEFAULT_SORT = "-date"
# Every ordering ends in id, so rows with equal keys keep one order across pages.
SORTS: dict[str, tuple[str, str]] = {
    "date": ("date", "id"),
    "-date": ("-date", "-id"),
    "amount": ("amount", "id"),
    "-amount": ("-amount", "-id"),
    "description": ("description", "id"),
    "-description": ("-description", "-id"),
}
KINDS = {"expense": "Expenses (money out)", "income": "Income (money in)"}
UNCATEGORIZED = "none"
# The columns a row shows (transactions/display.py); building the others cost as much.
ROW_FIELDS = ("id", "account", "date", "description", "merchant_name", "amount", "category",
              "predicted_category", "status", "is_pending", "categorization_tier", "prediction_confidence",
              "possible_duplicate_of", "confirmed_by", "updated_by", "updated_at")
_MONTH = re.compile(r"(\d{4})-(\d{2})\Z")
_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}\Z")


@dataclass(frozen=True)
class TransactionFilters:
    """What the person asked to see, parsed from the URL; empty fields filter nothing."""

    account: int | None = None
    category: int | None = None
    uncategorized: bool = False
    status: str = ""
    source: str = ""
    kind: str = ""
    month: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    q: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1
    errors: tuple[str, ...] = ()

    @classmethod
    def from_query(cls, query: QueryDict) -> TransactionFilters:
        """Parse a GET query; values that do not parse are ignored and explained in `errors`."""
        errors: list[str] = []
        category_text = query.get("category", "").strip()
        values = {
            "account": _positive_int(query.get("account", ""), "account", errors),
            "uncategorized": category_text == UNCATEGORIZED,
            "category": (None if category_text == UNCATEGORIZED
                         else _positive_int(category_text, "category", errors)),
            "status": _choice(query.get("status", ""), Status.values, "status", errors),
            "source": _choice(query.get("source", ""), Source.values, "source", errors),
            "kind": _choice(query.get("kind", ""), KINDS, "kind", errors),
            "month": _month(query.get("month", ""), errors),
            "date_from": _date(query.get("from", ""), "from", errors),
            "date_to": _date(query.get("to", ""), "to", errors),
            "amount_min": _amount(query.get("min", ""), "min", errors),
            "amount_max": _amount(query.get("max", ""), "max", errors),
            "q": query.get("q", "").strip()[:200],
            "sort": query.get("sort", "") if query.get("sort", "") in SORTS else DEFAULT_SORT,
            "page": min(_positive_int(query.get("page", ""), "page", errors) or 1, MAX_PAGE),
        }
        return cls(**values, errors=tuple(errors))

    @property
    def is_filtered(self) -> bool:
        """True when any filter (not sorting or paging) narrows the rows."""
        return bool(
            self.account or self.category or self.uncategorized or self.status or self.source
            or self.kind or self.month or self.date_from or self.date_to
            or self.amount_min is not None or self.amount_max is not None or self.q
        )

    @property
    def params(self) -> QueryDict:
        """The canonical query for these filters (no page, no empty or invalid values).

        Links (sorting, pages, export) are built from it, so URLs stay short and
        never carry a value the page has already said it ignores.
        """
        query = QueryDict(mutable=True)
        pairs = [
            ("q", self.q), ("account", self.account),
            ("category", UNCATEGORIZED if self.uncategorized else self.category),
            ("status", self.status), ("source", self.source), ("kind", self.kind),
            ("month", self.month), ("from", self.date_from), ("to", self.date_to),
            ("min", self.amount_min), ("max", self.amount_max),
            ("sort", self.sort if self.sort != DEFAULT_SORT else ""),
        ]
        for key, value in pairs:
            if value not in (None, ""):
                query[key] = value.isoformat() if isinstance(value, datetime.date) else str(value)
        return query

    @property
    def sort_links(self) -> dict[str, str]:
        """The sort each column header links to: the same column flips direction."""
        return {column: f"-{column}" if self.sort == column else column
                for column in ("date", "amount", "description")}

    def url_query(self, page: int) -> QueryDict:
        """The canonical query of one page of these filters (what the address bar shows)."""
        query = self.params
        if page > 1:
            query["page"] = str(page)
        return query

    def condition(self) -> Q:
        """All filters as one Q (the parent category includes its children; see `search` for text)."""
        where = Q()
        if self.account:
            where &= Q(account_id=self.account)
        if self.category:
            ids = Category.objects.filter(Q(pk=self.category) | Q(parent_id=self.category)).values("pk")
            # A row waiting for review has no category yet and shows its prediction, so it is
            # found by it too; the status term reaches those few rows through its index.
            where &= Q(category__in=ids) | Q(status=Status.PENDING_REVIEW, predicted_category__in=ids)
        if self.uncategorized:
            where &= Q(category__isnull=True, predicted_category__isnull=True)
        if self.status:
            where &= Q(status=self.status)
        if self.source:
            where &= Q(source=self.source)
        if self.kind == "expense":
            where &= Q(amount__gt=0)
        elif self.kind == "income":
            where &= Q(amount__lt=0)
        if self.month:
            first = datetime.date(int(self.month[:4]), int(self.month[5:]), 1)
            following = (first + datetime.timedelta(days=32)).replace(day=1)
            where &= Q(date__gte=first, date__lt=following)
        if self.date_from:
            where &= Q(date__gte=self.date_from)
        if self.date_to:
            where &= Q(date__lte=self.date_to)
        # The range is on the size of the amount, money out or in alike.
        if self.amount_min is not None:
            where &= Q(amount__gte=self.amount_min) | Q(amount__lte=-self.amount_min)
        if self.amount_max is not None:
            where &= Q(amount__lte=self.amount_max, amount__gte=-self.amount_max)
        if self.q:
            where &= search.matching(self.q)
        return where

    def apply(self, queryset: QuerySet[Transaction] | None = None) -> QuerySet[Transaction]:
        """The filtered, sorted rows."""
        base = Transaction.objects.all() if queryset is None else queryset
        return base.filter(self.condition()).order_by(*SORTS[self.sort])


def _positive_int(text: str, name: str, errors: list[str]) -> int | None:
    text = text.strip()
    if not text:
        return None
    if text.isdigit() and int(text) > 0:
        return int(text)
    errors.append(f"Ignored {name}={text[:30]!r}: expected a whole number.")
    return None


def _choice(text: str, allowed, name: str, errors: list[str]) -> str:
    text = text.strip()
    if text and text not in allowed:
        errors.append(f"Ignored {name}={text[:30]!r}: not one of the choices.")
        return ""
    return text


def _month(text: str, errors: list[str]) -> str:
    text = text.strip()
    if not text:
        return ""
    match = _MONTH.match(text)
    if match and 1 <= int(match[2]) <= 12 and int(match[1]) >= 1:
        return text
    errors.append(f"Ignored month={text[:30]!r}: expected a month like 2026-10.")
    return ""


def _date(text: str, name: str, errors: list[str]) -> datetime.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        errors.append(f"Ignored {name}={text[:30]!r}: expected a date like 2026-10-31.")
        return None


def _amount(text: str, name: str, errors: list[str]) -> Decimal | None:
    text = text.strip().replace(",", "").lstrip("$")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or abs(value) >= Decimal("1e10"):
        errors.append(f"Ignored {name}={text[:30]!r}: expected an amount like 12.50.")
        return None
    return abs(value).quantize(Decimal("0.01"))


def page_number(query: QueryDict) -> int:
    """The `page` of a query, 1 when absent or not a positive whole number."""
    return min(_positive_int(query.get("page", ""), "page", []) or 1, MAX_PAGE)


@dataclass
class Page:
    """One page of rows and whether there are more, learned without counting them all."""

    rows: list
    number: int
    size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.size + len(self.rows)


def page_of(queryset: QuerySet, number: int, size: int = PAGE_SIZE,
            load: Callable[[list[int]], Iterable] | None = None) -> Page:
    """Rows of page `number` (from 1) by LIMIT size+1 OFFSET; the extra row only says "more".

    Two queries: the page's ids first, filtered, sorted and skipped over on the
    narrow table alone (an index often covers it), then those rows by primary
    key with whatever `load` joins in. Sorting and skipping whole joined rows
    was 10x slower at a million rows.
    """
    number = max(number, 1)
    offset = (number - 1) * size
    ids = list(queryset.values_list("pk", flat=True)[offset:offset + size + 1])
    wanted = ids[:size]
    load = load or (lambda pks: queryset.model._default_manager.filter(pk__in=pks))
    by_id = {row.pk: row for row in (load(wanted) if wanted else [])}
    return Page(rows=[by_id[pk] for pk in wanted if pk in by_id], number=number, size=size,
                has_next=len(ids) > size)


@dataclass(frozen=True)
class Chip:
    """How a row's category is shown: the true one, else the prediction marked as such."""

    label: str
    color: str
    predicted: bool
    title: str = ""


def chip_for(txn: Transaction) -> Chip | None:
    category = txn.category or txn.predicted_category
    if category is None:
        return None
    color = category.color or (category.parent.color if category.parent_id and category.parent else "")
    if txn.category_id:
        return Chip(category.display_name, safe_color(color), False, str(category))
    how = txn.get_categorization_tier_display() or "the engine"
    sure = f", {txn.prediction_confidence:.0%} sure" if txn.prediction_confidence is not None else ""
    return Chip(category.display_name, safe_color(color), True, f"Predicted by {how}{sure}: {category}")


def with_chips(rows: Iterable[Transaction]) -> list[Transaction]:
    """Attach `chip` to each row (the template cannot call functions with arguments)."""
    rows = list(rows)
    for txn in rows:
        txn.chip = chip_for(txn)
    return rows


def safe_color(color: str) -> str:
    """Only a hex color reaches a style attribute."""
    return color if color and _COLOR.match(color) else ""


@dataclass
class CategoryGroup:
    parent: Category
    children: list[Category] = field(default_factory=list)


def category_groups() -> list[CategoryGroup]:
    """Parents with their children, by name, read in one query (for selects and filters)."""
    groups: dict[int, CategoryGroup] = {}
    children: list[Category] = []
    for category in Category.objects.order_by("display_name", "pk"):
        if category.parent_id is None:
            groups[category.pk] = CategoryGroup(category)
        else:
            children.append(category)
    for child in children:
        group = groups.get(child.parent_id)
        if group is not None:
            child.parent = group.parent
            group.children.append(child)
    return list(groups.values())


def accounts() -> QuerySet[Account]:
    """Accounts for the filter and entry forms, without their Plaid secrets."""
    return Account.objects.without_secrets()


def rows_by_id(ids: list[int], groups: list[CategoryGroup] | None = None,
               accounts: list[Account] | None = None) -> list[Transaction]:
    """Rows as the list shows them (with their chip), in no particular order.

    Their accounts, categories and people are attached (transactions/related.py);
    given the page's category groups and accounts (read anyway for the selects),
    rows take theirs from them.
    """
    rows = list(Transaction.objects.filter(pk__in=ids).only(*ROW_FIELDS).order_by())
    known = [c for g in groups or () for c in (g.parent, *g.children)]
    attach(rows, ("account",), Account.objects.without_secrets(), accounts or ())
    attach(rows, ("category", "predicted_category"), Category.objects.select_related("parent"), known)
    attach(rows, ("confirmed_by", "updated_by"), get_user_model().objects.all())
    return with_chips(rows)


def row(pk: int) -> Transaction:
    """One row as the list shows it (after an inline edit); raises DoesNotExist."""
    found = rows_by_id([pk])
    if not found:
        raise Transaction.DoesNotExist(f"no transaction {pk}")
    return found[0]


def selected(ids: Iterable[str]) -> QuerySet[Transaction]:
    """The rows ticked for a bulk action; ids that are not numbers are ignored."""
    return Transaction.objects.filter(pk__in=_ints(ids))


def _ints(values: Iterable[str]) -> list[int]:
    return [int(v) for v in values if str(v).strip().isdigit()][:10_000]


def undoable(values: Iterable[str]) -> list[int]:
    """The DeletedTransaction ids an Undo button may restore: deletions by a person only
    (a reverted import is restored from the Import page, which also clears its mark)."""
    return list(DeletedTransaction.objects.filter(pk__in=_ints(values), reason=DeleteReason.USER)
                .values_list("pk", flat=True))


def trash() -> QuerySet[DeletedTransaction]:
    """What people deleted (not reverted imports or bank removals), newest first."""
    return DeletedTransaction.objects.filter(reason=DeleteReason.USER).order_by("-deleted_at", "-id")


def deleted_by_id(ids: list[int]) -> list[DeletedTransaction]:
    """Trash rows as the Trash shows them, with who deleted each."""
    return list(DeletedTransaction.objects.filter(pk__in=ids).select_related("deleted_by"))


CSV_COLUMNS = ["date", "account", "description", "merchant", "amount", "category", "status", "source"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?\Z")


def neutralize(value: str, *, number: bool = False) -> str:
    """Keep a spreadsheet from running a cell as a formula (CSV injection).

    A cell starting with = + - @ tab or CR gets a leading single quote, except a
    plain number in a numeric column (-12.34 stays a number).
    """
    if number and _PLAIN_NUMBER.match(value):
        return value
    return f"'{value}" if value.startswith(_FORMULA_START) else value


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def csv_lines(queryset: QuerySet[Transaction]) -> Iterator[str]:
    """The header and one line per row, read in chunks so memory stays flat."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    joined = queryset.select_related("account", "category__parent").defer(
        *(f"account__{name}" for name in SECRET_FIELDS))
    for t in joined.iterator(chunk_size=2000):
        yield writer.writerow([
            t.date.isoformat(),
            neutralize(str(t.account)),
            neutralize(t.description),
            neutralize(t.merchant_name or ""),
            neutralize(str(t.amount), number=True),
            neutralize(str(t.category) if t.category_id else ""),
            t.status,
            t.source,
        ])
