"""Writing many bills and lines at once: ``COPY`` for new rows, one ``UPDATE ... FROM
unnest(...)`` for changed ones.

Django's ``bulk_create`` and ``bulk_update`` spend most of a bill run's chunk building
SQL (``bulk_update`` one ``CASE WHEN`` per row and field); these take the values
straight from the instances. Generic over the model's concrete fields, so a field
added to ``Bill`` or ``BillLine`` is written without touching this module. Used by bill
runs (bills and their lines) and lockbox chunks (their rows). Only for models without a
history table: these write no history rows (bills are documents and the ledger keeps
the money's history; a lockbox row's payment is in the journal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models
from djmoney.money import Money


def _value(field: models.Field, obj: models.Model) -> Any:  # type: ignore[type-arg]
    value = getattr(obj, field.attname)
    if isinstance(value, Money):
        return value.amount
    if value is None or isinstance(value, (str, int, Decimal, bool)):
        return value
    return field.get_db_prep_save(value, connection)


def copy_instances(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """``COPY`` ``objs`` into ``model``'s table (every concrete field but the key)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    for obj in objs:
        for f in fields:
            if getattr(obj, f.attname) is None and f.has_default():
                setattr(obj, f.attname, f.get_default())
    _copy(model, fields, ([_value(f, obj) for f in fields] for obj in objs))


def _copy(model: type[models.Model], fields: Sequence[Any], rows: Iterable[list[Any]]) -> None:
    """``COPY`` ``rows`` (one value per field, in order) into ``model``'s table."""
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def copy_values(model: type[models.Model], rows: Iterable[Mapping[str, Any]]) -> None:
    """``COPY`` rows given as plain values by attribute name (``service_id``, ``amount``:
    a Decimal for a money field) into ``model``'s table; a field a row leaves out takes
    its default. For the thousands of lines of a chunk: no model instance each (a
    twelfth of a bill's calculate time went to building them)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults: dict[str, Any] = {}
    for f in fields:
        if f.has_default():
            if callable(f.default):  # per-row defaults (a timestamp, a token) need instances
                raise ValueError(f"{model.__name__}.{f.name} has a callable default")
            defaults[f.attname] = f.get_db_prep_save(f.get_default(), connection)
        else:
            defaults[f.attname] = None
    attnames = [f.attname for f in fields]

    def values(row: Mapping[str, Any]) -> list[Any]:
        unknown = row.keys() - defaults.keys()
        if unknown:
            raise ValueError(f"{model.__name__} has no column {sorted(unknown)}")
        return [row.get(a, defaults[a]) for a in attnames]

    _copy(model, fields, (values(row) for row in rows))


def update_instances(objs: Sequence[models.Model], field_names: Sequence[str]) -> None:
    """One ``UPDATE ... FROM unnest(...)`` writing ``field_names`` of ``objs``."""
    if not objs:
        return
    meta = objs[0]._meta
    fields = [meta.get_field(name) for name in field_names]
    columns = [meta.pk, *fields]
    _update(meta, fields, [[_value(f, obj) for obj in objs] for f in columns])  # type: ignore[arg-type]


def update_values(
    model: type[models.Model], field_names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """``update_instances`` for rows of plain values: (pk, value of each field)."""
    if not rows:
        return
    meta = model._meta
    fields = [meta.get_field(name) for name in field_names]
    _update(meta, fields, [list(column) for column in zip(*rows, strict=True)])


def _update(meta: Any, fields: Sequence[Any], arrays: list[list[Any]]) -> None:
    columns = [meta.pk, *fields]
    q = connection.ops.quote_name
    unnest = ", ".join(f"%s::{f.cast_db_type(connection)}[]" for f in columns)  # type: ignore[union-attr]
    aliases = ", ".join(q(f.column) for f in columns)  # type: ignore[union-attr]
    sets = ", ".join(f"{q(f.column)} = v.{q(f.column)}" for f in fields)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q(meta.db_table)} AS t SET {sets} FROM unnest({unnest}) AS v({aliases}) "
            f"WHERE t.{q(meta.pk.column)} = v.{q(meta.pk.column)}",  # type: ignore[union-attr]
            arrays,
        )
