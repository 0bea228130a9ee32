from django import template
from django.utils.html import format_html

from annotate.review.status import SpanStatus

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    """The status's label from the one choice type; an unknown value shows as it is."""
    try:
        return SpanStatus(status).label
    except ValueError:
        return status


@register.filter
def is_web_url(url: str) -> bool:
    """Only http(s) URLs become links: a stored javascript: or data: URL stays inert text."""
    return isinstance(url, str) and url.lower().startswith(("http://", "https://"))


@register.filter
def record_kind(record) -> str:
    """What a historical record is about: span, verdict, source, adjudication."""
    return record.instance_type._meta.verbose_name


@register.filter
def score(value: float | None) -> str:
    """A prediction's score as the reader shows it: two decimals, or "none" when the model gave
    none."""
    return "none" if value is None else f"{value:.2f}"


@register.filter
def isolate(text: object, language: str = "") -> str:
    """User text set apart (<bdi>) from the translated sentence around it, so that a
    right-to-left quote in a left-to-right sentence, or the reverse, keeps its own order."""
    if language:
        return format_html('<bdi lang="{}">{}</bdi>', language, text)
    return format_html("<bdi>{}</bdi>", text)
