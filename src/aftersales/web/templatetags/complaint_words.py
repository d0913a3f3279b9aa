"""Template filters of the desk's complaint pages: names of complaint states, actions,
severities, channels and SLA statuses in the user's language."""

from django import template

from aftersales.web import complaint_wording as words

register = template.Library()


def _filter(name: str, table: dict) -> None:
    register.filter(name, lambda value: words.label(table, value))


_filter("complaint_state", words.STATES)
_filter("complaint_action", words.ACTIONS)
_filter("severity_name", words.SEVERITIES)
_filter("channel_name", words.CHANNELS)
_filter("sla_name", words.SLA_STATUS)
_filter("target_name", words.TARGETS)
_filter("responsibility_name", words.RESPONSIBILITIES)
_filter("direction_name", words.DIRECTIONS)
_filter("timeline_kind", words.TIMELINE_KINDS)
_filter("solution_name", words.SOLUTIONS)
_filter("customer_state", words.CUSTOMER_STATES)


@register.filter
def business_hours(seconds) -> str:
    """Paused business time as people read it: 2 h 15 min."""
    from django.utils.translation import gettext as _

    minutes = int(seconds or 0) // 60
    return _("%(hours)d h %(minutes)d min") % {"hours": minutes // 60, "minutes": minutes % 60}
