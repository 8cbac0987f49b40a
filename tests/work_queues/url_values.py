"""A follow-up on an account, for the site-wide URL walks."""

from __future__ import annotations

from datetime import date

from work_queues import services


def work_queue_url_values(bob, account) -> dict[str, int]:
    item = services.followup_add(
        account=account, why="Call back about the leak", due_on=date(2026, 11, 24),
        acting_user=bob,
    )  # fmt: skip
    return {"work_item_pk": item.pk}  # not item_pk: the batch rows use that name
