"""``python -m bench [name ...]``: run every benchmark (or the named ones), one BENCH line each.

A benchmark is any module of this package with a ``main() -> Result`` other than
the helpers; the issue's two come first, the rest in name order. Each runs in a
process of its own, because each points Django at a database of its own before
set-up (one module may print several lines). Progress goes to stderr; stdout carries
only the BENCH lines. Exits
non-zero if any benchmark failed.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import time

from bench.common import ROOT

FIRST = ("ledger_posting", "account_search")
HELPERS = {"common", "dataset", "journal"}


def benchmarks() -> list[str]:
    found = {
        module.name
        for module in pkgutil.iter_modules([str(ROOT / "bench")])
        if module.name not in HELPERS and not module.name.startswith("_")
    }
    return [name for name in FIRST if name in found] + sorted(found - set(FIRST))


def run(name: str) -> list[str] | None:
    """The module's BENCH lines, or None when it failed."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", f"bench.{name}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH ")]
    seconds = time.monotonic() - started
    if done.returncode != 0 or not lines:
        print(f"[bench] {name} FAILED after {seconds:.0f} s", file=sys.stderr)
        return None
    print(f"[bench] {name} took {seconds:.0f} s", file=sys.stderr)
    return lines  # a module may report more than one figure (bill_run, bill_pdf)


def main(names: list[str]) -> int:
    known = benchmarks()
    unknown = sorted(set(names) - set(known))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(known)}")
        return 2
    failed = 0
    for name in names or known:
        line = run(name)
        if line is None:
            failed += 1
        else:
            print("\n".join(line), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
