"""Reads for collection-agency referrals: the review list (final accounts owing more than
``COLLECTIONS_REFERRAL_MIN_BALANCE`` more than ``COLLECTIONS_REFERRAL_DAYS`` after their
final bill's due date, none on a plan, already referred, with a pending adjustment or a
dispute in force), and figures the collections dashboard reads (referral counts,
recoveries). Every list is one query per page, however many rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from djmoney.money import Money

from accounts.choices import AccountStatus, FlagKind
from accounts.models import Account, AccountFlag
from adjustments.choices import RequestStatus
from adjustments.models import AdjustmentRequest
from billing.models import Bill
from billing_site.common.money import CURRENCY, ZERO, format_money

from .choices import ReferralStatus
from .models import AgencyRemittanceLine, PaymentPlan, Referral
from .models.plans import OPEN_STATUSES


def referral_threshold() -> Decimal:
    return Decimal(str(settings.COLLECTIONS_REFERRAL_MIN_BALANCE))


def referral_days() -> int:
    return int(settings.COLLECTIONS_REFERRAL_DAYS)


def referral_candidates(*, today: date) -> QuerySet[Account]:
    """The accounts due for referral, oldest final due date first, each annotated with its
    final bill (``final_number``, ``final_date``, ``final_due``)."""
    cutoff = today - timedelta(days=referral_days())
    final = Bill.objects.filter(account=OuterRef("pk"), final_bill=True, status="posted")
    final = final.order_by("-run__bill_date", "-pk")
    dispute = AccountFlag.objects.filter(
        account=OuterRef("pk"), kind=FlagKind.DISPUTE, cleared_at__isnull=True
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    return (
        Account.objects.filter(
            status=AccountStatus.FINAL, balance__gt=Money(referral_threshold(), CURRENCY)
        )
        .annotate(
            final_number=Subquery(final.values("number")[:1]),
            final_date=Subquery(final.values("run__bill_date")[:1]),
            final_due=Subquery(final.values("due_date")[:1]),
        )
        .filter(final_due__lt=cutoff)
        .exclude(
            Exists(PaymentPlan.objects.filter(account=OuterRef("pk"), status__in=OPEN_STATUSES))
        )
        .exclude(
            Exists(Referral.objects.filter(account=OuterRef("pk"), status=ReferralStatus.ACTIVE))
        )
        .exclude(
            Exists(
                AdjustmentRequest.objects.filter(
                    account=OuterRef("pk"), status=RequestStatus.PENDING
                )
            )
        )
        .exclude(Exists(dispute))
        .select_related("customer", "premise")
        .order_by("final_due", "pk")
    )


def why_referable(account: Account, *, today: date) -> str:
    """The reason a review row is listed, in plain words."""
    days = (today - account.final_due).days  # type: ignore[attr-defined]
    return (
        f"Owes {format_money(account.balance.amount)} (over "
        f"{format_money(referral_threshold())}); final bill {account.final_number} "  # type: ignore[attr-defined]
        f"was due {account.final_due:%b %-d, %Y}, {days} days ago"  # type: ignore[attr-defined]
    )


def referrals(*, status: str = "") -> QuerySet[Referral]:
    rows = Referral.objects.select_related("account__customer", "agency", "placement")
    return rows.filter(status=status) if status else rows


@dataclass(frozen=True)
class ReferralFigures:
    """What the collections dashboard shows of referrals."""

    active: int
    recalled: int
    paid: int
    referred_total: Decimal
    collected_gross: Decimal
    commission: Decimal
    recovered_from_write_offs: Decimal


def referral_figures(*, since: date | None = None, until: date | None = None) -> ReferralFigures:
    """Counts of referrals by status (referred in the period) and the agencies' recoveries
    (collected in the period): two queries."""
    refs = Referral.objects.all()
    lines = AgencyRemittanceLine.objects.all()
    if since is not None:
        refs, lines = refs.filter(referred_on__gte=since), lines.filter(collected_on__gte=since)
    if until is not None:
        refs, lines = refs.filter(referred_on__lte=until), lines.filter(collected_on__lte=until)
    counts = refs.aggregate(
        active=Count("pk", filter=Q(status=ReferralStatus.ACTIVE)),
        recalled=Count("pk", filter=Q(status=ReferralStatus.RECALLED)),
        paid=Count("pk", filter=Q(status=ReferralStatus.PAID)),
        total=Sum("amount"),
    )
    sums = lines.aggregate(gross=Sum("gross"), commission=Sum("commission"), back=Sum("recovered"))
    return ReferralFigures(
        active=counts["active"],
        recalled=counts["recalled"],
        paid=counts["paid"],
        referred_total=counts["total"] or ZERO,
        collected_gross=sums["gross"] or ZERO,
        commission=sums["commission"] or ZERO,
        recovered_from_write_offs=sums["back"] or ZERO,
    )
