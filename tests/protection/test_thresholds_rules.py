"""Threshold rules by version: the rule set in force on the conduct date, the conditions, the
prior-penalty look-back of 法释〔2025〕5号, and proposals made from them."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from ipcity.core.models import Notification
from ipcity.protection import thresholds, transfers
from ipcity.protection.choices import Offence, TransferStatus
from ipcity.protection.loaders import ensure_thresholds
from ipcity.protection.models import ThresholdRule, ThresholdRuleSet

from .conftest import make_case
from .test_transfers_builders import D, decided_case, respondent

pytestmark = pytest.mark.django_db

PARTY = "北京示例商贸有限责任公司"


def mark_case(agency, conduct, marks=1, amount="35000", party=PARTY, **fields):
    case = make_case(
        agency,
        conduct_date=conduct,
        opened_on=conduct + datetime.timedelta(days=30),
        offence=Offence.COUNTERFEIT_MARK,
        business_amount=Decimal(amount),
        marks_count=marks,
        **fields,
    )
    respondent(case, party)
    return case


def test_loaded_once_and_edits_stay(db):
    assert set(ThresholdRuleSet.objects.values_list("code", flat=True)) == {
        "spp-mps-2010",
        "spc-spp-2025-5",
    }
    rule = ThresholdRule.objects.get(
        rule_set__code="spc-spp-2025-5",
        offence="counterfeit_mark",
        condition="one_mark",
        measure="business_amount",
    )
    rule.value = Decimal("45000")
    rule.save()
    ThresholdRuleSet.objects.filter(code="spp-mps-2010").update(name="edited")
    assert ensure_thresholds() == 0
    rule.refresh_from_db()
    assert rule.value == Decimal("45000")
    assert ThresholdRuleSet.objects.get(code="spp-mps-2010").name == "edited"
    # A rule set deleted by staff does not come back.
    ThresholdRuleSet.objects.get(code="spp-mps-2010").delete()
    assert ensure_thresholds() == 0
    assert not ThresholdRuleSet.objects.filter(code="spp-mps-2010").exists()


def test_rule_set_by_conduct_date(pworld):
    assert thresholds.rule_set_on(D(2024, 6, 1)).code == "spp-mps-2010"
    assert thresholds.rule_set_on(D(2025, 4, 25)).code == "spp-mps-2010"
    assert thresholds.rule_set_on(D(2025, 4, 26)).code == "spc-spp-2025-5"
    assert thresholds.rule_set_on(D(2009, 1, 1)) is None
    # Without a conduct date the opening date decides.
    case = make_case(pworld.amr, opened_on=D(2025, 5, 6), offence=Offence.COPYRIGHT, copies=600)
    rule_set, matched = thresholds.evaluate(case)
    assert rule_set.code == "spc-spp-2025-5"
    assert [(m["measure"], m["value"], m["threshold"]) for m in matched] == [
        ("copies", "600", "500")
    ]


def test_no_offence_matches_nothing(pworld):
    case = make_case(pworld.amr, business_amount=Decimal("9000000"))
    assert thresholds.evaluate(case)[1] == []


def test_one_mark_below_the_threshold_in_2024_is_not_proposed(pworld):
    p = pworld
    decided_case(p.culture, D(2024, 3, 1), party="示例商贸有限公司")
    case = mark_case(p.amr, D(2024, 6, 1))
    rule_set, matched = thresholds.evaluate(case)
    assert rule_set.code == "spp-mps-2010" and matched == []
    assert transfers.propose_if_over(p.mia, case) is None
    assert not case.transfers.exists()


def test_prior_penalty_within_two_years_lowers_the_threshold_from_2025(pworld):
    p = pworld
    earlier = decided_case(p.culture, D(2024, 3, 1), party="示例商贸有限公司")
    case = mark_case(p.amr, D(2025, 6, 1))
    rule_set, matched = thresholds.evaluate(case)
    assert rule_set.code == "spc-spp-2025-5"
    assert [(m["condition"], m["measure"], m["value"]) for m in matched] == [
        ("prior_penalty", "business_amount", "35000.00")
    ]
    assert matched[0]["prior_cases"] == [earlier.number]
    assert matched[0]["rule_set"] == "spc-spp-2025-5" and matched[0]["threshold"] == "30000.00"
    transfer = transfers.propose_if_over(p.mia, case)
    assert transfer.status == TransferStatus.PROPOSED
    assert transfer.rule_set.code == "spc-spp-2025-5"
    assert transfer.matched_rules == matched
    assert transfer.police == p.police
    assert transfer.decision_due == timezone.localdate() + datetime.timedelta(days=3)
    # The head is told once; a second call proposes nothing more.
    assert Notification.objects.filter(user=p.hank).count() == 1
    assert transfers.propose_if_over(p.mia, case) is None
    assert case.transfers.count() == 1 and Notification.objects.filter(user=p.hank).count() == 1


def test_prior_penalty_out_of_the_window_or_other_party_or_no_penalty(pworld):
    p = pworld
    decided_case(p.culture, D(2023, 5, 1), party=PARTY)  # more than 2 years before
    decided_case(p.culture, D(2025, 1, 1), party="另一家商贸有限公司")
    decided_case(p.culture, D(2025, 1, 2), party=PARTY, kind="no_penalty")
    # Same name but a different credit code: another party.
    decided_case(p.culture, D(2025, 1, 3), party=PARTY, uscc="91110112MA01AAAA1A")
    case = mark_case(p.amr, D(2025, 6, 1))
    respondent(case, "北京示例商贸有限公司", "91110112MA01BBBB1B")
    case.parties.filter(uscc="").delete()
    assert thresholds.evaluate(case)[1] == []


def test_two_marks_meet_both_versions(pworld):
    p = pworld
    old = mark_case(p.amr, D(2024, 6, 1), marks=2)
    new = mark_case(p.agri, D(2025, 6, 1), marks=2, party="别的公司")
    assert [m["rule_set"] for m in thresholds.evaluate(old)[1]] == ["spp-mps-2010"]
    assert [(m["rule_set"], m["condition"]) for m in thresholds.evaluate(new)[1]] == [
        ("spc-spp-2025-5", "two_or_more_marks")
    ]
    assert transfers.propose_if_over(p.mia, old).rule_set.code == "spp-mps-2010"
    assert transfers.propose_if_over(p.ada, new).rule_set.code == "spc-spp-2025-5"


def test_withdrawn_proposal_is_not_repeated_for_the_same_values(pworld):
    p = pworld
    case = mark_case(p.amr, D(2025, 6, 1), marks=2)
    transfer = transfers.propose_if_over(p.mia, case)
    transfers.withdraw(p.hank, transfer, "金额待核实")
    assert transfers.propose_if_over(p.mia, case) is None
    case.business_amount = Decimal("90000")
    case.save()
    again = transfers.propose_if_over(p.mia, case)
    assert again is not None and again.pk != transfer.pk


def test_no_police_agency_no_proposal(pworld):
    from ipcity.protection.models import Agency

    Agency.objects.filter(kind="police").delete()
    case = mark_case(pworld.amr, D(2025, 6, 1), marks=2)
    assert thresholds.evaluate(case)[1]
    assert transfers.propose_if_over(pworld.mia, case) is None
