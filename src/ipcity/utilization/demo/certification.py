"""Demo GB/T 29490 certificates: thirty demo enterprises with certificates of both editions,
2013 certificates converted to 2023 at a surveillance audit (expiry kept), some expiring soon,
two 2013 certificates left unconverted after the transition (flagged), one suspended, one
withdrawn and one expired, with their surveillance audits held or planned.

Dates are set relative to the day of loading (so "expiring soon" stays true), within what the
editions' data allows. Idempotent: certificates are keyed by number.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

BODIES = [
    ("165", "示例知识产权认证中心（演示）"),
    ("171", "示例标准认证有限公司（演示）"),
    ("183", "示例质量认证中心（演示）"),
]
COUNT = 30


def _number(i: int) -> str:
    code, _name = BODIES[i % len(BODIES)]
    return f"{code}IPD{i + 1:03d}R0M"


def _plan(today: date, eds: dict) -> list[dict]:
    """One entry per certificate: the kind of story it tells and its dates."""
    from ..certificates import add_months
    from ..choices import CertificateStatus

    e2023 = eds["2023"].effective_from
    end2013 = eds["2013"].transition_end  # None: the 2013 edition has no end recorded
    plans = []
    for i in range(COUNT):
        entry = {"i": i, "status": CertificateStatus.VALID, "convert": False, "status_date": None}
        if i < 10:  # 2023 edition from the start, spread over the last two years
            entry["version"] = "2023"
            entry["issue"] = max(today - timedelta(days=40 + i * 70), e2023 + timedelta(days=20))
        elif i < 14:  # expiring within the next 90 days
            issue = add_months(today, -36) + timedelta(days=(15, 35, 60, 85)[i - 10])
            entry["issue"] = issue
            entry["version"] = "2023" if issue >= e2023 else "2013"
            entry["convert"] = entry["version"] == "2013"
        elif i < 24:  # 2013 certificates converted to 2023 at a surveillance audit
            entry["version"] = "2013"
            entry["issue"] = date(2023, 4, 10) + timedelta(days=(i - 14) * 55)
            if end2013 is not None:
                entry["issue"] = min(entry["issue"], end2013 - timedelta(days=400))
            entry["convert"] = True
        elif i < 26:  # 2013 certificates not converted: flagged after the transition
            entry["version"] = "2013"
            entry["issue"] = (date(2024, 9, 12), date(2025, 3, 18))[i - 24]
        elif i == 26:  # suspended for not converting
            entry["version"] = "2013"
            entry["issue"] = date(2024, 6, 20)
            if end2013 is not None and today > end2013:
                entry["status"] = CertificateStatus.SUSPENDED
                entry["status_date"] = end2013 + timedelta(days=15)
        elif i == 27:  # withdrawn after a failed audit
            entry["version"] = "2013"
            entry["issue"] = date(2023, 2, 27)
            entry["status"] = CertificateStatus.WITHDRAWN
            entry["status_date"] = min(date(2024, 4, 2), today)
            entry["fail_last"] = True
        elif i == 28:  # expired
            entry["version"] = "2013"
            entry["issue"] = date(2022, 5, 10)
            entry["status"] = CertificateStatus.EXPIRED
            entry["status_date"] = date(2025, 5, 11)
        else:  # a fresh 2023 certificate
            entry["version"] = "2023"
            entry["issue"] = max(today - timedelta(days=10), e2023 + timedelta(days=20))
        plans.append(entry)
    return plans


@transaction.atomic
def load(stdout=None) -> None:
    from ipcity.orgs.choices import OrganizationKind
    from ipcity.orgs.models import Organization

    from ..certificates import current_date, default_expiry, editions, sync_audits
    from ..choices import AuditResult
    from ..models import Certificate

    eds = editions()
    if "2013" not in eds or "2023" not in eds:
        return
    enterprises = list(
        Organization.objects.filter(
            kind=OrganizationKind.ENTERPRISE, name__startswith="示例", name__endswith="（演示）"
        ).order_by("pk")[:COUNT]
    )
    if not enterprises:
        return
    today = current_date()
    known = set(
        Certificate.objects.filter(number__in=[_number(i) for i in range(COUNT)]).values_list(
            "number", flat=True
        )
    )
    e2023 = eds["2023"].effective_from
    end2013 = eds["2013"].transition_end
    created = 0
    for entry, org in zip(_plan(today, eds), enterprises, strict=False):
        number = _number(entry["i"])
        if number in known:
            continue
        issue = entry["issue"]
        cert = Certificate.objects.create(
            organization=org,
            standard_version=entry["version"],
            number=number,
            body_name=BODIES[entry["i"] % len(BODIES)][1],
            issue_date=issue,
            expiry_date=default_expiry(issue, eds[entry["version"]]),
            status=entry["status"],
            status_date=entry["status_date"],
            scope_text="与研发、生产、销售相关的知识产权管理",
        )
        sync_audits(cert, None, eds)
        audits = list(cert.audits.order_by("due_date"))
        held = [a for a in audits if a.due_date <= today - timedelta(days=7)]
        if entry["status_date"]:  # no audits after a suspension, withdrawal or expiry
            held = [a for a in held if a.due_date + timedelta(days=5) < entry["status_date"]]
        for n, audit in enumerate(held):
            audit.done_date = audit.due_date + timedelta(days=5)
            failed = entry.get("fail_last") and n == len(held) - 1
            audit.result = AuditResult.FAILED if failed else AuditResult.PASSED
            if (
                entry["convert"]
                and cert.converted_on is None
                and not failed
                and e2023 <= audit.done_date
                and (end2013 is None or audit.done_date <= end2013)
            ):
                audit.converts_to_2023 = True
                audit.notes = "监督审核时完成2023版转版审核"
                cert.standard_version = "2023"
                cert.converted_on = audit.done_date
                cert.save()
            audit.save()
        created += 1
    if stdout is not None:
        stdout.write(f"GB/T 29490 certificates: {created} created")
