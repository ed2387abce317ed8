"""The rules a review asked of IP finance, one block per rule: rights held by the pledgor; each
bank keeps only its own books; a guarantor edits its guarantee without seeing the bank's pledge;
linked valuations shown only to their readers; risk notifications exactly to the alert's
readers; only the pledgee and the office resolve; rights dead at registration; the import as
strict as the forms; one writer of Patent.pledge_amount; the amount shared among the rights."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from ipcity.accounts.models import APIToken, User
from ipcity.core.imports import get_format, validate
from ipcity.core.models import Notification
from ipcity.orgs.choices import OrganizationKind
from ipcity.rights import actions as rights_actions
from ipcity.rights.forms import PatentForm
from ipcity.rights.highvalue import current_year, rule_set_for
from ipcity.rights.models import PatentHolder
from ipcity.utilization import pledges, risks
from ipcity.utilization.forms.finance import GuaranteeForm, PledgeForm, PledgeRefField
from ipcity.utilization.models import (
    FinancialProduct,
    Guarantee,
    InsurancePolicy,
    Pledge,
    RiskAlert,
    Valuation,
)
from ipcity.utilization.views.finance import PLEDGE_QUERYSET
from tests.data.sheets import write_xlsx

from ..factories import grant, make_org, make_user
from ..rights.registry_builders import make_event, make_patent, make_trademark
from .test_finance_helpers import build_finance, make_pledge

TODAY = datetime.date(2024, 6, 3)


@pytest.fixture
def fin(uworld):
    return build_finance(uworld)


@pytest.fixture
def api(db):
    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pledge_data(w, *patents, **extra):
    data = {
        "pledgor": w.enterprise_a.uscc,
        "pledgee": w.bank_a.name,
        "patents": ";".join(p.application_number for p in patents),
        "amount": "600",
        "registration_date": "2024-04-01",
        "registration_number": "Y2024-R1",
    }
    data.update(extra)
    return data


def amount(patent):
    patent.refresh_from_db()
    return patent.pledge_amount


def check(key, path, user):
    return validate(get_format(key), path, path.name, user)


def scan(capture, **kwargs):
    with capture(execute=True):
        return risks.scan(today=TODAY, **kwargs)


def notified(alert) -> set[str]:
    return set(
        Notification.objects.filter(link=alert.get_absolute_url()).values_list(
            "user__username", flat=True
        )
    )


def with_high_value_threshold(threshold="1000"):
    rule_set = rule_set_for(current_year())
    rule_set.criteria = [*rule_set.criteria, "pledge"]
    rule_set.pledge_threshold = Decimal(threshold)
    rule_set.save()


# 1. a pledge pledges only the pledgor's rights ------------------------------------------------


def test_a_bank_cannot_pledge_rights_the_pledgor_does_not_hold(uworld, api):
    with_high_value_threshold()
    theirs = make_patent("乙的发明", holders=[uworld.enterprise_b], grant_date="2020-05-01")
    mark = make_trademark("乙标", holder=uworld.enterprise_b)
    with pytest.raises(ValidationError) as error:
        pledges.register_pledge(
            uworld.fiona,
            pledge_data(uworld, theirs, amount="5000", trademarks=mark.registration_number),
        )
    errors = error.value.message_dict
    assert (
        "does not hold" in errors["patents"][0]
        and theirs.application_number in errors["patents"][0]
    )
    assert mark.registration_number in errors["trademarks"][0]
    theirs.refresh_from_db()
    assert theirs.pledge_amount is None and not theirs.is_high_value
    assert not Pledge.objects.exists()

    response = api(uworld.fiona).post(
        "/api/utilization/pledges/",
        {
            "pledgor": uworld.enterprise_a.name,
            "patents": [theirs.application_number],
            "amount": 5000,
            "registration_date": "2024-06-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 422 and "patents" in response.json()["errors"]
    assert not Pledge.objects.exists() and amount(theirs) is None


def test_the_import_refuses_rights_the_pledgor_does_not_hold(uworld, tmp_path):
    theirs = make_patent("乙的发明", holders=[uworld.enterprise_b])
    header = ["登记号", "登记日期", "出质人", "质权人", "专利号", "担保金额（万元）"]
    row = ["Y-1", "2024-03-01", uworld.enterprise_a.name, uworld.bank_a.name]
    path = write_xlsx(tmp_path / "p.xlsx", [[*row, theirs.application_number, "5000"]], header)
    result = check("utilization.pledge", path, uworld.fiona)
    assert [e["row"] for e in result.errors] == [2]
    assert "does not hold" in result.errors[0]["message"]


def test_an_edit_checks_the_rights_it_adds_not_those_that_changed_owner_since(uworld):
    ours = make_patent("甲的发明", holders=[uworld.enterprise_a])
    theirs = make_patent("乙的发明", holders=[uworld.enterprise_b])
    pledge = pledges.register_pledge(uworld.fiona, pledge_data(uworld, ours))
    with pytest.raises(ValidationError) as error:
        pledges.change_pledge(
            uworld.fiona,
            pledge,
            {"patents": f"{ours.application_number};{theirs.application_number}"},
        )
    assert theirs.application_number in error.value.message_dict["patents"][0]
    # the pledged patent is transferred after the registration (a risk alert's business):
    # correcting the contract number still works
    PatentHolder.objects.filter(patent=ours).update(organization=uworld.enterprise_b)
    pledges.update(uworld.fiona, pledge, {"contract_number": "HT-9"})
    pledge.refresh_from_db()
    assert pledge.contract_number == "HT-9"
    # so does the full page form, which sends the unchanged rights
    data = pledge_data(uworld, ours, contract_number="HT-10", registration_number="Y2024-R1")
    client = Client()
    client.force_login(uworld.fiona)
    response = client.post(reverse("utilization:pledge_edit", args=[pledge.pk]), data)
    assert response.status_code == 302


# 2. each bank keeps only its own books ---------------------------------------------------------


def test_a_bank_cannot_record_in_another_banks_books(fin, api, tmp_path):
    # bank A as the pledgor of its own patent, bank B as the pledgee: bank B's book, not fiona's
    own = make_patent("甲行自有专利", holders=[fin.bank_a])
    with pytest.raises(ValidationError) as error:
        pledges.register_pledge(
            fin.fiona, pledge_data(fin, own, pledgor=fin.bank_a.name, pledgee=fin.bank_b.name)
        )
    assert "pledgee" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        pledges.create(
            fin.fiona,
            InsurancePolicy,
            {
                "policy_number": "BD-X",
                "insured": fin.bank_a.name,
                "insurer": fin.bank_b.name,
                "kind": "enforcement",
                "insured_amount": "10",
                "start_date": "2024-01-01",
            },
        )
    assert "insurer" in error.value.message_dict
    guarantee = {
        "guarantor": fin.a.guarantee.guarantor.name,
        "borrower": fin.bank_a.name,
        "lender": fin.bank_b.name,
        "amount": "100",
        "start_date": "2024-01-01",
    }
    with pytest.raises(ValidationError) as error:
        pledges.create(fin.fiona, Guarantee, guarantee)
    assert "guarantor" in error.value.message_dict
    # as the lender, the guarantee is in her book
    pledges.create(fin.fiona, Guarantee, {**guarantee, "lender": fin.bank_a.name})
    assert not Pledge.objects.filter(pledgee=fin.bank_b, pledgor=fin.bank_a).exists()
    assert not InsurancePolicy.objects.filter(policy_number="BD-X").exists()

    response = api(fin.fiona).post(
        "/api/utilization/insurance-policies/",
        {
            "policy_number": "BD-Y",
            "insured": fin.bank_a.name,
            "insurer": fin.bank_b.name,
            "kind": "enforcement",
            "insured_amount": 10,
            "start_date": "2024-01-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 422 and "insurer" in response.json()["errors"]

    header = ["登记号", "登记日期", "出质人", "质权人", "专利号", "担保金额（万元）"]
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [["Y-B", "2024-03-01", fin.bank_a.name, fin.bank_b.name, own.application_number, "10"]],
        header,
    )
    result = check("utilization.pledge", path, fin.fiona)
    assert [e["row"] for e in result.errors] == [2]
    assert "name it as the pledgee" in result.errors[0]["message"]


def test_a_subtree_grant_records_for_the_subordinate_banks(fin):
    branch = make_org("示例甲银行北京分行", OrganizationKind.FINANCIAL, region=fin.district)
    fin.bank_a.parent = branch
    fin.bank_a.save()
    hank = make_user("hank", branch)
    grant(hank, "finance_user", "subtree")
    patent = make_patent("甲的发明", holders=[fin.enterprise_a])
    pledge = pledges.register_pledge(hank, pledge_data(fin, patent))
    assert pledge.pledgee == fin.bank_a
    with pytest.raises(ValidationError):
        pledges.register_pledge(
            hank, pledge_data(fin, patent, pledgee=fin.bank_b.name, registration_number="Y-2")
        )


# 3. a guarantor edits its guarantee without seeing the bank's pledge ---------------------------


@pytest.fixture
def gina(fin):
    """A user of the guarantor: sees the guarantees, not the banks' pledges."""
    return make_user("gina", fin.a.guarantee.guarantor, "finance_user")


def test_the_guarantor_edits_its_guarantee_and_the_hidden_pledge_stays(fin, gina, login, api):
    guarantee = fin.a.guarantee
    number = fin.a.pledge.registration_number
    client = login(gina)
    page = client.get(reverse("utilization:guarantee_edit", args=[guarantee.pk]))
    assert page.status_code == 200 and number not in page.content.decode()
    assert "not visible to you" in page.content.decode()
    data = {
        "guarantor": guarantee.guarantor.name,
        "borrower": fin.enterprise_a.name,
        "lender": fin.bank_a.name,
        "amount": "450",
        "fee_rate": "1.2",
        "start_date": "2023-03-01",
        "contract_number": guarantee.contract_number,
    }
    response = client.post(reverse("utilization:guarantee_edit", args=[guarantee.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    guarantee.refresh_from_db()
    assert guarantee.amount == Decimal("450") and guarantee.pledge == fin.a.pledge
    assert number not in client.get(guarantee.get_absolute_url()).content.decode()

    response = api(gina).patch(
        f"/api/utilization/guarantees/{guarantee.pk}/",
        {"fee_rate": 2},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["pledge"] is None  # hidden from her
    guarantee.refresh_from_db()
    assert guarantee.fee_rate == Decimal("2") and guarantee.pledge == fin.a.pledge
    assert api(gina).get("/api/utilization/guarantees/").json()["results"][0]["pledge"] is None
    body = api(fin.fiona).get(f"/api/utilization/guarantees/{guarantee.pk}/").json()
    assert body["pledge"] == fin.a.pledge.pk


def export_pledge_numbers(client) -> list:
    response = client.get(reverse("utilization:guarantee_list"), {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    column = rows[0].index("质押登记号")
    return [row[column] for row in rows[1:]]


def test_the_export_blanks_a_pledge_the_reader_may_not_see(fin, gina, login):
    assert export_pledge_numbers(login(gina)) in ([None, None], ["", ""])
    assert export_pledge_numbers(login(fin.fiona)) == [fin.a.pledge.registration_number]


def test_the_pledge_field_never_shows_a_hidden_pledge(fin, gina):
    field = PledgeRefField()
    field.queryset = Pledge.objects.restrict(gina, "view")
    assert field.prepare_value(fin.a.pledge.pk) == ""
    assert field.prepare_value(fin.a.pledge) == ""
    field.queryset = Pledge.objects.restrict(fin.fiona, "view")
    assert field.prepare_value(fin.a.pledge.pk) == fin.a.pledge.registration_number
    form = GuaranteeForm(instance=fin.a.guarantee, user=gina)
    assert fin.a.pledge.registration_number not in str(form["pledge"])


def test_a_pledge_keeps_a_valuation_and_product_its_editor_may_not_see(fin, login):
    pledge = fin.a.pledge
    hidden = Valuation.objects.create(
        owner=fin.enterprise_a,
        commissioned_by=fin.bank_b,
        method="market",
        value=Decimal("900"),
        date=datetime.date(2023, 2, 1),
        appraiser_name="乙行委托的评估机构",
    )
    pledge.valuation = hidden
    pledge.product = fin.b.hidden_product
    pledge.save()
    data = {
        "pledgor": fin.enterprise_a.name,
        "pledgee": fin.bank_a.name,
        "patents": fin.a.patent.application_number,
        "amount": "900",
        "registration_date": "2023-03-01",
        "registration_number": pledge.registration_number,
    }
    client = login(fin.fiona)
    page = client.get(reverse("utilization:pledge_edit", args=[pledge.pk])).content.decode()
    assert fin.b.hidden_product.name not in page and "not visible to you" in page
    response = client.post(reverse("utilization:pledge_edit", args=[pledge.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    pledge.refresh_from_db()
    assert pledge.amount == Decimal("900")
    assert (pledge.valuation, pledge.product) == (hidden, fin.b.hidden_product)


# 4. a pledge's valuation is the pledgor's, and shown only to its readers ----------------------


def test_a_pledge_needs_a_valuation_of_the_pledgors_rights(fin):
    patent = make_patent("甲的发明", holders=[fin.enterprise_a])
    others = Valuation.objects.create(
        owner=fin.enterprise_b,
        commissioned_by=fin.bank_a,
        method="income",
        value=Decimal("100"),
        date=datetime.date(2024, 1, 1),
        appraiser_name="某评估",
    )
    with pytest.raises(ValidationError) as error:
        pledges.register_pledge(fin.fiona, pledge_data(fin, patent, valuation=others.pk))
    assert "another holder" in error.value.message_dict["valuation"][0]


def test_the_pledge_page_shows_the_valuation_only_to_its_readers(fin, login):
    pledge = fin.a.pledge
    valuation = Valuation.objects.create(
        owner=fin.enterprise_a,
        commissioned_by=fin.bank_b,
        method="market",
        value=Decimal("777"),
        date=datetime.date(2023, 2, 1),
        appraiser_name="乙行委托的评估机构",
    )
    pledge.valuation = valuation
    pledge.save()
    link = reverse("utilization:valuation_detail", args=[valuation.pk])
    assert link not in login(fin.fiona).get(pledge.get_absolute_url()).content.decode()
    assert link in login(fin.erin).get(pledge.get_absolute_url()).content.decode()  # the owner


# 5. risk notifications reach exactly the alert's readers ---------------------------------------


def test_notifications_follow_the_grants_of_the_scope(uworld, django_capture_on_commit_callbacks):
    group = make_org("示例控股集团有限公司", region=uworld.district)
    uworld.enterprise_a.parent = group
    uworld.enterprise_a.save()
    make_user("gus", group, "enterprise_user", scope="subtree")  # the group's subtree
    ann = make_user("ann", uworld.enterprise_a)  # works at A, but her grant is over B
    grant(ann, "enterprise_user", "own", organization=uworld.enterprise_b)
    ola = make_user("ola", uworld.university)  # anchored at bank A
    grant(ola, "finance_user", "own", organization=uworld.bank_a)
    make_user("ivy", uworld.enterprise_a, "enterprise_user", is_active=False)

    patent = make_patent("一种被质押的装置", holders=[uworld.enterprise_a])
    make_pledge(uworld.enterprise_a, uworld.bank_a, [patent], registration_number="Y1")
    make_event(patent, "fee_overdue", datetime.date(2024, 3, 15))
    assert scan(django_capture_on_commit_callbacks) == 1
    alert = RiskAlert.objects.get()
    readers = {
        user.username
        for user in User.objects.filter(is_active=True)
        if RiskAlert.objects.restrict(user, "view").filter(pk=alert.pk).exists()
    }
    assert "gus" in readers and "ola" in readers and "ann" not in readers
    assert notified(alert) == readers == {"alice", "leo", "erin", "fiona", "gus", "ola"}


def test_finding_the_recipients_costs_a_few_queries(uworld, django_assert_max_num_queries):
    made = []
    for n in range(12):
        org = make_org(f"示例企业{n}有限公司", region=uworld.district)
        make_user(f"user{n}", org, "enterprise_user")
        made.append(make_pledge(org, uworld.bank_a if n % 2 else uworld.bank_b))
    with django_assert_max_num_queries(4):
        found = risks.recipients(made)
    assert {u.username for u in found[made[1].pk]} == {"alice", "leo", "user1", "fiona"}
    assert {u.username for u in found[made[2].pk]} == {"alice", "leo", "user2", "frank"}


# 6. only the pledgee and the office resolve; a new fact raises a new alert ---------------------


def test_the_pledgor_acknowledges_but_cannot_resolve(fin, login):
    alert = fin.a.alert
    client = login(fin.erin)
    page = client.get(alert.get_absolute_url()).content.decode()
    assert 'data-testid="resolve-form"' not in page
    assert reverse("utilization:riskalert_acknowledge", args=[alert.pk]) in page
    response = client.post(reverse("utilization:riskalert_resolve", args=[alert.pk]), {"note": "x"})
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        pledges.resolve_alert(fin.erin, alert, "已处理")
    pledges.acknowledge_alert(fin.erin, alert, "在办")
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    page = login(fin.fiona).get(alert.get_absolute_url()).content.decode()
    assert 'data-testid="resolve-form"' in page
    pledges.resolve_alert(fin.fiona, alert, "已补缴")
    alert.refresh_from_db()
    assert alert.status == "resolved"
    pledges.resolve_alert(fin.alice, fin.b.alert, "办公室核实")  # the office


def test_a_new_owner_after_a_resolved_alert_raises_a_new_one(
    uworld, django_capture_on_commit_callbacks
):
    patent = make_patent("一种被质押的装置", holders=[uworld.enterprise_a])
    mark = make_trademark("示例", holder=uworld.enterprise_a)
    pledge = make_pledge(uworld.enterprise_a, uworld.bank_a, [patent], registration_number="Y1")
    pledge.trademarks.set([mark])
    other = make_org("示例丙科技有限公司", region=uworld.district)

    PatentHolder.objects.filter(patent=patent).update(organization=uworld.enterprise_b)
    mark.holder = uworld.enterprise_b
    mark.save()
    assert scan(django_capture_on_commit_callbacks) == 2
    for alert in RiskAlert.objects.all():
        pledges.resolve_alert(uworld.fiona, alert, "已知悉，已与企业沟通")
    assert scan(django_capture_on_commit_callbacks) == 0  # the same facts: nothing new

    PatentHolder.objects.filter(patent=patent).update(organization=other)
    mark.holder = other
    mark.save()
    assert scan(django_capture_on_commit_callbacks) == 2  # new holders: new alerts
    assert RiskAlert.objects.filter(status="open").count() == 2


# 7. rights already dead when pledged ------------------------------------------------------------


def test_a_right_already_dead_at_registration_raises_a_marked_alert(
    uworld, django_capture_on_commit_callbacks
):
    lapsed = make_patent(
        "早已失效的专利",
        holders=[uworld.enterprise_a],
        legal_status="lapsed",
        lapse_date=datetime.date(2020, 1, 1),
    )
    invalid = make_patent(
        "早已无效的专利", holders=[uworld.enterprise_a], legal_status="invalidated"
    )
    make_event(invalid, "invalidation", datetime.date(2021, 6, 1))
    make_pledge(uworld.enterprise_a, uworld.bank_a, [lapsed, invalid], registration_number="Y1")
    assert scan(django_capture_on_commit_callbacks) == 2
    details = dict(RiskAlert.objects.values_list("kind", "detail"))
    assert "already lapsed when registered" in details["lapsed"]
    assert "2020-01-01" in details["lapsed"]
    assert "already invalidated when registered" in details["invalidated"]
    # a lapse after the registration is news and says so plainly
    later = make_patent("后来失效的专利", holders=[uworld.enterprise_a])
    make_pledge(uworld.enterprise_a, uworld.bank_a, [later], registration_number="Y2")
    later.legal_status, later.lapse_date = "lapsed", datetime.date(2024, 2, 1)
    later.save()
    scan(django_capture_on_commit_callbacks)
    detail = RiskAlert.objects.get(patent=later).detail
    assert "already" not in detail and "2024-02-01" in detail


# 8. an edit out of scope is a field error; no change registration of a closed pledge -----------


def test_moving_a_pledge_to_another_bank_is_a_field_error(fin, login):
    pledge = fin.a.pledge
    data = {
        "pledgor": fin.enterprise_a.name,
        "pledgee": fin.bank_b.name,
        "patents": fin.a.patent.application_number,
        "amount": "800",
        "registration_date": "2023-03-01",
        "registration_number": pledge.registration_number,
    }
    response = login(fin.fiona).post(reverse("utilization:pledge_edit", args=[pledge.pk]), data)
    assert response.status_code == 400
    assert "name it as the pledgee" in response.context["form"].errors["pledgee"][0]
    pledge.refresh_from_db()
    assert pledge.pledgee == fin.bank_a


def test_a_change_registration_of_a_released_pledge_is_explained(fin, login):
    pledges.release_pledge(fin.fiona, fin.a.pledge, datetime.date(2024, 3, 1))
    response = login(fin.fiona).get(
        reverse("utilization:pledge_change", args=[fin.a.pledge.pk]), follow=True
    )
    assert response.status_code == 200
    assert "Only a registered pledge can be changed" in response.content.decode()


# 9. no N+1 on the pledge page -------------------------------------------------------------------


def test_the_pledge_page_costs_the_same_however_many_guarantees(fin, login):
    client = login(fin.alice)
    url = fin.a.pledge.get_absolute_url()
    client.get(url)

    def cost():
        with CaptureQueriesContext(transaction.get_connection()) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    one = cost()
    for n in range(5):
        guarantor = make_org(f"示例担保{n}有限公司", OrganizationKind.FINANCIAL)
        borrower = make_org(f"示例借款{n}有限公司")
        Guarantee.objects.create(
            guarantor=guarantor,
            borrower=borrower,
            pledge=fin.a.pledge,
            amount=Decimal("10"),
            start_date=datetime.date(2024, 1, 1),
        )
    assert cost() == one
    fin.a.pledge.valuation = fin.a.valuation
    fin.a.pledge.save()
    pledge = PLEDGE_QUERYSET.get(pk=fin.a.pledge.pk)
    with CaptureQueriesContext(transaction.get_connection()) as queries:
        str(pledge.valuation)
    assert len(queries) == 0


# 10. the import is as strict as the forms ------------------------------------------------------


def test_the_import_applies_the_forms_checks(uworld, tmp_path):
    patent = make_patent("甲的发明", holders=[uworld.enterprise_a])
    make_pledge(uworld.enterprise_a, uworld.bank_a, [patent], registration_number="Y-001")
    InsurancePolicy.objects.create(
        insured=uworld.enterprise_a,
        insurer=uworld.bank_a,
        kind="enforcement",
        policy_number="BD-001",
        insured_amount=Decimal("10"),
        start_date=datetime.date(2024, 1, 1),
    )
    header = [
        "登记号",
        "登记日期",
        "出质人",
        "质权人",
        "专利号",
        "担保金额（万元）",
        "债务履行期止",
    ]
    base = [uworld.enterprise_a.name, uworld.bank_a.name, patent.application_number, "100"]
    rows = [
        ["Ｙ－００１", "2024-03-01", *base, ""],  # the same number in full width
        ["Y-002", "2024-03-01", *base, "2024-02-01"],  # the term ends before the registration
        ["Ｙ－００３", "2024-03-01", *base, ""],  # fine, stored half-width
    ]
    result = check(
        "utilization.pledge", write_xlsx(tmp_path / "p.xlsx", rows, header), uworld.fiona
    )
    reasons = {e["row"]: e["message"] for e in result.errors}
    assert set(reasons) == {2, 3}
    assert "registration number exists" in reasons[2]
    assert "term ends before the registration" in reasons[3]
    assert [r.values["registration_number"] for r in result.rows] == ["Y-003"]

    valuations = write_xlsx(
        tmp_path / "v.xlsx",
        [[uworld.enterprise_a.name, patent.application_number, "收益法", "1500", "2024-01-31", ""]],
        ["权利人", "专利号", "评估方法", "评估价值（万元）", "评估基准日", "评估机构"],
    )
    result = check("utilization.valuation", valuations, uworld.fiona)
    assert [(e["row"], "Name the appraiser" in e["message"]) for e in result.errors] == [(2, True)]

    policies = write_xlsx(
        tmp_path / "i.xlsx",
        [
            [
                "ＢＤ－００１",
                uworld.enterprise_a.name,
                uworld.bank_a.name,
                "执行保险",
                "3",
                "2024-01-01",
            ]
        ],
        ["保单号", "被保险人", "保险人", "险种", "保险金额（万元）", "起保日期"],
    )
    result = check("utilization.insurancepolicy", policies, uworld.fiona)
    assert [(e["row"], "policy with this number" in e["message"]) for e in result.errors] == [
        (2, True)
    ]


# 11. the database keeps registration numbers unique -------------------------------------------


def test_registration_numbers_are_unique_in_the_database(uworld):
    make_pledge(uworld.enterprise_a, uworld.bank_a, registration_number="Y-1")
    make_pledge(uworld.enterprise_a, uworld.bank_a, registration_number="")
    make_pledge(uworld.enterprise_a, uworld.bank_a, registration_number="")  # unnumbered: many
    with pytest.raises(IntegrityError), transaction.atomic():
        make_pledge(uworld.enterprise_b, uworld.bank_b, registration_number="Y-1")


def test_a_number_taken_meanwhile_is_a_field_error(uworld):
    patent = make_patent("甲的发明", holders=[uworld.enterprise_a])
    form = PledgeForm(data=pledge_data(uworld, patent), user=uworld.fiona)
    assert form.is_valid(), form.errors
    make_pledge(uworld.enterprise_a, uworld.bank_a, registration_number="Y2024-R1")  # a race
    with pytest.raises(ValidationError) as error:
        pledges.save_form(uworld.fiona, form)
    assert error.value.message_dict == {
        "registration_number": ["Another pledge has this registration number."]
    }
    assert Pledge.objects.count() == 1


# 12. Patent.pledge_amount has one writer at a time ----------------------------------------------


def test_the_registry_form_shows_a_pledged_amount_read_only(uworld, login):
    pledged = make_patent("甲的发明", holders=[uworld.enterprise_a])
    free = make_patent("未质押的发明", holders=[uworld.enterprise_a])
    pledges.register_pledge(uworld.fiona, pledge_data(uworld, pledged))
    assert PatentForm(instance=pledged, user=uworld.alice).fields["pledge_amount"].disabled
    assert not PatentForm(instance=free, user=uworld.alice).fields["pledge_amount"].disabled
    page = login(uworld.alice).get(reverse("rights:patent_edit", args=[pledged.pk]))
    assert "Computed from the pledges recorded in IP finance." in page.content.decode()
    pledged.refresh_from_db()
    rights_actions.update_patent(uworld.alice, pledged, {"pledge_amount": "9999"})
    rights_actions.update_patent(uworld.alice, free, {"pledge_amount": "9999"})
    assert amount(pledged) == Decimal("600") and amount(free) == Decimal("9999")


def test_sync_never_erases_an_amount_without_pledge_rows(uworld):
    patent = make_patent("登记簿自带金额", holders=[uworld.enterprise_a])
    patent.pledge_amount = Decimal("3000")
    patent.save()
    assert pledges.sync_patents([patent.pk]) == 0
    assert amount(patent) == Decimal("3000")
    pledge = pledges.register_pledge(uworld.fiona, pledge_data(uworld, patent))
    assert amount(patent) == Decimal("600")  # pledged here: computed from the pledges
    pledges.cancel_pledge(uworld.fiona, pledge)
    assert amount(patent) is None  # its only pledge never secured anything


# 13. a pledge's amount is shared equally among its rights --------------------------------------


def test_a_pledge_amount_is_shared_among_its_rights(uworld):
    first = make_patent("甲一", holders=[uworld.enterprise_a])
    second = make_patent("甲二", holders=[uworld.enterprise_a])
    mark = make_trademark("甲标", holder=uworld.enterprise_a)
    shared = pledges.register_pledge(
        uworld.fiona,
        pledge_data(uworld, first, second, amount="900", trademarks=mark.registration_number),
    )
    assert amount(first) == amount(second) == Decimal("300")
    alone = pledges.register_pledge(
        uworld.fiona, pledge_data(uworld, first, amount="100", registration_number="Y-2")
    )
    assert amount(first) == Decimal("400") and amount(second) == Decimal("300")
    pledges.change_pledge(uworld.fiona, shared, {"trademarks": ""})  # two rights now
    assert amount(first) == Decimal("550") and amount(second) == Decimal("450")
    pledges.cancel_pledge(uworld.fiona, alone)
    assert amount(first) == Decimal("450")


def test_a_fifty_patent_pledge_does_not_make_fifty_high_value_patents(uworld):
    with_high_value_threshold("1000")
    patents = [
        make_patent(f"甲的第{n}件发明", holders=[uworld.enterprise_a], grant_date="2020-05-01")
        for n in range(50)
    ]
    pledges.register_pledge(uworld.fiona, pledge_data(uworld, *patents, amount="5000"))
    for patent in patents:
        patent.refresh_from_db()
    assert {p.pledge_amount for p in patents} == {Decimal("100")}
    assert not any(p.is_high_value for p in patents)
    big = make_patent("甲的核心发明", holders=[uworld.enterprise_a], grant_date="2020-05-01")
    pledges.register_pledge(
        uworld.fiona, pledge_data(uworld, big, amount="1200", registration_number="Y-BIG")
    )
    big.refresh_from_db()
    assert big.pledge_amount == Decimal("1200") and big.is_high_value


# 14. every list costs a bounded number of queries with fifteen rows -----------------------------


def crowd(fin, n=13):
    """Thirteen more records of each kind, each with its own parties, rights and products."""
    for i in range(n):
        enterprise = make_org(f"示例批量企业{i}有限公司", region=fin.district)
        guarantor = make_org(f"示例批量担保{i}有限公司", OrganizationKind.FINANCIAL)
        patent = make_patent(f"批量发明{i}", holders=[enterprise])
        mark = make_trademark(f"批量{i}", holder=enterprise)
        product = FinancialProduct.objects.create(
            institution=fin.bank_a, name=f"批量产品{i}", kind="pledge_loan"
        )
        valuation = Valuation.objects.create(
            owner=enterprise,
            appraiser=make_org(f"示例批量评估{i}有限公司", OrganizationKind.SERVICE),
            commissioned_by=fin.bank_a,
            method="income",
            value=Decimal("100"),
            date=datetime.date(2024, 1, 1),
        )
        valuation.patents.set([patent])
        valuation.trademarks.set([mark])
        pledge = make_pledge(
            enterprise,
            fin.bank_a,
            [patent],
            registration_number=f"Y-CROWD-{i}",
            product=product,
            valuation=valuation,
        )
        pledge.trademarks.set([mark])
        policy = InsurancePolicy.objects.create(
            insured=enterprise,
            insurer=fin.bank_a,
            product=product,
            kind="enforcement",
            policy_number=f"BD-CROWD-{i}",
            insured_amount=Decimal("10"),
            start_date=datetime.date(2024, 1, 1),
        )
        policy.patents.set([patent])
        Guarantee.objects.create(
            guarantor=guarantor,
            borrower=enterprise,
            lender=fin.bank_a,
            pledge=pledge,
            amount=Decimal("10"),
            start_date=datetime.date(2024, 1, 1),
        )
        pledge.risk_alerts.create(patent=patent, kind="lapsed", detected_on="2024-01-01")
        pledge.risk_alerts.create(trademark=mark, kind="lapsed", detected_on="2024-01-01")


LISTS = ["pledge", "valuation", "insurancepolicy", "guarantee", "riskalert", "financialproduct"]
API_LISTS = {
    "pledge": "pledges",
    "valuation": "valuations",
    "insurancepolicy": "insurance-policies",
    "guarantee": "guarantees",
    "riskalert": "risk-alerts",
    "financialproduct": "financial-products",
}


@pytest.mark.parametrize("name", LISTS)
def test_lists_of_fifteen_cost_a_bounded_number_of_queries(
    fin, login, api, name, django_assert_max_num_queries
):
    crowd(fin)
    model = {
        "pledge": Pledge,
        "valuation": Valuation,
        "insurancepolicy": InsurancePolicy,
        "guarantee": Guarantee,
        "riskalert": RiskAlert,
        "financialproduct": FinancialProduct,
    }[name]
    assert model.objects.count() >= 15
    for user in (fin.alice, fin.fiona):
        client = login(user)
        url = reverse(f"utilization:{name}_list")
        client.get(url)  # warm the session and menu caches
        with django_assert_max_num_queries(14):
            response = client.get(url)
        assert response.status_code == 200 and len(response.context["table"].rows) >= 14
        token = api(user)
        with django_assert_max_num_queries(10):
            body = token.get(f"/api/utilization/{API_LISTS[name]}/").json()
        assert len(body["results"]) >= 14
