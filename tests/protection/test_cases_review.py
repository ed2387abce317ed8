"""Fixes after review: shared cases are summary rows in lists (details only where each view is
logged), late disclosure of an executed penalty, open_case's refusals and numbering, rule 64
on extensions, history users, evidence files, submit-once, the lead shown only to its readers,
the item actions and extension decisions with every persona, and the API's item endpoints."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ipcity.accounts.models import APIToken
from ipcity.protection import cases
from ipcity.protection.choices import CaseStatus, DecisionKind, LeadStatus
from ipcity.protection.models import (
    Case,
    CaseAccessLog,
    CaseEvent,
    CaseHandler,
    CaseParty,
    CaseRight,
    Evidence,
    Extension,
)
from ipcity.protection.models.cases import CaseReminder
from ipcity.protection.sharing import share

from .conftest import make_case, make_lead

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


@pytest.fixture
def shared(pworld):
    """An amr case with a respondent, shared with the police."""
    p = pworld
    case = make_case(p.amr, number="AMR-S1", title="共享案")
    CaseParty.objects.create(case=case, role="respondent", name=SECRET, name_key=SECRET)
    share(p.mia, case, p.police, "移送")
    return case


MARCH_2 = D(2026, 3, 2)


def _staffed(p, opened=MARCH_2):
    case = cases.open_case(
        p.mia, agency=p.amr, title="案", right_type="trademark", opened_on=opened
    )
    cases.assign_handler(p.mia, case, p.mia_officer, is_lead=True, assigned_on=opened)
    cases.assign_handler(p.mia, case, p.hank_officer, assigned_on=opened)
    return case


# -- 1. shared cases in lists ----------------------------------------------------------------------


def test_shared_case_is_a_summary_row_in_list_api_and_export(pworld, shared, client, api):
    p = pworld
    client.force_login(p.paul)
    page = client.get(reverse("protection:case_list")).content.decode()
    assert "AMR-S1" in page and SECRET not in page
    # A search on a detail (the respondent's name) does not find it through the share.
    page = client.get(reverse("protection:case_list"), {"q": "侵权人甲"}).content.decode()
    assert "AMR-S1" not in page
    rows = api(p.paul).get(API).json()["results"]
    row = next(r for r in rows if r["number"] == "AMR-S1")
    assert row["is_full"] is False and row["respondents"] is None and row["offence"] is None
    response = client.get(reverse("protection:case_list"), {"export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    header = table[0]
    line = next(r for r in table[1:] if r[header.index("case number")] == "AMR-S1")
    assert line[header.index("Seen as")] == "Summary" and SECRET not in text
    assert not CaseAccessLog.objects.filter(case=shared, user=p.paul).exists()
    # The owner still sees it in full in the list.
    rows = api(p.mia).get(API).json()["results"]
    assert next(r for r in rows if r["number"] == "AMR-S1")["respondents"] == [SECRET]


def test_shared_case_detail_is_full_and_logged(pworld, shared, client, api):
    p = pworld
    client.force_login(p.paul)
    page = client.get(shared.get_absolute_url()).content.decode()
    assert SECRET in page and 'data-testid="shared-badge"' in page
    assert CaseAccessLog.objects.filter(case=shared, user=p.paul, what="detail").count() == 1
    assert client.get(reverse("protection:case_history", args=[shared.pk])).status_code == 200
    assert CaseAccessLog.objects.filter(case=shared, user=p.paul, what="history").count() == 1
    body = api(p.paul).get(f"{API}{shared.pk}/").json()
    assert body["is_full"] and body["respondents"] == [SECRET]
    assert CaseAccessLog.objects.filter(case=shared, user=p.paul, what="api").count() == 1


# -- 2. disclosure after execution -----------------------------------------------------------------


def test_executed_undisclosed_penalty_can_be_disclosed(pworld, client):
    p = pworld
    case = _staffed(p)
    cases.investigate(p.mia, case)
    cases.serve_notice(p.mia, case, notice_on=D(2026, 4, 1))
    cases.decide(
        p.mia,
        case,
        decision_kind=DecisionKind.PENALTY,
        decided_on=D(2026, 4, 15),
        decision_number="罚1号",
        fine="5000",
    )
    cases.execute(p.mia, case, executed_on=D(2026, 4, 20))
    assert case.status == CaseStatus.EXECUTED and cases.can_disclose(case)
    assert cases.send_deadline_reminders(D(2026, 11, 1)) >= 1
    assert CaseReminder.objects.filter(case=case, kind="disclosure_overdue").exists()
    client.force_login(p.mia)
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="action-disclose"' in page
    response = client.post(
        reverse("protection:case_action", args=[case.pk, "disclose"]),
        {"disclose-disclosed_on": "2026-05-10", "disclose-url": "https://example.org/d/1"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.EXECUTED and case.disclosed_on == D(2026, 5, 10)
    assert case.disclosure_url == "https://example.org/d/1"
    event = CaseEvent.objects.filter(case=case).order_by("-pk").first()
    assert (event.from_status, event.to_status, event.by) == ("executed", "executed", p.mia)
    assert "2026-05-10" in event.note
    assert case.history.first().history_user == p.mia
    assert not cases.can_disclose(case)
    with pytest.raises(ValidationError):
        cases.disclose(p.mia, case, disclosed_on=D(2026, 5, 11))
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="action-disclose"' not in page
    CaseReminder.objects.all().delete()
    cases.send_deadline_reminders(D(2026, 11, 2))
    assert not CaseReminder.objects.filter(case=case, kind="disclosure_overdue").exists()


# -- 3. open_case ----------------------------------------------------------------------------------


def test_open_case_refusals_and_numbers(pworld):
    p = pworld
    with pytest.raises(ValidationError) as err:
        cases.open_case(
            p.mia,
            agency=p.amr,
            title="t",
            right_type="patent",
            opened_on=timezone.localdate() + datetime.timedelta(days=3),
        )
    assert "future" in str(err.value.message_dict["opened_on"])
    closed = make_lead(p.amr, status=LeadStatus.NOT_OPENED)
    with pytest.raises(ValidationError) as err:
        cases.open_case(p.mia, agency=p.amr, title="t", right_type="patent", lead=closed)
    assert "still open" in str(err.value.message_dict["lead"])
    other = make_lead(p.culture)
    with pytest.raises(ValidationError) as err:
        cases.open_case(p.mia, agency=p.amr, title="t", right_type="patent", lead=other)
    assert "another agency" in str(err.value.message_dict["lead"])
    lead = make_lead(p.amr)
    first = cases.open_case(p.mia, agency=p.amr, title="t", right_type="patent", lead=lead)
    assert first.number == "京通市监处罚〔2026〕1号"
    assert first.history.first().history_user == p.mia
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CASE_OPENED
    lead.status = LeadStatus.VERIFYING
    lead.save()
    with pytest.raises(ValidationError) as err:
        cases.open_case(p.mia, agency=p.amr, title="t", right_type="patent", lead=lead)
    assert "already opened from this lead" in str(err.value.message_dict["lead"])
    with pytest.raises(ValidationError) as err:
        cases.open_case(p.mia, agency=p.amr, title="t", right_type="patent", number=first.number)
    assert "already used" in str(err.value.message_dict["number"])
    assert Case.objects.count() == 1


def test_automatic_number_is_computed_again_once_when_taken(pworld, monkeypatch):
    p = pworld
    make_case(p.amr, number="京通市监处罚〔2026〕1号")
    calls = []
    real = cases.next_number

    def stale(agency, year):  # the first call returns a number another opening just took
        calls.append(year)
        return "京通市监处罚〔2026〕1号" if len(calls) == 1 else real(agency, year)

    monkeypatch.setattr(cases, "next_number", stale)
    case = cases.open_case(p.mia, agency=p.amr, title="t", right_type="patent")
    assert case.number == "京通市监处罚〔2026〕2号" and len(calls) == 2


def test_fallback_prefix_is_fixed(pworld):
    p = pworld
    p.police.short_name = ""
    assert cases.next_number(p.police, 2026) == "案件〔2026〕1号"
    p.police.short_name = "经侦"
    assert cases.next_number(p.police, 2026) == "经侦〔2026〕1号"


# -- 4. rule 64: one extension unless collective ---------------------------------------------------


def test_second_extension_needs_a_collective_decision(pworld, client):
    p = pworld
    case = _staffed(p)
    first = cases.request_extension(p.mia, case, days=30, reason="鉴定")
    cases.approve_extension(p.hank, first)
    client.force_login(p.mia)
    url = reverse("protection:case_action", args=[case.pk, "request_extension"])
    response = client.post(
        url, {"request_extension-days": "10", "request_extension-reason": "再延"}
    )
    assert response.status_code == 400 and "collective decision" in response.content.decode()
    response = client.post(
        url,
        {
            "request_extension-days": "10",
            "request_extension-reason": "再延",
            "request_extension-collective": "on",
        },
    )
    assert response.status_code == 302
    assert Extension.objects.get(case=case, approved_at__isnull=True).collective is True


def test_extension_form_shows_its_own_bounds():
    from ipcity.protection.forms.cases import CaseUpdateForm, ExtensionForm

    form = ExtensionForm({"days": "400", "reason": "x"})
    assert not form.is_valid() and "less than or equal to" in str(form.errors["days"])
    form = ExtensionForm({"days": "0", "reason": "x"})
    assert not form.is_valid() and "greater than or equal to 1" in str(form.errors["days"])
    form = CaseUpdateForm({"title": "t", "business_amount": "-1"}, instance=Case())
    assert not form.is_valid() and "greater than or equal to 0" in str(
        form.errors["business_amount"]
    )


# -- 5. history user without a request -------------------------------------------------------------


def test_transition_names_the_user_in_history(pworld, api):
    p = pworld
    case = make_case(p.amr, status=CaseStatus.OPENED)
    assert (
        api(p.mia)
        .post(f"{API}{case.pk}/investigate/", {}, content_type="application/json")
        .status_code
        == 200
    )
    assert case.history.order_by("-history_date").first().history_user == p.mia
    cases.close(p.hank, case, reason="withdrawn", closed_on=D(2026, 3, 5))
    assert case.history.order_by("-history_date").first().history_user == p.hank


# -- 6. evidence files and submit once -------------------------------------------------------------


def test_evidence_file_removed_when_the_row_fails(pworld, monkeypatch, tmp_path):
    p = pworld
    case = make_case(p.amr)

    def broken(self, *args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(Evidence, "save", broken)
    with pytest.raises(RuntimeError):
        cases.add_evidence(p.mia, case, SimpleUploadedFile("a.pdf", PDF), title="a")
    stored = [f for f in tmp_path.rglob("*") if f.is_file()]
    assert stored == []


def test_same_evidence_file_twice_is_refused(pworld):
    p = pworld
    case = make_case(p.amr)
    cases.add_evidence(p.mia, case, SimpleUploadedFile("a.pdf", PDF), title="a")
    with pytest.raises(ValidationError) as err:
        cases.add_evidence(p.mia, case, SimpleUploadedFile("b.pdf", PDF), title="b")
    assert err.value.message_dict["file"] == ["This file is already in the case's evidence."]
    assert case.evidence.count() == 1


def test_forms_submit_once(pworld, client):
    p = pworld
    client.force_login(p.mia)
    page = client.get(reverse("protection:case_add")).content.decode()
    assert 'name="_once"' in page
    data = {
        "agency": p.amr.pk,
        "title": "一次",
        "right_type": "trademark",
        "opened_on": "2026-03-02",
        "_once": "tok-add",
    }
    first = client.post(reverse("protection:case_add"), data)
    second = client.post(reverse("protection:case_add"), data)
    assert first.status_code == second.status_code == 302 and first.url == second.url
    assert Case.objects.filter(title="一次").count() == 1
    case = Case.objects.get(title="一次")
    page = client.get(case.get_absolute_url()).content.decode()
    assert page.count('name="_once"') == 2  # the party and evidence forms
    party = {
        "add_party-role": "respondent",
        "add_party-kind": "organization",
        "add_party-name": "某某公司",
        "_once": "tok-party",
    }
    url = reverse("protection:case_action", args=[case.pk, "add_party"])
    client.post(url, party)
    client.post(url, party)
    assert case.parties.count() == 1
    evidence = reverse("protection:case_action", args=[case.pk, "add_evidence"])
    for _ in range(2):
        client.post(
            evidence,
            {
                "add_evidence-title": "笔录",
                "add_evidence-kind": "record",
                "add_evidence-file": SimpleUploadedFile("a.pdf", PDF),
                "_once": "tok-ev",
            },
        )
    assert case.evidence.count() == 1


# -- 7. the lead on the case page ------------------------------------------------------------------


def test_lead_shown_only_to_its_readers(pworld, client):
    p = pworld
    lead = make_lead(p.amr, tracking_code="TRACK12345")
    case = cases.open_case(p.mia, agency=p.amr, title="t", right_type="patent", lead=lead)
    client.force_login(p.mia)
    assert "TRACK12345" in client.get(case.get_absolute_url()).content.decode()
    share(p.mia, case, p.police, "协查")
    client.force_login(p.paul)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "TRACK12345" not in page and 'data-testid="case-lead"' not in page


# -- 9. item actions and extension decisions with personas -----------------------------------------


def test_item_actions(pworld, client):
    p = pworld
    case = _staffed(p)
    right = cases.add_right(p.mia, case, "trademark", "12345678")
    party = cases.add_party(p.mia, case, role="respondent", kind="organization", name="乙公司")
    handler = case.handlers.get(officer=p.hank_officer)
    share(p.mia, case, p.police, "协查")

    def url(action, item):
        return reverse("protection:case_item_action", args=[case.pk, action, item])

    for name, status in (("erin", 404), ("carl", 403), ("paul", 403)):
        client.force_login(getattr(p, name))
        assert client.post(url("remove_right", right.pk)).status_code == status, name
        assert client.post(url("remove_party", party.pk)).status_code == status, name
        assert client.post(url("release_handler", handler.pk)).status_code == status, name
    assert CaseRight.objects.filter(pk=right.pk).exists()
    client.force_login(p.mia)
    assert client.post(url("remove_right", right.pk)).status_code == 302
    assert client.post(url("remove_party", party.pk)).status_code == 302
    assert client.post(url("release_handler", handler.pk)).status_code == 302
    assert not CaseRight.objects.filter(pk=right.pk).exists()
    assert not CaseParty.objects.filter(pk=party.pk).exists()
    handler.refresh_from_db()
    assert handler.released_on is not None
    # A record of another case, or released twice: a message, nothing changes.
    other = make_case(p.amr)
    foreign = CaseHandler.objects.create(
        case=other, officer=p.mia_officer, assigned_on=D(2026, 3, 2)
    )
    response = client.post(url("release_handler", foreign.pk), follow=True)
    assert "does not belong to this case" in response.content.decode()
    response = client.post(url("release_handler", handler.pk), follow=True)
    assert "already released" in response.content.decode()
    assert client.post(url("nonsense", 1)).status_code == 404


def test_extension_decide_personas(pworld, client):
    from tests.factories import make_user

    p = pworld
    case = _staffed(p)
    ext = cases.request_extension(p.hank, case, days=10, reason="鉴定")
    share(p.mia, case, p.police, "协查")

    def url(decision):
        return reverse("protection:extension_decide", args=[ext.pk, decision])

    for name, status in (("erin", 404), ("carl", 404), ("alice", 404), ("paul", 403)):
        client.force_login(getattr(p, name))
        assert client.post(url("approve")).status_code == status, name
    client.force_login(p.mia)  # an officer, not a head
    assert client.post(url("approve")).status_code == 403
    client.force_login(p.hank)  # asked for it himself
    assert client.post(url("approve")).status_code == 403
    ext.refresh_from_db()
    assert ext.is_pending
    harry = make_user("harry", p.amr, "enforcement_head")
    client.force_login(harry)
    assert client.post(url("maybe")).status_code == 404
    assert client.post(url("reject"), {"note": "不同意"}).status_code == 302
    ext.refresh_from_db()
    assert ext.rejected_by == harry and ext.decision_note == "不同意"
    ext2 = cases.request_extension(p.mia, case, days=10, reason="再请")
    response = client.post(
        reverse("protection:extension_decide", args=[ext2.pk, "approve"]), follow=True
    )
    assert "Extension approved." in response.content.decode()
    ext2.refresh_from_db()
    assert ext2.approved_by == harry
    assert ext2.history.first().history_user == harry
    with pytest.raises(PermissionDenied):
        cases.approve_extension(p.mia, ext2)


def test_case_edit_and_history_personas(pworld, client):
    p = pworld
    case = make_case(p.amr)
    edit = reverse("protection:case_edit", args=[case.pk])
    history = reverse("protection:case_history", args=[case.pk])
    client.force_login(p.erin)
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"title": "x"}).status_code == 404
    assert client.get(history).status_code == 404
    client.force_login(p.carl)
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"title": "x"}).status_code == 403
    assert client.get(history).status_code == 404  # summary only: no history
    client.force_login(p.mia)
    assert client.get(history).status_code == 200
    case.refresh_from_db()
    assert case.title != "x"


# -- 9. API filters and item endpoints -------------------------------------------------------------


def test_api_offence_and_q_filters(pworld, api):
    p = pworld
    hit = make_case(p.amr, number="OFF-1", offence="counterfeit_mark", goods="假冒鞋")
    make_case(p.amr, number="OFF-2")
    make_case(p.culture, number="OFF-3", offence="counterfeit_mark", goods="假冒鞋")
    client = api(p.mia)
    numbers = [r["number"] for r in client.get(API, {"offence": hit.offence}).json()["results"]]
    assert numbers == ["OFF-1"]
    numbers = [r["number"] for r in client.get(API, {"q": "假冒鞋"}).json()["results"]]
    assert numbers == ["OFF-1"]
    numbers = {r["number"] for r in client.get(API, {"q": "OFF"}).json()["results"]}
    assert numbers == {"OFF-1", "OFF-2", "OFF-3"}


def test_api_item_endpoints(pworld, api):
    p = pworld
    case = _staffed(p)
    right = cases.add_right(p.mia, case, "trademark", "12345678")
    party = cases.add_party(p.mia, case, role="respondent", kind="organization", name="乙公司")
    handler = case.handlers.get(officer=p.hank_officer)
    paths = (
        ("delete", f"{API}{case.pk}/rights/{right.pk}/"),
        ("delete", f"{API}{case.pk}/parties/{party.pk}/"),
        ("post", f"{API}{case.pk}/handlers/{handler.pk}/release/"),
    )
    for name, status in (("erin", 404), ("carl", 403), ("leo", 403)):
        client = api(getattr(p, name))
        for method, path in paths:
            assert getattr(client, method)(path).status_code == status, (name, path)
    client = api(p.mia)
    assert client.delete(f"{API}{case.pk}/rights/999999/").status_code == 404
    for method, path in paths:
        response = getattr(client, method)(path)
        assert response.status_code == 200, (path, response.content)
    body = response.json()
    assert body["rights"] == [] and body["parties"] == []
    assert [h["released_on"] is not None for h in body["handlers"]] == [False, True]
    assert client.delete(paths[0][1]).status_code == 404


def test_api_list_does_not_load_handlers(pworld, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    p = pworld
    case = make_case(p.amr)
    CaseHandler.objects.create(case=case, officer=p.mia_officer, assigned_on=D(2026, 3, 2))
    with CaptureQueriesContext(connection) as queries:
        assert api(p.mia).get(API).status_code == 200
    assert not any("protection_casehandler" in q["sql"] for q in queries.captured_queries)
