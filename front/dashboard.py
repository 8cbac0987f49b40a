"""The operations dashboard: a list of panels, each a partial and a context function.

A panel reads through the owning apps' selectors and spends a fixed number of queries
whatever the data size (tests/front/test_dashboard.py counts them). Adding a panel is
one line in ``PANELS``: ``Panel("key", "Title", "front/partials/_dashboard_key.html", context_fn)``,
where ``context_fn(request, today)`` returns the partial's context. The page
(``/dashboard/``) and its refresh (the same URL asked by htmx every 30 s) render the
same list of panels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Min, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from adjustments import selectors as adjustment_selectors
from adjustments.refunds import selectors as refund_selectors
from billing import selectors as billing_selectors
from billing_site.common.charts import Chart, Series, bar_chart
from billing_site.common.money import ZERO
from billing_site.common.panels import Panel, ShownPanel, shown
from billing_site.common.task_selectors import tasks_to_watch
from collections_app import dashboard as collections_dashboard
from payments import selectors as payment_selectors
from payments.choices import BatchKind, TenderKind
from work_queues import selectors as work_selectors

VIEW_PERM = "common.view_operations_dashboard"
REFRESH_SECONDS = 30
STALE = timedelta(minutes=10)  # a long task with no sign of life for this long is stuck
FAILED_SHOWN = timedelta(hours=24)
FIRST_HOUR, LAST_HOUR = 8, 17  # the chart always shows the counter's opening hours

# -- payments today ------------------------------------------------------------


def hour_label(hour: int) -> str:
    return f"{hour}:00"


def payments_chart(rows: list[tuple[int, str, Decimal]]) -> Chart:
    """The day's counter receipts per hour, stacked by tender."""
    hours = [h for h, _k, _t in rows]
    first, last = min([FIRST_HOUR, *hours]), max([LAST_HOUR, *hours])
    span = list(range(first, last + 1))
    by = {(h, k): t for h, k, t in rows}
    series = [
        Series(str(kind.label), [by.get((h, kind.value)) for h in span]) for kind in TenderKind
    ]
    return bar_chart(
        id="chart-payments-hour", title="Counter payments by hour and tender",
        categories=[hour_label(h) for h in span], series=series, stacked=True,
    )  # fmt: skip


def tender_totals(
    rows: list[tuple[int, str, Decimal]], remitted: dict[str, tuple[int, Decimal]]
) -> list[tuple[str, Decimal]]:
    totals = {kind.value: ZERO for kind in TenderKind}
    for _h, kind, total in rows:
        totals[kind] += total
    shown = [(str(TenderKind(k).label), v) for k, v in totals.items()]
    for kind in BatchKind:
        shown.append((str(kind.label), remitted.get(kind.value, (0, ZERO))[1]))
    return shown


def payments_today(request: HttpRequest, today: date) -> dict[str, Any]:
    """Three queries: tenders by hour, change by hour, mail and lockbox items."""
    rows = payment_selectors.tenders_by_hour(today)
    remitted = payment_selectors.remittances_of_day(today)
    totals = tender_totals(rows, remitted)
    tender_chart = bar_chart(
        id="chart-payments-tender", title="Payments today by tender",
        categories=[label for label, _v in totals],
        series=[Series("Amount", [v for _l, v in totals])],
    )  # fmt: skip
    return {
        "today": today,
        "hour_chart": payments_chart(rows),
        "tender_chart": tender_chart,
        "total": sum((v for _l, v in totals), ZERO),
        "counter_total": sum((t for _h, _k, t in rows), ZERO),
    }


# -- drawers -------------------------------------------------------------------


def drawers_open(request: HttpRequest, today: date) -> dict[str, Any]:
    """Three queries: the open drawers with their clerks, tenders, receipts."""
    return {"drawers": payment_selectors.open_drawers(), "today": today}


# -- batches, imports and runs (long tasks) -----------------------------------------

TASK_KINDS: dict[str, tuple[str, str]] = {  # kind -> (what it is, URL name of its subject)
    "payments.lockbox_post": ("Lockbox file", "payments:batch"),
    "billing.read_import": ("Read import", "billing:read_import"),
    "billing.bill_run_calculate": ("Bill run: calculate", "billing:run"),
    "billing.bill_run_post": ("Bill run: post", "billing:run"),
    "billing.bill_run_print": ("Bill run: print", "billing:run"),
    "collections.notice_send": ("Notice run", "collections:notice_run"),
    "collections.late_fee_calculate": ("Late-fee run: calculate", "collections:late_fee_run"),
    "collections.late_fee_post": ("Late-fee run: post", "collections:late_fee_run"),
    "collections.aging": ("Aging", "collections:aging"),
}
IMPORT_KINDS = ("payments.lockbox_post", "billing.read_import")


@dataclass(frozen=True)
class TaskRow:
    kind: str
    label: str
    url: str
    watched: Any


def _task_row(watched: Any) -> TaskRow:
    task = watched.task
    kind, url_name = TASK_KINDS.get(task.kind, (task.kind, ""))
    url = reverse(url_name, args=[task.subject_id]) if url_name and task.subject_id else ""
    return TaskRow(kind, task.label, url, watched)


def long_work(request: HttpRequest, today: date) -> dict[str, Any]:
    """Two queries: the tasks to watch (with who started them), the mail batches keyed."""
    rows = [_task_row(w) for w in tasks_to_watch(stale=STALE, failed_since=FAILED_SHOWN)]
    imports = [r for r in rows if r.watched.task.kind in IMPORT_KINDS]
    runs = [r for r in rows if r.watched.task.kind not in IMPORT_KINDS]
    return {
        "groups": [
            ("Batches and imports", imports, "No lockbox file or read import is running."),
            ("Bill runs, notice runs and other runs", runs, "No run is in progress."),
        ],
        "keying": payment_selectors.batches_being_keyed().count(),
        "stale_minutes": int(STALE.total_seconds() // 60),
    }


# -- pending queues --------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    label: str
    items: Callable[[], QuerySet[Any]]
    oldest: str  # the field that says since when an item waits
    url: str  # URL name of the page where it is worked (with ?query when needed)
    query: str = ""


QUEUES: list[Queue] = [
    Queue("Adjustments waiting for approval", adjustment_selectors.pending_queue, "submitted_at",
          "adjustments:queue"),
    Queue("Voids waiting for a supervisor", payment_selectors.voids_waiting, "void_requested_at",
          "payments:void_queue"),
    Queue("Refunds waiting for approval", refund_selectors.refunds_waiting, "requested_at",
          "adjustments:refunds"),
    Queue("Payment plans waiting for an override", collections_dashboard.plan_overrides_waiting,
          "created_at", "collections:plans", "?show=pending"),
    Queue("Write-offs waiting for approval", collections_dashboard.write_offs_waiting,
          "requested_at", "collections:write_offs"),
    Queue("Lockbox exceptions", payment_selectors.lockbox_exceptions, "batch__created_at",
          "payments:exceptions"),
    Queue("Read exceptions", billing_selectors.open_exceptions, "created_at",
          "billing:exceptions"),
    Queue("Bill runs in review", billing_selectors.bill_runs_in_review, "calculated_at",
          "billing:runs"),
    Queue("Notice runs ready for review", collections_dashboard.notice_runs_in_review,
          "created_at", "collections:notices"),
]  # fmt: skip


@dataclass(frozen=True)
class QueueRow:
    label: str
    count: int
    oldest: datetime | date | None
    url: str


def queue_row(queue: Queue) -> QueueRow:
    """One query: how many wait and since when."""
    found = queue.items().order_by().aggregate(count=Count("pk"), oldest=Min(queue.oldest))
    return QueueRow(queue.label, found["count"], found["oldest"], reverse(queue.url) + queue.query)


def pending_queues(request: HttpRequest, today: date) -> dict[str, Any]:
    """One query per queue."""
    return {"queues": [queue_row(q) for q in QUEUES]}


def work_items(request: HttpRequest, today: date) -> dict[str, Any]:
    """The office's to-do items per kind: open, overdue, oldest (work queues; one query)."""
    return {"queue_sizes": work_selectors.queue_sizes()}


def work_done(request: HttpRequest, today: date) -> dict[str, Any]:
    """Items done per person since Monday (work queues; one query)."""
    return {"done_this_week": work_selectors.done_per_person(work_selectors.week_start())}


P = "front/partials/_dashboard_"
PANELS: list[Panel] = [
    Panel("payments", "Payments today", f"{P}payments.html", payments_today, wide=True),
    Panel("drawers", "Drawers open", f"{P}drawers.html", drawers_open),
    Panel("queues", "Waiting for a person", f"{P}queues.html", pending_queues),
    Panel("work", "Batches, imports and runs", f"{P}work.html", long_work, wide=True),
    Panel("work_items", "To-do items by kind", f"{P}work_items.html", work_items),
    Panel("work_done", "Items done this week", f"{P}work_done.html", work_done),
]


def shown_panels(request: HttpRequest, today: date) -> list[ShownPanel]:
    return shown(PANELS, request, today)


def dashboard_day() -> date:
    from ledger.selectors import open_business_day

    day = open_business_day()
    return day.date if day else timezone.localdate()
