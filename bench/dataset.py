"""Many plausible customer accounts, fast, for benchmark set-up only.

Customers, premises and accounts are bulk-inserted (no services, no history
rows, no ledger entries, so every balance is zero); the search document is the
one ``accounts.services.search_document_for`` builds, so search sees exactly
what it sees in the application. Names and streets come from the demo lists.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from django.db import transaction

from accounts.choices import AccountClass, AccountStatus, CustomerKind
from accounts.models import Account, Customer, Premise
from accounts.services import search_document_for
from billing_site.common.models import NumberSequence
from billing_site.common.numbering import with_check_digit
from front import demo

FIRST_NUMBER = 1_000_000
CHUNK = 10_000
# Exchanges of the city's area code: phone digits are spread out the way real ones are.
EXCHANGES = (222, 224, 385, 386, 422, 488, 531, 545, 561, 562, 574, 576, 580, 656, 668, 671)
# A city's mix: mostly active, some final or closed (moved away), a few just opened.
STATUSES: list[str] = [
    *[AccountStatus.ACTIVE.value] * 92,
    *[AccountStatus.FINAL.value] * 3,
    *[AccountStatus.CLOSED.value] * 4,
    AccountStatus.PENDING.value,
]


class _Maker:
    def __init__(self, rng: random.Random, statuses: list[str]) -> None:
        self.rng = rng
        self.statuses = statuses
        self.addresses: set[tuple[str, str]] = set()

    def phone(self) -> str:
        return f"850{self.rng.choice(EXCHANGES)}{self.rng.randint(0, 9999):04d}"

    def premise(self, commercial: bool) -> Premise:
        streets = demo.COMMERCIAL_STREETS if commercial else demo.RESIDENTIAL_STREETS
        while True:
            street, zip_code = self.rng.choice(streets)
            line1 = f"{self.rng.randint(100, 9899)} {street}"
            line2 = f"Apt {self.rng.randint(1, 40)}" if self.rng.random() < 0.08 else ""
            if (line1, line2) not in self.addresses:
                self.addresses.add((line1, line2))
                break
        return Premise(
            line1=line1, line2=line2, city=demo.CITY, state=demo.STATE, zip_code=zip_code
        )

    def customer(self, premise: Premise, organisation: bool) -> Customer:
        rng = self.rng
        mailing = {
            "mailing_line1": premise.line1,
            "mailing_line2": premise.line2,
            "mailing_city": premise.city,
            "mailing_state": premise.state,
            "mailing_zip": premise.zip_code,
        }
        if organisation:
            name = f"{rng.choice(demo.PLACES)} {rng.choice(demo.BUSINESSES + demo.INDUSTRIES)}"
            return Customer(
                kind=CustomerKind.ORGANISATION,
                organisation_name=name,
                phone=self.phone(),
                **mailing,
            )
        return Customer(
            kind=CustomerKind.PERSON,
            first_name=rng.choice(demo.FIRST_NAMES),
            last_name=rng.choice(demo.LAST_NAMES),
            phone=self.phone() if rng.random() < 0.8 else "",
            alt_phone=self.phone() if rng.random() < 0.1 else "",
            **mailing,
        )


def build_accounts(
    *,
    count: int,
    seed: int,
    all_active: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[int]:
    """Insert ``count`` accounts (a few final, closed or pending) in chunks; returns their ids."""
    statuses = [AccountStatus.ACTIVE.value] if all_active else STATUSES
    maker = _Maker(random.Random(seed), statuses)
    start = _reserve_numbers(count)
    ids: list[int] = []
    for offset in range(0, count, CHUNK):
        size = min(CHUNK, count - offset)
        ids += _insert_chunk(maker, start + offset, size)
        if progress:
            progress(offset + size)
    return ids


def _reserve_numbers(count: int) -> int:
    """Take ``count`` account numbers from the counter row, as account_open would one by one."""
    with transaction.atomic():
        NumberSequence.objects.get_or_create(name="account", defaults={"next_value": FIRST_NUMBER})
        seq = NumberSequence.objects.select_for_update().get(name="account")
        start = seq.next_value
        seq.next_value = start + count
        seq.save(update_fields=["next_value"])
    return start


@transaction.atomic
def _insert_chunk(maker: _Maker, first_number: int, size: int) -> list[int]:
    rng = maker.rng
    rows = []
    for _ in range(size):
        organisation = rng.random() < 0.12
        premise = maker.premise(commercial=organisation)
        rows.append((maker.customer(premise, organisation), premise, organisation))
    Customer.objects.bulk_create([customer for customer, _p, _o in rows])
    Premise.objects.bulk_create([premise for _c, premise, _o in rows])
    accounts = []
    for index, (customer, premise, organisation) in enumerate(rows):
        account = Account(
            number=with_check_digit(first_number + index),
            customer=customer,
            premise=premise,
            account_class=_account_class(rng, organisation),
            status=rng.choice(maker.statuses),
        )
        account.search_document = search_document_for(account)
        accounts.append(account)
    return [account.pk for account in Account.objects.bulk_create(accounts)]


def _account_class(rng: random.Random, organisation: bool) -> str:
    if not organisation:
        return AccountClass.RESIDENTIAL if rng.random() < 0.95 else AccountClass.MULTI_FAMILY
    return rng.choice([AccountClass.COMMERCIAL] * 8 + [AccountClass.INDUSTRIAL] * 2)
