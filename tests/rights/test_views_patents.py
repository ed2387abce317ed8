import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ipcity.rights.models import Patent

from ..factories import make_org
from .registry_builders import make_event, make_patent

LIST = reverse("rights:patent_list")
ADD = reverse("rights:patent_add")
TITLE = "一种基于深度学习的图像识别方法"


def detail(patent):
    return reverse("rights:patent_detail", args=[patent.pk])


def edit(patent):
    return reverse("rights:patent_edit", args=[patent.pk])


def form_data(**overrides):
    data = {
        "application_number": "201710117081.7",
        "title": TITLE,
        "legal_status": "valid",
        "attribution": "in_district",
        "citations": "0",
        "cited_by": "0",
    }
    data.update(overrides)
    return data


# list


def test_patent_list_shows_alice_the_table_with_add_import_and_export(world, login):
    make_patent(TITLE, holders=[world.enterprise_a], region=world.street, is_high_value=True)
    body = login(world.alice).get(LIST).content.decode()
    assert TITLE in body and world.enterprise_a.name in body and "中仓街道" in body
    assert ADD in body
    assert reverse("core:import_upload", args=["rights.patent"]) in body
    assert "export=xlsx" in body and "bi-star-fill" in body


def test_patent_list_is_read_only_for_leo(world, login):
    make_patent(TITLE)
    body = login(world.leo).get(LIST).content.decode()
    assert TITLE in body
    assert ADD not in body and "/imports/new/" not in body


def test_patent_list_is_public_data_for_charlie(world, login):
    make_patent(TITLE, holders=[world.enterprise_a])
    assert TITLE in login(world.charlie).get(LIST).content.decode()


def test_patent_list_asks_anonymous_users_to_sign_in(world, client):
    assert client.get(LIST).status_code == 302


def test_patent_list_searches_in_chinese_with_the_filters(world, login):
    make_patent(TITLE, filing_date=datetime.date(2021, 3, 1), patent_type="invention")
    make_patent(
        "一种图像识别装置", filing_date=datetime.date(2021, 3, 1), patent_type="utility_model"
    )
    make_patent("一种混凝土搅拌装置", filing_date=datetime.date(2019, 3, 1))
    client = login(world.alice)
    body = client.get(LIST, {"q": "图像识别"}).content.decode()
    assert TITLE in body and "一种图像识别装置" in body and "混凝土" not in body
    body = client.get(LIST, {"q": "深度学习 图像"}).content.decode()
    assert TITLE in body and "一种图像识别装置" not in body
    body = client.get(LIST, {"q": "图像", "patent_type": "utility_model"}).content.decode()
    assert "一种图像识别装置" in body and TITLE not in body
    body = client.get(LIST, {"year": "2019"}).content.decode()
    assert "混凝土" in body and TITLE not in body


@pytest.mark.parametrize("params", [{"year": "abc"}, {"patent_type": "bogus"}])
def test_a_filter_the_form_refuses_lists_nothing_and_says_why(world, login, params):
    make_patent("一种滤水装置")
    client = login(world.alice)
    response = client.get(LIST, params)
    assert response.status_code == 200
    body = response.content.decode()
    assert "一种滤水装置" not in body
    assert 'data-testid="filter-errors"' in body and "A filter is not valid" in body
    # The table alone, as the filter form asks for it.
    partial = client.get(LIST, params, headers={"HX-Request": "true", "HX-Target": "object-table"})
    assert 'data-testid="filter-errors"' in partial.content.decode()
    assert "一种滤水装置" in client.get(LIST, {"year": ""}).content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"ipc": "g06n"}, "甲"),
        ({"ipc": "H04L"}, "乙"),
        ({"legal_status": "lapsed"}, "乙"),
        ({"high_value": "true"}, "甲"),
        ({"attribution": "outside"}, "乙"),
    ],
)
def test_patent_list_filters(world, login, params, expected):
    make_patent(
        "专利甲",
        main_ipc="G06N3/08",
        ipc_codes="G06N3/08;G06K9/62",
        is_high_value=True,
        attribution="in_district",
    )
    make_patent(
        "专利乙",
        main_ipc="G06F16/00",
        ipc_codes="G06F16/00; H04L9/32",
        legal_status="lapsed",
        attribution="outside",
    )
    body = login(world.alice).get(LIST, params).content.decode()
    other = "乙" if expected == "甲" else "甲"
    assert f"专利{expected}" in body and f"专利{other}" not in body


@pytest.mark.parametrize(
    ("params", "listed"),
    [
        ({"high_value": "true"}, True),
        ({"high_value": "true", "patent_type": "invention"}, True),
        ({"high_value": "true", "patent_type": ["design", "invention"]}, True),
        ({"high_value": "true", "legal_status": ["lapsed", "valid"]}, True),
        ({"high_value": "true", "patent_type": "design"}, False),
        ({"high_value": "true", "patent_type": ["design", "utility_model"]}, False),
        ({"high_value": "true", "legal_status": "lapsed"}, False),
        ({"high_value": "false", "legal_status": "valid"}, False),
    ],
)
def test_high_value_beside_a_type_or_status_none_of_them_has_lists_nothing(
    world, login, params, listed
):
    from django.http import QueryDict

    from ipcity.rights.filters import PatentFilterSet

    make_patent("专利甲", is_high_value=True)
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    filterset = PatentFilterSet(data, queryset=Patent.objects.all())
    assert filterset.is_valid()
    assert [p.title for p in filterset.qs] == (["专利甲"] if listed else [])
    # Empty by definition, without asking the database (the one patent is a valid invention,
    # so the rows alone would not tell).
    never = params.get("high_value") == "true" and not listed
    assert filterset.qs.query.is_empty() is never
    # The list says so without asking the database for patents.
    client = login(world.alice)
    body = client.get(LIST, data).content.decode()
    assert ("专利甲" in body) is listed
    if params == {"high_value": "true", "legal_status": "lapsed"}:
        with CaptureQueriesContext(connection) as ctx:
            client.get(LIST, data)
        assert not [q for q in ctx.captured_queries if 'FROM "rights_patent"' in q["sql"]]


def test_patent_list_filters_by_street_and_holder(world, login):
    make_patent("专利甲", region=world.street, holders=[world.enterprise_a])
    make_patent("专利乙", holders=[world.enterprise_b])
    client = login(world.alice)
    body = client.get(LIST, {"region": world.district.pk}).content.decode()
    assert "专利甲" in body and "专利乙" not in body
    body = client.get(LIST, {"holder": world.enterprise_b.pk}).content.decode()
    assert "专利乙" in body and "专利甲" not in body


def test_the_patent_filters_list_each_patent_once_without_distinct(world):
    from django.http import QueryDict

    from ipcity.rights.filters import PatentFilterSet

    # Held by both: the holder filter joins the links, one row per patent and holder.
    both = make_patent("专利甲", holders=[world.enterprise_a, world.enterprise_b])
    make_patent("专利乙", holders=[world.enterprise_b], attribution="outside")
    data = QueryDict(mutable=True)
    data.setlist("patent_type", ["invention", "utility_model"])
    data.setlist("legal_status", ["valid", "pending"])
    data.setlist("attribution", ["in_district", "unresolved"])
    data["holder"] = str(world.enterprise_b.pk)
    qs = PatentFilterSet(data, queryset=Patent.objects.all()).qs
    assert list(qs) == [both] and qs.count() == 1
    # DISTINCT over every column of the wide rows made the list and its count several times
    # slower on 50,000 patents.
    assert not qs.query.distinct


def test_patent_list_exports_the_filtered_rows_as_csv(world, login):
    make_patent(TITLE)
    make_patent("一种混凝土搅拌装置")
    response = login(world.alice).get(LIST, {"q": "图像", "export": "csv"})
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert TITLE in content and "混凝土" not in content


def test_patent_list_runs_a_bounded_number_of_queries(world, login, django_assert_max_num_queries):
    holders = [make_org() for _ in range(5)]
    for i in range(50):
        make_patent(f"一种测试装置{i}", holders=holders[: 1 + i % 3], region=world.street)
    client = login(world.alice)
    client.get(LIST)
    with django_assert_max_num_queries(15):
        response = client.get(LIST, {"per_page": "100", "q": "测试"})
    assert response.status_code == 200
    assert "一种测试装置49" in response.content.decode()


# detail


def test_patent_detail_shows_fields_holders_events_and_attribution(world, login):
    patent = make_patent(
        TITLE,
        holders=[world.enterprise_a],
        attribution="in_district",
        attribution_signal="uscc",
        high_value_criteria=["overseas_family"],
        is_high_value=True,
    )
    make_event(patent, "pledge", counterparty="示例银行")
    body = login(world.alice).get(detail(patent)).content.decode()
    assert TITLE in body and "示例银行" in body and "Pledge" in body
    assert reverse("orgs:organization_detail", args=[world.enterprise_a.pk]) in body
    assert "Holder&#x27;s credit code" in body or "Holder's credit code" in body
    assert reverse("rights:patent_history", args=[patent.pk]) in body
    assert edit(patent) in body


def test_patent_detail_is_read_only_for_leo(world, login):
    patent = make_patent(TITLE)
    response = login(world.leo).get(detail(patent))
    assert response.status_code == 200
    assert edit(patent) not in response.content.decode()


def test_patent_detail_shows_charlie_holders_he_cannot_open_without_links(world, login):
    patent = make_patent(TITLE, holders=[world.enterprise_a])
    body = login(world.charlie).get(detail(patent)).content.decode()
    assert world.enterprise_a.name in body
    assert reverse("orgs:organization_detail", args=[world.enterprise_a.pk]) not in body


def test_patent_detail_warns_about_a_wrong_check_digit(world, login):
    patent = make_patent(TITLE, application_number="201710117081.3", number_check_ok=False)
    body = login(world.alice).get(detail(patent)).content.decode()
    assert 'data-testid="number-warning"' in body


def test_patent_detail_of_a_missing_patent_is_404(world, login):
    assert login(world.alice).get(reverse("rights:patent_detail", args=[999999])).status_code == 404


def test_patent_history_lists_changes(world, login):
    patent = make_patent(TITLE)
    login(world.alice).post(
        edit(patent), form_data(application_number=patent.application_number, title="新名称")
    )
    response = login(world.alice).get(reverse("rights:patent_history", args=[patent.pk]))
    assert response.status_code == 200
    assert "新名称" in response.content.decode()


# create and edit


def test_alice_adds_a_patent_with_holders(world, login):
    client = login(world.alice)
    assert client.get(ADD).status_code == 200
    response = client.post(ADD, form_data(holders=[world.enterprise_a.pk]))
    patent = Patent.objects.get()
    assert response.status_code == 302 and response.url == detail(patent)
    assert patent.patent_type == "invention"
    assert list(patent.holders.all()) == [world.enterprise_a]


def test_a_malformed_number_is_a_field_error(world, login):
    response = login(world.alice).post(ADD, form_data(application_number="12345"))
    assert response.status_code == 400
    assert response.context["form"].errors["application_number"]
    assert not Patent.objects.exists()


def test_a_wrong_check_digit_is_saved_with_a_visible_warning(world, login):
    client = login(world.alice)
    response = client.post(ADD, form_data(application_number="201710117081.3"), follow=True)
    patent = Patent.objects.get()
    assert patent.number_check_ok is False
    body = response.content.decode()
    assert "should be 7" in body
    assert 'data-testid="number-warning"' in body


def test_leo_may_not_add_or_edit_patents(world, login):
    patent = make_patent(TITLE)
    client = login(world.leo)
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, form_data()).status_code == 403
    assert client.post(edit(patent), form_data(title="改")).status_code == 403


def test_charlie_may_not_edit_patents(world, login):
    patent = make_patent(TITLE)
    assert login(world.charlie).post(edit(patent), form_data()).status_code == 403
