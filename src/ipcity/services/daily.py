"""Daily duties of the service mechanism (response-time reminders)."""

from datetime import date

from ipcity.core.daily import daily_duty


@daily_duty("service-request-deadlines", order=60)
def service_request_deadlines(on: date) -> str:
    from .requests import send_deadline_reminders

    return f"{send_deadline_reminders(on)} service request deadline reminders sent"
