"""Collection-agency referrals (coordinators and supervisors).

* ``referral_place``: the ticked accounts go to one agency as one *placement*: each
  account is re-checked against the review rules (locked, recomputed), flagged "in
  collections" (the account flag the aging names), charged the agency's placement fee
  where its rule has one (``billing.services.one_time.post_one_time_charge``, the fee
  ``agency-placement``), sent the referral letter (kept on the account; its PDF stored
  after the commit), and listed in the placement file (CSV, stored as the placement's
  document ``collections.placement``).
* ``referral_recall``: with a reason; the account leaves "in collections".
* ``remittance_import``: the agency's remittance file, checked whole before anything
  posts; then per row: a posted write-off is reversed by as much first (``reverse_part``),
  and one journal transaction of kind payment credits the account's services by payment
  order (the gross), debits the commission to 999-5830 and the net to cash (tender
  "agency": the source names the remittance). A referral paid in full closes. The same
  file twice posts once (its SHA-256 is unique).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import services as account_services
from accounts.choices import FlagKind
from accounts.models import Account, AccountFlag
from billing.models import MiscFee
from billing.services.one_time import post_one_time_charge
from billing_site.common.cards import refuse_card_numbers
from billing_site.common.documents import document_store
from billing_site.common.fees import fee_for
from billing_site.common.models import Document
from billing_site.common.money import ZERO, format_money
from billing_site.common.numbering import next_number
from billing_site.common.roles import require_perm
from ledger import services as ledger
from ledger.choices import GLRole, TransactionKind
from ledger.models import GLAccount
from ledger.selectors import current_business_date

from .. import fifo
from ..agency_files import (
    PLACEMENT_HEADER,
    RemittanceFormatError,
    RemittanceRow,
    age_buckets,
    csv_bytes,
    parse_remittance,
)
from ..choices import ReferralStatus
from ..models import (
    Agency,
    AgencyRemittance,
    AgencyRemittanceLine,
    LetterTemplate,
    Placement,
    Referral,
)
from ..referral_selectors import referral_candidates, why_referable
from . import letters as letter_services
from .writeoffs import write_offs_reverse_for

REFER_PERM = "collections.refer_account"
IMPORT_PERM = "collections.import_agency_remittance"
PLACEMENT_KIND = "collections.placement"
PLACEMENT_FEE = "agency-placement"
COMMISSION_GL = "999-5830"
CENT = Decimal("0.01")


@transaction.atomic
def referral_place(*, accounts: Sequence[Account], agency: Agency, acting_user: User) -> Placement:
    """Refer ``accounts`` to ``agency`` as one placement (see the module docstring)."""
    require_perm(acting_user, REFER_PERM)
    if not agency.is_active:
        raise ValidationError({"agency": "That agency no longer takes placements."})
    if not accounts:
        raise ValidationError({"accounts": "Tick the accounts to refer."})
    today = current_business_date()
    ids = sorted({a.pk for a in accounts})
    list(Account.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    found = {a.pk: a for a in referral_candidates(today=today).filter(pk__in=ids)}
    if missing := [pk for pk in ids if pk not in found]:
        numbers = ", ".join(Account.objects.filter(pk__in=missing).values_list("number", flat=True))
        raise ValidationError({"accounts": f"No longer due for referral: {numbers}."})
    placement = Placement.objects.create(
        number=next_number("collections.placement"), agency=agency, business_date=today,
        created_by=acting_user,
    )  # fmt: skip
    template = LetterTemplate.objects.get(code="referral")
    rows = [_refer_one(found[pk], placement, template, acting_user, today) for pk in ids]
    letters = [r.letter for r in rows if r.letter is not None]
    placement.count = len(rows)
    placement.total = sum((r.amount for r in rows), ZERO)
    placement.save(update_fields=["count", "total"])
    _store_placement_file(placement, rows, found, acting_user, today)
    transaction.on_commit(
        lambda: letter_services.letter_documents(letters=letters, acting_user=acting_user)
    )
    return placement


def _placement_fee(agency: Agency, owed: Decimal) -> Decimal:
    return fee_for(owed, agency.fee_rule)


def _refer_one(
    account: Account, placement: Placement, template: LetterTemplate, user: User, today
) -> Referral:  # type: ignore[no-untyped-def]
    agency = placement.agency
    why = why_referable(account, today=today)
    fee = _placement_fee(agency, account.balance.amount)
    posted_fee = ZERO
    if fee > 0:
        charge = post_one_time_charge(
            account=account, fee=MiscFee.objects.get(code=PLACEMENT_FEE), amount=fee,
            reason=f"Collection placement fee ({agency.name}, placement {placement.number})",
            acting_user=user, source=f"placement {placement.number}",
        )  # fmt: skip
        posted_fee = fee if charge.status == "posted" else ZERO
    account.refresh_from_db()
    account_services.flag_set(
        account=account, kind=FlagKind.IN_COLLECTIONS, acting_user=user,
        reason=f"Referred to {agency.name} (placement {placement.number})",
    )  # fmt: skip
    letter = letter_services.letter_send(
        account=account, template=template, acting_user=user,
        text=f"It has been placed with {agency.name} ({agency.contact or 'the agency'}) "
        f"for collection of {format_money(account.balance.amount)}.",
    )  # fmt: skip
    return Referral.objects.create(
        account=account, agency=agency, placement=placement, amount=account.balance.amount,
        fee=posted_fee, why=why[:300], referred_on=today, referred_by=user, letter=letter,
    )  # fmt: skip


def _store_placement_file(
    placement: Placement, rows: list[Referral], found: dict[int, Account], user: User, today
) -> Document:  # type: ignore[no-untyped-def]
    parts: dict[int, list] = defaultdict(list)  # type: ignore[type-arg]
    for account_id, part in fifo.account_charge_parts([r.account_id for r in rows], as_of=today):
        parts[account_id].append((part.charge_date, part.open_part))
    lines = []
    for r in rows:
        a, c = found[r.account_id], found[r.account_id].customer
        fwd = a.has_forwarding_address
        address = (
            [a.forwarding_line1, a.forwarding_line2, a.forwarding_city, a.forwarding_state,
             a.forwarding_zip] if fwd else
            [c.mailing_line1, c.mailing_line2, c.mailing_city, c.mailing_state, c.mailing_zip]
        )  # fmt: skip
        lines.append([
            placement.number, r.referred_on, a.number, c.display_name, c.last_name,
            c.first_name, c.organisation_name, "forwarding" if fwd else "mailing", *address,
            c.phone, c.alt_phone, c.email, a.final_number, a.final_date,  # type: ignore[attr-defined]
            a.final_due, *age_buckets(parts[a.pk], as_of=today), r.fee, r.amount,  # type: ignore[attr-defined]
        ])  # fmt: skip
    return document_store(
        kind=PLACEMENT_KIND, subject=placement, data=csv_bytes(PLACEMENT_HEADER, lines),
        acting_user=user, content_type="text/csv",
    )  # fmt: skip


def _close(referral: Referral, *, status: str, reason: str, user: User) -> Referral:
    referral.status = status
    referral.closed_on = current_business_date()
    referral.closed_by = user
    referral.close_reason = reason[:300]
    referral.full_clean()
    referral.save()
    flag = AccountFlag.objects.filter(
        account_id=referral.account_id, kind=FlagKind.IN_COLLECTIONS, cleared_at__isnull=True
    ).first()
    if flag is not None:
        account_services.flag_clear(flag=flag, reason=reason, acting_user=user)
    return referral


@transaction.atomic
def referral_recall(*, referral: Referral, reason: str, acting_user: User) -> Referral:
    """Take the account back from the agency (with a reason): it leaves "in collections"."""
    require_perm(acting_user, REFER_PERM)
    refuse_card_numbers(reason=reason)
    text = " ".join(reason.split())
    if not text:
        raise ValidationError({"reason": "Say why the account is recalled."})
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status != ReferralStatus.ACTIVE:
        raise ValidationError("Only a referral still with the agency can be recalled.")
    _close(referral, status=ReferralStatus.RECALLED, reason=f"Recalled: {text}", user=acting_user)
    account_services.note_add(
        account=referral.account, acting_user=acting_user,
        text=f"Recalled from {referral.agency.name}: {text}",
    )  # fmt: skip
    return referral


def commission_for(agency: Agency, gross: Decimal) -> Decimal:
    return (gross * agency.commission_percent / 100).quantize(CENT, ROUND_HALF_UP)


def remittance_problems(agency: Agency, rows: list[RemittanceRow]) -> list[str]:
    """What stops the rows from posting (one message per row); empty: all may post."""
    accounts = {a.number: a for a in Account.objects.filter(number__in=[r.account for r in rows])}
    referred = set(
        Referral.objects.filter(
            agency=agency, status=ReferralStatus.ACTIVE, account__in=accounts.values()
        ).values_list("account_id", flat=True)
    )
    problems = []
    for r in rows:
        account = accounts.get(r.account)
        if account is None:
            problems.append(f"Line {r.line}: no account {r.account}.")
        elif account.pk not in referred:
            problems.append(f"Line {r.line}: account {r.account} is not with {agency.name}.")
        elif abs(r.commission - commission_for(agency, r.gross)) > CENT:
            problems.append(
                f"Line {r.line}: commission {r.commission} is not {agency.commission_percent}% "
                f"of {r.gross} ({commission_for(agency, r.gross)})."
            )
    return problems


@transaction.atomic
def remittance_import(
    *, agency: Agency, file_name: str, data: bytes, acting_user: User
) -> tuple[AgencyRemittance, bool]:
    """Post the agency's remittance file; ``(remittance, False)`` when the same file was
    posted before (nothing posts again). Refused whole with every problem listed."""
    require_perm(acting_user, IMPORT_PERM, "ledger.post_transaction")
    refuse_card_numbers(file=file_name)  # the rows are checked by parse_remittance
    digest = hashlib.sha256(data).hexdigest()
    if done := AgencyRemittance.objects.filter(file_hash=digest).first():
        return done, False
    try:
        rows = parse_remittance(data)
    except RemittanceFormatError as error:
        raise ValidationError({"file": error.problems}) from None
    if problems := remittance_problems(agency, rows):
        raise ValidationError({"file": problems})
    remittance = AgencyRemittance.objects.create(
        agency=agency, file_name=file_name[:200], file_hash=digest,
        business_date=current_business_date(), posted_by=acting_user,
    )  # fmt: skip
    for row in rows:
        _post_row(remittance, row, acting_user)
    remittance.rows = len(rows)
    remittance.gross = sum((r.gross for r in rows), ZERO)
    remittance.commission = sum((r.commission for r in rows), ZERO)
    remittance.net = sum((r.net for r in rows), ZERO)
    remittance.save()
    return remittance, True


def _post_row(remittance: AgencyRemittance, row: RemittanceRow, user: User) -> None:
    account = Account.objects.get(number=row.account)  # checked before posting
    referral = Referral.objects.select_for_update().get(
        account=account, agency=remittance.agency, status=ReferralStatus.ACTIVE
    )
    memo = f"Agency payment ({remittance.agency.name}, remittance {remittance.pk} line {row.line})"
    recovered = write_offs_reverse_for(
        account=account, amount=row.gross, memo=memo, acting_user=user
    )
    writer = ledger.writer_for(user)
    (locked,) = writer.lock([account])
    lines = ledger.payment_lines(writer, locked, row.gross, writer.chart.gl(GLRole.CASH))
    lines[0] = ledger.Line(gl_account=writer.chart.gl(GLRole.CASH), amount=row.net)
    if row.commission > 0:
        expense = GLAccount.objects.get(code=COMMISSION_GL)
        lines.insert(1, ledger.Line(gl_account=expense, amount=row.commission))
    txn = writer.post_now(
        kind=TransactionKind.PAYMENT, lines=lines, memo=memo,
        source=f"agency remittance {remittance.pk}",
    )  # fmt: skip
    AgencyRemittanceLine.objects.create(
        remittance=remittance, referral=referral, line_number=row.line,
        collected_on=row.collected_on, gross=row.gross, commission=row.commission, net=row.net,
        recovered=recovered, transaction_id=txn.pk,
    )  # fmt: skip
    referral.collected += row.gross
    referral.save(update_fields=["collected"])
    locked.refresh_from_db()
    if locked.balance.amount <= 0:
        _close(referral, status=ReferralStatus.PAID, reason="Paid in full", user=user)
