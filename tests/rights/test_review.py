"""The attribution review list: a person places holders that no signal placed."""

import pytest
from django.urls import reverse

from ipcity.rights.choices import Attribution, AttributionSignal
from ipcity.rights.imports import run_import
from ipcity.rights.models import HolderAttribution, Patent

from .exports import number, record, write


@pytest.fixture
def unresolved(world, tmp_path):
    from tests.factories import make_region

    town = make_region("110112104000", "宋庄镇", "town", parent=world.district)
    path = write(
        tmp_path / "x.csv",
        "cnipa",
        [
            record(1, applicants="待定甲公司", address="新华北路1号"),
            record(2, applicants="待定甲公司;示例乙制造有限公司"),
            record(3, applicants="待定乙公司"),
            record(4, applicants="待定甲公司", address="北京市通州区新华北路1号"),
        ],
    )
    summary, _w, ok = run_import(path)
    assert ok and summary["attribution"]["unresolved"] == 3
    from ipcity.orgs.models import Organization

    return Organization.objects.get(name="待定甲公司"), town


def test_review_list_groups_unresolved_patents_by_first_holder(world, login, unresolved):
    response = login(world.alice).get(reverse("rights:review_list"))
    assert response.status_code == 200
    rows = [(r["organization__name"], r["patents"]) for r in response.context["page"]]
    assert rows == [("待定甲公司", 2), ("待定乙公司", 1)]


def test_review_list_runs_a_bounded_number_of_queries(
    world, login, unresolved, django_assert_max_num_queries
):
    client = login(world.alice)
    with django_assert_max_num_queries(12):
        client.get(reverse("rights:review_list"))


def test_deciding_a_holder_updates_its_unresolved_patents_with_history(world, login, unresolved):
    holder, town = unresolved
    client = login(world.alice)
    url = reverse("rights:review_holder", args=[holder.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"attribution": "in_district", "region": town.pk, "note": "实地核实"}
    )
    assert response.status_code == 302
    decided = Patent.objects.filter(application_number__in=[number(1), number(2)])
    assert {(p.attribution, p.attribution_signal, p.region_id) for p in decided} == {
        (Attribution.IN_DISTRICT, AttributionSignal.MANUAL, town.pk)
    }
    patent = decided.get(application_number=number(1))
    assert patent.history.latest().history_user == world.alice
    assert HolderAttribution.objects.get(organization=holder).decided_by == world.alice
    # The patent already placed by its own address keeps its signal.
    assert Patent.objects.get(application_number=number(4)).attribution_signal == "address"
    # The holder is gone from the list, the other one stays.
    rows = client.get(reverse("rights:review_list")).context["page"]
    assert [r["organization__name"] for r in rows] == ["待定乙公司"]


def test_later_imports_follow_the_holder_decision_and_do_not_override_it(
    world, login, unresolved, tmp_path
):
    holder, _town = unresolved
    login(world.alice).post(
        reverse("rights:review_holder", args=[holder.pk]), {"attribution": "outside"}
    )
    path = write(
        tmp_path / "y.csv",
        "cnipa",
        [record(1, applicants="待定甲公司"), record(9, applicants="待定甲公司")],
    )
    summary, _w, ok = run_import(path)
    assert ok
    assert summary["attribution"] == {"in_district": 0, "outside": 2, "unresolved": 0}
    assert Patent.objects.get(application_number=number(9)).attribution_signal == "manual"


def test_a_decision_outside_with_a_street_is_refused(world, login, unresolved):
    holder, town = unresolved
    response = login(world.alice).post(
        reverse("rights:review_holder", args=[holder.pk]),
        {"attribution": "outside", "region": town.pk},
    )
    assert response.status_code == 200
    assert "has no street or town" in response.content.decode()
    assert Patent.objects.filter(attribution="unresolved").count() == 3


def test_read_only_leader_may_not_open_or_decide(world, login, unresolved):
    holder, _town = unresolved
    client = login(world.leo)
    assert client.get(reverse("rights:review_list")).status_code == 403
    url = reverse("rights:review_holder", args=[holder.pk])
    assert client.post(url, {"attribution": "in_district"}).status_code == 403
    assert Patent.objects.filter(attribution="unresolved").count() == 3


def test_stranger_is_refused(world, login, unresolved):
    holder, _town = unresolved
    client = login(world.charlie)
    assert client.get(reverse("rights:review_list")).status_code == 403
    url = reverse("rights:review_holder", args=[holder.pk])
    assert client.post(url, {"attribution": "outside"}).status_code == 403


def test_a_holder_without_unresolved_patents_is_not_found(world, login, unresolved):
    client = login(world.alice)
    url = reverse("rights:review_holder", args=[world.enterprise_b.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("rights:review_holder", args=[999999])).status_code == 404
