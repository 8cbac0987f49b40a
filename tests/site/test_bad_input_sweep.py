"""A bad-input sweep over every form that accepts a POST.

Each case posts a form's valid baseline with ONE field replaced by a bad value
(or a bad upload) and checks three properties:

1. never a server error (an exception in the view fails the case, naming the
   application lines it passed through);
2. when refused, the form comes back (200 or 400) with an error message shown,
   and the other fields still hold what was typed;
3. when refused, nothing is half-saved: the row count and contents of every
   table of the project's apps (the one-time form tokens included) are as before.

A value that can never be right for its field (an amount of "NaN", a date of
"2026-02-30", an unknown id, a NUL byte, 10,000 characters ...) must be refused;
prose may accept "<script>" or "שלום". ``Field.values`` says which values each
kind of field gets: prose (names, memos, reasons) skips the number-shaped ones.

``FORMS`` is the table: URL, role, valid baseline, fields attacked, rows a
success writes. ``DEFECTS`` lists the cases that fail because the application
misbehaves; they are strict xfails, so a fix shows up as an XPASS to remove.

The data the forms need (users named as in tests/conftest.py, accounts,
drawers, payments, requests, batches) is built once per module inside a
transaction rolled back at the end; each case runs in a savepoint of it. The
money forms' one-time tokens are issued for the purpose their pages use;
``test_the_baseline_is_accepted`` posts every baseline with the token read
from the GET page, so the baselines and purposes are known to be right.
"""

from __future__ import annotations

import codecs
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html import escape, unescape
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse

from accounts import services as account_services
from accounts.choices import FlagKind
from accounts.models import Account, AccountFlag, AccountNote, Customer, Premise
from adjustments import services as adjustment_services
from adjustments.choices import Direction
from adjustments.models import AdjustmentReason, AdjustmentRequest, Refund
from adjustments.refunds import requests as refund_requests
from billing_site.common.idempotency import issue_token
from ledger import services as ledger_services
from ledger.models import BusinessDay, GLAccount, JournalTransaction
from payments import services as payment_services
from payments import tasks
from payments.choices import DrawerStatus, ItemStatus
from payments.models import (
    Closeout,
    Drawer,
    MiscRevenueItem,
    Payment,
    RemittanceBatch,
    RemittanceItem,
    ReturnedPayment,
    Tender,
)
from payments.services import AccountPart, TenderIn
from tests.factories import make_account, make_customer, make_premise, make_user, service
from tests.payments.lockbox_files import lockbox_file

D = Decimal
ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db  # each case in a savepoint of the module's world

# -- the bad values ----------------------------------------------------------------------

BAD: dict[str, str] = {
    "empty": "",
    "spaces": "   ",
    "minus5": "-5",
    "zero": "0",
    "tenth-cent": "0.001",
    "exponent": "1e5",
    "nan": "NaN",
    "infinity": "Infinity",
    "fullwidth": "\uff11\uff12\uff13",  # full-width 123
    "superscript": "²",
    "20-digits": "99999999999999999999",
    "commas": "12,34.5",
    "script": "<script>alert(1)</script>",
    "sql": "'; DROP TABLE x; --",
    "emoji": "😀",
    "rtl": "שלום",
    "nul": "a\x00b",
    "10k-chars": "x" * 10_000,
    "card": "4111 1111 1111 1111",  # a payment card number: refused everywhere, never shown
}
BAD_DATES = {"feb-30": "2026-02-30", "year-1": "0001-01-01", "year-99999": "99999-01-01"}
BAD_IDS = {"id-unknown": "999999999", "id-abc": "abc", "id-minus1": "-1"}
CHOICE_ALSO = ("empty", "spaces", "20-digits", "fullwidth", "script", "nul", "10k-chars", "card")
# Prose (names, addresses, memos, reasons) gets no number-shaped values: "NaN" is fine prose.
PROSE = ("empty", "spaces", "script", "sql", "emoji", "rtl", "nul", "10k-chars", "card")
BLANK = {"empty", "spaces"}

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
BAD_FILES: dict[str, Callable[[], SimpleUploadedFile]] = {
    "png-named-csv": lambda: SimpleUploadedFile("lockbox.csv", PNG, "text/csv"),
    "utf16-csv": lambda: SimpleUploadedFile(
        "lockbox.csv", codecs.BOM_UTF16_LE + _lockbox_csv().decode().encode("utf-16-le"), "text/csv"
    ),
    "empty-file": lambda: SimpleUploadedFile("empty.csv", b"", "text/csv"),
    "empty-pdf": lambda: SimpleUploadedFile("scan.pdf", b"", "application/pdf"),
    "text-named-pdf": lambda: SimpleUploadedFile(
        "scan.pdf", b"just some words\n", "application/pdf"
    ),
}


def _lockbox_csv(number: str = "12345670") -> bytes:
    """A well-formed lockbox file (bank batch 7, so the world's import does not skip it)."""
    return lockbox_file([(number, "5.00")], batch=7)


# Field kinds: which bad values each gets, and which of them must be refused.
TEXT = "text"  # prose: text-shaped values only
CODE = "code"  # a check number, serial or code: text, but every value is tried
PATTERN = "pattern"  # phone, email, state, ZIP: no bad value is a valid one
AMOUNT = "amount"  # dollars and cents
COUNT = "count"  # a whole number of pieces or stubs
DATE = "date"
CHOICE = "choice"  # radio, select or primary key typed in a box
NUMBER = "number"  # an account number typed in a box
FILE = "file"
TOKEN = "token"


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    required: bool = False
    ok: frozenset[str] = frozenset()  # bad-value ids this field may accept after all
    keeps_others: bool = True  # False: a refusal need not show the other fields again
    fmt: str = "{}"  # where the bad value goes in what is typed (one part of a line)
    part: str = ""  # names that part in the case id

    @property
    def case(self) -> str:
        return f"{self.name}.{self.part}" if self.part else self.name

    def values(self) -> dict[str, Any]:
        if self.kind == TEXT:
            return {k: BAD[k] for k in PROSE}
        if self.kind == FILE:
            return dict(BAD_FILES)
        if self.kind == DATE:
            return {**BAD, **BAD_DATES}
        if self.kind == CHOICE:
            return {**BAD_IDS, **{k: BAD[k] for k in CHOICE_ALSO}}
        if self.kind == NUMBER:
            return {**BAD, **BAD_IDS}
        return dict(BAD)

    def must_refuse(self, value_id: str) -> bool:
        if value_id == "card":  # card numbers nowhere (DESIGN section 5)
            return True
        if value_id in self.ok:
            return False
        if value_id in BLANK:
            return self.required
        if self.kind in (TEXT, CODE):  # text: NUL cannot be stored, and nothing is cut short
            return value_id in ("nul", "10k-chars")
        if self.kind == AMOUNT:
            return True  # ASCII digits only: full-width 123 is refused, not read as 123
        if self.kind == COUNT:
            return value_id not in {"zero", "fullwidth"}
        return True  # dates, choices, ids, patterns, files, tokens: none is valid


def fields(kind: str, *names: str, required: bool = False) -> list[Field]:
    return [Field(name, kind, required) for name in names]


# -- the world every form works on --------------------------------------------------------


@dataclass
class World:
    users: dict[str, Any]
    account: Any  # active, owes water and sewer
    sibling: Any  # same customer: a transfer target
    master: Any  # a master with one billed sub-account
    loose: Any  # an account to attach as a sub
    lone_master: Any  # a master without sub-accounts
    flag: Any  # a flag in force on ``sibling``
    customer: Any
    premise: Any
    pending: Any  # alice's adjustment request waiting for approval
    posted: Any  # alice's adjustment request, approved by carol
    paid_today: Any  # alice's cash payment of today (to void)
    paid_friday: Any  # alice's check payment of the closed day (to return)
    mailed_friday: Any  # a mail batch item of the closed day (to return)
    batch: Any  # an open mail batch
    exception: Any  # a lockbox row with an unknown account
    extra: dict[str, Any] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)

    def sign_in(self) -> None:
        """One client per role, signed in for the whole module (a new client loads the
        middleware again, and a session made inside a case would go with its savepoint)."""
        for role, user in self.users.items():
            self.clients[role] = Client()
            self.clients[role].force_login(user)

    def client(self, role: str) -> Client:
        client = self.clients[role]
        client.cookies.pop("messages", None)  # no message left over from the last case
        return client


def _build_world() -> World:
    users = {
        "alice": make_user("alice", "Clerk"),
        "bob": make_user("bob", "Coordinator"),
        "carol": make_user("carol", "Supervisor"),
        "sam": make_user("sam", "Supervisor"),
    }
    alice, bob, carol, sam = users["alice"], users["bob"], users["carol"], users["sam"]
    BusinessDay.objects.create(date=date(2026, 11, 20))
    account = make_account(bob)
    sibling = make_account(bob, customer=account.customer)
    master = make_account(bob, is_master=True)
    sub = make_account(bob, master=master)
    loose = make_account(bob, customer=master.customer)  # the same owner: no confirmation
    lone_master = make_account(bob, is_master=True)
    charges = [(service("WATER"), D("200.00")), (service("SEWER"), D("50.00"))]
    for target in (account, sibling, sub):
        ledger_services.post_charges(account=target, charges=charges, memo="Bill", acting_user=bob)
    flag = account_services.flag_set(
        account=sibling, kind=FlagKind.DISPUTE, reason="Bill in dispute", acting_user=bob
    )

    # Friday: a check at the counter and a mail batch, then the day is closed.
    drawer = payment_services.drawer_open(counts={"d20": 5}, acting_user=alice)
    paid_friday = payment_services.payment_take(
        drawer=drawer,
        accounts=[AccountPart(account=account, amount=D("30.00"))],
        tenders=[TenderIn("check", D("30.00"), "3001")],
        acting_user=alice,
    )
    mail = payment_services.batch_create(control_count=1, control_total=D("20.00"), acting_user=bob)
    mailed_friday = payment_services.batch_add_item(
        batch=mail,
        account_text=account.number,
        amount=D("20.00"),
        check_number="77",
        acting_user=bob,
    )
    payment_services.batch_post(batch=mail, acting_user=bob)
    payment_services.drawer_close(
        drawer=drawer, counts={"d20": 5}, checks=[("3001", D("30.00"))], acting_user=alice
    )
    payment_services.closeout_run(acting_user=sam)

    # Monday (2026-11-23): an open drawer with a cash payment, an open mail batch, a lockbox.
    drawer = payment_services.drawer_open(counts={"d20": 5}, acting_user=alice)
    paid_today = payment_services.payment_take(
        drawer=drawer,
        accounts=[AccountPart(account=account, amount=D("10.00"))],
        tenders=[TenderIn("cash", D("10.00"))],
        acting_user=alice,
    )
    batch = payment_services.batch_create(
        control_count=2, control_total=D("45.00"), acting_user=bob
    )
    lockbox = payment_services.lockbox_import(
        file_name="monday.csv", data=lockbox_file([("12345678", "20.00")]), acting_user=bob
    )
    tasks.lockbox_post.enqueue(lockbox.pk, bob.pk)
    exception = RemittanceItem.objects.get(batch=lockbox, status=ItemStatus.EXCEPTION)

    leak = AdjustmentReason.objects.get(code="LEAK")

    def request(memo: str) -> Any:
        return adjustment_services.request_adjustment(
            account=account,
            direction=Direction.CREDIT,
            reason=leak,
            amounts=[(service("WATER"), D("5.00"))],
            memo=memo,
            acting_user=alice,
        )

    pending = request("Leak, waiting")
    posted = request("Leak, posted")
    adjustment_services.request_approve(adjustment_request=posted, acting_user=carol)
    credit = make_account(bob)  # paid $60.00 with nothing owed: a $60.00 credit
    ledger_services.post_payment(account=credit, amount=D("60.00"), memo="Paid", acting_user=bob)
    refund = refund_requests.refund_request(
        account=credit, amount=D("20.00"), memo="Overpaid", acting_user=bob
    )
    return World(
        users=users,
        account=account,
        sibling=sibling,
        master=master,
        loose=loose,
        lone_master=lone_master,
        flag=flag,
        customer=make_customer(bob),
        premise=make_premise(bob),
        pending=pending,
        posted=posted,
        paid_today=paid_today,
        paid_friday=paid_friday,
        mailed_friday=mailed_friday,
        batch=batch,
        exception=exception,
        extra={
            "leak": leak.pk,
            "permit": MiscRevenueItem.objects.get(name="Building permit").pk,
            "gl_over_short": GLAccount.objects.get(code="001-5910").pk,
            "gl_copies": GLAccount.objects.get(code="001-4630").pk,
            "credit": credit,
            "refund": refund.pk,
        },
    )


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Any:
    """Built once; every case runs in a savepoint of this transaction, which is rolled back."""
    # Sessions are signed in once: no idle-timeout touch may save them inside the cases.
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        override_settings(SESSION_TOUCH_SECONDS=24 * 60 * 60),
    ):
        # This module-wide transaction stands for a test case's own wrapping: views may
        # render PDFs after their work commits (the render refuses inside real ones).
        connection.atomic_blocks[-1]._from_testcase = True
        built = _build_world()
        built.sign_in()
        yield built
        transaction.set_rollback(True)


# -- the forms -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    url: Callable[[World], str]
    role: str
    baseline: Callable[[World], dict[str, Any]]
    attack: list[Field]
    rows: tuple[Any, ...]  # models a successful POST writes to
    purpose: Callable[[World], str] | None = None  # the one-time token's purpose
    page: Callable[[World], str] | None = None  # the GET page handing out the token
    context: str = "form"  # where the view puts the bound form
    prepare: Callable[[World], None] | None = None  # run before posting, inside the case
    refused_by_redirect: bool = False  # the view redirects with a message when it refuses


def _url(name: str, *args: Callable[[World], Any]) -> Callable[[World], str]:
    return lambda w: reverse(name, args=[get(w) for get in args])


def _fixed(text: str) -> Callable[[World], str]:
    return lambda w: text


def _counts(**counts: str) -> dict[str, str]:
    names = ["d100", "d50", "d20", "d10", "d5", "d2", "d1", "c100", "c50", "c25", "c10", "c5", "c1"]
    return {name: counts.get(name, "") for name in names}


# The thirteen denominations are one IntegerField built in a loop (payments.forms.CountForm):
# the largest bill and the penny stand for them.
SAMPLED_COUNTS = ("d100", "c1")


def _close_alices_drawer(w: World) -> None:
    drawer = Drawer.objects.get(clerk=w.users["alice"], status=DrawerStatus.OPEN)
    payment_services.drawer_close(
        drawer=drawer, counts={"d20": 5, "d10": 1}, checks=[], acting_user=w.users["alice"]
    )


def _open_baseline(w: World) -> dict[str, Any]:
    return {
        "customer_mode": "new",
        "kind": "person",
        "first_name": "Pat",
        "last_name": "Sweeper",
        "organisation_name": "",
        "phone": "850-555-0142",
        "alt_phone": "850-555-0199",
        "email": "pat.sweeper@example.org",
        "mailing_line1": "12 Elm St",
        "mailing_line2": "Apt 3",
        "mailing_city": "Tallahassee",
        "mailing_state": "FL",
        "mailing_zip": "32301",
        "premise_mode": "new",
        "line1": "14 Elm St",
        "line2": "Unit 2",
        "city": "Tallahassee",
        "state": "FL",
        "zip_code": "32303",
        "account_class": "residential",
        "start_date": "2026-11-23",
        "master_number": w.master.number,
    }


def _customer_baseline(w: World) -> dict[str, Any]:
    c = w.account.customer
    return {
        "phone": "850-555-0199",  # the change
        "alt_phone": "",
        "email": c.email,
        "mailing_line1": c.mailing_line1,
        "mailing_line2": "Suite 5",
        "mailing_city": c.mailing_city,
        "mailing_state": c.mailing_state,
        "mailing_zip": c.mailing_zip,
        "reason": "Customer called with a new number",
    }


def _gl_baseline(w: World) -> dict[str, Any]:
    return {
        "memo": "Reclass copy fees",
        "action": "submit",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "40",
        "lines-0-gl_account": w.extra["gl_over_short"],
        "lines-0-debit": "12.50",
        "lines-0-credit": "",
        "lines-1-gl_account": w.extra["gl_copies"],
        "lines-1-debit": "",
        "lines-1-credit": "12.50",
    }


def _take_baseline(w: World) -> dict[str, Any]:
    return {
        "account_0": w.account.number,
        "amount_0": "40.00",
        "account_1": "",
        "amount_1": "",
        "cash_amount": "10.00",
        "check_amount": "10.00",
        "check_number": "1001",
        "mo_amount": "10.00",
        "mo_serial": "MO-77",
        "card_amount": "10.00",
        "card_brand": "visa",
        "card_last4": "4242",
        "card_auth": "A1B2C3",
        "payer": "Pat Payer",
    }


ACCOUNT_TEXT = fields(TEXT, "first_name", "organisation_name", "mailing_line2", "line2") + fields(
    TEXT, "last_name", "mailing_line1", "mailing_city", "line1", "city", required=True
)
# The service address's state and ZIP and the second phone are the same field classes as
# these (StateField, ZipField, PhoneField): every bad value stops at the field's clean().
CONTACT = fields(PATTERN, "phone", "email") + fields(
    PATTERN, "mailing_state", "mailing_zip", required=True
)

WATCHED_APPS = ("billing_site.common", "accounts", "ledger", "adjustments", "payments")
ROWS_ACCOUNTS = (Account, Customer, Premise)
ROWS_MONEY = (JournalTransaction, Payment)
ROWS_REQUEST = (AdjustmentRequest,)
ROWS_DECISION = (AdjustmentRequest, JournalTransaction)

FORMS: dict[str, Form] = {
    # -- accounts -------------------------------------------------------------------------
    "open": Form(
        url=_url("accounts:open"),
        role="bob",
        purpose=_fixed("accounts.open"),
        baseline=_open_baseline,
        attack=[
            *ACCOUNT_TEXT,
            *CONTACT,
            *fields(CHOICE, "customer_mode", "premise_mode", "account_class", required=True),
            Field("kind", CHOICE, ok=BLANK),  # blank means a person
            Field("start_date", DATE, required=True),
            Field("master_number", NUMBER),
        ],
        rows=ROWS_ACCOUNTS,
    ),
    "open-existing": Form(
        url=_url("accounts:open"),
        role="bob",
        purpose=_fixed("accounts.open"),
        baseline=lambda w: {
            "customer_mode": "existing",
            "customer": w.customer.pk,
            "premise_mode": "existing",
            "premise": w.premise.pk,
            "account_class": "commercial",
            "start_date": "2026-11-23",
        },
        attack=fields(CHOICE, "customer", "premise", required=True),
        rows=(Account,),
    ),
    "customer-edit": Form(
        url=_url("accounts:customer_edit", lambda w: w.account.pk),
        role="bob",
        baseline=_customer_baseline,
        attack=[
            # The same contact fields as "open" (ContactFieldsMixin), swept in full there.
            Field("phone", PATTERN),
            Field("mailing_zip", PATTERN, required=True),
            *fields(TEXT, "mailing_line1", "mailing_city", required=True),
            Field("mailing_line2", TEXT),
            Field("reason", TEXT, required=True),
        ],
        rows=(Customer, Customer.history.model),
    ),
    "note": Form(
        url=_url("accounts:note_add", lambda w: w.account.pk),
        role="alice",
        purpose=_fixed("accounts.note"),
        baseline=lambda w: {"kind": "note", "text": "Called about the November bill"},
        attack=[Field("kind", CHOICE, required=True), Field("text", TEXT, required=True)],
        rows=(AccountNote,),
    ),
    "flag-set": Form(
        url=_url("accounts:flag_set", lambda w: w.account.pk),
        role="bob",
        baseline=lambda w: {
            "kind": "do_not_disconnect",
            "reason": "Medical certificate on file",
            "expires_on": "2099-12-31",
        },
        attack=[
            Field("kind", CHOICE, required=True),
            Field("reason", TEXT, required=True),
            Field("expires_on", DATE, required=True),
        ],
        rows=(AccountFlag,),
    ),
    "flag-clear": Form(
        url=_url("accounts:flag_clear", lambda w: w.sibling.pk, lambda w: w.flag.pk),
        role="bob",
        baseline=lambda w: {"reason": "The dispute is settled"},
        attack=[Field("reason", TEXT, required=True)],
        rows=(AccountFlag,),
    ),
    "status": Form(
        url=_url("accounts:status", lambda w: w.account.pk),
        role="bob",
        baseline=lambda w: {"to": "final", "reason": "Moved out"},
        attack=[Field("to", CHOICE, required=True), Field("reason", TEXT, required=True)],
        rows=(Account, Account.history.model),
    ),
    "master-set": Form(
        url=_url("accounts:master_set", lambda w: w.lone_master.pk),
        role="bob",
        baseline=lambda w: {"is_master": "0"},
        attack=[Field("is_master", CHOICE, required=True)],
        rows=(Account, Account.history.model),
        refused_by_redirect=True,
    ),
    "sub-attach": Form(
        url=_url("accounts:sub_attach", lambda w: w.master.pk),
        role="bob",
        baseline=lambda w: {"sub_number": w.loose.number},
        attack=[Field("sub_number", NUMBER, required=True)],
        rows=(Account,),
    ),
    # -- adjustments ----------------------------------------------------------------------
    "adjustment": Form(
        url=_url("adjustments:new"),
        role="alice",
        purpose=_fixed("adjustments.request"),
        baseline=lambda w: {
            "account": w.account.number,
            "direction": "credit",
            "reason": w.extra["leak"],
            "amount_WATER": "12.50",
            "amount_SEWER": "2.50",
            "memo": "Leak at the meter pit, repaired 11/02",
        },
        attack=[
            Field("account", NUMBER, required=True),
            *fields(CHOICE, "direction", "reason", required=True),
            *fields(AMOUNT, "amount_WATER", "amount_SEWER"),
            Field("memo", TEXT, required=True),
            Field("attachment", FILE),
        ],
        rows=ROWS_REQUEST,
    ),
    "transfer": Form(
        url=_url("adjustments:transfer"),
        role="alice",
        purpose=_fixed("adjustments.transfer"),
        baseline=lambda w: {
            "account": w.account.number,
            "to_account": w.sibling.number,
            "transfer_of": "balance",
            "amount": "25.00",
            "memo": "Moving to the other unit",
        },
        attack=[
            *fields(NUMBER, "account", "to_account", required=True),
            Field("transfer_of", CHOICE, required=True),
            Field("amount", AMOUNT, required=True),
            Field("memo", TEXT, required=True),
            Field("attachment", FILE),
        ],
        rows=ROWS_REQUEST,
    ),
    "consolidation": Form(
        url=_url("adjustments:consolidation", lambda w: w.master.pk),
        role="bob",
        purpose=lambda w: f"adjustments.consolidate.{w.master.pk}",
        baseline=lambda w: {"memo": "Consolidate the units onto the master"},
        attack=[Field("memo", TEXT, required=True)],
        rows=ROWS_REQUEST,
    ),
    "gl-journal": Form(
        url=_url("adjustments:gl_new"),
        role="bob",
        purpose=_fixed("adjustments.gl.new"),
        baseline=_gl_baseline,
        attack=[
            Field("memo", TEXT, required=True),
            Field("lines-0-gl_account", CHOICE, required=True),
            Field("lines-0-debit", AMOUNT, required=True),
            Field("lines-1-credit", AMOUNT, required=True),
            # Django's management form: when it is broken the formset has no lines to show.
            Field(
                "lines-TOTAL_FORMS",
                COUNT,
                required=True,
                ok=frozenset({"fullwidth"}),
                keeps_others=False,
            ),
        ],
        rows=ROWS_REQUEST,
    ),
    "approve": Form(
        url=_url("adjustments:approve", lambda w: w.pending.pk),
        page=_url("adjustments:detail", lambda w: w.pending.pk),
        role="carol",
        purpose=lambda w: f"adjustments.decide.{w.pending.pk}",
        baseline=lambda w: {"reason": "Checked the meter photos"},
        attack=[Field("reason", TEXT)],
        rows=ROWS_DECISION,
        context="decision_form",
    ),
    "reject": Form(
        url=_url("adjustments:reject", lambda w: w.pending.pk),
        page=_url("adjustments:detail", lambda w: w.pending.pk),
        role="carol",
        purpose=lambda w: f"adjustments.decide.{w.pending.pk}",
        baseline=lambda w: {"reason": "No leak on the meter photos"},
        attack=[Field("reason", TEXT, required=True)],
        rows=ROWS_REQUEST,
        context="decision_form",
    ),
    "reverse": Form(
        url=_url("adjustments:reverse", lambda w: w.posted.pk),
        role="carol",
        purpose=lambda w: f"adjustments.reverse.{w.posted.pk}",
        baseline=lambda w: {"reason": "Posted to the wrong account"},
        attack=[Field("reason", TEXT, required=True)],
        rows=ROWS_DECISION,
    ),
    "refund-request": Form(
        url=_url("adjustments:refund_new"),
        role="bob",
        purpose=_fixed("adjustments.refund"),
        baseline=lambda w: {
            "account": w.extra["credit"].number,
            "amount": "15.00",
            "payee": "other",
            "payee_name": "Estate of Pat Payer",
            "payee_line1": "9 Elm St",
            "payee_line2": "Apt 2",
            "payee_city": "Quincy",
            "payee_state": "FL",
            "payee_zip": "32351",
            "memo": "Overpaid the final bill",
        },
        attack=[
            Field("account", NUMBER, required=True),
            Field("amount", AMOUNT, required=True),
            Field("payee", CHOICE, required=True),
            *fields(TEXT, "payee_name", "payee_line1", "payee_city", required=True),
            Field("payee_line2", TEXT),
            *fields(PATTERN, "payee_state", "payee_zip", required=True),
            Field("memo", TEXT, required=True),
        ],
        rows=(Refund,),
    ),
    "refund-approve": Form(
        url=_url("adjustments:refund_approve", lambda w: w.extra["refund"]),
        page=_url("adjustments:refund", lambda w: w.extra["refund"]),
        role="carol",
        purpose=lambda w: f"adjustments.refund.decide.{w.extra['refund']}",
        baseline=lambda w: {"reason": "Checked the ledger"},
        attack=[Field("reason", TEXT)],
        rows=(Refund, JournalTransaction),
        context="decision_form",
    ),
    "refund-reject": Form(
        url=_url("adjustments:refund_reject", lambda w: w.extra["refund"]),
        page=_url("adjustments:refund", lambda w: w.extra["refund"]),
        role="carol",
        purpose=lambda w: f"adjustments.refund.decide.{w.extra['refund']}",
        baseline=lambda w: {"reason": "The customer keeps the credit"},
        attack=[Field("reason", TEXT, required=True)],
        rows=(Refund,),
        context="decision_form",
    ),
    "forwarding": Form(
        url=_url("accounts:forwarding", lambda w: w.sibling.pk),
        role="bob",
        baseline=lambda w: {
            "line1": "12 New Rd",
            "line2": "Apt 4",
            "city": "Quincy",
            "state": "FL",
            "zip_code": "32351",
        },
        attack=[
            *fields(TEXT, "line1", "city", required=True),
            Field("line2", TEXT),
            *fields(PATTERN, "state", "zip_code", required=True),
        ],
        rows=(Account, Account.history.model),
    ),
    # -- payments -------------------------------------------------------------------------
    "take": Form(
        url=_url("payments:take"),
        role="alice",
        purpose=_fixed("payments.take"),
        baseline=_take_baseline,
        attack=[
            Field("account_0", NUMBER, required=True),
            Field("amount_0", AMOUNT, required=True),
            Field("account_1", NUMBER),
            Field("amount_1", AMOUNT),
            *fields(AMOUNT, "cash_amount", "check_amount", "mo_amount", "card_amount"),
            *fields(CODE, "check_number", "mo_serial", "card_auth", required=True),
            Field("card_last4", PATTERN, required=True),
            Field("card_brand", CHOICE, required=True),
            Field("payer", TEXT),
        ],
        rows=(*ROWS_MONEY, Tender),
    ),
    "misc": Form(
        url=_url("payments:misc"),
        role="alice",
        purpose=_fixed("payments.misc"),
        baseline=lambda w: {
            "item": w.extra["permit"],
            "description": "Permit 26-001, shed",
            "amount": "25.00",
            "cash_amount": "30.00",
            "payer": "Pat Builder",
        },
        attack=[
            Field("item", CHOICE, required=True),
            Field("description", TEXT),
            Field("amount", AMOUNT, required=True),
            Field("cash_amount", AMOUNT, required=True),
            Field("payer", TEXT),
        ],
        rows=ROWS_MONEY,
    ),
    "drawer-open": Form(
        url=_url("payments:drawer_open"),
        role="bob",
        purpose=_fixed("payments.drawer_open"),
        baseline=lambda w: _counts(d20="5", c25="40"),
        attack=fields(COUNT, *SAMPLED_COUNTS),
        rows=(Drawer,),
    ),
    "drawer-close": Form(
        url=_url("payments:drawer_close"),
        role="alice",
        purpose=_fixed("payments.drawer_close"),
        baseline=lambda w: {**_counts(d20="5", d10="1"), "checks": "", "confirmed": "1"},
        attack=[
            *fields(COUNT, *SAMPLED_COUNTS),
            # One line per check: "number amount"; each part gets the bad values.
            Field("checks", CODE, fmt="{} 5.00", part="number"),
            Field("checks", AMOUNT, fmt="1001 {}", part="amount"),
        ],
        rows=(Drawer,),
    ),
    "void": Form(
        url=_url("payments:void", lambda w: w.paid_today.pk),
        page=_url("payments:receipt", lambda w: w.paid_today.pk),
        role="carol",
        purpose=_fixed("payments.void"),
        baseline=lambda w: {"reason": "Posted to the wrong account"},
        attack=[Field("reason", TEXT, required=True)],
        rows=ROWS_MONEY,
        context="void_form",
    ),
    "return-payment": Form(
        url=_url("payments:return_payment", lambda w: w.paid_friday.pk),
        role="bob",
        purpose=_fixed("payments.return"),
        baseline=lambda w: {"kind": "returned_check", "reason": "NSF"},
        attack=[Field("kind", CHOICE, required=True), Field("reason", TEXT, required=True)],
        rows=(*ROWS_MONEY, ReturnedPayment),
    ),
    "return-item": Form(
        url=_url("payments:return_item", lambda w: w.mailed_friday.pk),
        role="bob",
        purpose=_fixed("payments.return"),
        baseline=lambda w: {"kind": "returned_check", "reason": "Account closed"},
        attack=[Field("kind", CHOICE, required=True), Field("reason", TEXT, required=True)],
        rows=(JournalTransaction, RemittanceItem, ReturnedPayment),
    ),
    "mail-batch": Form(
        url=_url("payments:batches"),
        role="bob",
        purpose=_fixed("payments.batch_create"),
        baseline=lambda w: {"control_count": "2", "control_total": "150.00"},
        attack=[
            Field("control_count", COUNT, required=True, ok=frozenset({"fullwidth"})),
            Field("control_total", AMOUNT, required=True),
        ],
        rows=(RemittanceBatch,),
    ),
    "mail-item": Form(
        url=_url("payments:batch_item_add", lambda w: w.batch.pk),
        page=_url("payments:batch", lambda w: w.batch.pk),
        role="bob",
        purpose=_fixed("payments.batch_stub"),
        baseline=lambda w: {"account": w.account.number, "amount": "25.00", "check_number": "5001"},
        attack=[
            Field("account", NUMBER, required=True),
            Field("amount", AMOUNT, required=True),
            Field("check_number", CODE, required=True),
        ],
        rows=(RemittanceItem,),
        context="stub",
    ),
    "lockbox": Form(
        url=_url("payments:lockbox_upload"),
        role="bob",
        baseline=lambda w: {
            "file": SimpleUploadedFile("lockbox.csv", _lockbox_csv(w.account.number), "text/csv")
        },
        attack=[Field("file", FILE, required=True)],
        rows=(RemittanceBatch, RemittanceItem, JournalTransaction),
        context="lockbox",
    ),
    "resolve-post": Form(
        url=_url("payments:item_resolve", lambda w: w.exception.pk),
        page=_url("payments:exceptions"),
        role="bob",
        purpose=_fixed("payments.item_resolve"),
        baseline=lambda w: {"action": "post", "account": w.account.number, "reason": ""},
        attack=[Field("action", CHOICE, required=True), Field("account", NUMBER, required=True)],
        rows=(RemittanceItem, JournalTransaction),
    ),
    "resolve-reject": Form(
        url=_url("payments:item_resolve", lambda w: w.exception.pk),
        page=_url("payments:exceptions"),
        role="bob",
        purpose=_fixed("payments.item_resolve"),
        baseline=lambda w: {"action": "reject", "account": "", "reason": "Not our customer"},
        attack=[Field("reason", TEXT, required=True)],
        rows=(RemittanceItem,),
    ),
    "closeout": Form(
        url=_url("payments:closeout"),
        role="carol",
        purpose=_fixed("payments.closeout"),
        baseline=lambda w: {"confirmed": "1"},  # the confirm step's POST
        attack=[Field("token", TOKEN, required=True)],
        rows=(Closeout, BusinessDay),
        context="",
        prepare=_close_alices_drawer,
    ),
}

# -- defects found: cases that fail because the application misbehaves -------------------
# Each is a strict xfail keyed (form, field, value id) with the reason, so a fix shows
# up as an XPASS to remove. The first sweep found six (NUL in the payment screen's
# account box, misplaced commas in amounts, a refused void losing its form, any
# is_master value but "1" removing master status, no message for a bad exception
# action, unlimited check numbers at drawer close); all are fixed.
DEFECTS: dict[tuple[str, str, str], str] = {}


def _cases() -> list[Any]:
    cases = []
    for form_name, form in FORMS.items():
        for spec in form.attack:
            for value_id in spec.values():
                reason = DEFECTS.get((form_name, spec.case, value_id))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                case_id = f"{form_name}-{spec.case}-{value_id}"
                cases.append(pytest.param(form_name, spec, value_id, marks=marks, id=case_id))
    return cases


# -- checking a response ---------------------------------------------------------------------

_TAG = re.compile(
    r"<(input)\b([^>]*)>|<(textarea)\b([^>]*)>(.*?)</textarea>|<(select)\b([^>]*)>(.*?)</select>",
    re.S,
)
_ATTR = re.compile(r'([\w-]+)(?:="([^"]*)")?')
_OPTION = re.compile(r"<option\b([^>]*)>")


def _attrs(text: str) -> dict[str, str]:
    return {name: unescape(value or "") for name, value in _ATTR.findall(text)}


def _typed_values(html: str) -> dict[str, list[str]]:
    """What the page shows in each form control, by field name."""
    shown: dict[str, list[str]] = {}
    for m in _TAG.finditer(html):
        if m.group(1):  # <input>
            a = _attrs(m.group(2))
            if a.get("type") in ("radio", "checkbox") and "checked" not in a:
                continue
            values = [a.get("value", "")]
        elif m.group(3):  # <textarea>
            a = _attrs(m.group(4))
            values = [unescape(m.group(5)).removeprefix("\r\n").removeprefix("\n")]
        else:  # <select>
            a = _attrs(m.group(7))
            options = [_attrs(o) for o in _OPTION.findall(m.group(8))]
            values = [o.get("value", "") for o in options if "selected" in o]
        shown.setdefault(a.get("name", ""), []).extend(values)
    return shown


def _error_messages(response: Any, form: Form) -> list[str]:
    """Every error message the view handed its template."""
    found: list[str] = []
    context = response.context
    bound = context.get(form.context) if form.context else None
    if bound is not None:
        found += [str(e) for errors in bound.errors.values() for e in errors]
    formset = context.get("formset")
    if formset is not None:
        found += [str(e) for e in formset.non_form_errors()]
        found += [str(e) for sub in formset.forms for errors in sub.errors.values() for e in errors]
    error = context.get("error")
    if error:
        found += [str(e) for e in (error if isinstance(error, list) else [error])]
    return found


def _watched_models() -> list[Any]:
    return [
        model
        for config in apps.get_app_configs()
        if config.name in WATCHED_APPS
        for model in config.get_models()
    ]


def _snapshot() -> dict[str, str]:
    """Row count and a digest of the contents of every table of the four apps (one query)."""
    models = _watched_models()
    q = connection.ops.quote_name
    parts = [
        f"(SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' "
        f"ORDER BY t.{q(m._meta.pk.column)})), '') FROM {q(m._meta.db_table)} t)"
        for m in models
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return {m._meta.label: value for m, value in zip(models, row, strict=True)}


def _changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


# Every case of a form starts from the same rolled-back world: its tables are read once.
_BEFORE: dict[str, dict[str, str]] = {}


def _post(w: World, form: Form, data: dict[str, Any], token: str | None = None) -> Any:
    client = w.client(form.role)
    if form.purpose is not None and "token" not in data:
        user = w.users[form.role]
        data = {"token": token or issue_token(user_id=user.pk, purpose=form.purpose(w)), **data}
    return client.post(form.url(w), data)


def _app_frames(error: BaseException) -> str:
    """Where in the application's own code the exception passed, innermost last."""
    frames = traceback.extract_tb(error.__traceback__)
    return "via " + " > ".join(
        f"{Path(f.filename).relative_to(ROOT)}:{f.lineno}"
        for f in frames
        if f.filename.startswith(str(ROOT))
        and "/.venv/" not in f.filename
        and "/tests/" not in f.filename
    )


def _echoed(name: str) -> bool:
    """Whether the page shows a field's typed value back (buttons and bookkeeping do not)."""
    return name not in ("token", "action", "confirmed") and not name.endswith("_FORMS")


def _label(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 40 else text[:37] + "..."


# -- the tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("form_name", list(FORMS))
def test_the_baseline_is_accepted(world: World, form_name: str) -> None:
    """Each baseline is valid, with the token its page hands out: refusals below are the value's."""
    form = FORMS[form_name]
    if form.prepare:
        form.prepare(world)
    token = None
    if form.purpose is not None:
        client = world.client(form.role)
        page = client.get((form.page or form.url)(world)).content.decode()
        match = re.search(r'name="token" value="([^"]+)"', page)
        assert match, f"no form token on the {form_name} page"
        token = match.group(1)
    before = _snapshot()
    response = _post(world, form, form.baseline(world), token)
    assert response.status_code == 302, _error_messages(response, form) if response.context else ""
    changed = _changed(before, _snapshot())
    assert {m._meta.label for m in form.rows} <= set(changed), changed
    if form.refused_by_redirect:
        assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


@pytest.mark.parametrize(("form_name", "spec", "value_id"), _cases())
def test_a_bad_value_is_refused_cleanly(
    world: World, form_name: str, spec: Field, value_id: str
) -> None:
    form = FORMS[form_name]
    if form.prepare:
        form.prepare(world)
    value = spec.values()[value_id]
    data = form.baseline(world)
    data[spec.name] = value() if spec.kind == FILE else spec.fmt.format(value)
    where = f"{form_name}: {spec.case}={_label(value)}"
    if form.prepare or form_name not in _BEFORE:  # prepare() writes new rows each time
        _BEFORE[form_name] = _snapshot()
    before = _BEFORE[form_name]

    # (1) never a server error
    try:
        response = _post(world, form, data)
    except Exception as error:
        pytest.fail(f"{where} raised {type(error).__name__}: {error} {_app_frames(error)}"[:2000])
    assert response.status_code < 500, f"{where} answered {response.status_code}"
    after = _snapshot() if response.status_code != 302 or form.refused_by_redirect else None

    if form.refused_by_redirect:  # a refusal is a message on the page redirected to
        assert response.status_code == 302, f"{where} answered {response.status_code}"
        refused = before == after
        errors = [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
        assert errors or not refused, f"{where}: nothing done and no message why"
    else:
        refused = response.status_code != 302
    if not refused:
        if spec.must_refuse(value_id):
            pytest.fail(
                f"{where} was accepted: it changed {_changed(before, after or _snapshot())}"
            )
        return
    assert after is not None

    # (3) nothing half-saved
    assert _changed(before, after) == [], f"{where} was refused, yet rows changed"
    if form.refused_by_redirect:
        return

    # (2) the form again, with a message and what else was typed
    assert response.status_code in (200, 400), f"{where} answered {response.status_code}"
    html = response.content.decode()
    messages = _error_messages(response, form)
    assert messages, f"{where} was refused without an error message"
    assert any(escape(m) in html for m in messages), f"{where}: {messages} are not on the page"
    assert "<script>alert(1)</script>" not in html, f"{where}: typed HTML is not escaped"
    if value_id == "card":
        assert "4111" not in html, f"{where}: the card number is shown back"
    if not spec.keeps_others:
        return
    shown = _typed_values(html)
    lost = [
        name
        for name, typed in data.items()
        if name != spec.name and _echoed(name) and isinstance(typed, str | int) and str(typed)
        if str(typed) not in shown.get(name, [])
    ]
    assert not lost, f"{where}: the typed values of {lost} are not on the page any more"
