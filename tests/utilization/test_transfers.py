"""Transactions: source flags, derivation from the registry's legal events without double
counting, undated events, and the statistics agreeing with the list they link to.

Derivation tests use holders as the registry shows them: the current holder of a patent is the
assignee of its last transfer (a licence leaves the holder as it was).
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict

from ipcity.core.models import Job
from ipcity.rights.models import LegalEvent
from ipcity.rights.signals import send_patents_changed
from ipcity.utilization import deals
from ipcity.utilization.filters.transfers import TransactionFilterSet
from ipcity.utilization.models import Transaction
from ipcity.utilization.models.transfers import DismissedEvent, TransactionEvent
from ipcity.utilization.parties import in_district

from ..factories import make_org
from ..rights.registry_builders import make_event, make_patent

D = datetime.date

pytestmark = pytest.mark.django_db


def deal(assignor, assignee, patents=(), user=None, **fields):
    """A hand-entered transaction (platform-recorded unless `user` is given)."""
    fields.setdefault("kind", "assignment")
    fields.setdefault("contract_date", D(2023, 3, 1))
    return deals.record_transaction(
        user, assignor=assignor, assignee=assignee, patents=list(patents), **fields
    )


# -- flags -------------------------------------------------------------------------------------


def test_a_university_assigning_to_a_district_enterprise_is_flagged(uworld):
    t = deal(uworld.university, uworld.enterprise_a, [make_patent()])
    assert (t.from_university, t.from_outside, t.year) == (True, False, 2023)
    reasons = {r["flag"]: r for r in deals.flag_reasons(t)}
    assert reasons["from_university"]["set"]
    assert "is a university or research institute" in reasons["from_university"]["reason"]
    assert uworld.enterprise_a.name in reasons["from_university"]["reason"]
    assert "in the district" in reasons["from_university"]["reason"]


def test_rights_bought_from_outside_the_district_are_flagged(uworld):
    assert in_district(uworld.outside) is False  # recorded in 南通市通州区
    t = deal(uworld.outside, uworld.enterprise_a, [make_patent()])
    assert (t.from_university, t.from_outside) == (False, True)
    reason = {r["flag"]: r for r in deals.flag_reasons(t)}["from_outside"]["reason"]
    assert "outside the district (registered region 南通市通州区" in reason
    # The other way round is not an acquisition by the district.
    back = deal(uworld.enterprise_a, uworld.outside, [make_patent()])
    assert (back.from_university, back.from_outside) == (False, False)


def test_a_party_of_unknown_location_sets_no_flag_and_says_why(uworld):
    nowhere = make_org("示例无地址科技有限公司")
    assert in_district(nowhere) is None
    t = deal(nowhere, uworld.enterprise_a, [make_patent()])
    assert t.from_outside is False
    reason = {r["flag"]: r for r in deals.flag_reasons(t)}["from_outside"]["reason"]
    assert "of unknown location" in reason
    # A university whose assignee is not placed in the district is not flagged either.
    t = deal(uworld.university, nowhere, [make_patent()])
    assert t.from_university is False
    # A typed name without an organization: unknown, never guessed.
    t = deal(None, uworld.enterprise_a, [make_patent()], assignor_name="某外地公司")
    assert (t.assignor, t.from_outside) == (None, False)


def test_a_person_decision_on_the_review_list_places_a_party(uworld):
    from ipcity.rights.models import HolderAttribution

    nowhere = make_org("示例待定科技有限公司")
    HolderAttribution.objects.create(organization=nowhere, attribution="outside")
    t = deal(nowhere, uworld.enterprise_a, [make_patent()])
    assert t.from_outside is True


def test_the_city_the_district_belongs_to_does_not_place_a_party_outside(uworld):
    from ..factories import make_region

    city = make_region("110100", "北京市市辖区", "city")
    org = make_org("示例市级登记有限公司", region=city)
    assert in_district(org) is None


def test_recording_checks_its_input_and_writes_nothing_when_wrong(uworld):
    patent = make_patent()
    with pytest.raises(ValidationError) as err:
        deal(uworld.enterprise_a, None, [patent], contract_date=None, amount=Decimal("-1"))
    assert {"assignee", "contract_date", "amount"} <= set(err.value.message_dict)
    deal(uworld.enterprise_a, uworld.enterprise_b, [patent], registration_number="2023110000001")
    with pytest.raises(ValidationError) as err:
        deal(
            uworld.enterprise_a, uworld.enterprise_b, [patent], registration_number="2023110000001"
        )
    assert "registration_number" in err.value.message_dict
    assert Transaction.objects.count() == 1


def test_recording_outside_ones_scope_is_refused_and_rolled_back(uworld):
    patent = make_patent()
    with pytest.raises(PermissionDenied):
        deal(uworld.university, uworld.enterprise_b, [patent], user=uworld.erin)
    assert not Transaction.objects.exists()
    with pytest.raises(PermissionDenied):
        deal(uworld.enterprise_a, uworld.enterprise_b, [patent], user=uworld.leo)
    t = deal(uworld.enterprise_a, uworld.enterprise_b, [patent], user=uworld.erin)
    assert t.history.get().history_user == uworld.erin


def test_rights_are_checked_against_the_registry():
    patent = make_patent(application_number="201710117081.7")
    patents, marks = deals.resolve_rights("ZL201710117081.7; CN 2017101170817", "")
    assert patents == [patent] and marks == []
    with pytest.raises(ValidationError) as err:
        deals.resolve_rights("201710117081.7；202010999999.1；abc", "12345")
    messages = err.value.message_dict
    assert any("202010999999.1" in m for m in messages["patents"])
    assert any("abc" in m for m in messages["patents"])
    assert any("12345" in m for m in messages["trademarks"])


def test_typed_party_names_are_matched_by_exact_name_or_credit_code(uworld):
    org, name = deals.resolve_party(None, " 示例甲科技有限公司 ")
    assert org == uworld.enterprise_a and name == "示例甲科技有限公司"
    org, name = deals.resolve_party(None, "91110112MA01ABCD1X")
    assert org == uworld.enterprise_a
    org, name = deals.resolve_party(None, "示例甲科技")
    assert org is None and name == "示例甲科技"
    make_org("示例同名有限公司")
    make_org("示例同名有限公司")
    assert deals.resolve_party(None, "示例同名有限公司")[0] is None


def test_licence_kinds_are_read_from_the_event_text():
    assert deals.licence_kind("许可类型：独占许可") == "exclusive"
    assert deals.licence_kind("排他实施许可") == "sole"
    assert deals.licence_kind("non-exclusive licence") == "ordinary"
    assert deals.licence_kind("许可次数 1") is None
    # "Not exclusive" is an ordinary licence, not an exclusive one.
    assert deals.licence_kind("许可类型：非独占许可") == "ordinary"
    assert deals.licence_kind("非排他实施许可") == "ordinary"


def test_deals_require_a_right_and_dates_from_1985(uworld):
    with pytest.raises(ValidationError) as err:
        deal(uworld.enterprise_a, uworld.enterprise_b, [])
    assert "patents" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        deal(
            uworld.enterprise_a,
            uworld.enterprise_b,
            [make_patent()],
            contract_date=D(1984, 12, 31),
            end_date=D(2101, 1, 1),
        )
    assert {"contract_date", "end_date"} <= set(err.value.message_dict)
    t = deal(uworld.enterprise_a, uworld.enterprise_b, [make_patent()])
    with pytest.raises(ValidationError) as err:
        deals.update_transaction(uworld.alice, t, registration_date=D(1900, 1, 1))
    assert "registration_date" in err.value.message_dict
    with pytest.raises(ValidationError):
        deals.update_transaction(uworld.alice, t, patents=[], trademarks=[])
    assert not Transaction.objects.exclude(pk=t.pk).exists()
    t.refresh_from_db()
    assert t.registration_date is None and t.patents.count() == 1
    # The statistics never ask for a year before 1985.
    assert deals.stats([1970, 1984, 1985], uworld.alice)["years"] == [1985]


# -- derivation --------------------------------------------------------------------------------


def test_derivation_creates_one_transaction_per_dated_event_and_is_idempotent(uworld):
    # The university licenses its patent (it stays the holder) to enterprise A.
    licensed = make_patent(holders=[uworld.university])
    make_event(
        licensed,
        "licence",
        D(2022, 5, 10),
        counterparty=uworld.enterprise_a.name,
        detail="许可类型：独占许可",
    )
    # B bought a patent in 2021 and sold it to A in 2022: A holds it now.
    sold = make_patent(holders=[uworld.enterprise_a])
    make_event(sold, "transfer", D(2021, 3, 1), counterparty=uworld.enterprise_b.name)
    make_event(sold, "transfer", D(2022, 6, 1), counterparty=uworld.enterprise_a.name)
    make_event(sold, "pledge", D(2023, 8, 1), counterparty="示例银行")

    result = deals.derive_from_legal_events()
    assert (result["events"], result["created"], result["linked"]) == (3, 3, 0)
    again = deals.derive_from_legal_events()
    assert (again["created"], again["linked"], again["already_linked"]) == (0, 0, 3)
    assert Transaction.objects.count() == 3

    licence = Transaction.objects.get(patents=licensed)
    assert licence.origin == "legal_event" and licence.kind == "exclusive"
    assert (licence.assignor, licence.assignee) == (uworld.university, uworld.enterprise_a)
    assert licence.registration_date == D(2022, 5, 10) and licence.year == 2022
    assert licence.from_university is True
    first, second = Transaction.objects.filter(patents=sold).order_by("registration_date")
    # Nobody knows who held it before the first transfer: A holds it now, after the second.
    assert (first.assignor, first.assignor_name, first.assignee) == (
        None,
        "",
        uworld.enterprise_b,
    )
    assert (second.assignor, second.assignee) == (uworld.enterprise_b, uworld.enterprise_a)


def test_the_assignor_is_the_holder_before_or_stays_unknown(uworld):
    # A licence before a transfer: the holder then was not the one now (A) and no earlier
    # transfer says who it was.
    moved = make_patent(holders=[uworld.enterprise_a])
    make_event(moved, "licence", D(2021, 1, 1), counterparty="示例早期被许可公司")
    make_event(moved, "transfer", D(2022, 1, 1), counterparty=uworld.enterprise_a.name)
    # A licence after a transfer: the licensor is the one the transfer went to (the holder).
    later = make_patent(holders=[uworld.enterprise_b])
    make_event(later, "transfer", D(2020, 1, 1), counterparty=uworld.enterprise_b.name)
    make_event(later, "licence", D(2021, 6, 1), counterparty="示例被许可公司")
    # A transfer to the only recorded holder, with nothing before it: unknown.
    alone = make_patent(holders=[uworld.enterprise_a])
    make_event(alone, "transfer", D(2022, 6, 1), counterparty=uworld.enterprise_a.name)
    # No holder link, only the names as recorded: matched to the organization by name.
    named = make_patent(holder_names=uworld.enterprise_b.name)
    make_event(named, "licence", D(2022, 7, 1), counterparty="示例新被许可人")

    deals.derive_from_legal_events()
    early = Transaction.objects.get(patents=moved, kind="ordinary")
    assert (early.assignor, early.assignor_name) == (None, "")
    bought = Transaction.objects.get(patents=moved, kind="assignment")
    assert (bought.assignor, bought.assignee) == (None, uworld.enterprise_a)
    licence = Transaction.objects.get(patents=later, kind="ordinary")
    assert licence.assignor == uworld.enterprise_b
    unknown = Transaction.objects.get(patents=alone)
    assert (unknown.assignor, unknown.assignor_name) == (None, "")
    assert "(unknown)" in str(unknown)
    by_name = Transaction.objects.get(patents=named)
    assert by_name.assignor == uworld.enterprise_b
    assert by_name.assignor_name == uworld.enterprise_b.name


def test_one_deal_over_several_patents_is_one_transaction(uworld):
    # B sold two patents to A in one contract: the registry records a transfer on each.
    patents = [make_patent(holders=[uworld.enterprise_a]) for _ in range(2)]
    for patent in patents:
        make_event(patent, "transfer", D(2020, 1, 1), counterparty=uworld.enterprise_b.name)
        make_event(patent, "transfer", D(2023, 5, 5), counterparty=uworld.enterprise_a.name)
    result = deals.derive_from_legal_events()
    assert (result["events"], result["created"]) == (4, 2)
    sale = Transaction.objects.get(year=2023)
    assert set(sale.patents.all()) == set(patents)
    assert sale.legal_events.count() == 2
    assert (sale.assignor, sale.assignee) == (uworld.enterprise_b, uworld.enterprise_a)
    assert deals.derive_from_legal_events()["created"] == 0
    assert Transaction.objects.filter(year=2023).count() == 1


def test_a_deal_s_further_patents_join_it_in_a_later_run(uworld):
    first, second = (make_patent(holders=[uworld.enterprise_b]) for _ in range(2))
    make_event(first, "licence", D(2023, 5, 5), counterparty="示例被许可公司", detail="普通许可")
    assert deals.derive_from_legal_events(None, [first.pk])["created"] == 1
    make_event(second, "licence", D(2023, 5, 5), counterparty="示例被许可公司", detail="普通许可")
    result = deals.derive_from_legal_events(None, [second.pk])
    assert (result["created"], result["linked"]) == (0, 1)
    licence = Transaction.objects.get()
    assert set(licence.patents.all()) == {first, second}
    assert licence.legal_events.count() == 2


def test_a_hand_entered_transaction_is_linked_to_its_event_not_counted_twice(uworld):
    patent = make_patent(holders=[uworld.enterprise_a])
    manual = deal(uworld.enterprise_b, uworld.enterprise_a, [patent], contract_date=D(2023, 3, 1))
    event = make_event(patent, "transfer", D(2023, 3, 20), counterparty="示例甲科技有限公司")

    result = deals.derive_from_legal_events()
    assert (result["created"], result["linked"]) == (0, 1)
    assert Transaction.objects.count() == 1
    manual.refresh_from_db()
    assert list(manual.legal_events.all()) == [event] and manual.origin == "manual"
    assert deals.derive_from_legal_events()["created"] == 0
    assert Transaction.objects.count() == 1


def test_a_recorded_deal_over_several_patents_takes_the_event_of_each(uworld):
    patents = [make_patent(holders=[uworld.enterprise_a]) for _ in range(3)]
    manual = deal(uworld.enterprise_b, uworld.enterprise_a, patents, contract_date=D(2023, 3, 1))
    # The registry publishes the transfers on two of them now and on the third later.
    for patent in patents[:2]:
        make_event(patent, "transfer", D(2023, 3, 10), counterparty=uworld.enterprise_a.name)
    assert deals.derive_from_legal_events()["linked"] == 2
    make_event(patents[2], "transfer", D(2023, 3, 12), counterparty=uworld.enterprise_a.name)
    result = deals.derive_from_legal_events()
    assert (result["created"], result["linked"]) == (0, 1)
    assert Transaction.objects.get() == manual and manual.legal_events.count() == 3


def test_an_event_matches_a_recorded_licence_by_its_registration_number(uworld):
    patent = make_patent(holders=[uworld.enterprise_b])
    manual = deal(
        uworld.enterprise_b,
        None,
        [patent],
        kind="ordinary",
        assignee_name="另一种写法的被许可人",
        registration_number="2023110000123",
        contract_date=D(2022, 1, 5),
        registration_date=D(2023, 8, 20),
    )
    make_event(
        patent,
        "licence",
        D(2023, 9, 1),
        counterparty="示例甲科技有限公司",
        detail="备案号 2023110000123",
    )
    assert deals.derive_from_legal_events()["linked"] == 1
    assert manual.legal_events.count() == 1 and Transaction.objects.count() == 1


def test_a_short_or_partial_registration_number_matches_nothing(uworld):
    patent = make_patent(holders=[uworld.enterprise_b])
    short = deal(
        uworld.enterprise_b,
        None,
        [patent],
        kind="ordinary",
        assignee_name="某被许可人",
        registration_number="12",
        contract_date=D(2023, 3, 1),
    )
    make_event(
        patent,
        "licence",
        D(2023, 3, 5),
        counterparty="示例甲科技有限公司",
        detail="备案号 2023120000456",
    )
    # A whole number, but a year away from the licence recorded with it.
    other = make_patent(holders=[uworld.enterprise_b])
    far = deal(
        uworld.enterprise_b,
        None,
        [other],
        kind="ordinary",
        assignee_name="某被许可人",
        registration_number="2022110000789",
        contract_date=D(2022, 1, 5),
    )
    make_event(other, "licence", D(2023, 1, 20), counterparty="示例乙", detail="2022110000789")
    result = deals.derive_from_legal_events()
    assert (result["created"], result["linked"]) == (2, 0)
    assert not short.legal_events.exists() and not far.legal_events.exists()


def test_events_that_do_not_describe_a_recorded_transaction_are_counted_on_their_own(uworld):
    patent = make_patent(holders=[uworld.enterprise_a])
    deal(uworld.enterprise_b, uworld.enterprise_a, [patent], contract_date=D(2023, 3, 1))
    # 40 days later: outside the window.
    make_event(patent, "transfer", D(2023, 4, 10), counterparty="示例甲科技有限公司")
    # Same dates but a licence event: another kind family.
    make_event(patent, "licence", D(2023, 3, 5), counterparty="示例甲科技有限公司")
    result = deals.derive_from_legal_events()
    assert (result["created"], result["linked"]) == (2, 0)
    assert Transaction.objects.count() == 3


def test_undated_events_are_reported_and_never_counted(uworld):
    patent = make_patent(holders=[uworld.enterprise_b])
    undated = make_event(patent, "transfer", None, counterparty="示例甲科技有限公司")
    make_event(patent, "licence", D(2024, 2, 2), counterparty="示例乙")
    result = deals.derive_from_legal_events()
    assert (result["created"], result["undated"]) == (1, 1)
    assert list(deals.undated_events()) == [undated]
    assert not Transaction.objects.filter(legal_events=undated).exists()


def test_an_event_standing_for_several_transfers_stays_until_all_are_recorded(uworld):
    patent = make_patent(holders=[uworld.enterprise_a])
    event = make_event(patent, "transfer", None, counterparty="", detail="转让次数 2")
    assert deals.event_count(event) == 2 and deals.shares_left(event) == 2
    deals.record_transaction(
        uworld.alice,
        kind="assignment",
        assignor_name="示例原权利人",
        assignee=uworld.enterprise_b,
        patents=[patent],
        contract_date=D(2019, 1, 1),
        legal_event=event,
    )
    assert list(deals.undated_events()) == [event] and deals.shares_left(event) == 1
    deals.record_transaction(
        uworld.alice,
        kind="assignment",
        assignor=uworld.enterprise_b,
        assignee=uworld.enterprise_a,
        patents=[patent],
        contract_date=D(2021, 1, 1),
        legal_event=event,
    )
    assert not deals.undated_events().exists()
    with pytest.raises(ValidationError) as err:
        deals.record_transaction(
            uworld.alice,
            kind="assignment",
            assignor=uworld.enterprise_a,
            assignee_name="示例第三家",
            patents=[patent],
            contract_date=D(2023, 1, 1),
            legal_event=event,
        )
    assert "already linked to as many transactions" in str(err.value)
    assert sorted(TransactionEvent.objects.values_list("share", flat=True)) == [1, 2]


def test_a_link_that_breaks_a_constraint_is_a_validation_error_not_a_crash(uworld):
    patent = make_patent(holders=[uworld.enterprise_a])
    event = make_event(patent, "transfer", None, counterparty="", detail="转让次数 2")
    with pytest.raises(ValidationError):
        # The same event twice on one transaction: the database refuses the second link.
        deals._create(
            None,
            None,
            kind="assignment",
            assignor_name="示例原权利人",
            assignee=uworld.enterprise_a,
            patents=[patent],
            contract_date=D(2021, 1, 1),
            legal_events=[event, event],
            origin="manual",
        )
    assert not Transaction.objects.exists() and not TransactionEvent.objects.exists()


# -- the same transaction recorded twice ------------------------------------------------------


@pytest.fixture
def derived(uworld):
    """A transfer from B to A that the derivation counted from the registry."""
    patent = make_patent(holders=[uworld.enterprise_a])
    make_event(patent, "transfer", D(2020, 1, 1), counterparty=uworld.enterprise_b.name)
    make_event(patent, "transfer", D(2023, 3, 20), counterparty=uworld.enterprise_a.name)
    deals.derive_from_legal_events()
    return Transaction.objects.get(year=2023)


def test_recording_a_derived_transaction_again_is_refused_with_a_link(uworld, derived):
    patent = derived.patents.get()
    for user, origin in ((uworld.erin, "manual"), (None, "marketplace"), (uworld.alice, "import")):
        with pytest.raises(deals.DuplicateTransaction) as err:
            deal(
                uworld.enterprise_b,
                uworld.enterprise_a,
                [patent],
                user=user,
                origin=origin,
                contract_date=D(2023, 3, 1),
                amount=Decimal("10"),
            )
        assert err.value.existing == derived
        assert derived.get_absolute_url() in err.value.messages[0]
    # The same assignee named as written, not picked, is the same transaction.
    with pytest.raises(deals.DuplicateTransaction):
        deal(None, None, [patent], assignor_name="乙", assignee_name=uworld.enterprise_a.name)
    # Another kind family, or outside the window, is another transaction.
    deal(uworld.enterprise_a, uworld.enterprise_b, [patent], kind="ordinary")
    deal(uworld.enterprise_b, uworld.enterprise_a, [patent], contract_date=D(2023, 6, 1))
    assert Transaction.objects.count() == 4


def test_a_duplicate_the_user_cannot_open_is_refused_without_a_link(uworld):
    """The registry's licence was counted with its licensor unknown, so Erin (the licensor)
    cannot open it: recording it again is refused, and she is told so without a link."""
    patent = make_patent(holders=[uworld.enterprise_a])
    make_event(patent, "licence", D(2023, 5, 5), counterparty="示例外地被许可公司")
    deals.derive_from_legal_events()
    hidden = Transaction.objects.get(patents=patent)
    hidden.assignor = None
    hidden.save()
    with pytest.raises(deals.DuplicateTransaction) as err:
        deal(
            uworld.enterprise_a,
            None,
            [patent],
            user=uworld.erin,
            kind="exclusive",
            assignee_name="示例外地被许可公司",
            contract_date=D(2023, 5, 1),
        )
    assert err.value.visible is False
    assert hidden.get_absolute_url() not in err.value.messages[0]


# -- who links legal events --------------------------------------------------------------------


def test_only_the_office_links_a_transaction_to_a_matching_event(uworld):
    patent, other = make_patent(holders=[uworld.enterprise_a]), make_patent()
    event = make_event(other, "transfer", None, counterparty=uworld.enterprise_a.name)
    licence = make_event(patent, "licence", None, counterparty=uworld.enterprise_a.name)
    fields = {
        "kind": "assignment",
        "assignor": uworld.enterprise_b,
        "assignee": uworld.enterprise_a,
        "patents": [patent],
        "contract_date": D(2022, 1, 1),
    }
    # An event of another patent, or of another kind family, is not this transaction's.
    for wrong in (event, licence):
        with pytest.raises(ValidationError) as err:
            deals.record_transaction(uworld.alice, legal_event=wrong, **fields)
        assert "legal_event" in err.value.message_dict
    # A party may record the transaction but not link it to the registry.
    with pytest.raises(PermissionDenied):
        deals.record_transaction(
            uworld.erin, legal_event=make_event(patent, "transfer", None), **fields
        )
    t = deals.record_transaction(uworld.erin, **fields)
    mine = make_event(patent, "transfer", None, counterparty=uworld.enterprise_a.name)
    with pytest.raises(PermissionDenied):
        deals.link_event(uworld.erin, t, mine)
    with pytest.raises(ValidationError):
        deals.link_event(uworld.alice, t, event)
    deals.link_event(uworld.alice, t, mine)
    assert list(t.legal_events.all()) == [mine]
    with pytest.raises(PermissionDenied):
        deals.unlink_event(uworld.erin, t, mine)
    # A party may not take the event's patent off, nor change the kind family.
    with pytest.raises(ValidationError):
        deals.update_transaction(uworld.erin, t, patents=[other])
    with pytest.raises(ValidationError):
        deals.update_transaction(uworld.erin, t, kind="ordinary")
    assert t.legal_events.get() == mine and t.patents.get() == patent


def test_a_deleted_derived_transaction_is_not_derived_again(uworld, derived):
    event = derived.legal_events.get()
    deals.delete_transaction(uworld.alice, derived)
    assert DismissedEvent.objects.get().legal_event == event
    result = deals.derive_from_legal_events()
    assert (result["created"], result["linked"], result["dismissed"]) == (0, 0, 1)
    assert not Transaction.objects.filter(year=2023).exists()
    assert not deals.pending_events().exists()
    # Recording it again (the office, from the event) counts it again.
    deals.record_transaction(
        uworld.alice,
        kind="assignment",
        assignor=uworld.enterprise_b,
        assignee=uworld.enterprise_a,
        patents=[event.patent],
        registration_date=event.date,
        legal_event=event,
    )
    assert not DismissedEvent.objects.exists()


def test_an_unlinked_event_is_not_linked_back_nor_counted_again(uworld):
    patent = make_patent(holders=[uworld.enterprise_a])
    manual = deal(uworld.enterprise_b, uworld.enterprise_a, [patent], contract_date=D(2023, 3, 1))
    event = make_event(patent, "transfer", D(2023, 3, 10), counterparty=uworld.enterprise_a.name)
    deals.derive_from_legal_events()
    assert manual.legal_events.get() == event
    with pytest.raises(PermissionDenied):
        deals.unlink_event(uworld.erin, manual, event)
    deals.unlink_event(uworld.alice, manual, event)
    assert not manual.legal_events.exists()
    result = deals.derive_from_legal_events()
    assert (result["created"], result["linked"], result["dismissed"]) == (0, 0, 1)
    assert not manual.legal_events.exists() and Transaction.objects.count() == 1


def test_a_derived_transaction_keeps_its_last_event(uworld, derived):
    event = derived.legal_events.get()
    with pytest.raises(ValidationError) as err:
        deals.unlink_event(uworld.alice, derived, event)
    assert "delete the transaction instead" in str(err.value)
    assert derived.legal_events.get() == event


def test_only_the_office_derives(uworld):
    make_event(make_patent(), "transfer", D(2022, 1, 1), counterparty="x")
    for user in (uworld.erin, uworld.leo, uworld.bob):
        with pytest.raises(PermissionDenied):
            deals.derive_from_legal_events(user)
        assert not deals.may_derive(user)
    assert deals.may_derive(uworld.alice)
    assert deals.derive_from_legal_events(uworld.alice)["created"] == 1
    assert Transaction.objects.get().history.get().history_user == uworld.alice


def test_changed_patents_queue_the_derivation(uworld, django_capture_on_commit_callbacks):
    patent = make_patent(holders=[uworld.enterprise_a])
    make_event(patent, "transfer", D(2024, 4, 4), counterparty=uworld.enterprise_a.name)
    other = make_patent()
    with django_capture_on_commit_callbacks(execute=True):
        send_patents_changed([other.pk], uworld.alice)
    assert not Job.objects.exists()  # nothing to derive for that patent
    with django_capture_on_commit_callbacks(execute=True):
        send_patents_changed([patent.pk], uworld.alice)
    job = Job.objects.get(kind=deals.DERIVE_JOB)
    assert job.status == "succeeded", job.message
    assert job.result["created"] == 1 and job.params["patent_ids"] == [patent.pk]
    assert Transaction.objects.get().legal_events.get().patent == patent
    # After an import (patent_ids None) the whole registry is looked at; nothing new now.
    make_event(make_patent(), "licence", D(2024, 5, 5), counterparty="示例乙制造有限公司")
    with django_capture_on_commit_callbacks(execute=True):
        send_patents_changed(None)
    assert Transaction.objects.count() == 2
    assert LegalEvent.objects.filter(transaction_links__isnull=True).count() == 0


# -- parties -----------------------------------------------------------------------------------


def test_typed_names_link_only_to_organizations_the_user_may_view(uworld):
    uni = uworld.university
    uni.uscc = "12110112MB0000000X"
    uni.save()
    # Erin sees only her own enterprise: the university stays a name, even by its credit code.
    assert deals.resolve_party(None, uni.name, user=uworld.erin) == (None, uni.name)
    assert deals.resolve_party(None, uni.uscc, user=uworld.erin) == (None, uni.uscc)
    assert deals.resolve_party(None, uworld.enterprise_a.name, user=uworld.erin)[0] == (
        uworld.enterprise_a
    )
    # The office and the leader see the whole district.
    assert deals.resolve_party(None, uni.uscc, user=uworld.alice)[0] == uni
    assert deals.resolve_party(None, uni.name, user=uworld.leo)[0] == uni
    t = deal(None, uworld.enterprise_a, [make_patent()], user=uworld.erin, assignor_name=uni.name)
    assert (t.assignor, t.assignor_name, t.from_university) == (None, uni.name, False)


def test_flags_follow_changes_of_a_party_record(uworld):
    from ipcity.rights.models import HolderAttribution

    nowhere = make_org("示例待定科技有限公司")
    bought = deal(nowhere, uworld.enterprise_a, [make_patent()])
    licensed = deal(uworld.university, uworld.enterprise_a, [make_patent()], kind="ordinary")
    assert (bought.from_outside, licensed.from_university) == (False, True)
    decision = HolderAttribution.objects.create(organization=nowhere, attribution="outside")
    bought.refresh_from_db()
    assert bought.from_outside is True
    decision.delete()
    bought.refresh_from_db()
    assert bought.from_outside is False
    nowhere.region = uworld.outside_region
    nowhere.save()
    bought.refresh_from_db()
    assert bought.from_outside is True
    uworld.university.kind = "enterprise"
    uworld.university.save()
    licensed.refresh_from_db()
    assert licensed.from_university is False
    assert deals.refresh_flags([uworld.university.pk, nowhere.pk]) == 0  # nothing stale


# -- statistics --------------------------------------------------------------------------------


def _list_count(params, user) -> int:
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data[key] = str(value)
    qs = Transaction.objects.restrict(user, "view")
    return TransactionFilterSet(data, queryset=qs).qs.count()


@pytest.fixture
def assorted(uworld):
    p = [make_patent() for _ in range(6)]
    deal(
        uworld.university,
        uworld.enterprise_a,
        [p[0]],
        registration_date=D(2022, 2, 1),
        amount=Decimal("120.50"),
    )
    deal(
        uworld.outside,
        uworld.enterprise_a,
        [p[1]],
        contract_date=D(2023, 6, 1),
        amount=Decimal("30"),
    )
    deal(
        uworld.enterprise_a,
        uworld.enterprise_b,
        [p[2], p[3]],
        kind="exclusive",
        contract_date=D(2023, 7, 1),
        origin="import",
        amount=Decimal("8.25"),
    )
    deal(uworld.enterprise_b, uworld.outside, [p[4]], kind="open", contract_date=D(2024, 1, 1))
    make_event(p[5], "transfer", D(2024, 3, 3), counterparty=uworld.enterprise_b.name)
    deals.derive_from_legal_events()
    deal(uworld.enterprise_b, uworld.enterprise_a, [p[5]], contract_date=D(2019, 1, 1))
    return p


def test_stats_count_and_sum_per_year_kind_and_source(uworld, assorted):
    data = deals.stats([2022, 2023, 2024], uworld.alice)
    cells = {(r["year"], c["key"]): c for r in data["rows"] for c in r["cells"]}
    assert cells[(2022, "all")]["count"] == 1 and cells[(2022, "all")]["amount"] == Decimal("120.5")
    assert cells[(2023, "all")]["count"] == 2
    assert cells[(2023, "all")]["amount"] == Decimal("38.25")
    assert cells[(2023, "kind_exclusive")]["count"] == 1
    assert cells[(2023, "origin_import")]["count"] == 1
    assert cells[(2022, "from_university")]["count"] == 1
    assert cells[(2023, "from_outside")]["count"] == 1
    assert cells[(2024, "origin_legal_event")]["count"] == 1
    total = {c["key"]: c for c in data["total"]["cells"]}
    assert total["all"]["count"] == 5  # 2019 is not among the years asked for
    assert total["all"]["params"] == {"year_min": 2022, "year_max": 2024}


@pytest.mark.parametrize("persona", ["alice", "erin", "charlie", "leo"])
def test_every_figure_equals_the_count_of_the_list_it_links_to(uworld, assorted, persona):
    user = getattr(uworld, persona)
    data = deals.stats(range(2020, 2026), user)
    checked = 0
    for row in [*data["rows"], data["total"]]:
        for cell in row["cells"]:
            assert _list_count(cell["params"], user) == cell["count"], cell
            checked += 1
    assert checked == 6 * 12 + 12
    everything = {c["key"]: c["count"] for c in data["total"]["cells"]}["all"]
    expected = {"alice": 5, "leo": 5, "erin": 3, "charlie": 3}[persona]
    assert everything == expected


def test_reasons_say_when_the_parties_changed_since_saving(uworld):
    from ipcity.orgs.models import Organization

    t = deal(uworld.university, uworld.enterprise_a, [make_patent()])
    # Changed behind the platform's back (no save, so no refresh of the flags).
    Organization.objects.filter(pk=uworld.university.pk).update(kind="enterprise")
    t.refresh_from_db()
    reason = deals.flag_reasons(t)[0]
    assert reason["set"] and "records changed since the transaction was saved" in reason["reason"]
    deals.update_transaction(uworld.alice, t, notes="again")
    assert t.from_university is False


def test_an_assignment_refuses_a_licence_term_in_record_and_update(uworld):
    with pytest.raises(ValidationError) as exc:
        deals.record_transaction(
            uworld.alice,
            kind="assignment",
            assignor=uworld.university,
            assignee=uworld.enterprise_a,
            patents=[make_patent()],
            contract_date=datetime.date(2024, 1, 1),
            end_date=datetime.date(2026, 1, 1),
        )
    assert "no licence term" in str(exc.value.message_dict["end_date"])
    licence = deals.record_transaction(
        uworld.alice,
        kind="ordinary",
        assignor=uworld.university,
        assignee=uworld.enterprise_a,
        patents=[make_patent()],
        contract_date=datetime.date(2024, 1, 1),
        start_date=datetime.date(2024, 1, 1),
    )
    with pytest.raises(ValidationError) as exc:
        deals.update_transaction(uworld.alice, licence, kind="assignment")
    assert "start_date" in exc.value.message_dict
    deals.update_transaction(uworld.alice, licence, kind="assignment", start_date=None)
    licence.refresh_from_db()
    assert licence.kind == "assignment" and licence.start_date is None
