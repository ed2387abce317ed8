"""Demo: the service directory (the demo's service and financial institutions, the first of them
a service point so demo_service has requests to handle) and service requests in every state,
most of them from the first demo enterprise (demo_enterprise's), made through the actions as
people would. Safe to run again: nothing is created once the demo requests exist."""

from __future__ import annotations

import datetime

from django.utils import timezone

MARK = "（演示）"


def _institutions() -> dict:
    from ipcity.core.demo import FINANCIAL_INSTITUTIONS, SERVICE_INSTITUTIONS
    from ipcity.orgs.models import Organization

    from ..choices import InstitutionKind as K
    from ..choices import ServiceKind as S
    from ..models import Institution, InstitutionService, Qualification

    plan = [
        (SERVICE_INSTITUTIONS[0], K.PATENT_AGENCY, True,
         (S.CONSULTATION, S.AGENCY, S.RIGHTS_PROTECTION, S.EARLY_WARNING, S.POLICY_BRIEFING)),
        (SERVICE_INSTITUTIONS[1], K.PATENT_AGENCY, False, (S.AGENCY, S.CONSULTATION)),
        (SERVICE_INSTITUTIONS[2], K.TRADEMARK_AGENCY, False, (S.AGENCY, S.CONSULTATION)),
        (SERVICE_INSTITUTIONS[3], K.LAW_FIRM, True,
         (S.RIGHTS_PROTECTION, S.MEDIATION, S.OVERSEAS, S.CONSULTATION)),
        (SERVICE_INSTITUTIONS[4], K.OTHER, False, (S.VALUATION, S.FINANCING, S.TRAINING)),
        (SERVICE_INSTITUTIONS[5], K.PROTECTION_CENTER, True, tuple(S.values)),
        (SERVICE_INSTITUTIONS[6], K.SERVICE_HALL, True,
         (S.CONSULTATION, S.POLICY_BRIEFING, S.TRAINING)),
        (SERVICE_INSTITUTIONS[7], K.APPRAISER, False, (S.VALUATION,)),
        (FINANCIAL_INSTITUTIONS[0], K.BANK, True, (S.FINANCING,)),
        (FINANCIAL_INSTITUTIONS[3], K.INSURER, False, (S.FINANCING,)),
    ]  # fmt: skip
    today = timezone.localdate()
    found = {}
    for name, kind, accepts, services in plan:
        org = Organization.objects.filter(name=name).first()
        if org is None:
            continue
        institution, created = Institution.objects.get_or_create(
            organization=org,
            defaults={
                "kind": kind,
                "accepts_requests": accepts,
                "phone": "010-8152" + f"{len(found):04d}",
                "address": org.address,
                "opening_hours": "工作日 9:00-17:00",
                "description": f"{org.name}提供知识产权服务。",
            },
        )
        if created:
            for service in services:
                InstitutionService.objects.get_or_create(institution=institution, kind=service)
            Qualification.objects.create(
                institution=institution,
                name="执业许可证",
                number=f"DEMO-{org.pk:05d}",
                issued_by="北京市知识产权局",
                valid_from=today - datetime.timedelta(days=900),
                valid_until=today + datetime.timedelta(days=60 if len(found) % 3 == 0 else 700),
            )
        found[name] = institution
    return found


def load() -> dict:
    from ipcity.accounts.models import User
    from ipcity.core.demo import FINANCIAL_INSTITUTIONS, SERVICE_INSTITUTIONS
    from ipcity.orgs.choices import OrganizationKind
    from ipcity.orgs.models import Organization
    from ipcity.protection.leads import routable_agencies

    from .. import requests as actions
    from ..choices import ServiceKind as S
    from ..models import ServiceRequest

    points = _institutions()
    _users(points)
    if not points or ServiceRequest.objects.filter(subject__endswith=MARK).exists():
        return {}
    office = User.objects.filter(username="demo_office").first()
    enterprise_user = User.objects.filter(username="demo_enterprise").first()
    service_user = User.objects.filter(username="demo_service").first()
    if office is None or enterprise_user is None:
        return {"institutions": len(points)}
    agency_point = points.get(SERVICE_INSTITUTIONS[0])
    law_firm = points.get(SERVICE_INSTITUTIONS[3])
    center = points.get(SERVICE_INSTITUTIONS[5])
    hall = points.get(SERVICE_INSTITUTIONS[6])
    bank = points.get(FINANCIAL_INSTITUTIONS[0])
    others = list(
        Organization.objects.filter(kind=OrganizationKind.ENTERPRISE)
        .exclude(pk=enterprise_user.organization_id)
        .order_by("pk")[:4]
    )
    today = timezone.localdate()

    def ask(kind, subject, user=enterprise_user, point=None, **fields):
        org = user.organization if user is not None else None
        fields.setdefault("description", f"{subject}，请协助。")
        fields.setdefault("contact_phone", "13800138000")
        fields.setdefault("requester_name", org.name if org else "王女士")
        return actions.submit_request(
            user, kind=kind, subject=subject + MARK, preferred_point=point, **fields
        )

    def backdate(req, days):
        """As if routed `days` calendar days ago (the list then shows overdue ones)."""
        assigned = today - datetime.timedelta(days=days)
        ServiceRequest.objects.filter(pk=req.pk).update(
            submitted_on=assigned,
            assigned_on=assigned if req.service_point_id else None,
            response_due=actions.due_from(assigned, req.kind) if req.service_point_id else None,
        )

    made = []
    # Waiting for the office to route (demo_office has something to do).
    made.append(ask(S.FINANCING, "专利质押融资需求对接"))
    made.append(ask(S.POLICY_BRIEFING, "高新技术企业知识产权政策解读", user=None))
    # Routed to the first service institution (demo_service's): new, in progress, overdue.
    r = ask(S.CONSULTATION, "发明专利申请流程咨询", point=agency_point)
    made.append(r)
    r = ask(S.EARLY_WARNING, "新产品上市前专利风险预警", point=agency_point)
    if service_user is not None:
        actions.start(service_user, r)
        actions.add_note(service_user, r, "已检索相关专利120件，正在分析。", public=True)
    made.append(r)
    r = ask(S.CONSULTATION, "专利年费缓缴咨询", point=agency_point)
    backdate(r, 20)
    made.append(r)
    # Answered: demo_enterprise can rate it.
    r = ask(S.CONSULTATION, "商标续展办理咨询", point=hall)
    actions.answer(_point_user(hall), r, "商标续展可在期满前十二个月内通过商标网上服务系统办理。")
    made.append(r)
    # Rated and closed.
    r = ask(S.POLICY_BRIEFING, "知识产权资助政策宣讲", point=hall)
    actions.answer(_point_user(hall), r, "已安排专场宣讲，时间另行通知。")
    actions.rate(enterprise_user, r, 5, "答复及时，很有帮助。")
    made.append(r)
    # Declined by a point, waiting for the office to route it elsewhere.
    if bank is not None:
        r = ask(S.FINANCING, "知识产权保险咨询", point=bank)
        actions.decline(_point_user(bank), r, "本行暂无对应产品，建议转保险机构。")
        made.append(r)
    # Withdrawn by the requester.
    r = ask(S.MEDIATION, "合作开发专利权属纠纷调解")
    actions.withdraw(enterprise_user, r, "已与对方协商解决。")
    made.append(r)
    # Closed by the office without a rating.
    if center is not None:
        r = ask(S.OVERSEAS, "海外展会知识产权纠纷应对", point=center)
        actions.answer(_point_user(center), r, "已提供海外维权指引材料。")
        actions.close(office, r, "企业未评价，回访确认已解决。")
        made.append(r)
    # A rights-protection request handed over to enforcement.
    r = ask(
        S.RIGHTS_PROTECTION,
        "电商平台销售侵犯我司外观设计专利产品",
        point=law_firm,
        right_numbers="ZL202430000001.2",
    )
    agency = routable_agencies().first()
    actions.hand_over(office, r, agency)
    made.append(r)
    # Other enterprises' requests (scope: demo_enterprise never sees them).
    for n, org in enumerate(others):
        made.append(
            actions.submit_request(
                None,
                kind=(S.CONSULTATION, S.FINANCING, S.RIGHTS_PROTECTION, S.EARLY_WARNING)[n],
                subject=f"企业服务需求{n + 1}" + MARK,
                description="请协助。",
                requester_name=org.name,
                contact_phone="13900139000",
                preferred_point=(hall, bank, law_firm, agency_point)[n],
            )
        )
    return {"institutions": len(points), "service requests": len(made)}


# Accounts for the service points that have none in core/demo.py (the hall's and the centre's
# staff), so every step of the demo requests is taken by someone who may take it.
EXTRA_USERS = {
    "demo_hall": (6, "演示·服务大厅工作站"),
    "demo_center": (5, "演示·保护中心分中心"),
}


def _users(points: dict) -> None:
    from ipcity.accounts.models import Role, RoleAssignment, User
    from ipcity.core.demo import DEMO_PASSWORD, SERVICE_INSTITUTIONS

    role = Role.objects.filter(code="service_user", is_active=True).first()
    for username, (index, display) in EXTRA_USERS.items():
        point = points.get(SERVICE_INSTITUTIONS[index])
        if point is None or role is None or User.objects.filter(username=username).exists():
            continue
        user = User(username=username, organization=point.organization, display_name=display)
        user.set_password(DEMO_PASSWORD)
        user.save()
        RoleAssignment.objects.get_or_create(
            user=user, role=role, defaults={"scope": role.default_scope}
        )


def _point_user(point):
    """The first demo account of the point's organization."""
    from ipcity.accounts.models import User

    return (
        User.objects.filter(organization=point.organization, is_active=True).order_by("pk").first()
    )
