"""What every portal page's navigation shows: the reader's unread messages."""

from __future__ import annotations

from django.http import HttpRequest

from aftersales.accounts.actors import actor_for_user
from aftersales.notify import selectors


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_count": selectors.unread_count(actor_for_user(user))}
