"""Cultivation pages: designations, criteria, the pool (list, pipeline, entry, candidates),
support records and facts, each with the allowed, read-only (leo) and stranger (charlie)
personas, and lists whose query count does not grow with their rows."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ipcity.core.models import Job
from ipcity.utilization.models import (
    CultivationCriterion,
    Designation,
    EnterpriseFacts,
    PoolEntry,
)

from ..factories import make_org
from ..rights.registry_builders import make_patent
from .test_cultivation_builders import (
    make_criterion,
    make_designation,
    make_entry,
    make_facts,
    make_support,
)


def url(name, *args, **query):
    path = reverse(f"utilization:{name}", args=args)
    if query:
        from django.utils.http import urlencode

        path += "?" + urlencode(query, doseq=True)
    return path


@pytest.fixture
def records(world):
    """A's and B's designations, pool entries, support records and facts."""
    a, b = world.enterprise_a, world.enterprise_b
    return {
        "designation_a": make_designation(
            a, "high_tech", "national", 2023, valid_until=datetime.date(2026, 12, 1)
        ),
        "designation_b": make_designation(b, "ip_advantage", "district", 2022),
        "entry_a": make_entry(a),
        "entry_b": make_entry(b, stage="cultivated"),
        "support_a": make_support(a, "甲企业贯标培训"),
        "support_b": make_support(b, "乙企业专项资金", kind="funding", amount=20),
        "facts_a": make_facts(a, 2024, employees=100, rd_staff=20),
        "facts_b": make_facts(b, 2024, employees=80, rd_staff=8),
    }


# -- scope on every kind of record ---------------------------------------------------------------

KINDS = [
    ("designation", "designation_a", "designation_b"),
    ("poolentry", "entry_a", "entry_b"),
    ("supportrecord", "support_a", "support_b"),
    ("enterprisefacts", "facts_a", "facts_b"),
]


@pytest.mark.parametrize(("name", "mine", "theirs"), KINDS)
def test_alice_reads_and_changes_every_record(world, records, login, name, mine, theirs):
    client = login(world.alice)
    body = client.get(url(f"{name}_list")).content.decode()
    for key in (mine, theirs):
        assert url(f"{name}_detail", records[key].pk) in body
    obj = records[theirs]
    detail = client.get(url(f"{name}_detail", obj.pk))
    assert detail.status_code == 200
    assert url(f"{name}_edit", obj.pk) in detail.content.decode()
    assert client.get(url(f"{name}_edit", obj.pk)).status_code == 200
    assert client.get(url(f"{name}_history", obj.pk)).status_code == 200
    assert client.get(url(f"{name}_add")).status_code == 200


@pytest.mark.parametrize(("name", "mine", "theirs"), KINDS)
def test_erin_sees_only_her_enterprise_and_charlie_is_a_stranger(
    world, records, login, name, mine, theirs
):
    client = login(world.erin)
    body = client.get(url(f"{name}_list")).content.decode()
    assert url(f"{name}_detail", records[mine].pk) in body
    assert url(f"{name}_detail", records[theirs].pk) not in body
    assert client.get(url(f"{name}_detail", records[mine].pk)).status_code == 200
    assert client.get(url(f"{name}_detail", records[theirs].pk)).status_code == 404
    charlie = login(world.charlie)
    assert charlie.get(url(f"{name}_detail", records[mine].pk)).status_code == 404
    assert charlie.get(url(f"{name}_history", records[mine].pk)).status_code == 404
    assert charlie.post(url(f"{name}_edit", records[mine].pk), {}).status_code == 404


@pytest.mark.parametrize(("name", "mine", "theirs"), KINDS)
def test_leo_reads_everything_and_changes_nothing(world, records, login, name, mine, theirs):
    client = login(world.leo)
    obj = records[mine]
    assert (
        url(f"{name}_detail", records[theirs].pk)
        in client.get(url(f"{name}_list")).content.decode()
    )
    detail = client.get(url(f"{name}_detail", obj.pk))
    assert detail.status_code == 200 and url(f"{name}_edit", obj.pk) not in detail.content.decode()
    assert client.get(url(f"{name}_add")).status_code == 403
    assert client.post(url(f"{name}_edit", obj.pk), {}).status_code == 403
    assert client.post(url(f"{name}_delete", obj.pk)).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_erin_cannot_change_her_designations_or_entries_but_records_her_facts(
    world, records, login
):
    client = login(world.erin)
    assert client.get(url("designation_add")).status_code == 403
    assert client.post(url("poolentry_edit", records["entry_a"].pk), {}).status_code == 403
    assert (
        client.post(
            url("poolentry_move", records["entry_a"].pk), {"stage": "cultivated"}
        ).status_code
        == 403
    )
    response = client.post(
        url("enterprisefacts_add"),
        {"organization": world.enterprise_a.pk, "year": 2025, "employees": 120, "rd_staff": 30},
    )
    assert response.status_code == 302
    facts = EnterpriseFacts.objects.get(year=2025)
    assert facts.organization == world.enterprise_a
    assert facts.history.get().history_user == world.erin
    # Another enterprise is not a choice.
    response = client.post(
        url("enterprisefacts_add"), {"organization": world.enterprise_b.pk, "year": 2025}
    )
    assert response.status_code == 400
    assert "organization" in response.context["form"].errors
    response = client.post(
        url("enterprisefacts_edit", records["facts_a"].pk),
        {"organization": world.enterprise_a.pk, "year": 2024, "employees": 10, "rd_staff": 20},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["rd_staff"] == ["More R&D staff than employees."]


# -- designations --------------------------------------------------------------------------------


def test_designation_list_filters(world, records, login):
    other_street = make_org("示例丙科技有限公司")
    make_designation(other_street, "specialized_sme", "municipal", 2024)
    old = make_designation(
        world.enterprise_a, "ip_advantage", "district", 2020, valid_until=datetime.date(2023, 1, 1)
    )
    client = login(world.alice)

    def shown(**query):
        table = client.get(url("designation_list"), query).context["table"]
        return {row.record.pk for row in table.page.object_list}

    a, b = records["designation_a"], records["designation_b"]
    assert shown(kind="high_tech") == {a.pk}
    assert shown(level="district") == {b.pk, old.pk}
    assert shown(year=2022) == {b.pk}
    assert shown(street=world.street.pk) == {a.pk, b.pk, old.pk}
    assert shown(organization=world.enterprise_a.pk) == {a.pk, old.pk}
    assert old.pk not in shown(current="true") and a.pk in shown(current="true")
    # B's 2022 designation records no end: the 3-year default term ended it in 2024.
    assert shown(current="false") == {old.pk, b.pk}
    assert shown(q="示例丙") == {Designation.objects.get(organization=other_street).pk}


def test_designation_detail_shows_its_enterprise_pool_and_support(world, records, login):
    body = login(world.alice).get(url("designation_detail", records["designation_a"].pk))
    text = body.content.decode()
    assert "甲企业贯标培训" in text and "乙企业专项资金" not in text
    assert records["entry_a"].get_absolute_url() in text
    assert url("designation_history", records["designation_a"].pk) in text


def test_alice_adds_edits_and_deletes_a_designation(world, login):
    client = login(world.alice)
    data = {
        "organization": world.enterprise_a.pk,
        "kind": "ip_demonstration",
        "level": "district",
        "year": 2025,
        "valid_from": "2025-12-01",
        "valid_until": "2025-01-01",
    }
    response = client.post(url("designation_add"), data)
    assert response.status_code == 400
    assert "valid_until" in response.context["form"].errors
    data["valid_until"] = "2028-11-30"
    assert client.post(url("designation_add"), data).status_code == 302
    designation = Designation.objects.get()
    assert designation.history.get().history_user == world.alice
    response = client.post(url("designation_add"), data)
    assert response.status_code == 400
    assert "already holds this designation" in response.content.decode()
    data["certificate_number"] = "SF-2025-01"
    assert client.post(url("designation_edit", designation.pk), data).status_code == 302
    designation.refresh_from_db()
    assert designation.certificate_number == "SF-2025-01"
    assert client.post(url("designation_delete", designation.pk)).status_code == 302
    assert not Designation.objects.exists()


def test_designations_export_to_xlsx_and_csv(world, records, login):
    client = login(world.erin)
    response = client.get(url("designation_list"), {"export": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert world.enterprise_a.name in text and world.enterprise_b.name not in text
    assert "High-tech enterprise" in text
    response = login(world.alice).get(url("designation_list"), {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


# -- criteria ------------------------------------------------------------------------------------


def test_criteria_list_and_edit_offer_reevaluation(world, login):
    client = login(world.alice)
    assert client.get(url("cultivationcriterion_add")).status_code == 200
    body = client.get(url("cultivationcriterion_list")).content.decode()
    assert "有效发明专利不少于5件" in body and url("poolentry_evaluate_all") in body
    criterion = CultivationCriterion.objects.get(code="adv-inventions")
    data = {
        "code": criterion.code,
        "name": "有效发明专利不少于8件",
        "target_kind": "ip_advantage",
        "target_level": "district",
        "metric": "valid_inventions",
        "comparison": "gte",
        "threshold": "8",
        "is_required": "on",
        "order": 10,
        "is_active": "on",
    }
    response = client.post(url("cultivationcriterion_edit", criterion.pk), data, follow=True)
    assert response.redirect_chain[-1][0] == url("cultivationcriterion_list")
    assert "Re-evaluate the pool" in response.content.decode()
    assert "re-evaluated" in response.content.decode()
    criterion.refresh_from_db()
    assert criterion.threshold == 8
    data["threshold"] = ""
    response = client.post(url("cultivationcriterion_edit", criterion.pk), data)
    assert response.status_code == 400 and "threshold" in response.context["form"].errors
    data.update(metric="has_designation", comparison="true", parameter="nonsense")
    response = client.post(url("cultivationcriterion_edit", criterion.pk), data)
    assert response.status_code == 400 and "parameter" in response.context["form"].errors


def test_criteria_are_read_only_for_leo_and_erin(world, login):
    criterion = CultivationCriterion.objects.first()
    for user in (world.leo, world.erin):
        client = login(user)
        body = client.get(url("cultivationcriterion_list")).content.decode()
        assert criterion.name in body and url("poolentry_evaluate_all") not in body
        assert client.post(url("cultivationcriterion_edit", criterion.pk), {}).status_code == 403
        assert client.post(url("poolentry_evaluate_all")).status_code == 403


# -- the pool ------------------------------------------------------------------------------------


@pytest.fixture
def evaluated(world):
    make_criterion("valid_inventions", "gte", 1, code="bm-inv", name="至少一件有效发明")
    make_criterion(
        "rd_staff", "gte", 10, code="bm-rd", name="研发人员不少于10人", is_required=False
    )
    make_patent("甲发明", [world.enterprise_a])
    from ipcity.utilization import pool

    entry = pool.add_to_pool(world.alice, world.enterprise_a, "benchmark", "district")
    return entry


def test_entry_detail_shows_each_criterion_with_value_and_source(world, evaluated, login):
    response = login(world.erin).get(evaluated.get_absolute_url())
    assert response.status_code == 200
    items = {i["code"]: i for i in response.context["items"]}
    assert items["bm-inv"]["met"] and items["bm-inv"]["value"] == 1
    assert f"holder={world.enterprise_a.pk}" in items["bm-inv"]["link"]
    assert not items["bm-rd"]["met"] and items["bm-rd"]["value"] is None
    assert items["bm-rd"]["source"] == "No enterprise facts reported"
    body = response.content.decode()
    assert "至少一件有效发明" in body and "no data" in body and "optional" in body
    # erin reads but moves nothing.
    assert url("poolentry_move", evaluated.pk) not in body


def test_alice_moves_an_entry_through_the_pipeline(world, evaluated, login):
    client = login(world.alice)
    pipeline = client.get(url("poolentry_pipeline"))
    columns = {c["value"]: c for c in pipeline.context["columns"]}
    assert [e.pk for e in columns["candidate"]["items"]] == [evaluated.pk]
    assert columns["candidate"]["count"] == 1 and "1/2" in pipeline.content.decode()
    response = client.post(
        url("poolentry_move", evaluated.pk),
        {"stage": "cultivated", "next": url("poolentry_pipeline")},
    )
    assert response.status_code == 302 and response.url == url("poolentry_pipeline")
    response = client.post(
        url("poolentry_move", evaluated.pk),
        {
            "stage": "designated",
            "year": "2025",
            "valid_until": "2099-12-31",
            "source_document": "通知识产权发〔2025〕3号",
        },
    )
    evaluated.refresh_from_db()
    assert evaluated.stage == "designated"
    assert evaluated.designation.source_document == "通知识产权发〔2025〕3号"
    pipeline = client.get(url("poolentry_pipeline"), {"target_kind": "benchmark"})
    columns = {c["value"]: c for c in pipeline.context["columns"]}
    assert columns["designated"]["count"] == 1 and not columns["candidate"]["items"]
    # A refused move says why and changes nothing.
    response = client.post(url("poolentry_move", evaluated.pk), {"stage": "candidate"}, follow=True)
    assert "cannot move" in response.content.decode()


def test_pipeline_and_lists_filter_the_pool(world, login):
    make_entry(world.enterprise_a, meets_all=True, criteria_met=3, criteria_total=3)
    make_entry(world.enterprise_b, "ip_demonstration", year=2024)
    make_entry(make_org("示例丙科技有限公司"), stage="withdrawn")
    client = login(world.alice)
    table = client.get(url("poolentry_list"), {"meets_all": "true"}).context["table"]
    assert [r.record.organization for r in table.page.object_list] == [world.enterprise_a]
    table = client.get(url("poolentry_list"), {"target_kind": "ip_demonstration"}).context["table"]
    assert [r.record.organization for r in table.page.object_list] == [world.enterprise_b]
    table = client.get(url("poolentry_list"), {"year": 2024, "stage": "candidate"}).context["table"]
    assert len(table.page.object_list) == 1
    pipeline = client.get(url("poolentry_pipeline"), {"target_kind": "ip_advantage"})
    assert pipeline.context["withdrawn"] == 1
    assert sum(c["count"] for c in pipeline.context["columns"]) == 1


def test_pool_add_page_evaluates_and_refuses_a_second_entry(world, login):
    make_criterion("in_district", "true", code="bm-d")
    client = login(world.alice)
    data = {"organization": world.enterprise_a.pk, "track": "benchmark:district"}
    assert client.post(url("poolentry_add"), data).status_code == 302
    entry = PoolEntry.objects.get()
    assert entry.meets_all and entry.criteria_total == 1
    response = client.post(url("poolentry_add"), data)
    assert response.status_code == 400
    assert "already in the pool" in response.content.decode()
    assert login(world.leo).get(url("poolentry_add")).status_code == 403


def test_candidate_finder_and_bulk_add(world, login):
    make_criterion("valid_inventions", "gte", 1, code="bm-inv")
    make_patent("甲发明", [world.enterprise_a])
    client = login(world.alice)
    response = client.get(url("poolentry_candidates"), {"track": "benchmark:district"})
    assert [c.organization for c in response.context["candidates"]] == [world.enterprise_a]
    response = client.post(
        url("poolentry_candidates"),
        {"track": "benchmark:district", "organization": [world.enterprise_a.pk]},
    )
    assert response.status_code == 302
    entry = PoolEntry.objects.get()
    assert (entry.organization, entry.stage, entry.meets_all) == (
        world.enterprise_a,
        "candidate",
        True,
    )
    response = client.get(url("poolentry_candidates"), {"track": "benchmark:district"})
    assert response.context["candidates"] == []
    leo = login(world.leo)
    assert leo.get(url("poolentry_candidates"), {"track": "benchmark:district"}).status_code == 403
    response = leo.post(
        url("poolentry_candidates"),
        {"track": "benchmark:district", "organization": [world.enterprise_b.pk]},
    )
    assert response.status_code == 403


def test_reevaluate_all_goes_to_the_job_page(
    world, evaluated, login, django_capture_on_commit_callbacks
):
    client = login(world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("poolentry_evaluate_all"))
    job = Job.objects.get(kind="utilization.pool_evaluate")
    assert response.status_code == 302 and response.url == reverse("core:job_detail", args=[job.pk])
    response = client.post(url("poolentry_evaluate", evaluated.pk))
    assert response.status_code == 302
    assert login(world.leo).post(url("poolentry_evaluate", evaluated.pk)).status_code == 403
    assert login(world.charlie).post(url("poolentry_evaluate", evaluated.pk)).status_code == 404


def test_support_is_shown_on_the_entry_and_recorded_from_it(world, records, login):
    client = login(world.alice)
    entry = records["entry_a"]
    body = client.get(entry.get_absolute_url()).content.decode()
    assert "甲企业贯标培训" in body and "乙企业专项资金" not in body
    add = client.get(
        url("supportrecord_add"), {"organization": world.enterprise_a.pk, "pool_entry": entry.pk}
    )
    assert add.context["form"].initial["organization"] == str(world.enterprise_a.pk)
    response = client.post(
        url("supportrecord_add"),
        {
            "organization": world.enterprise_a.pk,
            "kind": "funding",
            "date": "2025-06-01",
            "amount": "12.5",
            "title": "优势企业培育资金",
            "pool_entry": records["entry_b"].pk,
        },
    )
    assert response.status_code == 400 and "pool_entry" in response.context["form"].errors
    table = client.get(url("supportrecord_list"), {"kind": "funding", "year": 2025}).context[
        "table"
    ]
    assert [r.record for r in table.page.object_list] == [records["support_b"]]
    table = client.get(url("supportrecord_list"), {"organization": world.enterprise_a.pk}).context[
        "table"
    ]
    assert [r.record for r in table.page.object_list] == [records["support_a"]]


# -- query counts --------------------------------------------------------------------------------


def many_records(n):
    for _ in range(n):
        org = make_org(region=None)
        make_designation(org, "high_tech", "national", 2024)
        make_entry(org)
        make_support(org, provider=org)
        make_facts(org)


LISTS = [
    "designation_list",
    "poolentry_list",
    "supportrecord_list",
    "enterprisefacts_list",
    "cultivationcriterion_list",
    "poolentry_pipeline",
    "poolentry_candidates",
]


@pytest.mark.parametrize("name", LISTS)
def test_list_queries_do_not_grow_with_rows(world, login, name, django_assert_max_num_queries):
    client = login(world.alice)
    many_records(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url(name)).status_code == 200
    many_records(12)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url(name)).status_code == 200
    assert len(many) == len(few)
    with django_assert_max_num_queries(30):
        client.get(url(name))


def test_pages_render_in_chinese(world, records, evaluated, login, chinese_default):
    client = login(world.alice)
    for path in (
        url("poolentry_pipeline"),
        evaluated.get_absolute_url(),
        url("poolentry_candidates"),
        url("designation_detail", records["designation_a"].pk),
        url("cultivationcriterion_list"),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert '<html lang="zh-hans">' in response.content.decode()


# -- review fixes --------------------------------------------------------------------------------


def test_candidate_finder_queries_do_not_grow_with_unplaced_or_outside_enterprises(uworld, login):
    """The default track (ip_advantage:district) asks "registered in the district" of every
    enterprise: neither a review-list lookup nor a region read per enterprise."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(uworld.alice)
    path = url("poolentry_candidates", track="ip_advantage:district", mode="most")

    def add(n):
        for _ in range(n):
            make_org(region=None)
            make_org(region=uworld.outside_region)

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).status_code == 200
    add(12)
    with CaptureQueriesContext(connection) as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few)


def test_deleting_a_designation_or_facts_re_evaluates_the_entries(world, login):
    make_criterion("rd_staff", "gte", 10, code="bm-rd")
    make_criterion("has_designation", "true", parameter="high_tech", code="bm-ht")
    a = world.enterprise_a
    facts = make_facts(a, 2025, employees=50, rd_staff=20)
    designation = make_designation(a, "high_tech", "national", timezone.localdate().year)
    from ipcity.utilization import pool

    entry = pool.add_to_pool(world.alice, a, "benchmark", "district")
    assert entry.meets_all
    client = login(world.alice)
    assert client.post(url("designation_delete", designation.pk)).status_code == 302
    entry.refresh_from_db()
    assert entry.criteria_met == 1
    assert client.post(url("enterprisefacts_delete", facts.pk)).status_code == 302
    entry.refresh_from_db()
    assert entry.criteria_met == 0


def test_the_add_page_offers_tracks_with_criteria_as_one_choice(world, login):
    make_criterion("in_district", "true", code="bm-d")
    client = login(world.alice)
    form = client.get(url("poolentry_add"), {"target_kind": "benchmark"}).context["form"]
    values = [value for value, _label in form.fields["track"].choices]
    assert "benchmark:district" in values and "ip_advantage:district" in values
    assert "benchmark:national" not in values and "target_kind" not in form.fields
    response = client.post(
        url("poolentry_add"), {"organization": world.enterprise_a.pk, "track": "other:"}
    )
    assert response.status_code == 400
    assert "no active criteria" in response.context["form"].errors["track"][0]
    assert not PoolEntry.objects.exists()


def test_pool_export_queries_do_not_grow_with_designated_entries(world, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.alice)

    def add(n):
        for _ in range(n):
            org = make_org()
            designation = make_designation(org, "ip_advantage", "district", 2025)
            make_entry(org, stage="designated", designation=designation)

    add(2)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url("poolentry_list"), {"export": "csv"})
        text = b"".join(response.streaming_content).decode("utf-8-sig")
    add(10)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("poolentry_list"), {"export": "csv"})
        text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert len(many) == len(few)
    assert "Level obtained" in text and text.count(",District,2025,") == 12


def test_the_pipeline_link_to_a_full_column_keeps_the_filters(world, login, monkeypatch):
    from ipcity.utilization.views import cultivation as views

    monkeypatch.setattr(views, "PIPELINE_LIMIT", 1)
    make_entry(world.enterprise_a, year=2024)
    make_entry(world.enterprise_b, year=2024)
    make_entry(make_org(), year=2023)
    response = login(world.alice).get(
        url("poolentry_pipeline"), {"target_kind": "ip_advantage", "year": 2024}
    )
    column = next(c for c in response.context["columns"] if c["value"] == "candidate")
    assert column["count"] == 2
    link = column["list_url"]
    assert "target_kind=ip_advantage" in link and "year=2024" in link
    assert "stage=candidate" in link
    assert f'href="{link.replace("&", "&amp;")}"' in response.content.decode()


def test_a_refused_designation_shows_the_form_again_with_what_was_typed(world, records, login):
    entry = records["entry_b"]  # cultivated
    client = login(world.alice)
    data = {
        "stage": "designated",
        "level": "municipal",
        "year": "2025",
        "valid_from": "2025-06-01",
        "valid_until": "2025-01-31",
        "certificate_number": "SZ-2025-118",
        "source_document": "京知局发〔2025〕9号",
        "next": entry.get_absolute_url(),
    }
    response = client.post(url("poolentry_move", entry.pk), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "The end of validity comes before its start." in body
    for typed in ("SZ-2025-118", "京知局发〔2025〕9号", "2025-06-01", "2025-01-31"):
        assert typed in body
    assert 'value="municipal" selected' in body
    assert 'aria-invalid="true"' in body
    entry.refresh_from_db()
    assert entry.stage == "cultivated" and entry.designation is None
    # From a stage it cannot be designated from, no form is shown: the reason as a message.
    entry.stage = "withdrawn"
    entry.save()
    response = client.post(url("poolentry_move", entry.pk), data, follow=True)
    assert response.redirect_chain[-1][0] == entry.get_absolute_url()
    assert "The end of validity comes before its start." in response.content.decode()
    # Leo reads only: refused before any form is shown.
    assert login(world.leo).post(url("poolentry_move", entry.pk), data).status_code == 403


def test_the_criterion_form_names_designations_not_codes(world, login):
    criterion = CultivationCriterion.objects.first()
    response = login(world.alice).get(url("cultivationcriterion_edit", criterion.pk))
    body = response.content.decode()
    assert "ip_advantage:municipal" not in body.replace('value="ip_advantage:municipal"', "")
    field = response.context["form"].fields["parameter"]
    labels = dict(field.choices)
    assert labels["ip_advantage"] == "IP advantage enterprise (any level)"
    assert labels["ip_advantage:municipal"] == "Municipal · IP advantage enterprise"
    assert "ip_" not in str(field.help_text) and "_" not in str(field.help_text)


def test_candidate_screening_is_for_those_who_may_add_to_the_pool(world, uworld, login):
    """Bank, service and enterprise users (and leo) may read the pool, not screen candidates:
    403, and no link to the page."""
    finder = url("poolentry_candidates")
    body = login(world.alice).get(url("poolentry_pipeline")).content.decode()
    assert finder in body
    assert finder in login(world.alice).get(url("poolentry_list")).content.decode()
    for user in (world.leo, world.erin, uworld.fiona):
        client = login(user)
        assert client.get(finder).status_code == 403, user
        for page in ("poolentry_pipeline", "poolentry_list"):
            response = client.get(url(page))
            if response.status_code == 200:
                assert finder not in response.content.decode(), (user, page)
    assert login(world.charlie).get(finder).status_code == 403


ORG_FILTER_LISTS = [
    "designation_list",
    "poolentry_list",
    "supportrecord_list",
    "enterprisefacts_list",
    "poolentry_pipeline",
]


@pytest.mark.parametrize("name", ORG_FILTER_LISTS)
def test_the_enterprise_filter_offers_names_of_enterprises_with_records(
    world, records, login, name, django_assert_max_num_queries
):
    """A choice by name (not a raw id) of the enterprises the user may view that have such
    records; links with ?organization=<id> keep working; an id not offered matches nothing;
    the query count does not grow with the enterprises offered."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_org("示例无记录科技有限公司")
    client = login(world.alice)
    response = client.get(url(name))
    field = response.context["filterset"].form.fields["organization"]
    assert set(field.queryset) == {world.enterprise_a, world.enterprise_b}
    body = response.content.decode()
    assert f'<option value="{world.enterprise_a.pk}">{world.enterprise_a.name}</option>' in body
    assert "organization id" not in body
    response = client.get(url(name), {"organization": world.enterprise_b.pk})
    assert response.status_code == 200
    assert not response.context["filterset"].errors
    if name == "poolentry_pipeline":
        shown = {e.organization for c in response.context["columns"] for e in c["items"]}
    else:
        shown = {r.record.organization for r in response.context["table"].page.object_list}
    assert shown == {world.enterprise_b}
    outside = make_org("示例外单位", kind="university")
    response = client.get(url(name), {"organization": outside.pk})
    if name != "poolentry_pipeline":
        assert not response.context["table"].page.object_list
    # erin is offered her own enterprise only.
    field = login(world.erin).get(url(name)).context["filterset"].form.fields["organization"]
    assert set(field.queryset) == {world.enterprise_a}
    with CaptureQueriesContext(connection) as few:
        client.get(url(name))
    many_records(8)
    with CaptureQueriesContext(connection) as many:
        client.get(url(name))
    assert len(many) == len(few)
    with django_assert_max_num_queries(30):
        client.get(url(name))
