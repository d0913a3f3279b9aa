"""Domain errors: services raise these; one handler turns them into problem+json (RFC 9457)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class DomainError(Exception):
    """Base of every error a client may see. `slug` is the stable problem type."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(
        self,
        detail: str = "",
        *,
        errors: list[FieldError] | None = None,
        **extensions: object,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or []
        self.extensions = extensions

    @classmethod
    def on_field(cls, field: str, message: str, **extensions: object) -> DomainError:
        """The common case: one field is wrong, and the message says how."""
        return cls(f"{field}: {message}", errors=[FieldError(field, message)], **extensions)


class BadRequest(DomainError):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthenticated(DomainError):
    status, slug, title = 401, "unauthenticated", "Authentication required"


class PermissionDenied(DomainError):
    status, slug, title = 403, "permission-denied", "Not permitted"


class NotFound(DomainError):
    """Also what a wrong tenant gets: another merchant's data does not exist for you."""

    status, slug, title = 404, "not-found", "Not found"


class Conflict(DomainError):
    status, slug, title = 409, "conflict", "Conflict"


class NotAllowed(Conflict):
    """An action out of turn: the problem names the actions that are allowed now."""

    slug, title = "action-not-allowed", "Action not allowed now"


class PayloadTooLarge(DomainError):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaType(DomainError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class InvalidInput(DomainError):
    status, slug, title = 422, "invalid-input", "Invalid input"


class PolicyRefused(DomainError):
    status, slug, title = 422, "policy-refused", "Refused by policy"


class RateLimited(DomainError):
    status, slug, title = 429, "rate-limited", "Too many requests"
