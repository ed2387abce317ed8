import re

from django.contrib.staticfiles import finders


def test_the_openapi_spec_is_served(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["title"] == "ipcity API"
    assert "/api/orgs/organizations/" in spec["paths"]
    assert {"TokenAuth", "SessionAuth"} <= set(spec["components"]["securitySchemes"])


def test_the_docs_load_their_assets_from_our_own_static_files(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    for url in urls:
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), url
    # A host name, not any "cdn" (a random CSRF token on the page may contain those letters).
    assert not re.search(r"//[^\"'\s]*cdn", html, re.I)
