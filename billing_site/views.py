"""Cross-app pages (floor 4): the signed-in home page with the account search."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ledger.selectors import open_business_day


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"business_day": open_business_day()})
