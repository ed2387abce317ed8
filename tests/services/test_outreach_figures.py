"""The overview figures: every figure equals the number of rows its link shows, for each reader."""

from datetime import date
from urllib.parse import parse_qsl, urlsplit

import pytest

from ipcity.services import outreach

from .builders_outreach import make_attendance, make_course, make_event, make_talent


@pytest.fixture
def data(sworld):
    make_event(sworld.unit, "专利周", kind="patent_week", channel="onsite", reach=300)
    make_event(sworld.office, "微信专题", channel="wechat", reach=5000)
    make_event(sworld.office, "电视专访", kind="media", channel="tv", reach=20000)
    make_event(sworld.office, "去年", starts_on=date(2024, 4, 26), reach=7)
    make_event(sworld.center.organization, "草稿", published=False, reach=3)
    course = make_course(sworld.unit)
    make_attendance(course, "甲", organization=sworld.enterprise_a, certificate_number="1")
    make_attendance(course, "乙", organization=sworld.enterprise_b, certificate_number="2")
    make_attendance(course, "丙", organization=sworld.enterprise_a, passed=False, hours=3)
    old = make_course(sworld.unit, "旧课", starts_on=date(2024, 3, 1))
    make_attendance(old, "丁", organization=sworld.enterprise_a, certificate_number="3")
    make_talent(sworld.unit, "郑", kind="ip_manager")
    make_talent(sworld.center.organization, "王")


def _rows(client, url):
    parts = urlsplit(url)
    response = client.get(parts.path, dict(parse_qsl(parts.query)) | {"per_page": 100})
    assert response.status_code == 200
    return [row.record for row in response.context["table"].paginated_rows]


@pytest.mark.parametrize("who", ["alice", "bob", "erin", "leo", "sam"])
def test_figures_match_their_lists(sworld, login, data, who):
    user = getattr(sworld, who)
    client = login(user)
    figures = outreach.figures(user, 2025)
    events = _rows(client, figures["events"]["url"])
    assert figures["events"]["value"] == len(events)
    assert figures["reach"]["value"] == sum(e.reach for e in events)
    for row in figures["reach_by_channel"] + figures["reach_by_kind"]:
        listed = _rows(client, row["url"])
        assert row["events"] == len(listed) and row["value"] == sum(e.reach for e in listed)
    assert figures["courses"]["value"] == len(_rows(client, figures["courses"]["url"]))
    attendances = _rows(client, figures["attendances"]["url"])
    assert figures["attendances"]["value"] == len(attendances)
    assert figures["training_hours"]["value"] == sum(a.hours for a in attendances)
    certified = _rows(client, figures["certificates"]["url"])
    assert figures["certificates"]["value"] == len(certified)
    assert all(a.certificate_number for a in certified)
    if figures["talent"] is not None:
        for row in figures["talent_by_kind"]:
            assert row["value"] == len(_rows(client, row["url"]))
    else:
        assert who == "erin"


def test_figures_values(sworld, data):
    figures = outreach.figures(sworld.alice, 2025)
    assert figures["events"]["value"] == 4
    assert figures["reach"]["value"] == 25303
    assert figures["attendances"]["value"] == 3
    assert figures["certificates"]["value"] == 2
    assert {r["key"]: r["value"] for r in figures["talent_by_kind"]} == {
        "ip_manager": 1,
        "patent_agent": 1,
    }
    erin = outreach.figures(sworld.erin, 2025)
    assert erin["events"]["value"] == 3 and erin["attendances"]["value"] == 2
