"""/api/stats and the dashboard: server time over 200 requests with 100k transactions."""

from bench.harness import bulk_transactions, latency, logged_in_client, setup_django


def main() -> None:
    setup_django()
    from django.contrib.auth import get_user_model

    bulk_transactions(95_000, status="confirmed")
    bulk_transactions(5_000, status="pending_review", seed=8)
    user = get_user_model().objects.create_superuser("bench", "b@example.com", "bench-pass-1")
    client = logged_in_client(user)
    latency("stats_p95", lambda: client.get("/api/stats"), rows=100_000)
    latency("dashboard_p95", lambda: client.get("/"), rows=100_000)


if __name__ == "__main__":
    main()
