"""The page shell: login, the home page (each role to its portal), and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from aftersales.cases.flows import party_of
from aftersales.web.portal import PORTAL_OF_PARTY, actor_of

HOMES = {"buyer": "buyer:cases", "merchant": "merchant:queue", "desk": "desk:queue"}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    portal = PORTAL_OF_PARTY.get(party_of(actor_of(request)) or "")
    if portal:
        return redirect(HOMES[portal])
    return render(request, "web/home.html", {"role": request.user.get_role_display()})


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
