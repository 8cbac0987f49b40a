from __future__ import annotations

from decimal import Decimal

from django.db import models


class DrawerStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class TenderKind(models.TextChoices):
    CASH = "cash", "Cash"
    CHECK = "check", "Check"
    MONEY_ORDER = "money_order", "Money order"
    CARD = "card", "Card"


class PaymentStatus(models.TextChoices):
    POSTED = "posted", "Posted"
    VOID = "void", "Void"
    RETURNED = "returned", "Returned"


class CardBrand(models.TextChoices):
    VISA = "visa", "Visa"
    MASTERCARD = "mastercard", "Mastercard"
    AMEX = "amex", "American Express"
    DISCOVER = "discover", "Discover"


# Bills and coins counted in a drawer, largest first, as (field name, face value).
DENOMINATIONS: tuple[tuple[str, Decimal], ...] = (
    ("d100", Decimal("100")),
    ("d50", Decimal("50")),
    ("d20", Decimal("20")),
    ("d10", Decimal("10")),
    ("d5", Decimal("5")),
    ("d2", Decimal("2")),
    ("d1", Decimal("1")),
    ("c100", Decimal("1.00")),
    ("c50", Decimal("0.50")),
    ("c25", Decimal("0.25")),
    ("c10", Decimal("0.10")),
    ("c5", Decimal("0.05")),
    ("c1", Decimal("0.01")),
)
DENOMINATION_LABELS = {
    "d100": "$100 bills",
    "d50": "$50 bills",
    "d20": "$20 bills",
    "d10": "$10 bills",
    "d5": "$5 bills",
    "d2": "$2 bills",
    "d1": "$1 bills",
    "c100": "$1 coins",
    "c50": "Half dollars",
    "c25": "Quarters",
    "c10": "Dimes",
    "c5": "Nickels",
    "c1": "Pennies",
}
# Tenders a cash-only account may still pay with (certified funds).
CASH_ONLY_TENDERS = {TenderKind.CASH, TenderKind.MONEY_ORDER}


class ReturnKind(models.TextChoices):
    RETURNED_CHECK = "returned_check", "Returned check"
    CHARGEBACK = "chargeback", "Card chargeback"
    ELECTRONIC_RETURN = "electronic_return", "Electronic return"


class BatchKind(models.TextChoices):
    MAIL = "mail", "Mail payments"
    LOCKBOX = "lockbox", "Lockbox file"


class BatchStatus(models.TextChoices):
    OPEN = "open", "Open (keying)"
    IMPORTING = "importing", "Importing"
    POSTED = "posted", "Posted"
    CANCELLED = "cancelled", "Cancelled"


class ItemStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    POSTED = "posted", "Posted"
    EXCEPTION = "exception", "Needs a person"
    REJECTED = "rejected", "Rejected"
    RETURNED = "returned", "Returned"


# The label of the deposit slip for utility (account) receipts; misc-revenue slips
# are labelled by fund.
UTILITY_SLIP = "Utility receipts"
