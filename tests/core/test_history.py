from django.contrib.auth.models import Permission
from django.urls import reverse

from ipcity.accounts.models import Role
from ipcity.orgs.models import Contact, Organization

from ..factories import grant, make_org, make_user

BIN = reverse("core:recycle_bin")
HISTORY = reverse("core:change_history")


def history_url(org):
    return reverse("orgs:organization_history", args=[org.pk])


def restore_url(history_id, label="orgs.organization"):
    return reverse("core:restore_deleted", args=[label, history_id])


def make_restorer(world):
    """An office administrator who also holds the restore permission (no built-in role has it)."""
    restorer = Role.objects.create(code="restorer", name="恢复", default_scope="district")
    restorer.permissions.add(Permission.objects.get(codename="restore_deleted"))
    admin = make_user("rita", world.office, "office_admin")
    grant(admin, "restorer")
    return admin


def deleted_record(org):
    pk = org.pk
    org.delete()
    org.pk = pk
    return Organization.history.filter(id=pk, history_type="-").get()


def rename(client, org, name):
    data = {"kind": org.kind, "name": name, "uscc": org.uscc, "is_active": "on"}
    if org.region_id:
        data["region"] = org.region_id
    return client.post(reverse("orgs:organization_edit", args=[org.pk]), data)


def test_history_tab_shows_who_changed_what_with_before_and_after(world, login):
    client = login(world.alice)
    rename(client, world.enterprise_a, "示例甲科技股份有限公司")
    response = client.get(history_url(world.enterprise_a))
    body = response.content.decode()
    assert response.status_code == 200
    change = next(r for r in response.context["rows"] if r["type"] == "~")
    assert change["user"] == world.alice
    assert {"field": "name", "old": "示例甲科技有限公司", "new": "示例甲科技股份有限公司"} in [
        {**c, "field": "name"} for c in change["changes"] if c["old"] == "示例甲科技有限公司"
    ]
    assert "diff-old" in body and "diff-new" in body


def test_history_shows_related_records_by_name(world, login):
    client = login(world.alice)
    org = make_org("示例庚有限公司")
    data = {"kind": org.kind, "name": org.name, "parent": world.unit.pk, "is_active": "on"}
    client.post(reverse("orgs:organization_edit", args=[org.pk]), data)
    rows = client.get(history_url(org)).context["rows"]
    assert any(c["new"] == world.unit.name for c in rows[0]["changes"])


def test_history_tab_follows_the_scope(world, login):
    assert login(world.leo).get(history_url(world.enterprise_a)).status_code == 200
    assert login(world.charlie).get(history_url(world.enterprise_a)).status_code == 404


def test_a_deleted_organization_is_restored_from_the_recycle_bin(world, login):
    org = make_org("示例辛有限公司", uscc="91110000600037341L")
    Contact.objects.create(organization=org, name="赵六")
    admin = make_restorer(world)
    client = login(admin)
    client.post(reverse("orgs:organization_delete", args=[org.pk]))
    assert not Organization.objects.filter(pk=org.pk).exists()

    response = client.get(BIN)
    assert response.status_code == 200
    row = next(r for r in response.context["rows"] if r["object_label"] == "示例辛有限公司")
    assert row["user"] == admin

    response = client.post(restore_url(row["record"].history_id))
    restored = Organization.objects.get(pk=org.pk)
    assert response["Location"] == restored.get_absolute_url()
    assert restored.uscc == "91110000600037341L"
    assert restored.history.first().history_user == admin
    labels = [r["object_label"] for r in client.get(BIN).context["rows"]]
    assert "示例辛有限公司" not in labels
    # The contact went with its organization and waits in the bin to be restored on its own.
    contact_row = next(r for r in client.get(BIN).context["rows"] if r["object_label"] == "赵六")
    client.post(restore_url(contact_row["record"].history_id, "orgs.contact"))
    assert Contact.objects.filter(organization=restored, name="赵六").exists()


def test_the_office_administrator_restores_from_the_recycle_bin(world, login):
    org = make_org()
    record = deleted_record(org)
    client = login(world.alice)
    assert client.get(BIN).status_code == 200
    client.post(restore_url(record.history_id))
    assert Organization.objects.filter(pk=org.pk).exists()


def test_the_recycle_bin_needs_the_restore_permission(world, login):
    org = make_org()
    record = deleted_record(org)
    for persona in (world.bob, world.leo, world.charlie):
        client = login(persona)
        assert client.get(BIN).status_code == 403
        assert client.post(restore_url(record.history_id)).status_code == 403
    assert not Organization.objects.filter(pk=org.pk).exists()


def test_the_audit_administrator_reads_the_global_change_history(world, login):
    auditor = make_user("audrey", world.office, "audit_admin")
    rename(login(world.alice), world.enterprise_a, "示例甲科技集团有限公司")
    client = login(auditor)
    response = client.get(HISTORY, {"model": "orgs.organization", "type": "~", "user": "alice"})
    assert response.status_code == 200
    assert any(r["object_label"] == "示例甲科技集团有限公司" for r in response.context["rows"])
    assert client.get(HISTORY, {"before": "2000-01-01T00:00:00+00:00"}).context["rows"] == []


def test_the_global_change_history_is_closed_to_others(world, login):
    for persona in (world.alice, world.leo, world.charlie):
        assert login(persona).get(HISTORY).status_code == 403


def test_history_and_recycle_bin_appear_in_the_system_menu(world, login):
    auditor = make_user("audrey", world.office, "audit_admin")
    body = login(auditor).get(reverse("core:home")).content.decode()
    assert HISTORY in body
    assert BIN not in body


def test_restoring_twice_says_it_is_already_restored(world, login):
    org = make_org("示例壬有限公司")
    record = deleted_record(org)
    client = login(make_restorer(world))
    client.post(restore_url(record.history_id))
    response = client.post(restore_url(record.history_id), follow=True)
    assert response.status_code == 200
    assert Organization.objects.filter(pk=org.pk).count() == 1


def test_restoring_a_record_whose_unique_code_is_taken_explains_the_conflict(world, login):
    org = make_org("示例癸有限公司", uscc="91110000600037341L")
    record = deleted_record(org)
    make_org("后来者有限公司", uscc="91110000600037341L")
    response = login(make_restorer(world)).post(restore_url(record.history_id), follow=True)
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    assert not Organization.objects.filter(pk=org.pk).exists()


def test_a_malformed_before_date_is_ignored_not_a_crash(world, login):
    auditor = make_user("audra", world.office, "audit_admin")
    assert login(auditor).get(HISTORY, {"before": "2025-13-45T00:00"}).status_code == 200


def test_the_audit_wide_history_hides_the_values_of_case_files(world, client):
    """Enforcement case files are marked `history_values_private`: the audit administrator's
    history of all records names who changed which field when, not the case's contents."""
    import datetime

    from ipcity.protection.models import Case
    from tests.factories import make_user

    auditor = make_user("audrey", world.office, "audit_admin")
    case = Case.objects.create(
        agency=world.office,
        number="测试〔2026〕1号",
        title="秘密的案件标题",
        right_type="trademark",
        opened_on=datetime.date(2026, 3, 2),
        decision_due=datetime.date(2026, 5, 31),
        conduct="当事人销售侵权商品",
    )
    case.conduct = "当事人销售侵权商品二万件"
    case.save()
    client.force_login(auditor)
    page = client.get("/history/", {"model": "protection.case"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "秘密的案件标题" not in body and "二万件" not in body
    assert "(restricted)" in body
