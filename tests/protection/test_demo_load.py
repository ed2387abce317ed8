"""The protection demo: agencies for the demo units, officers (demo_officer's among them, some
expiring soon, one expired), about 40 leads and 30 cases over 2025-2026, loaded once and fast."""

import time

import pytest

from ipcity.core.demo import load_demo
from ipcity.protection import demo, officers
from ipcity.protection.choices import AgencyKind
from ipcity.protection.models import (
    Agency,
    Campaign,
    Case,
    CaseParty,
    CaseRight,
    CriminalTransfer,
    Lead,
    Mediation,
    Meeting,
    Officer,
    OfficerTraining,
)

pytestmark = pytest.mark.django_db


def counts():
    return [
        m.objects.count()
        for m in (
            Agency,
            Officer,
            OfficerTraining,
            Lead,
            Case,
            CaseParty,
            CriminalTransfer,
            Meeting,
        )
    ]


def test_demo_loads_once_and_fast(module_demo):
    start = time.monotonic()
    demo.load()
    elapsed = time.monotonic() - start
    assert elapsed < 3, elapsed
    kinds = set(Agency.objects.values_list("kind", flat=True))
    assert {
        AgencyKind.MARKET_REGULATION,
        AgencyKind.CULTURE,
        AgencyKind.AGRICULTURE,
        AgencyKind.POLICE,
        AgencyKind.PROCURATORATE,
        AgencyKind.COURT,
    } <= kinds
    assert Agency.objects.filter(accepts_public_leads=True).count() >= 2
    public = set(Agency.objects.filter(accepts_public_leads=True).values_list("kind", flat=True))
    assert {AgencyKind.AGRICULTURE, AgencyKind.CULTURE} <= public  # plant varieties, copyright
    assert not public & {AgencyKind.POLICE, AgencyKind.PROCURATORATE, AgencyKind.COURT}
    today = officers.current_date()
    assert Officer.objects.filter(user__username="demo_officer").exists()
    assert Officer.objects.filter(officers.expiring_q(today)).count() >= 2
    assert Officer.objects.filter(officers.expired_q(today)).count() == 1
    for officer in Officer.objects.all():
        assert officer.training_hours == officers.training_sum(officer.pk)
    assert 38 <= Lead.objects.count() <= 42
    assert Case.objects.count() == 30
    assert len(set(Case.objects.values_list("agency", flat=True))) >= 3
    assert len(set(Case.objects.values_list("status", flat=True))) >= 5
    assert len(set(Case.objects.values_list("right_type", flat=True))) >= 4
    assert {c.opened_on.year for c in Case.objects.all()} == {2025, 2026}
    assert CaseRight.objects.filter(patent__isnull=False).exists()
    assert CaseRight.objects.filter(trademark__isnull=False).exists()
    respondents = CaseParty.objects.filter(role="respondent")
    assert len(set(respondents.values_list("name_key", flat=True))) < respondents.count()
    assert len(set(respondents.values_list("name", flat=True))) > len(
        set(respondents.values_list("name_key", flat=True))
    )  # name variants of one party
    assert CriminalTransfer.objects.exists() and Meeting.objects.exists()
    assert Campaign.objects.get().cases.exists()
    assert Mediation.objects.count() >= 2
    before = counts()
    demo.load()
    load_demo()
    assert counts() == before


def test_demo_transfers_match_their_cases_and_the_clocks(module_demo):
    """Transfers are written through the transfer actions: a sent or accepted transfer's case is
    transferred (or closed), nothing is dated after today, the due dates come from the clocks,
    and the repeat offenders are marked once every demo case is there."""
    import datetime

    from django.utils import timezone

    from ipcity.protection import clocks
    from ipcity.protection.choices import CaseStatus, TransferStatus
    from ipcity.protection.models import CaseShare

    today = officers.current_date()
    held = CriminalTransfer.objects.filter(
        status__in=[TransferStatus.SENT, TransferStatus.ACCEPTED]
    ).select_related("case")
    assert held.exists()
    for transfer in held:
        assert transfer.case.status in (CaseStatus.TRANSFERRED, CaseStatus.CLOSED), transfer
        assert transfer.case.is_transferred
        assert CaseShare.objects.filter(
            case=transfer.case, organization=transfer.police, revoked_at__isnull=True
        ).exists()
        assert transfer.approved_at is not None and transfer.sent_at is not None
        sent_day = timezone.localdate(transfer.sent_at)
        assert transfer.acceptance_due == clocks.due("police_acceptance", sent_day)
        proposed_day = timezone.localdate(transfer.proposed_at)
        assert transfer.decision_due == clocks.due("transfer_decision", proposed_day)
        assert transfer.case.opened_on <= proposed_day <= sent_day
    for transfer in CriminalTransfer.objects.all():
        for name in ("proposed_at", "approved_at", "sent_at", "received_at", "police_decided_at"):
            value = getattr(transfer, name)
            assert value is None or timezone.localdate(value) <= today, (transfer, name)
        assert transfer.proposed_at.date() <= today + datetime.timedelta(days=0)
    assert CriminalTransfer.objects.filter(status=TransferStatus.ACCEPTED).exists()
    assert Case.objects.filter(is_repeat=True).exists()


def test_demo_lists_the_agriculture_brigade_on_the_public_form(module_demo):
    """A demo loaded before the brigade was listed lists it on the next load."""
    import datetime

    from ipcity.protection.demo import agencies
    from ipcity.protection.forms.leads import ComplaintForm

    agencies.load(datetime.date(2026, 3, 2))
    brigade = Agency.objects.get(kind=AgencyKind.AGRICULTURE)
    assert brigade.accepts_public_leads
    Agency.objects.filter(pk=brigade.pk).update(accepts_public_leads=False)
    agencies.load(datetime.date(2026, 3, 2))
    brigade.refresh_from_db()
    assert brigade.accepts_public_leads
    offered = set(ComplaintForm().fields["agency"].queryset)
    assert brigade.organization in offered
    assert (
        not {
            a.organization
            for a in Agency.objects.filter(
                kind__in=[AgencyKind.POLICE, AgencyKind.PROCURATORATE, AgencyKind.COURT]
            )
        }
        & offered
    )
