"""Reading replies from the IMAP mailbox and confirming what they say.

`check_replies()` looks at unseen messages that mention one of our
Message-IDs (an IMAP search). A message that answers none of the stored ones
is not ours: it is left unseen and untouched. A reply
from an address outside BUDGET_NOTIFY_TO, or an auto-reply, is marked seen
and changes nothing (and gets no answer: never mail strangers). Every other
reply is read (at most IMAP_MAX_MESSAGE_BYTES of it), applied in one database
transaction through `transactions.confirm.confirm` (the review queue's path,
so the engine learns the merchant), and marked seen once committed. A reply
that is unclear, ambiguous or about an already-confirmed transaction changes
nothing for that transaction and is answered with a mail that says why and
lists the closest categories.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
from dataclasses import dataclass, field
from email.utils import getaddresses

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from notifications import compose
from notifications.mailparse import Reply, answer_lines, parse_reply
from notifications.matching import CategoryMatcher, Choice, accepts_all, split_line_number
from notifications.models import NotificationLog
from notifications.notify import MailError, send_messages
from transactions.confirm import confirm
from transactions.models import CONFIRMED_STATUSES, Transaction

log = logging.getLogger(__name__)

_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


class ImapError(Exception):
    """The mailbox could not be read; the message says what to check."""


@dataclass
class RepliesResult:
    """What one check did; `str()` is the line the command prints."""

    replies: int = 0
    confirmed: int = 0
    answered: int = 0
    ignored: int = 0
    unrelated: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (f"{self.replies} replies read, {self.confirmed} transactions confirmed, "
                f"{self.answered} answered, {self.ignored} ignored, {self.unrelated} other mails left unread")
        return f"{text}; {len(self.errors)} errors: {self.errors[0]}" if self.errors else text


def _connect() -> imaplib.IMAP4:
    server = f"{settings.IMAP_HOST}:{settings.IMAP_PORT}"
    try:
        if settings.IMAP_SSL:
            # imaplib's own default context does not verify the server: ours does.
            client = imaplib.IMAP4_SSL(settings.IMAP_HOST, settings.IMAP_PORT,
                                       ssl_context=ssl.create_default_context(),
                                       timeout=settings.EMAIL_TIMEOUT)
        else:
            client = imaplib.IMAP4(settings.IMAP_HOST, settings.IMAP_PORT, timeout=settings.EMAIL_TIMEOUT)
    except ssl.SSLError as exc:
        raise ImapError(f"TLS with the IMAP server {server} failed ({exc.reason or exc}); "
                        "check IMAP_SSL.") from exc
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapError(f"Could not reach the IMAP server {server}: {exc}.") from exc
    try:
        client.login(settings.IMAP_USER, settings.IMAP_PASSWORD)
    except imaplib.IMAP4.error as exc:
        client.shutdown()
        raise ImapError(f"The IMAP server {server} refused the login of {settings.IMAP_USER!r}.") from exc
    status, detail = client.select(_quoted(settings.IMAP_FOLDER))
    if status != "OK":
        client.logout()
        raise ImapError(f"The IMAP folder {settings.IMAP_FOLDER!r} cannot be opened: "
                        f"{b' '.join(detail).decode(errors='replace')}")
    return client


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check_replies() -> RepliesResult:
    """Apply every unseen reply in IMAP_FOLDER. Raises ImapError when the mailbox is unreachable."""
    if not settings.IMAP_HOST:
        raise ImapError("IMAP_HOST is not set, so replies cannot be read.")
    result = RepliesResult()
    client = _connect()
    try:
        _read_unseen(client, result)
    except (imaplib.IMAP4.error, OSError) as exc:
        raise ImapError(f"The IMAP server {settings.IMAP_HOST}:{settings.IMAP_PORT} failed while "
                        f"replies were read: {exc}") from exc
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
    return result


def _read_unseen(client: imaplib.IMAP4, result: RepliesResult) -> None:
    # Only unseen mail that mentions one of our Message-IDs, so a busy personal
    # inbox costs one search, not a fetch per unread mail.
    mark = f'"{compose.MESSAGE_ID_MARK}"'
    status, found = client.uid("SEARCH", None, "UNSEEN", "OR", "HEADER", "In-Reply-To", mark,
                               "HEADER", "References", mark)
    if status != "OK":
        raise ImapError(f"The IMAP server would not search {settings.IMAP_FOLDER!r}.")
    matcher = None
    for uid in (found[0] or b"").split():
        try:
            header, size = _fetch(client, uid, "BODY.PEEK[HEADER]")
            rows = _rows_answered(parse_reply(header).answers_ids)
            if not rows:
                result.unrelated += 1
                continue
            limit = settings.IMAP_MAX_MESSAGE_BYTES
            part = "BODY.PEEK[]" if size <= limit else f"BODY.PEEK[]<0.{limit}>"
            reply = parse_reply(_fetch(client, uid, part)[0])
            matcher = matcher or CategoryMatcher()
            _handle(reply, rows, matcher, result)
        except (imaplib.IMAP4.abort, OSError):
            raise  # the connection is gone: the whole check fails and runs again next time
        except Exception as exc:  # one bad message must not stop the others
            log.exception("reply %s could not be handled", uid)
            result.errors.append(f"message {uid.decode()}: {type(exc).__name__}: {exc}")
        client.uid("STORE", uid, "+FLAGS", r"(\Seen)")


def _fetch(client: imaplib.IMAP4, uid: bytes, part: str) -> tuple[bytes, int]:
    status, data = client.uid("FETCH", uid, f"(RFC822.SIZE {part})")
    if status != "OK":
        raise ImapError(f"The IMAP server would not return message {uid.decode()}.")
    for item in data:
        if isinstance(item, tuple):
            size = _SIZE.search(item[0])
            return item[1], int(size.group(1)) if size else len(item[1])
    return b"", 0


def _rows_answered(message_ids: list[str]) -> list[NotificationLog]:
    """The rows of the first of `message_ids` (In-Reply-To before References) that is ours."""
    if not message_ids:
        return []
    rows = list(NotificationLog.objects.for_message_ids(message_ids).exclude(sent_at=None))
    for message_id in message_ids:
        mine = [r for r in rows if r.email_message_id == message_id]
        if mine:
            return sorted(mine, key=lambda r: r.line or 0)
    return []


def _allowed(sender: str) -> bool:
    return sender in {address.lower() for _, address in getaddresses(settings.BUDGET_NOTIFY_TO)}


def _handle(reply: Reply, rows: list[NotificationLog], matcher: CategoryMatcher,
            result: RepliesResult) -> None:
    if reply.auto_submitted or not _allowed(reply.sender):
        log.info("ignored a mail from %s (auto-reply or not in BUDGET_NOTIFY_TO)", reply.sender or "?")
        result.ignored += 1
        return
    result.replies += 1
    user = get_user_model().objects.filter(email__iexact=reply.sender, is_active=True).first()
    with transaction.atomic():
        problems, confirmed = _apply(reply, rows, matcher, user)
    result.confirmed += confirmed
    if problems:
        mail = compose.answer(to=reply.sender, subject=reply.subject, in_reply_to=reply.message_id,
                              references=reply.answers_ids, problems=problems, partial=bool(confirmed))
        try:
            send_messages([mail])
            result.answered += 1
        except MailError as exc:
            log.warning("the answer to %s was not sent: %s", reply.sender, exc)
            result.errors.append(f"answer not sent: {exc}")


def _apply(reply: Reply, rows: list[NotificationLog], matcher: CategoryMatcher,
           user) -> tuple[list[dict], int]:
    """Confirm what the reply names; return the problems to answer and the count confirmed."""
    lines = answer_lines(reply.text)
    if not lines:
        return [{"line": None, "message": "Your reply has no text above the quoted mail.",
                 "closest": []}], 0
    numbered = len(rows) > 1 or rows[0].line is not None
    if not numbered:
        return _answer(rows[0], matcher.match(lines[0]), reply, user)
    if accepts_all(lines[0]):
        return _answer_lines([(r.line, "OK") for r in rows], rows, matcher, reply, user)
    answers: list[tuple[int, str]] = []
    for line in lines:
        number, rest = split_line_number(line)
        if number is None:
            break
        answers.append((number, rest))
    if not answers:
        if len(rows) == 1:
            return _answer(rows[0], matcher.match(lines[0]), reply, user)
        return [{"line": None, "closest": [],
                 "message": f"“{lines[0][:80]}” does not say which transaction it is for: start the "
                            f"line with its number (1 to {len(rows)}), e.g. “1 Groceries”."}], 0
    return _answer_lines(answers, rows, matcher, reply, user)


def _answer_lines(answers: list[tuple[int, str]], rows: list[NotificationLog],
                  matcher: CategoryMatcher, reply: Reply, user) -> tuple[list[dict], int]:
    """Apply each (line number, answer) of a digest reply."""
    by_line = {r.line: r for r in rows}
    problems, confirmed = [], 0
    for number, rest in answers:
        row = by_line.get(number)
        if row is None:
            problems.append({"line": number, "closest": [],
                             "message": f"that mail has no line {number} (it has 1 to {len(rows)})."})
            continue
        found, done = _answer(row, matcher.match(rest), reply, user, line=number)
        problems += found
        confirmed += done
    return problems, confirmed


def _answer(row: NotificationLog, choice: Choice, reply: Reply, user, *,
            line: int | None = None) -> tuple[list[dict], int]:
    t = Transaction.objects.select_related("category", "predicted_category").get(pk=row.transaction_id)
    problem = None
    category = None
    if t.status in CONFIRMED_STATUSES:
        name = t.category.display_name if t.category else "uncategorized"
        problem = (f"{compose.describe(t)} is already confirmed as {name}; your reply changed nothing. "
                   "Change it on the Transactions page if it is wrong.")
    elif choice.kind == "accept":
        category = t.predicted_category
        if category is None:
            problem = f"{compose.describe(t)} has no prediction to accept: reply with a category."
    elif choice.kind == "category":
        category = choice.category
    elif not choice.text.strip():
        problem = f"No category was given for {compose.describe(t)}, so it is unchanged."
    elif choice.kind == "ambiguous":
        problem = (f"“{choice.text[:80]}” could mean more than one category, "
                   f"so {compose.describe(t)} is unchanged.")
    else:
        problem = f"“{choice.text[:80]}” is not a category I know, so {compose.describe(t)} is unchanged."
    if problem:
        NotificationLog.objects.filter(pk=row.pk).update(reply_note=problem[:300])
        closest = [c.display_name for c in choice.closest] if t.status not in CONFIRMED_STATUSES else []
        return [{"line": line, "message": problem, "closest": closest}], 0
    t.category = category
    confirm([t], user=user)
    NotificationLog.objects.filter(pk=row.pk).update(
        replied_at=timezone.now(), reply_category=category.display_name[:100],
        reply_note=f"Confirmed as {category.display_name} by {reply.sender}."[:300])
    return [], 1
