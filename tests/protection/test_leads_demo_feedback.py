"""Fixes from the new-user test of the demo: leads go to administrative enforcement agencies
only, the office dismisses an unrouted junk complaint, opening a case lands on the case, and
the lead status labels carry their own translation context."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from ipcity.orgs.choices import OrganizationKind
from ipcity.protection import leads
from ipcity.protection.choices import AgencyKind, LeadSource, LeadStatus
from ipcity.protection.forms.leads import ComplaintForm, RouteForm
from ipcity.protection.models import Case, Lead

from .conftest import make_agency, make_lead
from .test_leads_actions import _isolated, public_fields  # noqa: F401

pytestmark = pytest.mark.django_db


def detail(lead):
    return f"/protection/leads/{lead.pk}/"


def action(lead, name):
    return f"/protection/leads/{lead.pk}/{name}/"


@pytest.fixture
def court(pworld):
    from tests.protection.conftest import make_org

    org = make_org("通州区人民法院", OrganizationKind.JUDICIAL)
    make_agency(org, AgencyKind.COURT, public=True)
    return org


def test_route_targets_are_administrative_agencies_only(pworld, court):
    p = pworld
    offered = set(RouteForm(lead=make_lead(None)).fields["agency"].queryset)
    assert {p.amr, p.culture, p.agri} <= offered
    assert not {p.police, p.procuratorate, court} & offered
    referral = RouteForm(lead=make_lead(p.amr), referral=True).fields["agency"].queryset
    assert p.amr not in referral and p.police not in referral and p.culture in referral
    lead = leads.create_lead(None, source=LeadSource.PUBLIC, **public_fields())
    for target in (p.police, p.procuratorate, court):
        with pytest.raises(ValidationError) as info:
            leads.route(p.alice, lead, target)
        assert "agency" in info.value.message_dict
    lead.refresh_from_db()
    assert lead.agency is None
    # The handling agency refers on to administrative agencies only, too.
    routed = make_lead(p.amr)
    with pytest.raises(ValidationError):
        leads.route(p.mia, routed, p.police)
    leads.route(p.mia, routed, p.culture, "文化市场管辖")
    assert routed.agency == p.culture


def test_route_page_refuses_the_police(pworld, court, login):
    p = pworld
    lead = make_lead(None)
    page = login(p.alice).get(action(lead, "route")).content.decode()
    assert p.amr.name in page and p.police.name not in page and court.name not in page
    response = login(p.alice).post(action(lead, "route"), {"agency": p.police.pk})
    assert response.status_code == 400
    assert Lead.objects.get(pk=lead.pk).agency is None


def test_public_form_offers_no_court_even_when_listed(pworld, court):
    queryset = ComplaintForm().fields["agency"].queryset
    assert court not in queryset and pworld.police not in queryset
    with pytest.raises(ValidationError) as info:
        leads.create_lead(None, source=LeadSource.PUBLIC, agency=court, **public_fields())
    assert "agency" in info.value.message_dict
    assert Lead.objects.count() == 0


def test_office_dismisses_an_unrouted_junk_complaint(pworld):
    p = pworld
    lead = leads.create_lead(None, source=LeadSource.PUBLIC, **public_fields())
    assert "not_open" in leads.available_actions(p.alice, lead)
    assert "open_case" not in leads.available_actions(p.alice, lead)
    for other in (p.mia, p.leo, p.carl):
        with pytest.raises(PermissionDenied):
            leads.decide_not_open(other, lead, "x")
    with pytest.raises(ValidationError) as info:
        leads.decide_not_open(p.alice, lead, "  ")
    assert "reason" in info.value.message_dict
    leads.decide_not_open(p.alice, lead, "广告信息，与知识产权无关")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NOT_OPENED and lead.agency is None
    assert lead.decided_by == p.alice and lead.decision_reason == "广告信息，与知识产权无关"
    assert lead.public_reply  # the standard reply to the complainant
    assert leads.available_actions(p.alice, lead) == set()
    with pytest.raises(ValidationError):
        leads.decide_not_open(p.alice, lead, "again")


def test_a_routed_lead_stays_with_its_agency(pworld):
    p = pworld
    lead = make_lead(p.amr)
    assert "not_open" not in leads.available_actions(p.alice, lead)
    with pytest.raises(PermissionDenied):
        leads.decide_not_open(p.alice, lead, "x")
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.RECEIVED


def test_office_dismisses_through_the_page(pworld, login):
    p = pworld
    lead = make_lead(None)
    client = login(p.alice)
    assert action(lead, "not_open") in client.get(detail(lead)).content.decode()
    assert client.post(action(lead, "not_open"), {"reason": ""}).status_code == 400
    response = client.post(action(lead, "not_open"), {"reason": "重复投诉"})
    assert response.status_code == 302 and response["Location"] == detail(lead)
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NOT_OPENED
    routed = make_lead(p.amr)
    assert action(routed, "not_open") not in client.get(detail(routed)).content.decode()
    # The office may still route it again: told the step is not open, nothing decided.
    response = client.post(action(routed, "not_open"), {"reason": "x"})
    assert response.status_code == 302 and response["Location"] == detail(routed)
    assert Lead.objects.get(pk=routed.pk).status == LeadStatus.RECEIVED
    # A stranger and a read-only persona do not reach the lead at all.
    assert login(p.carl).post(action(lead, "not_open"), {"reason": "x"}).status_code == 404
    assert login(p.leo).get(detail(lead)).status_code == 404


def test_opening_a_case_lands_on_the_case(pworld, login):
    p = pworld
    lead = make_lead(p.amr, respondent_name="某某商贸有限公司")
    client = login(p.mia)
    response = client.post(
        action(lead, "open_case"), {"title": "假冒商标案", "right_type": "trademark"}
    )
    case = Case.objects.get(lead=lead)
    assert response.status_code == 302
    assert response["Location"] == f"/protection/cases/{case.pk}/"
    assert client.get(response["Location"]).status_code == 200


def test_lead_status_labels_have_their_own_context(pworld, login):
    # Own context (pgettext_lazy): "Received" alone is another module's msgid.
    for status in LeadStatus:
        assert status.label._args == ("lead status", str(status.label)), status
    with translation.override("en"):
        assert str(LeadStatus.RECEIVED.label) == "Received"
    lead = make_lead(pworld.amr)
    text = login(pworld.mia).get(detail(lead)).content.decode()
    assert "Parties" in text and "Received" in text
