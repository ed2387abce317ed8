"""Demo data for a local trial: the member units of the plan, synthetic enterprises and
institutions, and one demo account per role.

Loading is idempotent: organizations are keyed by name, users by username, so running it again
creates nothing new and leaves changes made through the UI alone. Every enterprise and
institution name starts with 示例 and ends with （演示）, so demo rows are never mistaken for
real ones. Government units carry the plan's names, prefixed with the configured district.

This module is the one place in core that reaches into other apps: it stands in for a user who
fills the platform with data through the front door.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from stdnum.cn import uscc as uscc_lib

from ipcity.orgs.choices import OrganizationKind, RegionKind

DEMO_PASSWORD = "ipcity-Demo-2025"

# (name without the district prefix, kind, subordinate units)
MEMBER_UNITS = [
    (
        "市场监督管理局（知识产权局）",
        OrganizationKind.GOVERNMENT,
        ["知识产权科", "综合执法大队"],
    ),
    ("科学技术委员会", OrganizationKind.GOVERNMENT, ["科技创新服务中心"]),
    ("财政局", OrganizationKind.GOVERNMENT, []),
    ("公安分局", OrganizationKind.JUDICIAL, ["经济犯罪侦查支队"]),
    ("文化和旅游局", OrganizationKind.GOVERNMENT, ["文化市场综合执法大队"]),
    ("农业农村局", OrganizationKind.GOVERNMENT, ["农业综合执法大队"]),
    ("人民法院", OrganizationKind.JUDICIAL, ["知识产权审判庭"]),
    ("人民检察院", OrganizationKind.JUDICIAL, []),
    ("委宣传部（版权局）", OrganizationKind.GOVERNMENT, []),
    ("人力资源和社会保障局", OrganizationKind.GOVERNMENT, []),
    ("经济和信息化局", OrganizationKind.GOVERNMENT, []),
    ("发展和改革委员会", OrganizationKind.GOVERNMENT, []),
    ("商务局", OrganizationKind.GOVERNMENT, []),
    ("教育委员会", OrganizationKind.GOVERNMENT, []),
    ("司法局", OrganizationKind.GOVERNMENT, []),
    ("统计局", OrganizationKind.GOVERNMENT, []),
    ("政务服务中心", OrganizationKind.GOVERNMENT, []),
]
IP_OFFICE = "市场监督管理局（知识产权局）"

BRANDS = [
    "青禾", "云帆", "星河", "恒远", "瑞川", "嘉禾", "锦程", "博睿", "知行", "运河",
    "新桥", "翠屏", "启明", "拓邦", "汇智", "聚源", "鼎新", "润泽", "凌云", "合创",
]  # fmt: skip
# (business word, GB/T 4754 class)
TRADES = [
    ("科技", "7519"),
    ("生物医药", "2710"),
    ("智能制造", "3499"),
    ("新材料", "2651"),
    ("文化传媒", "8710"),
    ("食品", "1499"),
    ("软件", "6513"),
    ("环保科技", "7723"),
    ("电子", "3979"),
    ("建筑设计", "7484"),
    ("农业科技", "0511"),
    ("医疗器械", "3589"),
    ("新能源", "4416"),
    ("信息技术", "6560"),
    ("文创", "2439"),
]
ENTERPRISE_COUNT = len(BRANDS) * len(TRADES)  # 300
BAD_CHECK_EVERY = 60  # a handful of codes fail the check digit, as early real ones do

UNIVERSITIES = [
    "示例工业大学通州校区（演示）",
    "示例师范学院（演示）",
    "示例新材料研究院（演示）",
    "示例农业科学研究所（演示）",
]
SERVICE_INSTITUTIONS = [
    "示例知识产权代理事务所（演示）",
    "示例专利代理有限公司（演示）",
    "示例商标代理有限公司（演示）",
    "示例律师事务所（演示）",
    "示例知识产权运营有限公司（演示）",
    "示例知识产权保护中心通州分中心（演示）",
    "示例知识产权服务大厅工作站（演示）",
    "示例资产评估有限公司（演示）",
]
FINANCIAL_INSTITUTIONS = [
    "示例银行通州支行（演示）",
    "示例商业银行运河支行（演示）",
    "示例农村商业银行通州支行（演示）",
    "示例财产保险通州支公司（演示）",
    "示例融资担保有限公司（演示）",
]

# role code -> (username, organization: a member unit name, or a key below)
DEMO_USERS = {
    "office_admin": ("demo_office", IP_OFFICE),
    "unit_operator": ("demo_unit", "科学技术委员会"),
    "enforcement_officer": ("demo_officer", f"{IP_OFFICE}/综合执法大队"),
    "enforcement_head": ("demo_head", f"{IP_OFFICE}/综合执法大队"),
    "police_officer": ("demo_police", "公安分局/经济犯罪侦查支队"),
    "procurator": ("demo_procurator", "人民检察院"),
    "enterprise_user": ("demo_enterprise", "@enterprise"),
    "service_user": ("demo_service", SERVICE_INSTITUTIONS[0]),
    "finance_user": ("demo_finance", FINANCIAL_INSTITUTIONS[0]),
    "leader": ("demo_leader", IP_OFFICE),
    "system_admin": ("demo_sysadmin", "经济和信息化局"),
    "security_admin": ("demo_security", IP_OFFICE),
    "audit_admin": ("demo_audit", IP_OFFICE),
}


@dataclass
class DemoResult:
    organizations: int = 0
    users: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)

    def __str__(self):
        return f"{self.organizations} organizations and {self.users} users created"


def make_uscc(district_code: str, n: int, valid: bool = True, prefix: str = "91") -> str:
    """A syntactically real code: the registration authority and category (91: an enterprise
    registered with market regulation; 12: a public institution), the district's
    six-digit code, a nine-character organization code derived from `n`, and the check digit.
    """
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    digits = ""
    value = n
    for _ in range(7):
        value, rest = divmod(value, len(alphabet))
        digits = alphabet[rest] + digits
    body = f"{prefix}{district_code[:6]}MA{digits}"
    check = uscc_lib.calc_check_digit(body)
    if not valid:
        check = alphabet[(alphabet.index(check) + 1) % len(alphabet)]
    return body + check


def enterprise_name(n: int) -> tuple[str, str]:
    brand = BRANDS[n % len(BRANDS)]
    trade, industry = TRADES[(n // len(BRANDS)) % len(TRADES)]
    return f"示例{brand}{trade}有限公司（演示）", industry


class _Builder:
    def __init__(self):
        from ipcity.orgs.models import Organization, Region

        self.Organization = Organization
        self.created = 0
        self.by_name = dict(Organization.objects.values_list("name", "pk"))
        self.usccs = set(Organization.objects.exclude(uscc="").values_list("uscc", flat=True))
        regions = Region.objects.filter(code__startswith=settings.IPCITY_REGION_CODE)
        self.district = regions.filter(kind=RegionKind.DISTRICT).order_by("code").first()
        self.places = list(
            regions.filter(
                kind__in=[
                    RegionKind.STREET,
                    RegionKind.TOWN,
                    RegionKind.TOWNSHIP,
                    RegionKind.ETHNIC_TOWNSHIP,
                ]
            ).order_by("code")
        )
        self.prefix = self.district.name if self.district else ""

    def org(self, name: str, kind: str, **fields) -> int:
        if name in self.by_name:
            return self.by_name[name]
        uscc = fields.get("uscc", "")
        if uscc and uscc in self.usccs:
            return self.Organization.objects.get(uscc=uscc).pk
        org = self.Organization.objects.create(name=name, kind=kind, **fields)
        self.by_name[name] = org.pk
        self.usccs.add(uscc)
        self.created += 1
        return org.pk

    def place(self, n: int):
        return self.places[n % len(self.places)] if self.places else self.district


@transaction.atomic
def load_demo() -> DemoResult:
    """Load regions, organizations and demo users; safe to run any number of times."""
    from ipcity.orgs.forms import uscc_check
    from ipcity.orgs.regions import load_regions

    load_regions(settings.IPCITY_REGION_FILE)
    b = _Builder()
    units: dict[str, int] = {}
    for name, kind, subordinates in MEMBER_UNITS:
        pk = b.org(b.prefix + name, kind, region=b.district, short_name=name)
        units[name] = pk
        for sub in subordinates:
            units[f"{name}/{sub}"] = b.org(
                f"{b.prefix}{name}{sub}", kind, parent_id=pk, region=b.district, short_name=sub
            )
    for region in b.places:
        office = "办事处" if region.kind == RegionKind.STREET else "人民政府"
        b.org(region.name + office, OrganizationKind.STREET_TOWN, region=region)

    district_code = settings.IPCITY_REGION_CODE
    first_enterprise = None
    for n in range(ENTERPRISE_COUNT):
        name, industry = enterprise_name(n)
        code, warning = uscc_check(make_uscc(district_code, n + 1, n % BAD_CHECK_EVERY != 7))
        region = b.place(n)
        pk = b.org(
            name,
            OrganizationKind.ENTERPRISE,
            uscc=code,
            uscc_warning=warning,
            industry=industry,
            region=region,
            address=f"{region.name if region else ''}示例路{n + 1}号",
        )
        first_enterprise = first_enterprise or pk
    groups = [
        (UNIVERSITIES, OrganizationKind.UNIVERSITY, "12", 5000),
        (SERVICE_INSTITUTIONS, OrganizationKind.SERVICE, "91", 6000),
        (FINANCIAL_INSTITUTIONS, OrganizationKind.FINANCIAL, "91", 7000),
    ]
    for names, kind, prefix, base in groups:
        for i, name in enumerate(names):
            region = b.place(base + i)
            b.org(
                name,
                kind,
                uscc=make_uscc(district_code, base + i, prefix=prefix),
                region=region,
                address=f"{region.name if region else ''}示例大街{i + 1}号",
            )
    units["@enterprise"] = first_enterprise
    for name in SERVICE_INSTITUTIONS + FINANCIAL_INSTITUTIONS:
        units[name] = b.by_name[name]

    result = DemoResult(organizations=b.created)
    result.users, result.accounts = _demo_users(units)
    from ipcity.plans.demo import load_plan_demo

    load_plan_demo()
    from ipcity.rights.demo import load_rights_demo

    load_rights_demo()
    from ipcity.utilization.demo import load as load_utilization_demo

    load_utilization_demo()
    from ipcity.protection.demo import load as load_protection_demo

    load_protection_demo()
    from ipcity.services.demo import load as load_services_demo

    load_services_demo()
    from ipcity.incentives.demo import load as load_incentives_demo

    load_incentives_demo()
    return result


def _demo_users(units: dict[str, int]) -> tuple[int, list[tuple[str, str, str]]]:
    from ipcity.accounts.models import Role, RoleAssignment, User
    from ipcity.orgs.models import Organization

    created = 0
    accounts = []
    office = units[IP_OFFICE]
    for role in Role.objects.filter(is_active=True).order_by("pk"):
        username, unit = DEMO_USERS.get(role.code, (f"demo_{role.code}"[:150], IP_OFFICE))
        org_id = units.get(unit, office)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                organization_id=org_id,
                display_name=f"演示·{role.name}",
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            created += 1
        RoleAssignment.objects.get_or_create(
            user=user, role=role, defaults={"scope": role.default_scope}
        )
        org_name = Organization.objects.filter(pk=user.organization_id).values_list(
            "name", flat=True
        )
        accounts.append((username, role.name, org_name.first() or ""))
    return created, accounts


def demo_accounts() -> list[tuple[str, str, str]]:
    """(username, role, organization) of the demo accounts that exist, for printing."""
    from ipcity.accounts.models import User

    users = (
        User.objects.filter(username__in=[u for u, _ in DEMO_USERS.values()])
        .select_related("organization")
        .prefetch_related("role_assignments__role")
    )
    order = {u: i for i, (u, _) in enumerate(DEMO_USERS.values())}
    rows = []
    for user in sorted(users, key=lambda u: order[u.username]):
        roles = ", ".join(a.role.name for a in user.role_assignments.all())
        rows.append((user.username, roles, user.organization.name if user.organization else ""))
    return rows
