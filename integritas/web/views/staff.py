"""Back office pages (placeholders until the back-office work lands)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def login_view(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


def logout_view(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


def team_cases(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")
