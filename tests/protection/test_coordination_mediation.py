"""Mediation: the quick path (no lead), outcomes (agreement with amount, failed, withdrawn),
the history tab; pages and API with the personas; flat query counts."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ipcity.accounts.models import APIToken
from ipcity.orgs.choices import OrganizationKind
from ipcity.protection import coordination
from ipcity.protection.models import Mediation

from ..factories import make_org

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def api(db):
    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


@pytest.fixture
def committee(pworld):
    return make_org("通州区知识产权纠纷人民调解委员会", OrganizationKind.SERVICE)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _mediation(p, committee, agency=None, **fields):
    return coordination.save_mediation(
        p.mia if agency in (None, p.amr) else p.carl,
        Mediation(),
        agency=agency or p.amr,
        mediator=committee,
        right_type="trademark",
        applicant=fields.pop("applicant", "示例甲科技有限公司"),
        respondent="某商行",
        subject="商标使用纠纷",
        started_on=D(2026, 3, 2),
        **fields,
    )


def test_quick_path_and_outcomes(pworld, committee):
    p = pworld
    mia = _client(p.mia)
    form = mia.get("/protection/mediations/add/").context["form"]
    assert form.initial["agency"] == p.amr.pk
    assert committee in form.fields["mediator"].queryset
    assert p.world.enterprise_a not in form.fields["mediator"].queryset
    response = mia.post(
        "/protection/mediations/add/",
        {
            "agency": p.amr.pk,
            "mediator": committee.pk,
            "right_type": "trademark",
            "applicant": "示例甲科技有限公司",
            "respondent": "某商行",
            "subject": "商标使用纠纷，双方同意调解",
            "started_on": "2026-03-02",
        },
    )
    assert response.status_code == 302, response.content[:800]
    mediation = Mediation.objects.get()
    assert mediation.lead is None and mediation.recorded_by == p.mia and mediation.outcome == ""
    # Another agency cannot be the referring agency.
    response = mia.post(
        "/protection/mediations/add/",
        {
            "agency": p.culture.pk,
            "mediator": committee.pk,
            "right_type": "copyright",
            "applicant": "a",
            "respondent": "b",
            "subject": "c",
            "started_on": "2026-03-02",
        },
    )
    assert response.status_code == 400 and Mediation.objects.count() == 1

    url = f"/protection/mediations/{mediation.pk}/outcome/"
    # An amount without an agreement, and a date before the start, are refused.
    response = mia.post(
        url, {"outcome": "failed", "concluded_on": "2026-03-20", "agreement_amount": "100"}
    )
    assert response.status_code == 400
    response = mia.post(url, {"outcome": "agreement", "concluded_on": "2026-03-01"})
    assert response.status_code == 400
    mediation.refresh_from_db()
    assert mediation.outcome == "" and mediation.concluded_on is None
    response = mia.post(
        url, {"outcome": "agreement", "concluded_on": "2026-03-20", "agreement_amount": "30000"}
    )
    assert response.status_code == 302
    mediation.refresh_from_db()
    assert mediation.outcome == "agreement"
    assert mediation.agreement_amount == Decimal("30000")
    assert mediation.concluded_on == D(2026, 3, 20)
    history = mia.get(f"/protection/mediations/{mediation.pk}/history/")
    assert history.status_code == 200 and len(history.context["rows"]) == 2

    failed = _mediation(p, committee, applicant="乙")
    coordination.record_outcome(p.mia, failed, outcome="failed", concluded_on=D(2026, 4, 1))
    withdrawn = _mediation(p, committee, applicant="丙")
    coordination.record_outcome(p.mia, withdrawn, outcome="withdrawn", concluded_on=D(2026, 4, 2))
    assert {m.outcome for m in Mediation.objects.all()} == {"agreement", "failed", "withdrawn"}
    page = mia.get("/protection/mediations/", {"state": "concluded", "outcome": "failed"})
    assert {m.pk for m in page.context["table"].data} == {failed.pk}


def test_mediation_pages_for_the_personas(pworld, committee):
    p = pworld
    mediation = _mediation(p, committee)
    theirs = _mediation(p, committee, agency=p.culture, applicant="丁")
    url = f"/protection/mediations/{mediation.pk}/"
    mia, leo, erin, carl = _client(p.mia), _client(p.leo), _client(p.erin), _client(p.carl)
    assert {m.pk for m in mia.get("/protection/mediations/").context["table"].data} == {
        mediation.pk
    }
    assert leo.get("/protection/mediations/").context["table"].paginator.count == 2
    assert erin.get("/protection/mediations/").status_code == 403
    assert mia.get(url).status_code == 200 and mia.get(url).context["can_change"]
    assert leo.get(url).status_code == 200 and not leo.get(url).context["can_change"]
    assert erin.get(url).status_code == 404
    assert carl.get(url).status_code == 404
    assert carl.get(f"/protection/mediations/{theirs.pk}/").status_code == 200
    outcome = {"outcome": "withdrawn", "concluded_on": "2026-03-10"}
    assert leo.post(f"{url}outcome/", outcome).status_code == 403
    assert erin.post(f"{url}outcome/", outcome).status_code == 404
    assert leo.get("/protection/mediations/add/").status_code == 403
    assert erin.get("/protection/mediations/add/").status_code == 403
    assert leo.get(f"{url}edit/").status_code == 403
    assert mia.get(f"{url}edit/").status_code == 200
    # The office records mediations for any agency.
    assert _client(p.alice).post(f"{url}outcome/", outcome).status_code == 302


def test_mediation_api(pworld, committee, api):
    p = pworld
    mia = api(p.mia)
    payload = {
        "mediator": committee.pk,
        "right_type": "patent",
        "applicant": "示例甲科技有限公司",
        "respondent": "某公司",
        "subject": "专利许可费纠纷",
        "started_on": "2026-03-02",
    }
    response = mia.post("/api/protection/mediations/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["agency"]["id"] == p.amr.pk and body["outcome"] == ""
    for user in (p.leo, p.erin):
        assert (
            api(user)
            .post("/api/protection/mediations/", payload, content_type="application/json")
            .status_code
            == 403
        )
    bad = mia.post(
        "/api/protection/mediations/",
        {**payload, "mediator": p.world.enterprise_a.pk},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "mediator" in bad.json()["errors"]
    url = f"/api/protection/mediations/{body['id']}/"
    assert api(p.leo).get(url).status_code == 200
    assert api(p.erin).get(url).status_code == 404
    assert api(p.carl).get(url).status_code == 404
    outcome = {"outcome": "agreement", "concluded_on": "2026-03-15", "agreement_amount": "12000.50"}
    assert (
        api(p.leo).post(f"{url}outcome/", outcome, content_type="application/json").status_code
        == 403
    )
    response = mia.post(f"{url}outcome/", outcome, content_type="application/json")
    assert response.status_code == 200 and response.json()["agreement_amount"] == 12000.5
    bad = mia.post(
        f"{url}outcome/",
        {"outcome": "failed", "concluded_on": "2026-03-15", "agreement_amount": "1"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "agreement_amount" in bad.json()["errors"]
    assert mia.get("/api/protection/mediations/", {"state": "concluded"}).json()["count"] == 1
    assert api(p.erin).get("/api/protection/mediations/").status_code == 403


def _count(fn):
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
        assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


def test_mediation_lists_have_a_flat_query_count(pworld, committee, api):
    p = pworld

    def build(n):
        for i in range(n):
            _mediation(p, committee, applicant=f"申请人{i}")

    build(3)
    mia, leo_api = _client(p.mia), api(p.leo)
    calls = [
        lambda: mia.get("/protection/mediations/"),
        lambda: leo_api.get("/api/protection/mediations/"),
    ]
    for call in calls:
        call()
    before = [_count(f) for f in calls]
    build(10)
    assert [_count(f) for f in calls] == before
