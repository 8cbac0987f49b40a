from __future__ import annotations

from django.db import models


class DayKind(models.TextChoices):
    CALENDAR = "calendar", "Calendar days"
    BUSINESS = "business", "Business days"


class CountedFrom(models.TextChoices):
    DUE_DATE = "due_date", "Due date"
    BILL_DATE = "bill_date", "Bill date"


class AgingStatus(models.TextChoices):
    """The account status columns of the aging (in collections: the flag is in force)."""

    ACTIVE = "active", "Active"
    FINAL = "final", "Final"
    IN_COLLECTIONS = "in_collections", "In collections"
    OTHER = "other", "Pending or closed"


class AgingGroup(models.TextChoices):
    SERVICE = "service", "Service"
    FUND = "fund", "Fund"
    ACCOUNT_CLASS = "account_class", "Account class"
    STATUS = "status", "Status"


class RunStatus(models.TextChoices):
    CALCULATING = "calculating", "Calculating"
    REVIEW = "review", "Ready for review"
    POSTING = "posting", "Posting"
    POSTED = "posted", "Posted"


class LineStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    EXCLUDED = "excluded", "Excluded"
    POSTED = "posted", "Posted"
    DROPPED = "dropped", "Paid before posting"


class WaiverStatus(models.TextChoices):
    POSTED = "posted", "Waived"
    PENDING = "pending", "Waiting for approval"


class LetterKind(models.TextChoices):
    NOTICE = "notice", "Delinquency notice"
    PLAN_AGREEMENT = "plan_agreement", "Payment plan agreement"
    DEPOSIT = "deposit", "Deposit requirement"
    REFUND = "refund", "Refund"
    REFERRAL = "referral", "Collection referral"
    GENERAL = "general", "General"


class PlanStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a supervisor's override"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    DEFAULTED = "defaulted", "Defaulted"
    CANCELLED = "cancelled", "Cancelled"
    REJECTED = "rejected", "Override refused"
    WITHDRAWN = "withdrawn", "Withdrawn"


class CreditBand(models.TextChoices):
    GOOD = "A", "A: good credit"
    FAIR = "B", "B: fair credit"
    POOR = "C", "C: poor credit"
    NONE = "N", "No credit result"


class DepositMethod(models.TextChoices):
    FIXED = "fixed", "Fixed amount"
    MONTHS = "months", "Months of the premise's average bill"


class WriteOffStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    POSTED = "posted", "Written off"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ReferralStatus(models.TextChoices):
    ACTIVE = "active", "With the agency"
    RECALLED = "recalled", "Recalled"
    PAID = "paid", "Paid in full"
