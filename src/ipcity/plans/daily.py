"""The work plan's daily duties (run by `ipcity supervise`, see core/daily.py)."""

from datetime import date

from ipcity.core.daily import daily_duty

from . import kpis, supervision


@daily_duty("plan-reminders", order=10)
def plan_reminders(on: date) -> str:
    result = supervision.send_reminders(on)
    return (
        f"{result.items} items due or overdue; {result.sent} reminders sent, "
        f"{result.skipped} already sent today"
    )


@daily_duty("kpis", order=20)
def refresh_kpis(on: date) -> str:
    return f"{kpis.refresh_all()} KPIs refreshed"
