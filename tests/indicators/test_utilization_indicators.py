"""Utilization indicators (issue 5): pledges, insurance, transactions, certificates, designations.

A small district for 2024 where every figure is written out by hand; each one must also equal the
count or the sum of its drill-down list, group by group.
"""

import datetime
import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ipcity.indicators import dashboards, measures
from ipcity.indicators.compute import compute_year
from ipcity.indicators.models import IndicatorSnapshot
from ipcity.orgs.choices import OrganizationKind
from ipcity.utilization.deals import record_transaction
from ipcity.utilization.loaders import ensure_editions
from ipcity.utilization.models import (
    Certificate,
    Designation,
    InsurancePolicy,
    Pledge,
    Transaction,
)

from ..factories import grant, make_org, make_region, make_user
from ..rights.registry_builders import make_patent

pytestmark = pytest.mark.django_db

D = datetime.date
NEW_CODES = [
    "pledge_registration_amount",
    "pledges_registered",
    "enterprises_financed",
    "insured_amount",
    "transactions",
    "transaction_amount",
    "university_transactions",
    "transactions_from_outside",
    "valid_gbt29490_certificates",
    "ip_advantage_enterprises",
    "ip_demonstration_enterprises",
]
_numbers = iter(range(1, 10_000))


def pledge(pledgor, pledgee, when, amount, status="registered"):
    return Pledge.objects.create(
        pledgor=pledgor,
        pledgee=pledgee,
        amount=Decimal(amount),
        registration_date=when,
        registration_number=f"Y{next(_numbers):06d}",
        status=status,
    )


def policy(insured, insurer, when, amount, kind="enforcement"):
    return InsurancePolicy.objects.create(
        insured=insured,
        insurer=insurer,
        kind=kind,
        policy_number=f"P{next(_numbers):06d}",
        insured_amount=Decimal(amount),
        start_date=when,
    )


def deal(assignor, assignee, year, amount=None, kind="assignment", **fields) -> Transaction:
    """A transaction recorded as the pages record one, so its year, source flags and district
    party are set from the parties (deals.set_flags), never by hand."""
    return record_transaction(
        None,
        kind=kind,
        assignor=assignor,
        assignee=assignee,
        patents=[make_patent()],
        amount=None if amount is None else Decimal(amount),
        contract_date=D(year, 6, 1),
        **fields,
    )


def certificate(org, version, issued, expires, status="valid", converted_on=None):
    return Certificate.objects.create(
        organization=org,
        standard_version=version,
        number=f"C{next(_numbers):06d}",
        body_name="中知（北京）认证有限公司",
        issue_date=issued,
        expiry_date=expires,
        status=status,
        converted_on=converted_on,
    )


def designation(org, kind, level, year, valid_from=None, valid_until=None):
    return Designation.objects.create(
        organization=org,
        kind=kind,
        level=level,
        year=year,
        valid_from=valid_from,
        valid_until=valid_until,
    )


@pytest.fixture
def utilized(world):
    """2024 in a district of two enterprises in 中仓街道, a university, a bank, an insurer, and
    two enterprises outside (南通市通州区)."""
    ensure_editions()
    w = world
    a, b = w.enterprise_a, w.enterprise_b
    bank = make_org("示例甲银行北京通州支行", OrganizationKind.FINANCIAL, region=w.district)
    insurer = make_org("示例财产保险北京分公司", OrganizationKind.FINANCIAL)
    uni = make_org("示例理工大学", OrganizationKind.UNIVERSITY, region=w.district)
    elsewhere = make_region("320612", "南通市通州区", "district")
    outside = make_org("南通示例机械有限公司", region=elsewhere)
    outside2 = make_org("南通示例电子有限公司", region=elsewhere)

    # pledges: 500 + 120.50 (released later) + 300 (changed) = 920.50 by A (twice) and B
    pledge(a, bank, D(2024, 3, 1), "500.00")
    pledge(a, bank, D(2024, 9, 1), "120.50", status="released")
    pledge(b, bank, D(2024, 5, 1), "300", status="changed")
    pledge(b, bank, D(2024, 6, 1), "1000", status="cancelled")  # cancelled
    pledge(outside, bank, D(2024, 4, 1), "800")  # pledgor outside
    pledge(a, bank, D(2023, 12, 31), "50")  # another year

    # insurance: 200 + 50.25 = 250.25
    policy(a, insurer, D(2024, 2, 1), "200")
    policy(b, insurer, D(2024, 7, 1), "50.25", kind="liability")
    policy(outside, insurer, D(2024, 1, 1), "999")  # insured outside
    policy(a, insurer, D(2023, 1, 1), "10")  # another year

    # transactions: 4 with a district party, 80 + 20 + 5 = 105
    deal(uni, a, 2024, "80")  # from a university
    deal(outside, a, 2024, "20", kind="exclusive")  # from outside
    deal(a, b, 2024, None, kind="ordinary")
    deal(a, outside, 2024, "5")  # assignee outside: the street is A's
    deal(outside, outside2, 2024, "1000")  # no district party
    deal(a, b, 2023, "7")  # another year

    # certificates valid on 2024-12-31: A's 2023-edition one and B's unconverted 2013 one
    certificate(a, "2023", D(2024, 1, 10), D(2027, 1, 9))
    certificate(b, "2013", D(2024, 3, 1), D(2027, 2, 28))
    certificate(a, "2013", D(2022, 3, 1), D(2025, 2, 28), status="suspended")
    certificate(a, "2013", D(2021, 7, 1), D(2024, 6, 30))  # expired mid-2024
    certificate(outside, "2023", D(2024, 1, 1), D(2027, 1, 1))  # outside

    # designations in force at the end of 2024
    designation(a, "ip_advantage", "municipal", 2022, D(2022, 6, 1), D(2025, 12, 31))
    designation(a, "ip_advantage", "district", 2023)  # A again: counted once
    designation(b, "ip_advantage", "national", 2021, D(2021, 1, 1), D(2023, 12, 31))  # ended
    designation(outside, "ip_advantage", "municipal", 2024)  # outside
    designation(b, "ip_demonstration", "municipal", 2024, D(2024, 11, 1), D(2027, 10, 31))
    designation(a, "ip_demonstration", "district", 2025)  # later

    w.bank, w.insurer, w.university, w.outside = bank, insurer, uni, outside
    return w


EXPECTED_2024 = {
    "pledge_registration_amount": Decimal("920.50"),
    "pledges_registered": 3,
    "enterprises_financed": 2,
    "insured_amount": Decimal("250.25"),
    "transactions": 4,
    "transaction_amount": Decimal("105"),
    "university_transactions": 1,
    "transactions_from_outside": 1,
    "valid_gbt29490_certificates": 2,
    "ip_advantage_enterprises": 1,
    "ip_demonstration_enterprises": 1,
}


def total(code, year):
    return IndicatorSnapshot.objects.get(definition__code=code, year=year, dimension="total")


def test_the_utilization_indicators_are_computed_by_hand(utilized):
    values = compute_year(2024)

    for code, expected in EXPECTED_2024.items():
        assert values[code] == expected, code
    # the records behind each figure are kept as its numerator
    assert total("pledge_registration_amount", 2024).numerator == 3
    assert total("transaction_amount", 2024).numerator == 4
    assert total("insured_amount", 2024).numerator == 2


def test_a_value_measure_with_no_records_is_zero_not_undefined(utilized):
    values = compute_year(2019)

    assert values["pledge_registration_amount"] == 0
    assert values["insured_amount"] == 0
    assert values["transaction_amount"] == 0
    snap = total("pledge_registration_amount", 2019)
    assert snap.value == Decimal("0") and snap.numerator == 0
    assert snap.note == ""


def test_the_2013_certificate_lapses_after_the_transition(utilized):
    # the transition ends on 2025-12-31: B's unconverted 2013 certificate counts until then
    assert compute_year(2025)["valid_gbt29490_certificates"] == 2
    assert compute_year(2026)["valid_gbt29490_certificates"] == 1


def _drill_down(client, code, year, **group):
    """(record count, live sum or None) as the drill-down page shows them."""
    params = {"indicator": code, "year": year, **group}
    response = client.get(f"{reverse('indicators:records')}?{urlencode(params)}")
    assert response.status_code == 200, (code, group)
    body = response.content.decode()
    count = int(re.search(r'data-testid="record-count"[^>]*>(\d+)<', body).group(1))
    found = re.search(r'data-testid="record-sum">([^<]*)<', body)
    return count, (Decimal(found.group(1).replace(",", "")) if found else None)


def test_every_figure_equals_its_drill_down_list(utilized, login):
    compute_year(2024)
    client = login(utilized.alice)

    for code in NEW_CODES:
        measure = measures.MEASURES[code]
        snap = total(code, 2024)
        count, live_sum = _drill_down(client, code, 2024)
        assert count == snap.numerator, code
        if measure.is_sum:
            assert live_sum == snap.value, code
        else:
            assert live_sum is None
            assert count == snap.value, code
        groups = IndicatorSnapshot.objects.filter(definition__code=code, year=2024).exclude(
            dimension="total"
        )
        for dimension in measure.dims:
            in_dim = [g for g in groups if g.dimension == dimension]
            # the groups of a dimension add up to the total
            assert sum(g.value for g in in_dim) == snap.value, (code, dimension)
            for g in in_dim:
                count, live_sum = _drill_down(
                    client, code, 2024, dimension=dimension, value=g.dimension_value
                )
                assert count == g.numerator, (code, dimension, g.dimension_value)
                assert (live_sum if measure.is_sum else count) == g.value


def test_transactions_are_placed_in_the_street_of_their_district_party(utilized):
    compute_year(2024)

    streets = {
        s.dimension_value: (s.label, int(s.value))
        for s in IndicatorSnapshot.objects.filter(
            definition__code="transactions", year=2024, dimension="street"
        )
    }
    # A and B are in 中仓街道 (3 deals, one of them A's to an outside assignee); the university
    # sits at district level, but its deal's assignee is A
    assert streets == {"110112001000": ("中仓街道", 4)}
    kinds = {
        s.dimension_value: int(s.value)
        for s in IndicatorSnapshot.objects.filter(
            definition__code="transactions", year=2024, dimension="kind"
        )
    }
    assert kinds == {"assignment": 2, "exclusive": 1, "ordinary": 1}
    editions = {
        s.dimension_value: int(s.value)
        for s in IndicatorSnapshot.objects.filter(
            definition__code="valid_gbt29490_certificates", year=2024, dimension="kind"
        )
    }
    assert editions == {"2013": 1, "2023": 1}


def test_the_new_indicators_appear_on_the_dashboard_and_drill_down(utilized, login):
    compute_year(2024)
    response = login(utilized.leo).get(reverse("indicators:dashboard"), {"year": 2024})

    body = response.content.decode()
    assert 'data-testid="utilization-tiles"' in body
    for code in NEW_CODES:
        assert f'data-testid="tile-{code}"' in body
    assert "920.50" in body
    assert dashboards.records_url("pledge_registration_amount", 2024).replace("&", "&amp;") in body


def test_a_kpi_can_follow_a_utilization_indicator(utilized):
    from ipcity.plans.kpis import indicator_value

    compute_year(2024)

    found = indicator_value("pledge_registration_amount", 2024)
    assert found.value == Decimal("920.50")
    assert indicator_value("enterprises_financed", 2024).value == 2


def test_the_drill_down_shows_only_what_the_user_may_see(utilized, login):
    compute_year(2024)

    # enterprise users do not read district indicators at all
    response = login(utilized.erin).get(
        reverse("indicators:records"), {"indicator": "pledges_registered", "year": 2024}
    )
    assert response.status_code == 403


def test_the_drill_down_exports_the_summed_records(utilized, login):
    compute_year(2024)
    response = login(utilized.alice).get(
        reverse("indicators:records"),
        {"indicator": "pledge_registration_amount", "year": 2024, "export": "csv"},
    )

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = [line for line in text.splitlines() if line]
    assert len(lines) == 1 + 3
    assert "920.5" not in text  # rows, not the total
    assert "120.50" in text


def test_the_computation_does_not_grow_with_the_records(utilized):
    compute_year(2024)  # definitions and population figures are loaded on the first run
    with CaptureQueriesContext(connection) as few:
        compute_year(2024)
    for _ in range(10):
        pledge(utilized.enterprise_a, utilized.bank, D(2024, 8, 8), "1")
        deal(utilized.university, utilized.enterprise_b, 2024, "1")
    with CaptureQueriesContext(connection) as many:
        compute_year(2024)

    assert len(many) == len(few)
    assert total("pledges_registered", 2024).value == 13


def test_a_converted_certificate_counts_under_the_edition_it_held_at_year_end(utilized, login):
    # converted from 2013 to 2023 at its surveillance audit in March 2025, expiry kept
    certificate(
        utilized.enterprise_a, "2023", D(2023, 5, 1), D(2026, 4, 30), converted_on=D(2025, 3, 1)
    )

    def editions(year):
        compute_year(year)
        return {
            s.dimension_value: int(s.value)
            for s in IndicatorSnapshot.objects.filter(
                definition__code="valid_gbt29490_certificates", year=year, dimension="kind"
            )
        }

    assert editions(2024) == {"2013": 2, "2023": 1}
    assert editions(2025) == {"2013": 1, "2023": 2}
    count, _sum = _drill_down(
        login(utilized.alice), "valid_gbt29490_certificates", 2024, dimension="kind", value="2013"
    )
    assert count == 2


# --- transactions: the district party as set_flags places it (finding: no recorded region) -----


def test_a_transaction_between_district_parties_without_regions_counts(utilized):
    # neither party has a recorded region: one is placed by its credit code (division 110112),
    # the other by its address, which names the street
    by_code = make_org("示例丁科技有限公司", uscc="91110112MA01WXYZ2K")
    by_address = make_org("示例戊科技有限公司", address="北京市通州区中仓街道新华南路1号")
    same_district = deal(by_code, by_address, 2024, "12")
    from_outside = deal(utilized.outside, by_code, 2024, "3")

    assert same_district.has_district_party and not same_district.from_outside
    assert same_district.district_region == utilized.street  # the assignee's street
    assert from_outside.from_outside and from_outside.district_region is None
    values = compute_year(2024)
    assert values["transactions"] == EXPECTED_2024["transactions"] + 2
    assert values["transaction_amount"] == EXPECTED_2024["transaction_amount"] + 15
    assert values["transactions_from_outside"] == 2
    streets = {
        s.dimension_value: (s.label, int(s.value))
        for s in IndicatorSnapshot.objects.filter(
            definition__code="transactions", year=2024, dimension="street"
        )
    }
    assert streets == {"110112001000": ("中仓街道", 5), "": ("No street or town", 1)}


def test_a_party_placed_outside_by_its_credit_code_is_not_a_district_party(utilized):
    # a recorded region in the district does not outweigh a credit code registered elsewhere
    # (the signals' order), exactly as the source flags read it
    elsewhere = make_org("南通示例贸易有限公司", region=utilized.street, uscc="91320612MA01WXYZ2K")
    counted = deal(elsewhere, utilized.outside, 2024, "9")

    assert not counted.has_district_party
    assert compute_year(2024)["transactions"] == EXPECTED_2024["transactions"]


def _snapshots(code, dimension, year=2024):
    return {
        s.dimension_value: s.value
        for s in IndicatorSnapshot.objects.filter(
            definition__code=code, year=year, dimension=dimension
        )
    }


def test_transactions_are_split_by_source_and_origin(utilized, login):
    # a university outside the district licensing to B: both flags, counted once as a university
    far_uni = make_org("南通示例大学", OrganizationKind.UNIVERSITY, region=utilized.outside.region)
    deal(far_uni, utilized.enterprise_b, 2024, "7", kind="ordinary", origin="import")
    compute_year(2024)

    assert _snapshots("transactions", "source") == {"university": 2, "outside": 1, "other": 2}
    assert _snapshots("transaction_amount", "source") == {
        "university": Decimal("87"),
        "outside": Decimal("20"),
        "other": Decimal("5"),
    }
    assert _snapshots("transactions", "origin") == {"manual": 4, "import": 1}
    assert _snapshots("transaction_amount", "origin") == {
        "manual": Decimal("105"),
        "import": Decimal("7"),
    }
    # the dashboard shows both splits, each group opening its records
    body = login(utilized.alice).get(reverse("indicators:dashboard"), {"year": 2024})
    body = body.content.decode()
    assert 'data-testid="table-transaction_sources"' in body
    assert 'data-testid="table-transaction_origins"' in body
    url = dashboards.records_url("transaction_amount", 2024, "source", "university")
    assert url.replace("&", "&amp;") in body
    count, live_sum = _drill_down(
        login(utilized.alice), "transaction_amount", 2024, dimension="source", value="university"
    )
    assert (count, live_sum) == (2, Decimal("87.00"))


def test_the_source_and_origin_tables_export(utilized, login):
    compute_year(2024)
    client = login(utilized.leo)

    for table in ("transaction_sources", "transaction_origins"):
        response = client.get(reverse("indicators:dashboard_export", args=[table]), {"year": 2024})
        assert response.status_code == 200, table


# --- the drill-down: scope of the records an organization measure is chosen through ----------


ORGANIZATION_MEASURES = ["enterprises_financed", "ip_advantage_enterprises"]
EVERYONE = {"enterprises_financed": 3, "ip_advantage_enterprises": 2}


@pytest.mark.parametrize("code", [*ORGANIZATION_MEASURES, "ip_demonstration_enterprises"])
def test_reading_organizations_through_pledges_needs_the_pledge_permission(utilized, login, code):
    # a system administrator reads indicators and organizations, but neither pledges nor
    # designations: the enterprises they name are not his to list
    compute_year(2024)
    admin = make_user("sam", utilized.office, "system_admin")
    client = login(admin)

    params = {"indicator": code, "year": 2024}
    assert client.get(reverse("indicators:records"), params).status_code == 403
    export = client.get(reverse("indicators:records"), {**params, "export": "csv"})
    assert export.status_code == 403
    # the measure of organizations names the model it is chosen through
    assert measures.MEASURES[code].source is not None


@pytest.fixture
def bob_with_every_organization(utilized):
    """An enterprise under bob's unit, pledging and designated in 2024; and bob, beside his
    unit operator role (subtree), reading every organization of the district (a security
    administrator's grant), so only the pledges and designations keep him to his subtree."""
    mine = make_org("示例己科技有限公司", parent=utilized.unit, region=utilized.street)
    pledge(mine, utilized.bank, D(2024, 10, 1), "10")
    designation(mine, "ip_advantage", "district", 2024)
    grant(utilized.bob, "security_admin")
    utilized.mine = mine
    return utilized


@pytest.mark.parametrize("code", ORGANIZATION_MEASURES)
def test_the_drill_down_lists_only_organizations_of_records_the_reader_may_view(
    bob_with_every_organization, login, code
):
    w = bob_with_every_organization
    compute_year(2024)

    everything, _sum = _drill_down(login(w.alice), code, 2024)
    own, _sum = _drill_down(login(w.bob), code, 2024)
    # alice: A, B and bob's enterprise financed; A and bob's enterprise of advantage
    assert everything == total(code, 2024).numerator == EVERYONE[code]
    assert own == 1
    body = (
        login(w.bob)
        .get(reverse("indicators:records"), {"indicator": code, "year": 2024})
        .content.decode()
    )
    assert w.mine.name in body
    assert w.enterprise_a.name not in body
    # the export rebuilds the same list for the same reader
    response = login(w.bob).get(
        reverse("indicators:records"), {"indicator": code, "year": 2024, "export": "csv"}
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert w.mine.name in text
    assert w.enterprise_a.name not in text


def test_bob_sees_fewer_financed_enterprises_than_alice_by_street(
    bob_with_every_organization, login
):
    w = bob_with_every_organization
    compute_year(2024)

    params = {"dimension": "street", "value": w.street.code}
    assert _drill_down(login(w.alice), "enterprises_financed", 2024, **params)[0] == 3
    assert _drill_down(login(w.bob), "enterprises_financed", 2024, **params)[0] == 1


# --- the drill-down: stored value and live sum alike ---------------------------------------------


def _shown(client, code, year=2024, **group):
    params = {"indicator": code, "year": year, **group}
    body = client.get(reverse("indicators:records"), params).content.decode()
    stored = re.search(r'data-testid="stored-value">([^<]*)<', body).group(1)
    live = re.search(r'data-testid="record-sum">([^<]*)<', body).group(1)
    return stored, live


def test_the_stored_amount_and_the_live_sum_read_alike(utilized, login):
    pledge(utilized.enterprise_a, utilized.bank, D(2024, 11, 1), "1000")
    compute_year(2024)
    client = login(utilized.alice)

    assert _shown(client, "pledge_registration_amount") == ("1,920.50", "1,920.50")
    assert _shown(client, "insured_amount", dimension="kind", value="liability") == (
        "50.25",
        "50.25",
    )
    assert _shown(client, "transaction_amount") == ("105.00", "105.00")
