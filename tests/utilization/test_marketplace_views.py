"""Marketplace pages with the personas: erin (enterprise A) and charlie (enterprise B) list and
contact, leo reads, alice (the office) acts for anyone; drafts stay with their owner."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from ipcity.utilization.models import ContactRequest, DemandListing, SupplyListing, Transaction

from ..factories import make_org, make_user
from .test_marketplace_builders import held_patent, make_contact, make_need, make_offer

OFFERS = reverse("utilization:supplylisting_list")
NEEDS = reverse("utilization:demandlisting_list")
CONTACTS = reverse("utilization:contactrequest_list")
MARKET = reverse("utilization:marketplace")
ADD_OFFER = reverse("utilization:supplylisting_add")
ADD_NEED = reverse("utilization:demandlisting_add")


def url(name, obj):
    return reverse(f"utilization:{name}", args=[obj.pk])


@pytest.fixture
def market(world):
    """A's published offer and draft offer, B's published need."""
    patent = held_patent(world.enterprise_a)
    offer = make_offer(world.enterprise_a, "一种基于深度学习的图像识别方法", patents=[patent])
    draft = make_offer(world.enterprise_a, "甲的草稿成果", status="draft", ipc="G06F16/00")
    need = make_need(world.enterprise_b, "寻求图像识别技术", ipc="G06V10/82")
    return {"patent": patent, "offer": offer, "draft": draft, "need": need}


@pytest.fixture
def dave(world):
    """A user of a third enterprise: a stranger to the requests between A and B."""
    return make_user("dave", make_org("示例丙科技有限公司"), "enterprise_user")


# lists


def test_alice_lists_every_offer_with_add_import_and_export(world, login, market):
    body = login(world.alice).get(OFFERS).content.decode()
    assert market["offer"].title in body and market["draft"].title in body
    assert ADD_OFFER in body and "export=xlsx" in body
    assert reverse("core:import_upload", args=["utilization.supplylisting"]) in body


def test_charlie_sees_published_offers_but_not_others_drafts(world, login, market):
    body = login(world.charlie).get(OFFERS).content.decode()
    assert market["offer"].title in body and market["draft"].title not in body
    assert ADD_OFFER in body  # he may post his own


def test_erin_sees_her_own_draft(world, login, market):
    body = login(world.erin).get(OFFERS).content.decode()
    assert market["draft"].title in body


def test_leo_reads_the_lists_without_add(world, login, market):
    client = login(world.leo)
    body = client.get(OFFERS).content.decode()
    assert market["offer"].title in body and ADD_OFFER not in body
    body = client.get(NEEDS).content.decode()
    assert market["need"].title in body and ADD_NEED not in body


def test_lists_ask_anonymous_users_to_sign_in(world, client):
    assert client.get(OFFERS).status_code == 302
    assert client.get(MARKET).status_code == 302


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"status": "draft"}, "甲的草稿成果", "深度学习"),
        ({"ipc": "g06v"}, "深度学习", "甲的草稿成果"),
        ({"ipc": "G06F16"}, "甲的草稿成果", "深度学习"),
        ({"q": "图像识别"}, "深度学习", "甲的草稿成果"),
        ({"q": "2021"}, "深度学习", "甲的草稿成果"),
        ({"kind": "exclusive"}, "深度学习", "乙的成果"),
    ],
)
def test_offer_list_filters(world, login, market, params, shown, hidden):
    make_offer(world.enterprise_b, "乙的成果", ipc="A61K36/00", kinds=("assignment",))
    body = login(world.alice).get(OFFERS, params).content.decode()
    assert shown in body and hidden not in body


def test_offer_list_filters_by_owner_contacted_and_concluded(world, login, market):
    make_offer(world.enterprise_b, "乙的成果", ipc="A61K36/00")
    client = login(world.alice)
    body = client.get(OFFERS, {"contacted": "true"}).content.decode()
    assert "深度学习" not in body  # nobody wrote yet
    make_contact(world.enterprise_b, market["offer"])
    body = client.get(OFFERS, {"owner": world.enterprise_b.pk}).content.decode()
    assert "乙的成果" in body and "深度学习" not in body
    body = client.get(OFFERS, {"contacted": "true"}).content.decode()
    assert "深度学习" in body and "乙的成果" not in body
    body = client.get(OFFERS, {"contacted": "false"}).content.decode()
    assert "乙的成果" in body and "深度学习" not in body
    body = client.get(OFFERS, {"concluded": "true"}).content.decode()
    assert "深度学习" not in body
    Transaction.objects.create(
        kind="ordinary", assignor=world.enterprise_a, assignee=world.enterprise_b, year=2024,
        supply_listing=market["offer"],
    )  # fmt: skip
    body = client.get(OFFERS, {"concluded": "true"}).content.decode()
    assert "深度学习" in body and "乙的成果" not in body
    body = client.get(OFFERS, {"concluded": "false"}).content.decode()
    assert "乙的成果" in body and "深度学习" not in body


def test_offer_list_queries_do_not_grow_with_rows(world, login, django_assert_max_num_queries):
    for n in range(30):
        patent = held_patent(world.enterprise_a, f"专利{n}")
        make_offer(world.enterprise_a, f"成果{n}", patents=[patent])
    client = login(world.charlie)
    client.get(OFFERS)
    with django_assert_max_num_queries(12):
        response = client.get(OFFERS, {"per_page": 50})
    assert "成果29" in response.content.decode()


def test_need_and_contact_lists_query_counts(world, login, django_assert_max_num_queries):
    for n in range(20):
        offer = make_offer(world.enterprise_a, f"成果{n}")
        need = make_need(world.enterprise_b, f"需求{n}")
        make_contact(world.enterprise_b, offer, about=need)
    client = login(world.alice)
    client.get(NEEDS)
    with django_assert_max_num_queries(12):
        assert "需求19" in client.get(NEEDS, {"per_page": 50}).content.decode()
    client.get(CONTACTS)
    with django_assert_max_num_queries(12):
        assert "成果19" in client.get(CONTACTS, {"per_page": 50}).content.decode()


def test_offer_export_lists_the_patents(world, login, market):
    import io

    import openpyxl

    response = login(world.charlie).get(OFFERS, {"export": "xlsx"})
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values
    )
    assert len(rows) == 2  # header and the one published offer charlie sees
    assert market["patent"].application_number in rows[1]


def test_need_export_as_csv(world, login, market):
    response = login(world.leo).get(NEEDS, {"export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "寻求图像识别技术" in text


# detail


def test_a_draft_is_a_404_for_charlie_and_shown_to_erin(world, login, market):
    assert login(world.charlie).get(url("supplylisting_detail", market["draft"])).status_code == 404
    assert login(world.erin).get(url("supplylisting_detail", market["draft"])).status_code == 200


def test_a_published_offer_shows_patents_matches_and_the_contact_form(world, login, market):
    body = login(world.charlie).get(url("supplylisting_detail", market["offer"])).content.decode()
    assert market["patent"].application_number in body
    assert 'data-testid="match"' in body and "寻求图像识别技术" in body
    assert "IPC G06V10 shared" in body
    assert 'data-testid="contact-form"' in body
    assert url("supplylisting_edit", market["offer"]) not in body


def test_the_owner_sees_edit_close_but_no_contact_form(world, login, market):
    body = login(world.erin).get(url("supplylisting_detail", market["offer"])).content.decode()
    assert url("supplylisting_edit", market["offer"]) in body
    assert url("supplylisting_close", market["offer"]) in body
    assert 'data-testid="contact-form"' not in body
    # Published listings are not deleted (their requests and history stay).
    assert url("supplylisting_delete", market["offer"]) not in body


def test_leo_reads_a_listing_without_actions(world, login, market):
    body = login(world.leo).get(url("demandlisting_detail", market["need"])).content.decode()
    assert "寻求图像识别技术" in body and market["offer"].title in body  # the match
    assert url("demandlisting_edit", market["need"]) not in body
    assert 'data-testid="contact-form"' not in body  # the office's leader has no add right


def test_history_of_a_listing(world, login, market):
    response = login(world.erin).get(url("supplylisting_history", market["offer"]))
    assert response.status_code == 200
    assert (
        login(world.charlie).get(url("supplylisting_history", market["draft"])).status_code == 404
    )


# create and edit


def offer_form(**overrides):
    data = {
        "title": "一种图像识别装置",
        "patents": "",
        "kinds": ["exclusive", "ordinary"],
        "ipc_codes": "",
        "keywords": "图像识别;深度学习",
        "asking_price": "50",
        "description": "适用于工业质检。",
    }
    data.update(overrides)
    return data


def test_erin_offers_her_patent_and_the_ipc_comes_from_it(world, login, market):
    client = login(world.erin)
    number = market["patent"].application_number.replace(".", "")
    response = client.post(ADD_OFFER, offer_form(patents=f"ZL{number}"))
    assert response.status_code == 302
    listing = SupplyListing.objects.get(title="一种图像识别装置")
    assert listing.owner == world.enterprise_a and listing.status == "draft"
    assert list(listing.patents.all()) == [market["patent"]]
    assert listing.ipc_codes == "G06V10/82;G06N3/08"
    assert listing.kinds == ["exclusive", "ordinary"]
    assert listing.history.first().history_user == world.erin
    assert "图像" in listing.search_text


def test_save_and_publish_in_one_step(world, login, market):
    response = login(world.erin).post(ADD_OFFER, {**offer_form(), "publish": "1"})
    assert response.status_code == 302
    listing = SupplyListing.objects.get(title="一种图像识别装置")
    assert listing.status == "published" and listing.published_at


def test_erin_may_not_offer_a_patent_she_does_not_hold(world, login):
    foreign = held_patent(world.enterprise_b, "乙的专利")
    response = login(world.erin).post(ADD_OFFER, offer_form(patents=foreign.application_number))
    assert response.status_code == 400
    assert "does not hold" in response.content.decode()
    assert not SupplyListing.objects.filter(title="一种图像识别装置").exists()


def test_unknown_numbers_and_bad_ipc_are_clear_errors(world, login):
    client = login(world.erin)
    body = client.post(ADD_OFFER, offer_form(patents="201910000001.X 12ab")).content.decode()
    assert "is not an application number" in body
    body = client.post(ADD_OFFER, offer_form(ipc_codes="G06F16/00; 图像")).content.decode()
    assert "Not IPC codes" in body
    assert not SupplyListing.objects.exists()


def test_the_office_offers_for_another_organization(world, login, market):
    foreign = held_patent(world.enterprise_b, "乙的专利")
    response = login(world.alice).post(
        ADD_OFFER,
        offer_form(owner=world.enterprise_b.pk, patents=foreign.application_number),
    )
    assert response.status_code == 302
    listing = SupplyListing.objects.get(title="一种图像识别装置")
    assert listing.owner == world.enterprise_b


def test_erin_cannot_list_for_another_organization(world, login):
    login(world.erin).post(ADD_NEED, {"title": "需求", "owner": world.enterprise_b.pk})
    assert DemandListing.objects.get(title="需求").owner == world.enterprise_a


def test_only_the_owner_changes_a_published_listing(world, login, market):
    edit = url("supplylisting_edit", market["offer"])
    assert login(world.charlie).get(edit).status_code == 403
    assert login(world.leo).post(edit, offer_form()).status_code == 403
    assert login(world.charlie).get(url("supplylisting_edit", market["draft"])).status_code == 404
    response = login(world.erin).post(
        edit, offer_form(title="新标题", patents=market["patent"].application_number)
    )
    assert response.status_code == 302
    market["offer"].refresh_from_db()
    assert market["offer"].title == "新标题" and market["offer"].status == "published"


def test_leo_and_users_without_the_right_cannot_add(world, login):
    assert login(world.leo).get(ADD_NEED).status_code == 403
    assert login(world.bob).get(ADD_NEED).status_code == 403


def test_publish_and_close(world, login, market):
    client = login(world.erin)
    client.post(url("supplylisting_publish", market["draft"]))
    market["draft"].refresh_from_db()
    assert market["draft"].status == "published"
    client.post(url("supplylisting_close", market["draft"]))
    market["draft"].refresh_from_db()
    assert market["draft"].status == "closed" and market["draft"].closed_at
    # Closing again is refused with a message, not an error page.
    response = client.post(url("supplylisting_close", market["draft"]), follow=True)
    assert "Only a published listing can be closed." in response.content.decode()


def test_strangers_cannot_publish_or_close(world, login, market):
    assert login(world.charlie).post(url("supplylisting_close", market["offer"])).status_code == 403
    assert (
        login(world.charlie).post(url("supplylisting_publish", market["draft"])).status_code == 404
    )
    assert login(world.leo).post(url("demandlisting_close", market["need"])).status_code == 403
    market["offer"].refresh_from_db()
    assert market["offer"].status == "published"


def test_drafts_are_deleted_published_listings_are_not(world, login, market):
    client = login(world.erin)
    response = client.post(url("supplylisting_delete", market["offer"]), follow=True)
    assert "Only drafts can be deleted" in response.content.decode()
    assert SupplyListing.objects.filter(pk=market["offer"].pk).exists()
    assert client.post(url("supplylisting_delete", market["draft"])).status_code == 302
    assert not SupplyListing.objects.filter(pk=market["draft"].pk).exists()


# contact requests


def test_charlie_contacts_an_offer_with_his_need_attached(world, login, market):
    client = login(world.charlie)
    response = client.post(
        url("supplylisting_contact", market["offer"]),
        {"message": "希望获得普通许可。", "about": market["need"].pk},
    )
    contact = ContactRequest.objects.get()
    assert response.status_code == 302 and response.url == contact.get_absolute_url()
    assert contact.requester == world.enterprise_b
    assert contact.supply_listing == market["offer"] and contact.demand_listing == market["need"]
    assert contact.listing == market["offer"] and contact.recipient == world.enterprise_a
    assert world.erin.notifications.filter(link=contact.get_absolute_url()).exists()
    # A second request while this one is open is refused, with the reason.
    response = client.post(
        url("supplylisting_contact", market["offer"]), {"message": "再问"}, follow=True
    )
    assert "Your organization already has an open request on this listing." in (
        response.content.decode()
    )
    assert ContactRequest.objects.count() == 1


def test_no_contact_on_own_or_unpublished_listings(world, login, market):
    client = login(world.erin)
    client.post(url("supplylisting_contact", market["offer"]), {"message": "我自己"})
    assert (
        login(world.charlie)
        .post(url("supplylisting_contact", market["draft"]), {"message": "草稿"})
        .status_code
        == 404
    )
    assert not ContactRequest.objects.exists()


def test_a_contact_request_is_seen_by_requester_and_owner_only(world, login, market, dave):
    contact = make_contact(world.enterprise_b, market["offer"], about=market["need"])
    detail = contact.get_absolute_url()
    for user in (world.erin, world.charlie, world.leo, world.alice):
        assert login(user).get(detail).status_code == 200, user
    assert login(dave).get(detail).status_code == 404
    assert contact.message not in login(dave).get(CONTACTS).content.decode()
    body = login(dave).get(url("supplylisting_detail", market["offer"])).content.decode()
    assert contact.get_absolute_url() not in body


def test_my_contact_requests_sent_and_received(world, login, market):
    contact = make_contact(world.enterprise_b, market["offer"])
    link = contact.get_absolute_url()
    assert link in login(world.charlie).get(CONTACTS, {"direction": "sent"}).content.decode()
    assert (
        link not in login(world.charlie).get(CONTACTS, {"direction": "received"}).content.decode()
    )
    assert link in login(world.erin).get(CONTACTS, {"direction": "received"}).content.decode()
    assert link not in login(world.erin).get(CONTACTS, {"direction": "sent"}).content.decode()


def test_the_owner_answers_and_the_requester_cannot(world, login, market):
    contact = make_contact(world.enterprise_b, market["offer"])
    answer = url("contactrequest_answer", contact)
    assert login(world.charlie).post(answer, {"reply": "我自己回复"}).status_code == 403
    assert login(world.leo).post(answer, {"reply": "领导"}).status_code == 403
    body = login(world.erin).get(contact.get_absolute_url()).content.decode()
    assert 'data-testid="reply-form"' in body
    login(world.erin).post(answer, {"reply": "欢迎来访。"})
    contact.refresh_from_db()
    assert (contact.status, contact.reply) == ("answered", "欢迎来访。") and contact.answered_at
    assert world.charlie.notifications.exists()


def test_the_owner_declines(world, login, market):
    contact = make_contact(world.enterprise_b, market["offer"])
    login(world.erin).post(url("contactrequest_decline", contact), {"reply": "暂不考虑"})
    contact.refresh_from_db()
    assert contact.status == "declined"
    body = login(world.erin).get(contact.get_absolute_url()).content.decode()
    assert 'data-testid="reply-form"' not in body and 'data-testid="conclude"' not in body


def conclude_form(patent, **overrides):
    data = {
        "kind": "ordinary",
        "amount": "80.5",
        "contract_date": "2024-06-01",
        "patents": patent.application_number,
        "notes": "",
    }
    data.update(overrides)
    return data


def answered(requester, listing, about=None):
    return make_contact(
        requester, listing, about=about, status="answered", reply="欢迎", answered_at=timezone.now()
    )


def test_concluding_records_one_marketplace_transaction(world, login, market):
    contact = answered(world.enterprise_b, market["offer"], about=market["need"])
    client = login(world.erin)
    page = client.get(url("contactrequest_conclude", contact)).content.decode()
    assert market["patent"].application_number in page  # prefilled from the offer
    response = client.post(url("contactrequest_conclude", contact), conclude_form(market["patent"]))
    assert response.status_code == 302
    deal = Transaction.objects.get()
    assert deal.origin == "marketplace" and deal.kind == "ordinary"
    assert (deal.assignor, deal.assignee) == (world.enterprise_a, world.enterprise_b)
    assert deal.year == 2024 and str(deal.amount) == "80.50"
    assert list(deal.patents.all()) == [market["patent"]]
    assert (deal.supply_listing, deal.demand_listing) == (market["offer"], market["need"])
    contact.refresh_from_db()
    assert contact.status == "concluded" and contact.transaction == deal
    # A double submission records nothing more.
    response = client.post(
        url("contactrequest_conclude", contact), conclude_form(market["patent"]), follow=True
    )
    assert Transaction.objects.count() == 1
    assert "no longer open" in response.content.decode()
    # Both parties see it from the request.
    for user in (world.erin, world.charlie):
        body = login(user).get(contact.get_absolute_url()).content.decode()
        assert "Led to a transaction" in body and "80.50" in body


def test_conclude_checks_its_input(world, login, market):
    contact = answered(world.enterprise_b, market["offer"], about=market["need"])
    foreign = held_patent(world.enterprise_b, "乙的专利")
    client = login(world.erin)
    response = client.post(
        url("contactrequest_conclude", contact),
        conclude_form(market["patent"], contract_date="", amount="-1"),
    )
    assert response.status_code == 400
    response = client.post(url("contactrequest_conclude", contact), conclude_form(foreign))
    assert response.status_code == 400 and "does not hold" in response.content.decode()
    # The need wants an ordinary licence: an assignment is not offered on the form.
    response = client.post(
        url("contactrequest_conclude", contact), conclude_form(market["patent"], kind="assignment")
    )
    assert response.status_code == 400
    assert list(response.context["form"].fields["kind"].choices) == [
        ("ordinary", "Ordinary licence")
    ]
    contact.refresh_from_db()
    assert contact.status == "answered" and not Transaction.objects.exists()


def test_the_requester_does_not_conclude_and_nobody_before_an_answer(world, login, market):
    contact = make_contact(world.enterprise_b, market["offer"])
    # erin (the giving side) is told to answer first; no form, no deal.
    response = login(world.erin).post(
        url("contactrequest_conclude", contact), conclude_form(market["patent"]), follow=True
    )
    assert "must be answered" in response.content.decode()
    body = login(world.erin).get(contact.get_absolute_url()).content.decode()
    assert 'data-testid="conclude"' not in body
    login(world.erin).post(url("contactrequest_answer", contact), {"reply": "欢迎"})
    body = login(world.erin).get(contact.get_absolute_url()).content.decode()
    assert 'data-testid="conclude"' in body
    # charlie, who asked, cannot record the deal alone, with any kind or patents.
    client = login(world.charlie)
    assert 'data-testid="conclude"' not in client.get(contact.get_absolute_url()).content.decode()
    response = client.post(
        url("contactrequest_conclude", contact),
        conclude_form(market["patent"], kind="assignment"),
    )
    assert response.status_code == 403
    assert not Transaction.objects.exists()


def test_strangers_and_leo_cannot_conclude(world, login, market, dave):
    contact = answered(world.enterprise_b, market["offer"])
    assert login(dave).get(url("contactrequest_conclude", contact)).status_code == 404
    assert (
        login(world.leo)
        .post(url("contactrequest_conclude", contact), conclude_form(market["patent"]))
        .status_code
        == 403
    )
    assert not Transaction.objects.exists()


# the marketplace page


def test_marketplace_figures_link_to_the_lists(world, login, market):
    make_contact(world.enterprise_b, market["offer"])
    make_offer(world.enterprise_b, "乙的成果", ipc="A61K36/00", status="closed")
    Transaction.objects.create(
        kind="ordinary", assignor=world.enterprise_a, assignee=world.enterprise_b, year=2024,
        supply_listing=market["offer"],
    )  # fmt: skip
    response = login(world.charlie).get(MARKET)
    figures = {(f["key"]): f for f in response.context["sections"][0]["figures"]}
    assert figures["published"]["value"] == 1
    assert figures["listed"]["value"] == 2
    assert figures["contacted"]["value"] == 1
    assert figures["concluded"]["value"] == 1
    assert response.context["sections"][0]["rate"] == 50.0
    body = response.content.decode()
    assert "contacted=true" in body and "concluded=true" in body
    # Each figure and its list agree.
    client = login(world.charlie)
    for key in ("published", "listed", "contacted", "concluded"):
        listed = client.get(figures[key]["url"])
        assert listed.context["table"].paginator.count == figures[key]["value"], key


def test_figures_and_filters_hide_a_competitors_deal(world, login, market, dave):
    """dave's company talked to erin and signed: charlie sees the offer, not that deal."""
    Transaction.objects.create(
        kind="ordinary", assignor=world.enterprise_a, assignee=dave.organization, year=2024,
        supply_listing=market["offer"],
    )  # fmt: skip
    make_contact(dave.organization, market["offer"], status="concluded")
    for user, seen in ((world.charlie, 0), (world.alice, 1)):
        response = login(user).get(MARKET)
        figures = {f["key"]: f["value"] for f in response.context["sections"][0]["figures"]}
        assert (figures["contacted"], figures["concluded"]) == (seen, seen), user
        for param in ("contacted", "concluded"):
            body = login(user).get(OFFERS, {param: "true"}).content.decode()
            assert (market["offer"].title in body) == bool(seen), (user, param)


def test_marketplace_search(world, login, market):
    make_offer(world.enterprise_b, "一种混凝土搅拌装置", ipc="E04B1/38")
    body = login(world.erin).get(MARKET, {"q": "混凝土"}).content.decode()
    assert "一种混凝土搅拌装置" in body and "深度学习" not in body


def test_marketplace_needs_the_view_right(world, login):
    from ..factories import make_user as user_with

    nobody = user_with("nobody", world.enterprise_a)
    assert login(nobody).get(MARKET).status_code == 403


def test_marketplace_menu_entries(world, login):
    body = login(world.erin).get(MARKET).content.decode()
    for name in ("marketplace", "supplylisting_list", "demandlisting_list", "contactrequest_list"):
        assert reverse(f"utilization:{name}") in body


def test_the_contract_parameters_are_accepted(world, login, market):
    params = {"status": "published", "owner": world.enterprise_a.pk, "ipc": "G06", "q": "图像"}
    make_offer(world.enterprise_b, "乙的图像识别成果", ipc="G06V10/82")  # another owner
    make_offer(world.enterprise_a, "甲的图像识别草稿", status="draft", ipc="G06V10/82")
    make_offer(world.enterprise_a, "甲的图像识别旧成果", status="closed", ipc="G06V10/82")
    make_offer(world.enterprise_a, "甲的图像压缩成果", ipc="H04N19/00")  # another IPC
    make_offer(world.enterprise_a, "甲的混凝土成果", ipc="G06F16/00")  # other words
    response = login(world.erin).get(OFFERS, params)
    assert response.context["filterset"].is_valid()
    assert [row.record for row in response.context["table"].page.object_list] == [market["offer"]]


def test_detail_page_queries_do_not_grow_with_matches(world, login, django_assert_max_num_queries):
    need = make_need(world.enterprise_a, "寻求图像识别技术", ipc="G06V10/82")
    for n in range(30):
        owner = make_org(f"示例成果方{n}有限公司")
        offer = make_offer(owner, f"图像识别成果{n}", ipc="G06V10/82")
        make_contact(world.enterprise_a, offer, about=need)
    client = login(world.erin)
    client.get(url("demandlisting_detail", need))
    with django_assert_max_num_queries(18):
        body = client.get(url("demandlisting_detail", need)).content.decode()
    assert body.count('data-testid="match"') == 10


def test_history_of_a_contact_request(world, login, market, dave):
    contact = make_contact(world.enterprise_b, market["offer"])
    history = url("contactrequest_history", contact)
    assert login(world.charlie).get(history).status_code == 200
    assert login(world.erin).get(history).status_code == 200
    assert login(dave).get(history).status_code == 404


def test_the_attached_listing_is_labelled_for_each_viewer(world, login, market):
    contact = make_contact(world.enterprise_b, market["offer"], about=market["need"])
    labels = {}
    for user in (world.charlie, world.erin, world.alice):
        response = login(user).get(contact.get_absolute_url())
        body = response.content.decode()
        start = body.index('data-testid="attached-label">') + len('data-testid="attached-label">')
        labels[user.username] = html.unescape(body[start : body.index("</dt>", start)])
    assert labels == {
        "charlie": "Your need",  # he attached it
        "erin": "The requester's need",
        "alice": "The requester's need",
    }


def test_a_closed_listing_stays_readable_for_the_other_party(world, login, market):
    contact = make_contact(world.enterprise_b, market["offer"])
    login(world.erin).post(url("supplylisting_close", market["offer"]))
    market["offer"].refresh_from_db()
    assert market["offer"].status == "closed"
    client = login(world.charlie)
    response = client.get(url("supplylisting_detail", market["offer"]))
    assert response.status_code == 200
    assert 'data-testid="contact-form"' not in response.content.decode()
    assert market["offer"].title in client.get(contact.get_absolute_url()).content.decode()
    assert market["offer"].title in client.get(OFFERS, {"status": "closed"}).content.decode()
    # Matching leaves it out.
    body = client.get(url("demandlisting_detail", market["need"])).content.decode()
    assert 'data-testid="match"' not in body
    # A draft stays private.
    assert client.get(url("supplylisting_detail", market["draft"])).status_code == 404


def test_a_draft_in_a_request_is_not_deleted_from_its_page(world, login, market):
    need_draft = make_need(world.enterprise_b, "乙的需求草稿", status="draft")
    contact = make_contact(world.enterprise_a, need_draft, status="concluded")
    client = login(world.charlie)
    body = client.get(url("demandlisting_detail", need_draft)).content.decode()
    assert url("demandlisting_delete", need_draft) not in body
    response = client.post(url("demandlisting_delete", need_draft), follow=True)
    assert "cannot be deleted" in response.content.decode()
    assert DemandListing.objects.filter(pk=need_draft.pk).exists()
    assert ContactRequest.objects.filter(pk=contact.pk, status="concluded").exists()


def test_the_office_cannot_move_a_published_listing_to_another_owner(world, login, market):
    client = login(world.alice)
    response = client.post(
        url("supplylisting_edit", market["offer"]),
        offer_form(owner=world.enterprise_b.pk, patents=market["patent"].application_number),
    )
    assert response.status_code == 400
    assert "The owner cannot change" in response.content.decode()
    market["offer"].refresh_from_db()
    assert market["offer"].owner == world.enterprise_a
    # Keeping the owner, the office edits the rest.
    response = client.post(
        url("supplylisting_edit", market["offer"]),
        offer_form(owner=world.enterprise_a.pk, patents=market["patent"].application_number),
    )
    assert response.status_code == 302


def test_ipc_codes_separated_by_spaces_are_all_kept(world, login):
    response = login(world.erin).post(
        ADD_NEED, {"title": "需求", "ipc_codes": "G06F16/00 G06N 3/08"}
    )
    assert response.status_code == 302
    assert DemandListing.objects.get(title="需求").ipc_codes == "G06F16/00;G06N3/08"
    body = login(world.erin).post(ADD_NEED, {"title": "需求二", "ipc_codes": "G06F16/00 图像"})
    assert "Not IPC codes: 图像" in body.content.decode()


def test_a_negative_budget_or_asking_price_is_refused_by_the_forms(world, login, market):
    response = login(world.charlie).post(ADD_NEED, {"title": "负预算", "budget": "-10"})
    assert response.status_code == 400
    assert "The amount cannot be negative." in response.content.decode()
    assert not DemandListing.objects.filter(title="负预算").exists()
    response = login(world.erin).post(ADD_OFFER, {"title": "负报价", "asking_price": "-1"})
    assert "The amount cannot be negative." in response.content.decode()
    assert not SupplyListing.objects.filter(title="负报价").exists()


def test_conclude_records_the_registration_and_refuses_a_term_on_an_assignment(
    world, login, market
):
    offer = make_offer(
        world.enterprise_a, "可转让的成果", patents=[market["patent"]], kinds=("assignment",)
    )
    contact = answered(world.enterprise_b, offer)
    client = login(world.erin)
    page = client.get(url("contactrequest_conclude", contact)).content.decode()
    assert 'name="registration_date"' in page and 'name="registration_number"' in page
    data = conclude_form(
        market["patent"], kind="assignment", start_date="2024-06-01", end_date="2026-06-01"
    )
    response = client.post(url("contactrequest_conclude", contact), data)
    assert response.status_code == 400
    assert "An assignment has no licence term" in response.content.decode()
    assert not Transaction.objects.exists()
    data.update(
        start_date="",
        end_date="",
        registration_number="2025110000007",
        registration_date="2025-01-15",
    )
    response = client.post(url("contactrequest_conclude", contact), data)
    assert response.status_code == 302
    deal = Transaction.objects.get()
    assert deal.registration_date == datetime.date(2025, 1, 15) and deal.year == 2025
    assert deal.registration_number == "2025110000007"
    assert deal.start_date is None and deal.end_date is None
