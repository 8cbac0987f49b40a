"""http_payment: payments per second posted over HTTP by 8 logged-in clerks through gunicorn.

The whole request path a counter clerk's browser takes: gunicorn (2 workers x 4
threads, ``--preload``, loopback only), every middleware (sessions saved on every request,
CSRF, authentication, CSP, axes, history), the real payment form and its
one-time token. Set-up (not timed): an open business day, 8 clerks each with an
open drawer (``payments.services.drawer_open``), ``ACCOUNTS`` accounts each
owing a month's charges. Each clerk is a thread with its own ``requests``
session that signs in through ``/login/`` (CSRF cookie and token), then, for
``DURATION`` seconds, loops as the counter's page does: one htmx POST of a cash
payment for a random account with every field of the form as a browser sends
it, answered with the receipt panel and the next form (a fresh one-time token,
so the take page is read only once). A payment counts when the answer names
its receipt in ``HX-Push-Url``. Each step's p95 goes to ``bench/out/``. Afterwards the database must
hold exactly one payment, one journal transaction and one used form token per
receipt seen (no lost and no double posts), and ``verify_ledger`` must pass.

Django runs with ``billing_site.settings.base`` and DEBUG off: the production
settings add only TLS (HTTPS redirect, secure cookies, HSTS), which the TLS
proxy in front of gunicorn handles and which plain loopback HTTP cannot carry.

Baseline: pgbench's tpcb-like TPS with 8 clients on the same server in the same
run (``bench.ledger_posting.pgbench_tps``), measured after gunicorn stopped.
Target: ratio >= 0.03 (about 2.7 ms of total CPU per payment would be needed for
0.25 on 2 cores, which this Django stack cannot reach: docs/bench.md).
"""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bench.common import (
    OUT,
    ROOT,
    Result,
    database_url,
    log,
    percentile,
    recreate_database,
    setup_django,
)

DATABASE = "billing_bench_http"
CLERKS = 8
ACCOUNTS = 300
DURATION = 10.0
MAX_PAYMENTS_PER_CLERK = 5_000  # a bound on the loop whatever the clock says
REQUEST_TIMEOUT = 30.0
PASSWORD = "Bench-counter-9137"  # a throw-away user in a throw-away database
GUNICORN_WORKERS = 2
GUNICORN_THREADS = 4

_FORM = re.compile(r'<form method="post"[^>]*class="form pay-form".*?</form>', re.DOTALL)
_NAME = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"')
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_TOKEN = re.compile(r'name="token" value="([^"]+)"')
_ERROR = re.compile(r'class="(?:field-error|form-error)"[^>]*>(.*?)</div>', re.DOTALL)
_RECEIPT = re.compile(r"/payments/receipts/(\d+)/$")
STEPS = ("GET /payments/take/ (first only)", "POST /payments/take/ (htmx)")


def main() -> Result:
    recreate_database(DATABASE)  # a fresh ledger every run, so runs compare
    setup_django(DATABASE)
    usernames, numbers = prepare()
    value = payments_per_second(usernames, numbers)
    from bench.ledger_posting import pgbench_tps

    return Result("http_payment", value, "payments_per_s", pgbench_tps(), 0.03)


def prepare() -> tuple[list[str], list[str]]:
    """An open business day, 8 clerks with open drawers, accounts each owing a month's bill."""
    from django.contrib.auth.models import Group, User
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Account
    from bench.dataset import build_accounts
    from billing_site.common import roles
    from ledger import services
    from ledger.choices import TransactionKind
    from ledger.services import Line
    from payments.services import drawer_open

    clerk_group = Group.objects.get(name=roles.CLERK)
    usernames = []
    for n in range(CLERKS):
        clerk = User.objects.create_user(f"bench-clerk-{n}", password=PASSWORD)
        clerk.groups.add(clerk_group)
        usernames.append(clerk.username)
    first = User.objects.get(username=usernames[0])
    services.business_day_open(on=timezone.localdate(), acting_user=first)
    for username in usernames:
        drawer_open(counts={"d20": 5}, acting_user=User.objects.get(username=username))
    log(f"http_payment: {ACCOUNTS} accounts with a month's charges")
    ids = build_accounts(count=ACCOUNTS, seed=4, all_active=True)
    charges = [("WATER", "38.12"), ("SEWER", "41.60"), ("STORM", "8.10"), ("TRASH", "26.40")]
    with transaction.atomic():
        writer = services.writer_for(first)
        for account in writer.lock(ids):
            lines = []
            for code, amount in charges:
                service = writer.service(code)
                lines.append(writer.receivable_line(account, Decimal(amount), service))
                lines.append(Line(gl_account=service.revenue_gl, amount=-Decimal(amount)))
            writer.post(kind=TransactionKind.CHARGE, lines=lines, memo="Bench bill")
        writer.flush()
    numbers = list(Account.objects.filter(pk__in=ids).values_list("number", flat=True))
    return usernames, numbers


# -- gunicorn ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """gunicorn serving a bench database on a loopback port; ``stop()`` always ends it."""

    def __init__(self, database: str = DATABASE, name: str = "http_payment") -> None:
        self.database = database
        self.name = name
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = OUT / f"{name}_gunicorn.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        from django.db import connections

        connections.close_all()
        OUT.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="billing_site.settings.base",
            DATABASE_URL=database_url(self.database),
            SECRET_KEY="bench-only-" + os.urandom(24).hex(),
            ALLOWED_HOSTS="127.0.0.1",
            DEBUG="false",
            LOG_LEVEL="WARNING",
        )
        command = [
            sys.executable,
            "-W",
            "ignore",
            "-m",
            "gunicorn",
            "billing_site.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(GUNICORN_WORKERS),
            "--threads",
            str(GUNICORN_THREADS),
            "--worker-class",
            "gthread",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--preload",  # Django loaded once, before the workers fork
            "--no-control-socket",
        ]
        log(
            f"{self.name}: gunicorn -w {GUNICORN_WORKERS} --threads {GUNICORN_THREADS} "
            f"on 127.0.0.1:{self.port}"
        )
        with open(self.log_path, "wb") as output:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so stop() reaches the workers
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early; see {self.log_path}")
            try:
                if requests.get(f"{self.base}/login/", timeout=30).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log_path}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()  # graceful: the master stops its workers
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group started above, nothing else
            process.wait(timeout=10)


# -- clerks ------------------------------------------------------------------------


@dataclass
class Tally:
    receipts: list[int] = field(default_factory=list)  # payment ids seen, warm-up included
    timed: int = 0
    seconds: float = 0.0
    steps: dict[str, list[float]] = field(default_factory=dict)  # seconds, timed phase only
    failures: list[str] = field(default_factory=list)


class Clerk:
    """One clerk's browser: a session signed in through the login page."""

    def __init__(self, base: str, username: str, seed: int) -> None:
        import requests

        self.base = base
        self.username = username
        self.rng = random.Random(seed)
        self.session = requests.Session()
        self.next_form: str | None = None

    def get(self, path: str) -> Any:
        return self.session.get(self.base + path, timeout=REQUEST_TIMEOUT)

    def login(self, then: str = "/payments/take/") -> None:
        page = self.get(f"/login/?next={then}")
        page.raise_for_status()
        csrf = _CSRF.search(page.text)
        if csrf is None:
            raise RuntimeError("no CSRF token on the login page")
        data = {
            "csrfmiddlewaretoken": csrf.group(1),
            "username": self.username,
            "password": PASSWORD,
            "next": then,
        }
        done = self.session.post(self.base + "/login/", data=data, timeout=REQUEST_TIMEOUT)
        if done.status_code != 200 or not done.url.endswith(then):
            raise RuntimeError(f"{self.username} could not sign in: {done.status_code} {done.url}")

    def pay(self, numbers: list[str], steps: dict[str, list[float]] | None = None) -> int:
        """One payment as the counter posts it: one htmx POST answered with the receipt
        panel and the next form (its fresh token); the take page is read only the first
        time. Returns the payment id from the ``HX-Push-Url`` header."""
        if self.next_form is None:
            form_page = self.get("/payments/take/")
            if form_page.status_code != 200:
                raise RuntimeError(f"GET take: {form_page.status_code}")
            self.next_form = form_page.text
            if steps is not None:
                steps.setdefault(STEPS[0], []).append(form_page.elapsed.total_seconds())
        data = self._fill(self.next_form, numbers)
        done = self._post(data)
        if done.status_code == 400 and 'name="confirm_amount"' in done.text:
            # The form asks to confirm a payment that leaves a large credit (or a large
            # amount): the clerk ticks "I confirm this amount" and posts again.
            token = _TOKEN.search(done.text)
            data.update(confirm_amount="on", token=token.group(1) if token else data["token"])
            done = self._post(data)
        receipt = _RECEIPT.search(done.headers.get("HX-Push-Url", ""))
        if done.status_code != 200 or receipt is None:
            raise RuntimeError(f"POST take (htmx): {done.status_code} {_errors(done.text)!r}")
        self.next_form = done.text
        if steps is not None:
            steps.setdefault(STEPS[1], []).append(done.elapsed.total_seconds())
        return int(receipt.group(1))

    def _post(self, data: dict[str, str]) -> Any:
        return self.session.post(
            self.base + "/payments/take/",
            data=data,
            headers={"HX-Request": "true", "HX-Target": "pay-screen"},
            timeout=REQUEST_TIMEOUT,
        )

    def _fill(self, page: str, numbers: list[str]) -> dict[str, str]:
        """Every field of the payment form in ``page``, as a browser sends them."""
        form = _FORM.search(page)
        if form is None:
            raise RuntimeError("no payment form on the take page or in the htmx answer")
        html = form.group(0)
        csrf = _CSRF.search(html) or _CSRF.search(page)
        token, names = _TOKEN.search(html), _NAME.findall(html)
        if (
            csrf is None
            or token is None
            or not {"account_0", "amount_0", "cash_amount"} <= set(names)
        ):
            raise RuntimeError("the payment form lacks its tokens or the fields posted here")
        amount = Decimal(self.rng.randint(500, 15_000)) / 100
        tendered = amount if self.rng.random() < 0.5 else Decimal(int(amount) + 1)
        data = dict.fromkeys(names, "")
        data.update(
            csrfmiddlewaretoken=csrf.group(1),
            token=token.group(1),
            account_0=self.rng.choice(numbers),
            amount_0=str(amount),
            cash_amount=str(tendered),
        )
        return data


def _errors(page: str) -> str:
    """The messages a refused form shows (next to its fields and above it), or its start."""
    found = [" ".join(re.sub(r"<[^>]+>", " ", m).split()) for m in _ERROR.findall(page)]
    return "; ".join(found) if found else page[:200]


def _clerk_loop(
    clerk: Clerk, numbers: list[str], barrier: threading.Barrier, stop: threading.Event, t: Tally
) -> None:
    try:
        clerk.login()
        t.receipts.append(clerk.pay(numbers))  # warm-up: templates, permission cache, connection
        barrier.wait(timeout=120)
        started = time.perf_counter()
        deadline = started + DURATION
        while time.perf_counter() < deadline and t.timed < MAX_PAYMENTS_PER_CLERK:
            if stop.is_set():
                break
            t.receipts.append(clerk.pay(numbers, t.steps))
            t.timed += 1
        t.seconds = time.perf_counter() - started
    except Exception as error:  # reported; the benchmark fails
        t.failures.append(f"{clerk.username}: {type(error).__name__}: {error}")
        stop.set()
        barrier.abort()
    finally:
        clerk.session.close()


def payments_per_second(usernames: list[str], numbers: list[str]) -> float:
    server = Server()
    try:
        server.start()
        tallies = _run_clerks(server.base, usernames, numbers)
    finally:
        server.stop()
    failures = [f for t in tallies for f in t.failures]
    if failures:
        raise RuntimeError(f"http_payment clerk failed: {failures[0]} (log: {server.log_path})")
    total = sum(t.timed for t in tallies)
    seconds = max(t.seconds for t in tallies)
    _verify([pk for t in tallies for pk in t.receipts])
    log(f"http_payment: {total:,} payments in {seconds:.1f} s over HTTP, all in the database")
    _report(tallies, total, seconds)
    return total / seconds


def _report(tallies: list[Tally], total: int, seconds: float) -> None:
    """Server response time per step (until the response headers) to bench/out/."""
    lines = [f"{total} payments in {seconds:.1f} s by {len(tallies)} clerks", ""]
    lines.append(f"{'step':<32} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for step in STEPS:
        samples = [x for t in tallies for x in t.steps.get(step, [])]
        if samples:
            p50, p95 = percentile(samples, 0.5) * 1000, percentile(samples, 0.95) * 1000
            lines.append(
                f"{step:<32} {len(samples):>6} {p50:>8.1f} {p95:>8.1f} {max(samples) * 1000:>8.1f}"
            )
    (OUT / "http_payment.txt").write_text("\n".join(lines) + "\n")
    for line in lines[2:]:
        log(f"http_payment: {line}")


def _run_clerks(base: str, usernames: list[str], numbers: list[str]) -> list[Tally]:
    barrier = threading.Barrier(len(usernames) + 1)
    stop = threading.Event()
    tallies = [Tally() for _ in usernames]
    threads = [
        threading.Thread(
            target=_clerk_loop,
            args=(Clerk(base, name, seed=n), numbers, barrier, stop, tallies[n]),
            daemon=True,
        )
        for n, name in enumerate(usernames)
    ]
    for thread in threads:
        thread.start()
    try:
        barrier.wait(timeout=120)  # everyone signed in and warmed up
        log(f"http_payment: {len(usernames)} clerks posting payments for {DURATION:g} s")
    except threading.BrokenBarrierError:
        stop.set()
    for thread in threads:
        thread.join(timeout=DURATION + 2 * REQUEST_TIMEOUT + 30)
    if any(thread.is_alive() for thread in threads):
        stop.set()
        raise RuntimeError("http_payment: a clerk thread did not finish")
    return tallies


def _verify(receipts: list[int]) -> None:
    """Exactly one payment, one journal transaction and one used token per receipt seen;
    then ``verify_ledger`` (balances = entries, every transaction balanced, history)."""
    import io

    from django.core.management import call_command
    from django.db import connections

    from billing_site.common.models import IdempotencyKey
    from ledger.choices import TransactionKind
    from ledger.models import JournalTransaction
    from payments.models import Payment

    connections.close_all()  # gunicorn's writes, seen from a fresh connection
    posted = set(Payment.objects.values_list("pk", flat=True))
    seen = set(receipts)
    problems = []
    if len(seen) != len(receipts):
        problems.append(f"{len(receipts) - len(seen)} receipt pages named an earlier payment")
    if posted != seen:
        problems.append(
            f"{len(posted - seen)} payments in the database without a receipt page, "
            f"{len(seen - posted)} receipt pages without a payment"
        )
    journal = JournalTransaction.objects.filter(kind=TransactionKind.PAYMENT).count()
    tokens = IdempotencyKey.objects.filter(purpose="payments.take").count()
    if not journal == tokens == len(posted):
        problems.append(f"{len(posted)} payments, {journal} journal payments, {tokens} tokens")
    if problems:
        raise RuntimeError("http_payment: " + "; ".join(problems))
    call_command("verify_ledger", stdout=io.StringIO())  # raises CommandError on a discrepancy


if __name__ == "__main__":
    print(main().line(), flush=True)
