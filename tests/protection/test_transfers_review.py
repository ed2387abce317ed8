"""Review fixes of the transfers area: what summary-only users see, the log of shared views, no
re-proposal after the police declined or returned on the same values, the acceptance clock from
the sending, who withdraws, the police share taken back, the rule form, the daily duty, a second
police unit, query counts for the officer and the police, and single submission."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ipcity.accounts.models import APIToken
from ipcity.core.models import Notification
from ipcity.protection import clocks, repeats, transfers, visibility
from ipcity.protection.choices import (
    AgencyKind,
    CaseStatus,
    Offence,
    RelationReason,
    TransferStatus,
)
from ipcity.protection.models import (
    CaseAccessLog,
    CaseRelation,
    CaseShare,
    CriminalTransfer,
    ThresholdRule,
    ThresholdRuleSet,
)

from ..factories import make_org, make_user
from .conftest import make_agency, make_case
from .test_transfers_builders import D, respondent
from .test_transfers_flow import letter

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BASE = "/api/protection/"
REASON = "涉嫌销售假冒注册商标的商品罪"
DECLINE = "证据不足需补充调查"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def api(db):
    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


def pdf(name="a.pdf"):
    return SimpleUploadedFile(name, PDF, "application/pdf")


def over_case(agency, **fields):
    fields.setdefault("business_amount", Decimal("35000"))
    case = make_case(
        agency,
        conduct_date=D(2025, 6, 1),
        offence=Offence.COUNTERFEIT_MARK,
        marks_count=2,
        **fields,
    )
    respondent(case, "示例商贸有限公司")
    return case


def sent_transfer(p, case=None, police=None, documents=True):
    t = transfers.propose(p.mia, case or over_case(p.amr), police=police or p.police, reason=REASON)
    # Sending needs a document: `documents=False` attaches only the plain-text letter.
    if documents:
        transfers.add_document(p.mia, t, pdf("letter.pdf"), title="移送函")
    else:
        letter(p.mia, t)
    transfers.approve(p.hank, t)
    return transfers.send(p.mia, t)


@pytest.fixture
def police2(pworld):
    """A second police unit with its own officer (pia)."""
    org = make_org("通州公安分局治安支队", pworld.police.kind, region=pworld.world.district)
    make_agency(org, AgencyKind.POLICE)
    return org, make_user("pia", org, "police_officer")


# -- 1. summary-only users -----------------------------------------------------------------------


def test_summary_users_see_no_case_values_or_reasons(pworld, login, api):
    p = pworld
    t = sent_transfer(p)
    transfers.decline(p.paul, t, reason=DECLINE)
    url = t.get_absolute_url()
    for user in (p.pete, p.alice):
        body = login(user).get(url).content.decode()
        assert REASON not in body and DECLINE not in body, user
        assert "recorded" in body and 'data-testid="value-hidden"' in body
        assert "35000.00" not in body
        history = login(user).get(reverse("protection:transfer_history", args=[t.pk]))
        assert history.status_code == 200
        assert REASON not in history.content.decode() and DECLINE not in history.content.decode()
        for data in (
            api(user).get(f"{BASE}transfers/{t.pk}/").json(),
            api(user).get(f"{BASE}transfers/").json()["results"][0],
        ):
            assert data["proposal_reason"] == "recorded" and data["police_reason"] == "recorded"
            assert data["withdraw_reason"] == "" and data["matched_rules"]
            for rule in data["matched_rules"]:
                assert rule["value"] is None and rule["prior_cases"] == []
                assert rule["threshold"] and rule["condition"]
        export = login(user).get(reverse("protection:transfer_list"), {"export": "csv"})
        text = b"".join(export.streaming_content).decode("utf-8-sig")
        assert t.case.number in text and REASON not in text and DECLINE not in text
        assert "recorded" in text
    # The agency sees everything.
    body = login(p.mia).get(url).content.decode()
    assert REASON in body and DECLINE in body and "35000.00" in body
    data = api(p.mia).get(f"{BASE}transfers/{t.pk}/").json()
    assert data["proposal_reason"] == REASON and data["matched_rules"][0]["value"] == "35000.00"
    export = login(p.mia).get(reverse("protection:transfer_list"), {"export": "csv"})
    assert REASON in b"".join(export.streaming_content).decode("utf-8-sig")


# -- 2. every view of shared details is logged ---------------------------------------------------


def test_every_shared_view_is_logged(pworld, login, api):
    p = pworld
    t = sent_transfer(p, documents=False)  # no documents: the page is logged all the same

    def logged(user, fetch):
        before = CaseAccessLog.objects.filter(user=user).count()
        response = fetch()
        assert response.status_code == 200
        new = CaseAccessLog.objects.filter(user=user).order_by("-pk")
        assert new.count() == before + 1
        return new.first()

    entry = logged(p.paul, lambda: login(p.paul).get(t.get_absolute_url()))
    assert entry.case == t.case and entry.what == "transfer detail" and entry.share is not None
    history = reverse("protection:transfer_history", args=[t.pk])
    assert logged(p.paul, lambda: login(p.paul).get(history)).what == "transfer history"
    assert (
        logged(p.paul, lambda: api(p.paul).get(f"{BASE}transfers/")).what == "transfer list (API)"
    )
    detail = f"{BASE}transfers/{t.pk}/"
    assert logged(p.paul, lambda: api(p.paul).get(detail)).what == "transfer (API)"
    data = api(p.paul).get(detail).json()
    assert data["proposal_reason"] == REASON  # shared: full details, logged
    # Own and summary-only views are not shared views.
    before = CaseAccessLog.objects.count()
    login(p.mia).get(t.get_absolute_url())
    login(p.pete).get(t.get_absolute_url())
    api(p.pete).get(f"{BASE}transfers/")
    assert CaseAccessLog.objects.count() == before


# -- 3. no re-proposal after decline or return on the same values --------------------------------


@pytest.mark.parametrize("ending", ["decline", "return"])
def test_no_reproposal_after_police_ended_on_same_values(pworld, ending):
    p = pworld
    case = over_case(p.amr)
    t = transfers.propose_if_over(p.mia, case)
    transfers.approve(p.hank, t)
    letter(p.mia, t)
    transfers.send(p.mia, t)
    if ending == "decline":
        transfers.decline(p.paul, t, reason=DECLINE)
    else:
        transfers.accept(p.paul, t)
        transfers.return_to_agency(p.paul, t, reason="不构成犯罪")
    case.refresh_from_db()
    assert case.status == CaseStatus.INVESTIGATING
    # Every later edit with the same rules and values proposes nothing.
    assert transfers.propose_if_over(p.mia, case) is None
    assert transfers.propose_if_over(p.mia, case) is None
    assert case.transfers.count() == 1
    # A new value is a new question for the head.
    case.business_amount = Decimal("80000")
    case.save()
    again = transfers.propose_if_over(p.mia, case)
    assert again is not None and again.status == TransferStatus.PROPOSED
    assert case.transfers.count() == 2


# -- 4. the acceptance clock starts with the sending ---------------------------------------------


def test_acceptance_clock_runs_from_sending_unacknowledged(pworld, login):
    p = pworld
    t = sent_transfer(p, documents=False)
    sent_day = timezone.localdate(t.sent_at)
    assert t.received_at is None
    assert t.acceptance_due == clocks.due("police_acceptance", sent_day)
    # Not acknowledged and past the clock: overdue everywhere.
    later = clocks.due("police_acceptance", sent_day) + datetime.timedelta(days=1)
    assert transfers.is_overdue(t, later) == "police_acceptance"
    assert CriminalTransfer.objects.filter(transfers.overdue_q(later)).get() == t
    Notification.objects.all().delete()
    transfers.remind(later)
    title = f"Police acceptance overdue: {t.case.number}"
    assert list(Notification.objects.filter(user=p.paul).values_list("title", flat=True)) == [title]
    assert Notification.objects.filter(user=p.pete, title=title).exists()
    # The receipt records the time only; the clock stays.
    received = t.sent_at
    t = transfers.acknowledge(p.paul, t, received_at=received)
    assert t.received_at == received
    assert t.acceptance_due == clocks.due("police_acceptance", sent_day)
    # Supervision counts it once it is past due.
    CriminalTransfer.objects.filter(pk=t.pk).update(acceptance_due=D(2020, 1, 1), received_at=None)
    cards = {
        c["key"]: c for c in login(p.pete).get(reverse("protection:supervision")).context["cards"]
    }
    assert cards["acceptance_overdue"]["count"] == 1


# -- 5. who withdraws ----------------------------------------------------------------------------


def test_only_the_head_withdraws_a_proposal(pworld, login):
    p = pworld
    t = transfers.propose(p.mia, over_case(p.amr), police=p.police, reason=REASON)
    assert "withdraw" not in transfers.available_actions(p.mia, t)
    assert "withdraw" in transfers.available_actions(p.hank, t)
    with pytest.raises(PermissionDenied):
        transfers.withdraw(p.mia, t, "不移送")
    url = reverse("protection:transfer_action", args=[t.pk, "withdraw"])
    assert login(p.mia).post(url, {"reason": "不移送"}).status_code == 403
    t.refresh_from_db()
    assert t.status == TransferStatus.PROPOSED
    assert transfers.withdraw(p.hank, t, "不批准移送").status == TransferStatus.WITHDRAWN
    # An approved transfer: the officer may withdraw it, which reverses the approval.
    t = transfers.propose(p.mia, over_case(p.amr), police=p.police, reason=REASON)
    transfers.approve(p.hank, t)
    t.refresh_from_db()
    assert "withdraw" in transfers.available_actions(p.mia, t)
    Notification.objects.all().delete()
    t = transfers.withdraw(p.mia, t, "补充证据后再议")
    assert t.status == TransferStatus.WITHDRAWN and t.approved_by == p.hank
    assert Notification.objects.filter(user=p.hank, title__contains="withdrawn").exists()
    body = login(p.mia).get(t.get_absolute_url()).content.decode()
    assert "Approval reversed" in body


# -- 6. the police share is taken back -----------------------------------------------------------


@pytest.mark.parametrize("ending", ["decline", "return"])
def test_police_share_revoked_on_decline_and_return(pworld, ending):
    p = pworld
    t = sent_transfer(p, documents=False)
    case = t.case
    assert transfers.active_police_units(case) == {p.police.pk}
    assert visibility.access(p.paul, case) == visibility.Access.SHARED
    if ending == "decline":
        transfers.decline(p.paul, t, reason=DECLINE)
    else:
        transfers.accept(p.paul, t)
        assert transfers.active_police_units(case) == {p.police.pk}
        transfers.return_to_agency(p.paul, t, reason="不构成犯罪")
    share = CaseShare.objects.get(case=case, organization=p.police)
    assert share.revoked_at is not None and share.revoked_by == p.paul
    assert visibility.access(p.paul, case) != visibility.Access.SHARED
    assert transfers.active_police_units(case) == set()


def test_a_share_made_by_hand_before_the_transfer_is_kept(pworld):
    from ipcity.protection.sharing import share

    p = pworld
    case = over_case(p.amr)
    manual = share(p.mia, case, p.police, "移送前会商")
    t = sent_transfer(p, case=case, documents=False)
    transfers.decline(p.paul, t, reason=DECLINE)
    manual.refresh_from_db()
    assert manual.revoked_at is None


# -- 7. rule form, reminders, daily duty, clocks in texts, parties -------------------------------


def test_rule_form_prior_penalty_needs_lookback_and_duplicates_are_clear(
    pworld, login, monkeypatch
):
    from ipcity.protection.forms.transfers import RuleForm

    p = pworld
    rule_set = ThresholdRuleSet.objects.create(
        code="test-set", name="测试", valid_from=D(2030, 1, 1)
    )
    add = reverse("protection:threshold_rule_add", args=[rule_set.pk])
    data = {
        "offence": Offence.COUNTERFEIT_MARK,
        "condition": "prior_penalty",
        "measure": "business_amount",
        "value": "10000",
    }
    response = login(p.alice).post(add, data)
    assert response.status_code == 400 and b"look-back" in response.content
    assert not rule_set.rules.exists()
    rule_set.lookback_years = 2
    rule_set.save()
    assert login(p.alice).post(add, data).status_code == 302
    # A duplicate saved at the same moment (the form's checks passed): a message, not a 500.
    monkeypatch.setattr(RuleForm, "clean", lambda self: self.cleaned_data)
    monkeypatch.setattr(ThresholdRule, "validate_constraints", lambda self, exclude=None: None)
    response = login(p.alice).post(add, data)
    assert response.status_code == 400 and b"already has a rule" in response.content
    assert rule_set.rules.count() == 1


def test_daily_duty_looks_people_up_once_per_unit(pworld):
    p = pworld
    today = timezone.localdate()

    def overdue(n):
        for _ in range(n):
            t = transfers.propose(p.mia, over_case(p.amr), police=p.police, reason="a")
            CriminalTransfer.objects.filter(pk=t.pk).update(
                decision_due=today - datetime.timedelta(days=1)
            )
        _add_sent(p, n)
        CriminalTransfer.objects.filter(status=TransferStatus.SENT).update(
            acceptance_due=today - datetime.timedelta(days=1)
        )

    def role_queries():
        CriminalTransfer.objects.update(reminders=[])
        with CaptureQueriesContext(connection) as ctx:
            transfers.remind(today)
        return sum("roleassignment" in q["sql"].lower() for q in ctx.captured_queries)

    overdue(1)
    first = role_queries()
    assert first
    overdue(4)
    assert role_queries() == first


def test_propose_message_reads_the_clock(pworld, login):
    p = pworld
    case = over_case(p.amr)
    url = reverse("protection:transfer_propose", args=[case.pk])
    response = login(p.mia).post(url, {"police": p.police.pk, "reason": REASON}, follow=True)
    t = case.transfers.get()
    assert f"the head decides by {t.decision_due.isoformat()}" in response.content.decode()
    assert t.decision_due == clocks.due("transfer_decision", timezone.localdate(t.proposed_at))


def test_refresh_after_party_change_of_a_decided_case(pworld):
    p = pworld
    first = make_case(
        p.amr,
        opened_on=D(2025, 1, 2),
        status=CaseStatus.DECIDED,
        decision_kind="penalty",
        decided_on=D(2025, 6, 1),
    )
    later = make_case(p.culture, opened_on=D(2026, 3, 2))
    respondent(later, "示例商贸有限公司")
    repeats.refresh(later)
    assert not CaseRelation.objects.filter(case=later).exists()
    respondent(first, "示例商贸有限公司")  # the party is added after the decision
    refreshed = repeats.refresh_after_party_change(first)
    assert refreshed[0] == first and later in refreshed
    assert CaseRelation.objects.filter(
        case=later, earlier=first, reason=RelationReason.PRIOR_PENALTY_2Y
    ).exists()
    # An undecided case refreshes only itself.
    open_case = make_case(p.agri, opened_on=D(2026, 1, 5))
    assert repeats.refresh_after_party_change(open_case) == [open_case]


# -- 8. a second police unit; documents; query counts --------------------------------------------


def test_second_police_unit_cannot_see_or_act(pworld, police2, login, api):
    p = pworld
    _org, pia = police2
    t = sent_transfer(p)
    doc = t.documents.get()
    pages = [
        t.get_absolute_url(),
        reverse("protection:transfer_history", args=[t.pk]),
        reverse("protection:transfer_document_download", args=[t.pk, doc.pk]),
    ]
    for url in pages:
        assert login(pia).get(url).status_code == 404, url
    for action in ("acknowledge", "accept", "decline"):
        url = reverse("protection:transfer_action", args=[t.pk, action])
        assert login(pia).post(url, {"reason": "x"}).status_code == 404
    add = reverse("protection:transfer_document_add", args=[t.pk])
    assert login(pia).post(add, {"title": "x", "file": pdf()}).status_code == 404
    assert api(pia).get(f"{BASE}transfers/{t.pk}/").status_code == 404
    assert (
        api(pia)
        .post(f"{BASE}transfers/{t.pk}/accept/", {}, content_type="application/json")
        .status_code
        == 404
    )
    assert api(pia).get(f"{BASE}transfers/").json()["results"] == []
    response = login(pia).get(reverse("protection:transfer_list"))
    assert list(response.context["table"].data.data) == []
    assert not transfers.is_police(pia, t)
    t.refresh_from_db()
    assert t.status == TransferStatus.SENT
    # A transfer to the second unit is theirs, not paul's.
    other = sent_transfer(p, police=_org, documents=False)
    assert login(pia).get(other.get_absolute_url()).status_code == 200
    assert login(p.paul).get(other.get_absolute_url()).status_code == 404


def test_document_add_stranger_and_police_before_sending(pworld, login):
    p = pworld
    t = transfers.propose(p.mia, over_case(p.amr), police=p.police, reason=REASON)
    url = reverse("protection:transfer_document_add", args=[t.pk])
    assert login(p.erin).post(url, {"title": "x", "file": pdf()}).status_code == 404
    assert login(p.carl).post(url, {"title": "x", "file": pdf()}).status_code == 404
    assert login(p.paul).post(url, {"title": "x", "file": pdf()}).status_code == 404
    assert not t.documents.exists()
    with pytest.raises(PermissionDenied):
        transfers.add_document(p.paul, t, pdf(), title="x")


def _add_sent(p, n, police=None):
    for _ in range(n):
        case = over_case(p.amr)
        CriminalTransfer.objects.create(
            case=case,
            police=police or p.police,
            status=TransferStatus.SENT,
            proposed_at=timezone.now(),
            decision_due=timezone.localdate(),
            matched_rules=[
                {
                    "rule": 1,
                    "offence": Offence.COUNTERFEIT_MARK,
                    "condition": "two_or_more_marks",
                    "measure": "business_amount",
                    "threshold": "30000.00",
                    "value": "35000.00",
                    "rule_set": "spc-spp-2025-5",
                }
            ],
            proposal_reason="r",
        )
        CaseShare.objects.create(case=case, organization=police or p.police, reason="移送")


@pytest.mark.parametrize("who", ["mia", "paul"])
def test_list_page_queries_do_not_grow(pworld, login, who):
    p = pworld
    client = login(getattr(p, who))
    url = reverse("protection:transfer_list")

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
            assert response.status_code == 200
        return len(ctx.captured_queries), response.context["table"].paginator.count

    _add_sent(p, 3)
    first, rows = count()
    assert rows == 3
    _add_sent(p, 10)
    again, rows = count()
    assert rows == 13 and again == first


@pytest.mark.parametrize("who", ["mia", "paul"])
def test_list_api_queries_do_not_grow(pworld, api, who):
    p = pworld
    client = api(getattr(p, who))

    def count():
        client.get(f"{BASE}transfers/")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{BASE}transfers/")
            assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["count"]

    _add_sent(p, 3)
    first, rows = count()
    assert rows == 3
    _add_sent(p, 10)
    again, rows = count()
    assert rows == 13 and again == first


# -- 9. single submission ------------------------------------------------------------------------


def test_propose_and_upload_submit_once(pworld, login):
    p = pworld
    client = login(p.mia)
    case = over_case(p.amr)
    url = reverse("protection:transfer_propose", args=[case.pk])
    page = client.get(url).content.decode()
    assert 'name="_once"' in page
    data = {"police": p.police.pk, "reason": REASON, "_once": "tok-propose"}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == 302 and second.status_code == 302
    t = case.transfers.get()
    assert second["Location"] == t.get_absolute_url()
    assert 'name="_once"' in client.get(t.get_absolute_url()).content.decode()
    add = reverse("protection:transfer_document_add", args=[t.pk])
    for _ in range(2):
        response = client.post(add, {"title": "移送函", "file": pdf(), "_once": "tok-doc"})
        assert response.status_code == 302
    assert t.documents.count() == 1
    # A failed upload frees the token: the corrected form goes through.
    bad = {"title": "", "file": pdf(), "_once": "tok-doc2"}
    client.post(add, bad)
    client.post(add, {"title": "清单", "file": pdf(), "_once": "tok-doc2"})
    assert t.documents.count() == 2
