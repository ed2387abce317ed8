"""Finance exports re-import as they are (headers are the import's column labels), re-importing
refuses what exists instead of duplicating it, products belong to the right institution, the
rights column renders safely, the product import, and risk alerts' dates and texts."""

import datetime
import types
from decimal import Decimal

import pytest
from django.urls import reverse

from ipcity.core.imports import get_format, validate
from ipcity.orgs.choices import OrganizationKind
from ipcity.utilization import risks
from ipcity.utilization.models import (
    FinancialProduct,
    Guarantee,
    InsurancePolicy,
    Pledge,
    RiskAlert,
    Valuation,
)
from ipcity.utilization.tables.finance import rights_cell
from tests.data.sheets import write_xlsx

from ..factories import make_org
from ..rights.registry_builders import make_patent
from .test_finance_helpers import build_finance, make_pledge


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def fin(uworld):
    f = build_finance(uworld)
    Pledge.objects.filter(pk=f.a.pledge.pk).update(product=f.a.product)
    InsurancePolicy.objects.filter(pk=f.a.policy.pk).update(product=f.a.product)
    return f


def export_file(client, list_name, tmp_path):
    response = client.get(reverse(f"utilization:{list_name}"), {"export": "xlsx"})
    assert response.status_code == 200
    path = tmp_path / f"{list_name}.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    return path


def check(key, path, user):
    return validate(get_format(key), path, path.name, user)


# key, list url name, model, the fields a re-imported row must give back
ROUND_TRIPS = [
    (
        "utilization.pledge",
        "pledge_list",
        Pledge,
        ("registration_number", "pledgor", "pledgee", "amount", "registration_date", "product"),
    ),
    (
        "utilization.valuation",
        "valuation_list",
        Valuation,
        ("owner", "method", "value", "date", "appraiser_name", "commissioned_by", "report_number"),
    ),
    (
        "utilization.insurancepolicy",
        "insurancepolicy_list",
        InsurancePolicy,
        ("policy_number", "insured", "insurer", "kind", "insured_amount", "start_date", "product"),
    ),
    (
        "utilization.guarantee",
        "guarantee_list",
        Guarantee,
        ("contract_number", "guarantor", "borrower", "lender", "pledge", "amount", "start_date"),
    ),
    (
        "utilization.financialproduct",
        "financialproduct_list",
        FinancialProduct,
        ("institution", "name", "kind", "is_active"),
    ),
]


def _snapshot(model, fields):
    rows = []
    for obj in model.objects.all():
        row = []
        for name in fields:
            field = model._meta.get_field(name)
            row.append(getattr(obj, f"{name}_id") if field.is_relation else getattr(obj, name))
        if hasattr(obj, "patents"):
            row.append(tuple(sorted(obj.patents.values_list("pk", flat=True))))
        rows.append(tuple(row))
    return sorted(rows, key=str)


def _from_rows(rows, fields):
    result = []
    for r in rows:
        values = r.values
        row = [values.get(name, True if name == "is_active" else None) for name in fields]
        if "patents" in values:
            row.append(tuple(sorted(values["patents"])))
        result.append(tuple(row))
    return sorted(result, key=str)


@pytest.mark.parametrize("key,list_name,model,fields", ROUND_TRIPS)
def test_an_export_re_imports_as_it_is(fin, login, tmp_path, key, list_name, model, fields):
    path = export_file(login(fin.alice), list_name, tmp_path)
    count = model.objects.count()
    assert count >= 2
    # While the records exist, every row is refused (never a duplicate), but the file is read.
    result = check(key, path, fin.alice)
    assert result.file_error == ""
    assert result.total == count and result.valid == 0 and result.error_rows == count
    assert not result.ignored_headers or key == "utilization.pledge"
    # Once they are gone, the same file gives them back.
    before = _snapshot(model, fields)
    if model is FinancialProduct:
        Pledge.objects.update(product=None)
        InsurancePolicy.objects.update(product=None)
    if model is Pledge:
        Guarantee.objects.update(pledge=None)
    model.objects.all().delete()
    result = check(key, path, fin.alice)
    assert result.file_error == "" and result.errors == []
    assert result.valid == count
    assert _from_rows(result.rows, fields) == before


def test_the_pledge_export_ignores_only_the_list_columns(fin, login, tmp_path):
    result = check(
        "utilization.pledge", export_file(login(fin.alice), "pledge_list", tmp_path), fin.alice
    )
    assert set(result.ignored_headers) == {"Inclusive lending", "status"}


def test_the_valuation_export_has_one_appraiser_column_and_the_method_label(fin, login, tmp_path):
    from openpyxl import load_workbook

    path = export_file(login(fin.alice), "valuation_list", tmp_path)
    header = [c.value for c in next(load_workbook(path).active.iter_rows(max_row=1))]
    assert header.count("评估机构") == 1 and "评估方法" in header
    assert str(Valuation._meta.get_field("method").verbose_name) == "valuation method"


# --- guarantees: no silent duplicates ----------------------------------------------------------

GUARANTEE_HEADER = [
    "合同编号",
    "担保机构",
    "借款人",
    "贷款人",
    "担保金额（万元）",
    "起始日期",
    "到期日期",
]


def test_a_guarantee_with_an_existing_contract_number_is_refused(fin, tmp_path):
    g = fin.a.guarantee
    other_guarantor = make_org("另一融资担保有限公司", OrganizationKind.FINANCIAL)
    rows = [
        # the same guarantor and contract number: refused
        [
            g.contract_number,
            g.guarantor.name,
            g.borrower.name,
            g.lender.name,
            "400",
            "2023-03-01",
            "",
        ],
        # the same number of another guarantor: a different contract
        [
            g.contract_number,
            other_guarantor.name,
            g.borrower.name,
            g.lender.name,
            "50",
            "2024-01-01",
            "2025-01-01",
        ],
        # twice in one file
        ["DB-NEW", g.guarantor.name, g.borrower.name, g.lender.name, "10", "2024-01-01", ""],
        ["DB-NEW", g.guarantor.name, g.borrower.name, g.lender.name, "10", "2024-01-01", ""],
    ]
    path = write_xlsx(tmp_path / "g.xlsx", rows, GUARANTEE_HEADER)
    result = check("utilization.guarantee", path, fin.alice)
    assert result.file_error == ""
    by_row = {e["row"]: e["message"] for e in result.errors}
    assert "already has a guarantee with this contract number" in by_row[2]
    assert 3 not in by_row and 4 not in by_row
    assert "Duplicate of row 4" in by_row[5]
    good = next(r for r in result.rows if r.number == 3)
    # 贷款人 and the end date are read
    assert good.values["lender"] == g.lender_id
    assert good.values["end_date"] == datetime.date(2025, 1, 1)


# --- products belong to the right institution --------------------------------------------------


def test_a_pledge_product_must_be_the_pledgees(fin, login):
    data = {
        "pledgor": fin.enterprise_a.name,
        "pledgee": fin.bank_a.name,
        "patents": fin.a.patent.application_number,
        "amount": "100",
        "registration_date": "2024-03-01",
        "registration_number": "Y-PRODUCT-1",
        "product": fin.b.product.pk,
    }
    client = login(fin.alice)
    response = client.post(reverse("utilization:pledge_add"), data)
    assert response.status_code == 400
    assert "not the pledgee" in str(response.context["form"].errors["product"])
    data["product"] = fin.a.product.pk
    response = client.post(reverse("utilization:pledge_add"), data)
    assert response.status_code == 302
    assert Pledge.objects.get(registration_number="Y-PRODUCT-1").product == fin.a.product


def test_a_policy_product_must_be_the_insurers(fin, login):
    data = {
        "policy_number": "BD-PRODUCT-1",
        "insured": fin.enterprise_a.name,
        "insurer": fin.bank_a.name,
        "kind": "enforcement",
        "product": fin.b.product.pk,
        "insured_amount": "100",
        "start_date": "2024-01-01",
    }
    response = login(fin.alice).post(reverse("utilization:insurancepolicy_add"), data)
    assert response.status_code == 400
    assert "not the insurer" in str(response.context["form"].errors["product"])
    assert not InsurancePolicy.objects.filter(policy_number="BD-PRODUCT-1").exists()


def test_the_pledge_import_refuses_another_banks_product(fin, tmp_path):
    patent = make_patent("一种导入的装置", holders=[fin.enterprise_a])
    header = ["登记号", "登记日期", "出质人", "质权人", "专利号", "担保金额（万元）", "金融产品"]
    rows = [
        [
            "Y-IMP-1",
            "2024-03-01",
            fin.enterprise_a.name,
            fin.bank_a.name,
            patent.application_number,
            "10",
            fin.b.product.name,
        ],
        [
            "Y-IMP-2",
            "2024-03-01",
            fin.enterprise_a.name,
            fin.bank_a.name,
            patent.application_number,
            "10",
            fin.a.product.name,
        ],
    ]
    result = check("utilization.pledge", write_xlsx(tmp_path / "p.xlsx", rows, header), fin.alice)
    assert [e["row"] for e in result.errors] == [2]
    assert "offers no product" in result.errors[0]["message"]
    assert result.rows[0].values["product"] == fin.a.product.pk


def test_the_product_form_takes_only_a_financial_institution(fin, login):
    client = login(fin.alice)
    page = client.get(reverse("utilization:financialproduct_add"))
    assert page.context["form"].initial.get("institution") in (None, "")
    data = {
        "institution": fin.office.name,
        "name": "局里的产品",
        "kind": "other",
        "is_active": "on",
    }
    response = client.post(reverse("utilization:financialproduct_add"), data)
    assert response.status_code == 400
    assert "not one" in str(response.context["form"].errors["institution"])
    data["institution"] = fin.bank_a.name
    assert client.post(reverse("utilization:financialproduct_add"), data).status_code == 302
    assert FinancialProduct.objects.get(name="局里的产品").institution == fin.bank_a
    bank_page = login(fin.fiona).get(reverse("utilization:financialproduct_add"))
    assert bank_page.context["form"].initial["institution"] == fin.bank_a.name


# --- the product import -----------------------------------------------------------------------

PRODUCT_HEADER = [
    "金融机构",
    "产品名称",
    "产品类型",
    "利率或费率",
    "最高额度（万元）",
    "期限（月）",
    "在售",
]


def test_the_product_import(fin, tmp_path):
    rows = [
        [fin.bank_a.name, "甲行新产品", "IP pledge loan", "LPR+50BP", "1000", "36", "是"],
        [fin.enterprise_a.name, "企业的产品", "IP pledge loan", "", "", "", ""],
        [fin.bank_a.name, fin.a.product.name, "IP pledge loan", "", "", "", ""],
        [fin.bank_b.name, "乙行新产品", "不存在的类型", "", "", "", "否"],
        [fin.bank_b.name, "乙行停售产品", "other", "", "", "12个月", "否"],
    ]
    path = write_xlsx(tmp_path / "products.xlsx", rows, PRODUCT_HEADER)
    result = check("utilization.financialproduct", path, fin.alice)
    by_row = {e["row"]: e["message"] for e in result.errors}
    assert sorted(by_row) == [3, 4, 5]
    assert "not a financial institution" in by_row[3]
    assert "already offers" in by_row[4]
    assert "Unknown kind" in by_row[5]
    first, last = result.rows
    assert first.values["max_amount"] == Decimal("1000") and first.values["term_months"] == 36
    assert last.values["is_active"] is False and last.values["term_months"] == 12
    # a bank records only its own products
    result = check("utilization.financialproduct", path, fin.frank)
    assert "None of this row's parties" in {e["row"]: e["message"] for e in result.errors}[2]


# --- the rights column ------------------------------------------------------------------------


def test_the_rights_cell_separates_numbers_without_raw_markup(fin, login):
    second = make_patent("一种第二个装置", holders=[fin.enterprise_a])
    fin.a.pledge.patents.add(second)
    page = login(fin.alice).get(reverse("utilization:pledge_list")).content.decode()
    assert "&lt;br&gt;" not in page
    assert f"{fin.a.patent.application_number}<br>{second.application_number}" in page or (
        f"{second.application_number}<br>{fin.a.patent.application_number}" in page
    )


def test_the_rights_cell_escapes_the_numbers():
    patent = types.SimpleNamespace(application_number="<script>x</script>")
    record = types.SimpleNamespace(patents=types.SimpleNamespace(all=lambda: [patent, patent]))
    html = str(rights_cell(record))
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;<br>" in html


# --- risk alerts: dates and texts -------------------------------------------------------------


def test_an_invalidation_alert_takes_the_patents_lapse_date(uworld):
    patent = make_patent("一种后来无效的装置", holders=[uworld.enterprise_a])
    make_pledge(uworld.enterprise_a, uworld.bank_a, [patent], registration_number="Y-INV")
    patent.legal_status = "invalidated"
    patent.lapse_date = datetime.date(2025, 9, 1)
    patent.save()
    risks.scan(today=datetime.date(2025, 10, 1))
    alert = RiskAlert.objects.get(kind="invalidated")
    assert alert.event_date == datetime.date(2025, 9, 1)
    assert alert.detail == f"Patent {patent.application_number} was invalidated on 2025-09-01."


@pytest.mark.parametrize("lapse_date", [datetime.date(2025, 9, 1), None])
def test_a_lapse_alert_text_has_no_stray_spaces(uworld, lapse_date):
    patent = make_patent("一种失效的装置", holders=[uworld.enterprise_a])
    make_pledge(uworld.enterprise_a, uworld.bank_a, [patent], registration_number="Y-LAPSE")
    patent.legal_status = "lapsed"
    patent.lapse_date = lapse_date
    patent.save()
    risks.scan(today=datetime.date(2025, 10, 1))
    detail = RiskAlert.objects.get(kind="lapsed").detail
    number = patent.application_number
    if lapse_date:
        assert detail == f"Patent {number} lapsed on 2025-09-01."
    else:
        assert detail == f"Patent {number} lapsed."
    assert "  " not in detail and " ." not in detail
