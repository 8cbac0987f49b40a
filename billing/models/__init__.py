"""Billing's models: rates (schedules, versions, components), agreements and cycles,
meters and their append-only reads, read imports and the exceptions queue, bills,
budget plans and one-time charges."""

from .agreements import BillingCycle, Route, RouteStop, ServiceAgreement
from .bills import Bill, BillLine, BillRun
from .budget import BudgetPlan
from .charges import MiscFee, OneTimeCharge
from .meters import Meter, MeterInstall, MeterRead, ReadException, ReadImport, ReadImportRow
from .rates import RateComponent, RateSchedule, RateVersion

__all__ = [
    "Bill",
    "BillLine",
    "BillRun",
    "BillingCycle",
    "BudgetPlan",
    "Meter",
    "MeterInstall",
    "MeterRead",
    "MiscFee",
    "OneTimeCharge",
    "RateComponent",
    "RateSchedule",
    "RateVersion",
    "ReadException",
    "ReadImport",
    "ReadImportRow",
    "Route",
    "RouteStop",
    "ServiceAgreement",
]
