"""``field__any=values``: ``field = ANY(%s)`` with the values sent as one array.

For the long id and number lists of chunked work (a lockbox chunk's 2,000 accounts),
``__in`` binds one parameter per value and PostgreSQL plans an ``IN`` list of that many
constants: measured on 2,000 account numbers, 12 ms with ``__in`` against 3 ms with
``= ANY``. The values are prepared by the field, as ``__in`` prepares them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Field, ForeignObject, Lookup


@ForeignObject.register_lookup
@Field.register_lookup
class AnyOf(Lookup):  # type: ignore[type-arg]
    lookup_name = "any"

    def get_prep_lookup(self) -> Any:
        return [self.lhs.output_field.get_prep_value(v) for v in self.rhs]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(v, connection, prepared=True) for v in self.rhs]
        # The column's type without its modifier: a cast to varchar(40) or numeric(14,2)
        # would cut or round a longer value into one that matches.
        base = (field.cast_db_type(connection) or field.db_type(connection)).split("(")[0]
        return f"{lhs} = ANY(%s::{base}[])", (*lhs_params, values)
