from __future__ import annotations

from django.db import models


class CustomerKind(models.TextChoices):
    PERSON = "person", "Person"
    ORGANISATION = "organisation", "Organisation"


class AccountClass(models.TextChoices):
    RESIDENTIAL = "residential", "Residential"
    COMMERCIAL = "commercial", "Commercial"
    INDUSTRIAL = "industrial", "Industrial"
    MULTI_FAMILY = "multi_family", "Multi-family"
    INSTITUTIONAL = "institutional", "Institutional"


class AccountStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    FINAL = "final", "Final"
    CLOSED = "closed", "Closed"


# Allowed status moves; anything else is refused by accounts.services.
STATUS_MOVES: dict[str, set[str]] = {
    AccountStatus.PENDING: {AccountStatus.ACTIVE, AccountStatus.CLOSED},
    AccountStatus.ACTIVE: {AccountStatus.FINAL},
    AccountStatus.FINAL: {AccountStatus.CLOSED, AccountStatus.ACTIVE},
    AccountStatus.CLOSED: set(),
}


class FlagKind(models.TextChoices):
    CASH_ONLY = "cash_only", "Cash only"
    DO_NOT_DISCONNECT = "do_not_disconnect", "Do not disconnect"
    MEDICAL_NEED = "medical_need", "Medical need on file"
    BANKRUPTCY = "bankruptcy", "Bankruptcy"
    DISPUTE = "dispute", "Bill in dispute"
    RETURNED_MAIL = "returned_mail", "Returned mail"
    NO_LATE_FEE = "no_late_fee", "No late fee"
    IN_COLLECTIONS = "in_collections", "In collections"


# Flags that must say why and until when (a do-not-disconnect order always ends).
FLAGS_NEEDING_EXPIRY = {FlagKind.DO_NOT_DISCONNECT, FlagKind.MEDICAL_NEED}


class NoteKind(models.TextChoices):
    NOTE = "note", "Note"
    FOOTNOTE = "footnote", "Footnote"
    SYSTEM = "system", "System"
