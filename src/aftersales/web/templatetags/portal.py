"""Template filters of the portal pages: names of states, types and actions in the user's
language, a dict looked up by a variable key, times as people read them."""

from django import template

from aftersales.web import wording

register = template.Library()


@register.filter
def get(mapping, key):
    return mapping.get(key, []) if hasattr(mapping, "get") else []


@register.filter
def state_name(value):
    return wording.label(wording.STATES, value)


@register.filter
def type_name(value):
    return wording.label(wording.TYPES, value)


@register.filter
def reason_name(value):
    return wording.label(wording.REASONS, value)


@register.filter
def action_name(value):
    return wording.label(wording.ACTIONS, value)


@register.filter
def field_name(value):
    return wording.label(wording.FIELDS, value)


@register.filter
def outcome_name(value):
    return wording.label(wording.OUTCOMES, value)


@register.filter
def when(value):
    return wording.when(value) if value else ""


@register.filter
def role_name(value):
    from aftersales.accounts.models import Role

    return (
        Role(value).label if value in Role.values else wording.label(wording.ROLES_OF_ACTORS, value)
    )


@register.filter
def unit_name(value):
    return wording.label(wording.UNITS, value) if value else ""


@register.filter
def calendar_kind(value):
    return wording.label(wording.CALENDAR_KINDS, value)


@register.filter
def may(user, permission):
    """Whether the logged-in user holds `permission` (accounts/permissions.py decides)."""
    from aftersales.accounts.actors import actor_for_user
    from aftersales.accounts.permissions import has_permission

    return has_permission(actor_for_user(user), permission)


@register.filter
def parcel_status(value):
    return wording.label(wording.PARCEL_STATUSES, value)


@register.filter
def grade_name(value):
    return wording.label(wording.GRADES, value)


@register.filter
def disposition_name(value):
    return wording.label(wording.DISPOSITIONS, value)


@register.filter
def carrier_name(value):
    from aftersales.returns.carriers import CARRIERS

    return CARRIERS[value].name if value in CARRIERS else value
