"""Rate files (``docs/rates.md``): rate schedules as a JSON document a city reviews.

``load`` reads a file into plain dictionaries (checking every definition with the
engine's rules), ``dump`` writes the same shape, and ``differences`` says in words
what applying a file would change. Pure: the database side is
``billing.services.rates``. A file holding what looks like a payment card number,
anywhere (a description, a note, a label ...), is refused whole before it is read
further; the message names the line only, never the number.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from billing_site.common.cards import looks_like_card_number

from .engine import Block, ComponentSpec, RateRefused, VersionSpec, validate_schedule

FORMAT = "billing-rates/1"
DECIMALS = ("unit_size", "amount", "included_units", "minimum", "maximum", "percent",
            "winter_default")  # fmt: skip
TEXTS = ("label", "kind", "fixed_basis", "usage_basis", "usage_service", "unit_label",
         "block_mode")  # fmt: skip
DEFAULTS: dict[str, Any] = {
    "fixed_basis": "",
    "usage_basis": "",
    "usage_service": "",
    "unit_size": "1",
    "unit_label": "",
    "amount": None,
    "blocks": [],
    "block_mode": "each_tier",
    "included_units": "0",
    "size_prices": {},
    "minimum": None,
    "maximum": None,
    "percent": None,
    "percent_of": [],
    "winter_months": [],
    "winter_default": None,
}


def canonical_decimal(value: Any, where: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        raise RateRefused(f'{where}: write amounts as text ("3.10"), never as a float.')
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise RateRefused(f"{where}: {value!r} is not a number.") from None
    if not number.is_finite():
        raise RateRefused(f"{where}: {value!r} is not a number.")
    text = f"{number.normalize():f}"
    return text


def canonical_component(raw: dict[str, Any], where: str) -> dict[str, Any]:
    for key in ("code", "label", "kind"):
        if not raw.get(key):
            raise RateRefused(f"{where}: every component needs a {key}.")
    unknown = set(raw) - {"code", *TEXTS, *DECIMALS, "blocks", "size_prices", "percent_of",
                          "winter_months"}  # fmt: skip
    if unknown:
        raise RateRefused(f"{where}: unknown fields {', '.join(sorted(unknown))}.")
    out: dict[str, Any] = {"code": str(raw["code"])}
    for key in TEXTS:
        out[key] = str(raw.get(key, DEFAULTS.get(key, "")) or DEFAULTS.get(key, "") or "")
    for key in DECIMALS:
        out[key] = canonical_decimal(raw.get(key, DEFAULTS[key]), f"{where} {key}")
    out["blocks"] = [
        {
            "from": canonical_decimal(b.get("from", "0"), f"{where} tier"),
            "to": canonical_decimal(b.get("to"), f"{where} tier"),
            "price": canonical_decimal(b.get("price"), f"{where} tier"),
        }
        for b in raw.get("blocks", [])
    ]
    out["size_prices"] = {
        str(size): canonical_decimal(p, f"{where} size {size}")
        for size, p in raw.get("size_prices", {}).items()
    }
    out["percent_of"] = [str(code) for code in raw.get("percent_of", [])]
    out["winter_months"] = [int(m) for m in raw.get("winter_months", [])]
    return out


def spec_of(component: dict[str, Any]) -> ComponentSpec:
    def dec(key: str) -> Decimal | None:
        return None if component[key] is None else Decimal(component[key])

    return ComponentSpec(
        code=component["code"],
        label=component["label"],
        kind=component["kind"],
        fixed_basis=component["fixed_basis"],
        usage_basis=component["usage_basis"],
        usage_service=component["usage_service"],
        unit_size=dec("unit_size") or Decimal(1),
        unit_label=component["unit_label"] or "units",
        amount=dec("amount"),
        blocks=tuple(
            Block(
                Decimal(b["from"] or "0"),
                None if b["to"] is None else Decimal(b["to"]),
                Decimal(b["price"] if b["price"] is not None else "-1"),
            )
            for b in component["blocks"]
        ),
        block_mode=component["block_mode"] or "each_tier",
        included_units=dec("included_units") or Decimal(0),
        size_prices={s: Decimal(p or "-1") for s, p in component["size_prices"].items()},
        minimum=dec("minimum"),
        maximum=dec("maximum"),
        percent=dec("percent"),
        percent_of=tuple(component["percent_of"]),
        winter_months=tuple(component["winter_months"]),
        winter_default=dec("winter_default"),
    )


def version_spec(version: dict[str, Any]) -> VersionSpec:
    return VersionSpec(
        date.fromisoformat(version["effective_from"]),
        date.fromisoformat(version["effective_to"]) if version["effective_to"] else None,
        tuple(spec_of(c) for c in version["components"]),
    )


def canonical_schedule(raw: dict[str, Any]) -> dict[str, Any]:
    code = raw.get("code")
    if not code or not raw.get("service") or not raw.get("name"):
        raise RateRefused("Every schedule needs a code, a name and a service.")
    versions = []
    for v in raw.get("versions", []):
        where = f"Schedule {code}, version from {v.get('effective_from')}"
        try:
            start = date.fromisoformat(v["effective_from"]).isoformat()
            end = (
                date.fromisoformat(v["effective_to"]).isoformat() if v.get("effective_to") else None
            )
        except (KeyError, TypeError, ValueError):
            raise RateRefused(f"{where}: dates are written 2026-10-01.") from None
        components = [canonical_component(c, where) for c in v.get("components", [])]
        versions.append({"effective_from": start, "effective_to": end,
                         "note": str(v.get("note", "")), "components": components})  # fmt: skip
    versions.sort(key=lambda v: v["effective_from"])
    try:
        validate_schedule([version_spec(v) for v in versions])
    except RateRefused as refused:
        raise RateRefused([f"Schedule {code}: {m}" for m in refused.messages]) from None
    return {"code": str(code), "name": str(raw["name"]), "service": str(raw["service"]),
            "description": str(raw.get("description", "")), "versions": versions}  # fmt: skip


CARD_REFUSED = (
    "looks like it holds a payment card number; card numbers are never stored. Nothing "
    "was changed: remove it and upload the file again."
)


def refuse_card_lines(text: str) -> None:
    """Refuse a file with a card number on any line, naming the line, never the number."""
    for number, line in enumerate(text.splitlines(), start=1):
        if looks_like_card_number(line):
            raise RateRefused(f"Line {number} of the file {CARD_REFUSED}")


def refuse_card_texts(document: Any) -> None:
    """The same for every text of the read document (JSON escapes could spell one)."""
    if any(looks_like_card_number(value) for value in _texts(document)):
        raise RateRefused(f"The file {CARD_REFUSED}")


def _texts(value: Any) -> list[str]:
    """Every text of a read JSON document, keys included."""
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in [str(k), *_texts(v)]]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return [value] if isinstance(value, str) else []


def load(text: str) -> list[dict[str, Any]]:
    """The file's schedules in canonical form; :class:`RateRefused` says what is wrong."""
    refuse_card_lines(text)
    try:
        document = json.loads(text, parse_float=Decimal)  # exact, never a float
    except json.JSONDecodeError as error:
        raise RateRefused(f"Not a JSON file: line {error.lineno}: {error.msg}.") from None
    refuse_card_texts(document)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RateRefused(f'A rate file says "format": "{FORMAT}" at the top.')
    schedules = [canonical_schedule(s) for s in document.get("schedules", [])]
    codes = [s["code"] for s in schedules]
    if len(set(codes)) != len(codes):
        raise RateRefused("A schedule appears twice in the file.")
    return schedules


def dump(schedules: list[dict[str, Any]]) -> str:
    return json.dumps({"format": FORMAT, "schedules": schedules}, indent=2) + "\n"


def differences(current: dict[str, dict[str, Any]], incoming: list[dict[str, Any]]) -> list[str]:
    """What applying ``incoming`` over ``current`` (by code) would change, in words."""
    changes: list[str] = []
    for schedule in incoming:
        code = schedule["code"]
        before = current.get(code)
        if before is None:
            changes.append(f"New schedule {code} ({schedule['name']}), "
                           f"{len(schedule['versions'])} version(s).")  # fmt: skip
            continue
        for key in ("name", "service", "description"):
            if before[key] != schedule[key]:
                changes.append(f"{code}: {key} {before[key]!r} -> {schedule[key]!r}.")
        old = {v["effective_from"]: v for v in before["versions"]}
        for version in schedule["versions"]:
            changes.extend(_version_changes(code, old.get(version["effective_from"]), version))
    return changes


def _version_changes(code: str, old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    name = f"{code} from {new['effective_from']}"
    if old is None:
        return [f"{name}: new version ({len(new['components'])} components)."]
    changes = []
    if old["effective_to"] != new["effective_to"]:
        changes.append(f"{name}: ends {old['effective_to'] or 'never'} -> "
                       f"{new['effective_to'] or 'never'}.")  # fmt: skip
    if old["note"] != new["note"]:
        changes.append(f"{name}: note {old['note']!r} -> {new['note']!r}.")
    before = {c["code"]: c for c in old["components"]}
    after = {c["code"]: c for c in new["components"]}
    for c in after.keys() - before.keys():
        changes.append(f"{name}: component {c} added.")
    for c in before.keys() - after.keys():
        changes.append(f"{name}: component {c} removed.")
    for c in sorted(after.keys() & before.keys()):
        for key, value in after[c].items():
            if before[c].get(key) != value:
                changes.append(f"{name}: {c} {key} {before[c].get(key)!r} -> {value!r}.")
    if [c["code"] for c in old["components"]] != [c["code"] for c in new["components"]] and (
        before.keys() == after.keys()
    ):
        changes.append(f"{name}: components reordered.")
    return changes
