"""Background computation of a year's indicator snapshots."""

from django.utils.translation import gettext as _

from ipcity.core import jobs

from .compute import compute_year, totals_json

COMPUTE_JOB = "indicators.compute"


def request_compute(user, year: int):
    return jobs.submit(
        COMPUTE_JOB, _("Compute indicators for %(year)d") % {"year": year}, user, {"year": year}
    )


@jobs.job_handler(COMPUTE_JOB)
def run_compute(job, ctx):
    year = int(job.params["year"])
    ctx.progress(0, 0, _("Counting records"))
    totals = compute_year(year, user=job.created_by, progress=ctx.progress)
    ctx.log(_("%(n)d indicators computed for %(year)d.") % {"n": len(totals), "year": year})
    return {"year": year, "values": totals_json(totals)}
