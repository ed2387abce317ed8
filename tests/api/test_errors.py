import pytest

LIST = "/api/orgs/organizations/"


def assert_error_format(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code
    assert body["message"]
    return body


def test_an_unknown_api_path_is_a_json_404(world, token_client):
    assert_error_format(token_client(world.alice).get("/api/nothing/here/"), 404, "not_found")


def test_a_path_without_its_trailing_slash_is_a_json_404(world, token_client):
    assert_error_format(token_client(world.alice).get("/api/orgs/organizations"), 404, "not_found")


def test_an_out_of_range_id_is_a_422_not_a_crash(world, token_client):
    body = assert_error_format(
        token_client(world.alice).get(f"/api/orgs/organizations/{2**70}/"), 422, "validation_error"
    )
    assert "org_id" in body["errors"]


def test_field_errors_name_the_field(world, token_client):
    body = assert_error_format(
        token_client(world.alice).get(LIST, {"limit": "many"}), 422, "validation_error"
    )
    assert list(body["errors"]) == ["limit"]


def test_an_empty_body_lists_the_required_fields(world, token_client):
    body = assert_error_format(
        token_client(world.alice).post(LIST, content_type="application/json"),
        422,
        "validation_error",
    )
    assert {"kind", "name"} <= set(body["errors"])


def test_an_unexpected_error_is_a_500_without_a_trace(world, token_client, monkeypatch, caplog):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("ipcity.orgs.api.paginate", explode)
    response = token_client(world.alice).get(LIST)
    body = assert_error_format(response, 500, "server_error")
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert body["errors"] == {}
    assert "secret internals" in caplog.text


@pytest.mark.parametrize("status", [401, 403, 404, 422, 500])
def test_the_error_schema_is_documented_on_every_operation(client, status):
    spec = client.get("/api/openapi.json").json()
    assert "ErrorOut" in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation["responses"][str(status)]["content"]["application/json"]
            assert content["schema"]["$ref"].endswith("/ErrorOut"), (method, path)


def test_field_errors_are_in_the_request_language(world, token_client):
    client = token_client(world.alice)
    english = client.get(LIST, {"limit": "many"}).json()
    assert english["errors"] == {"limit": ["Enter a whole number."]}
    chinese = client.get(LIST, {"limit": "many"}, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert chinese["errors"] == {"limit": ["请输入整数。"]}
    assert chinese["message"] == "请求无效。"
    empty = client.post(LIST, content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert empty.json()["errors"]["name"] == ["此项为必填项。"]


def test_a_limit_from_the_schema_is_named_in_the_message(world, token_client):
    body = token_client(world.alice).get(f"/api/orgs/organizations/{2**70}/").json()
    assert body["errors"]["org_id"] == [f"Enter a value of at most {2**63 - 1}."]


def test_an_unknown_pydantic_error_says_only_that_the_value_is_invalid():
    from ipcity.core.api.errors import pydantic_message

    assert pydantic_message({"type": "something_new", "msg": "English text"}) == "Invalid value."
    assert pydantic_message({"type": "literal_error", "ctx": {"expected": "'a' or 'b'"}}) == (
        "Choose one of: 'a', 'b'."
    )
