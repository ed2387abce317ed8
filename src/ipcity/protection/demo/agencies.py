"""Demo enforcement agencies and certified officers.

Agencies are made for the member units of core/demo.py (the market regulation bureau and its
enforcement brigade, the culture and agriculture brigades, the police economic crime unit, the
procuratorate and the court). Officers carry certificates relative to the day of loading, so
"expiring soon" stays true: most valid, a few expiring within the warning clock, one expired,
one who left. The market regulation units, the culture and the agriculture brigades are listed
on the public complaint form (the police, the procuratorate and the court never are). The demo
users demo_officer and demo_head are officers of the brigade; the culture
and agriculture brigades get one demo officer account each (demo_culture, demo_agri), so their
cases can be handled in the demo.

Idempotent: agencies are keyed by organization, officers by certificate number, users by
username.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

IP_OFFICE = "市场监督管理局（知识产权局）"
BRIGADE = f"{IP_OFFICE}综合执法大队"
CULTURE = "文化和旅游局文化市场综合执法大队"
AGRICULTURE = "农业农村局农业综合执法大队"
POLICE = "公安分局经济犯罪侦查支队"
PROCURATORATE = "人民检察院"
COURT = "人民法院"

# (name after the district prefix, kind, case prefix, listed on the public form, joint member)
AGENCIES = [
    (IP_OFFICE, "market_regulation", "京通市监罚", True, True),
    (BRIGADE, "market_regulation", "京通市监执罚", True, True),
    (CULTURE, "culture", "京通文执罚", True, True),
    (AGRICULTURE, "agriculture", "京通农执罚", True, True),
    (POLICE, "police", "", False, True),
    (PROCURATORATE, "procuratorate", "", False, True),
    (COURT, "court", "", False, True),
]

# Extra officer accounts: username → (unit, display name).
EXTRA_USERS = {
    "demo_culture": (CULTURE, "演示·文化市场执法人员"),
    "demo_agri": (AGRICULTURE, "演示·农业执法人员"),
}

# (unit, certificate number suffix, name, username or "", story)
# story: valid / soon / later (expiring within the clock) / expired / left
OFFICERS = [
    (BRIGADE, "0101", "王建国", "demo_officer", "valid"),
    (BRIGADE, "0102", "李卫东", "demo_head", "valid"),
    (BRIGADE, "0103", "张晓燕", "", "valid"),
    (BRIGADE, "0104", "刘明", "", "soon"),
    (BRIGADE, "0105", "陈静", "", "later"),
    (BRIGADE, "0106", "杨帆", "", "expired"),
    (BRIGADE, "0107", "赵磊", "", "left"),
    (IP_OFFICE, "0001", "周海涛", "", "valid"),
    (IP_OFFICE, "0002", "吴丽华", "", "valid"),
    (CULTURE, "0201", "郑文博", "demo_culture", "valid"),
    (CULTURE, "0202", "孙雅琴", "", "valid"),
    (CULTURE, "0203", "马骏", "", "soon"),
    (AGRICULTURE, "0301", "胡志强", "demo_agri", "valid"),
    (AGRICULTURE, "0302", "高秀兰", "", "valid"),
    (AGRICULTURE, "0303", "林峰", "", "valid"),
]

COURSES = [
    ("行政执法人员公共法律知识培训", Decimal("16")),
    ("知识产权行政保护业务培训", Decimal("12")),
    ("商标侵权判断标准专题培训", Decimal("8")),
    ("专利侵权纠纷行政裁决实务", Decimal("8")),
    ("行刑衔接工作培训", Decimal("6")),
    ("执法全过程记录规范", Decimal("4")),
]


def district_prefix() -> str:
    from django.conf import settings

    from ipcity.orgs.choices import RegionKind
    from ipcity.orgs.models import Region

    district = (
        Region.objects.filter(
            code__startswith=settings.IPCITY_REGION_CODE, kind=RegionKind.DISTRICT
        )
        .order_by("code")
        .first()
    )
    return district.name if district else ""


def units() -> dict[str, object]:
    """{unit name after the district prefix: organization} for the units that exist."""
    from ipcity.orgs.models import Organization

    prefix = district_prefix()
    names = {prefix + name: name for name, *_rest in AGENCIES}
    return {names[o.name]: o for o in Organization.objects.filter(name__in=names)}


def certificate_number(suffix: str) -> str:
    return f"11012{suffix}DEMO"


def _dates(story: str, today: date, n: int) -> tuple[date, date]:
    from .. import officers

    issued = date(2021 + n % 3, 1 + n % 12, 10)
    if story == "soon":
        return issued, today + timedelta(days=20 + n)
    if story == "later":
        days = max(officers.warning_days() - 5, 1)
        return issued, today + timedelta(days=days)
    if story == "expired":
        return issued, today - timedelta(days=30)
    return issued, date(today.year + 3, 12, 31)


def _users(found: dict) -> dict[str, object]:
    from ipcity.accounts.models import Role, RoleAssignment, User
    from ipcity.core.demo import DEMO_PASSWORD

    role = Role.objects.filter(code="enforcement_officer", is_active=True).first()
    for username, (unit, display) in EXTRA_USERS.items():
        org = found.get(unit)
        if org is None or role is None or User.objects.filter(username=username).exists():
            continue
        user = User(username=username, organization=org, display_name=display)
        user.set_password(DEMO_PASSWORD)
        user.save()
        RoleAssignment.objects.get_or_create(
            user=user, role=role, defaults={"scope": role.default_scope}
        )
    usernames = {u for *_rest, u, _story in OFFICERS if u}
    return {u.username: u for u in User.objects.filter(username__in=usernames)}


def load(today: date) -> dict:
    """Agencies, extra officer accounts, officers with trainings. Returns counts."""
    from ..choices import OfficerStatus
    from ..models import Agency, Officer, OfficerTraining

    found = units()
    created = {"agencies": 0, "officers": 0}
    have = set(Agency.objects.values_list("organization_id", flat=True))
    for name, kind, prefix, public, member in AGENCIES:
        org = found.get(name)
        if org is None:
            continue
        if org.pk in have:
            if public:
                # A demo loaded before the unit was listed: list it now (the public form offers
                # the agencies for every right type, plant varieties included).
                Agency.objects.filter(organization=org, accepts_public_leads=False).update(
                    accepts_public_leads=True
                )
            continue
        Agency.objects.create(
            organization=org,
            kind=kind,
            case_prefix=prefix,
            accepts_public_leads=public,
            is_joint_member=member,
        )
        created["agencies"] += 1
    users = _users(found)
    taken_users = set(Officer.objects.exclude(user=None).values_list("user_id", flat=True))
    known = set(Officer.objects.values_list("certificate_number", flat=True))
    for n, (unit, suffix, name, username, story) in enumerate(OFFICERS):
        org = found.get(unit)
        number = certificate_number(suffix)
        if org is None or number in known:
            continue
        issued, until = _dates(story, today, n)
        user = users.get(username)
        if user is not None and (user.pk in taken_users or user.organization_id != org.pk):
            user = None
        officer = Officer.objects.create(
            organization=org,
            user=user,
            name=name,
            certificate_number=number,
            issued_on=issued,
            valid_until=until,
            status=OfficerStatus.LEFT if story == "left" else OfficerStatus.ACTIVE,
        )
        trainings = [
            OfficerTraining(
                officer=officer,
                course=course,
                attended_on=date(2024 + (n + i) % 2, 3 + (n + 2 * i) % 9, 12 + i),
                hours=hours,
            )
            for i, (course, hours) in enumerate(COURSES[n % 3 : n % 3 + 2 + n % 3])
        ]
        OfficerTraining.objects.bulk_create(trainings)
        officer.training_hours = sum((t.hours for t in trainings), Decimal("0"))
        officer.save(update_fields=["training_hours"])
        created["officers"] += 1
    return created
