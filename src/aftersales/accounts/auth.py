"""How API callers prove who they are: a bearer token, or a logged-in page session."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from aftersales.accounts.actors import Actor, actor_for_user
from aftersales.accounts.tokens import actor_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        actor = actor_for_token(token)
        if actor is not None:
            request.actor = actor
        return actor


class PageSession(APIKeyCookie):
    """The pages call the API with their session; ninja checks CSRF for this one."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        actor = actor_for_user(user)
        request.actor = actor
        return actor


api_auth = [BearerToken(), PageSession()]
