"""The public portal: what a conflict of interest is, how to report, and following a report."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


def report_start(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")  # placeholder until the report form lands


def track(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")  # placeholder until the tracking page lands
