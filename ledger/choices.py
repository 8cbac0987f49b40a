from __future__ import annotations

from django.db import models


class GLKind(models.TextChoices):
    ASSET = "asset", "Asset"
    LIABILITY = "liability", "Liability"
    EQUITY = "equity", "Fund balance"
    REVENUE = "revenue", "Revenue"
    EXPENSE = "expense", "Expense"


class GLRole(models.TextChoices):
    """What the posting services use a GL account for."""

    CASH = "cash", "Cash (pooled)"
    RECEIVABLE = "receivable", "Accounts receivable (per service)"
    UNAPPLIED_CREDIT = "unapplied_credit", "Unapplied customer credits"
    REVENUE = "revenue", "Revenue"
    DEPOSITS_HELD = "deposits_held", "Customer deposits held"
    REFUNDS_PAYABLE = "refunds_payable", "Refunds payable to customers"
    OVER_SHORT = "over_short", "Cash over/short"
    BAD_DEBT = "bad_debt", "Bad debt expense"
    OTHER = "other", "Other"


# Lines on these GL accounts belong to a customer account and make up its balance.
CUSTOMER_ROLES = (GLRole.RECEIVABLE, GLRole.UNAPPLIED_CREDIT)
# GL roles with exactly one account in the chart (the posting services look them up).
SINGULAR_ROLES = (
    GLRole.CASH,
    GLRole.UNAPPLIED_CREDIT,
    GLRole.OVER_SHORT,
    GLRole.DEPOSITS_HELD,
    GLRole.REFUNDS_PAYABLE,
)


class TransactionKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    PAYMENT = "payment", "Payment"
    ADJUSTMENT = "adjustment", "Adjustment"
    FEE = "fee", "Fee"
    DEPOSIT = "deposit", "Deposit"
    TRANSFER = "transfer", "Transfer"
    REVERSAL = "reversal", "Reversal"
    WRITE_OFF = "write_off", "Write-off"
    OVER_SHORT = "over_short", "Over/short"
    CREDIT_APPLICATION = "credit_application", "Credit applied"
    MISC_REVENUE = "misc_revenue", "Miscellaneous revenue"
    GL_ADJUSTMENT = "gl_adjustment", "GL adjustment"
    REFUND = "refund", "Refund"


class DayStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
