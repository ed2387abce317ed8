"""Risk alerts on pledged rights (task 8).

`scan()` looks at every active pledge (registered, or registered with changes) and the rights it
pledges, and raises an alert when the security is threatened:

- lapsed: the patent's legal status is lapsed (fees unpaid) or expired; a trademark expired or
  was cancelled;
- invalidated: the right was invalidated;
- fee_overdue: a legal event "annual fee overdue" dated after the pledge's registration;
- owner_changed: the pledgor is no longer among the patent's holders (the trademark's holder),
  or a transfer event is dated after the registration.

Overdue fees and transfers dated on or before the registration were known when the bank took
the security, so they raise nothing. A right that was already lapsed, expired or invalidated when
the pledge was registered does raise its alert: the security is worthless whatever the bank
knew, and the detail says "already lapsed when registered" (or expired, invalidated) so the
reader sees it is not news. Released and cancelled pledges are not looked at.

There is one open alert per pledge, right and kind (database constraints). Each finding has a
fingerprint of the facts it rests on (the status and its date, the event, the set of holders, the
trademark's holder); once an alert is resolved the same finding does not raise it again, while a
new fact does (another holder, a new overdue fee). Each new alert notifies, once the transaction
commits and with a link to the alert, exactly the users who may read it: those whose grants for
reading risk alerts reach the pledgor or the pledgee the way `core.scope.scope_q` reads them (a
district-wide grant; the assignment's organization, or the user's own, for an own scope; that
organization and its subordinates for a subtree scope), and superusers. Finding them costs a few
queries however many alerts and users there are.

The registry's `patents_changed` signal runs the scan for the patents that changed; after an
import (any patent may have changed) the whole scan runs as a background job.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ipcity.core import jobs
from ipcity.rights.choices import LegalEventKind, PatentStatus, TrademarkStatus
from ipcity.rights.models import LegalEvent, Patent, PatentHolder, Trademark
from ipcity.rights.signals import patents_changed

from .choices import ACTIVE_PLEDGE, RiskKind, RiskStatus
from .models import Pledge, RiskAlert

FINGERPRINT_MAX = 200

logger = logging.getLogger(__name__)

SCAN_JOB = "utilization.risk_scan"
CHUNK = 500
PERMISSION = ("utilization", "view_riskalert")
EVENT_KINDS = (
    LegalEventKind.FEE_OVERDUE,
    LegalEventKind.TRANSFER,
    LegalEventKind.LAPSE,
    LegalEventKind.EXPIRY,
    LegalEventKind.INVALIDATION,
)


@dataclass(frozen=True)
class Finding:
    pledge_id: int
    kind: str
    patent_id: int | None = None
    trademark_id: int | None = None
    event_date: date | None = None
    detail: str = ""
    fingerprint: str = ""

    @property
    def key(self) -> tuple:
        return (self.pledge_id, self.patent_id, self.trademark_id, self.kind)


def fingerprint(*parts) -> str:
    """The facts a finding rests on, as a short text (hashed when long)."""
    text = ":".join("" if p is None else str(p) for p in parts)
    if len(text) > FINGERPRINT_MAX:
        text = "sha1:" + hashlib.sha1(text.encode("utf-8")).hexdigest()
    return text


def scan(today: date | None = None, patent_ids=None, pledge_ids=None) -> int:
    """Raise the alerts that active pledges call for; returns how many were created.

    `patent_ids` limits the scan to pledges of those patents (their trademarks are then not
    looked at); `pledge_ids` to those pledges; neither scans everything.
    """
    today = today or timezone.localdate()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        findings = _patent_findings(patent_ids, pledge_ids)
        if patent_ids is None:
            findings += _trademark_findings(pledge_ids)
        created = _create_alerts(findings, today)
        if created:
            _notify(created)
    return len(created)


# --- findings -----------------------------------------------------------------------------------


def _chunks(ids):
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _patent_findings(patent_ids=None, pledge_ids=None) -> list[Finding]:
    links = Pledge.patents.through.objects.filter(pledge__status__in=ACTIVE_PLEDGE)
    if pledge_ids is not None:
        links = links.filter(pledge_id__in=list(pledge_ids))
    rows = []
    if patent_ids is None:
        rows = list(
            links.values_list(
                "pledge_id", "patent_id", "pledge__registration_date", "pledge__pledgor_id"
            )
        )
    else:
        for chunk in _chunks(patent_ids):
            rows += list(
                links.filter(patent_id__in=chunk).values_list(
                    "pledge_id", "patent_id", "pledge__registration_date", "pledge__pledgor_id"
                )
            )
    findings: list[Finding] = []
    for chunk in _chunks(r[1] for r in rows):
        patents = {
            pk: (status, lapse_date, number)
            for pk, status, lapse_date, number in Patent.objects.filter(pk__in=chunk).values_list(
                "pk", "legal_status", "lapse_date", "application_number"
            )
        }
        holders: dict[int, set[int]] = defaultdict(set)
        for patent_id, org_id in PatentHolder.objects.filter(patent_id__in=chunk).values_list(
            "patent_id", "organization_id"
        ):
            holders[patent_id].add(org_id)
        events: dict[int, list[tuple[str, date | None, str]]] = defaultdict(list)
        for patent_id, kind, when, counterparty in (
            LegalEvent.objects.filter(patent_id__in=chunk, kind__in=EVENT_KINDS)
            .order_by("date", "pk")
            .values_list("patent_id", "kind", "date", "counterparty")
        ):
            events[patent_id].append((kind, when, counterparty))
        wanted = set(chunk)
        for pledge_id, patent_id, registered, pledgor_id in rows:
            if patent_id not in wanted:
                continue
            findings += _patent_risks(
                pledge_id,
                patent_id,
                registered,
                pledgor_id,
                patents[patent_id],
                holders.get(patent_id, set()),
                events.get(patent_id, []),
            )
    return findings


def _latest(events, kinds, after: date | None = None):
    """The last event of these kinds (dated after `after`, when given)."""
    chosen = None
    for event in events:
        kind, when = event[0], event[1]
        if kind not in kinds:
            continue
        if after is not None and (when is None or when <= after):
            continue
        chosen = event
    return chosen


def _patent_risks(pledge_id, patent_id, registered, pledgor_id, patent, holders, events):
    status, lapse_date, number = patent
    found = []

    def add(kind, when, detail, print_):
        found.append(Finding(pledge_id, kind, patent_id, None, when, detail[:500], print_))

    def before_registration(when):
        return when is not None and registered is not None and when <= registered

    if status in (PatentStatus.LAPSED, PatentStatus.EXPIRED):
        event = _latest(events, (LegalEventKind.LAPSE, LegalEventKind.EXPIRY))
        when = lapse_date or (event[1] if event else None)
        label = _("lapsed") if status == PatentStatus.LAPSED else _("expired")
        values = {"number": number, "state": label, "date": _date(when)}
        if before_registration(when):
            detail = _("Patent %(number)s: already %(state)s when registered (on %(date)s).")
        elif when:
            detail = _("Patent %(number)s %(state)s on %(date)s.")
        else:
            detail = _("Patent %(number)s %(state)s.")
        add(RiskKind.LAPSED, when, detail % values, fingerprint(status, when))
    if status == PatentStatus.INVALIDATED:
        event = _latest(events, (LegalEventKind.INVALIDATION,))
        # The invalidation event's date, else the date the registry records the right ended.
        when = (event[1] if event else None) or lapse_date
        values = {"number": number, "date": _date(when)}
        if before_registration(when):
            detail = _("Patent %(number)s: already invalidated when registered (on %(date)s).")
        elif when:
            detail = _("Patent %(number)s was invalidated on %(date)s.")
        else:
            detail = _("Patent %(number)s was invalidated.")
        add(RiskKind.INVALIDATED, when, detail % values, fingerprint(status, when))
    event = _latest(events, (LegalEventKind.FEE_OVERDUE,), after=registered)
    if event is not None:
        if event[1]:
            detail = _("The annual fee of patent %(number)s is overdue since %(date)s.")
        else:
            detail = _("The annual fee of patent %(number)s is overdue.")
        add(
            RiskKind.FEE_OVERDUE,
            event[1],
            detail % {"number": number, "date": _date(event[1])},
            fingerprint("fee", event[1]),
        )
    event = _latest(events, (LegalEventKind.TRANSFER,), after=registered)
    if event is not None:
        add(
            RiskKind.OWNER_CHANGED,
            event[1],
            _transfer_detail(number, event[2], event[1]),
            fingerprint("transfer", event[1], event[2]),
        )
    elif holders and pledgor_id not in holders:
        add(
            RiskKind.OWNER_CHANGED,
            None,
            _("The pledgor is no longer among the holders of patent %(number)s.")
            % {"number": number},
            fingerprint("holders", ",".join(str(pk) for pk in sorted(holders))),
        )
    return found


def _date(when: date | None) -> str:
    """The date as the details write it; callers pick a text without a date when it is None,
    so no phrase is glued on with a leading space."""
    return when.isoformat() if when else ""


def _transfer_detail(number: str, to: str, when: date | None) -> str:
    values = {"number": number, "to": to, "date": _date(when)}
    if to and when:
        text = _(
            "Patent %(number)s was transferred to %(to)s on %(date)s, after the pledge was "
            "registered."
        )
    elif to:
        text = _("Patent %(number)s was transferred to %(to)s after the pledge was registered.")
    elif when:
        text = _("Patent %(number)s was transferred on %(date)s, after the pledge was registered.")
    else:
        text = _("Patent %(number)s was transferred after the pledge was registered.")
    return text % values


def _trademark_findings(pledge_ids=None) -> list[Finding]:
    links = Pledge.trademarks.through.objects.filter(pledge__status__in=ACTIVE_PLEDGE)
    if pledge_ids is not None:
        links = links.filter(pledge_id__in=list(pledge_ids))
    rows = list(links.values_list("pledge_id", "trademark_id", "pledge__pledgor_id"))
    findings: list[Finding] = []
    for chunk in _chunks(r[1] for r in rows):
        marks = {
            pk: (status, holder_id, number)
            for pk, status, holder_id, number in Trademark.objects.filter(pk__in=chunk).values_list(
                "pk", "status", "holder_id", "registration_number"
            )
        }
        wanted = set(chunk)
        for pledge_id, trademark_id, pledgor_id in rows:
            if trademark_id not in wanted:
                continue
            status, holder_id, number = marks[trademark_id]
            kind = detail = None
            if status in (TrademarkStatus.EXPIRED, TrademarkStatus.CANCELLED):
                kind = RiskKind.LAPSED
                detail = _("Trademark %(number)s expired or was cancelled.") % {"number": number}
            elif status == TrademarkStatus.INVALIDATED:
                kind = RiskKind.INVALIDATED
                detail = _("Trademark %(number)s was invalidated.") % {"number": number}
            if kind:
                findings.append(
                    Finding(pledge_id, kind, None, trademark_id, None, detail, fingerprint(status))
                )
            if holder_id and holder_id != pledgor_id:
                findings.append(
                    Finding(
                        pledge_id,
                        RiskKind.OWNER_CHANGED,
                        None,
                        trademark_id,
                        None,
                        _("The pledgor no longer holds trademark %(number)s.") % {"number": number},
                        fingerprint("holder", holder_id),
                    )
                )
    return findings


# --- alerts -------------------------------------------------------------------------------------


def _create_alerts(findings: list[Finding], today: date) -> list[RiskAlert]:
    if not findings:
        return []
    open_keys: set[tuple] = set()
    resolved: set[tuple] = set()
    for pledge_chunk in _chunks(f.pledge_id for f in findings):
        for (
            pledge_id,
            patent_id,
            trademark_id,
            kind,
            status,
            print_,
        ) in RiskAlert.objects.filter(pledge_id__in=pledge_chunk).values_list(
            "pledge_id", "patent_id", "trademark_id", "kind", "status", "fingerprint"
        ):
            key = (pledge_id, patent_id, trademark_id, kind)
            if status == RiskStatus.RESOLVED:
                resolved.add((*key, print_))
            else:
                open_keys.add(key)
    created = []
    for finding in findings:
        if finding.key in open_keys or (*finding.key, finding.fingerprint) in resolved:
            continue
        open_keys.add(finding.key)
        alert = RiskAlert(
            pledge_id=finding.pledge_id,
            patent_id=finding.patent_id,
            trademark_id=finding.trademark_id,
            kind=finding.kind,
            detected_on=today,
            event_date=finding.event_date,
            detail=finding.detail,
            fingerprint=finding.fingerprint,
        )
        try:
            with transaction.atomic():  # a concurrent scan may have raised it meanwhile
                alert.save()
        except IntegrityError:
            continue
        created.append(alert)
    return created


def recipients(pledges) -> dict[int, list]:
    """For each pledge (by id), the active users who may read its risk alerts: those for whom
    `RiskAlert.objects.restrict(user, "view")` would include them (see the module docstring).
    Four queries however many pledges and users."""
    from ipcity.accounts.models import RoleAssignment, User
    from ipcity.core.scope import ScopeChoices
    from ipcity.orgs.models import Organization

    pledges = list(pledges)
    org_ids = {p.pledgor_id for p in pledges} | {p.pledgee_id for p in pledges}
    lineage: dict[int, set[int]] = {}  # an organization and its superiors, from its path
    for pk, path in Organization.objects.filter(pk__in=org_ids).values_list("pk", "path"):
        lineage[pk] = {int(part) for part in path.strip("/").split("/") if part.isdigit()} | {pk}
    above = set().union(*lineage.values()) if lineage else set()

    def anchored(ids):
        return Q(organization_id__in=ids) | Q(
            organization__isnull=True, user__organization_id__in=ids
        )

    app, codename = PERMISSION
    assignments = set(
        RoleAssignment.objects.filter(
            user__is_active=True,
            role__is_active=True,
            role__permissions__codename=codename,
            role__permissions__content_type__app_label=app,
        )
        .filter(
            Q(scope=ScopeChoices.DISTRICT)
            | (Q(scope=ScopeChoices.OWN) & anchored(org_ids))
            | (Q(scope=ScopeChoices.SUBTREE) & anchored(above))
        )
        .values_list("user_id", "scope", "organization_id", "user__organization_id")
    )
    users = {
        u.pk: u
        for u in User.objects.filter(
            Q(pk__in={a[0] for a in assignments}) | Q(is_superuser=True), is_active=True
        )
    }
    everyone = {pk for pk, u in users.items() if u.is_superuser}
    everyone |= {a[0] for a in assignments if a[1] == ScopeChoices.DISTRICT}
    result: dict[int, list] = {}
    for pledge in pledges:
        parties = (pledge.pledgor_id, pledge.pledgee_id)
        reach = set().union(*(lineage.get(pk, {pk}) for pk in parties))
        chosen = set(everyone)
        for user_id, scope, org_id, user_org_id in assignments:
            anchor = org_id or user_org_id
            if (scope == ScopeChoices.OWN and anchor in parties) or (
                scope == ScopeChoices.SUBTREE and anchor in reach
            ):
                chosen.add(user_id)
        result[pledge.pk] = [users[pk] for pk in sorted(chosen) if pk in users]
    return result


def _notify(alerts: list[RiskAlert]) -> None:
    from ipcity.core.notifications import notify

    pledges = {
        p.pk: p
        for p in Pledge.objects.filter(pk__in={a.pledge_id for a in alerts}).select_related(
            "pledgor", "pledgee"
        )
    }
    readers = recipients(pledges.values())
    messages = []
    for alert in alerts:
        pledge = pledges[alert.pledge_id]
        title = _("Pledge risk: %(kind)s (%(pledge)s)") % {
            "kind": alert.get_kind_display(),
            "pledge": pledge,
        }
        body = _("%(detail)s Pledgor: %(pledgor)s; pledgee: %(pledgee)s.") % {
            "detail": alert.detail,
            "pledgor": pledge.pledgor,
            "pledgee": pledge.pledgee,
        }
        link = alert.get_absolute_url()
        messages += [(user, title, body, link) for user in readers.get(pledge.pk, [])]

    def send():
        for user, title, body, link in messages:
            notify(user, title, body, link)

    transaction.on_commit(send)


# --- wiring -------------------------------------------------------------------------------------


@jobs.job_handler(SCAN_JOB)
def run_scan(job, ctx):
    ctx.progress(0, 0, _("Checking pledged rights"))
    created = scan()
    ctx.log(_("%(n)d new risk alerts.") % {"n": created})
    return {"created": created}


def request_scan(user=None):
    return jobs.submit(SCAN_JOB, _("Check pledged rights for risks"), user)


@receiver(patents_changed, dispatch_uid="ipcity.utilization.risks")
def on_patents_changed(sender, patent_ids=None, user=None, **kwargs):
    """The registry changed: check the pledges of those patents once the change is committed
    (all of them, as a background job, when any patent may have changed)."""

    def run():
        try:
            if patent_ids is None:
                request_scan(user)
            elif patent_ids:
                scan(patent_ids=patent_ids)
        except Exception:  # a failed check must never break the registry change that caused it
            logger.exception("risk scan after a registry change failed")

    transaction.on_commit(run)
