"""Card numbers nowhere (issue 9 item 1, DESIGN section 5).

The walk: every free-text column (CharField or TextField that is not a choice) of
every model of the project's apps, the ``historical*`` tables included, is either
typed by people, and then a service path below refuses a card number written
into it, or written by the application only, with the reason in ``MACHINE``.
A new column fails :func:`test_it_walks_every_free_text_column` until someone
says which it is. On top of the services, every form class of the project and
every admin form is a card-safe form (``billing_site.common.cards``), which
refuses a card number in any posted value (``tests/site/test_bad_input_sweep.py``
posts one into every field of every form over HTTP).
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts import services as account_services
from accounts.choices import AccountStatus, FlagKind
from accounts.models import AccountNote, Customer, Premise
from adjustments import gl as gl_services
from adjustments import services as adjustment_services
from adjustments.choices import Direction, RefundPayee
from adjustments.models import AdjustmentReason, AdjustmentRequest, Refund
from adjustments.refunds import requests as refund_requests
from adjustments.refunds.requests import PayeeIn
from billing_site.common.cards import (
    CARD_NUMBER_MESSAGE,
    CardSafeMixin,
    free_text_fields,
)
from ledger import services as payment_services_ledger
from payments import services as payment_services
from payments.choices import ReturnKind, TenderKind
from payments.models import MiscRevenueItem, Payment, RemittanceBatch
from payments.services import AccountPart, MiscPart, TenderIn
from tests.factories import make_account, service
from tests.payments.helpers import charge, open_drawer
from tests.payments.lockbox_files import HEADER
from work_queues import services as work_services

D = Decimal
CARD = "4111 1111 1111 1111"
IN_TEXT = f"paid with {CARD.replace(' ', '-')} today"
PROJECT_APPS = (
    "common", "accounts", "ledger", "adjustments", "payments", "front", "collections",
    "service_orders", "work_queues", "billing",
)  # fmt: skip
pytestmark = pytest.mark.django_db


# -- the people and things the service paths need, made only when a path asks ----------


@dataclass
class World:
    alice: User  # clerk
    bob: User  # coordinator
    carol: User  # supervisor

    @cached_property
    def account(self) -> Any:
        made = make_account(self.bob)
        charge(made, self.bob, water="100.00")
        return made

    @cached_property
    def drawer(self) -> Any:
        return open_drawer(self.alice)

    @cached_property
    def payment(self) -> Payment:
        return payment_services.payment_take(
            drawer=self.drawer,
            accounts=[AccountPart(account=self.account, amount=D("10.00"))],
            tenders=[TenderIn(TenderKind.CHECK, D("10.00"), "1001")],
            acting_user=self.alice,
        )

    @cached_property
    def technician(self) -> User:
        from billing_site.common import roles
        from tests.factories import make_user

        return make_user("dave", roles.FIELD_TECHNICIAN)

    @cached_property
    def frank(self) -> User:  # administrator: keeps the rates
        from billing_site.common import roles
        from tests.factories import make_user

        return make_user("frank", roles.ADMINISTRATOR)

    @cached_property
    def meter(self) -> Any:
        from tests.billing.helpers import metered_account

        return metered_account(self.bob, self.account, number="M-CARD")

    @cached_property
    def schedule(self) -> Any:
        from tests.billing.helpers import water_schedule

        return water_schedule("W-CARD")

    @cached_property
    def agreement(self) -> Any:
        from tests.billing.helpers import agreement

        return agreement(self.bob, self.account, self.schedule)

    @cached_property
    def pending_charge(self) -> Any:  # $150, over the limit: waits for a second person
        return billing_one_time().post_one_time_charge(
            account=self.account, fee=misc_fee("meter-tampering"), reason="Seal broken",
            acting_user=self.bob,
        )  # fmt: skip

    @cached_property
    def plan(self) -> Any:
        from collections_app.services import plans

        return plans.plan_create(
            account=self.account, amount=D("100.00"), down_payment=D("20.00"), months=2,
            first_due=dt.date(2026, 12, 23), acting_user=self.bob,
        )  # fmt: skip

    @cached_property
    def order(self) -> Any:
        from service_orders import services as orders

        return orders.order_create(
            account=self.account, kind="investigate", notes="Read it", acting_user=self.bob
        )

    @cached_property
    def request(self) -> AdjustmentRequest:
        return self.adjustment(memo="Leak at the meter pit")

    @cached_property
    def posted(self) -> AdjustmentRequest:
        posted = self.adjustment(memo="Leak, posted")
        return adjustment_services.request_approve(
            adjustment_request=posted, acting_user=self.carol
        )

    @cached_property
    def refund(self) -> Refund:
        return self.refund_of(memo="Overpaid")

    def refund_of(self, **typed: str) -> Refund:
        """A refund of part of a credit to another payee, with ``typed`` in its text."""
        credit = make_account(self.bob)
        payment_services_ledger.post_payment(
            account=credit, amount=D("20.00"), memo="Overpaid", acting_user=self.bob
        )
        memo = typed.pop("memo", "Overpaid")
        payee = {"name": "Pat", "line1": "1 A St", "city": "Quincy", "state": "FL"}
        payee |= {"zip_code": "32351", **typed}
        return refund_requests.refund_request(
            account=credit,
            amount=D("5.00"),
            memo=memo,
            payee=PayeeIn(RefundPayee.OTHER, **payee),
            acting_user=self.bob,
        )

    def adjustment(self, **fields: Any) -> AdjustmentRequest:
        return adjustment_services.request_adjustment(
            account=self.account,
            direction=Direction.CREDIT,
            reason=AdjustmentReason.objects.get(code="LEAK"),
            amounts=[(service("WATER"), D("5.00"))],
            acting_user=self.alice,
            **{"memo": "Leak", **fields},
        )


@pytest.fixture
def world(alice: User, bob: User, carol: User, business_day: Any) -> World:
    return World(alice=alice, bob=bob, carol=carol)


def _customer_fields(**typed: str) -> dict[str, str]:
    base = {
        "first_name": "Pat",
        "last_name": "Payer",
        "mailing_line1": "1 Main St",
        "mailing_city": "Tallahassee",
        "mailing_state": "FL",
        "mailing_zip": "32301",
    }
    return {**base, **typed}


READ_CSV = "meter,account,read_date,reading,read_code"


def _read_csv(column: str) -> bytes:
    row = dict(zip(READ_CSV.split(","), ["M-1", "", "2026-11-20", "1100", "01"], strict=True))
    row[column] = IN_TEXT
    return f"{READ_CSV}\n{','.join(row.values())}\n".encode()


def _route_file() -> bytes:
    from billing.readfiles import route_file, route_record

    record = route_record(
        type="RD", route="R1", sequence="10", account="", meter=CARD, read_date="20261120",
        reading="1100", read_code="01",
    )  # fmt: skip
    return route_file("R1", [record]).encode()


def _rate_file(field: str) -> str:
    """A rate file of one schedule with a card number in ``field`` (``escaped``: in the
    description, spelled with JSON escapes so that no line of the file shows it)."""
    import json

    component: dict[str, Any] = {
        "code": "base",
        "label": "Base",
        "kind": "flat_fee",
        "amount": "5.00",
    }
    version: dict[str, Any] = {
        "effective_from": "2027-01-01",
        "note": "FY2027",
        "components": [component],
    }
    schedule: dict[str, Any] = {
        "code": "W-FILE",
        "name": "Water",
        "service": "WATER",
        "description": "",
    }
    schedule["versions"] = [version]
    if field == "escaped":
        schedule["description"] = IN_TEXT
        return json.dumps({"format": "billing-rates/1", "schedules": [schedule]}).replace(
            "4", "\\u0034"
        )
    where: dict[str, dict[str, Any]] = {
        "note": version,
        "label": component,
        "unit_label": component,
    }
    where |= {"usage_service": component, "component_code": component}
    where.get(field, schedule)[field.removeprefix("component_")] = IN_TEXT
    return json.dumps({"format": "billing-rates/1", "schedules": [schedule]}, indent=2)


TODAY = dt.date(2026, 11, 20)
LOCKBOX_ROW = ["2026-11-20", "1", "1", "12345674", "5.00", "5001", "Pat"]


def _lockbox(column: str) -> bytes:
    row = dict(zip(HEADER.split(","), LOCKBOX_ROW, strict=True))
    row[column] = IN_TEXT
    return f"{HEADER}\r\n{','.join(row.values())}\r\n".encode()


# -- the service paths: (world, field) -> a call that must be refused ---------------------

Path = Callable[[World, str], Any]
PATHS: dict[str, Path] = {
    "customer_create": lambda w, f: account_services.customer_create(
        acting_user=w.bob, **_customer_fields(**{f: IN_TEXT})
    ),
    "customer_update": lambda w, f: account_services.customer_update(
        customer=w.account.customer,
        acting_user=w.bob,
        **{"reason": "Moved", f: IN_TEXT},
    ),
    "premise_create": lambda w, f: account_services.premise_create(
        acting_user=w.bob,
        **{"line1": "2 Oak Ave", "city": "Tallahassee", "state": "FL", "zip_code": "32303"}
        | {f: IN_TEXT},
    ),
    "premise_owner_set": lambda w, f: account_services.premise_owner_set(
        premise=w.account.premise,
        acting_user=w.bob,
        **{"owner_name": "Lee Landlord", "owner_line1": "9 Harbor Rd", "owner_city": "Tallahassee"}
        | {f: IN_TEXT},
    ),
    "status_reason": lambda w, f: account_services.account_change_status(
        account=w.account, to=AccountStatus.FINAL, acting_user=w.bob, reason=IN_TEXT
    ),
    "note": lambda w, f: account_services.note_add(
        account=w.account, text=IN_TEXT, acting_user=w.alice
    ),
    "flag_set": lambda w, f: account_services.flag_set(
        account=w.account, kind=FlagKind.DISPUTE, reason=IN_TEXT, acting_user=w.bob
    ),
    "flag_clear": lambda w, f: account_services.flag_clear(
        flag=account_services.flag_set(
            account=w.account, kind=FlagKind.DISPUTE, reason="Disputed", acting_user=w.bob
        ),
        reason=IN_TEXT,
        acting_user=w.bob,
    ),
    "adjustment_memo": lambda w, f: w.adjustment(memo=IN_TEXT),
    "transfer_memo": lambda w, f: adjustment_services.request_transfer(
        from_account=w.account,
        to_account=make_account(w.bob, customer=w.account.customer),
        transfer_of="balance",
        amount=D("5.00"),
        memo=IN_TEXT,
        acting_user=w.alice,
    ),
    "gl_memo": lambda w, f: gl_services.gl_draft_save(
        draft=None, memo=IN_TEXT, lines=[], acting_user=w.bob
    ),
    "attachment_name": lambda w, f: w.adjustment(
        attachment=SimpleUploadedFile(f"{CARD}.pdf", b"%PDF-1.4 scan", "application/pdf")
    ),
    "approve_note": lambda w, f: adjustment_services.request_approve(
        adjustment_request=w.request, acting_user=w.carol, note=IN_TEXT
    ),
    "reject_reason": lambda w, f: adjustment_services.request_reject(
        adjustment_request=w.request, acting_user=w.carol, reason=IN_TEXT
    ),
    "reverse_reason": lambda w, f: adjustment_services.request_reverse(
        adjustment_request=w.posted, acting_user=w.carol, reason=IN_TEXT
    ),
    "payer": lambda w, f: payment_services.payment_take(
        drawer=w.drawer,
        accounts=[AccountPart(account=w.account, amount=D("5.00"))],
        tenders=[TenderIn(TenderKind.CASH, D("5.00"))],
        payer=IN_TEXT,
        acting_user=w.alice,
    ),
    "misc_description": lambda w, f: payment_services.payment_take(
        drawer=w.drawer,
        misc=[
            MiscPart(
                item=MiscRevenueItem.objects.get(name="Building permit"),
                amount=D("5.00"),
                description=IN_TEXT,
            )
        ],
        tenders=[TenderIn(TenderKind.CASH, D("5.00"))],
        acting_user=w.alice,
    ),
    "tender_reference": lambda w, f: payment_services.payment_take(
        drawer=w.drawer,
        accounts=[AccountPart(account=w.account, amount=D("5.00"))],
        tenders=[TenderIn(TenderKind.CHECK, D("5.00"), IN_TEXT)],
        acting_user=w.alice,
    ),
    "void_reason": lambda w, f: payment_services.payment_void(
        payment=w.payment, reason=IN_TEXT, acting_user=w.carol
    ),
    "void_request_reason": lambda w, f: payment_services.payment_void_request(
        payment=w.payment, reason=IN_TEXT, acting_user=w.alice
    ),
    "drawer_reopen_reason": lambda w, f: payment_services.drawer_reopen(
        drawer=w.drawer, reason=IN_TEXT, acting_user=w.carol
    ),
    "return_reason": lambda w, f: payment_services.payment_return(
        kind=ReturnKind.RETURNED_CHECK, reason=IN_TEXT, payment=w.payment, acting_user=w.bob
    ),
    "drawer_close_checks": lambda w, f: payment_services.drawer_close(
        drawer=w.drawer, counts={"d20": 5}, checks=[(CARD, D("5.00"))], acting_user=w.alice
    ),
    "stub": lambda w, f: payment_services.batch_add_item(
        batch=payment_services.batch_create(
            control_count=1, control_total=D("5.00"), acting_user=w.bob
        ),
        acting_user=w.bob,
        **{"account_text": w.account.number, "amount": D("5.00"), "check_number": "77"}
        | {f: IN_TEXT},
    ),
    "batch_cancel_reason": lambda w, f: payment_services.batch_cancel(
        batch=payment_services.batch_create(
            control_count=1, control_total=D("5.00"), acting_user=w.bob
        ),
        reason=IN_TEXT,
        acting_user=w.bob,
    ),
    "lockbox_row": lambda w, f: payment_services.lockbox_import(
        file_name="monday.csv", data=_lockbox(f), acting_user=w.bob
    ),
    "lockbox_file_name": lambda w, f: payment_services.lockbox_import(
        file_name=f"{CARD}.csv",
        data=_lockbox("remitter").replace(IN_TEXT.encode(), b"Pat"),
        acting_user=w.bob,
    ),
    "forwarding": lambda w, f: account_services.account_set_forwarding_address(
        account=w.account,
        acting_user=w.bob,
        **{"line1": "1 A St", "city": "Quincy", "state": "FL", "zip_code": "32351"} | {f: IN_TEXT},
    ),
    "refund_request": lambda w, f: w.refund_of(**{f: IN_TEXT}),
    "refund_approve_note": lambda w, f: refund_requests.refund_approve(
        refund=w.refund, acting_user=w.carol, note=IN_TEXT
    ),
    "refund_reject_reason": lambda w, f: refund_requests.refund_reject(
        refund=w.refund, acting_user=w.carol, reason=IN_TEXT
    ),
    "credit_result": lambda w, f: collections_deposits().credit_result_record(
        account=w.account, band="A", letter_of_credit=False, note=IN_TEXT, acting_user=w.bob
    ),
    "late_fee_waive": lambda w, f: collections_late_fees().late_fee_waive(
        line=None,  # refused before the line is read
        amount=D("1.00"),
        reason=IN_TEXT,
        acting_user=w.bob,
    ),
    "letter_send": lambda w, f: collections_letters().letter_send(
        account=w.account, template=letter_template(), text=IN_TEXT, acting_user=w.bob
    ),
    "plan_override_reason": lambda w, f: collections_plans().plan_create(
        account=w.account,
        amount=D("100.00"),
        down_payment=D("20.00"),
        months=2,
        first_due=dt.date(2026, 12, 23),
        override_reason=IN_TEXT,
        acting_user=w.bob,
    ),
    "plan_approve_note": lambda w, f: collections_plans().plan_override_approve(
        plan=None,  # refused before the plan is read
        note=IN_TEXT,
        acting_user=w.carol,
    ),
    "plan_cancel": lambda w, f: collections_plans().plan_cancel(
        plan=w.plan, reason=IN_TEXT, acting_user=w.bob
    ),
    "write_off": lambda w, f: collections_writeoffs().write_off_request(
        account=w.account, reason=IN_TEXT, acting_user=w.carol
    ),
    "order_create": lambda w, f: service_orders().order_create(
        account=w.account,
        kind="investigate",
        acting_user=w.bob,
        **(
            {"notes": IN_TEXT}
            if f == "notes"
            else {
                "forwarding": {
                    "line1": "1 A St",
                    "city": "Quincy",
                    "state": "FL",
                    "zip": "32351",
                    f: IN_TEXT,
                }
            }
        ),
    ),
    "order_complete": lambda w, f: service_orders().order_complete(
        order=None,  # refused before the order is read
        result_code="done",
        notes=IN_TEXT,
        acting_user=w.technician,
    ),
    "order_cancel": lambda w, f: service_orders().order_cancel(
        order=w.order, reason=IN_TEXT, acting_user=w.bob
    ),
    "item_reject": lambda w, f: payment_services.item_reject(
        item=None,  # refused before the item is read
        reason=IN_TEXT,
        acting_user=w.bob,
    ),
    "remittance_file_name": lambda w, f: collections_referrals().remittance_import(
        agency=None,  # refused before the agency is read
        file_name=f"{CARD}.csv",
        data=b"",
        acting_user=w.carol,
    ),
    "referral_recall": lambda w, f: collections_referrals().referral_recall(
        referral=None,  # refused before the referral is read
        reason=IN_TEXT,
        acting_user=w.bob,
    ),
    "followup": lambda w, f: work_services.followup_add(
        account=w.account, why=IN_TEXT, due_on=None, acting_user=w.alice
    ),
    "work_item_cancel": lambda w, f: work_services.item_cancel(
        item=None,  # refused before the item is read
        reason=IN_TEXT,
        acting_user=w.bob,
    ),
    "work_item_done": lambda w, f: work_services.item_done(
        item=None, note=IN_TEXT, acting_user=w.alice
    ),
    "rate_file": lambda w, f: billing_rates().rate_file_preview(
        text=_rate_file(f), acting_user=w.frank
    ),
    "rate_file_apply": lambda w, f: billing_rates().rate_file_apply(
        text=_rate_file(f), confirmed_digest="", acting_user=w.frank
    ),
    "agreement_create": lambda w, f: billing_agreements().service_agreement_create(
        account=w.account,
        rate_schedule=w.schedule,
        start_date=TODAY,
        acting_user=w.bob,
        meter_size=IN_TEXT,
    ),
    "agreement_change": lambda w, f: billing_agreements().service_agreement_change(
        agreement=w.agreement, acting_user=w.bob, **{"reason": "Resized", f: IN_TEXT}
    ),
    "meter_remove": lambda w, f: billing_meter_removal().meter_remove(
        meter=w.meter, on=TODAY, final_reading=D("1100"), reason=IN_TEXT, acting_user=w.bob
    ),
    "read_record": lambda w, f: billing_reads().meter_read_record(
        meter=w.meter, read_date=TODAY, reading=D("1100"), acting_user=w.bob, **{f: IN_TEXT}
    ),
    "read_correct": lambda w, f: billing_reads().meter_read_correct(
        read=None,  # refused before the read is read
        reading=D("1100"),
        reason=IN_TEXT,
        acting_user=w.bob,
    ),
    "exception_accept": lambda w, f: billing_reads().read_exception_accept(
        exception=None,  # refused before the exception is read
        reason=IN_TEXT,
        acting_user=w.bob,
    ),
    "exception_correct": lambda w, f: billing_reads().read_exception_correct(
        exception=None, reading=D("1100"), reason=IN_TEXT, acting_user=w.bob
    ),
    "exception_reread": lambda w, f: billing_reads().read_exception_request_reread(
        exception=None, reason=IN_TEXT, acting_user=w.bob
    ),
    "read_import": lambda w, f: billing_imports().read_import_start(
        file_name="reads.csv", data=_read_csv(f), format="csv", acting_user=w.bob
    ),
    "read_import_route": lambda w, f: billing_imports().read_import_start(
        file_name="route.txt", data=_route_file(), format="route", acting_user=w.bob
    ),
    "read_import_file_name": lambda w, f: billing_imports().read_import_start(
        file_name=f"{CARD}.csv", data=_read_csv("read_code"), format="csv", acting_user=w.bob
    ),
    "bill_run_message": lambda w, f: billing_runs().bill_run_start(
        cycle=None,  # refused before the cycle is read
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
        bill_date=dt.date(2026, 11, 3),
        message=IN_TEXT,
        acting_user=w.bob,
    ),
    "bill_cancel_note": lambda w, f: billing_corrections().bill_cancel(
        bill=None,  # refused before the bill is read
        reason="other",
        note=IN_TEXT,
        acting_user=w.bob,
    ),
    "budget_leave": lambda w, f: billing_budget().budget_leave(
        plan=None,  # refused before the plan is read
        reason=IN_TEXT,
        acting_user=w.bob,
    ),
    "one_time_charge": lambda w, f: billing_one_time().post_one_time_charge(
        account=w.account,
        fee=misc_fee("meter-pull"),
        acting_user=w.bob,
        **{"reason": "Meter pulled", f: IN_TEXT},
    ),
    "one_time_reject": lambda w, f: billing_one_time().one_time_charge_reject(
        charge=w.pending_charge, reason=IN_TEXT, acting_user=w.carol
    ),
}


def billing_agreements() -> Any:
    from billing.services import agreements

    return agreements


def billing_meter_removal() -> Any:
    from billing.services import meter_removal

    return meter_removal


def billing_reads() -> Any:
    from billing.services import reads

    return reads


def billing_imports() -> Any:
    from billing.services import imports

    return imports


def billing_rates() -> Any:
    from billing.services import rates

    return rates


def billing_runs() -> Any:
    from billing.bills import runs

    return runs


def billing_corrections() -> Any:
    from billing.bills import corrections

    return corrections


def billing_budget() -> Any:
    from billing import budget

    return budget


def billing_one_time() -> Any:
    from billing.services import one_time

    return one_time


def misc_fee(code: str) -> Any:
    from billing.models import MiscFee

    return MiscFee.objects.select_related("service", "revenue_gl").get(code=code)


def collections_deposits() -> Any:
    from collections_app.services import deposits

    return deposits


def collections_late_fees() -> Any:
    from collections_app.services import late_fees

    return late_fees


def collections_letters() -> Any:
    from collections_app.services import letters

    return letters


def collections_plans() -> Any:
    from collections_app.services import plans

    return plans


def collections_referrals() -> Any:
    from collections_app.services import referrals

    return referrals


def collections_writeoffs() -> Any:
    from collections_app.services import writeoffs

    return writeoffs


def service_orders() -> Any:
    from service_orders import services

    return services


def letter_template() -> Any:
    from collections_app.models import LetterTemplate

    return LetterTemplate.objects.get(code="general")


# Typed by people: "app.Model.field" -> (path, the field the path types into).
CUSTOMER = ["first_name", "last_name", "organisation_name", "email", "phone", "alt_phone"]
CUSTOMER += ["mailing_line1", "mailing_line2", "mailing_city", "mailing_state", "mailing_zip"]
PREMISE = ["line1", "line2", "city", "state", "zip_code"]
OWNER = ["owner_name", "owner_line1", "owner_line2", "owner_city", "owner_state", "owner_zip"]
TYPED: dict[str, tuple[str, str]] = {
    **{f"accounts.Customer.{f}": ("customer_create", f) for f in CUSTOMER},
    "accounts.HistoricalCustomer.history_change_reason": ("customer_update", "reason"),
    **{f"accounts.Premise.{f}": ("premise_create", f) for f in PREMISE},
    **{f"accounts.Premise.{f}": ("premise_owner_set", f) for f in OWNER},
    "accounts.HistoricalAccount.history_change_reason": ("status_reason", "reason"),
    "accounts.AccountNote.text": ("note", "text"),
    "accounts.AccountFlag.reason": ("flag_set", "reason"),
    "accounts.AccountFlag.clear_reason": ("flag_clear", "reason"),
    "accounts.HistoricalAccountFlag.history_change_reason": ("flag_set", "reason"),
    "adjustments.AdjustmentRequest.memo": ("adjustment_memo", "memo"),
    "adjustments.AdjustmentRequest.attachment_name": ("attachment_name", ""),
    "adjustments.AdjustmentRequest.attachment": ("attachment_name", ""),  # the file's name
    "adjustments.AdjustmentRequest.decision_note": ("approve_note", "reason"),
    "adjustments.AdjustmentRequest.reversal_reason": ("reverse_reason", "reason"),
    "adjustments.HistoricalAdjustmentRequest.history_change_reason": ("reject_reason", "reason"),
    **{
        f"accounts.Account.forwarding_{f.removesuffix('_code')}": ("forwarding", f)
        for f in ["line1", "line2", "city", "state", "zip_code"]
    },
    "adjustments.Refund.memo": ("refund_request", "memo"),
    **{
        f"adjustments.Refund.payee_{f.removesuffix('_code')}": ("refund_request", f)
        for f in ["name", "line1", "line2", "city", "state", "zip_code"]
    },
    "adjustments.Refund.decision_note": ("refund_approve_note", "reason"),
    "adjustments.HistoricalRefund.history_change_reason": ("refund_reject_reason", "reason"),
    "payments.Payment.payer": ("payer", "payer"),
    "payments.Payment.void_reason": ("void_reason", "reason"),
    "payments.Payment.void_request_reason": ("void_request_reason", "reason"),
    "payments.HistoricalDrawer.history_change_reason": ("drawer_reopen_reason", "reason"),
    "payments.PaymentLine.description": ("misc_description", "description"),
    "payments.Tender.reference": ("tender_reference", "check_number"),
    "payments.RemittanceBatch.file_name": ("lockbox_file_name", "file"),
    "payments.RemittanceBatch.cancel_reason": ("batch_cancel_reason", "reason"),
    "payments.RemittanceItem.account_text": ("lockbox_row", "account"),
    "payments.RemittanceItem.check_number": ("lockbox_row", "check_number"),
    "payments.RemittanceItem.remitter": ("lockbox_row", "remitter"),
    "payments.RemittanceItem.resolution": ("item_reject", "reason"),
    "payments.ReturnedPayment.reason": ("return_reason", "reason"),
    "collections.CreditResult.note": ("credit_result", "note"),
    "collections.LateFeeWaiver.reason": ("late_fee_waive", "reason"),
    "collections.Letter.body": ("letter_send", "text"),
    "collections.PaymentPlan.override_reason": ("plan_override_reason", "override_reason"),
    "collections.PaymentPlan.decision_note": ("plan_approve_note", "note"),
    "collections.PaymentPlan.end_reason": ("plan_cancel", "reason"),
    "collections.WriteOff.reason": ("write_off", "reason"),
    "collections.Referral.close_reason": ("referral_recall", "reason"),
    "collections.AgencyRemittance.file_name": ("remittance_file_name", "file"),
    "service_orders.ServiceOrder.notes": ("order_create", "notes"),
    **{
        f"service_orders.ServiceOrder.forwarding_{f}": ("order_create", f)
        for f in ["line1", "city", "state", "zip"]
    },
    "service_orders.ServiceOrder.result_notes": ("order_complete", "notes"),
    "service_orders.ServiceOrder.cancel_reason": ("order_cancel", "reason"),
    "work_queues.WorkItem.why": ("followup", "why"),  # system items: composed from checked texts
    "work_queues.WorkItem.close_note": ("work_item_cancel", "reason"),
    **{f"billing.RateSchedule.{f}": ("rate_file", f) for f in ["code", "name", "description"]},
    "billing.RateVersion.note": ("rate_file", "note"),
    **{
        f"billing.RateComponent.{f.removeprefix('component_')}": ("rate_file", f)
        for f in ["component_code", "label", "usage_service", "unit_label"]
    },
    "billing.ServiceAgreement.meter_size": ("agreement_create", "meter_size"),
    "billing.HistoricalServiceAgreement.history_change_reason": ("agreement_change", "reason"),
    "billing.HistoricalMeterInstall.history_change_reason": ("meter_remove", "reason"),
    "billing.BillRun.message": ("bill_run_message", "message"),
    "billing.Bill.cancel_note": ("bill_cancel_note", "note"),
    "billing.BudgetPlan.end_reason": ("budget_leave", "reason"),
    "billing.OneTimeCharge.reason": ("one_time_charge", "reason"),
    "billing.OneTimeCharge.source": ("one_time_charge", "source"),
    "billing.OneTimeCharge.decision_note": ("one_time_reject", "reason"),
    "billing.HistoricalOneTimeCharge.history_change_reason": ("one_time_reject", "reason"),
    "billing.MeterRead.read_code": ("read_record", "read_code"),
    "billing.MeterRead.reason": ("read_correct", "reason"),
    "billing.ReadImport.file_name": ("read_import_file_name", "file"),
    "billing.ReadImportRow.meter_number": ("read_import", "meter"),
    "billing.ReadImportRow.account_number": ("read_import", "account"),
    "billing.ReadImportRow.read_code": ("read_import", "read_code"),
    "billing.ReadException.meter_number": ("read_import", "meter"),  # unknown meters queue
    "billing.ReadException.account_number": ("read_import", "account"),
    "billing.ReadException.read_code": ("read_import", "read_code"),
    "billing.ReadException.resolution_reason": ("exception_accept", "reason"),
    "billing.HistoricalReadException.history_change_reason": ("exception_reread", "reason"),
}
# More paths into the same columns (the keyed stub, the other request kinds ...).
ALSO: list[tuple[str, str]] = [
    ("customer_update", "mailing_line2"),
    ("transfer_memo", "memo"),
    ("gl_memo", "memo"),
    ("reject_reason", "reason"),
    ("stub", "account_text"),
    ("stub", "check_number"),
    ("drawer_close_checks", "checks"),
    ("work_item_done", "note"),
    ("rate_file", "escaped"),
    ("rate_file_apply", "description"),
    ("agreement_change", "meter_size"),
    ("read_record", "source"),
    ("read_import", "read_date"),
    ("read_import", "reading"),
    ("read_import_route", "meter"),
    ("exception_correct", "reason"),
    ("one_time_charge", "source"),
]
ADMIN = "reference data typed in the admin only, whose forms are card-safe"
DERIVED = "composed by a service from texts it has already checked"
MACHINE: dict[str, str] = {
    "common.NumberSequence.name": "a counter's name in code",
    "common.IdempotencyKey.key": "random hex",
    "common.IdempotencyKey.purpose": "a form's purpose in code",
    "common.IdempotencyKey.result_url": "a URL the app reversed",
    "common.IdempotencyKey.digest": "a SHA-256 digest",
    "common.LongTask.kind": "a registered task kind in code",
    "common.LongTask.label": DERIVED,
    "common.LongTask.last_error": "the app's own message (imports refuse card numbers first)",
    "common.LongTask.lease_owner": "a worker id the app makes",
    "common.LongTask.subject_id": "a primary key",
    "common.LongTask.view_permission": "a permission name in code",
    "common.LongTaskChunk.worker": "a worker id the app makes",
    "common.LongTaskItemError.item": "an item label the app makes (line number, row key)",
    "common.LongTaskItemError.message": "the app's own message",
    "common.Document.content_type": "a MIME type in code",
    "common.Document.kind": "a document kind in code",
    "common.Document.sha256": "a SHA-256 digest",
    "common.Document.subject_id": "a primary key",
    "common.RoleChange.actor_name": "a copy of a username (auth's own column)",
    "common.RoleChange.target_name": "a copy of a username or of a group name (card-safe admin)",
    "common.RoleChange.what": "a group name (card-safe admin), a permission in code or a flag",
    "common.Document.variant": "a paper size or variant in code",
    "accounts.Account.number": "from the account number counter",
    "accounts.Account.search_document": "derived from the customer and premise (checked)",
    "accounts.HistoricalPremise.history_change_reason": "a fixed text ('Premise created')",
    "ledger.Fund.code": ADMIN,
    "ledger.Fund.name": ADMIN,
    "ledger.GLAccount.code": ADMIN,
    "ledger.GLAccount.name": ADMIN,
    "ledger.Service.code": ADMIN,
    "ledger.Service.name": ADMIN,
    "ledger.Holiday.name": ADMIN,
    "ledger.HistoricalDepositHeld.history_change_reason": DERIVED,  # "Transaction #N (kind): memo"
    "ledger.JournalTransaction.memo": DERIVED,
    "ledger.JournalTransaction.source": DERIVED,
    "adjustments.AdjustmentReason.code": ADMIN,
    "adjustments.AdjustmentReason.name": ADMIN,
    "adjustments.HistoricalAdjustmentReason.history_change_reason": ADMIN,
    "adjustments.HistoricalApprovalLimit.history_change_reason": ADMIN,
    "adjustments.AdjustmentRequest.attachment_type": "the type the file's bytes prove",
    "payments.MiscRevenueItem.name": ADMIN,
    "payments.ReturnFeeSchedule.name": ADMIN,
    "payments.Tender.card_last4": "exactly four digits (and checked with the reference)",
    "payments.Deposit.bank_account": "from settings",
    "payments.Deposit.label": DERIVED,
    "payments.RemittanceBatch.file_sha256": "a SHA-256 digest",
    "payments.RemittanceBatch.last_error": "the app's own message",
    "payments.RemittanceItem.row_key": "date/batch/sequence, digits checked by the parser",
    "payments.RemittanceItem.problem": "the app's own message (no typed text echoed)",
    "collections.AgingRun.status": "a status in code",
    "collections.AgingLine.account_class": "a copy of the account's class (a choice)",
    "collections.LateFeeLine.reason": "the app's own message, or a flag's reason (checked)",
    "collections.LateFeeLine.computation": "the fee rule's arithmetic, made by the app",
    "collections.LetterTemplate.code": ADMIN,
    "collections.LetterTemplate.name": ADMIN,
    "collections.LetterTemplate.subject": ADMIN,
    "collections.LetterTemplate.body": ADMIN,
    "collections.Letter.subject": "the template's subject (admin, card-safe)",
    "collections.Letter.recipient": "the customer's or owner's name (checked when typed)",
    "collections.Letter.address": "the customer's or owner's address (checked when typed)",
    "collections.NoticeStep.code": ADMIN,
    "collections.NoticeStep.name": ADMIN,
    "collections.NoticeLine.reason": "the app's own message, or a flag's reason (checked)",
    "collections.NoticeLine.route": "a route code (admin, card-safe)",
    "collections.SecurityDeposit.returned_how": "the app's own message with amounts",
    "collections.PaymentPlan.rule_problems": "the app's own messages",
    "collections.HistoricalPaymentPlan.history_change_reason": DERIVED,
    "collections.WriteOff.decision_note": "left empty: approving a write-off takes no note",
    "collections.Agency.name": ADMIN,
    "collections.Agency.contact": ADMIN,
    "collections.AgencyRemittance.file_hash": "a SHA-256 digest of the uploaded file",
    "collections.DepositRequired.reason": "the app's own message (what started the rule)",
    "collections.DepositRequired.why": "the deposit rule's own explanation",
    "collections.Referral.why": "the app's own message with amounts and dates",
    "collections.HistoricalWriteOff.history_change_reason": DERIVED,
    "service_orders.HistoricalServiceOrder.history_change_reason": DERIVED,
    "service_orders.ServiceOrder.outcome": "the app's own message of what completing did",
    "service_orders.OrderPhoto.sha256": "a SHA-256 digest",
    "service_orders.OrderPhoto.extension": "from the type the file's bytes prove",
    "service_orders.OrderPhoto.content_type": "a MIME type in code",
    "work_queues.WorkItem.kind": "a kind in code",
    "work_queues.WorkItem.source_key": "a model name and a primary key",
    "work_queues.WorkItem.closed_in": "an app's name in code",
    "work_queues.HistoricalWorkItem.history_change_reason": DERIVED,
    "billing.HistoricalRateSchedule.history_change_reason": "a fixed text ('rate file') or none",
    "billing.HistoricalRateVersion.history_change_reason": "a fixed text ('rate file') or none",
    "billing.HistoricalRateComponent.history_change_reason": "none: components are remade",
    "billing.BillingCycle.code": ADMIN,
    "billing.BillingCycle.name": ADMIN,
    "billing.HistoricalBillingCycle.history_change_reason": ADMIN,
    "billing.Route.code": ADMIN,
    "billing.Route.name": ADMIN,
    "billing.HistoricalRoute.history_change_reason": ADMIN,
    "billing.HistoricalRouteStop.history_change_reason": "none: route_stop_set gives no reason",
    "billing.MiscFee.code": ADMIN,
    "billing.MiscFee.name": ADMIN,
    "billing.HistoricalMiscFee.history_change_reason": ADMIN,
    "billing.Meter.number": "no form or service makes or edits a meter (the admin is read-only)",
    "billing.Meter.make": "no form or service makes or edits a meter (the admin is read-only)",
    "billing.Meter.size": "no form or service makes or edits a meter (the admin is read-only)",
    "billing.HistoricalMeter.history_change_reason": "none: no service changes a meter",
    "billing.MeterRead.source": "composed by the app (who typed it, the order, the file line)",
    "billing.MeterRead.import_key": "a SHA-256 digest",
    "billing.ReadImport.sha256": "a SHA-256 digest",
    "billing.ReadException.message": "the app's own message (the read check that failed)",
    "billing.ReadException.source": "composed by the app (who typed it, the order, the file line)",
    "billing.ReadException.import_key": "a SHA-256 digest",
    "billing.Bill.error": "the app's own message (why the account could not be billed)",
    "billing.BillLine.code": "a copy of the rate component's code (rate files are checked)",
    "billing.BillLine.label": "a copy of the rate component's label (rate files are checked)",
    "billing.BillLine.arithmetic": "the engine's arithmetic, made by the app",
    "billing.BudgetPlan.basis": "the app's own words: the average it computed",
    "billing.HistoricalBudgetPlan.history_change_reason": "the app's own words with amounts",
}


def _column_labels() -> dict[str, str]:
    """Every free-text column of the project, and the column whose text it copies."""
    labels = {}
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        base = getattr(model, "instance_type", None)  # a django-simple-history table
        for field in free_text_fields(model):
            label = f"{model._meta.label}.{field.name}"
            copied = f"{base._meta.label}.{field.name}" if base is not None else label
            labels[label] = label if field.name.startswith("history_") else copied
    return labels


def test_it_walks_every_free_text_column() -> None:
    labels = _column_labels()
    unknown = sorted(
        label for label, source in labels.items() if source not in TYPED and source not in MACHINE
    )
    assert not unknown, f"say how these columns are kept free of card numbers: {unknown}"
    assert len(labels) > 60  # the historical tables are in the walk
    assert "accounts.HistoricalCustomer.mailing_line1" in labels
    stale = sorted((set(TYPED) | set(MACHINE)) - set(labels.values()))
    assert not stale, f"listed columns that no longer exist: {stale}"


def _cases() -> list[Any]:
    cases = {(path, field) for path, field in TYPED.values()} | set(ALSO)
    return [
        pytest.param(path, field, id=f"{path}-{field or 'file'}") for path, field in sorted(cases)
    ]


@pytest.mark.parametrize(("path", "field"), _cases())
def test_it_refuses_a_card_number_on_every_service_path(
    world: World, path: str, field: str
) -> None:
    attempt = PATHS[path]
    with pytest.raises(ValidationError) as refused:
        attempt(world, field)
    messages = [str(m) for m in refused.value.messages]
    assert any("card number" in m for m in messages), messages
    assert not any("4111" in m for m in messages), "the refusal shows the number again"


def test_it_stores_nothing_of_a_refused_note_or_customer(world: World) -> None:
    for path, field in [("note", "text"), ("customer_create", "mailing_line1")]:
        with pytest.raises(ValidationError):
            PATHS[path](world, field)
    assert not AccountNote.objects.filter(text__contains="4111").exists()
    assert not Customer.objects.filter(mailing_line1__contains="4111").exists()
    assert not Premise.objects.filter(line1__contains="4111").exists()


# -- every form people type into is card-safe ---------------------------------------------


def _project_form_classes() -> list[type[forms.BaseForm]]:
    for name in PROJECT_APPS:
        package = apps.get_app_config(name).module
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if ".migrations" not in info.name and ".management" not in info.name:
                importlib.import_module(info.name)
    found: list[type[forms.BaseForm]] = []
    pending = [forms.BaseForm]
    while pending:
        for cls in pending.pop().__subclasses__():
            pending.append(cls)
            if cls.__module__.split(".")[0] in (
                "accounts",
                "adjustments",
                "payments",
                "ledger",
                "front",
                "billing_site",
                "collections_app",
                "service_orders",
                "billing",
                "work_queues",
            ):
                found.append(cls)
    return found


def test_every_form_of_the_project_is_card_safe() -> None:
    found = _project_form_classes()
    assert len(found) > 20
    unsafe = [f"{c.__module__}.{c.__qualname__}" for c in found if not issubclass(c, CardSafeMixin)]
    assert not unsafe, f"these forms do not refuse card numbers: {unsafe}"


def test_every_admin_form_is_card_safe(frank: User) -> None:
    request = RequestFactory().get("/admin/")
    request.user = frank
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        assert issubclass(model_admin.get_form(request), CardSafeMixin), model
        for inline in model_admin.get_inline_instances(request):
            assert issubclass(inline.get_formset(request).form, CardSafeMixin), inline
        checked += 1
    assert checked > 5


def test_it_refuses_a_card_number_in_the_admin(frank: User) -> None:
    client = Client()
    client.force_login(frank)
    response = client.post(
        reverse("admin:payments_miscrevenueitem_add"), {"name": CARD, "amount": "5.00"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "card number" in html and "4111 1111" not in html
    assert not MiscRevenueItem.objects.filter(name=CARD).exists()


# -- nothing echoes a typed card number ----------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True])
def test_it_never_echoes_a_card_number_typed_in_the_search(alice: User, htmx: bool) -> None:
    client = Client()
    client.force_login(alice)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(reverse("accounts:search"), {"q": CARD}, headers=headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert "card numbers are never stored" in html
    assert "4111" not in html


def test_it_never_echoes_a_card_number_typed_in_the_counter_lookup(world: World) -> None:
    client = Client()
    client.force_login(world.alice)
    response = client.get(reverse("payments:lookup"), {"row": "0", "account_0": CARD})
    html = response.content.decode()
    assert "card numbers are never stored" in html
    assert "4111" not in html


def test_it_refuses_the_search_to_the_wrong_user(db: None) -> None:
    client = Client()
    client.force_login(User.objects.create_user("walk-in"))  # signed in, but no role
    response = client.get(reverse("accounts:search"), {"q": CARD})
    assert response.status_code == 403
    assert "4111" not in response.content.decode()


def test_it_never_echoes_a_card_number_typed_in_a_refused_form(world: World) -> None:
    client = Client()
    client.force_login(world.alice)
    url = reverse("accounts:note_add", args=[world.account.pk])
    page = client.get(url).content.decode()
    token = page.split('name="token" value="', 1)[1].split('"', 1)[0]
    response = client.post(url, {"token": token, "kind": "note", "text": IN_TEXT})
    html = response.content.decode()
    assert response.status_code in (200, 400)
    assert CARD_NUMBER_MESSAGE in html.replace("&#x27;", "'")
    assert "4111" not in html
    assert (
        not RemittanceBatch.objects.exists()
        and not AccountNote.objects.filter(text__contains="4111").exists()
    )


def test_it_never_echoes_a_card_number_sent_as_the_account_to_pay(world: World) -> None:
    world.drawer  # noqa: B018 (open alice's drawer)
    client = Client()
    client.force_login(world.alice)
    response = client.get(reverse("payments:take"), {"account": CARD.replace(" ", "")})
    assert response.status_code == 200
    assert "4111" not in response.content.decode()
