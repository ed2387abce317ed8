"""Special campaigns: the office creates them; agencies tag their own cases into a running one;
the results figures (hand-computed) with their case-list filters; the xlsx export; the API."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from ipcity.accounts.models import APIToken
from ipcity.protection import coordination
from ipcity.protection.models import Campaign

from ..factories import make_region
from .conftest import make_case

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def api(db):
    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def make_campaign(status="running", **fields):
    return Campaign.objects.create(
        name=fields.pop("name", "2026年知识产权执法“铁拳”行动"),
        starts_on=D(2026, 3, 1),
        ends_on=D(2026, 11, 30),
        status=status,
        **fields,
    )


def test_the_office_creates_and_edits_campaigns(pworld):
    p = pworld
    town = make_region("110112104000", "永乐店镇", "town", parent=p.world.district)
    alice = _client(p.alice)
    response = alice.post(
        "/protection/campaigns/add/",
        {
            "name": "商标专项整治",
            "lead": p.amr.pk,
            "starts_on": "2026-03-01",
            "ends_on": "2026-06-30",
            "status": "running",
            "targets": "查办案件20件",
            "right_types": ["trademark", "gi"],
            "key_industries": "食品、服装",
            "key_areas": [p.world.street.pk, town.pk],
        },
    )
    assert response.status_code == 302, response.content[:800]
    campaign = Campaign.objects.get(name="商标专项整治")
    assert campaign.right_types == ["trademark", "gi"]
    assert set(campaign.key_areas.all()) == {p.world.street, town}
    bad = alice.post(
        "/protection/campaigns/add/",
        {"name": "x", "starts_on": "2026-03-01", "ends_on": "2026-01-01", "status": "planned"},
    )
    assert bad.status_code == 400 and not Campaign.objects.filter(name="x").exists()
    url = f"/protection/campaigns/{campaign.pk}/"
    for user in (p.mia, p.leo):
        client = _client(user)
        assert client.get(url).status_code == 200
        assert client.get("/protection/campaigns/").status_code == 200
        assert client.get("/protection/campaigns/add/").status_code == 403
        assert client.get(f"{url}edit/").status_code == 403
    erin = _client(p.erin)
    assert erin.get("/protection/campaigns/").status_code == 403
    assert erin.get(url).status_code == 404
    assert erin.get(f"{url}edit/").status_code == 404
    assert alice.get(f"{url}edit/").status_code == 200
    assert alice.get(f"{url}history/").status_code == 200


@pytest.fixture
def tagged(pworld):
    """amr: investigating+transferred, decided 5000 repeat, closed 3000 repeat; culture: decided
    2000; plus an untagged amr case with a fine that must not count."""
    p = pworld
    campaign = make_campaign()
    c1 = make_case(p.amr, is_transferred=True)
    c2 = make_case(p.amr, status="decided", fine=Decimal("5000"), is_repeat=True)
    c3 = make_case(p.amr, status="closed", fine=Decimal("3000"), is_repeat=True)
    c4 = make_case(p.culture, status="decided", fine=Decimal("2000"))
    make_case(p.amr, status="decided", fine=Decimal("99999"))
    return campaign, [c1, c2, c3, c4]


def test_agencies_tag_their_own_cases(pworld, tagged):
    p = pworld
    campaign, (c1, c2, c3, c4) = tagged
    url = f"/protection/campaigns/{campaign.pk}/"
    mia = _client(p.mia)
    form = mia.get(url).context["tag_form"]
    assert c4 not in form.fields["case"].queryset and c1 in form.fields["case"].queryset
    for case in (c1, c2, c3):
        assert mia.post(f"{url}tag/", {"case": case.pk}).status_code == 302
    assert mia.post(f"{url}tag/", {"case": c4.pk}).status_code == 302  # refused: not offered
    assert set(campaign.cases.all()) == {c1, c2, c3}
    assert _client(p.leo).post(f"{url}tag/", {"case": c4.pk}).status_code == 403
    assert _client(p.alice).post(f"{url}tag/", {"case": c4.pk}).status_code == 403
    assert _client(p.erin).post(f"{url}tag/", {"case": c4.pk}).status_code == 404
    assert _client(p.carl).post(f"{url}tag/", {"case": c4.pk}).status_code == 302
    assert set(campaign.cases.all()) == {c1, c2, c3, c4}
    # A campaign that is not running takes no tags.
    planned = make_campaign(status="planned", name="下一轮")
    with pytest.raises(Exception):  # noqa: B017
        coordination.tag(p.mia, planned, c1)
    assert not planned.cases.exists()
    # Untagging: the owner or the office; carl may not untag amr's case, leo may not at all.
    assert _client(p.carl).post(f"{url}untag/{c1.pk}/").status_code == 403
    assert _client(p.leo).post(f"{url}untag/{c1.pk}/").status_code == 403
    assert _client(p.erin).post(f"{url}untag/{c1.pk}/").status_code == 404
    assert _client(p.alice).post(f"{url}untag/{c4.pk}/").status_code == 302
    assert mia.post(f"{url}untag/{c1.pk}/").status_code == 302
    assert set(campaign.cases.all()) == {c2, c3}


def test_results_figures(pworld, tagged):
    p = pworld
    campaign, cases = tagged
    campaign.cases.set(cases)
    results = coordination.campaign_results(p.leo, campaign)
    assert results["count"]["value"] == 4
    assert results["fines"]["value"] == Decimal("10000")
    assert results["fined"]["value"] == 3
    assert results["transfers"] == {
        "value": 1,
        "params": {"campaign": campaign.pk, "is_transferred": "true"},
    }
    assert results["repeats"]["value"] == 2
    assert results["repeats"]["params"] == {"campaign": campaign.pk, "is_repeat": "true"}
    rows = {r["agency"]["id"]: r for r in results["rows"]}
    amr = rows[p.amr.pk]
    assert amr["total"]["value"] == 3 and amr["fines"]["value"] == Decimal("8000")
    counts = {c["status"]: c["value"] for c in amr["cells"]}
    assert counts["investigating"] == 1 and counts["decided"] == 1 and counts["closed"] == 1
    decided = next(c for c in amr["cells"] if c["status"] == "decided")
    assert decided["params"] == {"campaign": campaign.pk, "agency": p.amr.pk, "status": "decided"}
    assert rows[p.culture.pk]["total"]["value"] == 1
    by_status = {c["status"]: c["value"] for c in results["by_status"]}
    assert by_status["decided"] == 2
    # Nobody outside protection sees any figure; the page shows them to a reader.
    assert coordination.campaign_results(p.erin, campaign)["count"]["value"] == 0
    page = _client(p.leo).get(f"/protection/campaigns/{campaign.pk}/")
    assert page.status_code == 200
    assert page.context["results"]["count"]["value"] == 4
    url = page.context["results"]["transfers"]["url"]
    if url:  # the case list exists: each figure links to it with its filters
        assert f"campaign={campaign.pk}" in url and "is_transferred=true" in url


def test_export_of_the_tagged_cases(pworld, tagged):
    p = pworld
    campaign, cases = tagged
    campaign.cases.set(cases)
    response = _client(p.leo).get(f"/protection/campaigns/{campaign.pk}/export/")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 5
    numbers = {row[1] for row in rows[1:]}
    assert numbers == {c.number for c in cases}
    assert "conduct" not in " ".join(str(h) for h in rows[0]).lower()
    assert _client(p.erin).get(f"/protection/campaigns/{campaign.pk}/export/").status_code == 404


def test_campaigns_api(pworld, api, tagged):
    p = pworld
    campaign, (c1, _c2, _c3, c4) = tagged
    response = api(p.alice).post(
        "/api/protection/campaigns/",
        {
            "name": "地理标志保护专项",
            "starts_on": "2026-04-01",
            "ends_on": "2026-10-31",
            "status": "running",
            "right_types": ["gi"],
            "key_areas": [p.world.street.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["key_areas"][0]["id"] == p.world.street.pk
    payload = {"name": "x", "starts_on": "2026-04-01", "ends_on": "2026-10-31"}
    for user in (p.mia, p.leo, p.erin):
        assert (
            api(user)
            .post("/api/protection/campaigns/", payload, content_type="application/json")
            .status_code
            == 403
        )
    assert api(p.mia).get("/api/protection/campaigns/").json()["count"] == 2
    assert api(p.erin).get("/api/protection/campaigns/").status_code == 403
    url = f"/api/protection/campaigns/{campaign.pk}/"
    assert api(p.erin).get(url).status_code == 404
    mia = api(p.mia)
    assert (
        mia.post(f"{url}cases/", {"case": c1.pk}, content_type="application/json").status_code
        == 201
    )
    response = mia.post(f"{url}cases/", {"case": c4.pk}, content_type="application/json")
    assert response.status_code == 422
    assert (
        api(p.leo)
        .post(f"{url}cases/", {"case": c4.pk}, content_type="application/json")
        .status_code
        == 403
    )
    body = api(p.leo).get(url).json()
    assert body["results"]["count"]["value"] == 1 and body["results"]["transfers"]["value"] == 1
    assert api(p.carl).delete(f"{url}cases/{c1.pk}/").status_code == 403
    assert api(p.alice).delete(f"{url}cases/{c1.pk}/").json()["tagged"] is False
    response = api(p.alice).patch(
        url, {"results_summary": "查办案件4件"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["results_summary"] == "查办案件4件"
    assert (
        api(p.leo).patch(url, {"results_summary": "x"}, content_type="application/json").status_code
        == 403
    )


def _campaigns(n):
    for i in range(n):
        make_campaign(name=f"行动{i}")


def _count(fn):
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
        assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


def test_campaign_lists_have_a_flat_query_count(pworld, api):
    p = pworld
    _campaigns(3)
    leo, leo_api = _client(p.leo), api(p.leo)
    calls = [
        lambda: leo.get("/protection/campaigns/"),
        lambda: leo_api.get("/api/protection/campaigns/"),
    ]
    for call in calls:
        call()
    before = [_count(f) for f in calls]
    _campaigns(10)
    assert [_count(f) for f in calls] == before
