"""Writes to customers, premises and accounts. Each takes ``acting_user``, checks
its permission, runs in one transaction and leaves a history row or note."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from billing_site.common.cards import refuse_card_numbers, refuse_card_numbers_in
from billing_site.common.numbering import next_number, with_check_digit
from billing_site.common.roles import require_perm

from .choices import (
    FLAGS_NEEDING_EXPIRY,
    STATUS_MOVES,
    AccountClass,
    AccountStatus,
    NoteKind,
)
from .models import Account, AccountFlag, AccountNote, Customer, Premise
from .text import fold, joined_words

ACCOUNT_NUMBER_START = 100_000
# The search's rank index includes the document, and a btree row holds at most 2,704
# bytes: a document is cut at this many bytes of UTF-8 (Latin text at every field's full
# length makes about 1,100; a hundred Hangul letters a field, folded to jamo, about 9,400).
SEARCH_DOCUMENT_BYTES = 2000


def _with_history(obj: Any, *, acting_user: User, reason: str) -> Any:
    obj._history_user = acting_user
    obj._change_reason = reason
    return obj


def search_document_for(account: Account) -> str:
    """Everything a clerk might type to find the account, lower-cased for trigram search.

    City, state and ZIP are left out on purpose: nearly every account shares
    them, so they would match everything and make every search slow. A document
    longer than ``SEARCH_DOCUMENT_BYTES`` loses the end of its names and addresses
    and keeps the account number (first) and the phones (appended).
    """
    c, p = account.customer, account.premise
    phones = " ".join(filter(None, [c.phone, c.alt_phone]))
    digits = " ".join(
        "".join(ch for ch in ph if ch.isdigit()) for ph in (c.phone, c.alt_phone) if ph
    )
    parts = [
        account.number,
        c.display_name,
        c.first_name,
        c.organisation_name,
        f"{p.line1} {p.line2}",
        c.mailing_line1,
        phones,
        digits,
    ]
    folded = fold(" ".join(part for part in parts if part))
    document = " ".join([folded, *joined_words(folded)])
    if len(document.encode()) <= SEARCH_DOCUMENT_BYTES:
        return document
    # Too long for the rank index: cut the names and addresses, keep number and phones.
    kept = " ".join(part for part in [phones, digits] if part)
    room = SEARCH_DOCUMENT_BYTES - len(kept.encode()) - 1
    return document.encode()[:room].decode(errors="ignore").rstrip() + " " + kept


def refresh_search_documents(
    *, customer: Customer | None = None, premise: Premise | None = None
) -> None:
    qs = Account.objects.select_related("customer", "premise")
    qs = qs.filter(customer=customer) if customer else qs.filter(premise=premise)
    for account in qs:
        Account.objects.filter(pk=account.pk).update(search_document=search_document_for(account))


@transaction.atomic
def customer_create(*, acting_user: User, **fields: Any) -> Customer:
    require_perm(acting_user, "accounts.add_customer")
    customer = Customer(**fields)
    refuse_card_numbers_in(customer)
    customer.full_clean()
    _with_history(customer, acting_user=acting_user, reason="Customer created").save()
    return customer


@transaction.atomic
def customer_update(
    *, customer: Customer, acting_user: User, reason: str, **fields: Any
) -> Customer:
    require_perm(acting_user, "accounts.change_customer")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    for name, value in fields.items():
        setattr(customer, name, value)
    refuse_card_numbers_in(customer, reason=reason)
    customer.full_clean()
    _with_history(
        customer, acting_user=acting_user, reason=reason or "Customer details updated"
    ).save()
    refresh_search_documents(customer=customer)
    return customer


@transaction.atomic
def premise_create(*, acting_user: User, **fields: Any) -> Premise:
    require_perm(acting_user, "accounts.add_premise")
    premise = Premise(**fields)
    refuse_card_numbers_in(premise)
    premise.full_clean()
    _with_history(premise, acting_user=acting_user, reason="Premise created").save()
    return premise


OWNER_FIELDS = (
    "owner_name",
    "owner_line1",
    "owner_line2",
    "owner_city",
    "owner_state",
    "owner_zip",
)


@transaction.atomic
def premise_owner_set(*, premise: Premise, acting_user: User, **fields: str) -> Premise:
    """Record (or clear, with blanks) the property owner and their mailing address."""
    require_perm(acting_user, "accounts.change_premise")
    premise = Premise.objects.select_for_update().get(pk=premise.pk)
    for name in OWNER_FIELDS:
        setattr(premise, name, fields.get(name, "").strip())
    if premise.owner_name and not (premise.owner_line1 and premise.owner_city):
        raise ValidationError({"owner_line1": "Give the owner's mailing address."})
    refuse_card_numbers_in(premise)
    premise.full_clean()
    _with_history(premise, acting_user=acting_user, reason="Property owner on file").save()
    return premise


@transaction.atomic
def account_open(
    *,
    customer: Customer,
    premise: Premise,
    account_class: str,
    acting_user: User,
    start_date: date | None = None,
    master: Account | None = None,
    is_master: bool = False,
) -> Account:
    """Open a new account (status pending) with a check-digit number from the counter row."""
    require_perm(acting_user, "accounts.add_account")
    if master is not None:
        _check_can_be_master_of(master)
    account = Account(
        number=with_check_digit(next_number("account", start=ACCOUNT_NUMBER_START)),
        customer=customer,
        premise=premise,
        account_class=account_class,
        start_date=start_date or timezone.localdate(),
        master=master,
        is_master=is_master,
        opened_by=acting_user,
    )
    account.full_clean()
    account.search_document = search_document_for(account)
    _with_history(account, acting_user=acting_user, reason="Account opened").save()
    return account


def _check_can_be_master_of(master: Account) -> None:
    if not master.is_master:
        raise ValidationError({"master": "That account is not a master account."})
    if master.status == AccountStatus.CLOSED:
        raise ValidationError({"master": "That master account is closed."})


@transaction.atomic
def account_change_status(*, account: Account, to: str, acting_user: User, reason: str) -> Account:
    """Move along pending -> active -> final -> closed; closing needs a zero balance."""
    perm = "accounts.close_account" if to == AccountStatus.CLOSED else "accounts.change_account"
    require_perm(acting_user, perm)
    refuse_card_numbers(reason=reason)
    account = Account.objects.select_for_update().get(pk=account.pk)
    if to not in STATUS_MOVES.get(account.status, set()):
        raise ValidationError(
            f"An account that is {account.get_status_display().lower()} cannot become {to}."
        )
    if to == AccountStatus.CLOSED:
        _check_can_close(account)
    account.status = to
    if to in (AccountStatus.FINAL, AccountStatus.CLOSED) and account.end_date is None:
        account.end_date = max(timezone.localdate(), account.start_date)
    if to == AccountStatus.ACTIVE:
        account.end_date = None
    _with_history(account, acting_user=acting_user, reason=reason).save()
    return account


FORWARDING_FIELDS = ("line1", "line2", "city", "state", "zip_code")


@transaction.atomic
def account_set_forwarding_address(
    *,
    account: Account,
    line1: str,
    city: str,
    state: str,
    zip_code: str,
    acting_user: User,
    line2: str = "",
    reason: str = "",
) -> Account:
    """Where mail goes once service stops (the final bill, a refund cheque), with history."""
    require_perm(acting_user, "accounts.change_account")
    typed = {"line1": line1, "line2": line2, "city": city, "state": state, "zip_code": zip_code}
    typed = {name: " ".join((value or "").split()) for name, value in typed.items()}
    refuse_card_numbers(reason=reason, **typed)
    missing = {
        n: "This is required." for n in ("line1", "city", "state", "zip_code") if not typed[n]
    }
    if missing:
        raise ValidationError(missing)
    account = Account.objects.select_for_update().get(pk=account.pk)
    account.forwarding_line1, account.forwarding_line2 = typed["line1"], typed["line2"]
    account.forwarding_city, account.forwarding_state = typed["city"], typed["state"].upper()
    account.forwarding_zip = typed["zip_code"]
    account.full_clean(exclude=["customer", "premise", "master", "opened_by"])
    why = reason or "Forwarding address set"
    _with_history(account, acting_user=acting_user, reason=why).save(
        update_fields=[f"forwarding_{name.removesuffix('_code')}" for name in FORWARDING_FIELDS]
    )
    return account


def _check_can_close(account: Account) -> None:
    if account.balance.amount != 0:
        owed = account.balance.amount
        what = f"owes ${owed:,.2f}" if owed > 0 else f"has a ${-owed:,.2f} credit"
        raise ValidationError(
            f"Account {account.number} {what}. Collect, refund or transfer it before closing."
        )
    if account.sub_accounts.exclude(status=AccountStatus.CLOSED).exists():
        raise ValidationError(
            "Close or detach the sub-accounts before closing this master account."
        )


@transaction.atomic
def account_set_master(*, account: Account, is_master: bool, acting_user: User) -> Account:
    require_perm(acting_user, "accounts.manage_master_account")
    account = Account.objects.select_for_update().get(pk=account.pk)
    if is_master and account.master_id:
        raise ValidationError("A sub-account cannot become a master account; detach it first.")
    if not is_master and account.sub_accounts.exists():
        raise ValidationError("Detach the sub-accounts before removing master status.")
    account.is_master = is_master
    reason = "Made a master account" if is_master else "Master status removed"
    _with_history(account, acting_user=acting_user, reason=reason).save()
    return account


@transaction.atomic
def account_attach_sub(
    *,
    master: Account,
    sub: Account | None,
    acting_user: User,
    detach: bool = False,
    other_customer_confirmed: bool = False,
) -> Account:
    """Attach ``sub`` under ``master`` (or detach it when ``detach``).

    Another customer's residential account is refused unless
    ``other_customer_confirmed`` (a landlord's tenants are usually the landlord's
    own accounts; a stranger's home under a master is most often a mistyped number).
    """
    require_perm(acting_user, "accounts.manage_master_account")
    assert sub is not None
    master, sub = (Account.objects.select_for_update().get(pk=a.pk) for a in (master, sub))
    if detach:
        if sub.master_id != master.pk:
            raise ValidationError({"sub": "That account is not a sub-account of this master."})
        sub.master = None
        reason = f"Detached from master account {master.number}"
    else:
        _check_can_be_master_of(master)
        if sub.pk == master.pk:
            raise ValidationError({"sub": "An account cannot be its own sub-account."})
        if sub.is_master:
            raise ValidationError({"sub": "A master account cannot be a sub-account."})
        if sub.master_id and sub.master_id != master.pk:
            raise ValidationError({"sub": "That account already belongs to another master."})
        if sub.status == AccountStatus.CLOSED:
            raise ValidationError({"sub": "That account is closed."})
        stranger = _is_strangers_home(master, sub)
        if stranger and not other_customer_confirmed:
            asked = ValidationError(_stranger_message(sub), code="confirm_other_customer")
            raise ValidationError({"sub": asked})
        sub.master = master
        reason = f"Attached to master account {master.number}"
        if stranger:
            reason += " (another customer's residential account, confirmed)"
    _with_history(sub, acting_user=acting_user, reason=reason).save()
    return sub


def _is_strangers_home(master: Account, sub: Account) -> bool:
    return sub.customer_id != master.customer_id and sub.account_class == AccountClass.RESIDENTIAL


def _stranger_message(sub: Account) -> str:
    return (
        f"Account {sub.number} is a residential account of another customer "
        f"({sub.customer.display_name}). Check the number; to attach it anyway, tick "
        "the confirmation and attach again."
    )


@transaction.atomic
def note_add(
    *, account: Account, text: str, acting_user: User, kind: str = NoteKind.NOTE
) -> AccountNote:
    require_perm(acting_user, "accounts.add_accountnote")
    if kind == NoteKind.SYSTEM:
        raise ValidationError({"kind": "System notes are written by the application."})
    note = AccountNote(account=account, text=text.strip(), kind=kind, author=acting_user)
    refuse_card_numbers_in(note)
    note.full_clean()
    note.save()
    return note


def system_note(*, account: Account, text: str, acting_user: User) -> AccountNote:
    """A note the application writes about something it did (no permission of its own)."""
    return AccountNote.objects.create(
        account=account, text=text[:4000], kind=NoteKind.SYSTEM, author=acting_user
    )


@transaction.atomic
def flag_set(
    *, account: Account, kind: str, reason: str, acting_user: User, expires_on: date | None = None
) -> AccountFlag:
    require_perm(acting_user, "accounts.manage_account_flags")
    if kind in FLAGS_NEEDING_EXPIRY and expires_on is None:
        raise ValidationError({"expires_on": "This flag needs an expiry date."})
    if expires_on is not None and expires_on < timezone.localdate():
        raise ValidationError({"expires_on": "The expiry date is in the past."})
    if AccountFlag.objects.filter(account=account, kind=kind, cleared_at__isnull=True).exists():
        raise ValidationError({"kind": "This flag is already set on the account."})
    flag = AccountFlag(
        account=account, kind=kind, reason=reason.strip(), expires_on=expires_on, set_by=acting_user
    )
    refuse_card_numbers_in(flag)
    flag.full_clean()
    _with_history(flag, acting_user=acting_user, reason=f"Flag set: {reason}"[:500]).save()
    return flag


@transaction.atomic
def flag_clear(*, flag: AccountFlag, reason: str, acting_user: User) -> AccountFlag:
    require_perm(acting_user, "accounts.manage_account_flags")
    refuse_card_numbers(reason=reason)
    flag = AccountFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.cleared_at is not None:
        raise ValidationError("This flag was already cleared.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the flag is cleared."})
    flag.cleared_at = timezone.now()
    flag.cleared_by = acting_user
    flag.clear_reason = reason.strip()
    _with_history(flag, acting_user=acting_user, reason=f"Flag cleared: {reason}"[:500]).save()
    return flag
