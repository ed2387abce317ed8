"""Utilization's daily duties (run by `ipcity supervise`, see core/daily.py)."""

from datetime import date

from ipcity.core.daily import daily_duty

from . import certificates, pool, risks


@daily_duty("certificate-reminders", order=30)
def certificate_reminders(on: date) -> str:
    return f"{certificates.send_reminders(on)} certificate reminders sent"


@daily_duty("pool-evaluation", order=35)
def pool_evaluation(on: date) -> str:
    # Certificates expire, patents lapse or are granted, criteria are edited: the pool follows
    # every day (facts and designations re-evaluate their enterprise's entries at once).
    return f"{pool.reevaluate_all(today=on)} pool entries re-evaluated"


@daily_duty("pledge-risks", order=40)
def pledge_risks(on: date) -> str:
    return f"{risks.scan(on)} new risk alerts on pledged rights"
