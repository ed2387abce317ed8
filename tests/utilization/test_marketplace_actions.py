"""The marketplace's state changes (utilization.listings) and its data scope, without pages."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.utils import timezone

from ipcity.core.models import Notification
from ipcity.rights.models import PatentHolder
from ipcity.utilization import listings
from ipcity.utilization.models import ContactRequest, DemandListing, SupplyListing, Transaction

from ..factories import make_org, make_user
from .test_marketplace_builders import held_patent, make_contact, make_need, make_offer

DAY = datetime.date(2025, 2, 1)


def another_offer(world):
    patent = held_patent(world.enterprise_a, "一种图像压缩方法")
    return make_offer(world.enterprise_a, "甲的另一成果", patents=[patent])


def answered(requester, listing, about=None, **fields):
    """A request its recipient has answered: the state in which a deal is recorded."""
    return make_contact(
        requester,
        listing,
        about=about,
        status="answered",
        reply="欢迎洽谈。",
        answered_at=timezone.now(),
        **fields,
    )


@pytest.fixture
def market(world):
    patent = held_patent(world.enterprise_a)
    return {
        "patent": patent,
        "offer": make_offer(world.enterprise_a, "一种图像识别方法", patents=[patent]),
        "draft": make_offer(world.enterprise_a, "甲的草稿", status="draft"),
        "need": make_need(world.enterprise_b, "寻求图像识别技术"),
        "need_draft": make_need(world.enterprise_b, "乙的草稿需求", status="draft"),
    }


def visible(model, user, action="view"):
    return set(model.objects.restrict(user, action).values_list("title", flat=True))


def test_published_listings_are_seen_by_every_viewer_drafts_by_their_owner(world, market):
    assert visible(SupplyListing, world.erin) == {"一种图像识别方法", "甲的草稿"}
    assert visible(SupplyListing, world.charlie) == {"一种图像识别方法"}
    assert visible(DemandListing, world.erin) == {"寻求图像识别技术"}
    assert visible(DemandListing, world.charlie) == {"寻求图像识别技术", "乙的草稿需求"}
    # The leader and the office read the whole district, drafts included.
    assert visible(SupplyListing, world.leo) == {"一种图像识别方法", "甲的草稿"}
    assert visible(DemandListing, world.alice) == {"寻求图像识别技术", "乙的草稿需求"}


def test_listings_are_changed_by_their_owner_and_the_office_only(world, market):
    assert visible(SupplyListing, world.erin, "change") == {"一种图像识别方法", "甲的草稿"}
    assert visible(SupplyListing, world.charlie, "change") == set()
    assert visible(SupplyListing, world.leo, "change") == set()
    assert visible(SupplyListing, world.alice, "change") == {"一种图像识别方法", "甲的草稿"}
    with pytest.raises(PermissionDenied):
        listings.close(world.charlie, market["offer"])
    with pytest.raises(PermissionDenied):
        listings.publish(world.leo, market["draft"])
    listings.publish(world.alice, market["draft"])
    assert SupplyListing.objects.get(pk=market["draft"].pk).status == "published"


def test_contact_requests_are_seen_by_requester_and_owner(world, uworld, market):
    make_contact(world.enterprise_b, market["offer"])
    titles = {
        user.username: ContactRequest.objects.restrict(user, "view").count()
        for user in (world.erin, world.charlie, world.leo, world.alice, uworld.fiona)
    }
    assert titles == {"erin": 1, "charlie": 1, "leo": 1, "alice": 1, "fiona": 0}


def test_only_the_listing_owner_answers_or_declines(world, market):
    contact = make_contact(world.enterprise_b, market["offer"])
    with pytest.raises(PermissionDenied):
        listings.answer(world.charlie, contact, "自问自答")
    with pytest.raises(PermissionDenied):
        listings.decline(world.leo, contact)
    with pytest.raises(ValidationError):
        listings.answer(world.erin, contact, "   ")
    listings.decline(world.erin, contact, "不合适")
    with pytest.raises(ValidationError):
        listings.answer(world.erin, ContactRequest.objects.get(pk=contact.pk), "改主意了")


def test_contact_needs_an_organization_and_a_published_listing(world, market):
    from ..factories import make_user

    loner = make_user("loner", None, "enterprise_user")
    with pytest.raises(ValidationError):
        listings.contact(loner, market["offer"], "你好")
    with pytest.raises(ValidationError):
        listings.contact(world.charlie, market["draft"], "你好")
    with pytest.raises(ValidationError):
        listings.contact(world.charlie, market["offer"], "  ")
    with pytest.raises(ValidationError):  # the attached listing must be his own
        listings.contact(world.charlie, market["offer"], "你好", about=market["offer"])
    with pytest.raises(PermissionDenied):
        listings.contact(world.leo, market["offer"], "你好")
    assert not ContactRequest.objects.exists()


def test_concluding_twice_records_one_transaction(world, market):
    contact = answered(world.enterprise_b, market["offer"])
    stale = ContactRequest.objects.get(pk=contact.pk)  # a second tab showing it answered
    deal = listings.conclude(world.erin, contact, kind="exclusive", contract_date=DAY, amount=100)
    with pytest.raises(ValidationError, match="no longer open"):
        listings.conclude(world.erin, stale, kind="exclusive", contract_date=DAY)
    assert Transaction.objects.count() == 1
    contact.refresh_from_db()
    assert contact.transaction == deal and contact.status == "concluded"
    assert deal.origin == "marketplace" and deal.year == 2025
    assert list(deal.patents.all()) == [market["patent"]]  # the offer's, by default
    assert deal.history.first().history_user == world.erin
    assert contact.history.first().history_user == world.erin


@pytest.mark.parametrize("late", ["answer", "decline"])
def test_a_stale_answer_or_decline_cannot_undo_a_concluded_request(world, market, late):
    """A page opened before the deal was recorded still shows the request open: answering or
    declining from it must neither reopen the request nor unlink its transaction."""
    contact = answered(world.enterprise_b, market["offer"])
    stale = ContactRequest.objects.get(pk=contact.pk)
    deal = listings.conclude(world.erin, contact, kind="exclusive", contract_date=DAY)
    with pytest.raises(ValidationError, match="no longer open"):
        if late == "answer":
            listings.answer(world.erin, stale, "再补充一句")
        else:
            listings.decline(world.erin, stale, "算了")
    contact.refresh_from_db()
    assert (contact.status, contact.transaction) == ("concluded", deal)
    assert contact.reply == "欢迎洽谈。"
    # So it cannot be concluded a second time either.
    with pytest.raises(ValidationError):
        listings.conclude(world.erin, stale, kind="exclusive", contract_date=DAY)
    assert Transaction.objects.count() == 1


def test_a_request_with_a_transaction_is_not_concluded_again(world, market):
    contact = answered(world.enterprise_b, market["offer"])
    other = answered(world.enterprise_b, another_offer(world))
    deal = listings.conclude(world.erin, other, kind="ordinary", contract_date=DAY)
    # A request whose row links a transaction, whatever its status says.
    ContactRequest.objects.filter(pk=contact.pk).update(transaction=deal)
    contact.refresh_from_db()
    with pytest.raises(ValidationError, match="no longer open"):
        listings.conclude(world.erin, contact, kind="ordinary", contract_date=DAY)
    assert Transaction.objects.count() == 1


def test_only_the_giving_side_or_the_office_concludes_an_answered_request(world, market):
    contact = make_contact(world.enterprise_b, market["offer"], about=market["need"])
    # Unanswered: nobody records a deal yet, the offer's owner included.
    with pytest.raises(ValidationError, match="must be answered"):
        listings.conclude(world.erin, contact, kind="ordinary", contract_date=DAY)
    listings.answer(world.erin, contact, "欢迎")
    # The requester (the taking side) does not record the deal alone.
    with pytest.raises(PermissionDenied):
        listings.conclude(world.charlie, contact, kind="ordinary", contract_date=DAY)
    assert not listings.may_conclude(world.charlie, contact)
    assert listings.may_conclude(world.erin, contact)
    assert listings.may_conclude(world.alice, contact)
    contact.refresh_from_db()
    assert contact.status == "answered" and not Transaction.objects.exists()


def test_the_kind_is_one_the_offer_and_the_need_accept(world, market):
    # The offer accepts exclusive and ordinary licences, the need wants an ordinary one.
    contact = answered(world.enterprise_b, market["offer"], about=market["need"])
    assert listings.allowed_kinds(contact) == ["ordinary"]
    for kind in ("assignment", "exclusive"):
        with pytest.raises(ValidationError) as exc:
            listings.conclude(world.erin, contact, kind=kind, contract_date=DAY)
        assert "kind" in exc.value.message_dict
    contact.refresh_from_db()
    assert contact.status == "answered" and not Transaction.objects.exists()
    deal = listings.conclude(world.alice, contact, kind="ordinary", contract_date=DAY)
    assert deal.kind == "ordinary"
    # Without a need attached, the offer's kinds bound the deal.
    alone = answered(world.enterprise_b, another_offer(world))
    assert listings.allowed_kinds(alone) == ["exclusive", "ordinary"]


def test_the_assignor_must_still_hold_the_patents_when_the_deal_is_recorded(world, market):
    contact = answered(world.enterprise_b, market["offer"])
    PatentHolder.objects.filter(patent=market["patent"]).update(organization=world.enterprise_b)
    with pytest.raises(ValidationError) as exc:
        listings.conclude(world.erin, contact, kind="ordinary", contract_date=DAY)
    assert "does not hold" in " ".join(exc.value.message_dict["patents"])
    contact.refresh_from_db()
    assert contact.status == "answered" and not Transaction.objects.exists()
    # The office may override explicitly (the registry is behind); a user may not.
    with pytest.raises(ValidationError):
        listings.conclude(world.erin, contact, kind="ordinary", contract_date=DAY, any_holder=True)
    deal = listings.conclude(
        world.alice, contact, kind="ordinary", contract_date=DAY, any_holder=True
    )
    assert list(deal.patents.all()) == [market["patent"]]


def test_when_the_office_concludes_both_parties_are_told(world, market):
    contact = answered(world.enterprise_b, market["offer"], about=market["need"])
    listings.conclude(world.alice, contact, kind="ordinary", contract_date=DAY)
    link = contact.get_absolute_url()
    assert world.erin.notifications.filter(link=link).exists()
    assert world.charlie.notifications.filter(link=link).exists()
    assert not world.alice.notifications.filter(link=link).exists()
    # When a party concludes, only the other one is told.
    Notification.objects.all().delete()
    other = answered(world.enterprise_b, another_offer(world))
    listings.conclude(world.erin, other, kind="ordinary", contract_date=DAY)
    assert world.charlie.notifications.filter(link=other.get_absolute_url()).exists()
    assert not world.erin.notifications.exists()


def test_notifications_go_only_to_users_who_may_read_requests(world, market):
    clerk = make_user("clerk", world.enterprise_a)  # no role: reads no contact request
    gone = make_user("gone", world.enterprise_a, "enterprise_user", is_active=False)
    contact = listings.contact(world.charlie, market["offer"], "你好")
    link = contact.get_absolute_url()
    assert world.erin.notifications.filter(link=link).exists()
    assert not clerk.notifications.exists() and not gone.notifications.exists()


def test_a_refused_transaction_leaves_the_request_open(world, uworld, market):
    """fiona's bank may send requests but not record transactions: nothing is half-written."""
    contact = answered(uworld.bank_a, market["need"])
    with pytest.raises(PermissionDenied):
        listings.conclude(
            uworld.fiona, contact, kind="ordinary", contract_date=datetime.date(2025, 1, 1)
        )
    contact.refresh_from_db()
    assert contact.status == "answered" and not Transaction.objects.exists()


def test_a_missing_date_is_a_field_error_and_nothing_changes(world, market):
    contact = answered(world.enterprise_b, market["offer"])
    with pytest.raises(ValidationError) as exc:
        listings.conclude(world.erin, contact, kind="ordinary", contract_date=None)
    assert "contract_date" in exc.value.message_dict
    contact.refresh_from_db()
    assert contact.status == "answered" and contact.transaction is None


def test_parties_of_the_deal(world, uworld, market):
    # An offer asked about: its owner gives, the requester takes.
    on_offer = make_contact(world.enterprise_b, market["offer"])
    assert listings.parties(on_offer) == (world.enterprise_a, world.enterprise_b)
    # A need answered by a university without an offer: the university gives.
    on_need = make_contact(uworld.university, market["need"])
    assert listings.parties(on_need) == (uworld.university, world.enterprise_b)
    # A need answered with an offer attached: the offer's owner gives.
    with_offer = make_contact(world.enterprise_a, market["need"], about=market["offer"])
    assert with_offer.listing == market["need"] and with_offer.recipient == world.enterprise_b
    assert listings.parties(with_offer) == (world.enterprise_a, world.enterprise_b)


def test_deleting_only_drafts(world, market):
    with pytest.raises(ValidationError):
        listings.delete_listing(world.erin, market["offer"])
    with pytest.raises(PermissionDenied):
        listings.delete_listing(world.charlie, market["draft"])
    listings.delete_listing(world.erin, market["draft"])
    assert not SupplyListing.objects.filter(pk=market["draft"].pk).exists()


def test_only_published_listings_are_attached_to_a_request(world, market):
    with pytest.raises(ValidationError) as exc:
        listings.contact(world.erin, market["need"], "我们有成果", about=market["draft"])
    assert "about" in exc.value.message_dict
    closed = make_offer(world.enterprise_a, "甲的旧成果", status="closed")
    with pytest.raises(ValidationError):
        listings.contact(world.erin, market["need"], "我们有成果", about=closed)
    assert not ContactRequest.objects.exists()
    sent = listings.contact(world.erin, market["need"], "我们有成果", about=market["offer"])
    assert (sent.demand_listing, sent.supply_listing) == (market["need"], market["offer"])


def test_a_draft_in_a_request_is_not_deleted_and_never_takes_the_request_along(world, market):
    # A request made earlier with a listing then turned back to a draft (or an old row).
    contact = answered(world.enterprise_b, market["offer"], about=market["need_draft"])
    listings.conclude(world.erin, contact, kind="ordinary", contract_date=DAY)
    with pytest.raises(ValidationError, match="cannot be deleted"):
        listings.delete_listing(world.charlie, market["need_draft"])
    assert DemandListing.objects.filter(pk=market["need_draft"].pk).exists()
    contact.refresh_from_db()
    assert contact.status == "concluded" and contact.transaction is not None
    # Nor at the database level: the request protects its listings.
    with pytest.raises(ProtectedError):
        market["need_draft"].delete()
    # A draft with only a transaction pointing to it is kept as well.
    draft = make_offer(world.enterprise_a, "甲的新草稿", status="draft")
    Transaction.objects.filter(pk=contact.transaction_id).update(supply_listing=draft)
    with pytest.raises(ValidationError):
        listings.delete_listing(world.erin, draft)
    assert SupplyListing.objects.filter(pk=draft.pk).exists()


def test_closed_listings_stay_visible_to_everyone_but_are_not_matched(world, market):
    closed = make_offer(world.enterprise_a, "甲的已关闭成果", status="closed", ipc="G06V10/82")
    for user in (world.charlie, world.leo):
        assert "甲的已关闭成果" in visible(SupplyListing, user)
    assert "甲的草稿" not in visible(SupplyListing, world.charlie)
    from ipcity.utilization.matching import matches

    assert closed not in [m.listing for m in matches(market["need"], world.charlie)]


def test_the_office_keeps_the_owner_of_a_published_or_requested_listing(world, market):
    with pytest.raises(ValidationError) as exc:
        listings.update_listing(world.alice, market["offer"], {"owner": world.enterprise_b.pk})
    assert "owner" in exc.value.message_dict
    # A draft someone wrote about keeps its owner too: the request was made with it.
    need_draft = market["need_draft"]
    ContactRequest.objects.create(
        requester=world.enterprise_a, demand_listing=need_draft, message="旧请求"
    )
    with pytest.raises(ValidationError):
        listings.update_listing(world.alice, need_draft, {"owner": world.enterprise_a.pk})
    assert SupplyListing.objects.get(pk=market["offer"].pk).owner == world.enterprise_a
    assert DemandListing.objects.get(pk=need_draft.pk).owner == world.enterprise_b
    assert ContactRequest.objects.get().recipient == world.enterprise_b
    # A plain draft may still be moved to the right organization.
    listings.update_listing(world.alice, market["draft"], {"owner": world.enterprise_b.pk})
    assert SupplyListing.objects.get(pk=market["draft"].pk).owner == world.enterprise_b


def test_the_office_offers_only_patents_the_chosen_owner_holds(world, market):
    form = {"title": "代乙发布", "patents": market["patent"].application_number}
    with pytest.raises(ValidationError) as exc:
        listings.create_listing(
            world.alice, SupplyListing, {**form, "owner": world.enterprise_b.pk}
        )
    assert "does not hold" in " ".join(exc.value.message_dict["patents"])
    # An explicit override, for the office only.
    offer = listings.create_listing(
        world.alice, SupplyListing, {**form, "owner": world.enterprise_b.pk, "any_holder": "on"}
    )
    assert list(offer.patents.all()) == [market["patent"]]
    with pytest.raises(ValidationError):
        listings.create_listing(
            world.charlie, SupplyListing, {**form, "title": "乙自己", "any_holder": "on"}
        )


def test_conversion_counts_listed_contacted_and_concluded(world, market):
    contact = answered(world.enterprise_b, market["offer"], about=market["need"])
    make_offer(world.enterprise_b, "乙的旧成果", status="closed")
    listings.conclude(world.erin, contact, kind="ordinary", contract_date=datetime.date(2025, 1, 1))
    figures = listings.conversion(world.charlie)
    assert figures["offers"] == {
        "listed": 2,
        "published": 1,
        "contacted": 1,
        "concluded": 1,
        "rate": 50.0,
    }
    assert figures["needs"]["listed"] == 1 and figures["needs"]["concluded"] == 1
    assert figures["needs"]["contacted"] == 1
    assert figures["needs"]["rate"] == 100.0
    # Drafts never count, even for the office that sees them.
    assert listings.conversion(world.alice)["offers"]["listed"] == 2


def test_a_listing_attached_to_a_request_counts_as_contacted(world, market):
    """erin writes to charlie's need with her own offer attached: both listings were put in
    touch with another organization, so both count, in the figures and in the filter."""
    need = market["need"]
    listings.contact(world.erin, need, "我们的成果可以满足需求", about=market["offer"])
    for user in (world.alice, world.erin, world.charlie):
        figures = listings.conversion(user)
        assert figures["offers"]["contacted"] == 1, user
        assert figures["needs"]["contacted"] == 1, user
    from ipcity.utilization.filters.marketplace import (
        DemandListingFilterSet,
        SupplyListingFilterSet,
    )

    def filtered(filterset, model, user, value="true"):
        request = type("Request", (), {"user": user})()
        return set(filterset({"contacted": value}, model.objects.all(), request=request).qs)

    assert filtered(SupplyListingFilterSet, SupplyListing, world.alice) == {market["offer"]}
    assert filtered(DemandListingFilterSet, DemandListing, world.alice) == {need}
    assert need not in filtered(DemandListingFilterSet, DemandListing, world.alice, "false")


def test_a_need_that_led_to_a_deal_through_an_offer_counts_as_contacted(world, market):
    """The tester's contradiction: charlie attached his need to a request on erin's offer and
    the deal was concluded; the need cannot show "contacted 0" and "concluded 1"."""
    contact = answered(world.enterprise_b, market["offer"], about=market["need"])
    listings.conclude(world.erin, contact, kind="ordinary", contract_date=DAY)
    for user in (world.alice, world.erin, world.charlie):
        needs = listings.conversion(user)["needs"]
        assert (needs["contacted"], needs["concluded"]) == (1, 1), user


def test_a_request_by_the_owner_about_its_own_listing_alone_does_not_count(world, market):
    """Only a request that involves another organization counts (rows written by hand or
    imported could name the owner on both sides)."""
    make_contact(world.enterprise_b, market["need"])
    own_offer = make_offer(world.enterprise_b, "乙的成果")
    make_contact(world.enterprise_b, own_offer, about=market["need"])
    for user in (world.alice, world.charlie):
        figures = listings.conversion(user)
        assert figures["needs"]["contacted"] == 0, user
        assert figures["offers"]["contacted"] == 0, user


def test_figures_count_only_the_requests_and_deals_the_user_may_see(world, market):
    """A competitor's talks and deal with erin's offer stay theirs: charlie's figures and
    filters do not reveal them; the office and erin see them."""
    rival = make_org("示例丙科技有限公司")
    dave = make_user("dave", rival, "enterprise_user")
    contact = listings.contact(dave, market["offer"], "希望获得许可")
    listings.answer(world.erin, contact, "欢迎")
    listings.conclude(world.erin, contact, kind="ordinary", contract_date=DAY)
    for user, seen in ((world.charlie, 0), (world.alice, 1), (world.erin, 1), (dave, 1)):
        figures = listings.conversion(user)["offers"]
        assert (figures["contacted"], figures["concluded"]) == (seen, seen), user
    from ipcity.utilization.filters.marketplace import SupplyListingFilterSet

    for param in ("contacted", "concluded"):
        for user, seen in ((world.charlie, set()), (world.alice, {market["offer"]})):
            request = type("Request", (), {"user": user})()
            qs = SupplyListingFilterSet(
                {param: "true"}, SupplyListing.objects.all(), request=request
            ).qs
            assert set(qs) == seen, (param, user)


def test_editing_an_offer_refreshes_its_search_text(world, market):
    other = held_patent(world.enterprise_a, "一种混凝土搅拌装置", main_ipc="E04B1/38", ipc_codes="")
    listings.update_listing(
        world.erin, market["offer"], {"patents": other.application_number, "ipc_codes": ""}
    )
    offer = SupplyListing.objects.get(pk=market["offer"].pk)
    assert "混凝土" in offer.search_text and offer.ipc_codes == "E04B1/38"
    assert offer.title == "一种图像识别方法" and offer.kinds == ["exclusive", "ordinary"]
