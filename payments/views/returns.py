"""Recording a returned check, chargeback or electronic return (coordinators, supervisors)."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from billing_site.common.formflow import submit

from .. import selectors, services
from ..forms_batches import ReturnForm
from ..models import Payment, RemittanceItem
from ..services.returns import active_schedule

RETURN = "payments.return"


def _record(
    request: HttpRequest,
    *,
    payment: Payment | None,
    item: RemittanceItem | None,
    back: str,
    context: dict[str, object],
) -> HttpResponse:
    form = ReturnForm(request.POST or None)

    def post() -> str:
        services.payment_return(
            payment=payment,
            item=item,
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"],
            acting_user=request.user,
        )
        return back

    done = "The return is recorded, the payment reversed."
    sent = submit(request, purpose=RETURN, form=form, action=post, success=done)
    if sent.done:
        return sent.done
    context |= {"form": form, "token": sent.token, "schedule": active_schedule()}
    return render(request, "payments/return.html", context, status=400 if form.errors else 200)


@permission_required("payments.record_return", raise_exception=True)
def return_payment(request: HttpRequest, payment_pk: int) -> HttpResponse:
    payment = get_object_or_404(Payment, pk=payment_pk)
    back = reverse("payments:receipt", args=[payment.pk])
    context = {"payment": selectors.payment_for_receipt(payment.pk), "back": back}
    return _record(request, payment=payment, item=None, back=back, context=context)


@permission_required("payments.record_return", raise_exception=True)
def return_item(request: HttpRequest, item_pk: int) -> HttpResponse:
    item = get_object_or_404(RemittanceItem.objects.select_related("batch", "account"), pk=item_pk)
    back = reverse("payments:batch", args=[item.batch_id])
    return _record(
        request, payment=None, item=item, back=back, context={"item": item, "back": back}
    )
