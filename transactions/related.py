"""Giving rows their related objects from a few small reads instead of joins.

A page of a hundred transactions points at a handful of accounts, categories
and people. Joining them made the database return, and Django build, a copy of
the account (twenty columns, three dates to parse) for every row: more time
than the rest of the page. Reading each distinct object once is cheaper.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import Model, QuerySet


def attach(rows: Sequence[Model], relations: Sequence[str], queryset: QuerySet,
           known: Iterable[Model] = ()) -> None:
    """Set each row's `relations` (foreign keys to `queryset`'s model) from `known`, reading
    the objects it lacks in one query. A category made since `known` was read is among those."""
    by_id = {obj.pk: obj for obj in known}
    wanted = {getattr(row, f"{r}_id") for row in rows for r in relations} - by_id.keys() - {None}
    if wanted:
        by_id.update(queryset.in_bulk(wanted))
    for row in rows:
        for relation in relations:
            related = by_id.get(getattr(row, f"{relation}_id"))
            if related is not None:
                setattr(row, relation, related)
