import csv
import io
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from ipcity.core.models import Job
from ipcity.indicators.compute import compute_year
from ipcity.indicators.models import IndicatorSnapshot, Population

pytestmark = pytest.mark.django_db


def records_url(**params):
    return f"{reverse('indicators:records')}?{urlencode(params)}"


@pytest.fixture
def computed(district):
    compute_year(2020)
    compute_year(2023)
    return district


# --- dashboard ---------------------------------------------------------------------------------


def test_office_admin_sees_the_dashboard_with_figures_and_recompute(computed, login):
    response = login(computed.alice).get(reverse("indicators:dashboard"), {"year": 2020})

    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="tile-valid_invention_patents"' in body
    assert "0.04" in body  # 0.0380 shown with two decimals
    assert 'data-testid="compute"' in body
    assert "echarts.min.js" in body
    assert "<script>" not in body  # charts read a JSON endpoint; no inline script


def test_leader_reads_the_dashboard_but_cannot_recompute(computed, login):
    client = login(computed.leo)
    response = client.get(reverse("indicators:dashboard"), {"year": 2020})

    assert response.status_code == 200
    assert 'data-testid="compute"' not in response.content.decode()
    assert client.post(reverse("indicators:compute"), {"year": 2020}).status_code == 403


def test_enterprise_users_do_not_see_district_dashboards(computed, login):
    for user in (computed.charlie, computed.erin):
        client = login(user)
        assert client.get(reverse("indicators:dashboard")).status_code == 403
        assert client.get(reverse("indicators:dashboard_data")).status_code == 403
        assert (
            client.get(records_url(indicator="valid_invention_patents", year=2020)).status_code
            == 403
        )
        assert client.post(reverse("indicators:compute"), {"year": 2020}).status_code == 403


def test_a_missing_population_figure_is_visible_on_the_dashboard(computed, login):
    response = login(computed.alice).get(reverse("indicators:dashboard"), {"year": 2023})

    body = response.content.decode()
    assert "No population figure for 2023." in body
    assert 'data-testid="note-valid_invention_patents_per_10k"' in body


def test_the_dashboard_reads_snapshots_in_a_bounded_number_of_queries(
    computed, login, django_assert_max_num_queries
):
    client = login(computed.alice)
    client.get(reverse("indicators:dashboard"), {"year": 2020})
    with django_assert_max_num_queries(12):
        response = client.get(reverse("indicators:dashboard"), {"year": 2020})
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        client.get(reverse("indicators:dashboard_data"), {"year": 2020})


def test_the_chart_data_has_trend_composition_holders_and_streets(computed, login):
    data = login(computed.leo).get(reverse("indicators:dashboard_data"), {"year": 2020}).json()

    assert data["trend"]["years"] == [2020, 2023]
    per_10k = next(
        s for s in data["trend"]["series"] if s["code"] == "valid_invention_patents_per_10k"
    )
    assert per_10k["values"] == [0.038, None]
    assert {c["name"]: c["value"] for c in data["composition"]} == {
        "Invention": 7,
        "Utility model": 1,
    }
    assert data["holders"]["values"] == [3, 4]
    assert data["streets"]["names"][0] == "中仓街道"


def test_a_bad_year_is_refused_clearly(computed, login):
    client = login(computed.alice)
    assert client.get(reverse("indicators:dashboard_data"), {"year": "abc"}).status_code == 400
    assert client.get(reverse("indicators:dashboard"), {"year": "abc"}).status_code == 200
    response = client.post(reverse("indicators:compute"), {"year": "1900"}, follow=True)
    assert "Choose a year between" in response.content.decode()


def test_every_dashboard_table_exports_to_excel(computed, login):
    from openpyxl import load_workbook

    client = login(computed.leo)
    for table in ("indicators", "streets", "holders", "composition", "industry", "holder_kind"):
        response = client.get(reverse("indicators:dashboard_export", args=[table]), {"year": 2020})
        assert response.status_code == 200, table
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet.max_row >= 2, table
    response = client.get(reverse("indicators:dashboard_export", args=["streets"]), {"year": 2020})
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[1][:2] == ("中仓街道", 4)


def test_recompute_runs_as_a_job(district, login, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(district.alice).post(reverse("indicators:compute"), {"year": 2020})

    job = Job.objects.get(kind="indicators.compute")
    assert response.status_code == 302
    assert response.url == reverse("core:job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == "succeeded", job.result
    assert job.result["values"]["valid_invention_patents"] == 7
    assert IndicatorSnapshot.objects.filter(year=2020).exists()


def test_the_home_card_shows_the_headline_figures(computed, login):
    body = login(computed.leo).get(reverse("core:home")).content.decode()
    assert "Creation indicators, 2023" in body
    assert "indicator=valid_invention_patents_per_10k" in body

    body = login(computed.charlie).get(reverse("core:home")).content.decode()
    assert "Creation indicators" not in body


# --- drill-down --------------------------------------------------------------------------------


def test_the_drill_down_lists_exactly_the_counted_records(computed, login):
    response = login(computed.alice).get(
        records_url(indicator="valid_invention_patents", year=2020, per_page=100)
    )

    assert response.status_code == 200
    listed = {row["cells"][0] for row in response.context["rows"]}
    assert listed == {p.application_number for p in computed.counted}
    assert response.context["snapshot"].numerator == len(listed)


def test_the_drill_down_of_a_ratio_lists_its_numerator(computed, login):
    response = login(computed.leo).get(
        records_url(indicator="valid_invention_patents_per_10k", year=2020)
    )
    assert response.context["page"].paginator.count == 7
    assert "1840295" in response.content.decode()


@pytest.mark.parametrize(
    ("dimension", "value", "expected"),
    [("street", "110112001000", 4), ("street", "", 3), ("industry", "M", 4), ("industry", "C", 3)],
)
def test_each_group_drills_down_to_its_own_records(computed, login, dimension, value, expected):
    response = login(computed.alice).get(
        records_url(
            indicator="valid_invention_patents", year=2020, dimension=dimension, value=value
        )
    )

    assert response.context["page"].paginator.count == expected
    assert int(response.context["snapshot"].value) == expected


def test_the_drill_down_by_holder_lists_the_holders_patents(computed, login):
    response = login(computed.alice).get(
        records_url(
            indicator="valid_invention_patents",
            year=2020,
            dimension="holder",
            value=computed.enterprise_b.pk,
        )
    )
    assert response.context["page"].paginator.count == 3


def test_the_drill_down_exports_the_counted_records(computed, login):
    response = login(computed.alice).get(
        records_url(indicator="valid_invention_patents", year=2020, export="csv")
    )

    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert len(rows) == 1 + 7
    assert {r[0] for r in rows[1:]} == {p.application_number for p in computed.counted}


def test_an_unknown_indicator_or_year_is_not_found(computed, login):
    client = login(computed.alice)
    assert client.get(records_url(indicator="nope", year=2020)).status_code == 404
    assert client.get(records_url(indicator="valid_trademarks", year="x")).status_code == 404
    assert (
        client.get(
            records_url(indicator="valid_trademarks", year=2020, dimension="criterion")
        ).status_code
        == 404
    )


def test_an_undefined_value_says_why(computed, login):
    response = login(computed.alice).get(
        records_url(indicator="high_value_invention_patents", year=2020)
    )
    assert "No high-value rule set covers 2020." in response.content.decode()


def test_the_drill_down_page_runs_a_bounded_number_of_queries(
    computed, login, django_assert_max_num_queries
):
    client = login(computed.alice)
    url = records_url(
        indicator="valid_invention_patents", year=2020, dimension="industry", value="M"
    )
    client.get(url)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


# --- population and definitions ----------------------------------------------------------------


def test_office_admin_adds_a_population_figure(district, login):
    client = login(district.alice)
    response = client.post(
        reverse("indicators:population_add"),
        {
            "region": district.district.pk,
            "year": 2023,
            "resident_population": 1_850_000,
            "kind": "year-end",
            "source": "通州区2023年国民经济和社会发展统计公报",
        },
    )

    assert response.status_code == 302
    assert Population.objects.get(year=2023).resident_population == 1_850_000


def test_a_duplicate_population_year_is_refused(district, login):
    response = login(district.alice).post(
        reverse("indicators:population_add"),
        {"region": district.district.pk, "year": 2020, "resident_population": 5, "kind": "x"},
    )
    assert response.status_code == 400
    assert "already has a figure for 2020" in response.content.decode()


def test_leader_reads_population_but_cannot_change_it(district, login):
    client = login(district.leo)
    assert client.get(reverse("indicators:population_list")).status_code == 200
    figure = district.population
    assert client.get(reverse("indicators:population_detail", args=[figure.pk])).status_code == 200
    assert client.get(reverse("indicators:population_edit", args=[figure.pk])).status_code == 403
    assert client.get(reverse("indicators:population_add")).status_code == 403


def test_strangers_cannot_read_population_or_definitions(district, login):
    client = login(district.charlie)
    assert client.get(reverse("indicators:population_list")).status_code == 403
    assert (
        client.get(
            reverse("indicators:population_detail", args=[district.population.pk])
        ).status_code
        == 404
    )
    assert client.get(reverse("indicators:definition_list")).status_code == 403


def test_population_list_runs_a_bounded_number_of_queries(
    district, login, django_assert_max_num_queries
):
    from tests.factories import make_region

    for n in range(10):
        region = make_region(f"1101120{n:02d}999", f"示例街道{n}", "street", district.district)
        Population.objects.create(region=region, year=2020, resident_population=1000 + n)
    client = login(district.alice)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("indicators:population_list")).status_code == 200


def test_definitions_are_listed(district, login):
    response = login(district.leo).get(reverse("indicators:definition_list"))
    assert response.status_code == 200
    assert "valid_invention_patents_per_10k" in response.content.decode()
