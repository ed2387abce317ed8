"""Who sees what of a case on the pages, downloads, exports and the API: own agency in full,
other agencies and the office in summary, a shared case in full with every view logged, the
police only after a share, enterprises nothing."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ipcity.accounts.models import APIToken
from ipcity.protection import cases
from ipcity.protection.choices import CaseStatus
from ipcity.protection.models import CaseAccessLog, CaseHandler, CaseParty
from ipcity.protection.sharing import share

from .conftest import make_case

pytestmark = pytest.mark.django_db
D = datetime.date
API = "/api/protection/cases/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SECRET = "侵权人甲商贸有限公司"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def api(db):
    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


def _respondent(case, name=SECRET):
    CaseParty.objects.create(case=case, role="respondent", name=name, name_key=name)


@pytest.fixture
def three(pworld):
    p = pworld
    amr = make_case(p.amr, number="AMR-1", title="甲案")
    _respondent(amr)
    CaseHandler.objects.create(case=amr, officer=p.mia_officer, assigned_on=D(2026, 3, 2))
    evidence = cases.add_evidence(
        p.mia, amr, SimpleUploadedFile("现场笔录.pdf", PDF), title="现场检查笔录", kind="record"
    )
    culture = make_case(p.culture, number="CUL-1", title="乙案")
    _respondent(culture, "文化侵权人乙")
    agri = make_case(p.agri, number="AGR-1", title="丙案", right_type="plant_variety")
    return {"amr": amr, "culture": culture, "agri": agri, "evidence": evidence}


SUMMARY_READERS = ("carl", "ada", "pete", "alice", "leo", "paul")


def test_list_page_masks_other_agencies_rows(pworld, three, client):
    p = pworld
    url = reverse("protection:case_list")
    client.force_login(p.mia)
    page = client.get(url).content.decode()
    assert "AMR-1" in page and "CUL-1" in page and "AGR-1" in page
    assert SECRET in page and "文化侵权人乙" not in page
    assert page.count('data-testid="summary-badge"') >= 2
    for name in SUMMARY_READERS:
        client.force_login(getattr(p, name))
        response = client.get(url)
        assert response.status_code == 200, name
        text = response.content.decode()
        assert "AMR-1" in text and SECRET not in text, name
    client.force_login(p.carl)
    assert "文化侵权人乙" in client.get(url).content.decode()
    client.force_login(p.erin)
    assert client.get(url).status_code == 403
    # A filter on what the summary hides matches only rows seen in full.
    cases.update_case(p.mia, three["amr"], offence="counterfeit_mark")
    client.force_login(p.carl)
    assert "AMR-1" not in client.get(url, {"offence": "counterfeit_mark"}).content.decode()
    assert "AMR-1" not in client.get(url, {"q": "侵权人甲"}).content.decode()
    client.force_login(p.mia)
    assert "AMR-1" in client.get(url, {"offence": "counterfeit_mark"}).content.decode()
    assert "AMR-1" in client.get(url, {"q": "侵权人甲"}).content.decode()


def test_list_filters_and_badges(pworld, three, client):
    p = pworld
    make_case(p.amr, number="LATE-1", opened_on=D(2026, 1, 5))
    client.force_login(p.mia)
    url = reverse("protection:case_list")
    text = client.get(url, {"overdue": "true"}).content.decode()
    assert "LATE-1" in text and "overdue by" in text
    text = client.get(url, {"agency": p.culture.pk}).content.decode()
    assert "CUL-1" in text and "AMR-1" not in text
    text = client.get(url, {"status": "closed"}).content.decode()
    assert "AMR-1" not in text


def test_detail_page_matrix(pworld, three, client):
    p = pworld
    case = three["amr"]
    url = case.get_absolute_url()
    client.force_login(p.mia)
    page = client.get(url).content.decode()
    assert SECRET in page and "现场检查笔录" in page and 'data-testid="actions"' in page
    for name in SUMMARY_READERS:
        client.force_login(getattr(p, name))
        response = client.get(url)
        assert response.status_code == 200, name
        text = response.content.decode()
        assert 'data-testid="summary-note"' in text and SECRET not in text, name
        assert client.get(reverse("protection:case_history", args=[case.pk])).status_code == 404
    client.force_login(p.erin)
    assert client.get(url).status_code == 404
    assert not CaseAccessLog.objects.exists()
    # Shared with the police: full details, every view logged.
    share(p.mia, case, p.police, "移送公安")
    client.force_login(p.paul)
    for _ in range(2):
        text = client.get(url).content.decode()
        assert SECRET in text and 'data-testid="shared-badge"' in text
    assert client.get(reverse("protection:case_history", args=[case.pk])).status_code == 200
    logged = list(
        CaseAccessLog.objects.filter(case=case, user=p.paul).values_list("what", flat=True)
    )
    assert sorted(logged) == ["detail", "detail", "history"]
    # Still only a summary for the other agencies.
    client.force_login(p.carl)
    assert SECRET not in client.get(url).content.decode()
    assert client.get(reverse("protection:case_detail", args=[999999])).status_code == 404


def test_actions_matrix(pworld, three, client):
    p = pworld
    case = make_case(p.amr, number="ACT-1", status=CaseStatus.OPENED)
    url = reverse("protection:case_action", args=[case.pk, "investigate"])
    share(p.mia, case, p.police, "协查")
    for name, status in (("carl", 403), ("leo", 403), ("alice", 403), ("paul", 403), ("erin", 404)):
        client.force_login(getattr(p, name))
        assert client.post(url, {"investigate-note": "x"}).status_code == status, name
    case.refresh_from_db()
    assert case.status == CaseStatus.OPENED
    client.force_login(p.mia)
    assert client.post(url, {"investigate-note": "开始调查"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.INVESTIGATING
    assert case.events.last().by == p.mia and case.events.last().note == "开始调查"
    # A step that does not fit re-renders the page with the reason, nothing changed.
    response = client.post(
        reverse("protection:case_action", args=[case.pk, "serve_notice"]),
        {"serve_notice-notice_on": "2026-04-01"},
    )
    assert response.status_code == 400
    assert "At least 2 enforcement officers" in response.content.decode()
    # Adding a party and a right through the page.
    client.post(
        reverse("protection:case_action", args=[case.pk, "add_party"]),
        {
            "add_party-role": "respondent",
            "add_party-kind": "organization",
            "add_party-name": "某某公司",
        },
    )
    assert case.parties.filter(name="某某公司").exists()
    response = client.post(
        reverse("protection:case_action", args=[case.pk, "add_right"]),
        {"add_right-right_type": "trademark", "add_right-number": "77777777"},
    )
    assert response.status_code == 302
    page = client.get(case.get_absolute_url()).content.decode()
    assert "77777777 is not in the registry." in page
    # The edit page.
    edit = reverse("protection:case_edit", args=[case.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"title": "改名", "business_amount": "120000", "repeat": "yes"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.title == "改名" and case.business_amount == 120000 and case.repeat_set_by_hand
    client.force_login(p.carl)
    assert client.get(edit).status_code == 403


def test_open_case_page_limits_the_agencies(pworld, client):
    p = pworld
    url = reverse("protection:case_add")
    client.force_login(p.mia)
    page = client.get(url).content.decode()
    assert p.amr.name in page and p.culture.name not in page
    response = client.post(
        url,
        {
            "agency": p.culture.pk,
            "title": "t",
            "right_type": "trademark",
            "opened_on": "2026-03-02",
        },
    )
    assert response.status_code == 400
    response = client.post(
        url,
        {"agency": p.amr.pk, "title": "新案", "right_type": "trademark", "opened_on": "2026-03-02"},
    )
    assert response.status_code == 302
    for name in ("alice", "leo", "paul", "erin"):
        client.force_login(getattr(p, name))
        assert client.get(url).status_code == 403, name


def test_evidence_upload_and_download(pworld, three, client):
    p = pworld
    case, evidence = three["amr"], three["evidence"]
    assert len(evidence.sha256) == 64 and evidence.content_type == "application/pdf"
    url = reverse("protection:evidence_download", args=[evidence.pk])
    client.force_login(p.mia)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    for name in ("carl", "alice", "leo", "pete", "paul", "erin"):
        client.force_login(getattr(p, name))
        assert client.get(url).status_code == 404, name
    share(p.mia, case, p.police, "移送")
    client.force_login(p.paul)
    assert client.get(url).status_code == 200
    assert CaseAccessLog.objects.filter(
        case=case, user=p.paul, what=f"evidence {evidence.pk}"
    ).exists()
    # Upload through the page: content decides the type.
    client.force_login(p.mia)
    action = reverse("protection:case_action", args=[case.pk, "add_evidence"])
    bad = SimpleUploadedFile("x.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00")
    response = client.post(
        action,
        {"add_evidence-title": "坏文件", "add_evidence-kind": "document", "add_evidence-file": bad},
    )
    assert (
        response.status_code == 400 and "not a file type accepted here" in response.content.decode()
    )
    good = SimpleUploadedFile("照片.pdf", PDF + b"%photo\n")
    response = client.post(
        action,
        {"add_evidence-title": "照片", "add_evidence-kind": "photo", "add_evidence-file": good},
    )
    assert response.status_code == 302 and case.evidence.count() == 2
    # The same file again: refused with its reason, no second row.
    again = SimpleUploadedFile("再传.pdf", PDF)
    response = client.post(
        action,
        {"add_evidence-title": "再传", "add_evidence-kind": "photo", "add_evidence-file": again},
    )
    assert response.status_code == 400 and case.evidence.count() == 2
    assert "already in the case&#x27;s evidence" in response.content.decode()


def test_api_matrix(pworld, three, api):
    p = pworld
    case = three["amr"]
    body = api(p.mia).get(API).json()
    rows = {r["number"]: r for r in body["results"]}
    assert rows["AMR-1"]["is_full"] and rows["AMR-1"]["respondents"] == [SECRET]
    assert not rows["CUL-1"]["is_full"] and rows["CUL-1"]["respondents"] is None
    assert rows["CUL-1"]["business_amount"] is None and rows["CUL-1"]["status"] == "investigating"
    for name in SUMMARY_READERS:
        client = api(getattr(p, name))
        body = client.get(API).json()
        assert body["count"] == 3 and not any(
            r["is_full"] for r in body["results"] if r["number"] == "AMR-1"
        ), name
        detail = client.get(f"{API}{case.pk}/").json()
        assert detail["is_full"] is False and detail["parties"] is None, name
        assert (
            client.post(
                f"{API}{case.pk}/investigate/", {}, content_type="application/json"
            ).status_code
            == 403
        )
    assert api(p.erin).get(API).status_code == 403
    assert api(p.erin).get(f"{API}{case.pk}/").status_code == 404
    detail = api(p.mia).get(f"{API}{case.pk}/").json()
    assert detail["is_full"] and detail["parties"][0]["name"] == SECRET
    assert detail["evidence"][0]["download_url"].endswith(f"/{three['evidence'].pk}/download/")
    share(p.mia, case, p.police, "移送")
    paul = api(p.paul)
    assert paul.get(f"{API}{case.pk}/").json()["is_full"] is True
    assert CaseAccessLog.objects.filter(case=case, user=p.paul, what="api").count() == 1
    # The list shows a shared case as a summary (its details only on the logged detail).
    rows = paul.get(API, {"q": "AMR-1"}).json()["results"]
    assert [r["is_full"] for r in rows] == [False] and rows[0]["respondents"] is None
    assert CaseAccessLog.objects.filter(case=case, user=p.paul).count() == 1


def test_api_writes(pworld, api):
    p = pworld
    mia = api(p.mia)
    response = mia.post(
        API,
        {
            "agency": p.amr.pk,
            "title": "接口立案",
            "right_type": "trademark",
            "opened_on": "2026-03-02",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["decision_due"] == "2026-05-31"
    bad = mia.post(
        API,
        {"agency": p.culture.pk, "title": "x", "right_type": "trademark"},
        content_type="application/json",
    )
    assert bad.status_code == 403
    assert (
        api(p.leo)
        .post(
            API,
            {"agency": p.amr.pk, "title": "x", "right_type": "patent"},
            content_type="application/json",
        )
        .status_code
        == 403
    )

    def post(path, data, client=mia):
        return client.post(f"{API}{pk}/{path}", data, content_type="application/json")

    assert post("investigate/", {}).status_code == 200
    refused = post("notice/", {"notice_on": "2026-04-01"})
    assert refused.status_code == 422 and "At least 2" in str(refused.json()["errors"])
    for officer in (p.mia_officer, p.hank_officer):
        assert (
            post("handlers/", {"officer": officer.pk, "assigned_on": "2026-03-02"}).status_code
            == 200
        )
    assert post("handlers/", {"officer": p.carl_officer.pk}).status_code == 422
    assert post("notice/", {"notice_on": "2026-04-01"}).json()["status"] == "notice"
    decided = post(
        "decide/",
        {
            "decision_kind": "penalty",
            "decided_on": "2026-04-10",
            "decision_number": "罚1",
            "fine": 3000,
        },
    ).json()
    assert decided["status"] == "decided" and decided["fine"] == 3000.0
    assert decided["disclosure_due"] is not None
    assert post("disclose/", {"disclosed_on": "2026-04-15"}).status_code == 200
    assert post("execute/", {"executed_on": "2026-04-20"}).status_code == 200
    assert post("close/", {"reason": "withdrawn"}).status_code == 422
    closed = post("close/", {"reason": "executed", "closed_on": "2026-04-21"}).json()
    assert closed["status"] == "closed" and len(closed["events"]) == 7
    patch = mia.patch(f"{API}{pk}/", {"goods": "x"}, content_type="application/json")
    assert patch.status_code == 422


def test_api_extensions(pworld, api):
    p = pworld
    case = cases.open_case(
        p.mia, agency=p.amr, title="t", right_type="patent", opened_on=D(2026, 3, 2)
    )
    response = api(p.mia).post(
        f"{API}{case.pk}/extensions/",
        {"days": 30, "reason": "鉴定"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["status"] == "pending"
    ext = response.json()["id"]
    approve = f"{API}extensions/{ext}/approve/"
    assert api(p.mia).post(approve, {}, content_type="application/json").status_code == 403
    assert api(p.erin).post(approve, {}, content_type="application/json").status_code == 404
    answer = api(p.hank).post(approve, {"note": "同意"}, content_type="application/json").json()
    assert answer["status"] == "approved" and answer["new_due"] == "2026-06-30"
    case.refresh_from_db()
    assert case.decision_due == D(2026, 6, 30)


def _fill(p, n, start=0):
    for i in range(start, start + n):
        own = make_case(p.amr)
        _respondent(own, f"被申请人{i}")
        CaseHandler.objects.create(case=own, officer=p.mia_officer, assigned_on=D(2026, 3, 2))
        other = make_case(p.culture)
        _respondent(other, f"他案被申请人{i}")


def test_list_page_queries_do_not_grow(pworld, client):
    p = pworld
    _fill(p, 2)
    client.force_login(p.mia)
    url = reverse("protection:case_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _fill(p, 5, start=2)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many) == len(few)
    assert "被申请人4" in page and "他案被申请人4" not in page


def test_list_endpoint_queries_do_not_grow(pworld, api):
    p = pworld
    _fill(p, 2)
    client = api(p.mia)
    client.get(API)
    with CaptureQueriesContext(connection) as few:
        assert client.get(API).status_code == 200
    _fill(p, 5, start=2)
    with CaptureQueriesContext(connection) as many:
        body = client.get(API).json()
    assert len(many) == len(few) and body["count"] == 14
    assert {r["is_full"] for r in body["results"]} == {True, False}


def test_export_shows_summary_columns_only_for_summary_rows(pworld, three, client):
    p = pworld
    client.force_login(p.mia)
    response = client.get(reverse("protection:case_list"), {"export": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    by_number = {row[header.index("case number")]: row for row in rows[1:]}
    respondents = header.index("Respondents")
    assert by_number["AMR-1"][respondents] == SECRET
    assert by_number["AMR-1"][header.index("Seen as")] == "Full"
    assert by_number["CUL-1"][respondents] == ""
    assert by_number["CUL-1"][header.index("Seen as")] == "Summary"
    assert by_number["CUL-1"][header.index("status")] == "Investigation"
    assert "文化侵权人乙" not in text
    client.force_login(p.alice)
    text = b"".join(
        client.get(reverse("protection:case_list"), {"export": "csv"}).streaming_content
    )
    assert SECRET.encode() not in text and b"AMR-1" in text
    client.force_login(p.mia)
    response = client.get(reverse("protection:case_list"), {"export": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd")
