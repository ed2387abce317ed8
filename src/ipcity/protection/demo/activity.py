"""Demo leads and cases over 2025-2026: about 40 leads (public complaints, referrals,
inspections), 30 of them opened as cases spread over the brigades, statuses and right types,
with parties (a few respondents coming back under name variants), rights linked to the demo
patents and trademarks, handlers holding certificates, shares, a few transfers to the police,
consultation meetings, a campaign and mediations.

Cases are opened and moved through the fixed actions (`cases.open_case` with the lead,
`cases.transition`), shared through `sharing.share`, leads recorded with `leads.create_lead`;
parties, rights, handlers, transfers, meetings, the campaign and mediations are written as rows
(their actions carry checks, such as two certified handlers at a decision, that a demo history
written after the fact cannot meet day by day). Deterministic (a fixed seed); loaded once: when
any demo case exists nothing is added.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

SEED = 2026
LEAD_COUNT = 40
CASE_COUNT = 30
MARK = "（演示）"

RESPONDENTS = [
    # (name variants of one party, USCC or "")
    (
        [
            "示例鑫达商贸有限公司（演示）",
            "北京示例鑫达商贸有限责任公司（演示）",
            "示例鑫达商贸有限公司(演示)",
        ],
        "",
    ),
    (["示例华联日用品店（演示）", "示例 华联日用品店（演示）"], ""),
    (["示例金盾服饰有限公司（演示）"], "91110112MADEMO0017"),
    (["示例永盛电子经营部（演示）"], ""),
    (["示例青山农资门市部（演示）", "示例青山农资门市部（演示）"], ""),
    (["示例星光音像制品店（演示）"], ""),
    (["示例福瑞食品有限公司（演示）"], ""),
    (["示例天成印刷厂（演示）"], ""),
    (["王某某（演示）"], ""),
    (["示例优品网络科技有限公司（演示）"], ""),
]

TITLES = {
    "trademark": ["销售侵犯注册商标专用权的商品案", "在同一种商品上使用与注册商标相同的商标案"],
    "patent": ["假冒专利案", "专利侵权纠纷行政裁决案"],
    "copyright": ["销售盗版出版物案", "未经许可复制发行他人作品案"],
    "plant_variety": ["销售假冒授权品种种子案"],
    "gi": ["擅自使用地理标志产品名称案"],
    "trade_secret": ["侵犯商业秘密案"],
}
# Right types by agency kind.
RIGHT_TYPES = {
    "market_regulation": ["trademark"] * 5 + ["patent"] * 3 + ["gi", "trade_secret"],
    "culture": ["copyright"],
    "agriculture": ["plant_variety", "trademark"],
}


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def _pick_agency(rng, agencies):
    # The brigade handles most cases.
    weights = [
        6 if a.kind == "market_regulation" and "大队" in a.organization.name else 2
        for a in agencies
    ]
    return rng.choices(agencies, weights=weights)[0]


def load(today: date, stdout=None) -> dict:
    from ipcity.accounts.models import User
    from ipcity.orgs.models import Organization
    from ipcity.rights.models import Patent, Trademark

    from .. import cases as case_actions
    from .. import clocks, officers, parties, sharing
    from ..choices import (
        LeadSource,
        LeadStatus,
        Offence,
        PartyKind,
        PartyRole,
    )
    from ..models import Agency, Case, CaseHandler, CaseParty, CaseRight, Lead, Officer
    from .agencies import AGRICULTURE, BRIGADE, CULTURE, POLICE, units

    if Case.objects.filter(title__endswith=MARK).exists():
        return {}
    found = units()
    actors = {
        BRIGADE: User.objects.filter(username="demo_officer").first(),
        CULTURE: User.objects.filter(username="demo_culture").first(),
        AGRICULTURE: User.objects.filter(username="demo_agri").first(),
    }
    agencies = list(
        Agency.objects.select_related("organization").filter(
            organization__in=[found[u] for u in actors if u in found and actors[u]]
        )
    )
    if not agencies:
        return {}
    actor_of = {found[u].pk: user for u, user in actors.items() if u in found and user}
    police_org = found.get(POLICE)
    police_user = User.objects.filter(username="demo_police").first()
    rng = random.Random(SEED)
    enterprises = list(
        Organization.objects.filter(kind="enterprise", name__startswith="示例", name__endswith=MARK)
        .order_by("pk")
        .values_list("pk", "name", "uscc")[:60]
    )
    patents = list(Patent.objects.order_by("pk").values_list("pk", "application_number")[:200])
    trademarks = list(
        Trademark.objects.order_by("pk").values_list("pk", "registration_number")[:60]
    )
    stats = {"leads": 0, "cases": 0, "fallback_leads": 0, "transfers": 0, "shares": 0}
    span = (today - date(2025, 1, 6)).days
    plan = []
    for n in range(LEAD_COUNT):
        received = date(2025, 1, 6) + timedelta(days=int(span * n / LEAD_COUNT) + rng.randint(0, 5))
        received = min(received, today - timedelta(days=1))
        agency = _pick_agency(rng, agencies)
        right_type = rng.choice(RIGHT_TYPES.get(agency.kind, ["trademark"]))
        plan.append((n, received, agency, right_type))
    # Which leads become cases: the first CASE_COUNT by a shuffled order, never the newest 3.
    order = list(range(LEAD_COUNT - 3))
    rng.shuffle(order)
    opened = set(order[:CASE_COUNT])
    rest = order[CASE_COUNT:]
    not_opened, mediated = set(rest[:4]), set(rest[4:7])
    newest_first = sorted(opened, key=lambda k: plan[k][1], reverse=True)
    rank = {k: i for i, k in enumerate(newest_first)}

    try:
        from ..leads import create_lead
    except ImportError:  # the leads area not there yet: rows instead
        create_lead = None
    campaign_cases, meeting_cases, transfers = [], [], []
    for n, received, agency, right_type in plan:
        org = agency.organization
        actor = actor_of[org.pk]
        complainant = (
            enterprises[n % len(enterprises)]
            if enterprises
            else (None, f"示例权利人{n}（演示）", "")
        )
        names, uscc = RESPONDENTS[(n * 7) % len(RESPONDENTS)]
        respondent = names[n % len(names)]
        source = [LeadSource.PUBLIC, LeadSource.INSPECTION, LeadSource.REFERRAL][n % 3]
        fields = {
            "agency": org,
            "complainant_name": complainant[1],
            "complainant_phone": f"1380000{n:04d}",
            "respondent_name": respondent,
            "respondent_uscc": uscc,
            "right_type": right_type,
            "description": f"反映{respondent}涉嫌{TITLES[right_type][0].removesuffix('案')}。",
        }
        lead = None
        if create_lead is not None:
            try:
                lead = create_lead(actor, source=source, received_on=received, **fields)
            except Exception:  # the leads area may refuse what the demo sends; fall back
                lead = None
        if lead is None:
            stats["fallback_leads"] += 1
            lead = Lead.objects.create(
                tracking_code=f"DEMO{n:06d}",
                source=source,
                received_on=received,
                decision_due=clocks.due("lead_decision", received),
                **fields,
            )
        stats["leads"] += 1
        if n in not_opened:
            Lead.objects.filter(pk=lead.pk).update(
                status=LeadStatus.NOT_OPENED,
                decision_reason="经核查，被反映商品为正品，不予立案。",
                decided_at=_at(received + timedelta(days=9)),
                decided_by=actor,
            )
            continue
        if n in mediated:
            from ..models import Mediation

            mediator = Organization.objects.filter(
                name="示例知识产权保护中心通州分中心（演示）"
            ).first()
            Lead.objects.filter(pk=lead.pk).update(
                status=LeadStatus.MEDIATION,
                decision_reason="双方同意调解。",
                decided_at=_at(received + timedelta(days=5)),
                decided_by=actor,
            )
            done = received + timedelta(days=40)
            Mediation.objects.create(
                lead=lead,
                agency=org,
                mediator=mediator or org,
                right_type=right_type,
                applicant=complainant[1],
                respondent=respondent,
                subject=fields["description"],
                started_on=received + timedelta(days=6),
                concluded_on=done if done <= today else None,
                outcome=("agreement" if n % 2 else "failed") if done <= today else "",
                agreement_amount=Decimal("30000") if n % 2 and done <= today else None,
                recorded_by=actor,
            )
            continue
        if n not in opened:
            continue
        # Open the case from the lead and move it as far as its age allows.
        opened_on = min(received + timedelta(days=7 + n % 6), today)
        titles = TITLES.get(right_type, ["侵权案"])
        title = f"{respondent.removesuffix(MARK)}{titles[n % len(titles)]}{MARK}"
        offence = ""
        amount = Decimal(rng.randrange(8_000, 400_000, 1_000))
        if right_type == "trademark":
            offence = Offence.SELL_COUNTERFEIT if n % 2 else Offence.COUNTERFEIT_MARK
        elif right_type == "copyright":
            offence = Offence.COPYRIGHT
        case = case_actions.open_case(
            actor,
            agency=org,
            title=title,
            right_type=right_type,
            opened_on=opened_on,
            lead=lead,
            note="经核查，符合立案条件。",
            conduct=fields["description"],
            conduct_date=received - timedelta(days=20),
            offence=offence,
            business_amount=amount,
            illegal_gain=(amount * Decimal("0.2")).quantize(Decimal("1")),
            goods="涉案商品一批",
            marks_count=1 if right_type == "trademark" else None,
            is_malicious=n % 11 == 0,
            is_group=n % 13 == 0,
        )
        stats["cases"] += 1
        _parties(case, complainant, respondent, uscc, PartyRole, PartyKind, CaseParty, parties)
        _rights(case, right_type, n, patents, trademarks, CaseRight)
        _handlers(case, org, opened_on, Officer, CaseHandler, officers)
        story = _story(rank[n], n, right_type, amount)
        _move(case_actions, actor, case, story, opened_on, today, n, amount)
        if story == "transfer" and police_org is not None:
            transfers.append(case)
        if n % 4 == 0:
            campaign_cases.append(case)
        if n % 9 == 1:
            meeting_cases.append(case)
    stats["transfers"] = _transfers(transfers, police_org, police_user, actor_of, today)
    stats["shares"] = _shares(meeting_cases, found, actor_of, sharing)
    _coordination(found, campaign_cases, meeting_cases, today)
    _refresh_repeats(Case)
    return stats


def _refresh_repeats(Case) -> None:
    """Repeat offenders and related cases over every demo case, now that all are written."""
    from .. import repeats

    for case in Case.objects.filter(title__endswith=MARK).order_by("opened_on", "pk"):
        repeats.refresh(case)


def _story(rank: int, n: int, right_type: str, amount: Decimal) -> str:
    """What happened to a case, by its rank from the newest (0) to the oldest opened."""
    if rank < 3:
        return "opened"
    if rank < 6:
        return "investigating"
    if right_type == "trademark" and amount >= Decimal("200000"):
        return "transfer"
    if rank < 10:
        return ["notice", "decided"][n % 2]
    if rank < 14:
        return ["disclosed", "executed", "no_violation"][n % 3]
    return ["closed", "closed", "no_violation", "no_penalty"][n % 4]


# Days after opening of each step (scaled down for a case opened recently).
STEP_DAYS = {
    "investigate": 2,
    "hand_to_police": 40,
    "close_no_violation": 50,
    "decide_no_penalty": 55,
    "close_no_penalty": 60,
    "serve_notice": 45,
    "decide": 70,
    "disclose": 80,
    "execute": 100,
    "close": 110,
}


def _move(actions, user, case, story, opened_on, today, n, amount):
    """The steps of `story`, each on its day, squeezed into the time a recent case has had."""
    from .. import clocks
    from ..choices import CloseReason, DecisionKind

    scale = min(1.0, max((today - opened_on).days, 0) / STEP_DAYS["close"])

    def on(key: str) -> date:
        return opened_on + timedelta(days=int(STEP_DAYS[key] * scale))

    def step(name, key, note, **fields):
        if on(key) > today:
            return False
        actions.transition(user, case, name, note, **fields)
        return True

    if story == "opened" or not step("investigate", "investigate", "开展调查取证。"):
        return
    if story == "investigating":
        return
    if story == "transfer":
        return  # handed to the police by `_transfers`, through the transfer actions
    if story == "no_violation":
        step(
            "close",
            "close_no_violation",
            "经调查，违法事实不成立。",
            closed_on=on("close_no_violation"),
            close_reason=CloseReason.NO_VIOLATION,
        )
        return
    number = f"{case.number}-决"
    if story == "no_penalty":
        if step(
            "decide",
            "decide_no_penalty",
            "违法情节轻微并及时改正，不予处罚。",
            decided_on=on("decide_no_penalty"),
            decision_kind=DecisionKind.NO_PENALTY,
            decision_number=number,
        ):
            step(
                "close",
                "close_no_penalty",
                "不予行政处罚，结案。",
                closed_on=on("close_no_penalty"),
                close_reason=CloseReason.NO_PENALTY,
            )
        return
    if not step(
        "serve_notice", "serve_notice", "送达行政处罚告知书。", notice_on=on("serve_notice")
    ):
        return
    if story == "notice":
        return
    if not step(
        "decide",
        "decide",
        "作出行政处罚决定。",
        decided_on=on("decide"),
        decision_kind=DecisionKind.PENALTY,
        decision_number=number,
        fine=(amount * Decimal(2 + n % 3)).quantize(Decimal("1")),
        confiscated_gain=(amount * Decimal("0.2")).quantize(Decimal("1")),
        confiscated_goods="没收侵权商品",
        order_to_stop=True,
        # A case squeezed into a short time decides before the hearing time ran out: only
        # because the party waived its statement and hearing (cases.decide's rule).
        hearing_waived=on("decide") < clocks.due("hearing_request", on("serve_notice")),
    ):
        return
    if story == "decided":
        return
    if not step(
        "disclose", "disclose", "在国家企业信用信息公示系统公示。", disclosed_on=on("disclose")
    ):
        return
    if story == "disclosed":
        return
    if not step("execute", "execute", "罚没款已缴纳。", executed_on=on("execute")):
        return
    if story == "executed":
        return
    step(
        "close",
        "close",
        "执行完毕，结案。",
        closed_on=on("close"),
        close_reason=CloseReason.EXECUTED,
    )


def _parties(case, complainant, respondent, uscc, PartyRole, PartyKind, CaseParty, parties):
    org_id, name, code = complainant
    rows = [
        CaseParty(
            case=case,
            role=PartyRole.COMPLAINANT,
            kind=PartyKind.ORGANIZATION,
            name=name,
            name_key=parties.name_key(name),
            uscc=code or "",
            organization_id=org_id,
        ),
        CaseParty(
            case=case,
            role=PartyRole.RESPONDENT,
            kind=PartyKind.PERSON if respondent.startswith("王某某") else PartyKind.ORGANIZATION,
            name=respondent,
            name_key=parties.name_key(respondent),
            uscc=uscc,
            address="示例路1号",
        ),
    ]
    CaseParty.objects.bulk_create(rows)


def _rights(case, right_type, n, patents, trademarks, CaseRight):
    if right_type == "patent" and patents:
        pk, number = patents[(n * 13) % len(patents)]
        CaseRight.objects.create(case=case, right_type=right_type, number=number, patent_id=pk)
    elif right_type == "trademark" and trademarks:
        pk, number = trademarks[(n * 5) % len(trademarks)]
        CaseRight.objects.create(case=case, right_type=right_type, number=number, trademark_id=pk)
    elif right_type == "copyright":
        CaseRight.objects.create(
            case=case, right_type=right_type, number=f"国作登字-2024-A-{n:08d}"
        )
    elif right_type == "plant_variety":
        CaseRight.objects.create(case=case, right_type=right_type, number=f"CNA2021{1000 + n:07d}")


def _handlers(case, org, day, Officer, CaseHandler, officers):
    chosen = list(
        Officer.objects.filter(officers.certified_q(day), organization=org).order_by("pk")[:2]
    )
    CaseHandler.objects.bulk_create(
        CaseHandler(case=case, officer=o, is_lead=i == 0, assigned_on=day)
        for i, o in enumerate(chosen)
    )


def _past(day: date) -> datetime:
    """10:00 on `day`, or now when that is still to come today."""
    return min(_at(day), timezone.now())


def _transfers(cases, police_org, police_user, actor_of, today) -> int:
    """Hand the "transfer" cases to the police through the transfer actions (propose, approve,
    send, acknowledge, accept), then date each step back to when it happened in the story:
    the proposal 3 days before the sending (40 days after opening, scaled down for a recent
    case), receipt the next day, the police's decision 3 days later, never after today. The
    clocks' due dates come from clocks.due. A case whose agency has no head or whose sending
    day is still to come keeps investigating."""
    from .. import clocks
    from .. import transfers as flow
    from ..choices import CaseStatus, CriminalOutcome, TransferStatus
    from ..models import CaseEvent, CaseShare, CriminalTransfer

    if police_org is None or police_user is None:
        return 0
    count = 0
    for i, case in enumerate(cases):
        case.refresh_from_db()
        if case.status != CaseStatus.INVESTIGATING:
            continue
        actor = actor_of[case.agency_id]
        heads = flow.heads_of(case.agency)
        scale = min(1.0, max((today - case.opened_on).days, 0) / STEP_DAYS["close"])
        sent_day = case.opened_on + timedelta(days=int(STEP_DAYS["hand_to_police"] * scale))
        if not heads or sent_day > today or sent_day <= case.opened_on:
            continue
        proposed_day = max(case.opened_on, sent_day - timedelta(days=3))
        approved_day = max(proposed_day, sent_day - timedelta(days=2))
        received_day = min(sent_day + timedelta(days=1), today)
        decided_day = min(received_day + timedelta(days=2), today)
        accepted = i % 3 != 2
        transfer = CriminalTransfer.objects.filter(
            case=case, status__in=[TransferStatus.PROPOSED, TransferStatus.APPROVED]
        ).first()  # proposed already when the case met a threshold
        if transfer is None:
            transfer = flow.propose(
                actor, case, police=police_org, reason="非法经营额超过立案追诉标准。"
            )
        if transfer.status == TransferStatus.PROPOSED:
            transfer = flow.approve(heads[0], transfer)
        _transfer_documents(flow, actor, transfer, case)
        transfer = flow.send(actor, transfer)
        transfer = flow.acknowledge(police_user, transfer)
        if accepted:
            transfer = flow.accept(
                police_user,
                transfer,
                police_case_number=f"京公经立字〔{decided_day.year}〕{100 + i}号",
            )
            transfer = flow.record_outcome(police_user, transfer, CriminalOutcome.CASE_FILED)
        CriminalTransfer.objects.filter(pk=transfer.pk).update(
            proposed_at=_past(proposed_day),
            decision_due=clocks.due("transfer_decision", proposed_day),
            approved_at=_past(approved_day),
            sent_at=_past(sent_day),
            acceptance_due=clocks.due("police_acceptance", sent_day),
            received_at=_past(received_day),
            police_decided_at=_past(decided_day) if accepted else None,
        )
        CaseEvent.objects.filter(case=case, to_status=CaseStatus.TRANSFERRED).update(
            at=_past(sent_day)
        )
        CaseShare.objects.filter(case=case, organization=police_org).update(
            created_at=_past(sent_day)
        )
        count += 1
    return count


# The demo's documents of a transfer (order 310 art. 6): code of transfers.REQUIRED_DOCUMENTS and
# the text of a generated plain-text file.
DEMO_DOCUMENTS = (
    ("letter", "涉嫌犯罪案件移送书\n\n{police}：\n现将{case}（{title}）移送你单位，请依法审查。\n"),
    ("report", "涉嫌犯罪案件情况的调查报告\n\n案件：{case}（{title}）\n经营额已达立案追诉标准。\n"),
    ("goods", "涉案物品清单\n\n案件：{case}\n侵权商品一批（详见扣押清单）。\n"),
)


def _transfer_documents(flow, actor, transfer, case) -> None:
    """Attach generated text documents (the transfer letter, the investigation report and the
    goods list) through `transfers.add_document`, titled in the platform's language, so that
    the transfer may be sent."""
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import translation
    from django.utils.translation import gettext

    titles = dict(flow.REQUIRED_DOCUMENTS)
    for code, text in DEMO_DOCUMENTS:
        body = text.format(police=transfer.police, case=case.number, title=case.title)
        upload = SimpleUploadedFile(
            f"{case.number}-{code}.txt", body.encode("utf-8"), content_type="text/plain"
        )
        with translation.override(settings.LANGUAGE_CODE):
            title = gettext(titles[code])
        flow.add_document(actor, transfer, upload, title=title)


def _shares(cases, found, actor_of, sharing) -> int:
    from .agencies import CULTURE, PROCURATORATE

    count = 0
    for case in cases[:3]:
        target = (
            found.get(PROCURATORATE)
            if case.agency_id != getattr(found.get(CULTURE), "pk", None)
            else None
        )
        target = target or found.get(CULTURE)
        if target is None or target.pk == case.agency_id:
            continue
        sharing.share(actor_of[case.agency_id], case, target, "重大案件会商需要")
        count += 1
    return count


def _coordination(found, campaign_cases, meeting_cases, today) -> None:
    from ..models import Campaign, FollowUp, Meeting
    from .agencies import AGRICULTURE, BRIGADE, CULTURE, IP_OFFICE, POLICE, PROCURATORATE

    office = found.get(IP_OFFICE)
    if office is None:
        return
    members = [
        found[u] for u in (BRIGADE, CULTURE, AGRICULTURE, POLICE, PROCURATORATE) if u in found
    ]
    campaign = Campaign.objects.create(
        name="2025年知识产权执法“铁拳”专项行动（演示）",
        lead=office,
        starts_on=date(2025, 4, 1),
        ends_on=date(2025, 10, 31),
        status="finished" if today > date(2025, 10, 31) else "running",
        targets="重点查处商标侵权、假冒专利等违法行为。",
        right_types=["trademark", "patent"],
        key_industries="食品、日用品、服装",
        results_summary="专项行动期间共查办知识产权案件若干起，移送涉嫌犯罪案件2起。",
    )
    for case in campaign_cases:
        case.campaigns.add(campaign)
    for i, (title, day) in enumerate(
        [
            ("重大商标侵权案件会商（演示）", date(2025, 6, 18)),
            ("涉嫌犯罪案件移送情况通报（演示）", date(2025, 12, 10)),
        ]
    ):
        if day > today:
            continue
        meeting = Meeting.objects.create(
            kind="consultation" if i == 0 else "circular",
            title=title,
            held_on=day,
            place="区市场监管局三层会议室",
            convened_by=office,
            summary="与会单位就案件定性、证据固定和移送标准进行了讨论。",
            decisions="一、统一证据标准；二、对符合条件的案件及时移送。",
        )
        meeting.participants.set(members)
        meeting.cases.set(meeting_cases[:3])
        FollowUp.objects.create(
            meeting=meeting,
            text="补充固定涉案商品鉴定意见",
            responsible=members[0] if members else office,
            due_on=day + timedelta(days=30),
            done_on=day + timedelta(days=25),
            result="已完成。",
        )
