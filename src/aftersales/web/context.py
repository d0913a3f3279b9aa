"""What every portal page's navigation shows: the reader's portal (links only to the pages
their role may open) and unread messages."""

from __future__ import annotations

from django.http import HttpRequest

from aftersales.accounts.actors import actor_for_user
from aftersales.cases.flows import party_of
from aftersales.notify import selectors


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    actor = actor_for_user(user)
    party = party_of(actor)
    return {
        "portal_party": party or "",
        "unread_count": selectors.unread_count(actor) if party else 0,
    }
