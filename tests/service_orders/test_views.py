"""The pages: roles, the technician's own orders, cancel rules, photos, PDFs, the board."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from ledger import services as ledger_services
from service_orders import services
from service_orders.models import OrderPhoto, ServiceOrder
from tests.factories import make_account, make_user, service

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _owing(bob, amount="64.25"):
    account = make_account(bob)
    ledger_services.post_charges(account=account, charges=[(service("WATER"), D(amount))],
                                 memo="charge", acting_user=bob)  # fmt: skip
    account.refresh_from_db()
    return account


def _order(bob, tech, kind="investigate", account=None, start=True):
    account = account or _owing(bob)
    order = services.order_create(account=account, kind=kind, acting_user=bob)
    if tech is not None:
        (order,) = services.orders_assign(orders=[order], technician=tech, acting_user=bob)
        if start:
            order = services.order_start(order=order, acting_user=tech)
    return order


def _png(size=(20, 20)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, "blue").save(out, "PNG")
    return out.getvalue()


def test_it_shows_a_technician_only_their_own_orders(bob, dave, business_day):
    other = make_user("tina", "Field technician")
    mine, theirs = _order(bob, dave), _order(bob, other)
    c = _client(dave)
    page = c.get(reverse("service_orders:mine"))
    assert str(mine.number).encode() in page.content
    assert str(theirs.number).encode() not in page.content
    assert c.get(reverse("service_orders:detail", args=[theirs.pk])).status_code == 403
    assert c.get(reverse("service_orders:work_order_pdf", args=[theirs.pk])).status_code == 403


def test_it_shows_the_technician_no_balance(bob, dave, business_day):
    order = _order(bob, dave)
    page = _client(dave).get(reverse("service_orders:detail", args=[order.pk]))
    assert page.status_code == 200 and b"64.25" not in page.content


def test_it_shows_the_amount_that_stops_a_disconnect(bob, dave, business_day):
    order = _order(bob, dave, kind="disconnect")
    page = _client(dave).get(reverse("service_orders:detail", args=[order.pk]))
    assert b'id="stops-at"' in page.content and b"64.25" in page.content


def test_it_refuses_the_board_to_a_technician_and_a_clerk(alice, dave, business_day):
    assert _client(dave).get(reverse("service_orders:board")).status_code == 403
    assert _client(alice).get(reverse("service_orders:board")).status_code == 403


def test_it_refuses_a_clerk_cancelling_a_collections_disconnect(alice, bob, business_day):
    account = _owing(bob)
    (order,) = services.disconnect_orders_create(
        account_ids=[account.pk], due_on=timezone.localdate(), acting_user=bob
    )
    c = _client(alice)
    url = reverse("service_orders:cancel", args=[order.pk])
    assert c.get(url).status_code == 403
    assert c.post(url, {"reason": "paid", "token": "x"}).status_code == 403
    order.refresh_from_db()
    assert order.status == "open"
    # a coordinator can
    c = _client(bob)
    token = c.get(url).context["token"]
    assert c.post(url, {"reason": "paid in full", "token": token}).status_code == 302
    order.refresh_from_db()
    assert order.status == "cancelled" and order.cancelled_by == bob


def test_it_lets_a_clerk_cancel_a_counter_order_with_a_reason(alice, bob, business_day):
    order = _order(bob, None)
    c = _client(alice)
    url = reverse("service_orders:cancel", args=[order.pk])
    token = c.get(url).context["token"]
    page = c.post(url, {"reason": "", "token": token})
    assert page.status_code == 200 and b"This field is required" in page.content
    assert c.post(url, {"reason": "customer changed plans", "token": token}).status_code == 302
    order.refresh_from_db()
    assert order.status == "cancelled" and order.cancel_reason == "customer changed plans"


def test_it_offers_to_cancel_a_pending_disconnect_once_paid_in_full(bob, business_day):
    account = _owing(bob)
    _order(bob, None, kind="disconnect", account=account)
    c = _client(bob)
    url = reverse("accounts:detail", args=[account.pk])
    assert b'id="cancel-disconnect-offer"' not in c.get(url).content
    ledger_services.post_payment(account=account, amount=D("64.25"), memo="paid", acting_user=bob)
    assert b'id="cancel-disconnect-offer"' in c.get(url).content


def _complete(c, order, **data):
    url = reverse("service_orders:complete", args=[order.pk])
    token = c.get(reverse("service_orders:detail", args=[order.pk])).context["token"]
    return c.post(url, {"token": token, "result_code": "done", **data})


def test_it_completes_once_on_a_double_submit(bob, dave, business_day):
    order = _order(bob, dave, kind="notice")
    c = _client(dave)
    url = reverse("service_orders:complete", args=[order.pk])
    token = c.get(reverse("service_orders:detail", args=[order.pk])).context["token"]
    first = c.post(url, {"token": token, "result_code": "delivered"})
    second = c.post(url, {"token": token, "result_code": "delivered"})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert order.account.notes.filter(kind="system").count() == 1
    assert ServiceOrder.objects.get(pk=order.pk).status == "completed"


def test_it_refuses_another_technician_completing(bob, dave, business_day):
    other = make_user("tina", "Field technician")
    order = _order(bob, dave, kind="notice")
    page = _client(other).post(reverse("service_orders:complete", args=[order.pk]),
                               {"result_code": "delivered"})  # fmt: skip
    assert page.status_code == 403
    assert ServiceOrder.objects.get(pk=order.pk).status == "in_progress"


def test_it_stores_a_photo_and_serves_it_only_to_who_may_see_it(bob, dave, business_day):
    order = _order(bob, dave, kind="investigate")
    c = _client(dave)
    photo = SimpleUploadedFile("leak.png", _png(), content_type="image/png")
    assert _complete(c, order, photo=photo, result_code="leak").status_code == 302
    stored = OrderPhoto.objects.get(order=order)
    assert "leak" not in stored.image.name and stored.image.name.endswith(".png")
    got = c.get(reverse("service_orders:photo", args=[stored.pk]))
    assert got.status_code == 200 and got["Content-Type"] == "image/png"
    assert got["X-Content-Type-Options"] == "nosniff"
    other = make_user("tina", "Field technician")
    assert _client(other).get(reverse("service_orders:photo", args=[stored.pk])).status_code == 403


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.png", b"<?php system($_GET['c']); ?>", b"Upload a valid image"),
        ("photo.jpg", b"GIF89a" + b"\x00" * 40, b"Upload a valid image"),
        ("photo.html", b"<script>alert(1)</script>", b"Upload a valid image"),
    ],
)
def test_it_refuses_a_photo_that_is_not_an_image(bob, dave, business_day, name, data, message):
    order = _order(bob, dave, kind="investigate")
    c = _client(dave)
    page = _complete(c, order, photo=SimpleUploadedFile(name, data), notes="kept")
    assert page.status_code == 200 and message in page.content
    assert b"kept" in page.content  # the form keeps what was typed
    assert ServiceOrder.objects.get(pk=order.pk).status == "in_progress"
    assert not OrderPhoto.objects.exists()


def test_it_refuses_an_oversized_photo(bob, dave, business_day, settings):
    settings.SERVICE_ORDER_PHOTO_MAX_BYTES = 1024
    order = _order(bob, dave, kind="investigate")
    big = _png((400, 400)) + b"\x00" * 2048
    page = _complete(_client(dave), order, photo=SimpleUploadedFile("big.png", big))
    assert page.status_code == 200 and b"larger than" in page.content
    assert ServiceOrder.objects.get(pk=order.pk).status == "in_progress"


def test_it_prints_the_work_order_and_the_route_sheet(bob, dave, business_day):
    order = _order(bob, dave, kind="investigate")
    c = _client(bob)
    pdf = c.get(reverse("service_orders:work_order_pdf", args=[order.pk]))
    text = PdfReader(BytesIO(pdf.content)).pages[0].extract_text()
    assert f"Work order {order.number}" in text and "Investigate" in text
    sheet = c.get(reverse("service_orders:route_sheet", args=[dave.pk]))
    text = PdfReader(BytesIO(sheet.content)).pages[0].extract_text()
    assert "Route sheet" in text and str(order.number) in text


def test_it_assigns_many_orders_at_once_from_the_board(bob, dave, business_day):
    orders = [_order(bob, None) for _ in range(3)]
    c = _client(bob)
    token = c.get(reverse("service_orders:board")).context["token"]
    page = c.post(reverse("service_orders:board"), {
        "token": token, "technician": dave.pk, "orders": [o.pk for o in orders[:2]]})  # fmt: skip
    assert page.status_code == 302
    statuses = dict(ServiceOrder.objects.values_list("pk", "technician_id"))
    assert statuses == {orders[0].pk: dave.pk, orders[1].pk: dave.pk, orders[2].pk: None}


def test_it_keeps_the_ticks_when_no_technician_is_chosen(bob, business_day):
    order = _order(bob, None)
    c = _client(bob)
    token = c.get(reverse("service_orders:board")).context["token"]
    page = c.post(reverse("service_orders:board"), {"token": token, "orders": [order.pk]})
    assert page.status_code == 200 and b"This field is required" in page.content
    assert f'value="{order.pk}" id="pick-{order.pk}" checked'.encode() in page.content


def test_it_draws_the_board_in_a_fixed_number_of_queries(
    bob, dave, business_day, django_assert_max_num_queries
):
    techs = [dave, make_user("tina", "Field technician")]
    for n in range(30):
        order = _order(bob, None)
        if n % 3:
            services.orders_assign(orders=[order], technician=techs[n % 2], acting_user=bob)
    ServiceOrder.objects.filter(pk__in=ServiceOrder.objects.values("pk")[:5]).update(
        due_on=timezone.localdate() - timedelta(days=2),
        requested_on=timezone.localdate() - timedelta(days=3),
    )
    c = _client(bob)
    c.get(reverse("service_orders:board"))  # warm the session's role cache
    with django_assert_max_num_queries(8):
        page = c.get(reverse("service_orders:board"))
    assert page.context["total"] == 30 and b"Overdue" in page.content


def test_it_takes_a_stop_order_at_the_counter(alice, bob, business_day):
    from tests.billing.helpers import metered_account

    account = _owing(bob)
    metered_account(bob, account, number="M-STOP")
    c = _client(alice)
    url = reverse("service_orders:counter_order", args=[account.pk])
    token = c.get(url + "?kind=stop").context["token"]
    refused = c.post(url, {"token": token, "kind": "stop", "requested_on": "2026-12-02",
                           "forwarding_line1": "", "notes": "moving out"})  # fmt: skip
    assert refused.status_code == 200 and b"Where does the final bill go" in refused.content
    assert b"moving out" in refused.content
    page = c.post(url, {"token": token, "kind": "stop", "requested_on": "2026-12-02",
                        "forwarding_line1": "9 Elm St", "forwarding_city": "Salem",
                        "forwarding_state": "OR", "forwarding_zip": "97301"})  # fmt: skip
    assert page.status_code == 302
    order = ServiceOrder.objects.get(account=account)
    assert order.kind == "stop" and order.forwarding_city == "Salem" and order.origin == "counter"
    detail = c.get(reverse("accounts:detail", args=[account.pk]))
    assert b'id="open-orders"' in detail.content and str(order.number).encode() in detail.content


def test_it_checks_a_reading_lower_than_the_last_read(bob, dave, business_day):
    from tests.billing.helpers import metered_account

    account = _owing(bob)
    metered_account(bob, account, number="M-LOW", reading="5000")
    order = _order(bob, dave, kind="reread", account=account)
    page = _complete(_client(dave), order, reading="4000")
    assert page.status_code == 200 and b"lower than the last read" in page.content
    assert ServiceOrder.objects.get(pk=order.pk).status == "in_progress"


def test_it_takes_a_transfer_at_the_counter_and_shows_one_stop_on_the_board(
    alice, bob, dave, business_day
):
    outgoing = _owing(bob)
    incoming = make_account(bob, active=False, premise=outgoing.premise)
    c = _client(alice)
    url = reverse("service_orders:transfer", args=[outgoing.pk])
    token = c.get(url).context["token"]
    data = {"token": token, "requested_on": timezone.localdate().isoformat(),
            "incoming": incoming.number, "forwarding_line1": "9 Elm St",
            "forwarding_city": "Salem", "forwarding_state": "OR"}  # fmt: skip
    bad = c.post(url, {**data, "incoming": "999999999"})
    assert bad.status_code == 400 and b"No account has this number." in bad.content
    assert b'value="9 Elm St"' in bad.content  # what was typed stays
    no_meter = c.post(url, data)
    assert no_meter.status_code == 400 and b"No meter is installed" in no_meter.content
    from tests.billing.helpers import metered_account

    metered_account(bob, outgoing, number="M-MOVE")
    done = c.post(url, data)
    order = ServiceOrder.objects.get()
    assert done.status_code == 302 and order.kind == "transfer"
    assert (order.account_id, order.incoming_account_id) == (outgoing.pk, incoming.pk)
    page = _client(bob).get(reverse("service_orders:board"))
    (row,) = page.context["rows"]
    assert row.account == f"{outgoing.number} → {incoming.number}"
    assert row.kind == "Transfer (move-out and move-in)"
    page = c.get(reverse("accounts:detail", args=[incoming.pk]))
    assert order in page.context["service_orders"]


def test_it_refuses_the_transfer_page_to_a_technician(bob, dave, business_day):
    account = _owing(bob)
    assert (
        _client(dave).get(reverse("service_orders:transfer", args=[account.pk])).status_code == 403
    )


def test_it_opens_one_technicians_orders_and_pages_them(bob, dave, business_day, settings):
    from service_orders import selectors

    orders = [_order(bob, None) for _ in range(3)]
    services.orders_assign(orders=orders[:2], technician=dave, acting_user=bob)
    c = _client(bob)
    page = c.get(reverse("service_orders:board"))
    assert [g.label for g in page.context["groups"]] == ["Unassigned", "dave"]
    assert [r.pk for r in page.context["rows"]] == [orders[2].pk]  # unassigned opened first
    page = c.get(reverse("service_orders:board"), {"show": dave.pk})
    assert sorted(r.pk for r in page.context["rows"]) == sorted(o.pk for o in orders[:2])
    assert page.context["shown"].total == 2
    selectors.BOARD_PAGE, before = 1, selectors.BOARD_PAGE
    try:
        page = c.get(reverse("service_orders:board"), {"show": dave.pk, "page": "2"})
        assert page.context["pages"] == 2 and len(page.context["rows"]) == 1
        assert page.context["previous_url"] and not page.context["next_url"]
    finally:
        selectors.BOARD_PAGE = before
    ticked = c.post(reverse("service_orders:board"), {
        "token": page.context["token"], "orders": [orders[0].pk], "show": "none"})  # fmt: skip
    assert ticked.status_code == 200  # no technician chosen: the tick on another group stays
    assert f'<input type="hidden" name="orders" value="{orders[0].pk}">'.encode() in ticked.content
