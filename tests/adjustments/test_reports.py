"""The register and the pending-approvals report, read back from their PDF and CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from adjustments import services
from adjustments.choices import Direction
from adjustments.models import AdjustmentRequest
from billing_site.common.csvutil import cell
from billing_site.common.pdf import ORIGIN, StaticOnlyFetcher, render_pdf
from tests.factories import service

from .helpers import charge

pytestmark = pytest.mark.django_db


@pytest.fixture
def requests(alice, bob, carol, account, leak, courtesy, business_day):
    charge(account, bob, WATER="300.00")

    def make(by, reason, amount, memo):
        return services.request_adjustment(
            account=account,
            direction=Direction.CREDIT,
            reason=reason,
            amounts=[(service("WATER"), D(amount))],
            memo=memo,
            acting_user=by,
        )

    posted = services.request_approve(
        adjustment_request=make(alice, leak, "40.00", "Leak at 5 Oak"), acting_user=bob
    )
    rejected = services.request_reject(
        adjustment_request=make(alice, courtesy, "15.00", "=HYPERLINK(evil)"),
        reason="No grounds",
        acting_user=bob,
    )
    waiting = make(bob, leak, "22.50", "Second leak")
    # Pretend the waiting one was submitted ten days ago.
    AdjustmentRequest.objects.filter(pk=waiting.pk).update(
        submitted_at=timezone.now() - timedelta(days=10)
    )
    return {"posted": posted, "rejected": rejected, "waiting": waiting}


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_register_pdf_reads_back(bob, requests):
    client = Client()
    client.force_login(bob)
    response = client.get(reverse("adjustments:register"), {"format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "Adjustments register" in text
    for req in requests.values():
        assert str(req.number) in text
    assert "$40.00" in text and "$22.50" in text
    assert "3 requests" in text and "$77.50" in text  # 40.00 + 15.00 + 22.50


def test_the_register_csv_filters_by_reason_status_user_and_dates(erin, alice, requests, leak):
    client = Client()
    client.force_login(erin)  # the auditor reads reports
    today = timezone.localdate().isoformat()
    response = client.get(
        reverse("adjustments:register"),
        {
            "format": "csv",
            "reason": leak.pk,
            "requested_by": alice.pk,
            "status": "posted",
            "date_from": today,
            "date_to": today,
        },
    )
    assert response["Content-Disposition"].startswith('attachment; filename="adjustments-register-')
    header, *rows = _csv_rows(response)
    assert header[:3] == ["Request", "Requested", "Kind"]
    assert [r[0] for r in rows] == [str(requests["posted"].number)]
    row = dict(zip(header, rows[0], strict=True))
    assert row["Amount"] == "40.00"
    assert row["Status"] == "Approved and posted"
    assert row["Ledger transaction"] == str(requests["posted"].posting_id)


def test_the_register_csv_defuses_formulas(bob, requests):
    client = Client()
    client.force_login(bob)
    header, *rows = _csv_rows(client.get(reverse("adjustments:register"), {"format": "csv"}))
    memos = [dict(zip(header, r, strict=True))["Memo"] for r in rows]
    assert "'=HYPERLINK(evil)" in memos
    assert cell(D("-12.50")) == "-12.50"  # negative amounts stay numbers


def test_the_register_refuses_a_backwards_date_range(bob, requests):
    client = Client()
    client.force_login(bob)
    response = client.get(
        reverse("adjustments:register"), {"date_from": "2026-11-30", "date_to": "2026-11-01"}
    )
    assert response.context["form"].errors["date_to"] == ["The end date is before the start date."]
    assert response.context["rows"] == []


def test_the_pending_report_groups_by_age(carol, requests):
    client = Client()
    client.force_login(carol)
    waiting = requests["waiting"]
    text = _pdf_text(client.get(reverse("adjustments:pending"), {"format": "pdf"}).content)
    assert "Approvals pending, by age" in text
    assert str(waiting.number) in text and "8 to 30 days" in text
    header, *rows = _csv_rows(client.get(reverse("adjustments:pending"), {"format": "csv"}))
    row = dict(zip(header, rows[0], strict=True))
    assert row["Request"] == str(waiting.number)
    assert row["Age (days)"] == "10" and row["Age band"] == "8 to 30 days"
    assert row["Amount"] == "22.50"
    assert len(rows) == 1  # decided requests are not pending


def test_pdf_templates_cannot_fetch_outside_static(tmp_path, settings):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n")
    fetcher = StaticOnlyFetcher(settings.STATIC_URL)
    for url in (f"file://{secret}", "http://169.254.169.254/latest", f"{ORIGIN}/media/x.png"):
        with pytest.raises(ValueError, match="only static files"):
            fetcher.fetch(url)
    with pytest.raises(ValueError, match="No static file"):
        fetcher.fetch(f"{ORIGIN}/static/../../etc/passwd")
    css = fetcher.fetch(f"{ORIGIN}/static/css/app.css")
    assert css.content_type == "text/css"

    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    (tmp_path / "probe.html").write_text(f'<p>Probe</p><img src="file://{secret}">')
    assert "Probe" in _pdf_text(render_pdf("probe.html", {}))  # the image is simply left out
