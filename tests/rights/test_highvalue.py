"""High-value classification: versioned rule sets, each criterion, the explanation, the pages."""

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from ipcity.core.models import Job
from ipcity.rights import highvalue
from ipcity.rights.models import HighValueRuleSet, Patent, SEIConcordance
from tests.indicators.conftest import make_patent

pytestmark = pytest.mark.django_db


def rules(code):
    return HighValueRuleSet.objects.get(code=code)


def classify(patent, code="cnipa-2021", year=2025):
    rule_set = rules(code)
    return highvalue.classify(patent, rule_set, highvalue.concordance_prefixes(rule_set), year)


def test_rule_sets_are_created_on_migrate_as_data():
    old, new = rules("cnipa-2021"), rules("cnipa-2026")

    assert (old.valid_from, old.valid_to) == (2021, 2025)
    assert old.criteria == ["sei", "overseas_family", "maintained_10y", "pledge", "award"]
    assert (new.valid_from, new.valid_to) == (2026, None)
    assert new.criteria == ["sei", "overseas_family", "maintained_10y", "award"]
    assert old.pledge_threshold is None
    assert highvalue.is_sample_concordance(old)


def test_creating_missing_rule_sets_leaves_edited_ones_alone():
    HighValueRuleSet.objects.filter(code="cnipa-2021").update(pledge_threshold=Decimal("300"))
    HighValueRuleSet.objects.filter(code="cnipa-2026").delete()

    created = highvalue.ensure_rule_sets()

    assert [r.code for r in created] == ["cnipa-2026"]
    assert rules("cnipa-2021").pledge_threshold == Decimal("300")


@pytest.mark.parametrize(
    ("year", "code"),
    [
        (2020, None),
        (2021, "cnipa-2021"),
        (2025, "cnipa-2021"),
        (2026, "cnipa-2026"),
        (2031, "cnipa-2026"),
    ],
)
def test_the_rule_set_in_force_depends_on_the_year(year, code):
    found = highvalue.rule_set_for(year)
    assert (found.code if found else None) == code
    if found is not None:  # read with SQL written once: the same object as the ORM's, saved
        stored = HighValueRuleSet.objects.get(pk=found.pk)
        fields = [field.attname for field in HighValueRuleSet._meta.concrete_fields]
        assert [getattr(found, name) for name in fields] == [
            getattr(stored, name) for name in fields
        ]
        assert isinstance(found.criteria, list) and not found._state.adding


def test_the_rule_set_in_force_is_read_with_sql_written_once(django_assert_num_queries):
    from django.db import DEFAULT_DB_ALIAS

    highvalue.RULE_SET_IN_FORCE.forget()
    assert highvalue.rule_set_for(2026).code == "cnipa-2026"
    assert DEFAULT_DB_ALIAS in highvalue.RULE_SET_IN_FORCE._sql  # written once, kept
    # Of two rule sets from the same year, the one made last is in force.
    later = HighValueRuleSet.objects.create(
        code="cnipa-2026-b", name="later", valid_from=2026, criteria=["awards"]
    )
    with django_assert_num_queries(1):
        assert highvalue.rule_set_for(2027) == later
    # A year no column can hold is compared by the ORM: nothing is sent that the database
    # would refuse.
    assert highvalue.rule_set_for(40_000) == later
    assert highvalue.rule_set_for(-1) is None


def test_only_valid_invention_patents_can_be_high_value(world):
    utility = make_patent(patent_type="utility_model", awards="中国专利金奖")
    lapsed = make_patent(legal_status="lapsed", awards="中国专利金奖")

    assert classify(utility) == []
    assert classify(lapsed) == []


def test_strategic_emerging_industry_matches_the_concordance_by_ipc_hierarchy(world):
    assert classify(make_patent(ipc_codes="G06N 3/08")) == ["sei"]
    assert classify(make_patent(main_ipc="G06F16/30(2019.01)")) == ["sei"]
    # G06F 1/16 is not in main group G06F 16/00
    assert classify(make_patent(ipc_codes="G06F 1/16;A01B 1/00")) == []


def test_overseas_family_and_award_criteria(world):
    assert classify(make_patent(overseas_granted_family=True)) == ["overseas_family"]
    assert classify(make_patent(awards="国家科学技术进步奖二等奖")) == ["award"]
    assert classify(make_patent(awards="  ")) == []


def test_maintained_more_than_ten_years_counts_to_the_year_end(world):
    assert classify(make_patent(filing_date=datetime.date(2015, 12, 30))) == ["maintained_10y"]
    assert classify(make_patent(filing_date=datetime.date(2015, 12, 31))) == []
    assert classify(make_patent(filing_date=datetime.date(2015, 12, 31)), "cnipa-2026", 2026) == [
        "maintained_10y"
    ]


def test_the_pledge_criterion_is_never_met_until_a_threshold_is_set(world):
    patent = make_patent(pledge_amount=Decimal("500"))
    assert classify(patent) == []

    HighValueRuleSet.objects.filter(code="cnipa-2021").update(pledge_threshold=Decimal("500"))
    assert classify(patent) == ["pledge"]
    assert classify(make_patent(pledge_amount=Decimal("499.99"))) == []


def test_the_pledge_criterion_is_dropped_from_2026(world):
    HighValueRuleSet.objects.update(pledge_threshold=Decimal("100"))
    patent = make_patent(pledge_amount=Decimal("800"), awards="中国专利优秀奖")

    assert classify(patent, "cnipa-2021", 2025) == ["pledge", "award"]
    assert classify(patent, "cnipa-2026", 2026) == ["award"]


def test_classifying_a_queryset_stores_the_criteria_and_rule(world):
    hit = make_patent(awards="中国专利金奖", ipc_codes="H04W 72/04")
    miss = make_patent()
    other = make_patent(patent_type="design", is_high_value=True, high_value_criteria=["award"])

    result = highvalue.classify_queryset(year=2025)

    hit.refresh_from_db()
    miss.refresh_from_db()
    other.refresh_from_db()
    assert result["rule_set"] == "cnipa-2021"
    assert result["high_value"] == 1
    assert (hit.is_high_value, hit.high_value_criteria, hit.high_value_rule.code) == (
        True,
        ["sei", "award"],
        "cnipa-2021",
    )
    assert (miss.is_high_value, miss.high_value_criteria) == (False, [])
    assert (other.is_high_value, other.high_value_criteria) == (False, [])
    assert highvalue.classify_queryset(year=2025)["changed"] == 0


def test_the_explanation_names_each_criterion_and_its_data(world):
    patent = make_patent(
        ipc_codes="G06N 3/08",
        filing_date=datetime.date(2019, 1, 1),
        pledge_amount=Decimal("50"),
    )

    lines = {e["criterion"]: e for e in highvalue.explain(patent, year=2025)}

    assert set(lines) == {"sei", "overseas_family", "maintained_10y", "pledge", "award"}
    assert lines["sei"]["met"] is True
    assert "G06N3/08" in lines["sei"]["evidence"] and "人工智能" in lines["sei"]["evidence"]
    assert lines["maintained_10y"]["met"] is False
    assert "2019-01-01" in lines["maintained_10y"]["evidence"]
    assert "never met" in lines["pledge"]["evidence"]
    assert lines["award"]["evidence"] == "No award is recorded."


def test_the_explanation_of_an_ineligible_patent_says_why(world):
    lines = highvalue.explain(make_patent(patent_type="utility_model"), year=2025)
    assert [e["criterion"] for e in lines] == ["eligibility"]
    assert "Only valid invention patents" in lines[0]["evidence"]


def test_a_bad_concordance_file_names_the_row(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("ipc_prefix,industry_code,industry_name\nH04W,1.1,网络\nnot-ipc,2,装备\n")
    with pytest.raises(highvalue.ConcordanceFileError, match="Row 3"):
        highvalue.read_concordance(bad)
    bad.write_text("ipc,name\nH04W,x\n")
    with pytest.raises(highvalue.ConcordanceFileError, match="industry_code"):
        highvalue.read_concordance(bad)


def test_the_cli_loads_a_concordance_and_reclassifies(world, tmp_path):
    patent = make_patent(ipc_codes="A01H 6/46")
    table = tmp_path / "concordance.csv"
    table.write_text(
        "IPC,产业代码,产业名称,来源\nA01H,4.4,生物农业及相关产业,test\nH04W,1.1,下一代信息网络产业,test\n",
        encoding="utf-8",
    )
    out = StringIO()

    call_command("highvalue", "load-concordance", str(table), stdout=out)

    summary = json.loads(out.getvalue())
    assert summary["rows"] == 2
    assert summary["rule_sets"] == {"cnipa-2021": 2, "cnipa-2026": 2}
    assert summary["classification"]["high_value"] == 1
    patent.refresh_from_db()
    assert patent.high_value_criteria == ["sei"]
    assert not highvalue.is_sample_concordance(rules("cnipa-2026"))


def test_the_cli_refuses_a_missing_file():
    with pytest.raises(CommandError, match="no such file"):
        call_command("highvalue", "load-concordance", "/nonexistent.csv")


# --- pages ---------------------------------------------------------------------------------------


def test_the_rule_set_list_shows_the_unset_pledge_threshold(world, login):
    response = login(world.alice).get(reverse("rights:highvalue_list"))

    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="pledge-unset"' in body
    assert "Reclassify all patents" in body


def test_the_rule_set_page_shows_the_sample_concordance_notice(world, login):
    rule_set = rules("cnipa-2021")
    response = login(world.leo).get(reverse("rights:highvalue_detail", args=[rule_set.pk]))

    body = response.content.decode()
    assert 'data-testid="sample-concordance"' in body
    assert "战略性新兴产业分类与国际专利分类参照关系表（2021）" in body
    assert "Edit parameters" not in body


def test_readers_and_strangers_cannot_change_rules(world, login):
    rule_set = rules("cnipa-2021")
    for user in (world.leo, world.charlie):
        client = login(user)
        assert client.get(reverse("rights:highvalue_edit", args=[rule_set.pk])).status_code == 403
        assert (
            client.post(reverse("rights:highvalue_row_add", args=[rule_set.pk]), {}).status_code
            == 403
        )
        assert client.post(reverse("rights:highvalue_recompute")).status_code == 403


def test_users_without_the_permission_do_not_see_the_rules(world, login):
    from tests.factories import make_user

    nobody = make_user("nobody", world.enterprise_b, "audit_admin")
    client = login(nobody)
    assert client.get(reverse("rights:highvalue_list")).status_code == 403
    rule_set = rules("cnipa-2021")
    assert client.get(reverse("rights:highvalue_detail", args=[rule_set.pk])).status_code == 404


def test_setting_the_pledge_threshold_reclassifies_in_the_background(
    world, login, django_capture_on_commit_callbacks
):
    patent = make_patent(pledge_amount=Decimal("900"))
    rule_set = rules(highvalue.rule_set_for(highvalue.current_year()).code)
    rule_set.criteria = [*rule_set.criteria, "pledge"]
    rule_set.save()
    data = {
        "name": rule_set.name,
        "valid_from": rule_set.valid_from,
        "valid_to": rule_set.valid_to or "",
        "criteria": rule_set.criteria,
        "pledge_threshold": "800",
        "maintained_years": 10,
        "source": rule_set.source,
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = login(world.alice).post(
            reverse("rights:highvalue_edit", args=[rule_set.pk]), data
        )

    assert response.status_code == 302
    assert rules(rule_set.code).pledge_threshold == Decimal("800")
    job = Job.objects.get(kind="rights.recompute_high_value")
    assert job.status == "succeeded"
    patent.refresh_from_db()
    assert patent.high_value_criteria == ["pledge"]


def test_overlapping_years_are_refused(world, login):
    rule_set = rules("cnipa-2026")
    response = login(world.alice).post(
        reverse("rights:highvalue_edit", args=[rule_set.pk]),
        {
            "name": rule_set.name,
            "valid_from": 2024,
            "valid_to": "",
            "criteria": ["sei"],
            "maintained_years": 10,
        },
    )
    assert response.status_code == 400
    assert "overlap" in response.content.decode()


def test_concordance_rows_are_added_edited_and_removed(
    world, login, django_capture_on_commit_callbacks
):
    rule_set = rules("cnipa-2021")
    client = login(world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("rights:highvalue_row_add", args=[rule_set.pk]),
            {"ipc_prefix": "a01h 6", "industry_code": "4.4", "industry_name": "生物农业"},
        )
    assert response.status_code == 302
    row = SEIConcordance.objects.get(rule_set=rule_set, ipc_prefix="A01H6/00")

    response = client.post(
        reverse("rights:highvalue_row_add", args=[rule_set.pk]),
        {"ipc_prefix": "not ipc", "industry_code": "1", "industry_name": "x"},
    )
    assert response.status_code == 400
    assert "not an IPC code" in response.content.decode()

    response = client.post(
        reverse("rights:highvalue_row_edit", args=[rule_set.pk, row.pk]),
        {"ipc_prefix": "A01H", "industry_code": "4.4", "industry_name": "生物农业"},
    )
    row.refresh_from_db()
    assert row.ipc_prefix == "A01H"

    client.post(reverse("rights:highvalue_row_delete", args=[rule_set.pk, row.pk]))
    assert not SEIConcordance.objects.filter(pk=row.pk).exists()
    assert highvalue.is_sample_concordance(rule_set)  # back to the shipped rows


def test_a_concordance_file_is_loaded_through_the_page(world, login):
    rule_set = rules("cnipa-2021")
    content = (
        "ipc_prefix,industry_code,industry_name,source\nH04W,1.1,下一代信息网络产业,CNIPA 2021\n"
    )
    upload = SimpleUploadedFile("table.csv", content.encode())
    response = login(world.alice).post(
        reverse("rights:highvalue_upload", args=[rule_set.pk]), {"file": upload}, follow=True
    )

    assert list(rule_set.concordance.values_list("ipc_prefix", flat=True)) == ["H04W"]
    assert "CNIPA 2021" in response.content.decode()
    assert rules("cnipa-2026").concordance.count() > 1  # only the chosen rule set


def test_a_bad_concordance_upload_changes_nothing(world, login):
    rule_set = rules("cnipa-2021")
    before = rule_set.concordance.count()
    upload = SimpleUploadedFile("table.csv", b"\xff\xfe\x00garbage")
    response = login(world.alice).post(
        reverse("rights:highvalue_upload", args=[rule_set.pk]), {"file": upload}, follow=True
    )
    assert "The file was not loaded" in response.content.decode()
    assert rule_set.concordance.count() == before


def test_the_concordance_exports_as_csv(world, login):
    rule_set = rules("cnipa-2021")
    response = login(world.leo).get(reverse("rights:highvalue_export", args=[rule_set.pk]))
    assert response.status_code == 200
    assert "G06N" in response.content.decode("utf-8-sig")


def test_the_rule_pages_run_a_bounded_number_of_queries(
    world, login, django_assert_max_num_queries
):
    client = login(world.alice)
    rule_set = rules("cnipa-2021")
    client.get(reverse("rights:highvalue_list"))
    with django_assert_max_num_queries(10):
        assert client.get(reverse("rights:highvalue_list")).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("rights:highvalue_detail", args=[rule_set.pk])).status_code == 200


def test_recompute_button_queues_a_job(world, login, django_capture_on_commit_callbacks):
    make_patent(awards="中国专利金奖")
    with django_capture_on_commit_callbacks(execute=True):
        response = login(world.alice).post(reverse("rights:highvalue_recompute"))
    job = Job.objects.get(kind="rights.recompute_high_value")
    assert response.url == reverse("core:job_detail", args=[job.pk])
    assert Patent.objects.get(awards="中国专利金奖").is_high_value
