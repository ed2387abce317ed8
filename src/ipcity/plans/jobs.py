"""Background job handlers of the plans app."""

from datetime import date

from ipcity.core.jobs import job_handler

from . import kpis, supervision

SEND_REMINDERS = "plans.send_reminders"


@job_handler(SEND_REMINDERS)
def send_reminders(job, ctx):
    """Deadline reminders (yellow) and overdue reminders (red) to the responsible units; bound
    KPIs are refreshed on the way so the task pages show today's indicator values."""
    on = job.params.get("date")
    result = supervision.send_reminders(date.fromisoformat(on) if on else None)
    for line in result.lines[:200]:
        ctx.log(line)
    refreshed = kpis.refresh_all()
    ctx.progress(result.items, result.items or 1)
    return {
        "items": result.items,
        "sent": result.sent,
        "skipped": result.skipped,
        "kpis_refreshed": refreshed,
    }
