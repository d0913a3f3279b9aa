"""How API callers prove who they are: a bearer token, or a logged-in page session."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from aftersales.accounts.actors import Actor, actor_for_user
from aftersales.accounts.tokens import actor_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        actor = actor_for_token(token)
        if actor is not None:
            request.actor = actor
        return actor


class PageSession(APIKeyCookie):
    """The pages call the API with their session. CSRF is checked only when there is a
    session to protect: a caller with no session cookie (an integration whose token was
    missing or wrong) must hear 401, not a CSRF refusal."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest) -> str | None:
        key = request.COOKIES.get(self.param_name)
        if key and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(
                403, "CSRF check failed: send the csrftoken cookie's value as X-CSRFToken"
            )
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        actor = actor_for_user(user)
        request.actor = actor
        return actor


api_auth = [BearerToken(), PageSession()]
