"""Demo: the 2026 district IP funding programme (open now) with its rules, a closed 2025 one,
and applications of the demo enterprises that hold granted in-district inventions,
certificates, designations and pledges: some drafts, most submitted (the awards demo moves
some of those through review, notice and payment).

Everything goes through the action functions, as the office would do it on the pages; the
office applies on the enterprises' behalf. Idempotent: nothing is added once the 2026
programme exists."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.utils import timezone

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CODE_2026 = "TZ-ZSCQ-2026"
CODE_2025 = "TZ-ZSCQ-2025"
MATERIALS = "营业执照复印件\n申报承诺书"


def _rules(year: int) -> list[dict]:
    from ..choices import RuleKind

    return [
        {
            "kind": RuleKind.INVENTION_GRANT,
            "label": "发明专利授权资助",
            "amount": Decimal("5000"),
            "max_items_per_applicant": 10,
            "date_from": datetime.date(year - 3, 1, 1),
            "date_to": datetime.date(year, 12, 31),
            "in_district_required": True,
        },
        {
            "kind": RuleKind.GBT29490_CERTIFICATE,
            "label": "GB/T 29490 知识产权管理体系认证奖励",
            "amount": Decimal("50000"),
            "max_items_per_applicant": 1,
            "in_district_required": True,
        },
        {
            "kind": RuleKind.PLEDGE_INTEREST,
            "label": "知识产权质押贷款贴息",
            "rate_percent": Decimal("50"),
            "cap_per_item": Decimal("200000"),
            "in_district_required": True,
        },
        {
            "kind": RuleKind.DESIGNATION,
            "label": "知识产权示范企业奖励",
            "amount": Decimal("100000"),
            "max_items_per_applicant": 1,
            "params": {"kinds": ["ip_demonstration"]},
            "in_district_required": True,
        },
    ]


def _office():
    from ipcity.accounts.models import User

    return User.objects.filter(username="demo_office").select_related("organization").first()


def _candidates(limit: int = 16) -> list:
    """Enterprises holding granted, valid, in-district inventions, most first."""
    from ipcity.orgs.choices import OrganizationKind
    from ipcity.orgs.models import Organization
    from ipcity.rights.choices import Attribution, PatentStatus, PatentType

    return list(
        Organization.objects.filter(
            kind=OrganizationKind.ENTERPRISE,
            patent_links__patent__patent_type=PatentType.INVENTION,
            patent_links__patent__legal_status=PatentStatus.VALID,
            patent_links__patent__attribution=Attribution.IN_DISTRICT,
            patent_links__patent__grant_date__isnull=False,
        )
        .annotate(n=Count("patent_links"))
        .order_by("-n", "pk")[:limit]
    )


def _claims(org, year: int) -> list[tuple[str, str, Decimal | None]]:
    """(rule kind, reference, claimed base) of what `org` may claim."""
    from ipcity.rights.choices import Attribution, PatentStatus, PatentType
    from ipcity.rights.models import Patent
    from ipcity.utilization.choices import ACTIVE_PLEDGE
    from ipcity.utilization.models import Certificate, Designation, Pledge

    from ..choices import RuleKind

    claims = []
    numbers = Patent.objects.filter(
        holder_links__organization=org,
        patent_type=PatentType.INVENTION,
        legal_status=PatentStatus.VALID,
        attribution=Attribution.IN_DISTRICT,
        grant_date__gte=datetime.date(year - 3, 1, 1),
    ).values_list("application_number", flat=True)[:3]
    claims += [(RuleKind.INVENTION_GRANT, n, None) for n in numbers]
    cert = Certificate.objects.filter(organization=org).order_by("-issue_date").first()
    if cert is not None:
        claims.append((RuleKind.GBT29490_CERTIFICATE, cert.number, None))
    designation = (
        Designation.objects.filter(organization=org, kind="ip_demonstration")
        .order_by("-year")
        .first()
    )
    if designation is not None:
        claims.append(
            (RuleKind.DESIGNATION, designation.certificate_number or str(designation.pk), None)
        )
    pledge = (
        Pledge.objects.filter(pledgor=org, status__in=ACTIVE_PLEDGE)
        .exclude(registration_number="")
        .order_by("-registration_date")
        .first()
    )
    if pledge is not None:
        # Interest paid: about 4% a year of the secured amount (in 10k yuan).
        interest = (Decimal(pledge.amount) * Decimal("10000") * Decimal("0.04")).quantize(
            Decimal("1")
        )
        claims.append((RuleKind.PLEDGE_INTEREST, pledge.registration_number, interest))
    return claims


def load() -> dict:
    from ipcity.core.scope import clear_grants

    from .. import applications, programs
    from ..choices import ProgramStatus
    from ..models import Program

    if Program.objects.filter(code=CODE_2026).exists():
        return {}
    office = _office()
    if office is None or office.organization is None:
        return {}
    clear_grants(office)
    today = timezone.localdate()
    common = {
        "organizer": office.organization,
        "policy_basis": "《通州区知识产权资助管理办法》",
        "required_materials": MATERIALS,
        "contact": "区知识产权局 010-00000000",
    }
    old = programs.create(
        office,
        rules=_rules(2025),
        code=CODE_2025,
        name="2025年通州区知识产权资助",
        year=2025,
        call_opens=datetime.date(2025, 3, 1),
        call_closes=datetime.date(2025, 4, 30),
        budget=Decimal("3000000"),
        description="2025年度区级知识产权资助，申报已结束。",
        **common,
    )
    Program.objects.filter(pk=old.pk).update(status=ProgramStatus.CLOSED)
    program = programs.create(
        office,
        rules=_rules(today.year),
        code=CODE_2026,
        name=f"{today.year}年通州区知识产权资助",
        year=today.year,
        call_opens=today - datetime.timedelta(days=20),
        call_closes=today + datetime.timedelta(days=40),
        budget=Decimal("5000000"),
        description="对区内企业获得发明专利授权、通过知识产权管理体系认证、开展知识产权质押融资"
        "和获评知识产权示范企业给予资助。",
        **common,
    )
    programs.publish(office, program)
    rules_by_kind = {r.kind: r for r in program.rules.all()}
    made = submitted = 0
    for index, org in enumerate(_candidates()):
        claims = _claims(org, program.year)
        if not claims:
            continue
        application = applications.create(
            office,
            program,
            org,
            contact_name="企业联系人",
            contact_phone=f"1380000{index:04d}",
            bank_name="北京银行通州支行",
            bank_account=f"6222 0000 {index:04d} 0001",
        )
        made += 1
        for kind, reference, base in claims:
            applications.add_item(office, application, rules_by_kind[kind], reference, base)
        if index % 4 == 3:
            continue  # a draft, still being prepared
        for title in applications.required_materials(program):
            upload = SimpleUploadedFile(f"{index}.pdf", PDF, content_type="application/pdf")
            applications.add_material(office, application, title, upload)
        if application.items.filter(eligible=True).exists():
            applications.submit(office, application)
            submitted += 1
    return {"incentive programmes": 2, "applications": made, "submitted applications": submitted}
