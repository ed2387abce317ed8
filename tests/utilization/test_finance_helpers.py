"""Builders for the finance tests (no tests here): two banks and two enterprises, each pair with
its own patent, pledge, valuation, policy, guarantee, product and risk alert.

Bank A (fiona) lends to enterprise A (erin); bank B (frank) to enterprise B (charlie).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from ipcity.orgs.choices import OrganizationKind
from ipcity.utilization.models import (
    FinancialProduct,
    Guarantee,
    InsurancePolicy,
    Pledge,
    RiskAlert,
    Valuation,
)

from ..factories import make_org
from ..rights.registry_builders import make_patent

REGISTERED = datetime.date(2023, 3, 1)


def make_pledge(pledgor, pledgee, patents=(), amount="500", **fields) -> Pledge:
    fields.setdefault("registration_date", REGISTERED)
    pledge = Pledge.objects.create(
        pledgor=pledgor, pledgee=pledgee, amount=Decimal(amount), **fields
    )
    if patents:
        pledge.patents.set(patents)
    return pledge


@dataclass
class Side:
    """One bank's and one enterprise's records."""

    enterprise: object
    bank: object
    patent: object
    pledge: Pledge
    valuation: Valuation
    policy: InsurancePolicy
    guarantee: Guarantee
    product: FinancialProduct
    hidden_product: FinancialProduct
    alert: RiskAlert

    def record(self, name):
        return {
            "pledge": self.pledge,
            "valuation": self.valuation,
            "insurancepolicy": self.policy,
            "guarantee": self.guarantee,
            "riskalert": self.alert,
            "financialproduct": self.product,
        }[name]


def build_side(tag, enterprise, bank, guarantor, serial) -> Side:
    patent = make_patent(f"一种{tag}侧的质押装置", holders=[enterprise], grant_date=REGISTERED)
    pledge = make_pledge(
        enterprise, bank, [patent], amount="800", registration_number=f"Y2023{tag}{serial:04d}"
    )
    valuation = Valuation.objects.create(
        owner=enterprise,
        commissioned_by=bank,
        method="income",
        value=Decimal("1200"),
        date=datetime.date(2023, 1, 15),
        appraiser_name=f"示例{tag}资产评估有限公司",
        report_number=f"PG-{tag}-{serial}",
    )
    valuation.patents.set([patent])
    policy = InsurancePolicy.objects.create(
        insured=enterprise,
        insurer=bank,
        kind="enforcement",
        policy_number=f"BD-{tag}-{serial}",
        insured_amount=Decimal("300"),
        start_date=datetime.date(2024, 1, 1),
    )
    guarantee = Guarantee.objects.create(
        guarantor=guarantor,
        borrower=enterprise,
        lender=bank,
        pledge=pledge,
        amount=Decimal("400"),
        start_date=datetime.date(2023, 3, 1),
        contract_number=f"DB-{tag}-{serial}",
    )
    product = FinancialProduct.objects.create(
        institution=bank, name=f"{tag}行知识产权质押贷", kind="pledge_loan"
    )
    hidden = FinancialProduct.objects.create(
        institution=bank, name=f"{tag}行内部试点产品", kind="other", is_active=False
    )
    alert = RiskAlert.objects.create(
        pledge=pledge,
        patent=patent,
        kind="fee_overdue",
        detected_on=datetime.date(2024, 5, 1),
        detail=f"{tag} fee",
    )
    return Side(
        enterprise, bank, patent, pledge, valuation, policy, guarantee, product, hidden, alert
    )


@dataclass
class Finance:
    u: object
    a: Side
    b: Side

    def __getattr__(self, name):
        return getattr(self.u, name)


def build_finance(uworld) -> Finance:
    """Both sides; each test module wraps it in its own `fin` fixture."""
    guarantor = make_org("示例融资担保有限公司", OrganizationKind.FINANCIAL, region=uworld.district)
    a = build_side("甲", uworld.enterprise_a, uworld.bank_a, guarantor, 1)
    b = build_side("乙", uworld.enterprise_b, uworld.bank_b, guarantor, 2)
    return Finance(uworld, a, b)
