"""Demo policies and notices: the district's IP funding policy, the notice on the IP publicity
week, the service guide of the butler-style service, news items, and one draft still being
written (published ones dated before the demo day, so the public pages show them).

Idempotent: notices are keyed by title; publishers are the demo units core/demo.py creates
(found by name, skipped when missing).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ..choices import NoticeKind

IP_OFFICE = "市场监督管理局（知识产权局）"
SCIENCE = "科学技术委员会"

FUNDING_BODY = """\
为深入实施知识产权强国建设纲要，加快建设知识产权强区，结合本区实际，制定本办法。

一、支持对象。在本区注册、具有独立法人资格的企业、高校、科研院所和服务机构。

二、支持内容。（一）发明专利授权资助：每件给予一次性资助；（二）通过《企业知识产权合规管理\
体系要求》（GB/T 29490）认证的企业给予奖励；\
（三）知识产权质押融资贴息：按实际支付利息的一定比例给予补贴，单户设有上限。

三、申报方式。申报单位通过知识产权工作平台在线提交申请和证明材料，平台对照登记信息预先核验资格，结果申报单位和审核人员均可查看。

四、审核和公示。资助项目经初审、复审和审批后，在平台公示，公示期内可提出异议。

五、本办法自发布之日起施行，由区知识产权局负责解释。"""

WEEK_BODY = """各有关单位：

每年4月20日至26日为全国知识产权宣传周。今年宣传周期间，区知识产权局将联合各成员单位在运河商务区举办启动仪式，并开展知识产权进企业、进园区、进校园活动。

请各单位结合实际组织宣传活动，于活动结束后5个工作日内通过平台报送活动名称、时间、地点、形式和覆盖人数。

特此通知。"""

GUIDE_BODY = """管家式服务为本区企业和权利人提供一站式知识产权服务。

服务内容：知识产权咨询、维权援助、纠纷调解、政策解读、预警分析、海外维权和融资对接。

申请方式：无需注册，在公共服务页面点击“服务申请”，填写需求和联系方式即可。提交后获得查询码，凭查询码和联系电话随时查询办理进度。

办理时限：申请分派到服务站点后，按服务类型在规定的工作日内答复。

服务评价：办结后欢迎对服务进行满意度评价，帮助我们改进工作。"""

NEWS_BODY = """\
近日，区知识产权保护中心分中心联合区市场监管局举办知识产权质押融资政银企对接会，\
十余家银行和三十余家科技企业参加。

会上，银行介绍了知识产权质押贷款产品，企业代表分享了融资经验。"""

DRAFT_BODY = """（草稿）关于组织申报年度知识产权试点示范单位的通知，待征求成员单位意见后发布。"""

# (title, kind, publisher, document number, days before today or None for a draft, pinned, body)
NOTICES = [
    (
        "知识产权资助和奖励办法",
        NoticeKind.POLICY,
        IP_OFFICE,
        "通知识发〔2025〕3号",
        40,
        True,
        FUNDING_BODY,
    ),
    (
        "关于开展知识产权宣传周活动的通知",
        NoticeKind.NOTICE,
        IP_OFFICE,
        "通知识发〔2025〕5号",
        20,
        False,
        WEEK_BODY,
    ),
    ("管家式知识产权服务指南", NoticeKind.GUIDE, IP_OFFICE, "", 30, False, GUIDE_BODY),
    ("知识产权质押融资政银企对接会成功举办", NoticeKind.NEWS, IP_OFFICE, "", 7, False, NEWS_BODY),
    (
        "科技创新券支持知识产权服务的说明",
        NoticeKind.POLICY,
        SCIENCE,
        "",
        14,
        False,
        "企业可使用科技创新券购买专利导航、知识产权评估等服务，具体以当年申报指南为准。",
    ),
    (
        "关于组织申报知识产权试点示范单位的通知",
        NoticeKind.NOTICE,
        IP_OFFICE,
        "",
        None,
        False,
        DRAFT_BODY,
    ),
]


def _district_prefix() -> str:
    from ipcity.orgs.models import Region

    district = (
        Region.objects.filter(code__startswith=settings.IPCITY_REGION_CODE, kind="district")
        .order_by("code")
        .first()
    )
    return district.name if district else ""


def load() -> dict:
    from ipcity.orgs.models import Organization

    from ..models import Notice

    prefix = _district_prefix()
    wanted = {prefix + name: name for name in (IP_OFFICE, SCIENCE)}
    orgs = {
        wanted[name]: org
        for org in Organization.objects.filter(name__in=list(wanted))
        for name in [org.name]
    }
    today = timezone.localdate()
    created = 0
    for title, kind, publisher, number, days_ago, pinned, body in NOTICES:
        if publisher not in orgs:
            continue
        _, made = Notice.objects.get_or_create(
            title=title,
            defaults={
                "kind": kind,
                "publisher": orgs[publisher],
                "document_number": number,
                "published_on": None if days_ago is None else today - timedelta(days=days_ago),
                "pinned": pinned,
                "summary": body.split("\n", 1)[0][:120],
                "body": body,
            },
        )
        created += made
    return {"notices": created}
