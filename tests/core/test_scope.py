import pytest

from ipcity.orgs.models import Organization


def names(qs):
    return set(qs.values_list("name", flat=True))


def test_district_scope_sees_every_organization(world):
    assert (
        Organization.objects.restrict(world.alice, "view").count() == Organization.objects.count()
    )


def test_subtree_scope_sees_the_unit_and_its_subordinates_only(world):
    assert names(Organization.objects.restrict(world.bob, "change")) == {
        world.unit.name,
        world.subunit.name,
    }


def test_own_scope_sees_only_the_users_organization(world):
    assert names(Organization.objects.restrict(world.erin, "view")) == {world.enterprise_a.name}


def test_read_only_persona_may_view_but_not_change(world):
    assert Organization.objects.restrict(world.leo, "view").count() == Organization.objects.count()
    assert not Organization.objects.restrict(world.leo, "change").exists()


def test_stranger_does_not_see_another_enterprise(world):
    assert world.enterprise_a not in Organization.objects.restrict(world.charlie, "view")


def test_anonymous_user_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not Organization.objects.restrict(AnonymousUser(), "view").exists()


def test_moving_a_unit_rewrites_its_subordinates_paths(world):
    world.unit.parent = world.office
    world.unit.save()
    world.subunit.refresh_from_db()
    assert world.subunit.path == f"/{world.office.pk}/{world.unit.pk}/{world.subunit.pk}/"


def test_a_row_linked_to_two_units_in_scope_is_returned_once(world):
    from ipcity.plans.models import Plan, PlanTask, TaskUnit

    plan = Plan.objects.create(title="示例工作方案")
    task = PlanTask.objects.create(plan=plan, number=1, title="任务一")
    TaskUnit.objects.create(task=task, organization=world.unit, role="lead")
    TaskUnit.objects.create(task=task, organization=world.subunit, role="co")
    other = PlanTask.objects.create(plan=plan, number=2, title="任务二")
    TaskUnit.objects.create(task=other, organization=world.enterprise_b, role="lead")
    assert list(PlanTask.objects.restrict(world.bob, "view")) == [task]


# --- rows of several organizations, rows open to every viewer -----------------------------------


def test_tuple_scope_reaches_rows_of_either_party(world):
    from ipcity.utilization.choices import TransactionKind
    from ipcity.utilization.models import Transaction

    deal = Transaction.objects.create(
        kind=TransactionKind.ASSIGNMENT,
        assignor=world.enterprise_b,
        assignor_name=world.enterprise_b.name,
        assignee=world.enterprise_a,
        assignee_name=world.enterprise_a.name,
        year=2024,
    )
    other = Transaction.objects.create(
        kind=TransactionKind.ASSIGNMENT,
        assignor=world.enterprise_b,
        assignor_name=world.enterprise_b.name,
        assignee_name="某外地公司",
        year=2024,
    )
    assert list(Transaction.objects.restrict(world.erin, "view")) == [deal]
    assert set(Transaction.objects.restrict(world.charlie, "view")) == {deal, other}
    assert set(Transaction.objects.restrict(world.alice, "view")) == {deal, other}
    assert not Transaction.objects.restrict(world.leo, "change").exists()


def test_public_rows_are_seen_by_every_viewer_but_changed_only_in_scope(world):
    from ipcity.utilization.choices import ListingStatus
    from ipcity.utilization.models import SupplyListing

    published = SupplyListing.objects.create(
        owner=world.enterprise_b, title="公开的技术", status=ListingStatus.PUBLISHED
    )
    draft = SupplyListing.objects.create(owner=world.enterprise_b, title="草稿")
    assert list(SupplyListing.objects.restrict(world.erin, "view")) == [published]
    assert not SupplyListing.objects.restrict(world.erin, "change").exists()
    assert set(SupplyListing.objects.restrict(world.charlie, "change")) == {published, draft}


def test_a_users_grants_load_in_one_query_and_keep_each_assignments_reach(
    world, django_assert_num_queries
):
    from ipcity.core import scope as scope_module
    from tests.factories import grant

    grant(world.bob, "enterprise_user", "own", organization=world.enterprise_a)  # a second anchor
    with django_assert_num_queries(1):
        grants = scope_module.grants_for(world.bob, "orgs.view_organization")
    assert {(g.org_id, g.org_path) for g in grants} == {
        (world.unit.pk, world.unit.path),
        (world.enterprise_a.pk, world.enterprise_a.path),
    }
    with django_assert_num_queries(0):  # cached on the user for the rest of the request
        scope_module.grants_for(world.bob, "orgs.change_organization")


@pytest.mark.django_db(transaction=True)
def test_grants_are_shared_between_requests_until_the_data_changes(
    world, django_assert_num_queries
):
    from django.db import transaction

    from ipcity.accounts.models import RoleAssignment, User
    from ipcity.core import scope as scope_module

    perm = "orgs.change_organization"
    assert scope_module.grants_for(User.objects.get(pk=world.bob.pk), perm)
    # The next request's user object: nothing to load while the data stays the same.
    later = User.objects.get(pk=world.bob.pk)
    with django_assert_num_queries(0):
        assert scope_module.grants_for(later, perm)
    # What a transaction reads after writes of its own is not kept: it may be rolled back.
    with pytest.raises(RuntimeError), transaction.atomic():
        RoleAssignment.objects.filter(user=world.bob).delete()
        assert scope_module.grants_for(User.objects.get(pk=world.bob.pk), perm) == []
        raise RuntimeError("rolled back")
    assert scope_module.grants_for(User.objects.get(pk=world.bob.pk), perm)
    # An assignment withdrawn is a write: the next request reads the grants again, without it.
    RoleAssignment.objects.filter(user=world.bob).delete()
    after = User.objects.get(pk=world.bob.pk)
    assert scope_module.grants_for(after, perm) == []
    assert not Organization.objects.restrict(after, "change").exists()


def test_grants_are_read_every_time_when_no_generation_is_known(
    world, monkeypatch, django_assert_num_queries
):
    from ipcity.accounts.models import User
    from ipcity.core import generation
    from ipcity.core import scope as scope_module

    # As if the world's rows were committed, so that only the missing generation decides.
    monkeypatch.setattr(generation, "uncommitted", lambda connection: False)
    monkeypatch.setattr(generation, "current", lambda: "")
    for _ in range(2):
        user = User.objects.get(pk=world.bob.pk)
        with django_assert_num_queries(1):
            scope_module.grants_for(user, "orgs.change_organization")


def test_a_kept_reading_is_read_again_after_a_minute(world, monkeypatch, django_assert_num_queries):
    from ipcity.accounts.models import User
    from ipcity.core import generation
    from ipcity.core import scope as scope_module

    perm = "orgs.change_organization"
    monkeypatch.setattr(generation, "uncommitted", lambda connection: False)
    monkeypatch.setattr(generation, "current", lambda: "one-generation")
    clock = [1000.0]
    monkeypatch.setattr(generation.time, "monotonic", lambda: clock[0])
    scope_module.grants_for(User.objects.get(pk=world.bob.pk), perm)
    users = [User.objects.get(pk=world.bob.pk) for _ in range(2)]
    clock[0] += scope_module.SHARED_SECONDS - 1
    with django_assert_num_queries(0):
        scope_module.grants_for(users[0], perm)
    clock[0] += 2
    with django_assert_num_queries(1):
        scope_module.grants_for(users[1], perm)


def test_visible_pks_asks_the_database_only_when_the_scope_is_narrower(
    world, django_assert_num_queries
):
    from ipcity.core.scope import grants_for, perm_name, visible_pks

    pks = [world.enterprise_a.pk, world.enterprise_b.pk, world.unit.pk]
    for user in (world.alice, world.erin, world.charlie, world.bob, world.leo):
        grants_for(user, perm_name(Organization, "view"))  # read the grants first
    with django_assert_num_queries(0):
        assert visible_pks(Organization, world.alice, pks) == set(pks)
        assert visible_pks(Organization, world.leo, pks) == set(pks)
        assert visible_pks(Organization, world.alice, []) == set()
    with django_assert_num_queries(1):
        assert visible_pks(Organization, world.erin, pks) == {world.enterprise_a.pk}
    with django_assert_num_queries(1):
        assert world.enterprise_a.pk not in visible_pks(Organization, world.charlie, pks)
    assert visible_pks(Organization, world.bob, pks, "change") == {world.unit.pk}
    assert visible_pks(Organization, world.leo, pks, "change") == set()
