"""The work pages: My work, taking and finishing, follow-ups, assigning, the report."""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from tests.factories import make_account, make_user
from work_queues.choices import ItemStatus
from work_queues.models import WorkItem
from work_queues.selectors import PER_PAGE
from work_queues.services import work_items_sync

from .helpers import adjustment, exceptions_of, lockbox_file_in

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def tokens(html: str, action: str) -> str:
    """The token of the form posting to ``action`` on the page."""
    found = re.search(
        rf'action="{re.escape(action)}"[^>]*>.*?name="token" value="([^"]+)"', html, re.S
    )
    assert found, f"no form for {action}"
    return found.group(1)


def the_token(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def queue(name: str) -> Group:
    return Group.objects.get(name=name)


def followups(by, account, n: int, **fields) -> list[WorkItem]:
    return WorkItem.objects.bulk_create(
        WorkItem(kind="followup", account=account, why=f"Call back {i}", created_by=by,
                 due_on=date(2026, 11, 20) + timedelta(days=i % 9), **fields)
        for i in range(n)
    )  # fmt: skip


def test_it_lists_my_items_and_my_queues_and_takes_one(alice, bob, business_day) -> None:
    account = make_account(bob)
    [mine] = followups(bob, account, 1, assigned_user=alice)
    [shared] = followups(bob, account, 1, assigned_group=queue("Clerk"))
    [others] = followups(bob, account, 1, assigned_group=queue("Supervisor"))
    page = client_for(alice).get(reverse("work_queues:mine"))
    html = page.content.decode()
    assert f'data-item="{mine.pk}"' in html and f'data-item="{shared.pk}"' in html
    assert f'data-item="{others.pk}"' not in html
    assert re.search(r'id="nav-my-work">My work <span class="badge">2</span>', html)
    assert "Overdue" in html  # due before the open business day
    take = reverse("work_queues:take", args=[shared.pk])
    done = client_for(alice).post(take, {"token": tokens(html, take)})
    assert done.status_code == 302
    shared.refresh_from_db()
    assert shared.assigned_user == alice and shared.assigned_group is None
    assert shared.status == ItemStatus.IN_PROGRESS
    assert shared.history.first().history_change_reason == "taken by alice"


def test_it_refuses_taking_another_roles_queue_item(alice, bob, carol) -> None:
    account = make_account(bob)
    [sup] = followups(bob, account, 1, assigned_group=queue("Supervisor"))
    html = client_for(carol).get(reverse("work_queues:mine")).content.decode()
    take = reverse("work_queues:take", args=[sup.pk])
    refused = client_for(alice).post(take, {"token": tokens(html, take)})
    assert refused.status_code in (400, 403)
    sup.refresh_from_db()
    assert sup.assigned_group == queue("Supervisor")


def test_it_never_shows_a_clerk_approval_items(alice, bob, account) -> None:
    adjustment(account, bob)
    work_items_sync(kind="adjustment")
    item = WorkItem.objects.get(kind="adjustment")
    WorkItem.objects.filter(pk=item.pk).update(assigned_group=queue("Clerk"))  # a stray row
    html = client_for(alice).get(reverse("work_queues:mine")).content.decode()
    assert f'data-item="{item.pk}"' not in html  # a person's list: only what they may work


def test_it_adds_a_follow_up_from_the_account_page_and_marks_it_done(alice, bob) -> None:
    account = make_account(bob)
    page = client_for(alice).get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert 'id="work-panel"' in page and 'id="followup-form"' in page
    action = reverse("work_queues:followup_add", args=[account.pk])
    form = {"why": "Call back Tuesday about the leak adjustment", "due_on": "2026-11-24",
            "assignee": "", "priority": "2"}  # fmt: skip
    sent = client_for(alice).post(action, {**form, "token": tokens(page, action)})
    assert sent.status_code == 302
    item = WorkItem.objects.get(kind="followup")
    assert (item.account, item.assigned_user, item.created_by) == (account, alice, alice)
    assert item.due_on == date(2026, 11, 24) and item.priority == 2
    html = client_for(alice).get(reverse("work_queues:mine")).content.decode()
    done_url = reverse("work_queues:done", args=[item.pk])
    assert client_for(alice).post(done_url, {"token": tokens(html, done_url)}).status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE and item.closed_by == alice and item.closed_at
    assert [h.history_user for h in item.history.order_by("history_date")] == [alice, alice]


def test_it_keeps_what_was_typed_and_refuses_a_card_number(alice, bob) -> None:
    account = make_account(bob)
    page = client_for(alice).get(reverse("accounts:detail", args=[account.pk])).content.decode()
    action = reverse("work_queues:followup_add", args=[account.pk])
    token = tokens(page, action)
    bad = client_for(alice).post(
        action, {"why": "Call back", "due_on": "someday", "priority": "3", "token": token}
    )
    assert bad.status_code == 400 and "Call back" in bad.content.decode()
    assert "Enter a valid date" in bad.content.decode()
    card = client_for(alice).post(
        action, {"why": "paid with 4111 1111 1111 1111", "priority": "3", "token": token}
    )
    assert card.status_code == 400 and "4111" not in card.content.decode()
    assert "card number" in card.content.decode() and not WorkItem.objects.exists()


def test_it_refuses_cancelling_without_a_reason_and_records_the_reason(alice, bob) -> None:
    account = make_account(bob)
    [item] = followups(bob, account, 1, assigned_user=alice)
    url = reverse("work_queues:cancel", args=[item.pk])
    page = client_for(alice).get(url).content.decode()
    empty = client_for(alice).post(url, {"reason": "", "token": the_token(page)})
    assert empty.status_code == 400 and "This field is required" in empty.content.decode()
    ok = client_for(alice).post(url, {"reason": "Customer called in", "token": the_token(page)})
    assert ok.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.CANCELLED and item.close_note == "Customer called in"


def test_it_assigns_many_to_a_clerk_and_refuses_approval_items_for_her(
    alice, bob, account, business_day, django_capture_on_commit_callbacks
) -> None:
    alice.user_permissions.add(Permission.objects.get(codename="manage_batches"))
    with django_capture_on_commit_callbacks(execute=True):
        batch = lockbox_file_in(bob, 3)
    assert len(exceptions_of(batch)) == 3
    adjustment(account, bob)
    work_items_sync(kind="adjustment")
    office = reverse("work_queues:office")
    html = client_for(bob).get(office).content.decode()
    lockbox = list(WorkItem.objects.filter(kind="lockbox_exception").values_list("pk", flat=True))
    assert len(lockbox) == 3  # opened when the import finished, not by a sweep
    approval = WorkItem.objects.get(kind="adjustment")
    refused = client_for(bob).post(office, {
        "items": [*lockbox, approval.pk], "assignee": f"user:{alice.pk}",
        "token": the_token(html),
    })  # fmt: skip
    body = refused.content.decode()
    assert refused.status_code == 400 and "cannot work adjustment to approve items" in body
    assert not WorkItem.objects.filter(assigned_user=alice).exists()  # all or nothing
    html = client_for(bob).get(office).content.decode()
    sent = client_for(bob).post(office, {
        "items": lockbox, "assignee": f"user:{alice.pk}", "due_on": "2026-11-25",
        "token": the_token(html),
    })  # fmt: skip
    assert sent.status_code == 302
    assigned = WorkItem.objects.filter(assigned_user=alice)
    assert assigned.count() == 3 and {i.due_on for i in assigned} == {date(2026, 11, 25)}
    last = assigned.first().history.first()
    assert last.history_user == bob and "assigned to alice" in last.history_change_reason


def test_it_refuses_the_office_page_to_a_clerk(alice) -> None:
    assert client_for(alice).get(reverse("work_queues:office")).status_code == 403
    assert client_for(alice).get(reverse("work_queues:workload")).status_code == 403


def _items_for(alice, bob, n: int) -> None:
    accounts = [make_account(bob) for _ in range(3)]
    for k, account in enumerate(accounts):
        followups(bob, account, n // 3 + (1 if k < n % 3 else 0), assigned_user=alice)


@pytest.mark.parametrize("page", ["work_queues:mine", "work_queues:office"])
def test_it_spends_the_same_queries_on_10_and_200_items(
    page, alice, bob, business_day, django_assert_num_queries
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = alice if page == "work_queues:mine" else bob
    c = client_for(user)
    c.get(reverse(page))  # the session's role cache is warm from here on
    _items_for(alice, bob, 10)
    with CaptureQueriesContext(connection) as ten:
        assert c.get(reverse(page)).status_code == 200
    _items_for(alice, bob, 190)
    with django_assert_num_queries(len(ten.captured_queries)):
        body = c.get(reverse(page)).content.decode()
    assert body.count('<tr data-item="') == PER_PAGE  # the first page of 200
    with django_assert_num_queries(len(ten.captured_queries)):
        last = c.get(reverse(page), {"page": 200 // PER_PAGE}).content.decode()
    assert last.count('<tr data-item="') == PER_PAGE and 'rel="next"' not in last


def test_it_reports_workload_as_pdf_and_csv(bob, carol) -> None:
    account = make_account(bob)
    items = followups(bob, account, 3, assigned_user=bob)
    now = timezone.now()
    WorkItem.objects.filter(pk__in=[i.pk for i in items]).update(
        created_at=now - timedelta(hours=6)
    )
    WorkItem.objects.filter(pk__in=[i.pk for i in items[:2]]).update(
        status="done", closed_by=bob, closed_at=now - timedelta(hours=1)
    )
    url = reverse("work_queues:workload")
    today = timezone.localdate()
    query = {"start": str(today - timedelta(days=7)), "end": str(today + timedelta(days=1))}
    page = client_for(carol).get(url, query).content.decode()
    assert "Median time to done" in page and "5.0 hours" in page
    pdf = client_for(carol).get(url, {**query, "format": "pdf"})
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
    assert "Workload report" in text and "bob" in text and "Follow-up" in text
    csv = client_for(carol).get(url, {**query, "format": "csv"}).content.decode("utf-8-sig")
    assert "person,bob,3,2," in csv and "kind,Follow-up,3,2," in csv
    bad = client_for(carol).get(url, {"start": str(today), "end": str(today - timedelta(1))})
    assert bad.status_code == 400 and "The end comes before the start" in bad.content.decode()


def test_it_renders_the_dashboard_panels_standalone(bob, carol) -> None:
    account = make_account(bob)
    followups(bob, account, 2, assigned_user=bob)
    sizes = client_for(carol).get(reverse("work_queues:panel_queue_sizes")).content.decode()
    assert 'data-kind="followup"' in sizes and '<td class="open-count">2</td>' in sizes
    done = client_for(carol).get(reverse("work_queues:panel_done_this_week"))
    assert done.status_code == 200 and "Done this week" in done.content.decode()
    assert (
        make_user("tess", "Clerk")
        and client_for(make_user("cleo", "Clerk"))
        .get(reverse("work_queues:panel_queue_sizes"))
        .status_code
        == 403
    )


def test_it_counts_my_work_per_kind_overdue_and_due_today_and_pages_it(
    alice, bob, business_day
) -> None:
    account = make_account(bob)
    mine = followups(bob, account, 60, assigned_user=alice)  # due Nov 20..28, today Nov 23
    followups(bob, account, 2, assigned_group=queue("Clerk"))
    followups(bob, account, 5, assigned_group=queue("Supervisor"))  # not hers
    WorkItem.objects.filter(pk=mine[0].pk).update(status=ItemStatus.DONE, closed_at=timezone.now())
    c = client_for(alice)
    first = c.get(reverse("work_queues:mine")).content.decode()
    mine_open = WorkItem.objects.filter(status="open").exclude(assigned_group=queue("Supervisor"))
    overdue = mine_open.filter(due_on__lt=date(2026, 11, 23)).count()
    today = mine_open.filter(due_on=date(2026, 11, 23)).count()
    assert '<strong class="count-total">61</strong>' in first
    assert f'<strong class="count-overdue">{overdue}</strong>' in first and overdue > 0
    assert f'<strong class="count-today">{today}</strong>' in first and today > 0
    assert re.search(
        r'data-count-kind="followup"><td>Follow-up</td><td class="open-count">61<', first
    )
    assert re.search(r'id="nav-my-work">My work <span class="badge">61</span>', first)
    ids = [int(i) for i in re.findall(r'<tr data-item="(\d+)"', first)]
    second = c.get(reverse("work_queues:mine"), {"page": "2"}).content.decode()
    ids += [int(i) for i in re.findall(r'<tr data-item="(\d+)"', second)]
    assert len(ids) == 61 and first.count("<tr data-item=") == PER_PAGE
    in_order = mine_open.order_by("due_on", "priority", "pk").values_list("pk", flat=True)
    assert ids == list(in_order)  # by due date then priority, page after page
    assert 'rel="next"' in first and 'rel="prev"' in second and 'rel="next"' not in second
    odd = c.get(reverse("work_queues:mine"), {"page": "x9"})  # a bad page number: the first
    assert odd.status_code == 200 and odd.content.decode().count("<tr data-item=") == PER_PAGE


def test_it_takes_once_on_a_double_submit_of_the_pages_token_and_refuses_it_elsewhere(
    alice, bob, business_day
) -> None:
    account = make_account(bob)
    one, other = followups(bob, account, 2, assigned_group=queue("Clerk"))
    c = client_for(alice)
    html = c.get(reverse("work_queues:mine")).content.decode()
    take_one, take_other = (reverse("work_queues:take", args=[i.pk]) for i in (one, other))
    token = tokens(html, take_one)
    assert tokens(html, take_other) == token  # one token for the page's "Take it" forms
    assert c.post(take_one, {"token": token}).status_code == 302
    assert c.post(take_one, {"token": token}).status_code == 302  # the double click
    assert one.history.filter(history_change_reason="taken by alice").count() == 1
    reused = c.post(take_other, {"token": token})  # the used token on another item
    assert reused.status_code == 400 and "already sent" in reused.content.decode()
    other.refresh_from_db()
    assert other.assigned_user is None and other.assigned_group == queue("Clerk")
    fresh = tokens(reused.content.decode(), take_other)  # the page shown again has a new one
    assert fresh != token and c.post(take_other, {"token": fresh}).status_code == 302
    other.refresh_from_db()
    assert other.assigned_user == alice
