"""The institution directory with personas: list filters, detail (services, qualification
badges, requests routed there only for those who may see them), add/edit (the office; an
institution's own users edit their own entry but not the office switches), qualifications,
history, export, import and the API."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from ipcity.core.imports import get_format, validate
from ipcity.orgs.choices import OrganizationKind
from ipcity.services.choices import InstitutionKind, ServiceKind
from ipcity.services.models import Institution, InstitutionService, Qualification

from ..factories import make_org
from .builders_requests import make_request, xlsx

pytestmark = pytest.mark.django_db

LIST = "/services/institutions/"


def detail(inst):
    return f"/services/institutions/{inst.pk}/"


def test_list_filters(sworld, login):
    s = sworld
    client = login(s.erin)
    text = client.get(LIST).content.decode()
    for inst in (s.center, s.hall, s.agency, s.bank):
        assert inst.organization.name in text
    text = client.get(LIST, {"service": ServiceKind.FINANCING}).content.decode()
    assert s.bank.organization.name in text and s.hall.organization.name not in text
    text = client.get(LIST, {"accepts_requests": "false"}).content.decode()
    assert s.agency.organization.name in text and s.center.organization.name not in text
    text = client.get(LIST, {"kind": InstitutionKind.BANK}).content.decode()
    assert s.bank.organization.name in text and s.agency.organization.name not in text
    assert client.get(LIST, {"region": s.district.pk}).status_code == 200
    assert login(s.leo).get(LIST).status_code == 200


def test_unpublished_entries_stay_with_their_own_users(sworld, login):
    s = sworld
    s.agency.published = False
    s.agency.save()
    assert s.agency.organization.name not in login(s.erin).get(LIST).content.decode()
    assert login(s.erin).get(detail(s.agency)).status_code == 404
    assert login(s.stan).get(detail(s.agency)).status_code == 200
    assert login(s.alice).get(detail(s.agency)).status_code == 200


def test_list_query_count_does_not_grow(sworld, login, django_assert_max_num_queries):
    s = sworld
    client = login(s.alice)
    client.get(LIST)
    with django_assert_max_num_queries(14):
        assert client.get(LIST).status_code == 200
    for n in range(10):
        inst = Institution.objects.create(
            organization=make_org(f"示例服务机构{n}"), kind=InstitutionKind.LAW_FIRM
        )
        InstitutionService.objects.create(institution=inst, kind=ServiceKind.MEDIATION)
    with django_assert_max_num_queries(14):
        assert client.get(LIST).status_code == 200


def test_detail_badges_and_routed_requests(sworld, login):
    s = sworld
    today = timezone.localdate()
    Qualification.objects.create(
        institution=s.hall, name="过期许可", valid_until=today - datetime.timedelta(days=1)
    )
    Qualification.objects.create(
        institution=s.hall, name="将到期许可", valid_until=today + datetime.timedelta(days=30)
    )
    Qualification.objects.create(
        institution=s.hall, name="有效许可", valid_until=today + datetime.timedelta(days=400)
    )
    a_req = make_request(s.enterprise_a, point=s.hall)
    b_req = make_request(s.enterprise_b, point=s.hall)
    text = login(s.erin).get(detail(s.hall)).content.decode()
    assert 'data-validity="expired"' in text and 'data-validity="expiring"' in text
    assert 'data-validity="valid"' in text
    assert a_req.tracking_code in text and b_req.tracking_code not in text
    text = login(s.hal).get(detail(s.hall)).content.decode()
    assert a_req.tracking_code in text and b_req.tracking_code in text
    text = login(s.stan).get(detail(s.hall)).content.decode()
    assert a_req.tracking_code not in text
    assert login(s.alice).get(f"{detail(s.hall)}history/").status_code == 200


def test_office_adds_and_own_users_edit(sworld, login):
    s = sworld
    org = make_org("示例律师事务所", OrganizationKind.SERVICE)
    # Enterprises are not offered as directory entries.
    form = login(s.alice).get("/services/institutions/add/").context["form"]
    offered = set(form.fields["organization"].queryset.values_list("pk", flat=True))
    assert org.pk in offered and s.enterprise_a.pk not in offered
    assert s.agency.organization_id not in offered  # already listed
    data = {
        "organization": org.pk,
        "kind": InstitutionKind.LAW_FIRM,
        "services": [ServiceKind.MEDIATION, ServiceKind.OVERSEAS],
        "accepts_requests": "on",
        "published": "on",
        "is_active": "on",
    }
    assert login(s.stan).get("/services/institutions/add/").status_code == 403
    assert login(s.leo).post("/services/institutions/add/", data).status_code == 403
    response = login(s.alice).post("/services/institutions/add/", data)
    assert response.status_code == 302
    inst = Institution.objects.get(organization=org)
    assert set(inst.services.values_list("kind", flat=True)) == {"mediation", "overseas"}
    assert inst.accepts_requests
    # stan edits his agency's entry: services and contacts yes, the office switches no.
    edit = f"{detail(s.agency)}edit/"
    assert login(s.stan).get(edit).status_code == 200
    response = login(s.stan).post(
        edit,
        {
            "organization": s.agency.organization_id,
            "kind": InstitutionKind.BANK,
            "services": [ServiceKind.AGENCY, ServiceKind.VALUATION],
            "phone": "010-12345678",
            "accepts_requests": "on",
            "published": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    s.agency.refresh_from_db()
    assert s.agency.phone == "010-12345678"
    assert s.agency.kind == InstitutionKind.PATENT_AGENCY and not s.agency.accepts_requests
    assert set(s.agency.services.values_list("kind", flat=True)) == {"agency", "valuation"}
    # Not someone else's entry, not for the leader.
    assert login(s.stan).get(f"{detail(s.hall)}edit/").status_code == 403
    assert login(s.leo).get(edit).status_code == 403
    assert login(s.erin).post(edit, {"phone": "1"}).status_code == 403


def test_qualifications_by_own_users(sworld, login):
    s = sworld
    url = f"{detail(s.agency)}qualifications/add/"
    bad = {"name": "许可", "valid_from": "2026-01-01", "valid_until": "2025-01-01"}
    assert login(s.stan).post(url, bad).status_code == 400
    good = {"name": "专利代理机构执业许可证", "number": "11001", "valid_until": "2030-12-31"}
    assert login(s.stan).post(url, good).status_code == 302
    qual = Qualification.objects.get(institution=s.agency)
    assert login(s.hal).post(url, good).status_code == 403
    assert login(s.erin).post(url, good).status_code == 403
    # The same form sent twice (a double click) adds one qualification.
    client = login(s.stan)
    twice = {**good, "number": "11002", "_once": "tok-q"}
    assert client.post(url, twice).status_code == 302
    assert client.post(url, twice).status_code == 302
    assert Qualification.objects.filter(number="11002").count() == 1
    Qualification.objects.filter(number="11002").delete()
    # Changes are kept in the history.
    assert qual.history.count() == 1
    delete = f"{detail(s.agency)}qualifications/{qual.pk}/delete/"
    assert login(s.hal).post(delete).status_code == 403
    assert login(s.stan).post(delete).status_code == 302
    assert not Qualification.objects.exists()
    assert Qualification.history.filter(id=qual.pk).count() == 2


def test_export_xlsx(sworld, login):
    s = sworld
    response = login(s.alice).get(LIST, {"export": "xlsx", "service": "financing"})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [c for row in book.active.iter_rows(values_only=True) for c in row]
    assert s.bank.organization.name in values and s.hall.organization.name not in values


def test_import_checks_every_row_and_writes_all_or_nothing(sworld, tmp_path):
    s = sworld
    fmt = get_format("services.institution")
    new_org = make_org("示例评估有限公司", uscc="91110112MA01TEST9X")
    rows = [
        ["机构名称", "机构类型", "服务内容", "联系电话", "受理服务请求"],
        ["91110112MA01TEST9X", "评估机构", "价值评估、融资对接", "010-1", "否"],
        [s.agency.organization.name, "专利代理", "代理,咨询,培训", "010-2", "是"],
        ["不存在的机构", "律所", "调解", "", ""],
        [new_org.name, "火箭公司", "调解", "", ""],
        [s.hall.organization.name, "服务大厅", "算命", "", ""],
    ]
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx(rows).read())
    result = validate(fmt, path, "bad.xlsx", s.alice)
    assert {e["row"] for e in result.errors} == {4, 5, 6}
    assert len(result.rows) == 2
    before = Institution.objects.count()
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(rows[:3]).read())
    result = validate(fmt, good, "good.xlsx", s.alice)
    assert not result.errors
    from django.db import transaction

    with transaction.atomic():
        counts = fmt.write(result.rows, result.context, s.alice, lambda n: None)
    assert counts == {"created": 1, "updated": 1}
    assert Institution.objects.count() == before + 1
    inst = Institution.objects.get(organization=new_org)
    assert inst.kind == InstitutionKind.APPRAISER and not inst.accepts_requests
    assert set(inst.services.values_list("kind", flat=True)) == {"valuation", "financing"}
    s.agency.refresh_from_db()
    assert s.agency.accepts_requests and s.agency.phone == "010-2"
    # stan may not import (no add permission); the format says so.
    assert not fmt.allowed(s.stan) and fmt.allowed(s.alice)


def test_api_list_detail_create_update(sworld, login, django_assert_max_num_queries):
    s = sworld
    client = login(s.erin)
    data = client.get("/api/services/institutions/", {"service": "consultation"}).json()
    names = {r["organization"]["name"] for r in data["results"]}
    assert names == {
        s.center.organization.name,
        s.hall.organization.name,
        s.agency.organization.name,
    }
    with django_assert_max_num_queries(10):
        assert client.get("/api/services/institutions/").status_code == 200
    body = client.get(f"/api/services/institutions/{s.hall.pk}/").json()
    assert "consultation" in body["services"]
    org = make_org("示例新机构")
    payload = {"organization": org.pk, "kind": "law_firm", "services": ["mediation"]}
    assert (
        client.post(
            "/api/services/institutions/", payload, content_type="application/json"
        ).status_code
        == 403
    )
    response = login(s.alice).post(
        "/api/services/institutions/", payload, content_type="application/json"
    )
    assert response.status_code == 201
    url = f"/api/services/institutions/{s.agency.pk}/"
    response = login(s.stan).patch(
        url, {"phone": "010-9", "services": ["agency"]}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["services"] == ["agency"]
    response = login(s.stan).patch(url, {"accepts_requests": True}, content_type="application/json")
    assert response.status_code == 403
    assert (
        login(s.leo).patch(url, {"phone": "1"}, content_type="application/json").status_code == 403
    )
