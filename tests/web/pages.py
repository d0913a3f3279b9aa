"""Helpers for the page tests: a logged-in Django test client for each party of a shop."""

from __future__ import annotations

from django.test import Client

from aftersales.accounts.models import Buyer, Role
from tests import factories
from tests.cases import builders as b


def client_for(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def buyer_client(external_id: str, language: str = "en") -> Client:
    buyer = Buyer.objects.get(external_id=external_id)
    user = getattr(buyer, "user", None) or factories.user(Role.BUYER, buyer=buyer)
    return client_for(user, language)


def merchant_client(s: b.Shop, language: str = "en") -> Client:
    return client_for(factories.user(Role.MERCHANT_STAFF, merchant=s.merchant), language)


def desk_client(language: str = "en") -> Client:
    return client_for(factories.user(Role.SPECIALIST), language)
