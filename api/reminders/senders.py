"""How a reminder reaches its person, chosen by ``LIANPING_REMINDER_SENDER``: ``log`` (a log
line), ``smtp`` (an e-mail to the account's address, smtplib) or ``webhook`` (the message as
JSON POSTed to ``LIANPING_WEBHOOK_URL``, e.g. an SMS gateway; urllib). A sender raises
``Undeliverable`` for what no retry can mend (no address on file), any other error to be retried."""

from __future__ import annotations

import hashlib
import json
import logging
import smtplib
import urllib.request
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from typing import Protocol

from application.settings import Settings

log = logging.getLogger("lianping.reminders")


@dataclass(frozen=True)
class Message:
    key: str
    account_id: str
    email: str | None
    mobile: str | None
    light: str
    subject: str
    text: str
    link: str
    cycle_id: str | None
    org_code: str
    kind: str
    due: str


class Undeliverable(Exception):
    """The reminder cannot be sent at all (no address): failed at once, not retried."""


class Sender(Protocol):
    def send(self, message: Message) -> None: ...


class LogSender:
    def send(self, message: Message) -> None:
        log.info("reminder to %s: %s", message.account_id, message.text)


class SmtpSender:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: Message) -> None:
        if not message.email:
            raise Undeliverable(f"no e-mail address for account {message.account_id}")
        s = self.settings
        mail = EmailMessage()
        mail["From"] = s.smtp_sender
        mail["To"] = message.email
        mail["Subject"] = message.subject
        mail["Message-ID"] = f"<{hashlib.sha256(message.key.encode()).hexdigest()}@lianping>"
        mail.set_content(f"{message.text}\n\n{message.link}\n")
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.send_timeout_seconds) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password or "")
            smtp.send_message(mail)


class WebhookSender:
    def __init__(self, settings: Settings) -> None:
        if not settings.webhook_url:
            raise ValueError("LIANPING_REMINDER_SENDER=webhook needs LIANPING_WEBHOOK_URL")
        self.url = settings.webhook_url
        self.timeout = settings.send_timeout_seconds

    def send(self, message: Message) -> None:
        if not message.mobile:
            raise Undeliverable(f"no mobile number for account {message.account_id}")
        body = json.dumps(asdict(message), ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
            self.url, data=body, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8",
                     "Idempotency-Key": message.key.encode().hex()[:200]},
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
            if not 200 <= answer.status < 300:
                raise RuntimeError(f"webhook answered {answer.status}")


def sender_for(settings: Settings) -> Sender:
    match settings.reminder_sender:
        case "smtp":
            return SmtpSender(settings)
        case "webhook":
            return WebhookSender(settings)
        case _:
            return LogSender()
