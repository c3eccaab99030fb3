"""The mails themselves: notifications (one transaction or a numbered digest),
answers to replies that changed nothing, and the settings check.

Every mail is plain text plus HTML rendered from templates/notifications/email/,
carries its own Message-ID (replies find their transaction through it) and
`Auto-Submitted` (so auto-replies are recognised and mail loops cannot start).
"""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from transactions.models import Transaction

DIGEST_MAX_LINES = 50
# Part of every Message-ID we make ("<digits.pid.random.budget@domain>"): the IMAP
# search asks the server only for replies that mention one of ours.
MESSAGE_ID_MARK = ".budget@"


def new_message_id() -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "budget.local"
    return make_msgid(idstring="budget", domain=domain)


def _mail(*, subject: str, template: str, context: dict, to: Sequence[str], message_id: str,
          headers: dict | None = None) -> EmailMultiAlternatives:
    text = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    mail = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=list(to),
        headers={"Message-ID": message_id, "Auto-Submitted": "auto-generated", **(headers or {})},
    )
    mail.attach_alternative(html, "text/html")
    return mail


def _line(number: int | None, t: Transaction) -> dict:
    prediction = t.predicted_category
    return {
        "number": number, "t": t, "merchant": t.merchant_name or t.description,
        "prediction": prediction.display_name if prediction else "",
        "confidence": f"{t.prediction_confidence:.0%}" if t.prediction_confidence is not None else "",
        "tier": t.get_categorization_tier_display() if t.categorization_tier else "",
    }


def describe(t: Transaction) -> str:
    """`Safeway $54.23 on 2026-10-03`: how answers and the page name a transaction."""
    return f"{t.merchant_name or t.description} {_money(t.amount)} on {t.date:%Y-%m-%d}"


def example_category(rows: Sequence[Transaction]) -> str:
    """A category name to show in "reply with a category, e.g. ...": the first
    prediction, so the example is one the person might really send."""
    return next((t.predicted_category.display_name for t in rows if t.predicted_category_id),
                "Groceries")


def notification(rows: Sequence[Transaction], *, message_id: str,
                 more: int = 0) -> EmailMultiAlternatives:
    """One transaction, or a digest whose lines are numbered from 1 in `rows` order;
    `more` says how many other new transactions were not mailed."""
    digest = len(rows) > 1
    lines = [_line(i if digest else None, t) for i, t in enumerate(rows, start=1)]
    if digest:
        subject = f"{len(rows)} transactions to review"
    else:
        t = rows[0]
        subject = f"To review: {lines[0]['merchant']} {_money(t.amount)} on {t.date:%Y-%m-%d}"
    context = {"lines": lines, "digest": digest, "example": example_category(rows), "more": more}
    return _mail(subject=subject, template="notification", context=context,
                 to=settings.BUDGET_NOTIFY_TO, message_id=message_id)


def answer(*, to: str, subject: str, in_reply_to: str, references: Sequence[str],
           problems: list[dict], partial: bool = False) -> EmailMultiAlternatives:
    """The answer to a reply that changed nothing (or not everything): one paragraph
    per problem, each with its closest categories. `references` keeps the thread,
    so a reply to this answer still finds the original notification."""
    headers = {"Auto-Submitted": "auto-replied"}
    if in_reply_to:
        chain = [*[r for r in references if r != in_reply_to], in_reply_to]
        headers.update({"In-Reply-To": in_reply_to, "References": " ".join(chain)})
    reply_subject = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    return _mail(subject=reply_subject.strip() or "Re: your reply", template="answer",
                 context={"problems": problems, "partial": partial}, to=[to], message_id=new_message_id(),
                 headers=headers)


def test_mail(to: Sequence[str]) -> EmailMultiAlternatives:
    return _mail(subject="Budget App: test mail", template="test", context={}, to=to,
                 message_id=new_message_id())


def _money(amount) -> str:
    from budgetsite.templatetags.money import format_money

    return format_money(amount)
