# What django-stubs needs to know about django-money: a MoneyField reads as Money
# (its own sources declare a plain DecimalField, which reads as Decimal).
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField
from django.db.models.expressions import Combinable
from djmoney.money import Money

class MoneyField(DecimalField[Any, Any]):
    _pyi_private_set_type: Money | Decimal | int | str | Combinable
    _pyi_private_get_type: Money
    _pyi_lookup_exact_type: Money | Decimal | int | str
    def __init__(
        self,
        verbose_name: str | None = ...,
        name: str | None = ...,
        max_digits: int | None = ...,
        decimal_places: int = ...,
        default: Any = ...,
        default_currency: Any = ...,
        currency_choices: Any = ...,
        currency_max_length: int = ...,
        currency_field_name: str | None = ...,
        money_descriptor_class: Any = ...,
        **kwargs: Any,
    ) -> None: ...
