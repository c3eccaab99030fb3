"""plaid_sync_20k and plaid_incremental_100: the real plaid-python client against the fake
Plaid server on 127.0.0.1, through the whole sync (pages, ingest, cursor, balances).

plaid_sync_20k: 20,000 transactions over 3 accounts into an empty ledger, in
seconds (target < 5 s), with rows/s; `fetch_s` is the pages alone (the
network and JSON share), measured first in the same run.
plaid_incremental_100: an incremental sync of 100 changes (60 added, 25
modified, 15 removed), median of 5 rounds in ms (target < 200 ms).
"""

import statistics
import time

from bench.harness import generated_rows, report, setup_django

ROWS = 20_000
ROUNDS = 5


def main() -> None:
    setup_django()
    from django.conf import settings

    from accounts import plaid_gateway as gateway
    from accounts.sync import _pages, link_item, sync_item
    from tests.fakes.plaid_server import FakePlaid
    from transactions.models import Transaction

    with FakePlaid() as fake:
        settings.PLAID_CLIENT_ID, settings.PLAID_SECRET = fake.client_id, fake.secret
        settings.PLAID_API_HOST = fake.url
        item = fake.add_item()
        link = link_item(public_token=fake.public_token_for(item), institution_id=item.institution_id)
        for i, (day, description, amount) in enumerate(generated_rows(ROWS, seed=11)):
            item.add(account=i % 3, amount=float(amount), date=day.isoformat(), name=description)

        access_token = link.accounts[0].plaid_access_token
        start = time.perf_counter()
        fetched = _pages(access_token, link.accounts[0].plaid_cursor or "")
        fetch_s = time.perf_counter() - start

        start = time.perf_counter()
        result = sync_item(item.item_id)
        elapsed = time.perf_counter() - start
        assert result.added == ROWS == len(fetched.latest), result
        report("plaid_sync_20k", elapsed, "s", rows=ROWS, rows_per_s=round(ROWS / elapsed),
               fetch_s=round(fetch_s, 3), pages=-(-ROWS // gateway.SYNC_PAGE_SIZE), target_s=5)

        samples = []
        for round_ in range(ROUNDS):
            live = list(item.truth())
            for n in range(60):
                item.add(account=n % 3, amount=4.25 + n, date="2026-11-01", name=f"NEW SHOP {round_}-{n}")
            for txn_id in live[round_ * 40:round_ * 40 + 25]:
                item.modify(txn_id, amount=77.77)
            for txn_id in live[round_ * 40 + 25:round_ * 40 + 40]:
                item.remove(txn_id)
            start = time.perf_counter()
            result = sync_item(item.item_id)
            samples.append((time.perf_counter() - start) * 1000)
            assert (result.added, result.modified, result.removed) == (60, 25, 15), result
        assert Transaction.objects.count() == len(item.truth())
        report("plaid_incremental_100", statistics.median(samples), "ms", changes=100,
               min_ms=round(min(samples), 1), max_ms=round(max(samples), 1), rounds=ROUNDS,
               target_ms=200)


if __name__ == "__main__":
    main()
