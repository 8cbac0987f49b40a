"""Run work in threads that start together, each on its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def run_together(count: int, work: Callable[[int], Any], *, timeout: float = 120) -> list[Any]:
    """Call ``work(i)`` for i in range(count) in threads released at once by a barrier.

    Returns each thread's result or the exception it raised, in thread order.
    Every thread closes its own connection, so the test database can be flushed.
    """
    results: list[Any] = [None] * count
    barrier = threading.Barrier(count)

    def target(i: int) -> None:
        try:
            barrier.wait(timeout)
            results[i] = work(i)
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return results
