from django import template

register = template.Library()

_STATUS_LABELS = {
    "open": "open",
    "in_review": "in review",
    "contested": "contested",
    "agreed": "agreed",
    "adjudicated": "adjudicated",
}


@register.filter
def status_label(status: str) -> str:
    return _STATUS_LABELS.get(status, status)


@register.filter
def is_web_url(url: str) -> bool:
    """Only http(s) URLs become links: a stored javascript: or data: URL stays inert text."""
    return isinstance(url, str) and url.lower().startswith(("http://", "https://"))


@register.filter
def record_kind(record) -> str:
    """What a historical record is about: span, verdict, source, adjudication."""
    return record.instance_type._meta.verbose_name
