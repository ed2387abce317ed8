"""Writes made in the Django admin reach the audit trail, and the chain stays intact."""

from datetime import date

import pytest
from django.contrib import admin

from ipcity.core import audit
from ipcity.core.admin_audit import AuditedAdmin
from ipcity.core.models import AuditEntry, Holiday

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(user)
    return user


def test_every_registered_admin_is_audited():
    plain = [
        f"{model._meta.label}: {type(model_admin).__name__}"
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedAdmin)
    ]
    assert not plain, f"Django admin pages whose writes escape the audit trail: {plain}"
    assert len(admin.site._registry) >= 12  # the platform's own and those of installed packages


def test_add_change_and_delete_in_the_admin_are_recorded(client, root):
    form = {"date": "2031-10-01", "kind": "holiday", "name": "国庆节", "source": "admin"}
    response = client.post("/django-admin/core/holiday/add/", form)
    assert response.status_code == 302, response.content[:2000]
    holiday = Holiday.objects.get(date=date(2031, 10, 1))

    form["name"] = "国庆节（调整）"
    response = client.post(f"/django-admin/core/holiday/{holiday.pk}/change/", form)
    assert response.status_code == 302

    response = client.post(f"/django-admin/core/holiday/{holiday.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Holiday.objects.filter(pk=holiday.pk).exists()

    entries = list(
        AuditEntry.objects.filter(object_type="core.holiday", object_id=str(holiday.pk)).order_by(
            "seq"
        )
    )
    assert [e.action for e in entries] == ["admin_added", "admin_changed", "admin_deleted"]
    assert all(e.actor_id == root.pk and e.actor_username == "root" for e in entries)
    assert entries[1].details["via"] == "django-admin"
    assert entries[1].details["change"] == [{"changed": {"fields": ["Name"]}}]
    assert entries[2].summary.startswith("2031-10-01")
    assert audit.verify() is None


def test_bulk_delete_action_records_each_object(client, root):
    days = [
        Holiday.objects.create(date=date(2032, 1, d), kind="holiday", name="元旦") for d in (1, 2)
    ]
    response = client.post(
        "/django-admin/core/holiday/",
        {
            "action": "delete_selected",
            "_selected_action": [str(d.pk) for d in days],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not Holiday.objects.filter(date__year=2032).exists()
    deleted = set(
        AuditEntry.objects.filter(action="admin_deleted").values_list("object_id", flat=True)
    )
    assert deleted == {str(d.pk) for d in days}


def test_a_refused_admin_write_records_nothing(client, django_user_model):
    staff = django_user_model.objects.create_user("staffer", password="x", is_staff=True)
    client.force_login(staff)
    before = AuditEntry.objects.filter(action__startswith="admin_").count()
    response = client.post(
        "/django-admin/core/holiday/add/",
        {"date": "2033-01-01", "kind": "holiday", "name": "x", "source": "admin"},
    )
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action__startswith="admin_").count() == before
    assert not Holiday.objects.filter(date=date(2033, 1, 1)).exists()
