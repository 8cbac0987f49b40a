from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from billing_site.common.money import DECIMAL_PLACES, MAX_DIGITS

from ..choices import AgingStatus

AMOUNT = {"max_digits": MAX_DIGITS, "decimal_places": DECIMAL_PLACES}


class AgingRun(models.Model):
    """An aging of receivables as of a date, computed from the journal and kept for reading.

    ``limits`` are the upper ends in days of every bucket but the last
    ([30, 60, 90, 120]: current, 31-60, 61-90, 91-120, over 120), counted from the
    bill date of the charge each open amount comes from. The totals are filled in
    when the task finishes: the aging total, the receivable GL balance on the same
    date (they must agree) and the unapplied credits, shown apart.
    """

    as_of = models.DateField()
    limits = ArrayField(models.PositiveSmallIntegerField(), size=8)
    status = models.CharField(max_length=12, default="calculating")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    aging_total = models.DecimalField(**AMOUNT, null=True, blank=True)
    receivable_gl_total = models.DecimalField(**AMOUNT, null=True, blank=True)
    unapplied_total = models.DecimalField(**AMOUNT, null=True, blank=True)
    unapplied_gl_total = models.DecimalField(**AMOUNT, null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"Aging as of {self.as_of:%Y-%m-%d}"

    @property
    def bucket_labels(self) -> list[str]:
        return bucket_labels(list(self.limits))

    @property
    def difference(self):
        if self.aging_total is None or self.receivable_gl_total is None:
            return None
        return self.aging_total - self.receivable_gl_total


def bucket_labels(limits: list[int]) -> list[str]:
    labels, low = [], 0
    for n, limit in enumerate(limits):
        labels.append(f"current (0-{limit})" if n == 0 else f"{low}-{limit}")
        low = limit + 1
    labels.append(f"over {limits[-1]}" if limits else "all")
    return labels


class AgingLine(models.Model):
    """One account's open amount of one service in one bucket (service NULL: unapplied credit).

    The grouping columns (fund, class, status, the master it rolls up to) are taken
    when the aging runs, so a kept aging reads the same later.
    """

    # Every read is of one run (``aging_line_run_rollup_idx`` serves it), and the lines are
    # written only by the aging chunk's INSERT ... SELECT, which takes account, rollup,
    # service and fund from the rows it joins: so no index of their own and no foreign-key
    # constraint (PostgreSQL checks one with a query per row and key, at commit: about a
    # quarter of an aging's time, issue 13). The run's constraint stays.
    run = models.ForeignKey(
        AgingRun, on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="+", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    rollup = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="+", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    service = models.ForeignKey(
        "ledger.Service", null=True, on_delete=models.PROTECT, related_name="+",
        db_index=False, db_constraint=False,
    )  # fmt: skip
    fund = models.ForeignKey(
        "ledger.Fund", null=True, on_delete=models.PROTECT, related_name="+", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    account_class = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=AgingStatus)
    bucket = models.PositiveSmallIntegerField()
    amount = models.DecimalField(**AMOUNT)

    class Meta:
        indexes = [models.Index(fields=["run", "rollup"], name="aging_line_run_rollup_idx")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.account_id} {self.service_id} {self.bucket}: {self.amount}"


class MonthEndAging(models.Model):
    """Receivables in one bucket at a closed month-end, kept so the dashboard reads them.

    A month-end's figures never change once its business day is closed (the journal is
    immutable and no later posting is dated on or before it), so they are computed once
    (``services.month_end_aging``) per set of bucket ``limits`` and stored, one row per
    bucket, zero included (a month-end with its rows is computed; one without is not).
    """

    month_end = models.DateField()
    limits = ArrayField(models.PositiveSmallIntegerField(), size=8)
    bucket = models.PositiveSmallIntegerField()
    amount = models.DecimalField(**AMOUNT)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["month_end", "bucket"]
        constraints = [
            models.UniqueConstraint(
                fields=["month_end", "limits", "bucket"], name="month_end_aging_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month_end} bucket {self.bucket}: {self.amount}"
