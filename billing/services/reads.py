"""Recording meter reads: every read is checked (``billing.reads.check_read``); a read
that passes is stored, one that fails goes to the exceptions queue, where a
coordinator accepts it, corrects it (with a reason) or asks for a re-read.
Reads are never changed: a correction is a new read naming the one it corrects."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.choices import AccountStatus
from accounts.models import Account
from billing_site.common.cards import refuse_card_numbers
from billing_site.common.roles import require_perm

from ..choices import ExceptionStatus, ReadKind
from ..models import Meter, MeterInstall, MeterRead, ReadException
from ..reads import (
    ReadContext,
    ReadPoint,
    average_daily_use,
    check_read,
    estimated_reading,
    intervals,
    same_month_average,
)

RECORD = "billing.add_meterread"
RESOLVE = "billing.resolve_readexception"


def read_key(meter_number: str, read_date: date, reading: Decimal, read_code: str) -> str:
    """Identifies a read from a file, so the same read is never stored twice."""
    text = f"{meter_number.strip().upper()}|{read_date:%Y-%m-%d}|{reading:f}|{read_code}"
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Proposed:
    """A read to check: from a person, a handheld or a file line."""

    meter_number: str
    read_date: date
    reading: Decimal
    read_code: str = ""
    account_number: str = ""
    source: str = ""
    kind: str = ReadKind.ACTUAL
    line: int | None = None
    key: str | None = None


@dataclass(frozen=True)
class AccountFacts:
    """What the checks need of an account."""

    pk: int
    premise_id: int
    status: str


class ReadChecker:
    """Loads what the checks need for many reads at once (a few queries per batch),
    then checks them in order, remembering each stored read as the next one's last."""

    def __init__(self, proposed: Iterable[Proposed]) -> None:
        batch = list(proposed)
        numbers = {p.meter_number for p in batch}
        self.meters = {m.number: m for m in Meter.objects.filter(number__in=numbers)}
        self.premise_of = dict(
            MeterInstall.objects.filter(
                meter__in=self.meters.values(), removed_on__isnull=True
            ).values_list("meter_id", "premise_id")
        )
        self.accounts = {
            number: AccountFacts(pk, premise_id, status)
            for number, pk, premise_id, status in Account.objects.filter(
                number__in={p.account_number for p in batch if p.account_number}
            ).values_list("number", "pk", "premise_id", "status")
        }
        by_id = {m.pk: m for m in self.meters.values()}
        self._history: dict[int, list[ReadPoint]] = defaultdict(list)
        for meter_id, read_date, reading in (
            MeterRead.objects.filter(meter__in=self.meters.values())
            .exclude(corrections__isnull=False)
            .order_by("meter_id", "read_date", "pk")
            .values_list("meter_id", "read_date", "reading")
        ):
            self._history[meter_id].append(_point(by_id[meter_id], read_date, reading))

    def check(self, p: Proposed) -> tuple[Meter | None, AccountFacts | None, ReadContext]:
        meter = self.meters.get(p.meter_number)
        account = self.accounts.get(p.account_number) if p.account_number else None
        if meter is None:
            return None, account, ReadContext(p.read_date, p.reading, meter_known=False)
        history = self._history[meter.pk]
        ctx = ReadContext(
            read_date=p.read_date,
            reading=p.reading,
            dials=meter.dials,
            multiplier=meter.multiplier,
            meter_premise_id=self.premise_of.get(meter.pk),
            account_premise_id=account.premise_id if account else None,
            account_active=account is None or account.status == AccountStatus.ACTIVE,
            last=history[-1] if history else None,
            usual_daily_use=same_month_average(intervals(history), p.read_date),
        )
        return meter, account, ctx

    def stored(self, meter: Meter, read_date: date, reading: Decimal) -> None:
        self._history[meter.pk].append(_point(meter, read_date, reading))


def _point(meter: Meter, read_date: date, reading: Decimal) -> ReadPoint:
    return ReadPoint(meter.number, read_date, reading, meter.dials, meter.multiplier)


def sort_out(
    checker: ReadChecker, batch: Iterable[Proposed], acting_user: User, **extra: object
) -> tuple[list[tuple[object, ...]], list[ReadException]]:
    """Check each read: the good as rows to store, the rest as unsaved exceptions."""
    reads: list[tuple[object, ...]] = []
    failed: list[ReadException] = []
    for p in batch:
        meter, account, ctx = checker.check(p)
        failure = check_read(ctx)
        if failure is None and meter is not None:
            premise_id = checker.premise_of.get(meter.pk)
            if premise_id is None:
                failure_message = "The meter is not installed anywhere."
                failed.append(
                    _exception(
                        p, meter, account, "other_premise", failure_message, acting_user, extra
                    )
                )
                continue
            reads.append(_read(p, meter, premise_id, acting_user))
            checker.stored(meter, p.read_date, p.reading)
        else:
            assert failure is not None
            failed.append(
                _exception(p, meter, account, failure.rule, failure.message, acting_user, extra)
            )
    return reads, failed


def _read(p: Proposed, meter: Meter, premise_id: int, user: User) -> tuple[object, ...]:
    """A read to store, as the row COPY writes (``READ_COLUMNS``): no model to build."""
    return (meter.pk, premise_id, p.read_date, p.reading, p.kind, p.read_code, p.source[:100],
            user.pk, "", p.key)  # fmt: skip


def _exception(
    p: Proposed,
    meter: Meter | None,
    account: AccountFacts | None,
    rule: str,
    message: str,
    user: User,
    extra: dict[str, object],
) -> ReadException:
    return ReadException(
        rule=rule,
        message=message[:300],
        meter=meter,
        meter_number=p.meter_number,
        account_id=account.pk if account else None,
        account_number=p.account_number,
        premise_id=account.premise_id if account else None,
        read_date=p.read_date,
        reading=p.reading,
        read_code=p.read_code,
        source=p.source[:100],
        line=p.line,
        import_key=p.key,
        created_by=user,
        **extra,  # type: ignore[arg-type]
    )


@transaction.atomic
def meter_read_record(
    *,
    meter: Meter,
    read_date: date,
    reading: Decimal,
    acting_user: User,
    kind: str = ReadKind.ACTUAL,
    read_code: str = "",
    source: str = "",
) -> MeterRead | ReadException:
    """A reader's (or customer's) read: stored if it passes the checks, else queued."""
    require_perm(acting_user, RECORD)
    refuse_card_numbers(read_code=read_code, source=source)
    if read_date > timezone.localdate():
        raise ValidationError({"read_date": "A read cannot be dated in the future."})
    Meter.objects.select_for_update().get(pk=meter.pk)  # one read of a meter at a time
    proposed = Proposed(meter.number, read_date, reading, read_code, source=source, kind=kind)
    reads, failed = sort_out(ReadChecker([proposed]), [proposed], acting_user)
    if reads:
        copy_rows(MeterRead._meta.db_table, READ_COLUMNS, reads)
        return MeterRead.objects.filter(meter=meter).latest("pk")
    failed[0].save()
    return failed[0]


def _open_exception(exception: ReadException) -> ReadException:
    locked = ReadException.objects.select_for_update().get(pk=exception.pk)
    if locked.status != ExceptionStatus.OPEN:
        raise ValidationError(f"This exception was already {locked.get_status_display().lower()}.")
    return locked


def _resolve(
    exception: ReadException, status: str, reason: str, user: User, read: MeterRead | None
) -> ReadException:
    exception.status = status
    exception.resolution_reason = reason[:300]
    exception.resolved_by = user
    exception.resolved_at = timezone.now()
    exception.read = read
    exception._change_reason = f"{status}: {reason}"[:100]  # type: ignore[attr-defined]
    exception.save()
    return exception


def _store_from(exception: ReadException, reading: Decimal, user: User, reason: str) -> MeterRead:
    if exception.meter is None:
        raise ValidationError("No meter has this number: correct the meter, or ask for a re-read.")
    install = MeterInstall.objects.filter(meter=exception.meter, removed_on__isnull=True).first()
    if install is None:
        raise ValidationError("The meter is not installed anywhere; install it first.")
    return MeterRead.objects.create(
        meter=exception.meter,
        premise_id=install.premise_id,
        read_date=exception.read_date,
        reading=reading,
        read_code=exception.read_code,
        source=(exception.source or f"exception {exception.pk}")[:100],
        recorded_by=user,
        reason=reason[:300],
    )


@transaction.atomic
def read_exception_accept(
    *, exception: ReadException, acting_user: User, reason: str = ""
) -> ReadException:
    """The read is right after all (a leak, a pool filled): store it as read."""
    require_perm(acting_user, RESOLVE)
    refuse_card_numbers(reason=reason)  # before the exception is read
    locked = _open_exception(exception)
    read = _store_from(locked, locked.reading, acting_user, reason or "accepted")
    return _resolve(locked, ExceptionStatus.ACCEPTED, reason or "accepted", acting_user, read)


@transaction.atomic
def read_exception_correct(
    *, exception: ReadException, reading: Decimal, reason: str, acting_user: User
) -> ReadException:
    """The reader misread: store the corrected reading, with the reason."""
    require_perm(acting_user, RESOLVE)
    refuse_card_numbers(reason=reason)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the reading is corrected."})
    if reading < 0:
        raise ValidationError({"reading": "A reading cannot be negative."})
    locked = _open_exception(exception)
    read = _store_from(locked, reading, acting_user, reason)
    return _resolve(locked, ExceptionStatus.CORRECTED, reason, acting_user, read)


@transaction.atomic
def read_exception_request_reread(
    *, exception: ReadException, acting_user: User, reason: str = ""
) -> ReadException:
    """Send a reader back; nothing is stored, the next read replaces this one."""
    require_perm(acting_user, RESOLVE)
    refuse_card_numbers(reason=reason)
    locked = _open_exception(exception)
    return _resolve(
        locked, ExceptionStatus.REREAD, reason or "re-read requested", acting_user, None
    )


@transaction.atomic
def read_exception_reread_done(
    *, exception: ReadException, read: MeterRead | None, reason: str, acting_user: User
) -> ReadException | None:
    """A re-read came back (a field order's reading, itself through the read checks): the
    exception is resolved as re-read, naming the stored read (None: the new reading
    failed the checks again and waits in the queue as its own exception). An exception a
    coordinator resolved meanwhile is left as it is (returns None)."""
    require_perm(acting_user, RESOLVE)
    refuse_card_numbers(reason=reason)
    locked = ReadException.objects.select_for_update().get(pk=exception.pk)
    if locked.status != ExceptionStatus.OPEN:
        return None
    return _resolve(locked, ExceptionStatus.REREAD, reason, acting_user, read)


@transaction.atomic
def meter_read_correct(
    *, read: MeterRead, reading: Decimal, reason: str, acting_user: User
) -> MeterRead:
    """A correction is a new read naming the read it corrects (reads never change)."""
    require_perm(acting_user, RESOLVE)
    refuse_card_numbers(reason=reason)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the reading is corrected."})
    return MeterRead.objects.create(
        meter=read.meter,
        premise_id=read.premise_id,
        read_date=read.read_date,
        reading=reading,
        kind=read.kind,
        read_code=read.read_code,
        source=f"correction of read {read.pk}",
        recorded_by=acting_user,
        corrects=read,
        reason=reason[:300],
    )


@transaction.atomic
def meter_read_estimate(*, meter: Meter, on: date, acting_user: User) -> MeterRead:
    """A missing read estimated from the meter's average daily use, marked estimated."""
    require_perm(acting_user, RECORD)
    history = [
        _point(meter, r.read_date, r.reading)
        for r in MeterRead.objects.filter(meter=meter)
        .exclude(corrections__isnull=False)
        .order_by("read_date", "pk")
    ]
    daily = average_daily_use(intervals(history)[-12:])
    if not history or daily is None:
        raise ValidationError(f"Meter {meter.number} has no history to estimate from.")
    if on <= history[-1].read_date:
        raise ValidationError("An estimate is for a date after the last read.")
    install = MeterInstall.objects.get(meter=meter, removed_on__isnull=True)
    return MeterRead.objects.create(
        meter=meter,
        premise_id=install.premise_id,
        read_date=on,
        reading=estimated_reading(last=history[-1], daily_use=daily, on=on),
        kind=ReadKind.ESTIMATED,
        source=f"estimate: {daily:.2f} a day",
        recorded_by=acting_user,
    )


READ_COLUMNS = ("meter_id", "premise_id", "read_date", "reading", "kind", "read_code", "source",
                "recorded_by_id", "reason", "import_key")  # fmt: skip


def bulk_store(reads: list[tuple[object, ...]], failed: list[ReadException]) -> None:
    """Store a chunk's reads with COPY (the append-only trigger and constraints still
    hold: COPY fires them like INSERT) and its exceptions with their history rows."""
    if reads:
        copy_rows(MeterRead._meta.db_table, READ_COLUMNS, reads)
    if failed:
        bulk_create_with_history(failed, ReadException, batch_size=2000)


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """``COPY table (columns) FROM STDIN``: many rows at a fraction of INSERT's cost."""
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, under Django's wrapper
        with raw.copy(f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
