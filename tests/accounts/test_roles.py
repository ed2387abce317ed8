import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from ipcity.accounts.models import Role, RoleAssignment
from tests.factories import grant, make_user


def perm(name):
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def role_data(**overrides):
    data = {
        "code": "patent_clerk",
        "name": "专利专员",
        "name_en": "Patent clerk",
        "description": "",
        "default_scope": "own",
        "is_active": "on",
        "permissions": [perm("orgs.view_organization").pk, perm("orgs.view_contact").pk],
    }
    data.update(overrides)
    return data


def assign_data(role, scope="", organization=None):
    return {
        "role": role.pk,
        "scope": scope,
        "organization": organization.pk if organization else "",
    }


@pytest.fixture
def newcomer(world):
    return make_user("nina", world.unit)


# Role list and detail -----------------------------------------------------------------------


def test_security_admin_sees_the_roles(login, world, admins):
    response = login(admins.sue).get(reverse("accounts:role_list"))
    assert response.status_code == 200
    codes = {r.code for r in response.context["page_obj"]}
    assert {"system_admin", "security_admin", "audit_admin", "leader"} <= codes


@pytest.mark.parametrize("persona", ["sam", "ada"])
def test_system_and_audit_admins_are_refused_the_roles(login, world, admins, persona):
    client = login(getattr(admins, persona))
    role = Role.objects.get(code="leader")
    assert client.get(reverse("accounts:role_list")).status_code == 403
    assert client.get(reverse("accounts:role_detail", args=[role.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["leo", "charlie"])
def test_leader_and_stranger_are_refused_the_roles(login, world, persona):
    client = login(getattr(world, persona))
    role = Role.objects.get(code="leader")
    assert client.get(reverse("accounts:role_list")).status_code == 403
    assert client.get(reverse("accounts:role_detail", args=[role.pk])).status_code == 404


def test_role_list_runs_a_bounded_number_of_queries(
    login, world, admins, django_assert_max_num_queries
):
    client = login(admins.sue)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("accounts:role_list")).status_code == 200


def test_role_page_shows_its_permissions_grouped_and_its_holders(login, world, admins):
    role = Role.objects.get(code="leader")
    response = login(admins.sue).get(reverse("accounts:role_detail", args=[role.pk]))
    assert response.status_code == 200
    checked = {
        perm
        for _app, models in response.context["permission_groups"]
        for _model, perms in models
        for perm, _label, is_checked in perms
        if is_checked
    }
    assert checked == set(role.permissions.all())
    assert "leo" in {a.user.username for a in response.context["assignments"]}


# Role create and edit -----------------------------------------------------------------------


def test_security_admin_creates_a_role_with_permissions(login, world, admins):
    client = login(admins.sue)
    assert client.get(reverse("accounts:role_create")).status_code == 200
    response = client.post(reverse("accounts:role_create"), role_data())
    role = Role.objects.get(code="patent_clerk")
    assert response.status_code == 302
    assert set(role.permissions.values_list("codename", flat=True)) == {
        "view_organization",
        "view_contact",
    }
    assert not role.is_builtin


def test_the_role_form_offers_the_platforms_permissions_as_grouped_checkboxes(login, world, admins):
    role = Role.objects.get(code="leader")
    response = login(admins.sue).get(reverse("accounts:role_edit", args=[role.pk]))
    labels = set(
        response.context["form"]
        .fields["permissions"]
        .queryset.values_list("content_type__app_label", flat=True)
    )
    assert {"accounts", "core", "orgs"} <= labels
    assert not labels & {"admin", "auth", "contenttypes", "sessions"}
    html = response.content.decode()
    assert (
        f'value="{perm("orgs.view_region").pk}" id="perm-{perm("orgs.view_region").pk}" checked'
        in html
    )


def test_a_role_cannot_combine_user_and_role_management(login, world, admins):
    data = role_data(
        permissions=[perm("accounts.change_user").pk, perm("accounts.add_roleassignment").pk]
    )
    response = login(admins.sue).post(reverse("accounts:role_create"), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Role.objects.filter(code="patent_clerk").exists()


def test_a_duplicate_role_code_is_refused(login, world, admins):
    response = login(admins.sue).post(reverse("accounts:role_create"), role_data(code="leader"))
    assert response.status_code == 200
    assert "code" in response.context["form"].errors


def test_security_admin_edits_a_role_but_not_its_code(login, world, admins):
    role = Role.objects.get(code="leader")
    response = login(admins.sue).post(
        reverse("accounts:role_edit", args=[role.pk]),
        role_data(code="renamed", name="区领导", permissions=[perm("orgs.view_region").pk]),
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.code == "leader"
    assert role.name == "区领导"
    assert list(role.permissions.values_list("codename", flat=True)) == ["view_region"]


def test_security_admin_cannot_change_the_permissions_of_their_own_role(login, world, admins):
    role = Role.objects.get(code="security_admin")
    before = set(role.permissions.all())
    response = login(admins.sue).post(
        reverse("accounts:role_edit", args=[role.pk]),
        role_data(
            code=role.code,
            name=role.name,
            permissions=[p.pk for p in before] + [perm("orgs.change_organization").pk],
        ),
    )
    assert response.status_code == 200
    assert set(role.permissions.all()) == before


def test_security_admin_cannot_deactivate_or_reactivate_their_own_role(login, world, admins):
    role = Role.objects.get(code="security_admin")
    data = role_data(
        code=role.code, name=role.name, permissions=[p.pk for p in role.permissions.all()]
    )
    del data["is_active"]
    response = login(admins.sue).post(reverse("accounts:role_edit", args=[role.pk]), data)
    assert response.status_code == 200
    role.refresh_from_db()
    assert role.is_active


def test_security_admin_may_rename_their_own_role(login, world, admins):
    role = Role.objects.get(code="security_admin")
    data = role_data(
        code=role.code, name="安全保密管理员", permissions=[p.pk for p in role.permissions.all()]
    )
    response = login(admins.sue).post(reverse("accounts:role_edit", args=[role.pk]), data)
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.name == "安全保密管理员"


def test_a_permission_that_gives_a_holder_a_second_duty_is_refused(login, world, admins):
    extra = Role.objects.create(code="helper", name="助手")
    grant(admins.sam, "helper")
    response = login(admins.sue).post(
        reverse("accounts:role_edit", args=[extra.pk]),
        role_data(code="helper", name="助手", permissions=[perm("core.view_history").pk]),
    )
    assert response.status_code == 200
    assert "sam" in str(response.context["form"].non_field_errors())
    assert not extra.permissions.exists()


@pytest.mark.parametrize("persona", ["sam", "ada"])
def test_other_admins_cannot_create_roles(login, world, admins, persona):
    response = login(getattr(admins, persona)).post(reverse("accounts:role_create"), role_data())
    assert response.status_code == 403
    assert not Role.objects.filter(code="patent_clerk").exists()


@pytest.mark.parametrize("persona", ["leo", "charlie"])
def test_leader_and_stranger_cannot_create_or_edit_roles(login, world, persona):
    client = login(getattr(world, persona))
    role = Role.objects.get(code="leader")
    assert client.post(reverse("accounts:role_create"), role_data()).status_code == 403
    assert client.get(reverse("accounts:role_edit", args=[role.pk])).status_code == 404


# Assignments --------------------------------------------------------------------------------


def test_security_admin_assigns_a_role_with_its_default_scope(login, world, admins, newcomer):
    role = Role.objects.get(code="unit_operator")
    url = reverse("accounts:assignment_create", args=[newcomer.pk])
    client = login(admins.sue)
    assert client.get(url).status_code == 200
    response = client.post(url, assign_data(role))
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=newcomer)
    assert assignment.role == role
    assert assignment.scope == "subtree"
    assert assignment.organization is None
    assert assignment.history.first().history_user == admins.sue


def test_an_assignment_may_be_anchored_at_a_parent_unit(login, world, admins):
    worker = make_user("wang", world.subunit)
    role = Role.objects.get(code="unit_operator")
    response = login(admins.sue).post(
        reverse("accounts:assignment_create", args=[worker.pk]),
        assign_data(role, scope="subtree", organization=world.unit),
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.get(user=worker).organization == world.unit


def test_an_anchor_outside_what_the_security_admin_may_pick_is_refused(
    login, world, admins, newcomer
):
    # A security administrator without organization read access may only anchor on the chain.
    Role.objects.get(code="security_admin").permissions.remove(
        Permission.objects.get(content_type__app_label="orgs", codename="view_organization")
    )
    role = Role.objects.get(code="unit_operator")
    response = login(admins.sue).post(
        reverse("accounts:assignment_create", args=[newcomer.pk]),
        assign_data(role, organization=world.enterprise_b),
    )
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors


def test_nobody_may_grant_themselves_a_role(login, world, admins):
    role = Role.objects.get(code="office_admin")
    response = login(admins.sue).post(
        reverse("accounts:assignment_create", args=[admins.sue.pk]), assign_data(role)
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not RoleAssignment.objects.filter(user=admins.sue, role=role).exists()


def test_one_person_cannot_hold_two_of_the_three_admin_duties(login, world, admins):
    role = Role.objects.get(code="system_admin")
    response = login(admins.sue).post(
        reverse("accounts:assignment_create", args=[admins.ada.pk]), assign_data(role)
    )
    assert response.status_code == 200
    assert not RoleAssignment.objects.filter(user=admins.ada, role=role).exists()


def test_a_role_the_user_already_holds_is_refused(login, world, admins):
    role = Role.objects.get(code="enterprise_user")
    response = login(admins.sue).post(
        reverse("accounts:assignment_create", args=[world.erin.pk]), assign_data(role)
    )
    assert response.status_code == 200
    assert "role" in response.context["form"].errors


def test_system_admin_cannot_assign_roles(login, world, admins, newcomer):
    role = Role.objects.get(code="office_admin")
    url = reverse("accounts:assignment_create", args=[newcomer.pk])
    assert login(admins.sam).post(url, assign_data(role)).status_code == 403
    assert not RoleAssignment.objects.filter(user=newcomer).exists()


@pytest.mark.parametrize("persona", ["leo", "charlie"])
def test_leader_and_stranger_cannot_assign_roles(login, world, persona, newcomer):
    role = Role.objects.get(code="office_admin")
    url = reverse("accounts:assignment_create", args=[newcomer.pk])
    assert login(getattr(world, persona)).post(url, assign_data(role)).status_code == 404
    assert not RoleAssignment.objects.filter(user=newcomer).exists()


def test_security_admin_removes_an_assignment(login, world, admins):
    assignment = RoleAssignment.objects.get(user=world.erin)
    response = login(admins.sue).post(reverse("accounts:assignment_delete", args=[assignment.pk]))
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert assignment.history.model.objects.filter(
        id=assignment.pk, history_type="-", history_user=admins.sue
    ).exists()


def test_security_admin_cannot_remove_their_own_role(login, world, admins):
    assignment = RoleAssignment.objects.get(user=admins.sue)
    login(admins.sue).post(reverse("accounts:assignment_delete", args=[assignment.pk]))
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_removing_an_assignment_needs_a_post(login, world, admins):
    assignment = RoleAssignment.objects.get(user=world.erin)
    url = reverse("accounts:assignment_delete", args=[assignment.pk])
    assert login(admins.sue).get(url).status_code == 405


@pytest.mark.parametrize("persona", ["sam", "ada"])
def test_other_admins_cannot_remove_assignments(login, world, admins, persona):
    assignment = RoleAssignment.objects.get(user=world.erin)
    url = reverse("accounts:assignment_delete", args=[assignment.pk])
    assert login(getattr(admins, persona)).post(url).status_code == 404
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


@pytest.mark.parametrize("persona", ["leo", "charlie"])
def test_leader_and_stranger_cannot_remove_assignments(login, world, persona):
    assignment = RoleAssignment.objects.get(user=world.erin)
    url = reverse("accounts:assignment_delete", args=[assignment.pk])
    assert login(getattr(world, persona)).post(url).status_code == 404
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_a_new_assignment_takes_effect_on_the_next_request(login, world, admins, newcomer):
    client = login(newcomer)
    assert client.get(reverse("accounts:user_list")).status_code == 403
    grant(newcomer, "system_admin")
    assert client.get(reverse("accounts:user_list")).status_code == 200
