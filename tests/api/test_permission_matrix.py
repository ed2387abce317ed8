"""The permission matrix of the whole API, from its own OpenAPI document: every operation refuses
an anonymous caller where it declares authentication, and every role of the platform reads every
list endpoint with a clean answer — its rows (200) or a refusal (403, or 404 where the module
hides what a reader may not know exists) — never a server error, and
writes nowhere it has no permission to."""

import re

import pytest
from django.test import Client

from ipcity.accounts.models import APIToken, Role

from ..factories import make_user


@pytest.fixture(scope="module")
def spec(django_db_blocker):
    with django_db_blocker.unblock():
        return Client().get("/api/openapi.json").json()


def _operations(spec):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_operation_refuses_anonymous_callers(world, spec):
    client = Client()
    checked = 0
    for path, method, operation in _operations(spec):
        secured = operation.get("security", spec.get("security"))
        if not secured:
            continue
        response = getattr(client, method)(_concrete(path), content_type="application/json")
        assert response.status_code == 401, (method, path, response.status_code)
        checked += 1
    assert checked > 100


def test_every_role_reads_every_list_cleanly(world, spec):
    lists = [
        path
        for path, method, _ in _operations(spec)
        if method == "get" and "{" not in path and not path.endswith("openapi.json")
    ]
    assert len(lists) > 30
    roles = list(Role.objects.filter(is_active=True).order_by("code"))
    assert len(roles) >= 10
    for role in roles:
        user = make_user(f"matrix_{role.code}", world.office, role.code)
        _, key = APIToken.issue(user, "matrix")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        for path in lists:
            response = client.get(path)
            assert response.status_code in (200, 403, 404), (role.code, path, response.status_code)
            assert response["Content-Type"].startswith("application/json"), (role.code, path)


def test_roles_without_write_permissions_change_nothing(world, spec):
    """The read-only leader and an enterprise user POST an empty body to every creating
    endpoint: refused or rejected as invalid, never accepted, never a server error."""
    creating = [path for path, method, _ in _operations(spec) if method == "post"]
    for user in (world.leo, world.charlie):
        _, key = APIToken.issue(user, "matrix")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        for path in creating:
            response = client.post(_concrete(path), {}, content_type="application/json")
            assert response.status_code in (400, 403, 404, 405, 409, 422), (
                user.username,
                path,
                response.status_code,
            )
