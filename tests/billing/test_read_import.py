"""Read imports: a file is checked and stored in chunks by a long task; the same file
twice stores nothing twice; bad files are refused with line numbers; 10,000 reads."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billing.choices import ExceptionRule, ImportFormat, ImportStatus
from billing.models import Meter, MeterInstall, MeterRead, ReadException, ReadImport, ReadImportRow
from billing.readfiles import route_file, route_record
from billing.services.imports import read_import_run, read_import_start, read_import_task
from billing_site.common.models import LongTaskStatus
from tests.factories import service

from .helpers import metered_account

HEADER = "meter,account,read_date,reading,read_code\n"
LAST_MONTH = timezone.localdate() - timedelta(days=30)
TODAY = timezone.localdate()


def csv_file(*lines: str) -> bytes:
    return (HEADER + "".join(line + "\n" for line in lines)).encode()


def run(data: bytes, user, fmt=ImportFormat.CSV, name="reads.csv"):
    read_import, fresh = read_import_start(file_name=name, data=data, format=fmt, acting_user=user)
    return read_import_run(read_import=read_import), fresh


@pytest.fixture
def meter(bob, account):
    return metered_account(bob, account, reading="1000", on=LAST_MONTH)


def test_it_imports_reads_and_queues_the_exceptions(bob, account, meter):
    data = csv_file(
        f"{meter.number},{account.number},{TODAY:%Y-%m-%d},1450,01",
        f"NOPE-9,,{TODAY:%Y-%m-%d},10,01",
    )
    done, fresh = run(data, bob)
    assert fresh
    assert (done.status, done.stored, done.exceptions) == (ImportStatus.DONE, 1, 1)
    assert MeterRead.objects.filter(meter=meter, reading=D(1450)).exists()
    assert ReadException.objects.get().rule == ExceptionRule.UNKNOWN_METER


def test_it_stores_nothing_twice_for_the_same_file_or_the_same_reads(bob, account, meter):
    line = f"{meter.number},{account.number},{TODAY:%Y-%m-%d},1450,01"
    first, _ = run(csv_file(line, f"NOPE-9,,{TODAY:%Y-%m-%d},10,01"), bob)
    again, fresh = run(csv_file(line, f"NOPE-9,,{TODAY:%Y-%m-%d},10,01"), bob)
    assert not fresh and again.pk == first.pk
    # another file carrying the same reads: skipped as duplicates
    other, fresh = run(csv_file(line, f"NOPE-9,,{TODAY:%Y-%m-%d},10,01", ""), bob)
    assert fresh and (other.stored, other.exceptions, other.duplicates) == (0, 0, 2)
    assert MeterRead.objects.filter(meter=meter).count() == 2  # initial + one
    assert ReadException.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"meter,reading\nM-1,12\n", "line 1: the columns must be"),
        (HEADER.encode() + b"M-1,,2026-01-05,1\xff2,01\n", "line 2: not UTF-8"),
        (csv_file("M-1,,2026-01-05,12,01", "M-2,,2026-01-05,12,01", "M-1,,2026-01-05,14,01"),
         "line 4: meter M-1 on 2026-01-05 is also on line 2"),
        (csv_file(f"M-1,,{TODAY + timedelta(days=2):%Y-%m-%d},12,01"), "line 2: the read date"),
        (csv_file("M-1,,2026-13-01,12,01"), "line 2: the read date '2026-13-01' is not a date"),
        (csv_file("M-1,,2026-01-05,-4,01"), "line 2: the reading '-4'"),
        (csv_file("M-1,,2026-01-05,12"), "line 2: 4 columns, expected 5"),
    ],
)  # fmt: skip
def test_it_refuses_a_bad_file_with_line_numbers(bob, data, message):
    with pytest.raises(ValidationError) as refused:
        read_import_start(file_name="bad.csv", data=data, format=ImportFormat.CSV, acting_user=bob)
    assert message in str(refused.value)
    assert not MeterRead.objects.exists()


def test_it_imports_a_handheld_route_file(bob, account, meter):
    record = route_record(
        type="RD", route="R1", sequence="00010", account=account.number, meter=meter.number,
        read_date=f"{TODAY:%Y%m%d}", reading="1450.00", read_code="01",
    )  # fmt: skip
    done, _ = run(route_file("R1", [record]).encode(), bob, ImportFormat.ROUTE, "r1.txt")
    assert done.stored == 1
    with pytest.raises(ValidationError, match="trailer counts 2 records"):
        bad = route_file("R2", [record]).replace("TR1", "TR2")
        read_import_start(
            file_name="r2.txt", data=bad.encode(), format=ImportFormat.ROUTE, acting_user=bob
        )


def test_it_takes_a_meter_on_file_whose_number_looks_like_a_card(bob, account):
    from billing_site.common.cards import looks_like_card_number

    long = metered_account(bob, account, number="1000000000009", reading="1000", on=LAST_MONTH)
    assert looks_like_card_number(long.number)  # 13 digits passing the Luhn check
    row = f"{long.number},{account.number},{TODAY:%Y-%m-%d},1450,01"
    done, _ = run(csv_file(row), bob)
    assert done.stored == 1
    record = route_record(
        type="RD", route="R1", sequence="00010", account=account.number, meter=long.number,
        read_date=f"{TODAY:%Y%m%d}", reading="1460.00", read_code="01",
    )  # fmt: skip
    routed, _ = run(route_file("R1", [record]).encode(), bob, ImportFormat.ROUTE, "r1.txt")
    assert routed.stored == 1
    with pytest.raises(ValidationError) as refused:  # the same digits, no such meter
        run(csv_file(row.replace(long.number, "4111111111111111")), bob, name="other.csv")
    assert "the meter column looks like a payment card number" in " ".join(refused.value.messages)


def test_it_refuses_a_field_technician_or_clerk_importing(dave, alice):
    for user in (dave, alice):
        with pytest.raises(PermissionDenied):
            read_import_start(
                file_name="r.csv", data=csv_file(), format=ImportFormat.CSV, acting_user=user
            )


def test_it_imports_ten_thousand_reads_with_their_exceptions(bob, account):
    water = service("WATER")
    meters = Meter.objects.bulk_create(
        Meter(number=f"T{n:05d}", size="5/8", service=water) for n in range(10_000)
    )
    MeterInstall.objects.bulk_create(
        MeterInstall(meter=m, premise_id=account.premise_id, installed_on=LAST_MONTH)
        for m in meters
    )
    MeterRead.objects.bulk_create(
        MeterRead(meter=m, premise_id=account.premise_id, read_date=LAST_MONTH, reading=D(1000),
                  kind="initial", recorded_by=bob)
        for m in meters
    )  # fmt: skip
    lines = []
    for n, m in enumerate(meters):
        reading = 1000 if n % 100 == 0 else (900 if n % 100 == 1 else 1000 + n % 50 + 1)
        lines.append(f"{m.number},,{TODAY:%Y-%m-%d},{reading},01")
    done, _ = run(csv_file(*lines), bob)
    assert done.status == ImportStatus.DONE
    assert read_import_task(done).status == LongTaskStatus.DONE
    # every 100th meter has zero use, every 100th + 1 goes backwards: 200 exceptions
    assert (done.stored, done.exceptions) == (9_800, 200)
    rules = sorted(set(ReadException.objects.values_list("rule", flat=True)))
    assert rules == [ExceptionRule.NEGATIVE, ExceptionRule.ZERO]
    assert MeterRead.objects.filter(read_date=TODAY).count() == 9_800


@pytest.mark.parametrize("column", ["meter", "account", "read_date", "reading", "read_code"])
def test_it_refuses_a_card_number_in_any_column_without_showing_it(bob, meter, column):
    values = ["M-1001", "", f"{TODAY}", "1100", "01"]
    cells = dict(zip(HEADER.strip().split(","), values, strict=True))
    cells[column] = "4111 1111 1111 1111"
    with pytest.raises(ValidationError) as refused:
        read_import_start(
            file_name="reads.csv", data=csv_file(",".join(cells.values())), format="csv",
            acting_user=bob,
        )  # fmt: skip
    text = " ".join(refused.value.messages)
    assert f"line 2: the {column} column looks like a payment card number" in text
    assert "4111" not in text
    assert not ReadImport.objects.exists() and not ReadImportRow.objects.exists()
    assert not ReadException.objects.exists()


def test_it_refuses_a_card_number_in_a_route_file_and_its_trailer(bob):
    record = route_record(
        type="RD", route="R1", sequence="00010", meter="4111-1111-1111-1111",
        read_date=f"{TODAY:%Y%m%d}", reading="1450.00", read_code="01",
    )  # fmt: skip
    for data, said in [
        (route_file("R1", [record]), "line 2: the meter column"),
        (route_file("R1", []).replace("TR0", "TR4111111111111111"), "line 2: the trailer looks"),
    ]:
        with pytest.raises(ValidationError) as refused:
            read_import_start(
                file_name="r.txt", data=data.encode(), format="route", acting_user=bob
            )
        text = " ".join(refused.value.messages)
        assert said in text and "card number" in text and "4111" not in text


def test_the_upload_page_says_so_next_to_the_file(client, bob):
    client.force_login(bob)
    data = csv_file(f"4111111111111111,,{TODAY},1100,01")
    upload = SimpleUploadedFile("reads.csv", data, content_type="text/csv")
    response = client.post("/billing/reads/import/", {"file": upload, "format": "csv"})
    html = response.content.decode()
    assert response.status_code == 200 and "4111" not in html
    assert "card number" in response.context["form"].errors["file"][0]
    assert not ReadImport.objects.exists()


def test_it_finds_a_card_number_split_by_quotes_on_any_line_of_a_long_file(bob):
    clean = [f"M-{n},,{TODAY},{1000 + n},01" for n in range(2000)]
    quoted = f'"4111"1111 1111 1111,,{TODAY},1100,01'  # the reader joins it: 41111111 1111 1111
    with pytest.raises(ValidationError) as refused:
        read_import_start(
            file_name="reads.csv", data=csv_file(*clean, quoted), format="csv", acting_user=bob
        )
    text = " ".join(refused.value.messages)
    assert "line 2002: the meter column looks like a payment card number" in text
    assert "4111" not in text
