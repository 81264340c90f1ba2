"""The application's URLs plus the floor: a trivial endpoint that writes one row."""

import os

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from integritas.urls import urlpatterns as app_urls


def floor(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_floor (at) VALUES (now())")
    # The run that started this server knows it by this token (another one may hold the port).
    return HttpResponse(os.environ.get("BENCH_SERVER_TOKEN", "ok"), content_type="text/plain")


urlpatterns = [path("bench/floor", floor), *app_urls]
