"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the notification tests, and helpers to read what
it received."""

from __future__ import annotations

import email
import email.policy
import logging
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from tests.server import free_port

logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass
class Received:
    to: list[str]
    message: EmailMessage
    raw: bytes

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""

    @property
    def everything(self) -> str:
        """Headers and every part, decoded: what a leak test must search."""
        parts = [str(k) + ": " + str(v) for k, v in self.message.items()]
        parts += [self.text, self.html]
        return "\n".join(parts)


class Collector:
    """aiosmtpd handler: keeps every accepted message; can refuse recipients or be slow."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.refuse: set[str] = set()
        self.delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.delay:
            time.sleep(self.delay)  # slow server: lets workers overlap
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(to=list(envelope.rcpt_tos), message=message, raw=raw))
        return "250 Message accepted"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.handler = Collector()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self.controller is None:
            self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
            self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.to]

    def recipients(self) -> list[str]:
        return sorted(a for r in self.received for a in r.to)

    def clear(self) -> None:
        with self.handler.lock:
            self.handler.received.clear()


@pytest.fixture
def smtp(settings):
    server = SmtpServer()
    server.start()
    settings.INTEGRITAS = {
        **settings.INTEGRITAS,
        "EMAIL_URL": server.url,
        "PUBLIC_URL": "https://wbs.example.id",
    }
    try:
        yield server
    finally:
        server.stop()
