"""Collections models: kept agings, late-fee rules and runs, the delinquency timeline
(steps, runs, what was recorded on each account) and letters, payment plans, deposits."""

from .aging import AgingLine, AgingRun, MonthEndAging
from .deposits import CreditResult, DepositInterest, DepositRule, SecurityDeposit
from .late_fees import LateFeeLine, LateFeeRule, LateFeeRun, LateFeeWaiver
from .letters import Letter, LetterTemplate
from .notices import AccountStep, NoticeLine, NoticeRun, NoticeStep
from .plans import PaymentPlan, PlanInstallment
from .writeoffs import WriteOff

__all__ = [
    "AccountStep",
    "AgingLine",
    "AgingRun",
    "CreditResult",
    "DepositInterest",
    "DepositRule",
    "LateFeeLine",
    "LateFeeRule",
    "LateFeeRun",
    "LateFeeWaiver",
    "Letter",
    "LetterTemplate",
    "MonthEndAging",
    "NoticeLine",
    "NoticeRun",
    "NoticeStep",
    "PaymentPlan",
    "PlanInstallment",
    "SecurityDeposit",
    "WriteOff",
]
