"""The signed-in home page: the open business day and the account search."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ledger.selectors import open_business_day


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "front/home.html", {"business_day": open_business_day()})
