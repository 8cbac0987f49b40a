"""What the paper says: the city, each account's service address and what it paid for.

The 80 mm receipt is one page as long as its content; a voided receipt says VOID
and does not ask to be kept. PDFs are read back with pypdf.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from pypdf import PdfReader

from payments import services
from payments.services import AccountPart
from tests.factories import make_account, make_premise

from .helpers import cash, charge, check, open_drawer

D = Decimal
MM = 72 / 25.4  # PDF points per millimetre
pytestmark = pytest.mark.django_db
CITY = {
    "BILLING_CITY_NAME": "City of Riverton Utilities",
    "BILLING_CITY_ADDRESS": "100 River Road, Riverton",
    "BILLING_CITY_PHONE": "(555) 123-4567",
}


def _pdf(client: Client, pk: int, size: str) -> PdfReader:
    response = client.get(reverse("payments:receipt_pdf", args=[pk]), {"size": size})
    assert response.status_code == 200
    return PdfReader(io.BytesIO(response.content))


def _landlord_payment(alice, bob, drawer=None):
    unit_a = make_account(bob, premise=make_premise(bob, line1="12 Oak Street", line2="Unit A"))
    unit_b = make_account(
        bob,
        customer=unit_a.customer,
        premise=make_premise(bob, line1="12 Oak Street", line2="Unit B"),
    )
    charge(unit_a, bob, water="30.00", sewer="20.00")
    charge(unit_b, bob, water="10.00")
    return services.payment_take(
        drawer=drawer or open_drawer(alice),
        accounts=[
            AccountPart(account=unit_a, amount=D("50.00")),
            AccountPart(account=unit_b, amount=D("15.00")),
        ],
        tenders=[check("40.00", "7001"), cash("30.00")],
        acting_user=alice,
    )


@override_settings(**CITY)
@pytest.mark.parametrize("size", ["80mm", "letter"])
def test_it_prints_the_city_the_units_and_what_each_paid_for(
    alice, bob, business_day, size
) -> None:
    alice.first_name, alice.last_name = "Alice", "Clerk"
    alice.save()
    payment = _landlord_payment(alice, bob)
    client = Client()
    client.force_login(alice)
    reader = _pdf(client, payment.pk, size)
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (
        "City of Riverton Utilities",
        "100 River Road, Riverton",
        "(555) 123-4567",
        "12 Oak Street, Unit A",
        "12 Oak Street, Unit B",
        "Water $30.00",
        "Sewer $20.00",
        "Water $10.00",
        "Credit on account $5.00",
        "Check #7001 $40.00",
        "Cash $30.00",
        "Change $5.00",
        f"Drawer {payment.drawer_id} · clerk Alice Clerk",
        "Keep this receipt",
    ):
        assert expected in text, expected
    assert len(reader.pages) == 1


def test_it_makes_the_80mm_page_as_long_as_its_content(alice, bob, account, business_day) -> None:
    charge(account, bob, water="12.00")
    drawer = open_drawer(alice)
    short = services.payment_take(
        drawer=drawer,
        accounts=[AccountPart(account=account, amount=D("12.00"))],
        tenders=[cash("12.00")],
        acting_user=alice,
    )
    client = Client()
    client.force_login(alice)
    (page,) = _pdf(client, short.pk, "80mm").pages
    width, height = float(page.mediabox.width) / MM, float(page.mediabox.height) / MM
    assert round(width) == 80
    assert 40 < height < 150  # not the fixed 200 mm of before
    longer = _landlord_payment(alice, bob, drawer)
    (long_page,) = _pdf(client, longer.pk, "80mm").pages
    assert float(long_page.mediabox.height) / MM > height + 10  # more lines, a longer page


def test_it_says_void_and_no_keep_this_receipt_on_a_void(
    alice, carol, bob, account, business_day
) -> None:
    charge(account, bob, water="12.00")
    drawer = open_drawer(alice)
    payment = services.payment_take(
        drawer=drawer,
        accounts=[AccountPart(account=account, amount=D("12.00"))],
        tenders=[cash("12.00")],
        acting_user=alice,
    )
    services.payment_void(payment=payment, reason="Wrong account", acting_user=carol)
    client = Client()
    client.force_login(alice)
    for size in ("80mm", "letter"):
        text = _pdf(client, payment.pk, size).pages[0].extract_text()
        assert "VOID" in text and "by carol: Wrong" in text
        assert "Keep this receipt" not in text


def test_it_names_a_misc_item_once_when_the_description_repeats_it(alice, business_day) -> None:
    from payments.models import MiscRevenueItem
    from payments.services import MiscPart

    lien = MiscRevenueItem.objects.get(name="Lien search")
    drawer = open_drawer(alice)
    payment = services.payment_take(
        drawer=drawer,
        misc=[MiscPart(item=lien, amount=D("25.00"), description="Lien search for 4 Elm St")],
        tenders=[cash("25.00")],
        acting_user=alice,
    )
    client = Client()
    client.force_login(alice)
    text = _pdf(client, payment.pk, "letter").pages[0].extract_text()
    assert "Lien search for 4 Elm St" in text and "Lien search - Lien search" not in text
