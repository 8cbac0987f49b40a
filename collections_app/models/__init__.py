"""Collections models: kept agings, late-fee rules and runs, the delinquency timeline
(steps, runs, what was recorded on each account) and letters, payment plans, deposits,
write-offs and collection-agency referrals."""

from .aging import AgingLine, AgingRun, MonthEndAging
from .deposits import (
    CreditResult,
    DepositInterest,
    DepositRequired,
    DepositRule,
    SecurityDeposit,
)
from .late_fees import LateFeeLine, LateFeeRule, LateFeeRun, LateFeeTier, LateFeeWaiver
from .letters import Letter, LetterTemplate
from .notices import AccountStep, NoticeLine, NoticeRun, NoticeStep
from .plans import PaymentPlan, PlanInstallment
from .referrals import Agency, AgencyRemittance, AgencyRemittanceLine, Placement, Referral
from .writeoffs import WriteOff

__all__ = [
    "AccountStep",
    "Agency",
    "AgencyRemittance",
    "AgencyRemittanceLine",
    "AgingLine",
    "AgingRun",
    "CreditResult",
    "DepositInterest",
    "DepositRequired",
    "DepositRule",
    "LateFeeLine",
    "LateFeeRule",
    "LateFeeRun",
    "LateFeeTier",
    "LateFeeWaiver",
    "Letter",
    "LetterTemplate",
    "MonthEndAging",
    "NoticeLine",
    "NoticeRun",
    "NoticeStep",
    "PaymentPlan",
    "Placement",
    "PlanInstallment",
    "Referral",
    "SecurityDeposit",
    "WriteOff",
]
