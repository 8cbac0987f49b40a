"""The collections dashboard (``/collections/dashboard/``) and the collections queues the
operations dashboard counts.

Panels (``billing_site.common.panels``), each a fixed number of queries whatever the
number of accounts:

* receivables by aging bucket at each of the last 12 month-ends: a closed month-end's
  buckets are read from the rows kept for it (``services.month_end_aging``, computed once
  by the aging's own first-in-first-out rule, so they equal an aging run as of that day);
  only a month-end not closed yet is computed live;
* late fees posted and notices sent per month (two GROUP BYs);
* payment plans by status, deposits held, write-offs and recoveries (one aggregate each).

Referrals to a collection agency get their panel from the app that records them: one
line appended to ``PANELS`` (see ``docs/dashboards.md``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import HttpRequest
from django.urls import reverse

from billing_site.common.charts import Chart, Series, bar_chart, count_label
from billing_site.common.money import ZERO
from billing_site.common.panels import Panel
from ledger.selectors import deposits_held_total

from .choices import LineStatus, PlanStatus, RunStatus, WriteOffStatus
from .models import LateFeeLine, NoticeLine, NoticeRun, PaymentPlan, WriteOff
from .models.aging import bucket_labels
from .referral_selectors import referral_figures
from .services import month_end_aging
from .services.aging import default_limits
from .services.month_end_aging import month_ends

VIEW_PERM = "collections.view_collections_dashboard"
MONTHS = 12
buckets_at = month_end_aging.buckets_at

# -- queues counted by the operations dashboard ---------------------------------------


def plan_overrides_waiting() -> QuerySet[PaymentPlan]:
    return PaymentPlan.objects.filter(status=PlanStatus.PENDING)


def write_offs_waiting() -> QuerySet[WriteOff]:
    return WriteOff.objects.filter(status=WriteOffStatus.PENDING)


def notice_runs_in_review() -> QuerySet[NoticeRun]:
    return NoticeRun.objects.filter(status=RunStatus.REVIEW)


# -- month-ends ---------------------------------------------------------------------


def month_starts(today: date, count: int = MONTHS) -> list[date]:
    """The first days of the ``count`` months ending with ``today``'s, oldest first."""
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def receivables(request: HttpRequest, today: date) -> dict[str, Any]:
    """Closed month-ends from their kept rows (one query); a month-end not closed yet is
    computed live (one statement, for those dates only); a closed one not kept yet is shown
    "not yet computed" (computing it live would be the slow part: the button or
    ``manage.py compute_month_end_aging`` keeps it)."""
    limits = default_limits()
    ends = month_ends(today)
    grid = month_end_aging.stored_buckets(ends, limits)
    through = month_end_aging.closed_through()
    still_open = [d for d in ends if d not in grid and (through is None or d > through)]
    grid.update(month_end_aging.buckets_at(still_open, limits))
    missing = [d for d in ends if d not in grid]
    labels = bucket_labels(limits)
    chart = bar_chart(
        id="chart-aging-months", title="Receivables by age at each month-end",
        categories=[f"{d:%b %y}" for d in ends], stacked=True,
        series=[
            Series(label, [grid[d][n] if d in grid else ZERO for d in ends])
            for n, label in enumerate(labels)
        ],
    )  # fmt: skip
    rows = [(d, grid.get(d), sum(grid[d], ZERO) if d in grid else None) for d in ends]
    user = request.user
    can_compute = bool(missing) and user.has_perm(month_end_aging.COMPUTE_PERM)
    task = month_end_aging.month_end_aging_task(user) if can_compute else None  # type: ignore[arg-type]
    return {
        "chart": chart, "labels": labels, "rows": rows, "missing": missing,
        "can_compute": can_compute, "task": task,
        "poll_url": reverse("common:task_progress", args=[task.pk]) if task else "",
    }  # fmt: skip


# -- late fees and notices ------------------------------------------------------------


def fees_and_notices(request: HttpRequest, today: date) -> dict[str, Any]:
    """Two queries: fees posted per month (business date), notices sent per month."""
    months = month_starts(today)
    fees = dict(
        (m.date() if hasattr(m, "date") else m, (n, total))
        for m, n, total in LateFeeLine.objects.filter(
            status=LineStatus.POSTED, transaction__business_date__gte=months[0]
        )
        .annotate(month=TruncMonth("transaction__business_date"))
        .values_list("month")
        .annotate(n=Count("pk"), total=Sum("fee"))
        .order_by()
    )
    notices = dict(
        NoticeLine.objects.filter(
            included=True, run__status=RunStatus.POSTED, run__run_date__gte=months[0]
        )
        .annotate(month=TruncMonth("run__run_date"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    names = [f"{m:%b %y}" for m in months]
    fee_chart = bar_chart(
        id="chart-late-fees", title="Late fees posted by month", categories=names,
        series=[Series("Late fees", [fees.get(m, (0, ZERO))[1] for m in months])],
    )  # fmt: skip
    notice_chart: Chart = bar_chart(
        id="chart-notices", title="Notices sent by month", categories=names, fmt=count_label,
        series=[Series("Notices", [Decimal(notices.get(m, 0)) for m in months])],
    )  # fmt: skip
    rows = [(m, fees.get(m, (0, ZERO)), notices.get(m, 0)) for m in months]
    return {"fee_chart": fee_chart, "notice_chart": notice_chart, "rows": rows}


# -- plans, deposits, write-offs ---------------------------------------------------------


def plans(request: HttpRequest, today: date) -> dict[str, Any]:
    """One query: plans and their amounts per status."""
    found = {
        status: (n, total)
        for status, n, total in PaymentPlan.objects.values_list("status")
        .annotate(n=Count("pk"), total=Sum("amount"))
        .order_by()
    }
    shown = [
        ("active", PlanStatus.ACTIVE),
        ("defaulted", PlanStatus.DEFAULTED),
        ("pending", PlanStatus.PENDING),
    ]
    return {
        "rows": [
            (key, PlanStatus(status).label, *found.get(status, (0, ZERO))) for key, status in shown
        ]
    }


def deposits(request: HttpRequest, today: date) -> dict[str, Any]:
    count, total = deposits_held_total()
    return {"count": count, "total": total}


def write_offs(request: HttpRequest, today: date) -> dict[str, Any]:
    """One query: written off, recovered since and waiting, over the last 12 months."""
    since = month_starts(today)[0]
    found = WriteOff.objects.filter(requested_at__date__gte=since).aggregate(
        posted=Count("pk", filter=Q(status=WriteOffStatus.POSTED)),
        amount=Sum("amount", filter=Q(status=WriteOffStatus.POSTED)),
        recovered=Sum("recovered", filter=Q(status=WriteOffStatus.POSTED)),
        waiting=Count("pk", filter=Q(status=WriteOffStatus.PENDING)),
    )
    return {
        "since": since,
        "posted": found["posted"],
        "amount": found["amount"] or ZERO,
        "recovered": found["recovered"] or ZERO,
        "waiting": found["waiting"],
    }


def referrals(request: HttpRequest, today: date) -> dict[str, Any]:
    """Two queries: referrals made over the last 12 months by status, and what the agencies
    collected on them (gross, commission, recovered from write-offs)."""
    since = month_starts(today)[0]
    return {"since": since, "figures": referral_figures(since=since)}


P = "collections/partials/_dashboard_"
PANELS: list[Panel] = [
    Panel("receivables", "Receivables by age", f"{P}receivables.html", receivables, wide=True),
    Panel("fees", "Late fees and notices", f"{P}fees.html", fees_and_notices, wide=True),
    Panel("plans", "Payment plans", f"{P}plans.html", plans),
    Panel("deposits", "Deposits held", f"{P}deposits.html", deposits),
    Panel("write_offs", "Write-offs and recoveries", f"{P}write_offs.html", write_offs),
    Panel("referrals", "Collection-agency referrals", f"{P}referrals.html", referrals),
]
