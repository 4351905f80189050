"""An account's contact details for reminders (e-mail, mobile), set by an admin within scope.
Personal data, kept beside the log and not in it (application/store/reminders.py): correcting or
erasing a number must really remove it, which an append-only, hash-chained log cannot do; and a
telephone number is not history an inspector needs."""

from __future__ import annotations

import re
from typing import Any

from application import lookups
from application.access import require_admin_of
from application.app import LianpingApp
from application.principal import Principal
from application.store.reminders import reminder_store
from domain.errors import ValidationError

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
MOBILE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")


def _checked(value: str | None, pattern: re.Pattern[str], field: str, what: str,
             errors: list[dict[str, str]]) -> str | None:
    value = (value or "").strip() or None
    if value is not None and (len(value) > 254 or not pattern.match(value)):
        errors.append({"field": field, "message": f"not {what}"})
    return value


def contact(app: LianpingApp, principal: Principal, account_id: str) -> dict[str, Any]:
    account = lookups.account(app, account_id)
    require_admin_of(app, principal, account.org_code)
    return {"account_id": account_id, **reminder_store(app.recorder).contact(account_id)}


def set_contact(app: LianpingApp, principal: Principal, account_id: str, email: str | None,
                mobile: str | None) -> dict[str, Any]:
    """Replace the account's contact details (null or empty: none)."""
    account = lookups.account(app, account_id)
    require_admin_of(app, principal, account.org_code)
    errors: list[dict[str, str]] = []
    email = _checked(email, EMAIL, "email", "an e-mail address", errors)
    mobile = _checked(mobile, MOBILE, "mobile", "a telephone number", errors)
    if errors:
        raise ValidationError("invalid_contact", "the contact details are invalid", errors)
    reminder_store(app.recorder).set_contact(account_id, email, mobile, app.now())
    return {"account_id": account_id, "email": email, "mobile": mobile}
