"""Repeat infringement detection: the same party across agencies (credit code, normalized name
with its variants), the same right after an effective decision, trademark penalties within 5
years, IP penalties within 2 years; nothing for a decision taken after the case."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ipcity.protection import repeats
from ipcity.protection.choices import CaseStatus, DecisionKind, RelationReason, RightType
from ipcity.protection.models import CaseRelation

from .conftest import make_case
from .test_transfers_builders import USCC, D, decided_case, respondent, right

pytestmark = pytest.mark.django_db


def reasons(case):
    return sorted((r.earlier_id, r.reason) for r in CaseRelation.objects.filter(case=case))


def test_name_variants_match_across_agencies(pworld):
    p = pworld
    earlier = decided_case(p.culture, D(2025, 1, 10), party="北京示例商贸有限责任公司")
    right(earlier, "12345678")
    case = make_case(p.amr, opened_on=D(2026, 3, 2))
    respondent(case, "示例商贸（北京）有限公司")  # another name: no match
    right(case, "12345678")
    assert repeats.refresh(case) == []
    case.parties.all().delete()
    respondent(case, "示例商贸有限公司")
    rows = repeats.refresh(case)
    assert {r.reason for r in rows} == {
        RelationReason.SAME_RIGHT_AFTER_DECISION,
        RelationReason.TRADEMARK_WITHIN_5Y,
        RelationReason.PRIOR_PENALTY_2Y,
    }
    case.refresh_from_db()
    assert case.is_repeat
    assert all(r.earlier_id == earlier.pk for r in rows)
    assert earlier.number in rows[0].detail


def test_full_width_brackets_and_spaces(pworld):
    p = pworld
    earlier = decided_case(p.culture, D(2025, 1, 10), party="示例商贸(通州)有限公司")
    case = make_case(p.amr, opened_on=D(2026, 3, 2))
    respondent(case, "示例商贸（通州） 有限公司")
    assert reasons(case) == []
    repeats.refresh(case)
    assert (earlier.pk, RelationReason.TRADEMARK_WITHIN_5Y) in reasons(case)


def test_credit_code_decides_across_agencies(pworld):
    p = pworld
    by_code = decided_case(p.agri, D(2025, 2, 1), party="完全不同的名字有限公司", uscc=USCC)
    other_code = decided_case(
        p.culture, D(2025, 2, 2), party="示例商贸有限公司", uscc="91110112MA01AAAA1A"
    )
    case = make_case(p.amr, opened_on=D(2026, 3, 2), right_type=RightType.PATENT)
    respondent(case, "示例商贸有限公司", USCC.lower())
    repeats.refresh(case)
    earlier = {e for e, _r in reasons(case)}
    assert by_code.pk in earlier and other_code.pk not in earlier
    # A patent case: the trademark look-back does not apply, the 2-year penalty does.
    assert reasons(case) == [(by_code.pk, RelationReason.PRIOR_PENALTY_2Y)]
    case.refresh_from_db()
    assert not case.is_repeat


def test_same_patent_after_an_effective_order(pworld):
    p = pworld
    earlier = decided_case(
        p.amr,
        D(2018, 5, 1),
        kind=DecisionKind.ORDER_ONLY,
        party="示例甲科技有限公司",
        right_type=RightType.PATENT,
    )
    right(earlier, "ZL201710117081.7", RightType.PATENT)
    case = make_case(p.amr, opened_on=D(2026, 3, 2), right_type=RightType.PATENT)
    respondent(case, "示例甲科技有限公司")
    right(case, "zl201710117081.7", RightType.PATENT)
    repeats.refresh(case)
    # Long ago and only an order to stop: the same right still counts, nothing else does.
    assert reasons(case) == [(earlier.pk, RelationReason.SAME_RIGHT_AFTER_DECISION)]
    assert case.is_repeat


def test_no_relation_for_a_decision_after_the_case(pworld):
    p = pworld
    case = make_case(p.amr, opened_on=D(2025, 3, 2), conduct_date=D(2025, 1, 5))
    respondent(case, "示例商贸有限公司")
    right(case, "12345678")
    later = decided_case(p.culture, D(2025, 2, 1), party="示例商贸有限公司")
    right(later, "12345678")
    assert repeats.refresh(case) == []
    # Decided before the conduct: it counts.
    later.decided_on = D(2025, 1, 4)
    later.save()
    assert len(repeats.refresh(case)) == 3


def test_trademark_window_and_undecided_cases(pworld):
    p = pworld
    decided_case(p.culture, D(2020, 3, 1), party="示例商贸有限公司")  # more than 5 years before
    make_case(p.culture, opened_on=D(2025, 1, 1)).parties.create(
        role="respondent", name="示例商贸有限公司", name_key="示例商贸有限公司"
    )  # not decided
    within = decided_case(p.culture, D(2021, 3, 3), party="示例商贸有限公司")
    case = make_case(p.amr, opened_on=D(2026, 3, 2))
    respondent(case, "示例商贸有限公司")
    repeats.refresh(case)
    assert reasons(case) == [(within.pk, RelationReason.TRADEMARK_WITHIN_5Y)]


def test_hand_set_flag_is_kept(pworld):
    p = pworld
    case = make_case(p.amr, is_repeat=True, repeat_set_by_hand=True)
    respondent(case, "无关公司")
    repeats.refresh(case)
    case.refresh_from_db()
    assert case.is_repeat
    case.repeat_set_by_hand = False
    case.save()
    repeats.refresh(case)
    case.refresh_from_db()
    assert not case.is_repeat


def test_refresh_later_after_a_decision(pworld):
    p = pworld
    first = make_case(p.amr, opened_on=D(2025, 1, 2))
    respondent(first, "示例商贸有限公司")
    later = make_case(p.culture, opened_on=D(2026, 3, 2))
    respondent(later, "北京示例商贸有限责任公司")
    closed = make_case(p.agri, opened_on=D(2026, 3, 2), status=CaseStatus.CLOSED)
    respondent(closed, "示例商贸有限公司")
    first.status, first.decision_kind, first.decided_on = "decided", "penalty", D(2025, 6, 1)
    first.save()
    assert repeats.refresh_later(first) == [later]
    assert reasons(later) == [
        (first.pk, RelationReason.PRIOR_PENALTY_2Y),
        (first.pk, RelationReason.TRADEMARK_WITHIN_5Y),
    ]
    assert reasons(closed) == []


def test_queries_do_not_grow_with_candidates(pworld):
    p = pworld

    def count(n):
        for i in range(n):
            c = decided_case(p.culture, D(2025, 1, 1 + i), party="示例商贸有限公司")
            right(c, f"9{i:07d}")
        case = make_case(p.amr, opened_on=D(2026, 3, 2))
        respondent(case, "示例商贸有限公司")
        right(case, "90000000")
        with CaptureQueriesContext(connection) as ctx:
            repeats.refresh(case)
        return len(ctx.captured_queries)

    assert count(2) == count(8)
