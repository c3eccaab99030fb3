"""The rows, save button and category options of transactions/display.py as template tags.

A page's rows go through one tag (`review_days`, `list_rows`), as a tag call
per row costs more than building the row; the single-row tags serve the
`row` partials that inline actions answer with.
"""

from __future__ import annotations

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe

from transactions import display

register = template.Library()


_prefixes: dict[tuple[str, str], str] = {}


def _prefix_and_token(context: template.Context, url_name: str) -> tuple[str, str]:
    """The rows' URL prefix (reversed once per script prefix, not once per row) and the CSRF token."""
    key = (url_name, get_script_prefix())
    prefix = _prefixes.get(key)
    if prefix is None:
        prefix = _prefixes[key] = reverse(url_name)
    return prefix, str(context.get("csrf_token", ""))


@register.simple_tag(takes_context=True)
def save_button(context: template.Context) -> SafeString:
    return mark_safe(display.save_button(context.get("staged") or 0, oob=bool(context.get("oob"))))


@register.simple_tag(takes_context=True)
def queue_counts(context: template.Context) -> SafeString:
    return mark_safe(display.queue_counts(context["stats"], oob=bool(context.get("oob"))))


@register.simple_tag(takes_context=True)
def review_row(context: template.Context, t) -> SafeString:
    prefix, token = _prefix_and_token(context, "review")
    after = ""
    if context.get("oob"):
        after = display.save_button(context.get("staged") or 0, oob=True)
        after += display.queue_counts(context["stats"], oob=True)
    return mark_safe(display.review_row(t, prefix=prefix, token=token,
                                        picker_error=context.get("picker_error") or "", after=after))


@register.simple_tag(takes_context=True)
def review_days(context: template.Context, days) -> SafeString:
    prefix, token = _prefix_and_token(context, "review")
    return mark_safe(display.review_days(days, prefix=prefix, token=token,
                                         continued=bool(context.get("continued"))))


@register.simple_tag(takes_context=True)
def list_row(context: template.Context, t) -> SafeString:
    return list_rows(context, [t])


@register.simple_tag(takes_context=True)
def list_rows(context: template.Context, rows) -> SafeString:
    prefix, token = _prefix_and_token(context, "transaction_list")
    state = context.get("state") or ""
    return mark_safe("".join(display.list_row(t, prefix=prefix, token=token, state=state) for t in rows))


@register.simple_tag
def category_options(groups, selected=None) -> SafeString:
    return mark_safe(display.category_options(groups, selected))


@register.simple_tag
def category_filter_options(groups, selected=None) -> SafeString:
    return mark_safe(display.category_filter_options(groups, selected))
