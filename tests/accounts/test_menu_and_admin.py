import re

import pytest

from ipcity.core.menu import menu_for


def system_entries(user):
    section = next(s for s in menu_for(user) if s["key"] == "system")
    return {item.url_name for item in section["items"]}


def test_system_admin_finds_users_but_not_roles_in_the_menu(world, admins):
    entries = system_entries(admins.sam)
    assert "accounts:user_list" in entries
    assert "accounts:role_list" not in entries


def test_security_admin_finds_roles_in_the_menu(world, admins):
    assert {"accounts:user_list", "accounts:role_list"} <= system_entries(admins.sue)


@pytest.mark.parametrize("persona", ["leo", "charlie"])
def test_leader_and_stranger_find_no_account_pages_in_the_menu(world, persona):
    entries = system_entries(getattr(world, persona))
    assert not entries & {"accounts:user_list", "accounts:role_list"}


@pytest.mark.parametrize(
    "model",
    [
        "accounts/user",
        "accounts/role",
        "accounts/roleassignment",
        "accounts/apitoken",
        "core/job",
        "core/notification",
        "core/holiday",
        "orgs/region",
        "orgs/organization",
        "orgs/contact",
    ],
)
def test_superuser_opens_every_django_admin_list(client, world, model, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(root)
    assert client.get(f"/django-admin/{model}/").status_code == 200


def test_superuser_opens_a_user_in_django_admin_with_history(client, world, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(root)
    assert client.get(f"/django-admin/accounts/user/{world.erin.pk}/change/").status_code == 200
    assert client.get(f"/django-admin/accounts/user/{world.erin.pk}/history/").status_code == 200


# The navbar's entries as the layout wrote them with a template loop before core.menu.menu_html.
MENU_TEMPLATE = """{% load i18n %}{% for section in menu %}{% if section.items %}
<li class="nav-item dropdown">
  <a class="nav-link dropdown-toggle" href="#" role="button" data-bs-toggle="dropdown" aria-expanded="false">{{ section.label }}</a>
  <ul class="dropdown-menu">
    {% for item in section.items %}
      <li><a class="dropdown-item" href="{{ item.url }}">{% if item.icon %}<i class="bi bi-{{ item.icon }} me-2"></i>{% endif %}{{ item.label }}</a></li>
    {% endfor %}
  </ul>
</li>
{% else %}
<li class="nav-item"><span class="nav-link disabled" aria-disabled="true" title="{% translate 'Nothing here for you yet' %}">{{ section.label }}</span></li>
{% endif %}{% endfor %}"""  # noqa: E501


def _tight(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_menu_is_written_as_the_template_wrote_it(world, admins, monkeypatch, language):
    from django.template import engines
    from django.utils import translation

    from ipcity.core import menu

    # An entry whose label and icon need escaping.
    extra = menu.MenuItem("plan", "A <b> & \"'", "core:notifications", None, 1, 'x"><b')
    assert all(item.url_name != extra.url_name for item in menu._ITEMS)
    monkeypatch.setattr(menu, "_ITEMS", [*menu._ITEMS, extra])
    menu._menu_html.cache_clear()
    template = engines["django"].from_string(MENU_TEMPLATE)
    assert any(not s["items"] for s in menu.menu_for(world.charlie))  # greyed-out sections
    with translation.override(language):
        for user in (admins.sam, world.leo, world.charlie):
            sections = menu.menu_for(user)
            expected = _tight(template.render({"menu": sections}))
            assert _tight(menu.menu_html(sections)) == expected
            assert menu.menu_html(sections) is menu.menu_html(menu.menu_for(user))  # kept
    assert "A &lt;b&gt; &amp; &quot;&#x27;" in expected
    menu._menu_html.cache_clear()


def test_every_page_shows_the_users_menu_in_the_requests_language(client, world, admins):
    from ipcity.core.menu import menu_for

    client.force_login(admins.sam)
    entries = [item for s in menu_for(admins.sam) for item in s["items"]]
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert all(f'href="{item.url}"' in page for item in entries)
    assert "系统" in page
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">System</a>" in page


def test_entries_are_in_order_and_an_entry_registered_later_is_shown(world, monkeypatch):
    from ipcity.core import menu

    monkeypatch.setattr(menu, "_ITEMS", list(menu._ITEMS))
    before = menu.menu_for(world.alice)
    for section in before:
        orders = [item.order for item in section["items"]]
        assert orders == sorted(orders), section["key"]
    menu.register("statistics", "first of all", "core:home", perm=None, order=-1)
    after = {s["key"]: s["items"] for s in menu.menu_for(world.alice)}
    assert after["statistics"][0].label == "first of all"
    assert [s["key"] for s in before] == list(after)
    for section in before:
        rest = [i for i in after[section["key"]] if i.label != "first of all"]
        assert rest == section["items"]
