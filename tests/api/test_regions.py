from urllib.parse import urlencode

import pytest
from django.http import QueryDict

from ipcity.orgs.filters import RegionFilterSet
from ipcity.orgs.models import Region
from tests.factories import make_region

LIST = "/api/orgs/regions/"


def detail(region):
    return f"/api/orgs/regions/{region.pk}/"


def test_alice_lists_the_regions(world, token_client):
    response = token_client(world.alice).get(LIST)
    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == ["110112", "110112001000"]


def test_regions_are_reference_data_every_viewer_sees(world, token_client):
    assert token_client(world.charlie).get(LIST).json()["count"] == Region.objects.count()


def test_a_user_without_the_permission_sees_no_regions(world, token_client):
    from tests.factories import make_user

    nobody = make_user("nobody", world.enterprise_b)
    response = token_client(nobody).get(LIST)
    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert token_client(nobody).get(detail(world.street)).status_code == 404


def test_anonymous_callers_get_401(world, anon):
    assert anon.get(LIST).status_code == 401
    assert anon.get(detail(world.street)).status_code == 401


def test_the_detail_names_the_parent(world, token_client):
    response = token_client(world.leo).get(detail(world.street))
    assert response.status_code == 200
    assert response.json()["parent"]["code"] == "110112"


@pytest.mark.parametrize(
    "params", [{}, {"q": "中仓"}, {"q": "110112001"}, {"kind": "street"}, {"parent": "district"}]
)
def test_filters_give_the_same_rows_as_the_ui_filterset(world, token_client, params):
    params = {k: world.district.pk if v == "district" else v for k, v in params.items()}
    response = token_client(world.alice).get(LIST, params)
    assert response.status_code == 200
    expected = RegionFilterSet(
        data=QueryDict(urlencode(params, doseq=True)),
        queryset=Region.objects.restrict(world.alice, "view"),
    ).qs
    assert {r["id"] for r in response.json()["results"]} == set(
        expected.values_list("pk", flat=True)
    )


def test_alice_creates_a_town(world, token_client):
    response = token_client(world.alice).post(
        LIST,
        {"code": "110112100000", "name": "宋庄镇", "kind": "town", "parent": world.district.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    town = Region.objects.get(code="110112100000")
    assert town.parent_code == "110112"
    assert town.history.first().history_user == world.alice


def test_a_bad_division_code_is_a_422_field_error(world, token_client):
    response = token_client(world.alice).post(
        LIST, {"code": "12ab", "name": "某镇", "kind": "town"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["code"]


def test_leo_may_not_create_or_change_regions(world, token_client):
    client = token_client(world.leo)
    created = client.post(
        LIST,
        {"code": "110112100000", "name": "宋庄镇", "kind": "town"},
        content_type="application/json",
    )
    assert created.status_code == 403
    changed = client.patch(detail(world.street), {"name": "x"}, content_type="application/json")
    assert changed.status_code == 403
    world.street.refresh_from_db()
    assert world.street.name == "中仓街道"


def test_alice_renames_a_street_and_keeps_the_rest(world, token_client):
    response = token_client(world.alice).patch(
        detail(world.street), {"name": "中仓街道办事处"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    world.street.refresh_from_db()
    assert world.street.name == "中仓街道办事处"
    assert world.street.parent == world.district
    assert world.street.code == "110112001000"


def test_the_region_list_runs_a_bounded_number_of_queries(
    world, token_client, django_assert_max_num_queries
):
    client = token_client(world.alice)
    for n in range(30):
        make_region(f"110112{200 + n:03d}000", f"测试镇{n}", "town", parent=world.district)
    with django_assert_max_num_queries(8):
        response = client.get(LIST, {"limit": 200})
    assert response.json()["count"] == Region.objects.count()
