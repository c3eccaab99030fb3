"""The review queue's and the transactions list's rows as HTML, built in Python.

Both pages show a hundred (or fifty) rows of about thirty values each. The
template engine spent a third of a millisecond per row resolving variables,
filters and nested tags, which was two thirds of the page's time at a million
transactions (bench/bench_review.py). Plain f-strings, with every value passed
through `html.escape`, build the same markup in a few microseconds a row, as
investments/display.py does for holdings. The templates call this module
through the tags of transactions/templatetags/transaction_rows.py.
"""

from __future__ import annotations

from html import escape as _escape

from django.utils import timezone
from django.utils.text import Truncator

from budgetsite.templatetags.money import format_flow, percent
from transactions.listing import safe_color
from transactions.models import Status, Tier, Transaction


def escape(value) -> str:
    """HTML-escaped text of a value, None as nothing (`html.escape` takes only strings)."""
    return "" if value is None else _escape(str(value))


def _truncate(text: str, length: int) -> str:
    """Django's `truncatechars`, without building a Truncator for the text that already fits."""
    return text if len(text) <= length else Truncator(text).chars(length)


def _hidden(token: str, state: str | None = None) -> str:
    html = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'
    if state is not None:
        html += f'<input type="hidden" name="query" value="{escape(state)}">'
    return html


def _button(classes: str, label: str, extra: str = "") -> str:
    return f'<button type="submit" class="{classes}"{extra}>{label}</button>'


def _row_form(url: str, hidden: str, button: str) -> str:
    """A review row's one-button action form: its answer replaces the row."""
    return (f'<form method="post" action="{url}" hx-post="{url}" hx-target="closest .review-row" '
            f'hx-swap="outerHTML" class="inline-form">{hidden}{button}</form>')


# ---------------------------------------------------------------- the review queue


def save_button(staged: int, *, oob: bool = False) -> str:
    """"Save N staged"; after a row action it comes out of band, so the count follows."""
    swap = ' hx-swap-oob="true"' if oob else ""
    return f'<button type="submit" id="save-staged" data-key="s"{swap}>Save {int(staged)} staged</button>'


def queue_counts(stats: dict, *, oob: bool = False) -> str:
    """"N waiting · M staged" above the queue; after a row action it comes out of band too."""
    swap = ' hx-swap-oob="true"' if oob else ""
    return (f'<span class="muted" id="queue-counts"{swap}>{int(stats["pending_review"])} waiting · '
            f'{int(stats["pending_save"])} staged</span>')


def _chip(category) -> str:
    color = safe_color(category.color if category else "") or "#888"
    name = category.display_name if category else ""
    return f'<span class="chip" style="--chip-color: {escape(color)}">{escape(name)}</span>'


def _prediction(t: Transaction) -> str:
    if t.status == Status.PENDING_SAVE:
        return f'{_chip(t.category)} <span class="staged-label">staged</span>'
    if t.predicted_category_id and t.predicted_category:
        tier = escape(t.get_categorization_tier_display())
        return (f'{_chip(t.predicted_category)}\n      <span class="confidence" title="{tier}">'
                f'{percent(t.prediction_confidence)} · {tier}</span>')
    return '<span class="muted">no prediction</span>'


def _duplicate(t: Transaction, row_url: str, hidden: str) -> str:
    original = t.possible_duplicate_of
    if not t.possible_duplicate_of_id or original is None:
        return ""
    day = original.date
    what = (f"{day:%b} {day.day} · {original.account.name} · {_truncate(original.description, 50)} · "
            f"{format_flow(original.amount)} ({original.get_source_display()})")
    keep = _row_form(f"{row_url}/keep-both", hidden, _button("small secondary", "Keep both"))
    drop = _row_form(f"{row_url}/delete", hidden, _button("small secondary outline", "Delete this one"))
    return (f'\n  <div class="duplicate">\n    <span>Possible duplicate of: {escape(what)}</span>\n'
            f'    {keep}\n    {drop}\n  </div>')


def review_row(t: Transaction, *, prefix: str, token: str, picker_error: str = "", after: str = "") -> str:
    """One queue row: what it is, its prediction or staged category, and its actions.

    `prefix` is the queue's URL ("/review/"): row actions are `<prefix><id>/<action>`.
    `after` is markup placed inside the row (the out-of-band save button and counts).
    """
    pk = str(int(t.pk))
    row_url = escape(prefix) + pk
    staged = t.status == Status.PENDING_SAVE
    description = escape(t.description)
    merchant = escape(t.merchant_name or t.description)
    hidden = _hidden(token)
    tone = "expense" if t.amount > 0 else "income"
    accept_disabled = " disabled" if staged or not (t.predicted_category_id and t.predicted_category) else ""
    invalid = ' aria-invalid="true"' if picker_error else ""
    actions = [
        _row_form(f"{row_url}/accept", hidden, _button("small accept", "Accept", accept_disabled)),
        f'<form method="post" action="{row_url}/category" hx-post="{row_url}/category" '
        f'hx-target="closest .review-row" hx-swap="outerHTML" class="inline-form picker">{hidden}\n'
        f'      <input type="text" name="category" list="category-options" placeholder="Category…" '
        f'aria-label="Category for {merchant}" autocomplete="off" class="picker-input"{invalid}>\n'
        f'      <button type="submit" class="small secondary">Set</button>\n    </form>',
        _row_form(f"{row_url}/delete", hidden,
                  _button("small secondary outline delete", "Delete", ' aria-label="Delete"')),
    ]
    if t.categorization_tier == Tier.TRANSFER and t.status == Status.PENDING_REVIEW:
        actions.append(_row_form(f"{row_url}/not-transfer", hidden,
                                 _button("small secondary outline", "Not a transfer")))
    actions_html = "\n    ".join(actions)
    error = f'\n  <p class="errorlist" role="alert">{escape(picker_error)}</p>' if picker_error else ""
    return (
        f'<div class="review-row{" staged" if staged else ""}" id="txn-{pk}" data-id="{pk}" tabindex="0">\n'
        f'  <div class="review-main">\n'
        f'    <span class="muted">{escape(t.account.name)}</span>\n'
        f'    <strong class="merchant" title="{description}">{merchant}</strong>\n'
        f'    <span class="amount {tone}">{escape(format_flow(t.amount))}</span>\n'
        f'  </div>\n'
        f'  <div class="review-prediction">\n'
        f'    {_prediction(t)}\n'
        f'    <details class="why" hx-get="{row_url}/why" hx-trigger="toggle once" '
        f'hx-target="find .why-body"><summary>why?</summary><div class="why-body muted">…</div></details>\n'
        f'  </div>\n'
        f'  <div class="review-actions">\n    {actions_html}\n  </div>'
        f'{error}{after}{_duplicate(t, row_url, hidden)}\n</div>\n'
    )


def review_days(days, *, prefix: str, token: str, continued: bool = False) -> str:
    """The queue's rows under a heading per day. `continued`: the first day carries on the
    last one already shown ("Load more"), so it gets no second heading."""
    html = []
    for i, (day, rows) in enumerate(days):
        heading = "" if continued and i == 0 else f"<h3>{day:%A}, {day:%B} {day.day}, {day.year}</h3>\n"
        body = "".join(review_row(t, prefix=prefix, token=token) for t in rows)
        html.append(f'<section class="review-day">\n{heading}{body}</section>\n')
    return "".join(html)


# ---------------------------------------------------------------- the transactions list


def _chip_cell(t: Transaction) -> str:
    chip = getattr(t, "chip", None)
    if chip is None:
        return '<span class="muted">—</span>'
    style = f' style="--chip-color: {escape(chip.color)}"' if chip.color else ""
    predicted = " <small>(predicted)</small>" if chip.predicted else ""
    return (f'<span class="chip{" predicted" if chip.predicted else ""}"{style} title="{escape(chip.title)}">'
            f'{escape(chip.label)}{predicted}</span>')


def _first_name(user) -> str:
    return user.first_name or user.username


def _who(t: Transaction) -> str:
    confirmed, updated = t.confirmed_by, t.updated_by
    if not (confirmed or updated):
        return ""
    parts = []
    if confirmed:
        parts.append(f"by {escape(_first_name(confirmed))}")
    if updated:
        when = f"{timezone.localtime(t.updated_at):%Y-%m-%d %H:%M}" if t.updated_at else ""
        parts.append(f'<span title="{when}">edited by {escape(_first_name(updated))}</span>')
    return f'<small class="muted who">{" · ".join(parts)}</small>'


def list_row(t: Transaction, *, prefix: str, token: str, state: str) -> str:
    """One row of the transactions table, with its inline merchant, category and delete forms.

    `prefix` is the list's URL ("/transactions/"); `state` is the page's query
    string, posted back so an action redraws the same page.
    """
    pk = str(int(t.pk))
    row_url = escape(prefix) + pk
    hidden = _hidden(token, state)
    description = escape(t.description)
    named = escape(t.merchant_name or t.description)
    notes = ""
    if t.possible_duplicate_of_id:
        original = int(t.possible_duplicate_of_id)
        notes += (f'\n    <small class="muted" title="Looks like transaction #{original} from another '
                  'source">possible duplicate</small>')
    if t.is_pending:
        notes += '\n    <small class="muted">pending at the bank</small>'
    tone, direction = ("expense", "money out") if t.amount > 0 else ("income", "money in")
    # The category select is empty: transactions.js copies in the options of the ticked rows'
    # select (`data-options-from`), as fifty copies of them made the page a third heavier.
    return (
        f'<tr id="txn-{pk}" data-id="{pk}">\n'
        f'  <td><input type="checkbox" name="ids" value="{pk}" form="bulk-form" '
        f'aria-label="Select {named}"></td>\n'
        f'  <td class="date">{t.date:%Y-%m-%d}</td>\n'
        f'  <td>{escape(t.account)}</td>\n'
        f'  <td class="merchant" title="{description}">\n'
        f'    <form method="post" action="{row_url}/merchant" hx-post="{row_url}/merchant" '
        f'hx-trigger="change, submit" hx-target="closest tr" hx-swap="outerHTML" class="inline-form">\n'
        f'      {hidden}\n'
        f'      <input type="text" name="merchant_name" value="{escape(t.merchant_name or "")}" '
        f'placeholder="{escape(_truncate(t.description, 40))}" title="{description}" '
        f'aria-label="Merchant of {description}" maxlength="200">\n'
        f'    </form>{notes}\n'
        f'  </td>\n'
        f'  <td class="category">\n'
        f'    {_chip_cell(t)}\n'
        f'    <form method="post" action="{row_url}/category" hx-post="{row_url}/category" '
        f'hx-trigger="change" hx-target="closest tr" hx-swap="outerHTML" class="inline-form">\n'
        f'      {hidden}\n'
        f'      <select name="category" aria-label="Category of {named}" data-options-from="bulk-category">\n'
        f'        <option value="">{"Change…" if getattr(t, "chip", None) else "Choose…"}</option>\n'
        f'      </select>\n'
        f'    </form>\n'
        f'  </td>\n'
        f'  <td><span class="status">{escape(t.get_status_display())}</span>{_who(t)}</td>\n'
        f'  <td class="amount {tone}" title="{direction}">{escape(format_flow(t.amount))}</td>\n'
        f'  <td>\n'
        f'    <form method="post" action="{row_url}/delete" hx-post="{row_url}/delete" '
        f'hx-target="#transactions" hx-swap="outerHTML" class="inline-form">\n'
        f'      {hidden}\n'
        f'      <button type="submit" class="secondary outline small" aria-label="Delete {named}" '
        f'title="Delete (you can undo)">Delete</button>\n'
        f'    </form>\n'
        f'  </td>\n'
        f'</tr>\n'
    )


# ---------------------------------------------------------------- category selects


def _option(value, label: str, selected: bool, *, indent: str = "") -> str:
    mark = " selected" if selected else ""
    return f'<option value="{escape(value)}"{mark}>{indent}{escape(label)}</option>'


def category_options(groups, selected=None) -> str:
    """A category picker's options: each parent's children under an <optgroup>, a parent
    without children as an option of its own. `selected` is compared as text (form values)."""
    chosen = "" if selected is None else str(selected)
    html = []
    for g in groups:
        if g.children:
            options = "".join(_option(c.pk, c.display_name, str(c.pk) == chosen) for c in g.children)
            html.append(f'<optgroup label="{escape(g.parent.display_name)}">{options}</optgroup>')
        else:
            html.append(_option(g.parent.pk, g.parent.display_name, str(g.parent.pk) == chosen))
    return "".join(html)


def category_filter_options(groups, selected=None) -> str:
    """The category filter's options: a parent with children is "Parent (all)", its children
    follow indented, since filtering on a parent includes them."""
    html = []
    for g in groups:
        suffix = " (all)" if g.children else ""
        html.append(_option(g.parent.pk, g.parent.display_name + suffix, g.parent.pk == selected))
        html.extend(_option(c.pk, c.display_name, c.pk == selected, indent="&nbsp;&nbsp;")
                    for c in g.children)
    return "\n".join(html)
