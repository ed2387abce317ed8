from urllib.parse import urlencode

import pytest
from django.http import QueryDict

from ipcity.orgs.filters import OrganizationFilterSet
from ipcity.orgs.models import Organization
from tests.factories import make_org

LIST = "/api/orgs/organizations/"

# A code of the right shape whose GB 32100 check digit is wrong.
BAD_CHECK_DIGIT = "91110112MA01ABCD1Y"


def detail(org):
    return f"/api/orgs/organizations/{org.pk}/"


def ids(response):
    return {row["id"] for row in response.json()["results"]}


def test_alice_lists_every_organization(world, token_client):
    response = token_client(world.alice).get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == Organization.objects.count()
    assert ids(response) == set(Organization.objects.values_list("pk", flat=True))


def test_the_list_shows_only_the_callers_scope(world, token_client):
    response = token_client(world.charlie).get(LIST)
    assert response.status_code == 200
    assert ids(response) == {world.enterprise_b.pk}


def test_anonymous_callers_get_401_in_the_error_format(world, anon):
    response = anon.get(LIST)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert set(response.json()) == {"code", "message", "errors"}


def test_the_session_of_a_signed_in_user_works(world, login):
    response = login(world.leo).get(LIST)
    assert response.status_code == 200
    assert response.json()["count"] == Organization.objects.count()


def test_the_detail_shows_an_organization_in_scope(world, token_client):
    response = token_client(world.alice).get(detail(world.enterprise_a))
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == world.enterprise_a.name
    assert body["region"] == {
        "id": world.street.pk,
        "code": world.street.code,
        "name": world.street.name,
    }
    assert body["uscc"] == "91110112MA01ABCD1X"


def test_leo_may_read_an_organization(world, token_client):
    assert token_client(world.leo).get(detail(world.enterprise_a)).status_code == 200


def test_a_stranger_gets_404_for_another_enterprise(world, token_client):
    response = token_client(world.charlie).get(detail(world.enterprise_a))
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": response.json()["message"],
        "errors": {},
    }


def test_an_unknown_id_is_404(world, token_client):
    assert token_client(world.alice).get("/api/orgs/organizations/999999/").status_code == 404


def test_alice_creates_an_organization(world, token_client):
    response = token_client(world.alice).post(
        LIST,
        {"kind": "enterprise", "name": "示例丙有限公司", "region": world.street.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    org = Organization.objects.get(pk=response.json()["id"])
    assert org.name == "示例丙有限公司"
    assert org.region == world.street
    assert org.history.first().history_user == world.alice


def test_a_failing_check_digit_is_accepted_with_a_warning(world, token_client):
    response = token_client(world.alice).post(
        LIST,
        {"kind": "enterprise", "name": "示例丁有限公司", "uscc": BAD_CHECK_DIGIT},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["uscc"] == BAD_CHECK_DIGIT
    assert response.json()["uscc_warning"]


def test_a_malformed_uscc_is_a_422_field_error(world, token_client):
    response = token_client(world.alice).post(
        LIST,
        {"kind": "enterprise", "name": "示例戊有限公司", "uscc": "12345"},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["errors"]) == ["uscc"]


def test_a_missing_name_is_a_422_field_error(world, token_client):
    response = token_client(world.alice).post(
        LIST, {"kind": "enterprise"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "name" in response.json()["errors"]


def test_an_unreadable_body_is_a_400(world, token_client):
    response = token_client(world.alice).post(LIST, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_leo_may_not_create(world, token_client):
    response = token_client(world.leo).post(
        LIST, {"kind": "enterprise", "name": "示例己有限公司"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Organization.objects.filter(name="示例己有限公司").exists()


def test_alice_changes_only_the_fields_sent(world, token_client):
    response = token_client(world.alice).patch(
        detail(world.enterprise_a), {"short_name": "甲科技"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    world.enterprise_a.refresh_from_db()
    assert world.enterprise_a.short_name == "甲科技"
    assert world.enterprise_a.uscc == "91110112MA01ABCD1X"
    assert world.enterprise_a.region == world.street


def test_null_clears_the_region(world, token_client):
    response = token_client(world.alice).patch(
        detail(world.enterprise_a), {"region": None}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["region"] is None


def test_leo_gets_403_when_changing(world, token_client):
    response = token_client(world.leo).patch(
        detail(world.enterprise_a), {"short_name": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    world.enterprise_a.refresh_from_db()
    assert world.enterprise_a.short_name == ""


def test_a_stranger_gets_404_when_changing(world, token_client):
    response = token_client(world.charlie).patch(
        detail(world.enterprise_a), {"short_name": "x"}, content_type="application/json"
    )
    assert response.status_code == 404


def test_an_enterprise_user_changes_their_own_organization(world, token_client):
    response = token_client(world.erin).patch(
        detail(world.enterprise_a), {"address": "通州区某路1号"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content


def test_a_malformed_uscc_on_update_is_a_422(world, token_client):
    response = token_client(world.alice).patch(
        detail(world.enterprise_a), {"uscc": "ABC"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "uscc" in response.json()["errors"]


def test_a_wrong_method_is_405_in_the_error_format(world, token_client):
    response = token_client(world.alice).delete(detail(world.enterprise_a))
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "PATCH" in response["Allow"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "示例"},
        {"kind": "government"},
        {"kind": ["government", "enterprise"]},
        {"region": "district"},
        {"region": "street"},
        {"uscc": "91110112ma01abcd1x"},
        {"parent": "unit"},
        {"uscc_warning": "true"},
        {"uscc_warning": "false"},
        {"is_active": "true"},
    ],
)
def test_filters_give_the_same_rows_as_the_ui_filterset(world, token_client, params):
    lookup = {"district": world.district.pk, "street": world.street.pk, "unit": world.unit.pk}
    params = {k: lookup.get(v, v) if isinstance(v, str) else v for k, v in params.items()}
    make_org("示例庚有限公司", uscc=BAD_CHECK_DIGIT, uscc_warning="check digit")
    response = token_client(world.alice).get(LIST, params)
    assert response.status_code == 200, response.content
    expected = OrganizationFilterSet(
        data=QueryDict(urlencode(params, doseq=True)),
        queryset=Organization.objects.restrict(world.alice, "view"),
    ).qs
    assert ids(response) == set(expected.values_list("pk", flat=True))


def test_an_invalid_filter_value_is_a_422(world, token_client):
    response = token_client(world.alice).get(LIST, {"kind": "castle"})
    assert response.status_code == 422
    assert "kind" in response.json()["errors"]


def test_an_unknown_region_in_the_filter_is_a_422(world, token_client):
    response = token_client(world.alice).get(LIST, {"region": 999999})
    assert response.status_code == 422
    assert "region" in response.json()["errors"]


def test_pages_are_bounded_and_say_where_the_next_one_starts(world, token_client):
    client = token_client(world.alice)
    total = Organization.objects.count()
    first = client.get(LIST, {"limit": 2}).json()
    assert first["count"] == total
    assert len(first["results"]) == 2
    assert first["next_offset"] == 2
    last = client.get(LIST, {"limit": 2, "offset": total - 1}).json()
    assert len(last["results"]) == 1
    assert last["next_offset"] is None
    too_many = client.get(LIST, {"limit": 201})
    assert too_many.status_code == 422
    assert "limit" in too_many.json()["errors"]


def test_the_list_runs_a_bounded_number_of_queries(
    world, token_client, django_assert_max_num_queries
):
    client = token_client(world.alice)
    for n in range(30):
        make_org(f"测试分页企业{n}", parent=world.unit, region=world.street)
    with django_assert_max_num_queries(8):
        response = client.get(LIST, {"limit": 200})
    assert len(response.json()["results"]) == Organization.objects.count()


def test_a_unit_operator_changes_a_subordinate_unit_but_not_an_enterprise(world, token_client):
    client = token_client(world.bob)
    response = client.patch(
        detail(world.subunit), {"short_name": "科创中心"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert client.get(detail(world.enterprise_a)).status_code == 404
    assert {row["id"] for row in client.get(LIST).json()["results"]} == {
        world.unit.pk,
        world.subunit.pk,
    }


def test_a_parent_filter_does_not_reveal_a_unit_outside_the_scope(world, client):
    client.force_login(world.erin)
    hidden = client.get(f"/api/orgs/organizations/?parent={world.unit.pk}")
    missing = client.get("/api/orgs/organizations/?parent=999999")
    assert hidden.status_code == missing.status_code == 422
