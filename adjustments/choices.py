from __future__ import annotations

from django.db import models


class RequestKind(models.TextChoices):
    ADJUSTMENT = "adjustment", "Adjustment"
    TRANSFER = "transfer", "Balance transfer"
    CONSOLIDATION = "consolidation", "Master consolidation"
    GL_ADJUSTMENT = "gl_adjustment", "GL adjustment"


class RequestStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING = "pending", "Waiting for approval"
    POSTED = "posted", "Approved and posted"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    REVERSED = "reversed", "Posted, then reversed"


# Statuses a request can still be decided or withdrawn from.
OPEN_STATUSES = (RequestStatus.DRAFT, RequestStatus.PENDING)


class Direction(models.TextChoices):
    CREDIT = "credit", "Credit (lowers what the customer owes)"
    DEBIT = "debit", "Debit (raises what the customer owes)"


class TransferOf(models.TextChoices):
    BALANCE = "balance", "Balance owed"
    CREDIT = "credit", "Credit"


class RefundSource(models.TextChoices):
    """What is refunded: the account's credit, or (collections) its security deposit."""

    CREDIT = "credit", "Credit balance"
    DEPOSIT = "deposit", "Security deposit"


class RefundPayee(models.TextChoices):
    CUSTOMER = "customer", "The customer"
    OTHER = "other", "Another payee"


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved and posted"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
