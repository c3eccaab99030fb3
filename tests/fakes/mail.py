"""Real mail servers on 127.0.0.1 for tests: aiosmtpd (SMTP) and dovecot (IMAP).

`SmtpServer` runs aiosmtpd in-process and keeps every message it receives,
parsed (`messages`) and raw (`raw`); `fail_with` makes it refuse mail with an
SMTP error code, to test failures and retries.

`ImapServer` starts Debian's dovecot (`dovecot -F`) with a throw-away
configuration in a temporary folder: one passwd-file user, a Maildir, a free
port on 127.0.0.1, no TLS. It is the real IMAP protocol, so `check_replies`
runs against what a mail provider would offer.

The fixtures `smtp_server` and `imap_server` are in tests/fakes/mail_fixtures.py
(`pytest_plugins = ["tests.fakes.mail_fixtures"]`).
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP line

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
IMAP_USER = "budget"
IMAP_PASSWORD = "imap-test-pass"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:
        if self.server.fail_with:
            return self.server.fail_with
        self.server.raw.append(envelope.content)
        self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on a free port of 127.0.0.1; `messages` are the parsed mails received.

    With `login=(user, password)` it requires SMTP AUTH (over plain SMTP: loopback only).
    """

    def __init__(self, login: tuple[str, str] | None = None) -> None:
        self.port = free_port()
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.fail_with = ""
        self.logins: list[str] = []
        auth = {"authenticator": self._authenticate, "auth_required": True,
                "auth_require_tls": False} if login else {}
        self._login = login
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **auth)

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        ok = (user, password) == self._login
        if ok:
            self.logins.append(user)
        return AuthResult(success=ok, handled=False)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(raw, policy=email.policy.default) for raw in self.raw]

    def clear(self) -> None:
        self.raw.clear()
        self.envelopes.clear()


_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = budget-test-{port}
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {root}/dovecot.log
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def _self_signed(root: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key, written under `root`."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = root / "cert.pem", root / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class ImapServer:
    """Debian's dovecot serving one Maildir user over plain IMAP on 127.0.0.1.

    With `tls=True` it also serves IMAPS on `tls_port` with a self-signed
    certificate (`cert_path`), for tests that a client verifies the server.
    """

    user = IMAP_USER
    password = IMAP_PASSWORD

    def __init__(self, *, tls: bool = False) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.tls_port = free_port() if tls else 0
        self.root = Path(tempfile.mkdtemp(prefix="budget-imap-"))
        self.cert_path: Path | None = None
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> ImapServer:
        if not Path(DOVECOT).exists():
            raise RuntimeError("dovecot is missing: `make test` installs Debian's dovecot-imapd")
        if os.geteuid() == 0:  # dovecot drops privileges to users its package created
            internal, login = "dovecot", "dovenull"
            mail_user = pwd.getpwnam("dovecot")
        else:
            internal = login = pwd.getpwuid(os.getuid()).pw_name
            mail_user = pwd.getpwuid(os.getuid())
        os.chmod(self.root, 0o755)
        (self.root / "mail" / self.user).mkdir(parents=True)
        for path in (self.root / "mail", self.root / "mail" / self.user):
            os.chown(path, mail_user.pw_uid, mail_user.pw_gid)
        (self.root / "passwd").write_text(
            f"{self.user}:{{PLAIN}}{self.password}:{mail_user.pw_uid}:{mail_user.pw_gid}::"
            f"{self.root}/mail/{self.user}::\n"
        )
        ssl = "ssl = no"
        if self.tls_port:
            self.cert_path, key_path = _self_signed(self.root)
            ssl = f"ssl = yes\nssl_cert = <{self.cert_path}\nssl_key = <{key_path}"
        config = self.root / "dovecot.conf"
        config.write_text(_CONFIG.format(root=self.root, port=self.port, internal=internal,
                                         login=login, ssl=ssl, tls_port=self.tls_port))
        self._process = subprocess.Popen(
            [DOVECOT, "-c", str(config), "-F"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self._process.stderr.read().decode()}"
                                   f"{self.log()}")
            try:
                with self.connect():
                    return
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError(f"dovecot did not answer on port {self.port}: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else ""

    def __exit__(self, *exc) -> None:
        if self._process and self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        if self._process and self._process.stderr:
            self._process.stderr.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def connect(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(self.user, self.password)
        return client

    def append(self, message: bytes | EmailMessage, folder: str = "INBOX") -> None:
        """Deliver a message the way a mail provider would: unseen, in `folder`."""
        data = message if isinstance(message, bytes) else message.as_bytes()
        with self.connect() as client:
            status, detail = client.append(folder, "", imaplib.Time2Internaldate(time.time()), data)
            assert status == "OK", detail

    def flags(self, folder: str = "INBOX") -> list[str]:
        """The flags of each message in `folder`, in order."""
        with self.connect() as client:
            _, count = client.select(folder, readonly=True)
            if count[0] == b"0":
                return []
            _, data = client.fetch("1:*", "(FLAGS)")
        return [part.decode() for part in data if part]

    def empty(self, folder: str = "INBOX") -> None:
        with self.connect() as client:
            client.select(folder)
            _, found = client.search(None, "ALL")
            if found[0]:
                client.store(b",".join(found[0].split()).decode(), "+FLAGS", r"(\Deleted)")
                client.expunge()



OWNER_ADDRESS = "owner@example.com"


def reply_to(original: EmailMessage, text: str, *, sender: str = OWNER_ADDRESS,
             html: str | None = None, number: int = 1, **headers: str) -> EmailMessage:
    """A person's reply to `original`, threaded the way mail clients do it (In-Reply-To,
    References); `headers` add more (underscores become dashes)."""
    reply = EmailMessage()
    reply["From"] = f"Owner <{sender}>"
    reply["To"] = original["From"]
    reply["Subject"] = f"Re: {original['Subject']}"
    reply["Message-ID"] = f"<reply-{number}@example.com>"
    reply["In-Reply-To"] = original["Message-ID"]
    reply["References"] = original["Message-ID"]
    for name, value in headers.items():
        reply[name.replace("_", "-")] = value
    reply.set_content(text)
    if html:
        reply.add_alternative(html, subtype="html")
    return reply
