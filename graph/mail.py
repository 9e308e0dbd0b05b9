"""Outgoing mail behind one small interface: `await mailer.send(Message(...))`.

- "log" (development): the message, links included, goes to the log. Never in production:
  links carry single-use tokens.
- "memory" (tests): messages are appended to `MemoryMailer.messages`.
- "smtp": stdlib smtplib in a worker thread, in the background, so a slow mail server never
  delays the response (and requestPasswordReset takes the same time whether or not it mails).
`send` returns once the message is accepted for delivery; SMTP failures are logged, not raised.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

from graph.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Message:
    to: str
    subject: str
    text: str
    # The action link (verification, reset), kept apart so tests and the log sender can find it.
    link: str | None = None


class Mailer(Protocol):
    async def send(self, message: Message) -> None: ...


class LogMailer:
    def __init__(self, settings: Settings) -> None:
        if not settings.development:
            raise ValueError("MAIL_BACKEND=log prints single-use links: development only")

    async def send(self, message: Message) -> None:
        log.info("mail to=%s subject=%r link=%s", message.to, message.subject, message.link)


class MemoryMailer:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def send(self, message: Message) -> None:
        self.messages.append(message)


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pending: set[asyncio.Task[None]] = set()

    def _deliver(self, message: Message) -> None:
        s = self._settings
        mail = EmailMessage()
        mail["From"] = s.mail_from
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail.set_content(message.text)
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username:
                password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                smtp.login(s.smtp_username, password)
            smtp.send_message(mail)

    async def _run(self, message: Message) -> None:
        try:
            await asyncio.to_thread(self._deliver, message)
        except (OSError, smtplib.SMTPException):
            log.exception("mail delivery failed to=%s subject=%r", message.to, message.subject)

    async def send(self, message: Message) -> None:
        task = asyncio.create_task(self._run(message))
        # Held until done: the event loop keeps only weak references to tasks.
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)


def build_mailer(settings: Settings) -> Mailer:
    if settings.mail_sender == "memory":
        return MemoryMailer()
    if settings.mail_sender == "smtp":
        return SmtpMailer(settings)
    return LogMailer(settings)


def mailer_of(services_extra: dict[str, Any]) -> Mailer:
    mailer: Mailer = services_extra["mailer"]
    return mailer
