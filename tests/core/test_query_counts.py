"""Query counts of every list and detail page and of every API list and detail endpoint.

Every URL pattern of the platform is either measured here or named in `SKIPPED` with the reason:
a new page that is neither fails `test_every_page_is_measured_or_skipped`.

How a page is measured (one data set for the module, `measured` below):

1. the demo (`module_demo`), then one row in every table that has none and one row in each
   relation of every object a detail page shows (`query_data.Rows.seed` / `enrich`), so every
   list shows a row and every page shows its blocks; signed in as a superuser (sees everything);
2. each page is requested with the test client and its queries counted (status must be 200;
   counted on the second visit: a first may do bookkeeping of its own, such as a session flag);
3. the data grows: `GROW` more rows in every table, `DETAIL_GROW` more rows in each relation of
   the objects the detail pages show (and more history records);
4. each page is requested again, and a paginated list (or `PARENT_LISTS` page) once more with
   one row a page (`per_page=1`, or `limit=1` on the API).

A page passes when its count after the growth is at most its count before, and a list's full
page at most its one-row page, each plus `SLACK`; and when no count exceeds the page's baseline
in query_baselines.json (kept per database engine, as PostgreSQL and SQLite may differ).

`SLACK`: a page may legitimately run a query or two more once there is more data (a block that
shows only past some number of rows, a second page of results); a query per row shown is N+1.

After an intended change of a page's queries, rewrite the baselines of the engine in use with
`IPCITY_UPDATE_QUERY_BASELINES=1` (pages selected with -k update only their own entries), and
review the diff.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from inspect import getclosurevars
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from ninja.operation import PathView

from .query_data import Rows

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("query_counts")]

BASELINES = Path(__file__).with_name("query_baselines.json")
UPDATE = os.environ.get("IPCITY_UPDATE_QUERY_BASELINES") == "1"
SLACK = 2
GROW = 26
DETAIL_GROW = 4

# Not the platform's pages: Django's own admin site.
EXCLUDED_PREFIXES = ("django-admin/",)

# -- the URL map -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    key: str  # the URL name; for the API "api:" and the route (ninja's names repeat)
    route: str
    params: tuple[str, ...]
    view: object = field(compare=False)
    api: bool = False

    @property
    def is_list(self) -> bool:
        return not self.params or self.key in PARENT_LISTS


def _patterns(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield prefix + str(entry.pattern), name, entry.callback


def _path_view(callback):
    """The django-ninja PathView (the operations of one API path) behind a URL pattern: the
    pattern's view is a closure over it, wrapped once by ipcity.api."""
    inner = getattr(callback, "__wrapped__", None)
    if not hasattr(inner, "__code__"):
        return None
    view = getclosurevars(inner).nonlocals.get("self")
    return view if isinstance(view, PathView) else None


def endpoints() -> list[Endpoint]:
    found: dict[str, Endpoint] = {}
    for route, name, callback in _patterns(get_resolver().url_patterns):
        if route.startswith(EXCLUDED_PREFIXES):
            continue
        params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", route))
        path_view = _path_view(callback)
        if path_view is not None:
            if not any("GET" in op.methods for op in path_view.operations):
                continue  # an API path without GET (create, change, actions) is no page
            key = "api:" + route.removeprefix("api/")
            found[key] = Endpoint(key, route, params, path_view, api=True)
            continue
        view = getattr(callback, "view_class", callback)
        assert name not in found, f"two URL patterns are named {name}"
        found[name] = Endpoint(name, route, params, view)
    return sorted(found.values(), key=lambda e: e.key)


# -- what is not measured, and why -----------------------------------------------------------

FORM = "a form (new, change, delete confirmation), not a list or a detail"
ACTION = "an action (POST only, or GET that changes state and redirects)"
DOWNLOAD = "a download or export (a file, not a page)"
REDIRECT = "a redirect or a page for signed-out visitors"
PARTIAL = "a fragment polled by another page"
SUBITEM = "an action or form on an item of an object (more than one path argument)"
TRANSIENT = "an import's preview of an uploaded file (exists for minutes)"
API_META = "the API's own description or its catch-all"
PUBLIC_FORM = "a public form (a complaint, a request, a look-up by tracking code)"


def _skip(reason: str, names: str) -> dict[str, str]:
    return dict.fromkeys(names.split(), reason)


SKIPPED: dict[str, str] = {
    **_skip(
        FORM,
        """
        core:holiday_add core:holiday_edit core:holiday_delete core:import_upload
        accounts:password_change accounts:totp_setup accounts:user_create accounts:user_edit
        accounts:user_password_reset accounts:role_create accounts:role_edit
        accounts:assignment_create accounts:assignment_delete accounts:token_create
        orgs:organization_add orgs:organization_edit orgs:organization_delete orgs:contact_add
        orgs:contact_edit orgs:contact_delete orgs:region_add orgs:region_edit
        rights:patent_add rights:patent_edit rights:trademark_add rights:trademark_edit
        rights:gi_add rights:gi_edit rights:pvr_add rights:pvr_edit rights:copyright_add
        rights:copyright_edit rights:softwarecheck_add rights:softwarecheck_edit
        rights:highvalue_edit rights:highvalue_row_add rights:highvalue_upload
        indicators:population_add indicators:population_edit indicators:population_delete
        plans:plan_import plans:division_import plans:task_edit plans:task_unit_add plans:kpi_add
        plans:kpi_edit plans:report_create plans:report_edit plans:meeting_create
        plans:meeting_edit plans:resolution_create plans:resolution_edit plans:budget_create
        plans:budget_edit plans:budget_expenditure_create plans:scheme_create plans:scheme_edit
        plans:scheme_open plans:scheme_item_create plans:assessment_self plans:assessment_review
        utilization:designation_add utilization:designation_edit utilization:designation_delete
        utilization:cultivationcriterion_add utilization:cultivationcriterion_edit
        utilization:cultivationcriterion_delete utilization:enterprisefacts_add
        utilization:enterprisefacts_edit utilization:enterprisefacts_delete
        utilization:supportrecord_add utilization:supportrecord_edit
        utilization:supportrecord_delete utilization:poolentry_add utilization:poolentry_edit
        utilization:poolentry_delete utilization:certificate_add utilization:certificate_edit
        utilization:certificate_delete utilization:certificate_audit_add
        utilization:transaction_add utilization:transaction_edit utilization:transaction_delete
        utilization:supplylisting_add utilization:supplylisting_edit
        utilization:supplylisting_delete utilization:supplylisting_contact
        utilization:demandlisting_add utilization:demandlisting_edit
        utilization:demandlisting_delete utilization:demandlisting_contact
        utilization:contactrequest_answer utilization:contactrequest_decline
        utilization:financialproduct_add utilization:financialproduct_edit
        utilization:financialproduct_delete utilization:valuation_add utilization:valuation_edit
        utilization:valuation_delete utilization:pledge_add utilization:pledge_edit
        utilization:pledge_delete utilization:pledge_change utilization:insurancepolicy_add
        utilization:insurancepolicy_edit utilization:insurancepolicy_delete
        utilization:guarantee_add utilization:guarantee_edit utilization:guarantee_delete
        protection:lead_add protection:case_add protection:case_edit protection:transfer_propose
        protection:threshold_add protection:threshold_edit protection:threshold_rule_add
        protection:threshold_rule_edit protection:threshold_rule_delete protection:meeting_add
        protection:meeting_edit protection:supervision_add protection:supervision_conclude
        protection:campaign_add protection:campaign_edit protection:mediation_add
        protection:mediation_edit protection:mediation_outcome protection:agency_add
        protection:agency_edit protection:officer_add protection:officer_edit
        protection:officer_training_add
        services:request_add services:institution_add services:institution_edit
        services:institution_delete services:qualification_add services:event_add
        services:event_edit services:event_delete services:course_add services:course_edit
        services:course_delete services:course_attendance_add services:course_attendance_import
        services:attendance_edit services:attendance_delete services:talent_add
        services:talent_edit services:talent_delete services:notice_add services:notice_edit
        services:notice_delete
        incentives:program_add incentives:program_edit incentives:apply
        incentives:application_edit incentives:review_decide incentives:notice_add
        incentives:objection_add incentives:objection_resolve incentives:payment_add
        """,
    ),
    **_skip(
        PUBLIC_FORM,
        """
        protection_public:complaint protection_public:status public:request_add
        public:request_status
        """,
    ),
    **_skip(
        ACTION,
        """
        set_language core:notifications_read_all core:notification_read core:job_cancel
        core:job_rerun core:import_commit
        accounts:logout accounts:user_set_active accounts:user_sessions_revoke
        accounts:token_revoke accounts:sessions_revoke_others accounts:totp_remove
        accounts:recovery_codes_renew
        rights:gi_move rights:highvalue_recompute indicators:compute
        plans:plan_unit_resolve plans:task_unit_remove plans:report_submit plans:report_accept
        plans:report_return plans:report_attachment_add plans:report_attachment_remove
        plans:meeting_attachment_add plans:resolution_progress plans:scheme_copy
        utilization:poolentry_evaluate_all utilization:poolentry_move utilization:poolentry_evaluate
        utilization:certificate_status utilization:transaction_derive
        utilization:transaction_link_event utilization:supplylisting_publish
        utilization:supplylisting_close utilization:demandlisting_publish
        utilization:demandlisting_close utilization:contactrequest_conclude
        utilization:pledge_release utilization:pledge_cancel utilization:riskalert_scan
        utilization:riskalert_acknowledge utilization:riskalert_resolve
        protection:lead_attachment_add protection:transfer_document_add protection:follow_up_add
        protection:follow_up_done protection:campaign_tag
        services:notice_publish services:notice_unpublish
        incentives:application_item_add incentives:application_material_add
        incentives:material_remove incentives:notice_publish incentives:notice_end
        """,
    ),
    **_skip(
        DOWNLOAD,
        """
        core:job_download core:import_template rights:highvalue_export
        indicators:dashboard_export
        plans:division_export plans:circular plans:report_attachment_download
        plans:meeting_attachment_download plans:budget_voucher plans:scheme_export
        plans:scheme_report
        protection:evidence_download protection:lead_attachment_download
        protection:meeting_document protection:campaign_export
        protection:transfer_document_download
        services:request_attachment_download
        incentives:material_download incentives:notice_download
        """,
    ),
    **_skip(
        REDIRECT,
        """
        core:favicon accounts:login accounts:login_code protection_public:complaint_done
        public:request_done
        """,
    ),
    **_skip(PARTIAL, "core:job_progress"),
    **_skip(TRANSIENT, "core:import_batch plans:plan_draft plans:division_draft"),
    **_skip(
        SUBITEM,
        """
        core:restore_deleted rights:highvalue_row_edit rights:highvalue_row_delete
        plans:scheme_item_edit plans:scheme_item_delete plans:assessment_transition
        utilization:certificate_audit_record utilization:transaction_unlink_event
        protection:lead_action protection:case_action protection:case_item_action
        protection:extension_decide protection:transfer_action protection:case_share_revoke
        protection:campaign_untag protection:officer_training_delete
        services:qualification_edit services:qualification_delete services:request_action
        incentives:program_action incentives:application_item_remove
        incentives:application_action
        """,
    ),
    **_skip(API_META, "api:openapi-json api:openapi-view api:api-root api:unknown"),
}

# -- how pages find their object -------------------------------------------------------------

# Pages with one path argument that list an object's rows (checked like lists).
PARENT_LISTS = {
    "rights:profile",
    "rights:review_holder",
    "services:training_by_org",
    "protection:case_sharing",
    "protection:case_access_log",
    "api:incentives/applications/<int:application_id>/reviews/",
    "api:protection/officers/<int:officer_id>/trainings/",
    "api:protection/cases/<int:case_id>/shares/",
    "api:protection/cases/<int:case_id>/access-log/",
    "api:utilization/certificates/<int:certificate_id>/audits/",
    "api:utilization/offers/<int:listing_id>/matches/",
    "api:utilization/needs/<int:listing_id>/matches/",
}


def _public_service_notices():
    from ipcity.services.notices import public_notices

    return public_notices()


def _public_institutions():
    from ipcity.services.views.public import directory_queryset

    return directory_queryset()


def _public_incentive_notices():
    from ipcity.incentives.choices import NoticeStatus
    from ipcity.incentives.models import PublicNotice

    return PublicNotice.objects.filter(status=NoticeStatus.PUBLISHED)


def _unresolved_holders():
    from ipcity.orgs.models import Organization
    from ipcity.rights.choices import Attribution

    return Organization.objects.filter(
        patent_links__position=1, patent_links__patent__attribution=Attribution.UNRESOLVED
    )


def _enterprises():
    from ipcity.orgs.choices import OrganizationKind
    from ipcity.orgs.models import Organization

    return Organization.objects.filter(kind=OrganizationKind.ENTERPRISE)


def _pairs(text: str) -> dict[str, str]:
    return dict(line.split() for line in text.strip().splitlines())


# The object of a page whose view does not name its model (function views; the API): a model
# (its first row), or a function returning the rows the page may show.
MODELS = {
    **_pairs(
        """
        core:job_detail core.Job
        accounts:user_detail accounts.User
        accounts:role_detail accounts.Role
        rights:highvalue_detail rights.HighValueRuleSet
        plans:plan_detail plans.Plan
        plans:overview plans.Plan
        plans:task_detail plans.PlanTask
        plans:task_history plans.PlanTask
        plans:report_detail plans.ProgressReport
        plans:resolution_detail plans.Resolution
        plans:budget_detail plans.BudgetLine
        plans:scheme_detail plans.AssessmentScheme
        plans:assessment_detail plans.UnitAssessment
        utilization:contactrequest_detail utilization.ContactRequest
        protection:case_detail protection.Case
        protection:case_history protection.Case
        protection:case_sharing protection.Case
        protection:case_access_log protection.Case
        protection:transfer_detail protection.CriminalTransfer
        protection:threshold_detail protection.ThresholdRuleSet
        api:orgs/organizations/<int:org_id>/ orgs.Organization
        api:orgs/regions/<int:region_id>/ orgs.Region
        api:rights/patents/<int:patent_id>/ rights.Patent
        api:rights/trademarks/<int:object_id>/ rights.Trademark
        api:rights/geographical-indications/<int:object_id>/ rights.GeographicalIndication
        api:rights/plant-varieties/<int:object_id>/ rights.PlantVarietyRight
        api:rights/copyrights/<int:object_id>/ rights.Copyright
        api:plans/plans/<int:plan_id>/ plans.Plan
        api:plans/tasks/<int:task_id>/ plans.PlanTask
        api:plans/reports/<int:report_id>/ plans.ProgressReport
        api:plans/kpis/<int:kpi_id>/ plans.KPI
        api:utilization/designations/<int:designation_id>/ utilization.Designation
        api:utilization/pool-entries/<int:entry_id>/ utilization.PoolEntry
        api:utilization/certificates/<int:certificate_id>/ utilization.Certificate
        api:utilization/certificates/<int:certificate_id>/audits/ utilization.Certificate
        api:utilization/transactions/<int:transaction_id>/ utilization.Transaction
        api:utilization/offers/<int:listing_id>/ utilization.SupplyListing
        api:utilization/offers/<int:listing_id>/matches/ utilization.SupplyListing
        api:utilization/needs/<int:listing_id>/ utilization.DemandListing
        api:utilization/needs/<int:listing_id>/matches/ utilization.DemandListing
        api:utilization/contact-requests/<int:contact_id>/ utilization.ContactRequest
        api:utilization/financial-products/<int:object_id>/ utilization.FinancialProduct
        api:utilization/valuations/<int:object_id>/ utilization.Valuation
        api:utilization/pledges/<int:object_id>/ utilization.Pledge
        api:utilization/insurance-policies/<int:object_id>/ utilization.InsurancePolicy
        api:utilization/guarantees/<int:object_id>/ utilization.Guarantee
        api:utilization/risk-alerts/<int:alert_id>/ utilization.RiskAlert
        api:protection/leads/<int:lead_id>/ protection.Lead
        api:protection/cases/<int:case_id>/ protection.Case
        api:protection/cases/<int:case_id>/shares/ protection.Case
        api:protection/cases/<int:case_id>/access-log/ protection.Case
        api:protection/cases/<int:case_id>/threshold-check protection.Case
        api:protection/transfers/<int:transfer_id>/ protection.CriminalTransfer
        api:protection/meetings/<int:meeting_id>/ protection.Meeting
        api:protection/supervisions/<int:supervision_id>/ protection.Supervision
        api:protection/campaigns/<int:campaign_id>/ protection.Campaign
        api:protection/mediations/<int:mediation_id>/ protection.Mediation
        api:protection/agencies/<int:agency_id>/ protection.Agency
        api:protection/officers/<int:officer_id>/ protection.Officer
        api:protection/officers/<int:officer_id>/trainings/ protection.Officer
        api:services/requests/<int:request_id>/ services.ServiceRequest
        api:services/institutions/<int:institution_id>/ services.Institution
        api:services/events/<int:event_id>/ services.Event
        api:services/courses/<int:course_id>/ services.Course
        api:services/talent/<int:talent_id>/ services.Talent
        api:services/notices/<int:notice_id>/ services.Notice
        api:incentives/programs/<int:program_id>/ incentives.Program
        api:incentives/applications/<int:application_id>/ incentives.Application
        api:incentives/applications/<int:application_id>/reviews/ incentives.Application
        api:incentives/notices/<int:notice_id>/ incentives.PublicNotice
        """
    ),
    "rights:profile": _enterprises,
    "rights:review_holder": _unresolved_holders,
    "utilization:enterprise": _enterprises,
    "services:training_by_org": _enterprises,
    "public:notice_detail": _public_service_notices,
    "public:institution_detail": _public_institutions,
    "incentives_public:notice_detail": _public_incentive_notices,
}


def _financed_query() -> str:
    from ipcity.utilization.models import Pledge
    from ipcity.utilization.stats import COUNTED_PLEDGES

    day = (
        Pledge.objects.filter(status__in=COUNTED_PLEDGES)
        .order_by("-registration_date")
        .values_list("registration_date", flat=True)
        .first()
    )
    assert day is not None, "no pledge to count"
    return f"?year={day.year}"


def _records_query() -> str:
    from django.utils import timezone

    from ipcity.indicators.exports import resolve
    from ipcity.indicators.models import IndicatorDefinition

    year = timezone.localdate().year
    for code in IndicatorDefinition.objects.order_by("pk").values_list("code", flat=True):
        if resolve({"indicator": code, "year": str(year)}) is not None:
            return f"?indicator={code}&year={year}"
    raise AssertionError("no indicator to drill into")


# Pages that need a query string (computed from the data).
QUERIES = {
    "indicators:records": _records_query,
    "utilization:financed_enterprises": _financed_query,
}

ENDPOINTS = endpoints()
MEASURED = [e for e in ENDPOINTS if e.key not in SKIPPED]


def _rows_of(endpoint: Endpoint):
    """The rows among which the object of a page with a path argument is chosen."""
    mapped = MODELS.get(endpoint.key)
    if isinstance(mapped, str):
        return apps.get_model(mapped)._base_manager.all()
    if mapped is not None:
        return mapped()
    for attribute in ("queryset", "model"):
        value = getattr(endpoint.view, attribute, None)
        if value is not None and not isinstance(value, property):
            model = getattr(value, "model", value)
            return model._base_manager.all()
    raise LookupError(f"{endpoint.key}: which object to show? Add it to MODELS or SKIPPED")


# -- measuring -------------------------------------------------------------------------------


@dataclass
class Count:
    status: int | None
    queries: int
    sql: list[str]
    error: str = ""
    rows: tuple[int, int] | None = None  # (rows matching, rows shown) when the page tells


def _rows(response) -> tuple[int, int] | None:
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            data = json.loads(response.content)
        except ValueError:
            return None
        if isinstance(data, dict) and "count" in data and "results" in data:
            return data["count"], len(data["results"])
        return None
    for context in response.context or []:
        for key in ("table", "page", "page_obj"):
            if key in context:
                value = context[key]
                page = getattr(value, "page", value)
                paginator = getattr(page, "paginator", None)
                if paginator is not None:
                    return paginator.count, len(page.object_list)
    return None


def _count(client, url: str) -> Count:
    with CaptureQueriesContext(connection) as queries:
        try:
            response = client.get(url)
        except Exception as exc:
            return Count(None, len(queries), [], f"{type(exc).__name__}: {exc}")
    sql = [q["sql"] for q in queries.captured_queries]
    rows = _rows(response) if response.status_code == 200 else None
    return Count(response.status_code, len(queries), sql, rows=rows)


def _with(url: str, param: str) -> str:
    return url + ("&" if "?" in url else "?") + param


@dataclass
class Result:
    url: str = ""
    before: Count | None = None
    after: Count | None = None
    one_row: Count | None = None
    problem: str = ""


def _object(endpoint: Endpoint, rows: Rows):
    """The object a page with a path argument shows: the first of its rows (the signed-in user
    for a user's page), one built when there is none."""
    candidates = _rows_of(endpoint)
    if candidates.model is type(rows.user):
        return rows.user
    return candidates.order_by("pk").first() or rows.build(candidates.model)


def _selected_keys(request) -> set[str]:
    keys = set()
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and item.module is request.module:
            keys.add(callspec.params.get("key"))
    return keys


@pytest.fixture(scope="module")
def measured(request, module_demo, django_db_blocker) -> dict[str, Result]:
    from ipcity.accounts.models import User
    from ipcity.accounts.sessions import SEEN_AT
    from ipcity.core.demo import IP_OFFICE
    from ipcity.orgs.models import Organization

    wanted = [e for e in MEASURED if e.key in _selected_keys(request)]
    results = {e.key: Result() for e in wanted}
    # Off: the API's rate limit (per session and minute) is below the number of requests here;
    # the dashboard's cache, so that its cards' own queries are counted.
    with (
        django_db_blocker.unblock(),
        override_settings(IPCITY_API_RATE=0, IPCITY_DASHBOARD_CACHE_SECONDS=0),
    ):
        office = Organization.objects.filter(name__endswith=IP_OFFICE).order_by("pk").first()
        user = User.objects.create_superuser(
            "query-counter", password=None, organization=office, display_name="query counter"
        )
        rows = Rows(user)
        rows.seed()
        objects = {}
        for endpoint in wanted:
            result = results[endpoint.key]
            result.url = "/" + endpoint.route
            if endpoint.params:
                try:
                    obj = _object(endpoint, rows)
                except LookupError as exc:
                    result.problem = str(exc)
                    continue
                objects.setdefault((type(obj), obj.pk), obj)
                result.url = "/" + re.sub(r"<[^>]+>", str(obj.pk), endpoint.route, count=1)
            if endpoint.key in QUERIES:
                result.url += QUERIES[endpoint.key]()
        for obj in objects.values():
            rows.enrich(obj, 1)

        client = Client()
        client.force_login(user)
        client.get("/")  # the session's first request does its own bookkeeping
        session = client.session  # and no request notes "last seen" (once a minute) after it
        session[SEEN_AT] = time.time() + 24 * 3600
        session.save()
        for endpoint in wanted:
            result = results[endpoint.key]
            if not result.problem:
                # The first visit may do its own bookkeeping (a flag in the session, a cache).
                _count(client, result.url)
                result.before = _count(client, result.url)

        rows.grow(GROW)
        for obj in objects.values():
            rows.enrich(obj, DETAIL_GROW)

        for endpoint in wanted:
            result = results[endpoint.key]
            if result.problem:
                continue
            result.after = _count(client, result.url)
            if endpoint.is_list and result.before.rows:
                one = "limit=1" if endpoint.api else "per_page=1"
                result.one_row = _count(client, _with(result.url, one))
        # The rows made here are valid, and PostgreSQL checks their foreign keys now, once,
        # rather than again at the end of every test (in a savepoint it rolls back).
        connection.check_constraints()
    if UPDATE:
        _write_baselines(results)
    return results


def _engine() -> str:
    return connection.vendor


def _read_baselines() -> dict:
    if BASELINES.exists():
        return json.loads(BASELINES.read_text(encoding="utf-8"))
    return {}


def _write_baselines(results: dict[str, Result]) -> None:
    data = _read_baselines()
    engine = data.setdefault(_engine(), {})
    for key, result in results.items():
        counts = [c for c in (result.before, result.after) if c is not None and c.status == 200]
        if len(counts) == 2:
            engine[key] = max(c.queries for c in counts)
    valid = {e.key for e in MEASURED}
    for name in list(engine):
        if name not in valid:
            del engine[name]
    data[_engine()] = dict(sorted(engine.items()))
    BASELINES.write_text(
        json.dumps(dict(sorted(data.items())), indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )


def _normalized(sql: str) -> str:
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+\b", "?", sql)
    return re.sub(r"\(\?(?:, \?)*\)", "(…)", sql)


def _more(before: Count, after: Count) -> str:
    grown = Counter(map(_normalized, after.sql)) - Counter(map(_normalized, before.sql))
    lines = [f"  {n}× {sql[:300]}" for sql, n in grown.most_common(5)]
    return "\n".join(lines) or "  (none)"


# -- tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [e.key for e in MEASURED])
def test_query_count(measured, key):
    result = measured[key]
    assert not result.problem, result.problem
    for label, count in (("before", result.before), ("after", result.after)):
        assert not count.error, f"{result.url} ({label} the growth): {count.error}"
        assert count.status == 200, f"{result.url} answered {count.status} ({label} the growth)"
    before, after = result.before, result.after
    assert after.queries <= before.queries + SLACK, (
        f"{result.url}: {before.queries} queries, {after.queries} after more rows were stored; "
        f"the queries that came with them:\n{_more(before, after)}"
    )
    one = result.one_row
    if one is not None and one.rows and after.rows and one.rows[1] == 1 < after.rows[1]:
        assert after.queries <= one.queries + SLACK, (
            f"{result.url}: {one.queries} queries with one row a page, {after.queries} with a "
            f"full page; the queries that came with the rows:\n{_more(one, after)}"
        )
    baseline = _read_baselines().get(_engine(), {}).get(key)
    assert baseline is not None, (
        f"{key} has no baseline for {_engine()}: run with IPCITY_UPDATE_QUERY_BASELINES=1"
    )
    worst = max(before.queries, after.queries)
    assert worst <= baseline, (
        f"{result.url}: {worst} queries, the baseline is {baseline}; if intended, update the "
        "baselines (IPCITY_UPDATE_QUERY_BASELINES=1) and review the diff"
    )


def test_every_page_is_measured_or_skipped():
    keys = {e.key for e in ENDPOINTS}
    assert not set(SKIPPED) - keys, (
        f"SKIPPED names pages that no longer exist: {set(SKIPPED) - keys}"
    )
    for table in (MODELS, QUERIES, PARENT_LISTS):
        assert not set(table) - keys, f"unknown pages: {set(table) - keys}"
        assert not set(table) & set(SKIPPED), f"skipped yet mapped: {set(table) & set(SKIPPED)}"
    unsupported = [e.key for e in MEASURED if len(e.params) > 1]
    assert not unsupported, f"pages with more than one path argument, not skipped: {unsupported}"


def test_baselines_name_only_measured_pages():
    keys = {e.key for e in MEASURED}
    for engine, counts in _read_baselines().items():
        assert not set(counts) - keys, f"{engine} baselines of unknown pages: {set(counts) - keys}"
