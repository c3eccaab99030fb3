"""Review queue and transactions pages with 1M transactions (5k pending): server time p50/p95."""

import datetime

from bench.harness import bulk_transactions, latency, logged_in_client, report, setup_django


def main() -> None:
    setup_django()
    from django.contrib.auth import get_user_model

    from transactions.models import Status, Transaction

    bulk_transactions(995_000, status="confirmed", years=10)
    bulk_transactions(5_000, status="pending_review", seed=11, years=1)
    user = get_user_model().objects.create_superuser("bench", "b@example.com", "bench-pass-1")
    client = logged_in_client(user)
    htmx = logged_in_client(user, HTTP_HX_REQUEST="true")
    month = (datetime.date.today().replace(day=1) - datetime.timedelta(days=200)).strftime("%Y-%m")
    rows = 1_000_000
    latency("review_page_p95", lambda: client.get("/review/"), n=100, rows=rows, pending=5000)
    latency("transactions_first_page_p95", lambda: client.get("/transactions/"), n=100, rows=rows)
    latency("transactions_month_p95", lambda: client.get(f"/transactions/?month={month}"), n=100,
            rows=rows)
    latency("transactions_search_p95", lambda: client.get("/transactions/?q=blue+bottle"), n=50,
            rows=rows)
    latency("transactions_page_500_p95", lambda: client.get("/transactions/?page=500"), n=50, rows=rows)

    pending = iter(Transaction.objects.filter(status=Status.PENDING_REVIEW)
                   .values_list("pk", flat=True)[:400])
    latency("review_accept_p95", lambda: htmx.post(f"/review/{next(pending)}/accept"), n=100, warmup=5,
            rows=rows)
    saves = []

    def accept_and_save():
        htmx.post(f"/review/{next(pending)}/accept")
        start = datetime.datetime.now()
        htmx.post("/review/save")
        saves.append((datetime.datetime.now() - start).total_seconds() * 1000)

    for _ in range(20):
        accept_and_save()
    saves.sort()
    report("review_save_p95", saves[int(0.95 * (len(saves) - 1))], "ms", p50=round(saves[len(saves) // 2], 3),
           n=len(saves), rows=rows)


if __name__ == "__main__":
    main()
