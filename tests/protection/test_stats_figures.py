"""The protection figures (stats.py) and their API.

One small world (`figures`) over three agencies and three years, every figure of 2025 written out
by hand: a case opened in December 2024 and decided and closed in January 2025 (the year
boundary), decided cases with and without a penalty, a transferred one, a repeat and malicious
one, a group one, open and overdue ones (judged against today, so the data is built relative to
it), transfers accepted and declined, leads decided in time, late and overdue.

Each figure's URL must list exactly the rows it counts: the list page is requested as the same
user with that URL (the case list, while it is still missing, through its FilterSet).
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ipcity.accounts.models import APIToken
from ipcity.protection import stats, visibility
from ipcity.protection.choices import (
    CaseStatus,
    DecisionKind,
    LeadStatus,
    RightType,
    TransferStatus,
)
from ipcity.protection.models import Case, CriminalTransfer, Lead

from .conftest import make_case, make_lead

pytestmark = pytest.mark.django_db

D = datetime.date
YEAR = 2025
TODAY = timezone.localdate()


def aware(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def make_transfer(case, police, status, proposed_on) -> CriminalTransfer:
    return CriminalTransfer.objects.create(
        case=case,
        police=police,
        status=status,
        proposed_at=aware(proposed_on),
        decision_due=proposed_on + datetime.timedelta(days=3),
    )


def build(p) -> dict:
    """The world of the module docstring; returns the cases and leads by name."""
    late = TODAY - datetime.timedelta(days=5)
    later = TODAY + datetime.timedelta(days=60)
    c = {}
    c["a1"] = make_case(  # amr, open and overdue
        p.amr, opened_on=D(2025, 2, 10), decision_due=D(2025, 5, 11)
    )
    c["a2"] = make_case(  # amr, decided with a penalty in 60 days, still open
        p.amr,
        right_type=RightType.PATENT,
        opened_on=D(2025, 3, 1),
        decision_due=later,
        decided_on=D(2025, 4, 30),
        decision_kind=DecisionKind.PENALTY,
        fine=Decimal("50000.00"),
        status=CaseStatus.DECIDED,
    )
    c["a3"] = make_case(  # amr, group infringement, open, not yet due
        p.amr, opened_on=D(2025, 7, 7), decision_due=later, is_group=True, status="opened"
    )
    c["a4"] = make_case(  # amr, all in 2024
        p.amr,
        opened_on=D(2024, 5, 1),
        decided_on=D(2024, 9, 1),
        decision_kind=DecisionKind.PENALTY,
        fine=Decimal("7000"),
        closed_on=D(2024, 10, 1),
        status=CaseStatus.CLOSED,
    )
    c["c1"] = make_case(  # culture, over the year boundary: decided (21 days) and closed in 2025
        p.culture,
        right_type=RightType.COPYRIGHT,
        opened_on=D(2024, 12, 20),
        decided_on=D(2025, 1, 10),
        decision_kind=DecisionKind.NO_PENALTY,
        closed_on=D(2025, 1, 15),
        status=CaseStatus.CLOSED,
    )
    c["c2"] = make_case(  # culture, opened on the last day, transferred to the police
        p.culture,
        right_type=RightType.COPYRIGHT,
        opened_on=D(2025, 12, 31),
        decision_due=late,
        is_transferred=True,
        status=CaseStatus.TRANSFERRED,
    )
    c["g1"] = make_case(  # agri, repeat and malicious, penalty in 90 days, closed
        p.agri,
        right_type=RightType.PLANT_VARIETY,
        opened_on=D(2025, 6, 1),
        decided_on=D(2025, 8, 30),
        decision_kind=DecisionKind.PENALTY,
        fine=Decimal("12345.67"),
        closed_on=D(2025, 9, 20),
        is_repeat=True,
        is_malicious=True,
        status=CaseStatus.CLOSED,
    )
    c["g2"] = make_case(p.agri, opened_on=D(2026, 1, 5), decision_due=later)  # next year
    t = {
        "accepted": make_transfer(c["c2"], p.police, TransferStatus.ACCEPTED, D(2025, 12, 31)),
        "declined": make_transfer(c["a1"], p.police, TransferStatus.DECLINED, D(2025, 6, 1)),
        "old": make_transfer(c["a4"], p.police, TransferStatus.ACCEPTED, D(2024, 8, 1)),
    }
    leads = {
        "in_time": make_lead(
            p.amr,
            received_on=D(2025, 3, 3),
            decision_due=D(2025, 3, 21),
            decided_at=aware(D(2025, 3, 21), 16),
            status=LeadStatus.CASE_OPENED,
        ),
        "late": make_lead(
            p.culture,
            received_on=D(2025, 4, 1),
            decision_due=D(2025, 4, 22),
            decided_at=aware(D(2025, 4, 23)),
            status=LeadStatus.NOT_OPENED,
        ),
        "overdue": make_lead(p.agri, received_on=D(2025, 11, 3), decision_due=D(2025, 11, 21)),
        "old": make_lead(
            p.amr,
            received_on=D(2024, 6, 3),
            decision_due=D(2024, 6, 21),
            decided_at=aware(D(2024, 6, 10)),
            status=LeadStatus.NOT_OPENED,
        ),
    }
    return {"cases": c, "transfers": t, "leads": leads}


@pytest.fixture
def figures(pworld):
    return build(pworld)


def pks(data, *names, kind="cases"):
    return {data[kind][n].pk for n in names}


# What each figure of 2025 counts, for every holder of protection.summary_case.
CASE_ROWS = {
    "opened": ("a1", "a2", "a3", "c2", "g1"),
    "closed": ("c1", "g1"),
    "open_now": ("a1", "a2", "a3", "c2", "g2"),
    "overdue_now": ("a1",),  # c2 is past due but transferred: not awaiting a decision
    "decided": ("a2", "c1", "g1"),
    "penalty_decisions": ("a2", "g1"),
    "transferred": ("c2",),
    "repeat": ("g1",),
    "malicious": ("g1",),
    "group": ("a3",),
    f"opened_rt_{RightType.TRADEMARK}": ("a1", "a3"),
    f"opened_rt_{RightType.PATENT}": ("a2",),
    f"opened_rt_{RightType.COPYRIGHT}": ("c2",),
    f"opened_rt_{RightType.PLANT_VARIETY}": ("g1",),
    f"closed_rt_{RightType.COPYRIGHT}": ("c1",),
    f"closed_rt_{RightType.PLANT_VARIETY}": ("g1",),
    "opened_m02": ("a1",),
    "opened_m12": ("c2",),
    "closed_m01": ("c1",),
    "closed_m09": ("g1",),
}


def test_figures_by_hand(pworld, figures):
    p = pworld
    result = stats.compute(p.alice, YEAR)
    by = result.by_key()
    for key, names in CASE_ROWS.items():
        assert by[key].value == len(names), key
    assert by["fines"].value == Decimal("62345.67")
    assert by["fines"].text == "62,345.67"
    assert by["fines"].wan == "6.23"
    assert by["decision_days_median"].value == Decimal("60.0")  # 21, 60, 90
    assert by["decision_days_mean"].value == Decimal("57.0")
    assert by["decision_days_mean"].text == "57.0"
    assert by[f"opened_rt_{RightType.GEOGRAPHICAL_INDICATION}"].value == 0
    agencies = {a["agency"]: a for a in result.by_agency}
    assert set(agencies) == {p.amr.pk, p.culture.pk, p.agri.pk}
    amr, culture, agri = agencies[p.amr.pk], agencies[p.culture.pk], agencies[p.agri.pk]
    assert (amr["opened"].value, amr["closed"].value, amr["fines"].value) == (3, 0, Decimal(50000))
    assert (culture["opened"].value, culture["closed"].value, culture["fines"].value) == (1, 1, 0)
    assert (agri["opened"].value, agri["closed"].value) == (1, 1)
    assert agri["fines"].value == Decimal("12345.67")
    cells = {c["right_type"]: c for c in amr["cells"]}
    assert cells[RightType.TRADEMARK]["opened"].value == 2
    assert cells[RightType.PATENT]["opened"].value == 1
    assert [f.value for f in result.months["opened"]] == [0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1]
    assert [f.value for f in result.months["closed"]] == [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]
    # transfers and leads: the office sees the whole district
    assert by["transfers_proposed"].value == 2
    assert by["transfers_accepted"].value == 1
    assert by["transfers_declined"].value == 1
    assert by["leads_received"].value == 3
    assert by["leads_in_time"].value == 1
    assert by["leads_overdue"].value == 1


def test_one_agency(pworld, figures):
    p = pworld
    by = stats.compute(p.alice, YEAR, p.culture.pk).by_key()
    assert by["opened"].value == 1 and by["closed"].value == 1 and by["decided"].value == 1
    assert by["decision_days_median"].value == Decimal("21.0")
    assert by["transferred"].value == 1 and by["fines"].value == 0
    assert by["transfers_accepted"].value == 1 and by["transfers_declined"].value == 0
    assert by["leads_received"].value == 1 and by["leads_in_time"].value == 0
    assert f"agency={p.culture.pk}" in by["opened"].url
    assert f"agency={p.culture.pk}" in by["transfers_accepted"].url


def test_other_years(pworld, figures):
    p = pworld
    by = stats.compute(p.alice, 2024).by_key()
    assert by["opened"].value == 2  # a4, c1
    assert by["closed"].value == 1 and by["fines"].value == Decimal("7000")
    assert by["decision_days_median"].value == Decimal("123.0")
    assert by["open_now"].value == 5  # "now" does not depend on the year
    empty = stats.compute(p.alice, 2019).by_key()
    assert empty["opened"].value == 0
    assert empty["decision_days_median"].value is None
    assert empty["decision_days_median"].text == "—"


def test_scope_same_totals_for_summary_and_agency_users(pworld, figures):
    """Case figures read summaries: the office, a leader, the procurator and every agency's
    officers get the same totals. Transfers and leads are each reader's own."""
    p = pworld
    keys = [*CASE_ROWS, "fines", "decision_days_median", "decision_days_mean"]
    office = stats.compute(p.alice, YEAR).by_key()
    for user in (p.leo, p.pete, p.mia, p.carl, p.ada, p.paul):
        theirs = stats.compute(user, YEAR).by_key()
        assert {k: theirs[k].value for k in keys} == {k: office[k].value for k in keys}, user
        assert [a["agency"] for a in stats.compute(user, YEAR).by_agency] == [
            a["agency"] for a in stats.compute(p.alice, YEAR).by_agency
        ]
    mia = stats.compute(p.mia, YEAR).by_key()
    assert mia["transfers_proposed"].value == 1  # amr's own (a1, declined)
    assert mia["transfers_declined"].value == 1 and mia["transfers_accepted"].value == 0
    leo = stats.compute(p.leo, YEAR)
    assert "leads_received" not in leo.by_key()  # a leader may not view leads: no section
    assert leo.by_key()["transfers_proposed"].value == 2


def test_police_count_only_sent_transfers(pworld, figures):
    """The police see a transfer once it is sent (transfers.visible), like the transfer list: a
    proposal or an approved one not yet sent is not counted for paul."""
    from ipcity.protection import transfers

    p = pworld
    before = stats.compute(p.paul, YEAR).by_key()
    assert before["transfers_proposed"].value == 2  # accepted + declined: both were sent
    for status in (TransferStatus.PROPOSED, TransferStatus.APPROVED):
        case = make_case(p.amr, opened_on=D(YEAR, 3, 1))
        make_transfer(case, p.police, status, D(YEAR, 3, 2))
    after = stats.compute(p.paul, YEAR).by_key()
    assert after["transfers_proposed"].value == 2
    visible = transfers.visible(p.paul, CriminalTransfer.objects.all()).filter(
        proposed_at__year=YEAR
    )
    assert after["transfers_proposed"].value == visible.count()
    # the agency itself counts its proposals
    assert stats.compute(p.alice, YEAR).by_key()["transfers_proposed"].value == 4


def test_stranger_sees_nothing(pworld, figures):
    p = pworld
    assert not stats.can_view(p.erin)
    result = stats.compute(p.erin, YEAR)
    assert result.by_key()["opened"].value == 0
    assert result.transfers == [] and result.leads == []


def test_headline_matches_compute(pworld, figures):
    p = pworld
    full = stats.compute(p.leo, YEAR).by_key()
    for figure in stats.headline(p.leo, YEAR):
        assert figure.value == full[figure.key].value, figure.key
        assert figure.url == full[figure.key].url, figure.key


# --- every figure's URL lists exactly its rows -------------------------------------------------


class _Request:
    def __init__(self, user):
        self.user = user


def listed(client, user, url: str) -> set[int] | None:
    """The pks the list at `url` shows to `user` (all on one page)."""
    path, _sep, query = url.partition("?")
    client.force_login(user)
    response = client.get(f"{path}?{query}&per_page=200")
    assert response.status_code == 200, url
    table = response.context["table"]
    return {row.record.pk for row in table.page.object_list}


def case_rows(client, user, figure) -> set[int]:
    try:
        reverse("protection:case_list")
    except NoReverseMatch:
        from ipcity.protection.filters.cases import CaseFilterSet

        params = QueryDict(mutable=True)
        for k, v in figure.params.items():
            params.setlist(k, v if isinstance(v, list) else [str(v)])
        fs = CaseFilterSet(params, queryset=visibility.listed_cases(user), request=_Request(user))
        assert fs.is_valid(), fs.errors
        return set(fs.qs.values_list("pk", flat=True))
    return listed(client, user, figure.url)


def case_list_available() -> bool:
    try:
        reverse("protection:case_list")
        return True
    except NoReverseMatch:
        try:
            from ipcity.protection.filters.cases import CaseFilterSet  # noqa: F401
        except ImportError:
            return False
        return True


@pytest.mark.parametrize("persona", ["alice", "mia"])
def test_every_case_figure_lists_its_rows(pworld, figures, client, persona):
    if not case_list_available():
        pytest.skip("the case list is not there yet")
    p = pworld
    user = getattr(p, persona)
    result = stats.compute(user, YEAR)
    fines = dict(Case.objects.values_list("pk", "fine"))
    dates = {pk: (o, d) for pk, o, d in Case.objects.values_list("pk", "opened_on", "decided_on")}
    checked = 0
    for figure in result.all_figures():
        if figure.list_name != "case_list" or not figure.exact:
            continue
        rows = case_rows(client, user, figure)
        if figure.key in CASE_ROWS:
            assert rows == pks(figures, *CASE_ROWS[figure.key]), figure.key
        if figure.kind == "count":
            assert len(rows) == figure.value, figure.key
        elif figure.kind == "yuan":
            assert sum((fines[pk] or 0 for pk in rows), Decimal(0)) == figure.value, figure.key
        else:
            days = sorted((dates[pk][1] - dates[pk][0]).days for pk in rows)
            assert len(days) == result.by_key()["decided"].value, figure.key
        checked += 1
    assert checked > 60


def test_transfer_and_lead_figures_list_their_rows(pworld, figures, client):
    p = pworld
    for user in (p.alice, p.mia):
        result = stats.compute(user, YEAR)
        by = result.by_key()
        expected = {
            "transfers_proposed": {figures["transfers"][k].pk for k in ("accepted", "declined")},
            "transfers_accepted": {figures["transfers"]["accepted"].pk},
            "transfers_declined": {figures["transfers"]["declined"].pk},
            "leads_received": pks(figures, "in_time", "late", "overdue", kind="leads"),
            "leads_overdue": pks(figures, "overdue", kind="leads"),
        }
        for f in [*result.transfers, *result.leads]:
            if not f.url:
                continue  # the list is not there yet
            rows = listed(client, user, f.url)
            if f.exact:
                assert len(rows) == f.value, f.key
                visible = (
                    CriminalTransfer if f.key.startswith("transfers") else Lead
                ).objects.restrict(user)
                assert rows == expected[f.key] & set(visible.values_list("pk", flat=True)), f.key
            else:
                assert f.key == "leads_in_time"
                assert len(rows) >= f.value  # the leads of the year, these among them
        assert by["leads_in_time"].value <= by["leads_received"].value


# --- bounded queries ------------------------------------------------------------------------------


def more_cases(p, n: int, start: int):
    for i in range(n):
        agency = (p.amr, p.culture, p.agri)[i % 3]
        case = make_case(
            agency,
            number=f"Q{start + i}",
            opened_on=D(2025, 1 + i % 12, 1 + i % 28),
            decided_on=D(2025, 12, 1),
            decision_kind=DecisionKind.PENALTY,
            fine=Decimal(100 + i),
            right_type=RightType.values[i % len(RightType.values)],
        )
        make_transfer(case, p.police, TransferStatus.ACCEPTED, D(2025, 6, 1 + i % 28))
        make_lead(agency, received_on=D(2025, 2, 1 + i % 28))


def test_query_count_does_not_grow(pworld, figures):
    p = pworld
    more_cases(p, 3, 0)
    for user in (p.alice, p.mia):
        stats.compute(user, YEAR)  # grants loaded
        with CaptureQueriesContext(connection) as few:
            stats.compute(user, YEAR)
        more_cases(p, 10, 100 + user.pk * 1000)
        with CaptureQueriesContext(connection) as many:
            result = stats.compute(user, YEAR)
        assert len(many) == len(few) <= 8, [q["sql"] for q in many]
        assert len(result.by_agency) == 3
    stats.headline(p.leo, YEAR)  # grants loaded
    with CaptureQueriesContext(connection) as card:
        stats.headline(p.leo, YEAR)
    assert len(card) == 1


# --- the API --------------------------------------------------------------------------------------


@pytest.fixture
def api(db):
    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


def mounted(api, user) -> bool:
    """Whether the lead has mounted api/stats.py under /api/protection/ yet."""
    response = api(user).get("/api/protection/stats")
    return response.status_code != 404 or response.json().get("message") != "Not found."


def test_answer_directly(pworld, figures):
    """The endpoint's body (also while the router is not mounted)."""
    from django.core.exceptions import ValidationError
    from django.http import Http404

    from ipcity.protection.api.stats import StatsOut, answer

    p = pworld
    data = answer(p.leo, YEAR, None)
    StatsOut.model_validate(data)
    by = {f["key"]: f for f in data["figures"]}
    assert by["opened"]["value"] == 5 and by["fines"]["value"] == 62345.67
    assert data["leads"] == []  # the leader may not view leads
    assert answer(p.mia, YEAR, p.agri.pk)["figures"][0]["value"] == 1
    with pytest.raises(Http404):
        answer(p.erin, YEAR, None)
    with pytest.raises(ValidationError):
        answer(p.leo, 1800, None)
    with pytest.raises(ValidationError):
        answer(p.leo, YEAR, p.world.enterprise_a.pk)


def test_api(pworld, figures, api):
    p = pworld
    if not mounted(api, p.leo):
        pytest.skip("api/stats.py is not mounted in api/__init__.py yet")
    response = api(p.leo).get(f"/api/protection/stats?year={YEAR}")
    assert response.status_code == 200, response.content
    data = response.json()
    by = {f["key"]: f for f in data["figures"]}
    assert by["opened"]["value"] == 5 and by["opened"]["text"] == "5"
    assert by["fines"]["value"] == 62345.67 and by["fines"]["wan"] == "6.23"
    assert by["opened"]["url"].startswith("/") and "opened_after=2025-01-01" in by["opened"]["url"]
    assert {f["key"] for f in data["transfers"]} >= {"transfers_accepted", "transfers_declined"}
    assert data["leads"] == []  # the leader may not view leads
    assert len(data["by_right_type"]) == len(RightType.values)
    assert {a["agency"] for a in data["by_agency"]} == {p.amr.pk, p.culture.pk, p.agri.pk}
    one = api(p.mia).get(f"/api/protection/stats/?year={YEAR}&agency={p.agri.pk}").json()
    assert {f["key"]: f["value"] for f in one["figures"]}["opened"] == 1
    assert api(p.alice).get("/api/protection/stats").json()["year"] == TODAY.year


def test_api_refuses(pworld, figures, api):
    p = pworld
    if not mounted(api, p.leo):
        pytest.skip("api/stats.py is not mounted in api/__init__.py yet")
    stranger = api(p.erin).get(f"/api/protection/stats?year={YEAR}")
    assert stranger.status_code == 404 and stranger.json()["code"] == "not_found"
    bad_year = api(p.leo).get("/api/protection/stats?year=1800")
    assert bad_year.status_code in (400, 422) and "year" in bad_year.json()["errors"]
    future = api(p.leo).get(f"/api/protection/stats?year={TODAY.year + 1}")
    assert future.status_code in (400, 422)
    bad_agency = api(p.leo).get(f"/api/protection/stats?agency={p.world.enterprise_a.pk}")
    assert bad_agency.status_code in (400, 422) and "agency" in bad_agency.json()["errors"]
    assert api(p.leo).get("/api/protection/stats?agency=abc").status_code in (400, 422)
    assert api(p.leo).get("/api/protection/stats?agency=99999999999999999999").status_code in (
        400,
        422,
    )
