"""Demo publicity, training and talent: the IP publicity weeks of 2025 and 2026 around 26 April,
China Patent Week, seminars, WeChat, newspaper and television pieces with their reach; courses
with attendees from demo enterprises and service institutions (hours, passed, certificates); and
a talent pool of patent agents, IP lawyers and enterprise IP managers linked to demo
organizations, some with a training history.

Idempotent: events and courses are keyed by title and start date, people by their
qualification certificate number; organizations are those core/demo.py creates (found by name,
skipped when missing).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings

from ..choices import Channel, EventKind, TalentKind

IP_OFFICE = "市场监督管理局（知识产权局）"
SCIENCE = "科学技术委员会"
PUBLICITY = "委宣传部（版权局）"
AGENCY = "示例知识产权代理事务所（演示）"
PATENT_AGENCY = "示例专利代理有限公司（演示）"
LAW_FIRM = "示例律师事务所（演示）"
CENTER = "示例知识产权保护中心通州分中心（演示）"
HALL = "示例知识产权服务大厅工作站（演示）"
ENTERPRISES = [
    "示例青禾科技有限公司（演示）",
    "示例云帆科技有限公司（演示）",
    "示例星河科技有限公司（演示）",
    "示例恒远科技有限公司（演示）",
    "示例瑞川科技有限公司（演示）",
    "示例青禾生物医药有限公司（演示）",
]

# (title, kind, channel, start, end, place, organizer, audience, reach, published)
EVENTS = [
    (
        "2025年知识产权宣传周启动仪式",
        EventKind.PUBLICITY_WEEK,
        Channel.ONSITE,
        date(2025, 4, 20),
        date(2025, 4, 26),
        "运河商务区会展中心",
        IP_OFFICE,
        "企业、高校和公众",
        1200,
        True,
    ),
    (
        "2025年4·26知识产权宣传周微信专题",
        EventKind.PUBLICITY_WEEK,
        Channel.WECHAT,
        date(2025, 4, 26),
        None,
        "",
        IP_OFFICE,
        "公众",
        18500,
        True,
    ),
    (
        "知识产权宣传周专题报道（区融媒体中心）",
        EventKind.MEDIA,
        Channel.TV,
        date(2025, 4, 27),
        None,
        "",
        PUBLICITY,
        "公众",
        52000,
        True,
    ),
    (
        "知识产权保护典型案例发布",
        EventKind.MEDIA,
        Channel.NEWSPAPER,
        date(2025, 4, 25),
        None,
        "",
        IP_OFFICE,
        "公众",
        30000,
        True,
    ),
    (
        "2025年中国专利周通州分会场",
        EventKind.PATENT_WEEK,
        Channel.ONSITE,
        date(2025, 9, 16),
        date(2025, 9, 20),
        "通州区政务服务中心",
        SCIENCE,
        "科技型企业",
        640,
        True,
    ),
    (
        "专利导航与高价值专利培育讲座",
        EventKind.SEMINAR,
        Channel.ONSITE,
        date(2025, 6, 12),
        None,
        "科技创新服务中心报告厅",
        SCIENCE,
        "科技型企业",
        160,
        True,
    ),
    (
        "海外知识产权纠纷应对宣讲会",
        EventKind.SEMINAR,
        Channel.ONLINE,
        date(2025, 11, 5),
        None,
        "线上直播",
        CENTER,
        "外贸企业",
        2300,
        True,
    ),
    (
        "知识产权质押融资政策解读短视频",
        EventKind.MEDIA,
        Channel.SHORT_VIDEO,
        date(2025, 8, 8),
        None,
        "",
        IP_OFFICE,
        "企业",
        41000,
        True,
    ),
    (
        "2026年知识产权宣传周启动仪式",
        EventKind.PUBLICITY_WEEK,
        Channel.ONSITE,
        date(2026, 4, 20),
        date(2026, 4, 26),
        "运河商务区会展中心",
        IP_OFFICE,
        "企业、高校和公众",
        1500,
        True,
    ),
    (
        "2026年4·26知识产权宣传周微信专题",
        EventKind.PUBLICITY_WEEK,
        Channel.WECHAT,
        date(2026, 4, 26),
        None,
        "",
        IP_OFFICE,
        "公众",
        21000,
        True,
    ),
    (
        "2026年知识产权宣传周电视专访",
        EventKind.MEDIA,
        Channel.TV,
        date(2026, 4, 24),
        None,
        "",
        PUBLICITY,
        "公众",
        60000,
        True,
    ),
    (
        "商标品牌培育座谈会",
        EventKind.SEMINAR,
        Channel.ONSITE,
        date(2026, 3, 18),
        None,
        "服务大厅工作站",
        HALL,
        "中小企业",
        85,
        True,
    ),
    (
        "企业知识产权合规内部讲座",
        EventKind.SEMINAR,
        Channel.ONSITE,
        date(2026, 5, 10),
        None,
        "代理事务所会议室",
        AGENCY,
        "客户企业",
        40,
        False,
    ),
]

# (title, topic, organizer, start, end, place, channel, hours, certificates, attendees)
# attendee: (talent certificate number or None, name, organization, hours, passed, certificate)
COURSES = [
    (
        "2025年企业知识产权管理人员培训班",
        "GB/T 29490 贯标与企业知识产权管理",
        IP_OFFICE,
        date(2025, 5, 14),
        date(2025, 5, 16),
        "区市场监管局培训中心",
        Channel.ONSITE,
        Decimal("24"),
        True,
        [
            ("DEMO-IPM-001", "", ENTERPRISES[0], Decimal("24"), True, "TZIP2025-001"),
            ("DEMO-IPM-002", "", ENTERPRISES[1], Decimal("24"), True, "TZIP2025-002"),
            ("DEMO-IPM-003", "", ENTERPRISES[2], Decimal("16"), False, ""),
            (None, "赵晓梅", ENTERPRISES[3], Decimal("24"), True, "TZIP2025-004"),
            (None, "钱立新", ENTERPRISES[4], Decimal("20"), True, "TZIP2025-005"),
        ],
    ),
    (
        "专利代理实务提升研修班",
        "专利撰写与答复审查意见",
        PATENT_AGENCY,
        date(2025, 10, 22),
        date(2025, 10, 23),
        "专利代理有限公司培训室",
        Channel.ONSITE,
        Decimal("12"),
        False,
        [
            ("DEMO-PA-001", "", PATENT_AGENCY, Decimal("12"), True, ""),
            ("DEMO-PA-002", "", AGENCY, Decimal("12"), True, ""),
            (None, "孙建国", ENTERPRISES[5], Decimal("8"), True, ""),
        ],
    ),
    (
        "2026年知识产权纠纷调解与维权培训",
        "行政保护与纠纷调解",
        CENTER,
        date(2026, 3, 26),
        None,
        "线上",
        Channel.ONLINE,
        Decimal("6"),
        True,
        [
            ("DEMO-LAW-001", "", LAW_FIRM, Decimal("6"), True, "TZBH2026-01"),
            ("DEMO-IPM-001", "", ENTERPRISES[0], Decimal("6"), True, "TZBH2026-02"),
            (None, "李静", ENTERPRISES[1], Decimal("4.5"), False, ""),
        ],
    ),
]

# (certificate number, name, kind, organization, qualification, qualified_on, specialties)
TALENTS = [
    (
        "DEMO-PA-001",
        "王志远",
        TalentKind.PATENT_AGENT,
        PATENT_AGENCY,
        "专利代理师资格",
        date(2016, 3, 1),
        "电学、通信",
    ),
    (
        "DEMO-PA-002",
        "刘芳",
        TalentKind.PATENT_AGENT,
        AGENCY,
        "专利代理师资格",
        date(2019, 4, 1),
        "生物医药",
    ),
    (
        "DEMO-PA-003",
        "陈晨",
        TalentKind.PATENT_AGENT,
        AGENCY,
        "专利代理师资格",
        date(2021, 5, 1),
        "机械、新材料",
    ),
    (
        "DEMO-LAW-001",
        "周律",
        TalentKind.IP_LAWYER,
        LAW_FIRM,
        "律师执业证（知识产权方向）",
        date(2014, 7, 1),
        "专利、商标诉讼",
    ),
    (
        "DEMO-LAW-002",
        "吴敏",
        TalentKind.IP_LAWYER,
        LAW_FIRM,
        "律师执业证",
        date(2018, 9, 1),
        "著作权、不正当竞争",
    ),
    (
        "DEMO-IPM-001",
        "郑海",
        TalentKind.IP_MANAGER,
        ENTERPRISES[0],
        "企业知识产权管理工程师",
        date(2020, 6, 1),
        "贯标、专利布局",
    ),
    (
        "DEMO-IPM-002",
        "冯雪",
        TalentKind.IP_MANAGER,
        ENTERPRISES[1],
        "企业知识产权管理工程师",
        date(2022, 6, 1),
        "商标管理",
    ),
    ("DEMO-IPM-003", "褚斌", TalentKind.IP_MANAGER, ENTERPRISES[2], "", None, "知识产权运营"),
]


def load() -> dict:
    from ipcity.orgs.models import Organization

    from ..models import Attendance, Course, Event, Talent

    prefix = _district_prefix()
    names = {IP_OFFICE, SCIENCE, PUBLICITY}
    wanted = {prefix + n: n for n in names}
    orgs = {
        wanted.get(name, name): pk
        for name, pk in Organization.objects.filter(
            name__in=[*wanted, *ENTERPRISES, AGENCY, PATENT_AGENCY, LAW_FIRM, CENTER, HALL]
        ).values_list("name", "pk")
    }
    created = {"events": 0, "courses": 0, "attendances": 0, "talents": 0}

    for title, kind, channel, starts, ends, place, organizer, audience, reach, pub in EVENTS:
        if organizer not in orgs:
            continue
        _, made = Event.objects.get_or_create(
            title=title,
            starts_on=starts,
            defaults={
                "kind": kind,
                "channel": channel,
                "ends_on": ends,
                "place": place,
                "organizer_id": orgs[organizer],
                "audience": audience,
                "reach": reach,
                "published": pub,
            },
        )
        created["events"] += made

    talents = {}
    for number, name, kind, organization, qualification, qualified_on, specialties in TALENTS:
        if organization not in orgs:
            continue
        talent, made = Talent.objects.get_or_create(
            certificate_number=number,
            defaults={
                "name": name,
                "kind": kind,
                "organization_id": orgs[organization],
                "qualification": qualification,
                "qualified_on": qualified_on,
                "specialties": specialties,
                "phone": f"010-8950{len(talents):04d}",
                "email": f"talent{len(talents) + 1}@example.com",
            },
        )
        talents[number] = talent
        created["talents"] += made

    for title, topic, organizer, starts, ends, place, channel, hours, certs, people in COURSES:
        if organizer not in orgs:
            continue
        course, made = Course.objects.get_or_create(
            title=title,
            starts_on=starts,
            defaults={
                "topic": topic,
                "organizer_id": orgs[organizer],
                "ends_on": ends,
                "place": place,
                "channel": channel,
                "hours": hours,
                "issues_certificates": certs,
            },
        )
        created["courses"] += made
        if not made:
            continue
        for number, name, organization, attended, passed, certificate in people:
            talent = talents.get(number) if number else None
            if number and talent is None:
                continue
            Attendance.objects.create(
                course=course,
                talent=talent,
                name=talent.name if talent else name,
                organization_id=orgs.get(organization),
                hours=attended,
                passed=passed,
                certificate_number=certificate if certs and passed else "",
            )
            created["attendances"] += 1
    return {
        "publicity events": created["events"],
        "training courses": created["courses"],
        "attendances": created["attendances"],
        "people in the talent pool": created["talents"],
    }


def _district_prefix() -> str:
    from ipcity.orgs.models import Region

    district = (
        Region.objects.filter(code__startswith=settings.IPCITY_REGION_CODE, kind="district")
        .order_by("code")
        .first()
    )
    return district.name if district else ""
