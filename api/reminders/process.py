"""The reminder process: every ``reminder_interval_seconds`` it evaluates the lights as of now
(projections/reminders.py) into the outbox — new (person, item, due date, light) rows only —
and delivers the pending rows: each is claimed first (so two processes never send one row), sent,
then marked delivered; a failure is retried with exponential backoff and, after the last
attempt, left ``failed`` for the organizer to see (GET /cycles/{id}/reminders, the cycle page).

A crash between sending and marking delivered sends that one reminder again after the claim
expires: the outbox gives at-least-once delivery, and each message carries its key
(Message-ID, Idempotency-Key) so a receiver can drop the repeat."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from api.console import labels, paths
from api.reminders.senders import Message, Sender, Undeliverable, sender_for
from application.app import LianpingApp
from application.settings import Settings
from application.store.reminders import Reminder, ReminderStore, reminder_store
from projections import finding
from projections.reminders import lit_tasks
from projections.service import read_models

log = logging.getLogger("lianping.reminders")

BATCH = 100
CLAIM = timedelta(minutes=5)  # longer than any send may take (send_timeout_seconds)


def message(reminder: Reminder, contact: dict[str, str | None], base_url: str) -> Message:
    words = {
        "light": labels.LIGHTS[reminder.light], "kind": labels.TASK_KINDS.get(reminder.kind,
                                                                           reminder.kind),
        "title": reminder.title, "org": reminder.org_name or reminder.org_code,
        "due": reminder.due, "when": labels.REMINDERS[reminder.light],
    }
    task = {"kind": reminder.kind, "cycle_id": reminder.cycle_id, "org_code": reminder.org_code,
            "item_id": reminder.item_id, "path": reminder.path}
    return Message(
        key=reminder.key, account_id=reminder.account_id, email=contact["email"],
        mobile=contact["mobile"], light=reminder.light,
        subject=labels.REMINDERS["subject"].format(**words),
        text=labels.REMINDERS["text"].format(**words),
        link=base_url.rstrip("/") + paths.task_page(task), cycle_id=reminder.cycle_id,
        org_code=reminder.org_code, kind=reminder.kind, due=reminder.due,
    )


class Reminders:
    def __init__(self, app: LianpingApp, sender: Sender | None = None,
                 settings: Settings | None = None) -> None:
        self.app = app
        self.settings = settings or app.settings
        self.store: ReminderStore = reminder_store(app.recorder)
        self.sender = sender or sender_for(self.settings)

    def evaluate(self) -> int:
        """Enqueue the reminders due as of now that are not in the outbox yet; how many."""
        with read_models(self.app).read(finding.NAME) as view:
            found = list(lit_tasks(view, self.app.today(), self.app.tz))
        return self.store.enqueue(found, self.app.now())

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: doubling, capped."""
        s = self.settings
        seconds = s.reminder_backoff_seconds * 2 ** max(0, attempts - 1)
        return timedelta(seconds=min(seconds, s.reminder_backoff_max_seconds))

    def deliver(self) -> dict[str, int]:
        done = {"delivered": 0, "retrying": 0, "failed": 0}
        now = self.app.now()
        for reminder in self.store.due(now, BATCH):
            if not self.store.claim(reminder, now, now + CLAIM):
                continue  # another process took it
            done[self._send(reminder)] += 1
        return done

    def _send(self, reminder: Reminder) -> str:
        contact = self.store.contact(reminder.account_id)
        base = self.settings.public_base_url or "http://localhost:8000"
        attempts = reminder.attempts + 1
        try:
            self.sender.send(message(reminder, contact, base))
        except Undeliverable as refused:
            self.store.attempt_failed(reminder.key, str(refused), None)
            log.warning("reminder %s undeliverable: %s", reminder.key, refused)
            return "failed"
        except Exception as error:  # noqa: BLE001 - any sending error is retried
            last = attempts >= self.settings.reminder_max_attempts
            retry_at = None if last else self.app.now() + self.backoff(attempts)
            self.store.attempt_failed(reminder.key, f"{type(error).__name__}: {error}", retry_at)
            log.warning("reminder %s attempt %d failed: %s", reminder.key, attempts, error)
            return "failed" if last else "retrying"
        self.store.delivered(reminder.key, self.app.now())
        return "delivered"

    def run_once(self) -> dict[str, Any]:
        """One evaluation and one delivery round: {enqueued, delivered, retrying, failed}."""
        return {"enqueued": self.evaluate(), **self.deliver()}


def start_reminders_in_background(app: LianpingApp) -> Callable[[], None]:
    """Run the reminders every ``reminder_interval_seconds`` on a thread of this process (beside
    its read-model runners); returns the function that stops it. Off: ``run_reminders=false``."""
    if not app.settings.run_reminders:
        return lambda: None
    reminders = Reminders(app)
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(app.settings.reminder_interval_seconds):
            try:
                reminders.run_once()
            except Exception:  # noqa: BLE001 - the next round tries again
                log.exception("reminder round failed")

    thread = threading.Thread(target=loop, name="reminders", daemon=True)
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join(10.0)

    return halt
