from __future__ import annotations

from django.apps import AppConfig


class ServiceOrdersConfig(AppConfig):
    name = "service_orders"
    label = "service_orders"
    verbose_name = "Field service orders"
