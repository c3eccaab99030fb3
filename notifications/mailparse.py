"""Reading a reply mail: who sent it, what it answers, and what the person wrote.

People reply from every kind of client, so this is lenient by design: a
message with broken MIME, an unknown charset or only an HTML part still
yields its text, and everything below the answer (quoted mail, "On ... wrote:",
signatures, "Sent from my phone") is ignored.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from html.parser import HTMLParser

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# Lines where the quoted original or a signature begins: nothing below is the answer.
_STOP = [
    re.compile(r"^-- ?$"),                                   # signature delimiter
    re.compile(r"^_{5,}\s*$"),                               # Outlook's rule
    re.compile(r"^-{3,}\s*(original|forwarded) message", re.I),
    re.compile(r"^on .{0,300}wrote:?\s*$", re.I),            # "On Mon, ... wrote:"
    re.compile(r"^(le|am|el|il|op) .{0,300}(écrit|schrieb|escribió|scritto|geschreven)", re.I),
    re.compile(r"^(from|von|de|sent|gesendet|envoyé):\s", re.I),  # quoted header block
    re.compile(r"^sent from my ", re.I),
    re.compile(r"^get outlook for ", re.I),
]


@dataclass
class Reply:
    """The parts of a reply mail that matter, read without trusting its structure."""

    sender: str = ""
    subject: str = ""
    message_id: str = ""
    answers_ids: list[str] = field(default_factory=list)
    auto_submitted: bool = False
    text: str = ""
    defects: list[str] = field(default_factory=list)


def message_ids(value: str | None) -> list[str]:
    """Every `<id>` in an In-Reply-To or References header, in order."""
    return _MESSAGE_ID.findall(value or "")


def _header(message, name: str) -> str:
    try:
        return str(message.get(name, "") or "")
    except Exception:  # a header the parser cannot decode reads as absent
        return ""


def parse_reply(raw: bytes) -> Reply:
    """The reply's sender, the Message-IDs it answers and its text (never raises)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    addresses = getaddresses([_header(message, "From")])
    answered = message_ids(_header(message, "In-Reply-To")) + message_ids(_header(message, "References"))
    auto = _header(message, "Auto-Submitted").strip().lower()
    return Reply(
        sender=addresses[0][1].strip().lower() if addresses else "",
        subject=_header(message, "Subject"),
        message_id=(message_ids(_header(message, "Message-ID")) or [""])[0],
        answers_ids=list(dict.fromkeys(answered)),
        auto_submitted=bool(auto) and auto != "no",
        text=_body_text(message),
        defects=[type(d).__name__ for d in message.defects],
    )


def _body_text(message: EmailMessage) -> str:
    part = None
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except Exception:
        part = None
    if part is None:
        part = next((p for p in message.walk() if p.get_content_maintype() == "text"), None)
    if part is None:
        return ""
    text = _decoded(part)
    return _html_text(text) if part.get_content_subtype() == "html" else text


def _decoded(part) -> str:
    try:
        content = part.get_content()
        if isinstance(content, str):
            return content
    except Exception:  # unknown charset, broken transfer encoding: fall back below
        pass
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload.decode("utf-8", errors="replace")
    return str(part.get_payload() or "")


class _TextOnly(HTMLParser):
    """Text of an HTML reply, one line per block; quoted blocks are left out."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.quoted = 0
        self.skipped = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "blockquote":
            self.quoted += 1
        elif tag in ("style", "script", "head"):
            self.skipped += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag) -> None:
        if tag == "blockquote":
            self.quoted = max(0, self.quoted - 1)
        elif tag in ("style", "script", "head"):
            self.skipped = max(0, self.skipped - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data) -> None:
        if not self.quoted and not self.skipped:
            self.parts.append(data)


def _html_text(html: str) -> str:
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def _wrapped_attribution(lines: list[str], index: int) -> bool:
    """Gmail wraps a long "On <date> <name> <address> wrote:" over two or three lines."""
    if not lines[index].strip().lower().startswith("on "):
        return False
    following = " ".join(lines[index:index + 3]).lower()
    return "wrote:" in following or "schrieb" in following or "écrit" in following


def answer_lines(text: str, limit: int = 20) -> list[str]:
    """The meaningful lines a person wrote above the quote and signature, in order.

    Blank lines and `>` quoted lines are skipped; the first line that starts
    the quoted original or a signature ends the answer.
    """
    lines = []
    raw_lines = text.splitlines()
    for index, raw in enumerate(raw_lines):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith(">"):
            continue
        if any(pattern.match(line) for pattern in _STOP) or _wrapped_attribution(raw_lines, index):
            break
        lines.append(line)
        if len(lines) >= limit:
            break
    return lines
