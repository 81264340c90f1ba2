"""Where e-mail goes: ``INTEGRITAS_EMAIL_URL`` (API.md §1).

    smtp://[user:password@]host[:port]            plain SMTP (port 25), no TLS
    smtp+starttls://[user:password@]host[:port]   SMTP upgraded with STARTTLS (port 587)
    smtps://[user:password@]host[:port]           SMTP over TLS (port 465)
    file:///path/to/folder                        one .eml file per message
    (empty)                                       the embedded default: <data dir>/mail/

Transports raise :class:`ServerUnavailable` when the server cannot be used at all (down, refusing
connections, a 4xx greeting, authentication failing): the rest of the batch waits for the next
attempt. :class:`Refused` is about one message (a recipient or the data refused).
"""

from __future__ import annotations

import email.policy
import email.utils
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlparse

from django.conf import settings

SMTP_TIMEOUT = 30
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class MailError(Exception):
    """Short, content-free description in ``str()``: it is shown to administrators."""


class ServerUnavailable(MailError):
    pass


class Refused(MailError):
    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class MailConfig:
    scheme: str
    host: str = ""
    port: int = 0
    user: str = ""
    password: str = ""
    path: Path | None = None


def parse_email_url(url: str, data_dir: Path) -> MailConfig:
    url = (url or "").strip()
    if not url:
        return MailConfig(scheme="file", path=data_dir / "mail")
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "file":
        return MailConfig(
            scheme="file", path=Path(unquote(parsed.path)) if parsed.path else data_dir / "mail"
        )
    if scheme not in DEFAULT_PORTS:
        raise ValueError(
            f"INTEGRITAS_EMAIL_URL: unsupported scheme {scheme!r} (use smtp://, smtp+starttls://, smtps:// or file://)"
        )
    if not parsed.hostname:
        raise ValueError("INTEGRITAS_EMAIL_URL: a host is required, e.g. smtp://127.0.0.1:1025")
    return MailConfig(
        scheme=scheme,
        host=parsed.hostname,
        port=parsed.port or DEFAULT_PORTS[scheme],
        user=unquote(parsed.username or ""),
        password=unquote(parsed.password or ""),
    )


def current_config() -> MailConfig:
    return parse_email_url(str(settings.INTEGRITAS.get("EMAIL_URL", "")), Path(settings.DATA_DIR))


def sender_address() -> str:
    return str(settings.INTEGRITAS.get("EMAIL_FROM") or "Integritas <integritas@localhost>")


def build_message(
    *, to: str, subject: str, text: str, html: str, message_id: str, from_addr: str | None = None
) -> EmailMessage:
    from_addr = from_addr or sender_address()
    domain = email.utils.parseaddr(from_addr)[1].rpartition("@")[2] or "integritas.local"
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = from_addr
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = email.utils.formatdate(usegmt=True)
    msg["Message-ID"] = f"<{message_id}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


class Transport(Protocol):
    def send(self, msg: EmailMessage, to: str) -> None: ...

    def close(self) -> None: ...


class FileTransport:
    """One .eml per message, named by its Message-ID: a repeated delivery rewrites the same file."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, msg: EmailMessage, to: str) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            name = str(msg["Message-ID"]).strip("<>").partition("@")[0]
            final = self.folder / f"{name}.eml"
            tmp = self.folder / f".{name}.{os.getpid()}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(msg.as_bytes())
            os.replace(tmp, final)
        except OSError as exc:
            raise ServerUnavailable(f"mail folder not writable ({exc.errno})") from exc

    def close(self) -> None:
        pass


class SmtpTransport:
    """One connection for a batch, opened at the first message."""

    def __init__(self, config: MailConfig):
        self.config = config
        self.conn: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        cfg = self.config
        try:
            if cfg.scheme == "smtps":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context()
                )
            else:
                conn = smtplib.SMTP(cfg.host, cfg.port, timeout=SMTP_TIMEOUT)
            conn.ehlo()
            if cfg.scheme == "smtp+starttls":
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
        except smtplib.SMTPResponseException as exc:
            raise ServerUnavailable(f"SMTP server refused the session ({exc.smtp_code})") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise ServerUnavailable(f"SMTP server unreachable ({type(exc).__name__})") from exc
        if cfg.user:
            try:
                conn.login(cfg.user, cfg.password)
            except (OSError, smtplib.SMTPException) as exc:
                # A server may hang up after refused credentials: any failure here is about them.
                code = getattr(exc, "smtp_code", None)
                try:
                    conn.close()
                except OSError:
                    pass
                raise ServerUnavailable(f"SMTP authentication failed ({code or type(exc).__name__})") from exc
        return conn

    def send(self, msg: EmailMessage, to: str) -> None:
        if self.conn is None:
            self.conn = self._open()
        envelope_from = email.utils.parseaddr(str(msg["From"]))[1]
        try:
            self.conn.send_message(msg, from_addr=envelope_from, to_addrs=[to])
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0] if exc.recipients else 550
            raise Refused(f"recipient refused ({code})", permanent=500 <= code < 600) from exc
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
            if exc.smtp_code == 421:  # the server is closing the session
                self._drop()
                raise ServerUnavailable("SMTP server closing (421)") from exc
            raise Refused(f"message refused ({exc.smtp_code})", permanent=500 <= exc.smtp_code < 600) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise ServerUnavailable(f"SMTP connection lost ({type(exc).__name__})") from exc

    def _drop(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.close()
            except (OSError, smtplib.SMTPException):
                pass

    def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (TimeoutError, OSError, smtplib.SMTPException):
            try:
                conn.close()
            except OSError:
                pass


def open_transport(config: MailConfig | None = None) -> Transport:
    config = config or current_config()
    if config.scheme == "file":
        assert config.path is not None
        return FileTransport(config.path)
    return SmtpTransport(config)
