from __future__ import annotations

from django.db import models


class ComponentKind(models.TextChoices):
    FIXED = "fixed", "Fixed charge"
    VOLUMETRIC = "volumetric", "Charge per unit of consumption"
    PERCENTAGE = "percentage", "Percentage of other lines"
    FLAT_FEE = "flat_fee", "Flat fee per bill"


class FixedBasis(models.TextChoices):
    """What a fixed charge is multiplied by."""

    BILL = "bill", "per bill"
    DWELLING_UNIT = "dwelling_unit", "per dwelling unit"
    METER_SIZE = "meter_size", "by meter size"
    ERU = "eru", "per ERU"
    CART = "cart", "per cart"
    FLAT_QUANTITY = "flat_quantity", "per unit of the flat quantity"


class UsageBasis(models.TextChoices):
    """Which consumption a volumetric charge is computed on."""

    METERED = "metered", "this period's metered use"
    SERVICE = "service", "another service's metered use"
    WINTER_AVERAGE = "winter_average", "winter average (capped at actual)"


class BlockMode(models.TextChoices):
    EACH_TIER = "each_tier", "each unit in its tier"
    ALL_AT_REACHED = "all_at_reached", "all units at the tier reached"


class MeterUnits(models.TextChoices):
    GALLONS = "gal", "gallons"
    CUBIC_FEET = "cf", "cubic feet"
    CCF = "ccf", "CCF (100 cubic feet)"
    KWH = "kwh", "kWh"


class ReadKind(models.TextChoices):
    ACTUAL = "actual", "Actual"
    ESTIMATED = "estimated", "Estimated"
    CUSTOMER = "customer", "Customer-provided"
    FINAL = "final", "Final"
    INITIAL = "initial", "Initial"


class ExceptionRule(models.TextChoices):
    HIGH = "high", "High use"
    LOW = "low", "Low use"
    ZERO = "zero", "Zero use on an active account"
    NEGATIVE = "negative", "Negative use (not a rollover)"
    BEFORE_LAST = "before_last", "Read date before the last read"
    UNKNOWN_METER = "unknown_meter", "Unknown meter"
    OTHER_PREMISE = "other_premise", "Meter at another premise"


class ExceptionStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    CORRECTED = "corrected", "Corrected"
    REREAD = "reread", "Re-read requested"


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV (docs/read_format.md)"
    ROUTE = "route", "Fixed-width handheld route file"


class ImportStatus(models.TextChoices):
    RUNNING = "running", "Importing"
    DONE = "done", "Done"


class BillRunStatus(models.TextChoices):
    CALCULATING = "calculating", "Calculating"
    REVIEW = "review", "In review"
    POSTING = "posting", "Posting"
    POSTED = "posted", "Posted"


class BillRunKind(models.TextChoices):
    CYCLE = "cycle", "Cycle run"
    FINAL = "final", "Final bill (service stopped)"


class BillStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ERROR = "error", "Cannot be billed"
    EXCLUDED = "excluded", "Excluded from the run"
    POSTED = "posted", "Posted"
    CANCELLED = "cancelled", "Cancelled"


class CancelReason(models.TextChoices):
    MISREAD = "misread", "Meter misread"
    ESTIMATE = "estimate", "Estimated read replaced by an actual read"
    RATE = "rate", "Wrong rate schedule"
    DETERMINANT = "determinant", "Wrong determinant (units, size, ERU, carts)"
    DATES = "dates", "Wrong service dates"
    OTHER = "other", "Other (see the note)"


class FeeAmountKind(models.TextChoices):
    FIXED = "fixed", "Fixed amount"
    ENTERED = "entered", "Typed within limits"


class OneTimeChargeStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    POSTED = "posted", "Posted"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class BudgetStatus(models.TextChoices):
    ACTIVE = "active", "Enrolled"
    ENDED = "ended", "Left the plan"
