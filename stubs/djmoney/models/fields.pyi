# What django-stubs needs to know about django-money. Its sources declare MoneyField
# a plain DecimalField, so every read would type as Decimal; at run time an instance
# attribute is a Money (the descriptor below) while values() and values_list() give
# the bare Decimal amount (django-stubs reads that from _pyi_private_get_type).
from decimal import Decimal
from typing import Any, Self, overload

from django.db.models import DecimalField, Model
from django.db.models.expressions import Combinable
from django.db.models.fields import _FieldDescriptor
from djmoney.money import Money

class MoneyField(DecimalField[Any, Any]):
    _pyi_private_set_type: Money | Decimal | int | str | Combinable  # type: ignore[assignment]
    _pyi_lookup_exact_type: Money | Decimal | int | str  # type: ignore[assignment]
    def __init__(self, *args: Any, **kwargs: Any) -> None: ...
    @overload  # type: ignore[override]
    def __get__(self, instance: None, owner: Any) -> _FieldDescriptor[Self]: ...
    @overload
    def __get__(self, instance: Model, owner: Any) -> Money: ...
    @overload
    def __get__(self, instance: Any, owner: Any) -> Self: ...
