"""load_mixed: 20 people browsing and confirming against `manage.py serve` while a
20k-row CSV import and a Plaid sync run, on SQLite and (when Debian's server
binaries are installed) on a throw-away PostgreSQL cluster.

Each database gets a fresh data home seeded with 30k confirmed and 2k pending
transactions and a linked bank on the fake Plaid server. The server runs in
its own process on a free loopback port (scheduler off); 20 client threads,
each with its own session cookie and CSRF token, open the dashboard, review
queue, transactions (first and deeper pages), budgets and insights, and
accept-and-save review rows; meanwhile `manage.py import_transactions` loads
the CSV and `manage.py sync` pulls 5k transactions from the fake, both in
subprocesses. One JSON line per database: requests/s as the value, p50/p95
latency, the count of 5xx answers and of "database is locked" anywhere (in
answers or in any process's output; target 0 and 0), the import and sync
times, and `lost`: rows the ledger should hold but does not (target 0).
"""

from __future__ import annotations

import csv
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.harness import generated_rows, report

CLIENTS = 20
SEEDED = 30_000
PENDING = 2_000
IMPORT_ROWS = 20_000
PLAID_ROWS = 5_000
MIN_SECONDS = 20.0
ROOT = Path(__file__).resolve().parent.parent
LOCKED = "database is locked"
PAGES = ["/", "/review/", "/transactions/", "/transactions/?page=40", "/budgets/", "/insights/"]


# -- in a subprocess, with Django set up against the scenario's database ------------------

def seed() -> None:
    """Migrate, seed, load the ledger, and print the clients' session keys and review rows."""
    from bench.harness import bulk_transactions, setup_django

    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from transactions.models import Status, Transaction

    bulk_transactions(SEEDED, status="confirmed", years=3)
    bulk_transactions(PENDING, status="pending_review", seed=11, years=1)
    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "bench-pass-1")
    sessions = []
    for _ in range(CLIENTS):
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    pending = list(Transaction.objects.filter(status=Status.PENDING_REVIEW).values_list("pk", flat=True))
    print(json.dumps({"sessions": sessions, "pending": pending}))


def verify() -> None:
    """Print what the ledger holds after the run."""
    import django

    django.setup()
    from transactions.models import CONFIRMED_STATUSES, Source, Transaction

    rows = Transaction.objects
    print(json.dumps({
        "total": rows.count(), "plaid": rows.filter(source=Source.PLAID).count(),
        "confirmed_ids": list(rows.filter(status__in=CONFIRMED_STATUSES).values_list("pk", flat=True)),
    }))


# -- the orchestrator -----------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _csv(path: Path) -> None:
    """A Chase-card export of IMPORT_ROWS rows, none of them already in the ledger."""
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["Transaction Date", "Post Date", "Description", "Category", "Type", "Amount",
                         "Memo"])
        for i, (day, description, amount) in enumerate(generated_rows(IMPORT_ROWS, seed=23, years=1)):
            stamp = day.strftime("%m/%d/%Y")
            writer.writerow([stamp, stamp, f"{description} {i}", "Shopping", "Sale", f"{-amount:.2f}", ""])


class _Browser(threading.Thread):
    """One person: a keep-alive connection, a session cookie, a CSRF token, a random walk."""

    def __init__(self, port: int, session: str, pending: list[int], stop: threading.Event, seed: int):
        super().__init__(daemon=True)
        self.port, self.session, self.pending, self.stop = port, session, pending, stop
        self.rng = random.Random(seed)
        self.samples: list[tuple[str, float]] = []
        self.statuses: dict[int, int] = {}
        self.locked = 0
        self.confirmed: list[int] = []
        self.csrf = ""
        self.failure = ""

    def _request(self, method: str, path: str, *, htmx: bool = False) -> tuple[int, str]:
        page = re.sub(r"/\d+/", "/N/", path.split("?")[0]) + ("?page" if "page=" in path else "")
        headers = {"Cookie": f"sessionid={self.session}; csrftoken={self.csrf}",
                   "Host": f"127.0.0.1:{self.port}"}
        if method == "POST":
            headers.update({"X-CSRFToken": self.csrf, "Content-Length": "0"})
        if htmx:
            headers["HX-Request"] = "true"
        start = time.perf_counter()
        try:
            self.conn.request(method, path, headers=headers)
            response = self.conn.getresponse()
            body = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.conn.close()  # reconnects on the next request
            self.statuses[0] = self.statuses.get(0, 0) + 1
            return 0, ""
        self.samples.append((page, (time.perf_counter() - start) * 1000))
        self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
        self.locked += body.count(LOCKED)
        if not self.csrf:
            cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")
            self.csrf = cookie.group(1) if cookie else ""
        return response.status, body

    def run(self) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        self._request("GET", "/")
        if not self.csrf:
            self.failure = "no CSRF cookie on the dashboard"
            return
        while not self.stop.is_set():
            if self.pending and self.rng.random() < 0.25:
                pk = self.pending.pop()
                accepted, _ = self._request("POST", f"/review/{pk}/accept", htmx=True)
                saved, _ = self._request("POST", "/review/save", htmx=True)
                if accepted == saved == 200:
                    self.confirmed.append(pk)
            else:
                self._request("GET", self.rng.choice(PAGES))
        self.conn.close()


def _manage(env: dict, *args: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


def _run(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _wait_until_serving(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"serve exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/health", headers={"Host": f"127.0.0.1:{port}"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("serve did not answer /health within 120 s")


def _p95(ordered: list[float]) -> float:
    return round(ordered[int(0.95 * (len(ordered) - 1))], 1)


def scenario(database: str, home: Path, db_env: dict[str, str]) -> None:
    from tests.fakes.plaid_server import FakePlaid

    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "INVESTMENTS_DATABASE_URL")}
    with FakePlaid() as fake:
        env = {**base, **db_env, "BUDGET_HOME": str(home), "DJANGO_SETTINGS_MODULE": "budgetsite.settings",
               "BUDGET_RUN_SCHEDULER": "false", "PLAID_CLIENT_ID": fake.client_id,
               "PLAID_SECRET": fake.secret, "PLAID_API_HOST": fake.url}
        seeded = json.loads(_run(env, "-m", "bench.bench_load_mixed", "seed").strip().splitlines()[-1])
        _run(env, "manage.py", "plaid_connect", "--sandbox", "--institution", "ins_109508")
        (item,) = fake.items.values()
        for i, (day, description, amount) in enumerate(generated_rows(PLAID_ROWS, seed=31, years=1)):
            item.add(account=i % 3, amount=float(amount), date=day.isoformat(), name=f"{description} P{i}")
        before = json.loads(_run(env, "-m", "bench.bench_load_mixed", "verify").strip().splitlines()[-1])
        csv_path = home / "load.csv"
        _csv(csv_path)

        port = _free_port()
        logs = {name: home / f"{name}.log" for name in ("serve", "import", "sync")}
        server = _manage(env, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-scheduler",
                         log=logs["serve"])
        try:
            _wait_until_serving(port, server)
            stop = threading.Event()
            pending = seeded["pending"]
            share = -(-len(pending) // CLIENTS)
            browsers = [_Browser(port, session, pending[i * share:(i + 1) * share], stop, seed=i)
                        for i, session in enumerate(seeded["sessions"])]
            start = time.perf_counter()
            for browser in browsers:
                browser.start()
            time.sleep(1.0)  # everyone browsing before the writers start
            started = time.perf_counter()
            writers = {
                "import": _manage(env, "import_transactions", str(csv_path), "--account", "Discover Card",
                                  "--format", "chase_card", log=logs["import"]),
                "sync": _manage(env, "sync", log=logs["sync"]),
            }
            took = {}
            while len(took) < len(writers):
                for name, proc in writers.items():
                    if name not in took and proc.poll() is not None:
                        took[name] = time.perf_counter() - started
                time.sleep(0.1)
            time.sleep(max(0.0, MIN_SECONDS - (time.perf_counter() - start)))
            stop.set()
            for browser in browsers:
                browser.join(300)
            elapsed = time.perf_counter() - start
        finally:
            server.terminate()
            server.wait(30)
        after = json.loads(_run(env, "-m", "bench.bench_load_mixed", "verify").strip().splitlines()[-1])

    failures = [b.failure for b in browsers if b.failure]
    if failures:
        raise SystemExit(f"load_mixed ({database}): {failures[0]}")
    samples = sorted(ms for b in browsers for _, ms in b.samples)
    by_page: dict[str, list[float]] = {}
    for browser in browsers:
        for page, ms in browser.samples:
            by_page.setdefault(page, []).append(ms)
    p95_by_page = {page: _p95(sorted(v)) for page, v in sorted(by_page.items())}
    statuses: dict[str, int] = {}
    for browser in browsers:
        for status, count in browser.statuses.items():
            statuses[str(status)] = statuses.get(str(status), 0) + count
    outputs = {name: path.read_text(errors="replace") for name, path in logs.items()}
    locked = sum(b.locked for b in browsers) + sum(text.count(LOCKED) for text in outputs.values())
    confirmed = {pk for b in browsers for pk in b.confirmed}
    expected_total = before["total"] + IMPORT_ROWS + PLAID_ROWS
    lost = max(0, expected_total - after["total"]) + len(confirmed - set(after["confirmed_ids"]))
    report(
        "load_mixed", len(samples) / elapsed, "req/s", database=database, clients=CLIENTS,
        p50_ms=round(samples[len(samples) // 2], 1), p95_ms=_p95(samples),
        requests=len(samples), errors_5xx=sum(n for s, n in statuses.items() if s.startswith("5")),
        database_locked=locked, lost=lost, statuses=statuses, confirmed=len(confirmed),
        p95_by_page=p95_by_page,
        seconds=round(elapsed, 1), import_s=round(took["import"], 1), sync_s=round(took["sync"], 1),
        import_exit=writers["import"].returncode, sync_exit=writers["sync"].returncode,
        import_rows=IMPORT_ROWS, plaid_rows=PLAID_ROWS, seeded=SEEDED + PENDING,
        target_5xx=0, target_locked=0,
    )
    if locked or statuses.keys() - {"200"}:
        errors = re.findall(r"^\S+ \S+ ERROR .*?(?=^\d{4}-\d\d-\d\d |\Z)", outputs["serve"], re.M | re.S)
        print(f"load_mixed ({database}): server errors:\n" + "".join(errors)[-6000:], file=sys.stderr)
    for name, proc in writers.items():
        if proc.returncode:
            print(f"load_mixed ({database}): {name} exited {proc.returncode}:\n{outputs[name][-3000:]}",
                  file=sys.stderr)


def main() -> None:
    from tests import pgcluster

    wanted = os.environ.get("BENCH_LOAD_DATABASES", "sqlite,postgresql").split(",")
    if "sqlite" in wanted:
        scenario("sqlite", Path(os.environ["BUDGET_HOME"]), {})
    if "postgresql" not in wanted:
        return
    if not pgcluster.available():
        print(json.dumps({"bench": "load_mixed", "database": "postgresql",
                          "skipped": f"no PostgreSQL server binaries in {pgcluster.PG_BIN}"}), flush=True)
        return
    with tempfile.TemporaryDirectory(prefix="budget-bench-pg-") as home, \
            pgcluster.throwaway_cluster() as urls:
        scenario("postgresql", Path(home), urls)


if __name__ == "__main__":
    {"seed": seed, "verify": verify}.get(sys.argv[1] if len(sys.argv) > 1 else "", main)()
