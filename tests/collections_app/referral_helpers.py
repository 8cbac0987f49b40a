"""Referral test data: a final account whose final bill fell due long ago, an agency."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from django.contrib.auth.models import User

from accounts.choices import AccountStatus
from accounts.models import Account
from accounts.services import account_change_status
from collections_app.models import Agency
from tests.factories import make_account

from .helpers import bill


def final_owing(by: User, amount: str = "240.00", *, due: dt.date | None = None) -> Account:
    """A final account owing ``amount`` from a final bill due ``due`` (default: Aug 1)."""
    account = make_account(by)
    due = due or dt.date(2026, 8, 1)
    made = bill(by, account, bill_date=due - dt.timedelta(days=21), due_date=due, WATER=amount)
    made.final_bill = True
    made.save(update_fields=["final_bill"])
    account_change_status(account=account, to=AccountStatus.FINAL, acting_user=by,
                          reason="Service stopped")  # fmt: skip
    account.refresh_from_db()
    return account


def agency(name: str = "Acme Recovery", **fields: object) -> Agency:
    defaults: dict[str, object] = {
        "contact": "Pat Lee, 555-0100", "commission_percent": D("25.00"), "fee_flat": D("15.00"),
    }  # fmt: skip
    return Agency.objects.create(name=name, **{**defaults, **fields})


def remittance_file(
    rows: list[tuple[str, str, str, str, str]], trailer: str | None = None
) -> bytes:
    lines = ["account,gross,commission,net,collected_on"] + [",".join(r) for r in rows]
    if trailer is None:
        gross = sum((_amount(r[1]) for r in rows), D("0.00"))
        net = sum((_amount(r[3]) for r in rows), D("0.00"))
        trailer = f"trailer,{len(rows)},{gross},{net}"
    return ("\n".join([*lines, trailer]) + "\n").encode()


def _amount(text: str) -> D:
    try:
        return D(text)
    except ArithmeticError:
        return D("0.00")
