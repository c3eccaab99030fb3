"""The portfolio page (and the dashboard's net worth) with 200 securities and 10 years of daily closes.

200 held securities across 4 investment accounts, each with a close for every
weekday of the last ten years (about 520,000 prices) from a provider, plus a
second source on recent days: the page values each holding from the latest
two closes, so its time should not grow with the history. Prices go in with
raw executemany (a read bench). Server time p95 over 200 requests.
"""

from __future__ import annotations

import datetime
import random

from bench.harness import latency, logged_in_client, report, setup_django

SECURITIES = 200
YEARS = 10


def _load() -> int:
    from django.core.management import call_command
    from django.db import connections

    from accounts.models import Account, AccountType
    from investments.models import Holding, Security, SecurityType

    call_command("migrate", database="investments", verbosity=0, interactive=False)
    accounts = [Account.objects.create(name=f"Brokerage {n}", institution="Bench", mask=f"{n:04d}",
                                       account_type=AccountType.INVESTMENT) for n in range(4)]
    rng = random.Random(9)
    kinds = [SecurityType.EQUITY, SecurityType.ETF, SecurityType.MUTUAL_FUND, SecurityType.BOND]
    securities = Security.objects.bulk_create([
        Security(ticker=f"B{n:03d}", name=f"Bench security {n}", security_type=kinds[n % len(kinds)])
        for n in range(SECURITIES)])
    today = datetime.date.today()
    Holding.objects.bulk_create([
        Holding(account_id=accounts[n % 4].pk, security=s, quantity=rng.randrange(1, 500),
                cost_basis=rng.randrange(100, 50_000), as_of=today, source="manual")
        for n, s in enumerate(securities)])
    start = today - datetime.timedelta(days=365 * YEARS)
    weekdays = [start + datetime.timedelta(days=d) for d in range((today - start).days + 1)
                if (start + datetime.timedelta(days=d)).weekday() < 5]
    rows = []
    for s in securities:
        price = rng.uniform(10, 500)
        for day in weekdays:
            price = max(1.0, price * (1 + rng.gauss(0.0003, 0.015)))
            rows.append((s.pk, day.isoformat(), f"{price:.4f}", "yahoo"))
        rows += [(s.pk, day.isoformat(), f"{price:.4f}", "plaid") for day in weekdays[-5:]]
    with connections["investments"].cursor() as cursor:
        cursor.executemany("INSERT INTO investments_price (security_id, date, close, source) "
                           "VALUES (%s, %s, %s, %s)", rows)
    return len(rows)


def main() -> None:
    setup_django()
    from django.contrib.auth import get_user_model

    prices = _load()
    report("portfolio_prices_loaded", prices, "rows", securities=SECURITIES, years=YEARS)
    user = get_user_model().objects.create_superuser("bench", "b@example.com", "bench-pass-1")
    client = logged_in_client(user)
    latency("portfolio_p95", lambda: client.get("/investments/"), securities=SECURITIES, prices=prices)
    latency("portfolio_fragment_p95", lambda: client.get("/investments/", HTTP_HX_REQUEST="true"),
            securities=SECURITIES, prices=prices)
    latency("dashboard_with_investments_p95", lambda: client.get("/"), n=50, securities=SECURITIES,
            prices=prices)


if __name__ == "__main__":
    main()
