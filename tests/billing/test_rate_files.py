"""Rate files: a preview changes nothing, apply takes only the reviewed file, a round trip
changes nothing, bad definitions are refused, and only administrators keep rates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from billing import selectors
from billing.models import RateComponent, RateSchedule, RateVersion
from billing.services.rates import rate_file_apply, rate_file_preview

DEMO = Path(__file__).resolve().parents[2] / "billing" / "fixtures" / "rates_demo.json"


def apply(text: str, user) -> list[str]:
    preview = rate_file_preview(text=text, acting_user=user)
    return rate_file_apply(text=text, confirmed_digest=preview.digest, acting_user=user)


def test_it_previews_a_file_without_changing_anything(frank):
    preview = rate_file_preview(text=DEMO.read_text(), acting_user=frank)
    assert "New schedule W-RES (Residential water), 2 version(s)." in preview.changes
    assert not RateSchedule.objects.exists()


def test_it_applies_only_the_reviewed_file(frank):
    text = DEMO.read_text()
    with pytest.raises(ValidationError, match="not the file that was reviewed"):
        rate_file_apply(text=text, confirmed_digest="0" * 64, acting_user=frank)
    apply(text, frank)
    assert RateVersion.objects.filter(schedule__code="W-RES").count() == 2


def test_it_round_trips_a_file_without_changes(frank):
    apply(DEMO.read_text(), frank)
    exported = selectors.rate_file_text()
    assert rate_file_preview(text=exported, acting_user=frank).changes == []
    before = RateComponent.objects.count()
    assert apply(exported, frank) == []
    assert RateComponent.objects.count() == before
    assert json.loads(exported)["schedules"][0]["code"] == "S-RES"


def test_it_adopts_next_years_version_and_refuses_editing_one_in_effect(frank):
    apply(DEMO.read_text(), frank)
    document = json.loads(DEMO.read_text())
    water = document["schedules"][0]
    water["versions"][1]["effective_to"] = "2027-09-30"
    fy2028 = json.loads(json.dumps(water["versions"][1]))
    fy2028.update(effective_from="2027-10-01", effective_to=None, note="FY2028 rates")
    fy2028["components"][1]["blocks"][0]["price"] = "3.40"
    water["versions"].append(fy2028)
    text = json.dumps(document)
    preview = rate_file_preview(text=text, acting_user=frank)
    assert "W-RES from 2026-10-01: ends never -> 2027-09-30." in preview.changes
    assert "W-RES from 2027-10-01: new version (3 components)." in preview.changes
    apply(text, frank)
    use = RateComponent.objects.get(version__effective_from="2027-10-01", code="use")
    assert use.blocks[0]["price"] == "3.4"
    # the FY2027 prices are in effect (bills were computed from them): refused
    water["versions"][1]["components"][1]["blocks"][0]["price"] = "9.99"
    with pytest.raises(ValidationError, match="already in effect"):
        apply(json.dumps(document), frank)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '"from": "6", "to": "15", "price": "3.10"',
            '"from": "7", "to": "15", "price": "3.10"',
            "",
        ),
        ('"amount": "7.35"', '"amount": "-7.35"', "the amount cannot be negative"),
        ('"effective_to": "2026-09-30"', '"effective_to": "2026-10-05"', "overlaps the version"),
        ('"percent_of": ["base", "use"]', '"percent_of": ["nothing"]', "not an earlier component"),
    ],
)
def test_it_refuses_a_bad_definition_in_a_file(frank, old, new, message):
    text = DEMO.read_text()
    if not message:  # the first tier change leaves a gap between 6 and 7
        old, new, message = (
            '"from": "6", "to": "15", "price": "4.05"',
            '"from": "7", "to": "15", "price": "4.05"',
            "a gap between 6 and 7",
        )
    assert old in text
    with pytest.raises(ValidationError, match=message):
        rate_file_preview(text=text.replace(old, new), acting_user=frank)


def test_it_refuses_a_clerk_or_coordinator_changing_rates(alice, bob):
    for user in (alice, bob):
        with pytest.raises(PermissionDenied):
            rate_file_preview(text=DEMO.read_text(), acting_user=user)
        assert not user.has_perm("billing.change_ratecomponent")


def test_it_previews_on_the_page_and_applies_only_when_confirmed(client, frank):
    client.force_login(frank)
    upload = SimpleUploadedFile("rates.json", DEMO.read_bytes(), content_type="application/json")
    response = client.post("/billing/rates/file/", {"file": upload})
    assert b"New schedule W-RES" in response.content
    assert not RateSchedule.objects.exists()  # nothing until confirmed
    preview = response.context["preview"]
    response = client.post(
        "/billing/rates/file/", {"text": response.context["text"], "digest": preview.digest}
    )
    assert response.status_code == 302
    assert RateSchedule.objects.count() == 4
    download = client.get("/billing/rates/file/?download=1")
    assert json.loads(download.content)["format"] == "billing-rates/1"


def test_it_refuses_the_rate_file_page_to_a_clerk(client, alice):
    client.force_login(alice)
    assert client.get("/billing/rates/file/").status_code == 403


def test_it_refuses_a_file_with_a_card_number_on_the_page_without_showing_it(client, frank):
    client.force_login(frank)
    text = DEMO.read_text().replace("FY2026 rates", "paid 4111-1111-1111-1111")
    upload = SimpleUploadedFile("rates.json", text.encode(), content_type="application/json")
    response = client.post("/billing/rates/file/", {"file": upload})
    html = response.content.decode()
    assert "card number" in html and "Line 13 of the file" in html
    assert "4111" not in html and "preview" not in response.context
    assert response.context["form"].errors["file"]  # next to the field
    assert not RateSchedule.objects.exists()


def test_it_refuses_a_card_number_spelled_with_json_escapes(frank):
    text = DEMO.read_text().replace("FY2026 rates", "\\u0034111 1111 1111 1111")
    with pytest.raises(ValidationError, match="The file looks like it holds a payment card"):
        rate_file_preview(text=text, acting_user=frank)
