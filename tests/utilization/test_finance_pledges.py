"""Pledges: registration, change, release, cancellation through the pages and `pledges`; the
amounts fed to the registry and the high-value criterion; inclusive lending; filters; export."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ipcity.rights.highvalue import current_year, rule_set_for
from ipcity.utilization import pledges
from ipcity.utilization.models import Pledge

from ..rights.registry_builders import make_patent
from .test_finance_helpers import build_finance, make_pledge


@pytest.fixture
def fin(uworld):
    return build_finance(uworld)


@pytest.fixture
def patent(uworld):
    return make_patent("一种可质押的发明", holders=[uworld.enterprise_a], grant_date="2020-05-01")


def pledge_data(w, patent, **extra):
    data = {
        "pledgor": w.enterprise_a.uscc,
        "pledgee": w.bank_a.name,
        "patents": patent.application_number,
        "amount": "600",
        "registration_date": "2024-04-01",
        "registration_number": "Y2024110000123",
    }
    data.update(extra)
    return data


def amount(patent):
    patent.refresh_from_db()
    return patent.pledge_amount


def test_pledge_amounts_feed_the_registry(uworld, patent):
    first = pledges.register_pledge(uworld.fiona, pledge_data(uworld, patent))
    assert amount(patent) == Decimal("600")
    second = pledges.register_pledge(
        uworld.fiona, pledge_data(uworld, patent, amount="500", registration_number="Y2")
    )
    assert amount(patent) == Decimal("1100")
    pledges.release_pledge(uworld.fiona, first, datetime.date(2025, 4, 1))
    assert amount(patent) == Decimal("1100")  # a released pledge was still secured
    pledges.cancel_pledge(uworld.fiona, second, "登记有误")
    assert amount(patent) == Decimal("600")  # a cancelled one never was
    pledges.delete(uworld.fiona, first)
    assert amount(patent) is None


def test_changing_the_rights_moves_the_amount(uworld, patent):
    other = make_patent("另一件发明", holders=[uworld.enterprise_a])
    pledge = pledges.register_pledge(uworld.fiona, pledge_data(uworld, patent))
    pledges.change_pledge(
        uworld.fiona, pledge, {"patents": other.application_number, "amount": "700"}, "换质押物"
    )
    pledge.refresh_from_db()
    assert pledge.status == "changed" and "换质押物" in pledge.notes
    assert amount(other) == Decimal("700")
    # no pledge rows left for the first patent: its amount is the registry's again, not erased
    assert amount(patent) == Decimal("600")


def test_pledge_amounts_decide_the_high_value_criterion_once_a_threshold_is_set(uworld, patent):
    rule_set = rule_set_for(current_year())
    pledges.register_pledge(uworld.fiona, pledge_data(uworld, patent, amount="1100"))
    patent.refresh_from_db()
    assert not patent.is_high_value  # no threshold yet: the criterion is never met
    rule_set.criteria = [*rule_set.criteria, "pledge"]
    rule_set.pledge_threshold = Decimal("1000")
    rule_set.save()
    pledge = pledges.register_pledge(
        uworld.fiona, pledge_data(uworld, patent, amount="10", registration_number="Y9")
    )
    patent.refresh_from_db()
    assert patent.pledge_amount == Decimal("1110")
    assert patent.is_high_value and "pledge" in patent.high_value_criteria
    first = Pledge.objects.exclude(pk=pledge.pk).get()
    pledges.cancel_pledge(uworld.fiona, first)
    patent.refresh_from_db()
    assert patent.pledge_amount == Decimal("10") and not patent.is_high_value


def test_a_pledge_outside_the_users_scope_is_refused_and_nothing_written(uworld, patent):
    data = pledge_data(uworld, patent, pledgee=uworld.bank_b.name)
    with pytest.raises(ValidationError) as error:
        pledges.register_pledge(uworld.fiona, data)
    assert "name it as the pledgee" in error.value.message_dict["pledgee"][0]
    assert not Pledge.objects.exists() and amount(patent) is None
    with pytest.raises(PermissionDenied):  # no add permission at all
        pledges.register_pledge(uworld.erin, pledge_data(uworld, patent))


def test_unknown_parties_and_rights_are_field_errors(uworld, patent):
    with pytest.raises(ValidationError) as error:
        pledges.register_pledge(
            uworld.fiona,
            pledge_data(
                uworld, patent, pledgor="不存在的公司", patents="201810000001.X; 12345", amount="-5"
            ),
        )
    errors = error.value.message_dict
    assert "不存在的公司" in errors["pledgor"][0]
    assert "12345" in errors["patents"][0]
    assert "amount" in errors
    assert not Pledge.objects.exists()


def test_release_and_cancel_check_the_state(uworld, patent):
    pledge = pledges.register_pledge(uworld.fiona, pledge_data(uworld, patent))
    with pytest.raises(ValidationError):
        pledges.release_pledge(uworld.fiona, pledge, datetime.date(2020, 1, 1))
    pledges.release_pledge(uworld.fiona, pledge, datetime.date(2025, 1, 1), "还清")
    with pytest.raises(ValidationError):
        pledges.release_pledge(uworld.fiona, pledge, datetime.date(2025, 2, 1))
    with pytest.raises(ValidationError):
        pledges.change_pledge(uworld.fiona, pledge, {"amount": "1"})
    pledge.refresh_from_db()
    assert pledge.status == "released" and pledge.release_date == datetime.date(2025, 1, 1)
    assert [h.status for h in pledge.history.order_by("history_date")] == [
        "registered",
        "released",
    ]


# pages


def test_fiona_registers_a_pledge_through_the_page(uworld, login, patent):
    client = login(uworld.fiona)
    form = client.get(reverse("utilization:pledge_add")).content.decode()
    assert f'name="pledgee" value="{uworld.bank_a.name}"' in form  # her bank by default
    response = client.post(reverse("utilization:pledge_add"), pledge_data(uworld, patent))
    pledge = Pledge.objects.get()
    assert response.status_code == 302 and response["Location"] == pledge.get_absolute_url()
    assert (pledge.pledgor, pledge.pledgee, pledge.status) == (
        uworld.enterprise_a,
        uworld.bank_a,
        "registered",
    )
    assert list(pledge.patents.all()) == [patent] and amount(patent) == Decimal("600")
    assert pledge.history.get().history_user == uworld.fiona
    body = client.get(pledge.get_absolute_url()).content.decode()
    assert patent.application_number in body and 'data-testid="inclusive"' in body


def test_a_bad_pledge_form_shows_the_reasons_and_writes_nothing(uworld, login, patent):
    response = login(uworld.fiona).post(
        reverse("utilization:pledge_add"),
        pledge_data(
            uworld, patent, patents="202010999999.1", term_start="2024-05-01", term_end="2024-04-01"
        ),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "Not in the patent registry" in errors["patents"][0]
    assert "term_end" in errors
    assert not Pledge.objects.exists()


def test_frank_cannot_register_a_pledge_to_bank_a(uworld, login, patent):
    response = login(uworld.frank).post(
        reverse("utilization:pledge_add"), pledge_data(uworld, patent)
    )
    assert response.status_code == 400 and not Pledge.objects.exists()
    assert "name it as the pledgee" in response.context["form"].errors["pledgee"][0]


def test_change_release_and_cancel_through_the_page(fin, login):
    client = login(fin.fiona)
    pledge = fin.a.pledge
    data = {
        "pledgor": fin.enterprise_a.name,
        "pledgee": fin.bank_a.name,
        "patents": fin.a.patent.application_number,
        "amount": "1500",
        "registration_date": "2023-03-01",
        "registration_number": pledge.registration_number,
        "change_note": "增加担保金额",
    }
    response = client.post(reverse("utilization:pledge_change", args=[pledge.pk]), data)
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.status == "changed" and pledge.amount == Decimal("1500")
    assert "增加担保金额" in pledge.notes
    body = client.get(pledge.get_absolute_url()).content.decode()
    assert 'data-testid="inclusive"' not in body  # 15 million yuan is not inclusive lending
    response = client.post(
        reverse("utilization:pledge_release", args=[pledge.pk]), {"release_date": "2022-01-01"}
    )
    pledge.refresh_from_db()
    assert pledge.status == "changed"  # before the registration: refused with a message
    client.post(
        reverse("utilization:pledge_release", args=[pledge.pk]),
        {"release_date": "2025-03-01", "note": "结清"},
    )
    pledge.refresh_from_db()
    assert pledge.status == "released" and pledge.release_date == datetime.date(2025, 3, 1)
    # a released pledge cannot take a change registration: told so on its page, not a bare 403
    response = client.get(reverse("utilization:pledge_change", args=[pledge.pk]), follow=True)
    assert response.redirect_chain == [(pledge.get_absolute_url(), 302)]
    assert "Only a registered pledge can be changed" in response.content.decode()
    response = client.post(reverse("utilization:pledge_change", args=[pledge.pk]), data)
    assert response.status_code == 302 and response["Location"] == pledge.get_absolute_url()
    client.post(reverse("utilization:pledge_cancel", args=[pledge.pk]), {"note": "重复登记"})
    pledge.refresh_from_db()
    assert pledge.status == "cancelled"
    history = client.get(reverse("utilization:pledge_history", args=[pledge.pk])).content.decode()
    assert "Cancelled" in history and "Released" in history


def test_the_pledge_list_filters(fin, login):
    late = make_pledge(
        fin.enterprise_b,
        fin.bank_b,
        [fin.b.patent],
        amount="2000",
        registration_date=datetime.date(2025, 6, 1),
        registration_number="Y2025LATE",
        status="released",
    )
    client = login(fin.alice)

    def numbers(**params):
        response = client.get(reverse("utilization:pledge_list"), params)
        return {p.registration_number for p in response.context["table"].data}

    a, b = fin.a.pledge.registration_number, fin.b.pledge.registration_number
    assert numbers() == {a, b, late.registration_number}
    assert numbers(registration_year=2025) == {"Y2025LATE"}
    assert numbers(status="released") == {"Y2025LATE"}
    assert numbers(pledgor=fin.enterprise_a.pk) == {a}
    assert numbers(pledgee=fin.bank_b.pk) == {b, "Y2025LATE"}
    assert numbers(street=fin.street.pk) == {a, b, "Y2025LATE"}
    assert numbers(street=fin.district.pk) == {a, b, "Y2025LATE"}
    assert numbers(patent=fin.a.patent.application_number.replace(".", "")) == {a}
    assert numbers(patent="not a number") == set()
    assert numbers(inclusive="true") == {a, b}
    assert numbers(inclusive="false") == {"Y2025LATE"}


def test_api_pledge_filters_share_the_names(fin, login):
    client = login(fin.alice)
    body = client.get("/api/utilization/pledges/", {"inclusive": "true", "pledgee": fin.bank_a.pk})
    assert [r["registration_number"] for r in body.json()["results"]] == [
        fin.a.pledge.registration_number
    ]
    response = client.get("/api/utilization/pledges/", {"status": "nonsense"})
    assert response.status_code == 422 and "status" in response.json()["errors"]


def test_api_release_and_cancel(fin, login):
    client = login(fin.fiona)
    base = f"/api/utilization/pledges/{fin.a.pledge.pk}/"
    response = client.post(base + "release/", {"release_date": "2020-01-01"}, "application/json")
    assert response.status_code == 422
    response = client.post(base + "change/", {"amount": 900, "note": "展期"}, "application/json")
    assert response.status_code == 200 and response.json()["status"] == "changed"
    response = client.post(base + "release/", {"release_date": "2025-01-02"}, "application/json")
    assert response.status_code == 200 and response.json()["status"] == "released"
    response = client.post(base + "cancel/", {"note": "x"}, "application/json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_the_export_holds_only_what_the_user_sees(fin, login):
    from openpyxl import load_workbook

    response = login(fin.frank).get(reverse("utilization:pledge_list"), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert len(rows) == 2
    assert fin.b.pledge.registration_number in rows[1]
    assert fin.b.patent.application_number in rows[1]
    assert 800.0 in rows[1]


def test_directory_groups_products_by_institution(fin, login):
    body = (
        login(fin.charlie)
        .get(reverse("utilization:finance_directory"), {"kind": "pledge_loan"})
        .content.decode()
    )
    assert body.count('data-testid="institution"') == 2
    assert fin.bank_a.name in body and fin.bank_b.name in body


def test_guarantee_detail_links_its_pledge_for_those_who_see_it(fin, login):
    body = login(fin.fiona).get(fin.a.guarantee.get_absolute_url()).content.decode()
    assert 'data-testid="linked-pledge"' in body and fin.a.pledge.registration_number in body


@pytest.mark.parametrize(
    ("name", "data"),
    [
        (
            "valuation",
            {
                "method": "income",
                "value": "900",
                "date": "2024-02-01",
                "appraiser_name": "示例资产评估有限公司",
                "report_number": "PG-NEW",
            },
        ),
        (
            "insurancepolicy",
            {
                "policy_number": "BD-NEW",
                "kind": "enforcement",
                "insured_amount": "50",
                "start_date": "2024-02-01",
            },
        ),
        ("guarantee", {"amount": "300", "start_date": "2024-02-01", "contract_number": "DB-NEW"}),
        ("financialproduct", {"name": "甲行新产品", "kind": "pledge_loan", "is_active": "on"}),
    ],
)
def test_fiona_records_other_finance_records_through_the_pages(fin, login, name, data):
    client = login(fin.fiona)
    parties = {
        "valuation": {
            "owner": fin.enterprise_a.name,
            "commissioned_by": fin.bank_a.name,
            "patents": fin.a.patent.application_number,
        },
        "insurancepolicy": {"insured": fin.enterprise_a.uscc, "insurer": fin.bank_a.name},
        "guarantee": {
            "guarantor": fin.a.guarantee.guarantor.name,
            "borrower": fin.enterprise_a.name,
            "lender": fin.bank_a.name,
            "pledge": fin.a.pledge.registration_number,
        },
        "financialproduct": {"institution": fin.bank_a.name},
    }[name]
    response = client.post(reverse(f"utilization:{name}_add"), {**parties, **data})
    assert response.status_code == 302, response.context["form"].errors
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    # the same record with bank B in place of bank A is outside fiona's scope: nothing written
    model = detail.context["object"].__class__
    count = model.objects.count()
    other = {k: (fin.bank_b.name if v == fin.bank_a.name else v) for k, v in parties.items()}
    other.pop("pledge", None)
    changed = {
        k: f"{v}-B" if k in ("policy_number", "report_number") else v for k, v in data.items()
    }
    response = client.post(reverse(f"utilization:{name}_add"), {**other, **changed})
    assert response.status_code == 400 and model.objects.count() == count
    errors = response.context["form"].errors
    field = {"insurancepolicy": "insurer", "guarantee": "guarantor"}.get(name, "__all__")
    assert errors[field], errors
