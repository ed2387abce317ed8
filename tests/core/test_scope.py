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
