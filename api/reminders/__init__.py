"""Reminders (红黄灯): senders (log, SMTP, webhook) and the process that fills the outbox from
the lights and delivers it (api/reminders/process.py)."""
