"""The cultivation pool's state changes (utilization.pool): adding enterprises, moving them
through the stages, linking the designation obtained, finding candidates and re-evaluating."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ipcity.core.models import Job, JobStatus
from ipcity.utilization import pool
from ipcity.utilization.models import Designation, EnterpriseFacts, PoolEntry

from ..factories import make_org
from ..rights.registry_builders import make_patent, make_trademark
from .test_cultivation_builders import make_criterion, make_designation, make_entry

YEAR = timezone.localdate().year


@pytest.fixture
def track(world):
    """A benchmark/district track: ≥2 valid inventions (required), ≥1 trademark (optional),
    registered in the district (required)."""
    return [
        make_criterion("valid_inventions", "gte", 2, code="bm-inventions"),
        make_criterion("registered_trademarks", "gte", 1, code="bm-marks", is_required=False),
        make_criterion("in_district", "true", code="bm-district"),
    ]


def give_inventions(org, n):
    for i in range(n):
        make_patent(f"{org.name}发明{i}", [org])


def test_adding_an_enterprise_evaluates_it_at_once(world, track):
    give_inventions(world.enterprise_a, 2)
    entry = pool.add_to_pool(world.alice, world.enterprise_a, "benchmark", "district")
    assert entry.stage == "candidate" and entry.year == YEAR
    assert (entry.criteria_met, entry.criteria_total, entry.meets_all) == (2, 3, True)
    assert [i["code"] for i in entry.evaluation] == ["bm-inventions", "bm-marks", "bm-district"]
    assert entry.evaluated_at is not None
    assert entry.history.get().history_user == world.alice


def test_an_enterprise_enters_a_track_once(world, track):
    pool.add_to_pool(world.alice, world.enterprise_a, "benchmark", "district")
    with pytest.raises(ValidationError) as exc:
        pool.add_to_pool(world.alice, world.enterprise_a, "benchmark", "district")
    assert "already in the pool" in str(exc.value)
    # Another level is another track (once it has criteria).
    make_criterion("valid_inventions", "gte", 2, target_level="national")
    pool.add_to_pool(world.alice, world.enterprise_a, "benchmark", "national")
    assert PoolEntry.objects.count() == 2


def test_only_enterprises_and_only_the_office_add(world, track):
    with pytest.raises(ValidationError):
        pool.add_to_pool(world.alice, world.unit, "benchmark", "district")
    for user in (world.leo, world.erin):
        with pytest.raises(PermissionDenied):
            pool.add_to_pool(user, world.enterprise_a, "benchmark", "district")
    assert not PoolEntry.objects.exists()


def test_stages_move_one_step_and_designated_records_the_designation(world, track):
    entry = make_entry(world.enterprise_a, "benchmark", "district")
    with pytest.raises(ValidationError) as exc:
        pool.move_stage(world.alice, entry, "designated")
    assert "cannot move" in str(exc.value)
    pool.move_stage(world.alice, entry, "cultivated")
    pool.move_stage(
        world.alice,
        entry,
        "designated",
        year=2025,
        valid_until=datetime.date(2028, 1, 1),
        source_document="通知识产权发〔2025〕8号",
    )
    entry.refresh_from_db()
    designation = Designation.objects.get()
    assert entry.stage == "designated" and entry.designation == designation
    assert (designation.kind, designation.level, designation.year) == (
        "benchmark",
        "district",
        2025,
    )
    assert designation.source_document == "通知识产权发〔2025〕8号"
    assert designation.history.get().history_user == world.alice
    assert [r.stage for r in entry.history.order_by("history_date")] == [
        "candidate",
        "cultivated",
        "designated",
    ]


def test_designated_links_the_designation_the_enterprise_already_has(world):
    existing = make_designation(world.enterprise_a, "ip_advantage", "district", 2024)
    entry = make_entry(world.enterprise_a, stage="cultivated")
    pool.move_stage(world.alice, entry, "designated", year=2024)
    assert entry.designation == existing and Designation.objects.count() == 1


def test_a_track_without_level_needs_the_level_obtained(world):
    entry = make_entry(world.enterprise_a, "high_tech", "", stage="cultivated")
    with pytest.raises(ValidationError) as exc:
        pool.move_stage(world.alice, entry, "designated")
    assert "level" in exc.value.message_dict
    entry.refresh_from_db()
    assert entry.stage == "cultivated" and not Designation.objects.exists()
    pool.move_stage(world.alice, entry, "designated", level="national", year=2025)
    assert entry.designation.level == "national"


def test_withdrawn_from_anywhere_and_back_as_a_candidate(world):
    entry = make_entry(world.enterprise_a, stage="cultivated")
    pool.move_stage(world.alice, entry, "withdrawn")
    with pytest.raises(ValidationError):
        pool.move_stage(world.alice, entry, "cultivated")
    pool.move_stage(world.alice, entry, "candidate")
    assert entry.stage == "candidate"
    with pytest.raises(ValidationError):
        pool.move_stage(world.alice, entry, "nonsense")


def test_leo_and_erin_cannot_move_entries(world):
    entry = make_entry(world.enterprise_a)
    for user in (world.leo, world.erin):
        with pytest.raises(PermissionDenied):
            pool.move_stage(user, entry, "cultivated")
    entry.refresh_from_db()
    assert entry.stage == "candidate"


def test_finding_candidates_all_or_most_and_never_those_already_in_the_track(world, track):
    a, b = world.enterprise_a, world.enterprise_b
    c = make_org("示例丙科技有限公司", region=world.street)
    d = make_org("示例丁科技有限公司", region=world.street)
    give_inventions(a, 3)  # meets all
    give_inventions(b, 2)  # meets all, already in the track
    give_inventions(c, 1)  # misses the inventions (required) but has a trademark: 2 of 3
    make_trademark("丙标", holder=c, status="registered")
    # d meets only "in the district": 1 of 3 is not "most".
    make_entry(b, "benchmark", "district")
    found, total = pool.find_candidates(world.alice, "benchmark", "district")
    assert [cand.organization for cand in found] == [a] and total == 1
    found, total = pool.find_candidates(world.alice, "benchmark", "district", mode="most")
    names = [cand.organization for cand in found]
    assert names == [a, c] and total == 2 and d not in names
    miss = found[1].missed
    assert [(m["code"], m["value"]) for m in miss] == [("bm-inventions", 1)]
    # Without criteria a track has no candidates.
    assert pool.find_candidates(world.alice, "other", "district") == ([], 0)


def test_candidates_are_limited_to_what_the_user_may_see(world, track):
    give_inventions(world.enterprise_a, 2)
    give_inventions(world.enterprise_b, 2)
    found, _total = pool.find_candidates(world.erin, "benchmark", "district")
    assert [c.organization for c in found] == [world.enterprise_a]


def test_bulk_add_creates_evaluated_candidates_and_skips_those_in_the_track(world, track):
    give_inventions(world.enterprise_a, 2)
    make_entry(world.enterprise_b, "benchmark", "district", stage="cultivated")
    created = pool.add_candidates(
        world.alice,
        [world.enterprise_a.pk, world.enterprise_b.pk, world.unit.pk],
        "benchmark",
        "district",
    )
    assert [e.organization_id for e in created] == [world.enterprise_a.pk]
    entry = PoolEntry.objects.get(organization=world.enterprise_a)
    assert entry.meets_all and entry.criteria_met == 2 and entry.evaluated_at
    assert entry.history.get().history_user == world.alice
    with pytest.raises(PermissionDenied):
        pool.add_candidates(world.leo, [world.enterprise_a.pk], "benchmark", "national")


def test_reevaluation_runs_as_a_job_after_criteria_change(
    world, track, django_capture_on_commit_callbacks
):
    give_inventions(world.enterprise_a, 2)
    entry = pool.add_to_pool(world.alice, world.enterprise_a, "benchmark", "district")
    assert entry.meets_all
    track[0].threshold = 5
    track[0].save()
    entry.refresh_from_db()
    assert entry.meets_all  # until the pool is re-evaluated
    with django_capture_on_commit_callbacks(execute=True):
        job = pool.request_reevaluation(world.alice, "threshold raised")
    job = Job.objects.get(pk=job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.result == {"evaluated": 1}
    entry.refresh_from_db()
    assert not entry.meets_all and entry.criteria_met == 1
    with pytest.raises(PermissionDenied):
        pool.request_reevaluation(world.leo)


# -- the pool follows the data -------------------------------------------------------------------


@pytest.fixture
def staffed(world):
    """A benchmark/district track needing ≥10 R&D staff and a current high-tech designation."""
    return [
        make_criterion("rd_staff", "gte", 10, code="bm-rd"),
        make_criterion("has_designation", "true", parameter="high_tech", code="bm-ht"),
    ]


def test_facts_and_designations_saved_re_evaluate_the_enterprise_entries(world, staffed):
    a = world.enterprise_a
    entry = pool.add_to_pool(world.alice, a, "benchmark", "district")
    other = make_entry(world.enterprise_b, "benchmark", "district")
    assert entry.criteria_met == 0
    # Erin reports her facts: her entry follows, though she may not change entries.
    facts = pool.create(world.erin, EnterpriseFacts, {"organization": a.pk, "year": 2025})
    pool.update(world.erin, facts, {"employees": 50, "rd_staff": 12})
    entry.refresh_from_db()
    assert entry.criteria_met == 1 and entry.evaluation[0]["value"] == 12
    designation = pool.create(
        world.alice,
        Designation,
        {"organization": a.pk, "kind": "high_tech", "level": "national", "year": YEAR - 1},
    )
    entry.refresh_from_db()
    assert entry.meets_all and entry.criteria_met == 2
    pool.update(world.alice, designation, {"valid_until": "2020-12-31", "valid_from": ""})
    entry.refresh_from_db()
    assert entry.criteria_met == 1 and not entry.meets_all
    other.refresh_from_db()
    assert other.evaluated_at is None  # another enterprise's entry is left alone


def test_the_daily_duty_re_evaluates_the_pool(world, track):
    from ipcity.core.daily import duties

    entry = pool.add_to_pool(world.alice, world.enterprise_a, "benchmark", "district")
    assert not entry.meets_all
    give_inventions(world.enterprise_a, 2)  # the registry moves on
    duty = next(d for d in duties() if d.name == "pool-evaluation")
    assert duty.func(timezone.localdate()) == "1 pool entries re-evaluated"
    entry.refresh_from_db()
    assert entry.meets_all


# -- tracks without criteria ---------------------------------------------------------------------


def test_a_track_without_active_criteria_is_refused(world, track):
    with pytest.raises(ValidationError) as exc:
        pool.add_to_pool(world.alice, world.enterprise_a, "benchmark", "national")
    assert "no active criteria" in str(exc.value) and "target_kind" in exc.value.message_dict
    with pytest.raises(ValidationError):
        pool.add_to_pool(world.alice, world.enterprise_a, "high_tech", "")
    with pytest.raises(ValidationError) as exc:
        pool.add_candidates(world.alice, [world.enterprise_a.pk], "benchmark", "national")
    assert "no active criteria" in str(exc.value)
    for criterion in track:
        criterion.is_active = False
        criterion.save()
    with pytest.raises(ValidationError):
        pool.add_to_pool(world.alice, world.enterprise_a, "benchmark", "district")
    assert not PoolEntry.objects.exists()
    # A level-free criterion applies at every level of its kind.
    make_criterion("valid_patents", "gte", 1, target_kind="high_tech", target_level="")
    pool.add_to_pool(world.alice, world.enterprise_a, "high_tech", "")
    pool.add_to_pool(world.alice, world.enterprise_a, "high_tech", "national")
    assert PoolEntry.objects.count() == 2


# -- linking the designation obtained ------------------------------------------------------------


def test_designated_needs_a_current_designation_of_the_entry_kind_and_level(world, track):
    a = world.enterprise_a
    entry = make_entry(a, "benchmark", "district", stage="cultivated")
    national = make_designation(
        a, "benchmark", "national", 2025, valid_until=datetime.date(2099, 1, 1)
    )
    expired = make_designation(
        a, "benchmark", "district", 2020, valid_until=datetime.date(2023, 1, 1)
    )
    unknown = make_designation(a, "benchmark", "district", 2024)  # no end, no default term
    for wrong in (national, expired, unknown):
        with pytest.raises(ValidationError) as exc:
            pool.move_stage(world.alice, entry, "designated", designation=wrong)
        assert "designation" in exc.value.message_dict
    # The existing one of the year given is expired too; a new one needs its validity.
    for year in (2020, 2024):
        with pytest.raises(ValidationError):
            pool.move_stage(world.alice, entry, "designated", year=year)
    with pytest.raises(ValidationError) as exc:
        pool.move_stage(world.alice, entry, "designated", year=2025)
    assert "valid_until" in exc.value.message_dict
    entry.refresh_from_db()
    assert entry.stage == "cultivated" and entry.designation is None
    assert Designation.objects.count() == 3
    current = make_designation(
        a, "benchmark", "district", 2025, valid_until=datetime.date(2099, 1, 1)
    )
    pool.move_stage(world.alice, entry, "designated", designation=current)
    assert PoolEntry.objects.get().designation == current


def test_moving_back_from_designated_unlinks_the_designation(world):
    entry = make_entry(world.enterprise_a, "high_tech", "national", stage="cultivated")
    pool.move_stage(world.alice, entry, "designated", year=YEAR)
    assert entry.designation is not None
    pool.move_stage(world.alice, entry, "cultivated")
    entry.refresh_from_db()
    assert entry.stage == "cultivated" and entry.designation is None
    assert Designation.objects.count() == 1  # the designation itself stays


def test_a_move_or_an_edit_keeps_an_evaluation_written_meanwhile(world, track):
    entry = pool.add_to_pool(world.alice, world.enterprise_a, "benchmark", "district")
    stale = PoolEntry.objects.get(pk=entry.pk)  # a page loaded it before the re-evaluation
    give_inventions(world.enterprise_a, 2)
    pool.reevaluate_all()
    pool.move_stage(world.alice, stale, "cultivated")
    pool.update(world.alice, stale, {"notes": "重点培育"})
    entry.refresh_from_db()
    assert (entry.stage, entry.notes, entry.meets_all) == ("cultivated", "重点培育", True)


# -- the candidate finder ------------------------------------------------------------------------


def test_candidates_already_holding_the_designation_are_not_proposed(world, track):
    a, b = world.enterprise_a, world.enterprise_b
    give_inventions(a, 2)
    give_inventions(b, 2)
    make_designation(a, "benchmark", "district", 2025, valid_until=datetime.date(2099, 1, 1))
    make_designation(b, "benchmark", "district", 2019, valid_until=datetime.date(2022, 1, 1))
    make_designation(b, "benchmark", "national", 2025, valid_until=datetime.date(2099, 1, 1))
    found, total = pool.find_candidates(world.alice, "benchmark", "district")
    assert [c.organization for c in found] == [b] and total == 1
    created = pool.add_candidates(world.alice, [a.pk, b.pk], "benchmark", "district")
    assert [e.organization_id for e in created] == [b.pk]


# -- duplicate messages --------------------------------------------------------------------------


def test_a_duplicate_met_at_save_names_what_is_duplicated(world):
    from ipcity.utilization.forms.cultivation import DesignationForm, EnterpriseFactsForm

    data = {"organization": world.enterprise_a.pk, "kind": "high_tech", "level": "national"}
    form = DesignationForm(data={**data, "year": 2025}, user=world.alice)
    assert form.is_valid()
    make_designation(world.enterprise_a, "high_tech", "national", 2025)  # meanwhile
    with pytest.raises(ValidationError) as exc:
        pool.save_form(world.alice, form)
    assert exc.value.messages == [
        "This enterprise already holds this designation at this level for that year."
    ]
    form = EnterpriseFactsForm(
        data={"organization": world.enterprise_a.pk, "year": 2025}, user=world.alice
    )
    assert form.is_valid()
    EnterpriseFacts.objects.create(organization=world.enterprise_a, year=2025)
    with pytest.raises(ValidationError) as exc:
        pool.save_form(world.alice, form)
    assert exc.value.messages == ["Facts for this enterprise and year already exist."]
