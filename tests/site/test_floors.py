"""The floors of DESIGN section 2 hold: no module imports from a floor above its own.

Every ``.py`` file of the project's packages is read with ``ast`` (nothing is
imported), and each import of a project package is checked against the floors:

0. the configuration (``billing_site.env``, ``billing_site.settings`` and the
   embedded database starter ``billing_site.devdb``): anyone may read it, it
   imports no app;
1. ``billing_site.common`` imports none of the apps;
2. ``accounts`` imports only floor 1; ``ledger`` imports ``accounts`` and floor 1;
3. ``billing`` < ``payments`` < ``adjustments`` < ``collections_app`` <
   ``service_orders``: each imports floors 1-2 and the apps before it;
   3.5. ``work_queues`` gathers the pending work of every floor-3 app (nothing below
   imports it);
4. the top floor (``front`` and the rest of ``billing_site``: urls, wsgi,
   devdb) may import anything, and nothing below imports it.

Imports under ``if TYPE_CHECKING:`` and inside functions count: a dependency
is a dependency. A new top-level package fails the test until it is given a
floor here.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Ranks: a module may import a package of the same or a lower rank.
CONFIG = "config"
TOP = "top"
RANK: dict[str, float] = {
    CONFIG: 0,
    "billing_site.common": 1,
    "accounts": 2.0,
    "ledger": 2.1,
    "billing": 3.0,
    "payments": 3.1,
    "adjustments": 3.2,
    "collections_app": 3.3,
    "service_orders": 3.4,
    "work_queues": 3.5,
    "front": 4,
    TOP: 4,
}
OUTSIDE = {"tests", "bench", "scripts"}  # not part of the running application
SKIP_DIRS = {".venv", "var", "node_modules", "static", "templates", "docs", "__pycache__"}


def package_of(module: str) -> str | None:
    """The floor package a dotted module name belongs to (None: not the project's)."""
    parts = module.split(".")
    if parts[0] == "billing_site":
        if len(parts) == 1:
            return TOP
        if parts[1] == "common":
            return "billing_site.common"
        return CONFIG if parts[1] in ("env", "settings", "devdb") else TOP
    return parts[0] if parts[0] in RANK else None


def module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(tree: ast.AST, me: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import; relative ones resolved against ``me``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = me.split(".") if is_package else me.split(".")[:-1]
                up = here[: len(here) - (node.level - 1)]
                base = ".".join([*up, base] if base else up)
            if base == "billing_site":  # ``from billing_site import urls``: name the module
                found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, base))
    return found


def upward_imports(root: Path) -> list[str]:
    """``path:line importer -> imported`` for every import that climbs a floor."""
    bad: list[str] = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] in OUTSIDE or SKIP_DIRS.intersection(rel.parts) or len(rel.parts) == 1:
            continue
        me = module_name(path, root)
        mine = package_of(me)
        if mine is None or RANK[mine] >= RANK[TOP]:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, name in imported_modules(tree, me, path.name == "__init__.py"):
            target = package_of(name)
            if target is not None and RANK[target] > RANK[mine]:
                bad.append(f"{rel}:{line} {mine} -> {name}")
    return sorted(set(bad))


def unplaced_packages(root: Path) -> list[str]:
    """Top-level packages of the project that have no floor."""
    return [
        p.name
        for p in sorted(root.iterdir())
        if (p / "__init__.py").exists()
        and p.name not in OUTSIDE
        and p.name != "billing_site"
        and p.name not in RANK
    ]


def plant(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(root).parents:
            if parent != Path("."):
                (root / parent / "__init__.py").touch()
        path.write_text(text, encoding="utf-8")
    return root


def test_it_finds_no_upward_import_in_the_project():
    assert upward_imports(ROOT) == []


def test_it_gives_every_package_of_the_project_a_floor():
    assert unplaced_packages(ROOT) == []


def test_it_catches_a_planted_upward_import(tmp_path):
    plant(
        tmp_path,
        {
            "accounts/views/detail.py": "from ledger.selectors import aging\n",
            "billing_site/common/money.py": "import accounts.models\n",
            "payments/services.py": "def f():\n    from adjustments import services\n",
            "ledger/selectors.py": "from front.views import home\n",
            "adjustments/views.py": "from billing_site import urls\n",
        },
    )

    assert upward_imports(tmp_path) == [
        "accounts/views/detail.py:1 accounts -> ledger.selectors",
        "adjustments/views.py:1 adjustments -> billing_site.urls",
        "billing_site/common/money.py:1 billing_site.common -> accounts.models",
        "ledger/selectors.py:1 ledger -> front.views",
        "payments/services.py:2 payments -> adjustments",
    ]


def test_it_lets_each_floor_import_its_own_and_lower_floors(tmp_path):
    plant(
        tmp_path,
        {
            "billing_site/common/formflow.py": "from billing_site.env import env_str\n"
            "from .idempotency import claim\n",
            "billing_site/urls.py": "from front import urls\nimport service_orders.views\n",
            "accounts/views/search.py": "from ..selectors import search\n"
            "from billing_site.common.money import ZERO\n",
            "ledger/models.py": "from accounts.models import Account\n",
            "adjustments/services.py": "from payments.services import refund\n"
            "from ledger import services\nimport django.db\n",
            "front/views/account.py": "from ledger.selectors import aging\n"
            "from adjustments import selectors\n",
        },
    )

    assert upward_imports(tmp_path) == []


def test_it_resolves_relative_imports_that_climb_out_of_an_app(tmp_path):
    plant(tmp_path, {"accounts/views/detail.py": "from ...ledger import selectors\n"})

    assert upward_imports(tmp_path) == ["accounts/views/detail.py:1 accounts -> ledger"]


def test_it_asks_for_a_floor_for_a_new_package(tmp_path):
    plant(tmp_path, {"reports/views.py": "", "accounts/models.py": ""})

    assert unplaced_packages(tmp_path) == ["reports"]
