"""Benchmarks run by ``make bench`` (``python -m bench``); see docs/bench.md.

Each module measures one thing against a baseline taken on the same PostgreSQL
server in the same run, and prints one line:
``BENCH name=<name> value=<number> unit=<unit> baseline=<number> ratio=<value/baseline>
target=<ratio>``.
"""

from __future__ import annotations
