"""Demo IP finance: the demo banks, insurer and guarantor with their products, an appraiser,
about forty pledges of demo patents registered 2021-2025 (some released, changed or cancelled),
valuations, insurance policies and guarantees, and a few risk alerts raised the real way: a
pledged patent lapses through the registry, another gets an overdue-fee event.

Deterministic (a fixed seed) and loaded once: when a demo pledge exists nothing is added. Every
record goes through `utilization.pledges`, so patents get their pledge amounts and
classification as they would from the pages.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

SEED = 2025
PLEDGE_COUNT = 40
MARK = "（演示）"
APPRAISER = "示例资产评估有限公司（演示）"
FALLBACK = {
    "bank": ["示例银行通州支行（演示）", "示例商业银行运河支行（演示）"],
    "insurer": ["示例财产保险通州支公司（演示）"],
    "guarantor": ["示例融资担保有限公司（演示）"],
}
PRODUCTS = {
    "bank": [
        (
            "知识产权质押贷",
            "pledge_loan",
            "专利、商标质押，最长3年，随借随还。",
            "LPR+30BP",
            3000,
            36,
        ),
        (
            "科创普惠快贷",
            "pledge_loan",
            "面向科技型中小企业的普惠贷款，单户最高1000万元。",
            "LPR",
            1000,
            12,
        ),
    ],
    "insurer": [
        (
            "知识产权执行保险",
            "insurance",
            "承保维权诉讼中的调查、律师和诉讼费用。",
            "费率1.2%",
            100,
            12,
        ),
        ("质押融资保证保险", "insurance", "为知识产权质押贷款提供履约保证。", "费率1.5%", 2000, 12),
    ],
    "guarantor": [
        ("知识产权融资担保", "guarantee", "与合作银行分险，担保费率不高于1%。", "≤1%", 2000, 24),
    ],
}
DEBT_KINDS = ["流动资金贷款", "固定资产贷款", "科技研发贷款"]


def load(stdout=None) -> dict:
    from django.db import transaction

    from ..models import Pledge

    if Pledge.objects.filter(notes__contains=MARK).exists():
        return {"pledges": 0}
    with transaction.atomic():
        result = _load()
    if stdout is not None:
        stdout.write(f"IP finance: {result['pledges']} pledges, {result['alerts']} risk alerts\n")
    return result


def _institutions():
    from ipcity.orgs.choices import OrganizationKind
    from ipcity.orgs.models import Organization

    financial = list(
        Organization.objects.filter(
            kind=OrganizationKind.FINANCIAL, name__startswith="示例"
        ).order_by("pk")
    )
    found = {
        "bank": [o for o in financial if "银行" in o.name],
        "insurer": [o for o in financial if "保险" in o.name],
        "guarantor": [o for o in financial if "担保" in o.name],
    }
    for role, names in FALLBACK.items():
        if not found[role]:
            found[role] = [
                Organization.objects.get_or_create(
                    name=name, defaults={"kind": OrganizationKind.FINANCIAL}
                )[0]
                for name in names
            ]
    appraiser, _created = Organization.objects.get_or_create(
        name=APPRAISER, defaults={"kind": OrganizationKind.SERVICE}
    )
    return found, appraiser


def _office_user():
    from ipcity.accounts.models import User

    return User.objects.filter(username="demo_office", is_active=True).first()


def _patents(rng, count):
    """Granted, valid district patents with an enterprise as first holder: (patent, holder id)."""
    from ipcity.orgs.choices import OrganizationKind
    from ipcity.rights.models import PatentHolder

    links = (
        PatentHolder.objects.filter(
            position=1,
            organization__kind=OrganizationKind.ENTERPRISE,
            patent__legal_status="valid",
            patent__attribution="in_district",
            patent__patent_type__in=["invention", "utility_model"],
        )
        .select_related("patent")
        .order_by("patent_id")
    )
    links = list(links[:600])
    rng.shuffle(links)
    return [(link.patent, link.organization_id) for link in links[:count]]


def _spares(rng, picked):
    """More patents of the holders already picked, for pledges of two patents: a pledge pledges
    only its pledgor's rights."""
    from collections import defaultdict

    used = {patent.pk for patent, _holder in picked}
    spares = defaultdict(list)
    for patent, holder_id in _patents(rng, 600):
        if patent.pk not in used:
            spares[holder_id].append(patent)
    return spares


def _load() -> dict:
    from django.core.exceptions import PermissionDenied, ValidationError

    from ipcity.rights import actions as rights_actions
    from ipcity.rights.models import LegalEvent

    from .. import pledges, risks
    from ..models import FinancialProduct, Guarantee, InsurancePolicy, Pledge, RiskAlert, Valuation

    rng = random.Random(SEED)
    found, appraiser = _institutions()
    banks, insurers, guarantors = found["bank"], found["insurer"], found["guarantor"]
    products = {}
    for role, orgs in found.items():
        for org in orgs:
            for name, kind, description, rate, max_amount, months in PRODUCTS[role]:
                product, _created = FinancialProduct.objects.get_or_create(
                    institution=org,
                    name=f"{org.name.removesuffix(MARK)}·{name}",
                    defaults={
                        "kind": kind,
                        "description": description,
                        "rate": rate,
                        "max_amount": Decimal(max_amount),
                        "term_months": months,
                        "contact": "010-6000" + str(1000 + org.pk)[-4:],
                    },
                )
                products.setdefault(org.pk, []).append(product)

    picked = _patents(rng, PLEDGE_COUNT)
    if not picked:
        return {"pledges": 0, "alerts": 0}
    spares = _spares(rng, picked)
    doubles = 0
    # The demo finance account belongs to the first bank: give it half the pledges.
    weights = [3] + [1] * (len(banks) - 1)
    pledge_items, valuation_items, valued = [], [], []
    plans = []
    for n in range(min(PLEDGE_COUNT, len(picked))):
        patent, holder_id = picked[n]
        extra = []
        if doubles < 8 and spares.get(holder_id):
            extra = [spares[holder_id].pop().pk]  # a few pledges hold two of the holder's patents
            doubles += 1
        bank = rng.choices(banks, weights=weights[: len(banks)])[0]
        year = 2021 + n % 5
        registered = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        amount = Decimal(rng.choice([80, 150, 200, 300, 500, 600, 800, 1000, 1200, 2000, 3000]))
        term = rng.choice([1, 2, 3])
        plans.append((registered, term))
        pledge_items.append(
            {
                "pledgor_id": holder_id,
                "pledgee_id": bank.pk,
                "patents": [patent.pk, *extra],
                "amount": amount,
                "debt_kind": rng.choice(DEBT_KINDS),
                "contract_number": f"ZY{year}{n + 1:04d}",
                "term_start": registered,
                "term_end": registered.replace(year=registered.year + term),
                "registration_number": f"Y{year}11{n + 1:07d}",
                "registration_date": registered,
                "product": products[bank.pk][0 if amount > 1000 else -1],
                "notes": f"演示数据{MARK}",
            }
        )
        if n % 2 == 0:
            valued.append(n)
            valuation_items.append(
                {
                    "owner_id": holder_id,
                    "patents": [patent.pk],
                    "method": rng.choice(["income", "income", "market", "cost"]),
                    "value": (amount * Decimal("1.8")).quantize(Decimal("1")),
                    "appraiser": appraiser,
                    "commissioned_by_id": bank.pk,
                    "report_number": f"PG{year}-{n + 1:03d}",
                    "date": registered - dt.timedelta(days=30),
                    "purpose": "质押融资",
                }
            )
    valuations = pledges.record_imported(None, Valuation, valuation_items)
    for n, valuation in zip(valued, valuations, strict=True):
        pledge_items[n]["valuation"] = valuation
    created = pledges.record_imported(None, Pledge, pledge_items)

    user = _office_user()
    today = dt.date(2025, 12, 1)
    for pledge, (registered, term) in zip(created, plans, strict=True):
        due = registered.replace(year=registered.year + term)
        if due < today and rng.random() < 0.8:
            pledges.release_pledge(user, pledge, due, "借款已按期归还")
    pledges.change_pledge(user, created[-1], {"amount": "1500"}, "展期并增加担保金额")
    pledges.cancel_pledge(user, created[-2], "重复登记，予以注销")

    policies = []
    for n, pledge in enumerate(created[:10]):
        insurer = insurers[n % len(insurers)]
        kind = "pledge_loan" if n % 2 == 0 else "enforcement"
        policies.append(
            {
                "insured_id": pledge.pledgor_id,
                "insurer_id": insurer.pk,
                "product": products[insurer.pk][1 if kind == "pledge_loan" else 0],
                "kind": kind,
                "policy_number": f"BD{pledge.registration_date.year}{n + 1:05d}",
                "patents": [p.pk for p in pledge.patents.all()],
                "insured_amount": pledge.amount if kind == "pledge_loan" else Decimal(50),
                "premium": Decimal("1.5") if kind == "enforcement" else Decimal(12),
                "subsidy": Decimal("0.75"),
                "start_date": pledge.registration_date,
                "end_date": pledge.term_end,
            }
        )
    pledges.record_imported(None, InsurancePolicy, policies)
    guarantees = []
    for n, pledge in enumerate(created[10:18]):
        guarantees.append(
            {
                "guarantor_id": guarantors[n % len(guarantors)].pk,
                "borrower_id": pledge.pledgor_id,
                "lender_id": pledge.pledgee_id,
                "pledge_id": pledge.pk,
                "amount": pledge.amount,
                "fee_rate": Decimal("0.8"),
                "start_date": pledge.registration_date,
                "end_date": pledge.term_end,
                "contract_number": f"DB{pledge.registration_date.year}{n + 1:04d}",
            }
        )
    pledges.record_imported(None, Guarantee, guarantees)

    # Risks, the real way: a pledged patent lapses through the registry; another misses a fee.
    active = list(
        Pledge.objects.filter(pk__in=[p.pk for p in created], status__in=["registered", "changed"])
        .order_by("registration_date")
        .prefetch_related("patents")
    )
    if active:
        patent = active[-1].patents.all()[0]
        lapsed_on = dt.date(2025, 9, 1)
        try:
            if user is None:
                raise PermissionDenied
            rights_actions.update_patent(
                user, patent, {"legal_status": "lapsed", "lapse_date": lapsed_on}
            )
        except (ValidationError, PermissionDenied):
            patent.legal_status, patent.lapse_date = "lapsed", lapsed_on
            patent.save()
        risks.scan(patent_ids=[patent.pk])
    if len(active) > 1:
        patent = active[-2].patents.all()[0]
        LegalEvent.objects.create(
            patent=patent,
            kind="fee_overdue",
            date=max(active[-2].registration_date + dt.timedelta(days=200), dt.date(2025, 6, 1)),
            detail="年费滞纳期",
        )
        risks.scan(patent_ids=[patent.pk])
    return {"pledges": len(created), "alerts": RiskAlert.objects.count()}
