"""Email through any SMTP server with the standard library's ``smtplib``.

Each message carries a Message-ID derived from its outbox key, so a recipient's mail system
can tell a message it has already seen.
"""

from __future__ import annotations

import hashlib
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from pydantic import SecretStr


class Mailer(Protocol):
    """Sends one message; raises on failure (the outbox records and retries)."""

    def send(self, recipient: str, subject: str, body: str, key: str, calendar: str = "") -> None: ...


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 25
    sender: str = "coach@localhost"
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = False
    timeout: float = 20.0


def build_message(config: SmtpConfig, recipient: str, subject: str, body: str, key: str, calendar: str) -> EmailMessage:
    """The email for one outbox row, with the calendar file attached when there is one."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = recipient
    message["Subject"] = subject
    domain = config.sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<nudge-{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"
    message.set_content(body)
    if calendar:
        message.add_attachment(
            calendar.encode("utf-8"),
            maintype="text",
            subtype="calendar",
            filename="session.ics",
            params={"method": "REQUEST"},
        )
    return message


class SmtpMailer:
    """One SMTP connection per message: simple, and a dropped connection costs one send."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def send(self, recipient: str, subject: str, body: str, key: str, calendar: str = "") -> None:
        message = build_message(self.config, recipient, subject, body, key, calendar)
        with smtplib.SMTP(self.config.host, self.config.port, timeout=self.config.timeout) as smtp:
            if self.config.starttls:
                smtp.starttls()
            if self.config.username and self.config.password is not None:
                smtp.login(self.config.username, self.config.password.get_secret_value())
            smtp.send_message(message)
