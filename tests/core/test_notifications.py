import pytest
from django.urls import reverse

from ipcity.core.models import Notification
from ipcity.core.notifications import notify


@pytest.fixture
def notes(world):
    return {
        "erin_unread": notify(world.erin, "专利年费即将到期", "请在 30 日内缴纳", "/orgs/"),
        "erin_read": notify(world.erin, "已读通知"),
        "charlie": notify(world.charlie, "乙公司的通知", link="/orgs/"),
    }


def test_user_sees_their_own_notifications_with_unread_highlighted(login, world, notes):
    Notification.objects.filter(pk=notes["erin_read"].pk).update(read_at="2024-01-01T00:00Z")
    response = login(world.erin).get(reverse("core:notifications"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "专利年费即将到期" in html
    assert "乙公司的通知" not in html
    assert html.count("list-group-item-primary") == 1


def test_unread_only_filter_hides_read_ones(login, world, notes):
    Notification.objects.filter(pk=notes["erin_read"].pk).update(read_at="2024-01-01T00:00Z")
    response = login(world.erin).get(reverse("core:notifications"), {"unread": "1"})
    assert [n.pk for n in response.context["page_obj"]] == [notes["erin_unread"].pk]


def test_read_only_leader_sees_an_empty_list(login, world, notes):
    response = login(world.leo).get(reverse("core:notifications"))
    assert response.status_code == 200
    assert not list(response.context["page_obj"])


def test_anonymous_visitor_is_sent_to_login(client, world):
    response = client.get(reverse("core:notifications"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_notification_list_runs_a_bounded_number_of_queries(
    login, world, django_assert_max_num_queries
):
    for n in range(40):
        notify(world.erin, f"通知 {n}")
    client = login(world.erin)
    # The page shell (menu, bell) adds its own few; what matters is no query per notification.
    with django_assert_max_num_queries(15):
        assert client.get(reverse("core:notifications")).status_code == 200


def test_opening_a_notification_marks_it_read_and_follows_its_link(login, world, notes):
    note = notes["erin_unread"]
    response = login(world.erin).get(reverse("core:notification_read", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/orgs/"
    note.refresh_from_db()
    assert note.read_at is not None


@pytest.mark.parametrize(
    "link",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_only_internal_links_are_followed(login, world, link):
    note = notify(world.erin, "链接", link=link)
    response = login(world.erin).get(reverse("core:notification_read", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:notifications")


@pytest.mark.parametrize("persona", ["charlie", "leo"])
def test_someone_elses_notification_is_not_found(login, world, notes, persona):
    note = notes["erin_unread"]
    response = login(getattr(world, persona)).get(reverse("core:notification_read", args=[note.pk]))
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read_touches_only_the_users_own(login, world, notes):
    response = login(world.erin).post(reverse("core:notifications_read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(user=world.erin, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=notes["charlie"].pk).read_at is None


def test_mark_all_read_needs_a_post(login, world, notes):
    assert login(world.erin).get(reverse("core:notifications_read_all")).status_code == 405
