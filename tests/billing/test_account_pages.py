"""The billing pages reached from the account page: agreements, meters, reads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from billing.choices import ExceptionStatus, ReadKind
from billing.models import Meter, MeterInstall, MeterRead, ReadException, ServiceAgreement
from tests.billing.helpers import agreement, metered_account, water_schedule
from tests.factories import service

pytestmark = pytest.mark.django_db


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _agreement_data(**overrides: str) -> dict[str, str]:
    data = {
        "rate_schedule": str(water_schedule().pk),
        "start_date": "2025-03-01",
        "dwelling_units": "4",
        "meter_size": "1",
        "eru": "",
        "carts": "2",
        "flat_quantity": "",
    }
    return {**data, **overrides}


def test_it_links_the_pages_from_the_billing_panel(bob, account):
    metered_account(bob, account)
    page = _as(bob).get(reverse("accounts:detail", args=[account.pk])).content.decode()
    for name in ("agreement_add", "meter_install", "meter_remove", "read_record"):
        assert reverse(f"billing:{name}", args=[account.pk]) in page


def test_it_hides_the_coordinator_links_from_a_field_technician(dave, bob, account):
    metered_account(bob, account)
    page = _as(dave).get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert reverse("billing:read_record", args=[account.pk]) in page
    assert reverse("billing:agreement_add", args=[account.pk]) not in page
    assert reverse("billing:meter_remove", args=[account.pk]) not in page


def test_it_lets_a_coordinator_add_an_agreement(bob, account):
    url = reverse("billing:agreement_add", args=[account.pk])
    response = _as(bob).post(url, _agreement_data())
    assert response.status_code == 302
    taken = ServiceAgreement.objects.get(account=account)
    assert (taken.start_date, taken.dwelling_units, taken.carts) == (date(2025, 3, 1), 4, 2)
    assert taken.service == service("WATER")
    assert taken.premise_id == account.premise_id
    assert taken.history.get().history_user == bob


def test_it_refuses_a_clerk_adding_an_agreement(alice, account):
    url = reverse("billing:agreement_add", args=[account.pk])
    assert _as(alice).get(url).status_code == 403
    assert _as(alice).post(url, _agreement_data()).status_code == 403
    assert not ServiceAgreement.objects.exists()


def test_it_refuses_a_field_technician_adding_an_agreement(dave, account):
    url = reverse("billing:agreement_add", args=[account.pk])
    assert _as(dave).post(url, _agreement_data()).status_code == 403


def test_it_shows_a_bad_agreement_next_to_the_field_and_keeps_what_was_typed(bob, account):
    url = reverse("billing:agreement_add", args=[account.pk])
    response = _as(bob).post(url, _agreement_data(dwelling_units="0", meter_size="5/8"))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_dwelling_units_error"' in page
    assert 'value="5/8"' in page
    assert not ServiceAgreement.objects.exists()


def test_it_lets_a_coordinator_end_an_agreement_with_a_reason(bob, account):
    taken = agreement(bob, account, water_schedule())
    url = reverse("billing:agreement_end", args=[taken.pk])
    response = _as(bob).post(url, {"end_date": "2025-06-30", "reason": "Moved out"})
    assert response.status_code == 302
    taken.refresh_from_db()
    assert taken.end_date == date(2025, 6, 30)
    assert taken.history.latest().history_change_reason == "Moved out"


def test_it_refuses_an_end_before_the_start_next_to_the_date(bob, account):
    taken = agreement(bob, account, water_schedule())
    url = reverse("billing:agreement_end", args=[taken.pk])
    response = _as(bob).post(url, {"end_date": "2024-06-30", "reason": "Typo"})
    assert response.status_code == 400
    assert "cannot end before it starts" in response.content.decode()
    assert 'value="Typo"' in response.content.decode()
    taken.refresh_from_db()
    assert taken.end_date is None


def test_it_refuses_a_clerk_ending_an_agreement(alice, bob, account):
    taken = agreement(bob, account, water_schedule())
    url = reverse("billing:agreement_end", args=[taken.pk])
    assert _as(alice).post(url, {"end_date": "2025-06-30", "reason": "x"}).status_code == 403
    taken.refresh_from_db()
    assert taken.end_date is None


def _stock_meter(number: str = "S-1") -> Meter:
    return Meter.objects.create(number=number, size="5/8", service=service("WATER"))


def test_it_lets_a_coordinator_install_a_meter_from_stock(bob, account):
    meter = _stock_meter()
    url = reverse("billing:meter_install", args=[account.pk])
    response = _as(bob).post(url, {"meter": "S-1", "on": "2025-02-01", "reading": "120"})
    assert response.status_code == 302
    install = MeterInstall.objects.get(meter=meter)
    assert install.premise_id == account.premise_id and install.installed_on == date(2025, 2, 1)
    initial = MeterRead.objects.get(meter=meter)
    assert (initial.kind, initial.reading, initial.recorded_by) == (
        ReadKind.INITIAL, Decimal(120), bob,
    )  # fmt: skip


def test_it_does_not_offer_a_meter_installed_elsewhere(bob, account):
    metered_account(bob, account, number="M-9")
    url = reverse("billing:meter_install", args=[account.pk])
    response = _as(bob).post(url, {"meter": "M-9", "on": "2025-02-01", "reading": "1"})
    assert response.status_code == 400
    assert 'id="id_meter_error"' in response.content.decode()
    assert MeterInstall.objects.count() == 1


def test_it_refuses_a_field_technician_installing_a_meter(dave, account):
    _stock_meter()
    url = reverse("billing:meter_install", args=[account.pk])
    response = _as(dave).post(url, {"meter": "S-1", "on": "2025-02-01", "reading": "1"})
    assert response.status_code == 403
    assert not MeterInstall.objects.exists()


def test_it_lets_a_coordinator_remove_a_meter_with_its_final_read(bob, account):
    meter = metered_account(bob, account)
    url = reverse("billing:meter_remove", args=[account.pk])
    data = {"meter": meter.number, "on": "2025-03-01", "final_reading": "1500", "reason": "Leak"}
    assert _as(bob).post(url, data).status_code == 302
    install = MeterInstall.objects.get(meter=meter)
    assert install.removed_on == date(2025, 3, 1)
    assert install.history.latest().history_change_reason == "Leak"
    final = MeterRead.objects.get(meter=meter, kind=ReadKind.FINAL)
    assert final.reading == Decimal(1500)


def test_it_refuses_a_removal_before_the_last_read_and_saves_nothing(bob, account):
    meter = metered_account(bob, account)
    url = reverse("billing:meter_remove", args=[account.pk])
    data = {"meter": meter.number, "on": "2024-12-01", "final_reading": "1500", "reason": "Leak"}
    response = _as(bob).post(url, data)
    assert response.status_code == 400
    assert 'id="id_on_error"' in response.content.decode()
    assert 'value="1500"' in response.content.decode()
    assert MeterInstall.objects.get(meter=meter).removed_on is None
    assert MeterRead.objects.filter(meter=meter).count() == 1


def test_it_refuses_a_clerk_removing_a_meter(alice, bob, account):
    meter = metered_account(bob, account)
    url = reverse("billing:meter_remove", args=[account.pk])
    data = {"meter": meter.number, "on": "2025-03-01", "final_reading": "1500", "reason": "x"}
    assert _as(alice).post(url, data).status_code == 403
    assert MeterInstall.objects.get(meter=meter).removed_on is None


def test_it_lets_a_field_technician_record_a_read(dave, bob, account):
    meter = metered_account(bob, account)
    url = reverse("billing:read_record", args=[account.pk])
    data = {"meter": meter.number, "read_date": "2025-02-01", "reading": "1500", "read_code": "01"}
    response = _as(dave).post(url, data, follow=True)
    assert "recorded" in response.content.decode()
    read = MeterRead.objects.get(meter=meter, kind=ReadKind.ACTUAL)
    assert (read.reading, read.read_code, read.recorded_by) == (Decimal(1500), "01", dave)


def test_it_queues_a_failing_read_and_says_so(bob, account):
    meter = metered_account(bob, account)
    url = reverse("billing:read_record", args=[account.pk])
    data = {"meter": meter.number, "read_date": "2025-02-01", "reading": "900", "read_code": ""}
    response = _as(bob).post(url, data, follow=True)
    assert "exceptions queue" in response.content.decode()
    queued = ReadException.objects.get()
    assert queued.status == ExceptionStatus.OPEN and queued.rule == "negative"
    assert not MeterRead.objects.filter(kind=ReadKind.ACTUAL).exists()


def test_it_shows_a_future_read_date_next_to_the_field(dave, bob, account):
    meter = metered_account(bob, account)
    url = reverse("billing:read_record", args=[account.pk])
    data = {"meter": meter.number, "read_date": "2999-01-01", "reading": "1234.5"}
    response = _as(dave).post(url, data)
    assert response.status_code == 400
    assert 'id="id_read_date_error"' in response.content.decode()
    assert 'value="1234.5"' in response.content.decode()
    assert MeterRead.objects.count() == 1 and not ReadException.objects.exists()


def test_it_does_not_offer_a_meter_at_another_premise(dave, bob, account):
    from tests.factories import make_account

    elsewhere = metered_account(bob, make_account(bob), number="FAR-1")
    url = reverse("billing:read_record", args=[account.pk])
    data = {"meter": elsewhere.number, "read_date": "2025-02-01", "reading": "1500"}
    response = _as(dave).post(url, data)
    assert response.status_code == 400
    assert 'id="id_meter_error"' in response.content.decode()


def test_it_refuses_a_clerk_recording_a_read(alice, bob, account):
    meter = metered_account(bob, account)
    url = reverse("billing:read_record", args=[account.pk])
    data = {"meter": meter.number, "read_date": "2025-02-01", "reading": "1500"}
    assert _as(alice).post(url, data).status_code == 403
    assert MeterRead.objects.count() == 1


def test_it_refuses_an_auditor_recording_a_read(erin, bob, account):
    meter = metered_account(bob, account)
    url = reverse("billing:read_record", args=[account.pk])
    data = {"meter": meter.number, "read_date": "2025-02-01", "reading": "1500"}
    assert _as(erin).post(url, data).status_code == 403
