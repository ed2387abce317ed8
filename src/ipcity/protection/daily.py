"""Daily duties of protection (registered with core/daily.py)."""

from datetime import date

from ipcity.core.daily import daily_duty

from . import officers


@daily_duty("officer-certificates", order=53)
def officer_certificates(on: date) -> str:
    return f"{officers.send_reminders(on)} officer certificate reminders sent"
