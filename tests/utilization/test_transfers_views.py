"""Transaction pages with the allowed, read-only and stranger personas: list, detail, form,
delete, statistics, derivation and the review of undated events."""

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from ipcity.core.models import Job
from ipcity.utilization import deals
from ipcity.utilization.models import Transaction

from ..rights.registry_builders import make_event, make_patent, make_trademark

D = datetime.date
LIST = reverse("utilization:transaction_list")
ADD = reverse("utilization:transaction_add")
STATS = reverse("utilization:transaction_stats")


def url(action, obj):
    return reverse(f"utilization:transaction_{action}", args=[obj.pk])


def deal(assignor, assignee, patents, **fields):
    fields.setdefault("kind", "assignment")
    fields.setdefault("contract_date", D(2023, 3, 1))
    return deals.record_transaction(
        None, assignor=assignor, assignee=assignee, patents=list(patents), **fields
    )


@pytest.fixture
def a_to_b(uworld):
    """A licence between enterprise A (erin's) and B (charlie's)."""
    return deal(
        uworld.enterprise_a,
        uworld.enterprise_b,
        [make_patent("一种示例授权方法", application_number="201710117081.7")],
        kind="exclusive",
        amount=Decimal("50"),
    )


@pytest.fixture
def uni_to_a(uworld):
    return deal(
        uworld.university, uworld.enterprise_a, [make_patent()], contract_date=D(2022, 5, 5)
    )


def count_on(body: str) -> int:
    match = re.search(r'data-testid="result-count">\s*(\d+)', body)
    return int(match.group(1))


# -- list --------------------------------------------------------------------------------------


def test_alice_lists_everything_and_filters_by_the_contract_names(uworld, login, a_to_b, uni_to_a):
    outside = deal(
        uworld.outside, uworld.enterprise_b, [make_patent()], contract_date=D(2024, 1, 1)
    )
    client = login(uworld.alice)
    body = client.get(LIST).content.decode()
    assert count_on(body) == 3
    assert reverse("core:import_upload", args=["utilization.transaction"]) in body
    assert reverse("utilization:transaction_derive") in body
    checks = {
        "year=2022": 1,
        "kind=exclusive": 1,
        "origin=manual": 3,
        "origin=legal_event": 0,
        "from_university=true": 1,
        "from_outside=true": 1,
        f"party={uworld.enterprise_b.pk}": 2,
        f"party={uworld.university.pk}": 1,
        "patent=ZL201710117081.7": 1,
        "q=示例乙": 2,
        "q=一种示例授权": 1,
        "year_min=2023&year_max=2024": 2,
    }
    for query, expected in checks.items():
        assert count_on(client.get(f"{LIST}?{query}").content.decode()) == expected, query
    assert outside.from_outside


def test_each_party_sees_its_own_and_a_stranger_nothing(uworld, login, a_to_b, uni_to_a):
    assert count_on(login(uworld.erin).get(LIST).content.decode()) == 2
    body = login(uworld.charlie).get(LIST).content.decode()
    assert count_on(body) == 1
    assert reverse("utilization:transaction_derive") not in body
    body = login(uworld.leo).get(LIST).content.decode()
    assert count_on(body) == 2 and f'href="{ADD}"' not in body
    assert login(uworld.fiona).get(LIST).status_code == 200


def test_the_list_export_holds_the_filtered_rows(uworld, login, a_to_b, uni_to_a):
    response = login(uworld.alice).get(f"{LIST}?export=csv&kind=exclusive")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "201710117081.7" in text and text.count("\n") == 2


def test_list_queries_do_not_grow_with_rows(uworld, login, django_assert_max_num_queries):
    client = login(uworld.alice)
    for n in range(3):
        deal(
            uworld.enterprise_a,
            uworld.enterprise_b,
            [make_patent(), make_patent()],
            trademarks=[make_trademark(f"示例{n}")],
        )
    with django_assert_max_num_queries(30) as few:
        assert client.get(LIST).status_code == 200
    for _n in range(25):
        deal(
            uworld.enterprise_a,
            uworld.enterprise_b,
            [make_patent(), make_patent()],
            trademarks=[make_trademark()],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(LIST).content.decode()
    assert count_on(body) == 28


# -- detail ------------------------------------------------------------------------------------


def test_both_parties_read_the_detail_with_the_flags_explained(uworld, login, uni_to_a):
    for user in (uworld.alice, uworld.erin, uworld.leo):
        response = login(user).get(url("detail", uni_to_a))
        assert response.status_code == 200
    body = unescape(response.content.decode())
    assert uworld.university.name in body and uworld.enterprise_a.name in body
    assert "is a university or research institute" in body
    assert uni_to_a.patents.get().application_number in body
    assert login(uworld.charlie).get(url("detail", uni_to_a)).status_code == 404
    assert login(uworld.charlie).get(url("history", uni_to_a)).status_code == 404
    assert login(uworld.alice).get(url("history", uni_to_a)).status_code == 200


def test_a_derived_transaction_shows_its_event(uworld, login):
    patent = make_patent(holders=[uworld.enterprise_a])
    make_event(patent, "transfer", D(2023, 2, 2), counterparty=uworld.enterprise_a.name)
    deals.derive_from_legal_events()
    body = login(uworld.erin).get(url("detail", Transaction.objects.get())).content.decode()
    assert "Counted once" in body and patent.application_number in body


# -- form --------------------------------------------------------------------------------------


def form_data(**overrides):
    data = {
        "kind": "assignment",
        "assignor": "",
        "assignor_name": "",
        "assignee": "",
        "assignee_name": "",
        "patent_numbers": "",
        "trademark_numbers": "",
        "amount": "",
        "contract_date": "2024-04-01",
        "registration_date": "",
        "registration_number": "",
        "start_date": "",
        "end_date": "",
        "notes": "",
        "legal_event": "",
    }
    data.update(overrides)
    return data


def test_alice_records_a_transaction_with_rights_and_typed_party(uworld, login):
    make_patent(application_number="201710117081.7")
    mark = make_trademark("示例标", registration_number="60000001")
    client = login(uworld.alice)
    assert client.get(ADD).status_code == 200
    response = client.post(
        ADD,
        form_data(
            assignor=uworld.university.pk,
            assignee_name="示例甲科技有限公司",
            patent_numbers="ZL 2017 1 0117081.7",
            trademark_numbers="60000001",
            amount="12.5",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    t = Transaction.objects.get()
    assert (t.assignor, t.assignee, t.origin) == (uworld.university, uworld.enterprise_a, "manual")
    assert t.from_university and list(t.trademarks.all()) == [mark]
    assert t.history.get().history_user == uworld.alice


def test_unknown_rights_and_missing_parties_are_form_errors(uworld, login):
    response = login(uworld.alice).post(
        ADD, form_data(patent_numbers="202010999999.1", assignee_name="某公司")
    )
    assert response.status_code == 400
    body = unescape(response.content.decode())
    assert "Not in the patent registry: 202010999999.1" in body
    assert "Pick the assignor or licensor, or type the name." in body
    assert not Transaction.objects.exists()


def test_erin_records_only_what_her_enterprise_is_party_to(uworld, login):
    make_patent(application_number="201710117081.7")
    client = login(uworld.erin)
    data = form_data(
        assignor_name="示例理工大学",
        assignee_name="示例乙制造有限公司",
        patent_numbers="201710117081.7",
    )
    response = client.post(ADD, data)
    assert response.status_code == 400
    assert "must be a party" in response.content.decode()
    assert not Transaction.objects.exists()
    data["assignee"] = uworld.enterprise_a.pk
    data["assignee_name"] = ""
    assert client.post(ADD, data).status_code == 302
    t = Transaction.objects.get()
    # She cannot open the university's record: the name she typed stays a name.
    assert (t.assignor, t.assignor_name) == (None, "示例理工大学")
    assert t.assignee == uworld.enterprise_a


def test_edit_rights_follow_the_scope(uworld, login, a_to_b):
    data = form_data(
        assignor=uworld.enterprise_a.pk,
        assignee=uworld.enterprise_b.pk,
        kind="sole",
        patent_numbers="201710117081.7",
    )
    assert login(uworld.leo).get(url("edit", a_to_b)).status_code == 403
    assert login(uworld.leo).post(url("edit", a_to_b), data).status_code == 403
    assert login(uworld.fiona).get(url("edit", a_to_b)).status_code == 404
    # Recorded by the platform (or the office): the parties read it but may not change it.
    for user in (uworld.erin, uworld.charlie):
        assert login(user).get(url("edit", a_to_b)).status_code == 403
        assert login(user).post(url("edit", a_to_b), data).status_code == 403
    assert url("edit", a_to_b) not in login(uworld.erin).get(url("detail", a_to_b)).content.decode()
    a_to_b.refresh_from_db()
    assert (a_to_b.kind, a_to_b.amount) == ("exclusive", Decimal("50"))
    assert login(uworld.alice).post(url("edit", a_to_b), data).status_code == 302
    a_to_b.refresh_from_db()
    assert a_to_b.kind == "sole"


def test_a_party_changes_only_what_its_organization_recorded(uworld, login):
    """erin records a deal with charlie's enterprise: she may change it, charlie (the other
    party) reads it only; the office changes everything."""
    t = deals.record_transaction(
        uworld.erin,
        kind="assignment",
        assignor=uworld.enterprise_a,
        assignee=uworld.enterprise_b,
        patents=[make_patent(application_number="201710117081.7")],
        amount=Decimal("10"),
        contract_date=D(2023, 3, 1),
    )
    data = form_data(
        assignor=uworld.enterprise_a.pk,
        assignee=uworld.enterprise_b.pk,
        patent_numbers="201710117081.7",
        amount="10",
    )
    assert t.recorded_by == uworld.enterprise_a
    assert login(uworld.charlie).get(url("detail", t)).status_code == 200
    assert login(uworld.charlie).post(url("edit", t), {**data, "amount": "1"}).status_code == 403
    assert login(uworld.erin).post(url("edit", t), {**data, "amount": "20"}).status_code == 302
    t.refresh_from_db()
    assert t.amount == Decimal("20")
    # Erin may not move the transaction out of her own reach.
    data["assignor"] = uworld.university.pk
    response = login(uworld.erin).post(url("edit", t), data)
    assert response.status_code == 400
    t.refresh_from_db()
    assert t.assignor == uworld.enterprise_a
    # Nor write a negative amount.
    response = login(uworld.erin).post(url("edit", t), {**data, "amount": "-5"})
    assert response.status_code == 400
    assert "The amount cannot be negative." in response.content.decode()


def test_a_stranger_reaches_nothing_of_a_transaction(uworld, login, uni_to_a):
    client = login(uworld.charlie)
    for action in ("detail", "edit", "delete", "history"):
        assert client.get(url(action, uni_to_a)).status_code == 404, action
    assert client.post(url("edit", uni_to_a), form_data()).status_code == 404
    assert client.post(url("delete", uni_to_a)).status_code == 404
    assert Transaction.objects.filter(pk=uni_to_a.pk).exists()


def test_delete_is_the_office_s(uworld, login, a_to_b):
    assert login(uworld.erin).get(url("delete", a_to_b)).status_code == 403
    assert login(uworld.leo).post(url("delete", a_to_b)).status_code == 403
    assert login(uworld.fiona).post(url("delete", a_to_b)).status_code == 404
    assert login(uworld.alice).post(url("delete", a_to_b)).status_code == 302
    assert not Transaction.objects.exists()


# -- statistics --------------------------------------------------------------------------------


def test_every_figure_on_the_stats_page_links_to_a_list_of_that_many(
    uworld, login, a_to_b, uni_to_a
):
    deal(
        uworld.outside,
        uworld.enterprise_a,
        [make_patent()],
        contract_date=D(2023, 9, 9),
        amount=Decimal("7"),
    )
    for user in (uworld.alice, uworld.erin, uworld.charlie):
        client = login(user)
        body = client.get(STATS, {"year": 2024}).content.decode()
        links = re.findall(
            r'<a href="([^"]+)" data-key="([^"]+)" data-year="([^"]+)" '
            r'data-count="(\d+)"',
            body,
        )
        assert len(links) == (5 + 1) * 12
        for href, _key, _year, figure in links:
            listed = count_on(client.get(unescape(href)).content.decode())
            assert listed == int(figure), (user, href)
        totals = [int(f) for _h, key, year, f in links if key == "all" and year == "total"]
        assert totals == [{"alice": 3, "erin": 3, "charlie": 1}[user.username]]


def test_the_stats_page_defaults_to_the_latest_year_and_needs_view(uworld, login, a_to_b):
    body = login(uworld.leo).get(STATS).content.decode()
    assert "2019–2023" in body
    assert login(uworld.leo).get(STATS, {"year": "junk"}).status_code == 200


# -- derivation and review ---------------------------------------------------------------------


def test_alice_derives_in_the_background(uworld, login, django_capture_on_commit_callbacks):
    patent = make_patent(holders=[uworld.enterprise_a])
    make_event(patent, "transfer", D(2023, 2, 2), counterparty=uworld.enterprise_a.name)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(uworld.alice).post(reverse("utilization:transaction_derive"))
    job = Job.objects.get(kind=deals.DERIVE_JOB)
    assert response.url == reverse("core:job_detail", args=[job.pk])
    assert job.status == "succeeded" and job.result["created"] == 1
    assert Transaction.objects.get().origin == "legal_event"
    # Once finished the page says what was done, not "Deriving …".
    assert job.message.startswith("Derivation finished: 1 dated events: 1 transactions created")
    body = login(uworld.alice).get(response.url).content.decode()
    assert "Derivation finished" in body and "Deriving transactions" not in body


def test_only_the_office_may_derive_or_review(uworld, login):
    for user in (uworld.leo, uworld.erin, uworld.bob):
        client = login(user)
        assert client.post(reverse("utilization:transaction_derive")).status_code == 403
    assert not Job.objects.exists()


def test_readers_of_transactions_read_the_undated_events_without_actions(uworld, login):
    patent = make_patent(holders=[uworld.enterprise_b], application_number="201710117081.7")
    event = make_event(patent, "licence", None, counterparty=uworld.enterprise_a.name)
    recorded = deal(uworld.enterprise_b, uworld.enterprise_a, [patent], kind="ordinary")
    undated = reverse("utilization:transaction_undated")
    for user in (uworld.leo, uworld.erin):
        response = login(user).get(undated)
        assert response.status_code == 200, user
        body = response.content.decode()
        assert "201710117081.7" in body and 'data-testid="undated-readonly"' in body
        assert f"{ADD}?legal_event={event.pk}" not in body
        assert reverse("utilization:transaction_link_event") not in body
        assert recorded.get_absolute_url() in body  # the likely match, to read
        assert undated in login(user).get(LIST).content.decode()
    # A reader of only its own transactions is not shown the others' as likely matches.
    body = login(uworld.fiona).get(undated).content.decode()
    assert "201710117081.7" in body and recorded.get_absolute_url() not in body
    # The actions stay the office's.
    body = login(uworld.alice).get(undated).content.decode()
    assert f"{ADD}?legal_event={event.pk}" in body
    assert 'data-testid="undated-readonly"' not in body


def test_undated_events_are_listed_for_review_and_recorded_from_there(uworld, login):
    patent = make_patent(holders=[uworld.enterprise_b], application_number="201710117081.7")
    event = make_event(
        patent, "licence", None, counterparty=uworld.enterprise_a.name, detail="许可类型：独占许可"
    )
    make_event(make_patent(), "transfer", D(2023, 1, 1), counterparty="x")
    client = login(uworld.alice)
    assert ">1</span>" in client.get(LIST).content.decode()
    body = client.get(reverse("utilization:transaction_undated")).content.decode()
    assert "1 transfer or licence event of the registry has no date" in body
    assert f"{ADD}?legal_event={event.pk}" in body
    body = client.get(ADD, {"legal_event": event.pk}).content.decode()
    assert "201710117081.7</textarea>" in body and 'data-testid="form-event"' in body
    response = client.post(
        ADD,
        form_data(
            kind="exclusive",
            assignor=uworld.enterprise_b.pk,
            assignee_name=uworld.enterprise_a.name,
            patent_numbers="201710117081.7",
            legal_event=event.pk,
        ),
    )
    assert response.status_code == 302
    assert Transaction.objects.get().legal_events.get() == event
    assert not deals.undated_events().exists()


def test_the_menu_shows_transfers_to_readers(uworld, login):
    body = login(uworld.leo).get(reverse("core:home")).content.decode()
    assert LIST in body and STATS in body


def test_erin_may_not_record_from_an_event_nor_link_one(uworld, login):
    patent = make_patent(holders=[uworld.enterprise_a], application_number="201710117081.7")
    event = make_event(patent, "transfer", None, counterparty=uworld.enterprise_a.name)
    client = login(uworld.erin)
    body = client.get(ADD, {"legal_event": event.pk}).content.decode()
    assert 'data-testid="form-event"' not in body and "201710117081.7</textarea>" not in body
    response = client.post(
        ADD,
        form_data(
            assignor_name="示例原权利人",
            assignee=uworld.enterprise_a.pk,
            patent_numbers="201710117081.7",
            legal_event=event.pk,
        ),
    )
    assert response.status_code == 302
    assert not Transaction.objects.get().legal_events.exists()
    assert list(deals.undated_events()) == [event]


def test_recording_what_is_recorded_already_shows_a_link_to_it(uworld, login):
    patent = make_patent(holders=[uworld.enterprise_a], application_number="201710117081.7")
    make_event(patent, "transfer", D(2024, 4, 10), counterparty=uworld.enterprise_a.name)
    deals.derive_from_legal_events()
    derived = Transaction.objects.get()
    response = login(uworld.erin).post(
        ADD,
        form_data(
            assignor_name="示例原权利人",
            assignee=uworld.enterprise_a.pk,
            patent_numbers="201710117081.7",
            contract_date="2024-04-01",
        ),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert f'href="{url("detail", derived)}" data-testid="duplicate-link"' in body
    assert Transaction.objects.count() == 1


def test_the_review_offers_to_link_a_transaction_recorded_already(uworld, login):
    patent = make_patent(holders=[uworld.enterprise_a], application_number="201710117081.7")
    event = make_event(
        patent, "transfer", None, counterparty=uworld.enterprise_a.name, detail="转让次数 2"
    )
    recorded = deal(uworld.enterprise_b, uworld.enterprise_a, [patent])
    unrelated = deal(uworld.enterprise_b, uworld.university, [patent], contract_date=D(2020, 1, 1))
    client = login(uworld.alice)
    page = reverse("utilization:transaction_undated")
    body = unescape(client.get(page).content.decode())
    assert "0 of 2 (2 left)" in body
    assert f'name="transaction" value="{recorded.pk}"' in body
    assert f'name="transaction" value="{unrelated.pk}"' not in body
    link = reverse("utilization:transaction_link_event")
    data = {"transaction": recorded.pk, "legal_event": event.pk, "next": page}
    for user in (uworld.erin, uworld.leo):
        assert login(user).post(link, data).status_code == 403
    assert not recorded.legal_events.exists()
    client = login(uworld.alice)
    assert client.post(link, data).url == page
    assert recorded.legal_events.get() == event
    body = unescape(client.get(page).content.decode())
    assert "1 of 2 (1 left)" in body
    assert f'name="transaction" value="{recorded.pk}"' not in body
    # A foreign "next" is not followed.
    other = make_event(patent, "transfer", None, counterparty=uworld.enterprise_a.name)
    data = {"transaction": recorded.pk, "legal_event": other.pk, "next": "https://evil.example/"}
    assert client.post(link, data).url == page


def test_the_undated_review_reads_in_a_fixed_number_of_queries(
    uworld, login, django_assert_max_num_queries
):
    client = login(uworld.alice)
    page = reverse("utilization:transaction_undated")

    def add_events(n):
        for _n in range(n):
            patent = make_patent(holders=[uworld.enterprise_a])
            make_event(patent, "transfer", None, counterparty=uworld.enterprise_a.name)
            deal(uworld.enterprise_b, uworld.enterprise_a, [patent])

    add_events(2)
    with django_assert_max_num_queries(40) as few:
        assert client.get(page).status_code == 200
    add_events(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(page).content.decode()
    assert body.count('name="transaction"') == 12


def test_the_office_unlinks_an_event_and_the_others_may_not(uworld, login):
    patent = make_patent(holders=[uworld.enterprise_a])
    manual = deal(uworld.enterprise_b, uworld.enterprise_a, [patent], contract_date=D(2023, 3, 1))
    event = make_event(patent, "transfer", D(2023, 3, 5), counterparty=uworld.enterprise_a.name)
    deals.derive_from_legal_events()
    unlink = reverse("utilization:transaction_unlink_event", args=[manual.pk, event.pk])
    body = login(uworld.erin).get(url("detail", manual)).content.decode()
    assert unlink not in body
    assert login(uworld.erin).post(unlink).status_code == 403
    assert login(uworld.leo).post(unlink).status_code == 403
    assert login(uworld.fiona).post(unlink).status_code == 404
    assert manual.legal_events.get() == event
    client = login(uworld.alice)
    assert unlink in client.get(url("detail", manual)).content.decode()
    response = client.post(unlink, follow=True)
    assert "deriving will not count it again" in unescape(response.content.decode())
    assert f"{ADD}?legal_event={event.pk}" in response.content.decode()
    assert not manual.legal_events.exists()
    assert deals.derive_from_legal_events()["created"] == 0


def test_the_delete_page_says_the_events_will_not_be_derived_again(uworld, login):
    patent = make_patent(holders=[uworld.enterprise_a])
    make_event(patent, "transfer", D(2023, 3, 5), counterparty=uworld.enterprise_a.name)
    deals.derive_from_legal_events()
    derived = Transaction.objects.get()
    client = login(uworld.alice)
    body = client.get(url("delete", derived)).content.decode()
    assert 'data-testid="dismissed-events"' in body and patent.application_number in body
    assert client.post(url("delete", derived)).status_code == 302
    assert not Transaction.objects.exists()
    assert deals.derive_from_legal_events()["created"] == 0
    assert not Transaction.objects.exists()


def test_the_detail_names_only_listings_the_viewer_may_open(uworld, login):
    from .test_marketplace_builders import make_offer

    draft = make_offer(uworld.enterprise_a, "甲的未发布成果", status="draft")
    t = deal(uworld.enterprise_a, uworld.enterprise_b, [make_patent()], supply_listing=draft)
    body = login(uworld.erin).get(url("detail", t)).content.decode()
    assert "甲的未发布成果" in body
    body = login(uworld.charlie).get(url("detail", t)).content.decode()
    assert "甲的未发布成果" not in body and "a listing you cannot open" in body


def test_the_add_page_tells_a_party_what_it_may_record(uworld, login):
    from ..factories import make_org, make_user

    agency = make_org("示例知识产权服务有限公司")
    sam = make_user("sam", agency, "service_user")
    for user, org in ((sam, agency), (uworld.erin, uworld.enterprise_a)):
        response = login(user).get(ADD)
        assert response.status_code == 200
        body = unescape(response.content.decode())
        assert 'data-testid="own-party-note"' in body and org.name in body
        assert "recorded by the district office" in body
    assert 'data-testid="own-party-note"' not in login(uworld.alice).get(ADD).content.decode()
