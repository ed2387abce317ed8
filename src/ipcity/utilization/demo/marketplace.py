"""Demo marketplace: about 25 offers of demo enterprises (with the demo patents they hold) and
universities, about 15 needs of demo enterprises, contact requests between them, a few of which
led to transactions (origin marketplace), so matching and conversion have something to show.

Deterministic (a fixed seed) and loaded once: when any listing exists nothing is added.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

SEED = 2026
OFFERS_FROM_ENTERPRISES = 20
NEEDS = 15
CONTACTS = 10
CONCLUDED = 4
CONTACT_SCORE = 40  # a need's owner writes only to a convincing match
CONCLUDE_SCORE = 60
OFFER_TITLES = ["{s}专利技术包（演示）", "{s}核心专利许可（演示）", "{s}成套技术转让（演示）"]

OFFER_KINDS = [
    ["assignment"],
    ["exclusive", "ordinary"],
    ["ordinary", "open"],
    ["assignment", "exclusive"],
    ["sole", "ordinary"],
]
NEED_TEXT = {
    "图像识别": "生产线需要基于图像识别的缺陷检测方案，希望引进成熟的识别算法和专利。",
    "数据压缩": "数据中心存储成本高，寻求数据压缩与存储优化技术。",
    "无线通信": "物联网终端需要低功耗无线通信模块的相关技术。",
    "网络安全": "企业内网需要身份认证和数据加密方面的网络安全技术。",
    "半导体封装": "寻求芯片封装散热与可靠性提升的半导体封装工艺。",
    "工业机器人": "装配车间希望引进工业机器人路径规划与视觉定位技术。",
    "增材制造": "寻求金属增材制造（3D打印）工艺与设备技术。",
    "储能电池": "寻求储能电池热管理与寿命提升技术。",
    "污水处理": "园区污水处理站需要厌氧处理与脱氮除磷技术。",
    "中药提取": "寻求中药有效成分提取与纯化工艺。",
    "智能家居": "家电产品需要智能家居互联控制技术。",
    "建筑构件": "装配式建筑项目寻求预制建筑构件连接技术。",
    "物流分拣": "仓储中心需要自动化物流分拣设备与调度技术。",
    "文创包装": "文创产品需要环保可折叠包装结构设计。",
    "食品加工": "寻求食品加工杀菌保鲜与节能干燥技术。",
}
MESSAGES = [
    "贵单位的成果与我们的需求高度契合，希望进一步了解许可条件。",
    "我们对该技术很感兴趣，能否安排一次技术交流？",
    "希望了解专利的实施情况和报价，方便时请联系。",
]
REPLIES = [
    "感谢关注，欢迎来访洽谈，我们可以提供技术资料。",
    "可以安排线上交流，请提供贵司的具体应用场景。",
]


def _say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _moment(rng: random.Random, year: int) -> dt.datetime:
    day = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, 10, 0))


def load(stdout=None) -> None:
    from ipcity.orgs.choices import OrganizationKind
    from ipcity.orgs.models import Organization
    from ipcity.rights.demo import SUBJECTS
    from ipcity.rights.models import Patent, PatentHolder

    from .. import deals
    from ..choices import ContactStatus, ListingStatus, TransactionOrigin
    from ..listings import allowed_kinds
    from ..matching import ipc_from_patents, matches, normalize_ipc_codes
    from ..models import ContactRequest, DemandListing, SupplyListing

    if SupplyListing.objects.exists() or DemandListing.objects.exists():
        return
    demo = Organization.objects.filter(name__startswith="示例", name__endswith="（演示）")
    enterprises = list(demo.filter(kind=OrganizationKind.ENTERPRISE).order_by("pk"))
    universities = list(demo.filter(kind=OrganizationKind.UNIVERSITY).order_by("pk"))
    if not enterprises:
        return
    rng = random.Random(SEED)
    ipc_of = dict(SUBJECTS)

    # Valid demo patents by holder and subject ("一种图像识别方法（演示12）" → 图像识别).
    held: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    links = PatentHolder.objects.filter(
        organization__in=enterprises, patent__legal_status="valid"
    ).values_list("organization_id", "patent_id", "patent__title")
    for org_id, patent_id, title in links.order_by("organization_id", "patent_id"):
        subject = next((s for s, _ipc in SUBJECTS if s in title), None)
        if subject:
            held[org_id][subject].append(patent_id)
    by_pk = {org.pk: org for org in enterprises}
    holders = [pk for pk in by_pk if held.get(pk)]
    rng.shuffle(holders)

    with transaction.atomic():
        offers = []
        subjects = []
        for n, org_id in enumerate(holders[:OFFERS_FROM_ENTERPRISES]):
            subject, patent_ids = max(held[org_id].items(), key=lambda item: len(item[1]))
            subjects.append(subject)
            patents = list(Patent.objects.filter(pk__in=patent_ids[:3]))
            offers.append(
                _offer(
                    SupplyListing,
                    by_pk[org_id],
                    OFFER_TITLES[n % len(OFFER_TITLES)].format(s=subject),
                    f"{by_pk[org_id].short_name or by_pk[org_id].name}持有的{subject}相关专利，"
                    f"技术成熟，可提供实施指导。",
                    subject,
                    ipc_from_patents(patents),
                    rng.choice(OFFER_KINDS),
                    rng,
                    patents,
                )
            )
        for n, university in enumerate(universities):
            subject, ipc = SUBJECTS[(n * 4 + 1) % len(SUBJECTS)]
            for title in (f"{subject}关键技术成果（演示）", f"{subject}实验室样机技术（演示）"):
                offers.append(
                    _offer(
                        SupplyListing,
                        university,
                        title,
                        f"高校科研团队的{subject}成果，寻求企业转化合作。",
                        subject,
                        normalize_ipc_codes(ipc)[0],
                        ["assignment", "exclusive", "ordinary"],
                        rng,
                    )
                )
        # Needs: the demo enterprise account's own company first, then others.
        offer_owners = {o.owner_id for o in offers}
        askers = [enterprises[0]] + [
            e
            for e in rng.sample(enterprises[1:], min(60, len(enterprises) - 1))
            if e.pk not in offer_owners
        ]
        # Most needs ask for what is offered; a few for what nobody offers yet.
        offered = list(dict.fromkeys(subjects))
        others = [s for s, _ipc in SUBJECTS if s not in offered]
        wanted = (offered[: NEEDS - 3] + others[:3] + offered)[:NEEDS]
        needs = []
        for n, owner in enumerate(askers[:NEEDS]):
            subject = wanted[n % len(wanted)]
            needs.append(
                _offer(
                    DemandListing,
                    owner,
                    f"寻求{subject}技术（演示）",
                    NEED_TEXT.get(subject, ""),
                    subject,
                    normalize_ipc_codes(ipc_of[subject])[0],
                    rng.choice([["ordinary"], ["exclusive", "sole"], ["assignment"], []]),
                    rng,
                    status=ListingStatus.DRAFT if n == NEEDS - 1 else ListingStatus.PUBLISHED,
                )
            )

        # Contacts: a need's owner writes to the best-matching offer a few days after both
        # were published; the offer's owner answers a few days later.
        now = timezone.now()
        contacts = []
        for need in needs:
            if len(contacts) >= CONTACTS or need.status != ListingStatus.PUBLISHED:
                continue
            found = matches(need, top=1)
            if not found or found[0].score < CONTACT_SCORE:
                continue
            offer = found[0].listing
            sent_at = min(
                max(need.published_at, offer.published_at) + dt.timedelta(days=rng.randint(1, 20)),
                now - dt.timedelta(days=10),
            )
            answered = rng.random() < 0.7
            contact = ContactRequest(
                requester=need.owner,
                supply_listing=offer,
                demand_listing=need,
                message=rng.choice(MESSAGES),
                reply=rng.choice(REPLIES) if answered else "",
                status=ContactStatus.ANSWERED if answered else ContactStatus.SENT,
                answered_at=sent_at + dt.timedelta(days=rng.randint(1, 5)) if answered else None,
            )
            contact.save()
            # created_at is set on save; the demo request was sent at its own moment.
            ContactRequest.objects.filter(pk=contact.pk).update(
                created_at=sent_at, updated_at=contact.answered_at or sent_at
            )
            contact.created_at = sent_at
            contacts.append((contact, found[0].score))
        # Deals: answered requests about offers with patents, recorded after the answer.
        concluded = [
            c
            for c, score in contacts
            if score >= CONCLUDE_SCORE
            and c.status == ContactStatus.ANSWERED
            and c.supply_listing.patents.exists()
            and allowed_kinds(c)
        ][:CONCLUDED]
        for contact in concluded:
            offer, need = contact.supply_listing, contact.demand_listing
            signed = min(
                (contact.answered_at + dt.timedelta(days=rng.randint(7, 60))).date(),
                timezone.localdate(now),
            )
            deal = deals.record_transaction(
                None,
                kind=allowed_kinds(contact)[0],
                assignor=offer.owner,
                assignee=need.owner,
                patents=list(offer.patents.all()),
                amount=Decimal(rng.randint(20, 400)),
                contract_date=signed,
                supply_listing=offer,
                demand_listing=need,
                origin=TransactionOrigin.MARKETPLACE,
                notes="通过技术市场对接达成（演示）",
            )
            contact.status = ContactStatus.CONCLUDED
            contact.transaction = deal
            contact.save(update_fields=["status", "transaction"])
    _say(
        stdout,
        f"Marketplace: {len(offers)} offers, {len(needs)} needs, {len(contacts)} contact "
        f"requests, {len(concluded)} transactions.\n",
    )


def _offer(model, owner, title, description, subject, ipc, kinds, rng, patents=(), status=None):
    from ..choices import ListingStatus
    from ..listings import refresh_search_text

    status = status or ListingStatus.PUBLISHED
    listing = model(
        owner=owner,
        title=title[:200],
        description=description,
        keywords=subject,
        ipc_codes=ipc,
        kinds=list(kinds),
        status=status,
        published_at=_moment(rng, rng.choice([2024, 2025]))
        if status != ListingStatus.DRAFT
        else None,
    )
    if model.__name__ == "SupplyListing":
        listing.asking_price = Decimal(rng.randint(10, 500))
    else:
        listing.budget = Decimal(rng.randint(20, 300))
    listing.save()
    if patents:
        listing.patents.set(patents)
    refresh_search_text(listing)
    return listing
