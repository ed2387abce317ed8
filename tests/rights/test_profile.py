import datetime
import json

from django.urls import reverse

from .registry_builders import (
    make_copyright,
    make_event,
    make_gi,
    make_patent,
    make_pvr,
    make_trademark,
)


def profile(org):
    return reverse("rights:profile", args=[org.pk])


def build_portfolio(world):
    a = world.enterprise_a
    first = make_patent("专利一", holders=[a], filing_date=datetime.date(2021, 4, 1))
    make_patent("专利二", holders=[a], filing_date=datetime.date(2022, 4, 1), is_high_value=True)
    make_patent(
        "专利三", holders=[a], filing_date=datetime.date(2022, 6, 1), patent_type="utility_model"
    )
    make_patent("别人的专利", holders=[world.enterprise_b], filing_date=datetime.date(2022, 1, 1))
    make_trademark("甲标", holder=a)
    make_copyright("甲软件", holder=a)
    make_event(first, "pledge", date=datetime.date(2023, 5, 1), counterparty="示例银行")
    return first


def test_profile_counts_rights_by_type_with_links_to_filtered_lists(world, login):
    build_portfolio(world)
    response = login(world.alice).get(profile(world.enterprise_a))
    assert response.status_code == 200
    rights = {str(r["label"]): r for r in response.context["rights"]}
    assert rights["Invention"]["count"] == 2 and rights["Utility model"]["count"] == 1
    assert rights["Trademarks"]["count"] == 1
    assert rights["Copyrights: Computer software"]["count"] == 1
    assert f"holder={world.enterprise_a.pk}" in rights["Invention"]["url"]
    assert "patent_type=invention" in rights["Invention"]["url"]
    assert response.context["high_value_count"] == 1
    body = response.content.decode()
    assert "示例银行" in body and "专利一" in body


def test_profile_trend_is_data_for_the_static_chart_script(world, login):
    build_portfolio(world)
    body = login(world.alice).get(profile(world.enterprise_a)).content.decode()
    start = body.index('<script id="profile-trend" type="application/json">') + len(
        '<script id="profile-trend" type="application/json">'
    )
    trend = json.loads(body[start : body.index("</script>", start)])
    assert trend["years"] == ["2021", "2022"]
    series = {s["name"]: s["data"] for s in trend["series"]}
    assert series["Invention"] == [1, 1] and series["Utility model"] == [0, 1]
    assert "rights/charts.js" in body and "vendor/echarts/echarts.min.js" in body


def test_the_filtered_list_behind_a_count_shows_those_rights(world, login):
    build_portfolio(world)
    client = login(world.alice)
    rights = client.get(profile(world.enterprise_a)).context["rights"]
    url = next(r["url"] for r in rights if str(r["label"]) == "Invention")
    body = client.get(url).content.decode()
    assert "专利一" in body and "专利二" in body
    assert "专利三" not in body and "别人的专利" not in body


def test_erin_sees_the_profile_of_her_own_enterprise(world, login):
    build_portfolio(world)
    client = login(world.erin)
    assert client.get(profile(world.enterprise_a)).status_code == 200
    assert client.get(profile(world.enterprise_b)).status_code == 404


def test_leo_reads_any_profile(world, login):
    build_portfolio(world)
    assert login(world.leo).get(profile(world.enterprise_a)).status_code == 200


def test_charlie_gets_404_for_another_enterprise_profile(world, login):
    build_portfolio(world)
    client = login(world.charlie)
    assert client.get(profile(world.enterprise_a)).status_code == 404
    assert client.get(profile(world.enterprise_b)).status_code == 200


def test_profile_asks_anonymous_users_to_sign_in(world, client):
    assert client.get(profile(world.enterprise_a)).status_code == 302


def test_organization_page_links_to_its_profile(world, login):
    body = (
        login(world.erin)
        .get(reverse("orgs:organization_detail", args=[world.enterprise_a.pk]))
        .content.decode()
    )
    assert profile(world.enterprise_a) in body


def test_profile_runs_a_bounded_number_of_queries(world, login, django_assert_max_num_queries):
    first = build_portfolio(world)
    for i in range(20):
        make_event(first, "licence", date=datetime.date(2020, 1, 1 + i))
    client = login(world.alice)
    client.get(profile(world.enterprise_a))
    with django_assert_max_num_queries(20):
        assert client.get(profile(world.enterprise_a)).status_code == 200


def test_profile_counts_every_kind_and_status_in_few_queries(
    world, login, django_assert_num_queries
):
    """Valid and lapsed, with and without a filing date, each other kind of right: the patent
    counts come from one grouped query, the other rights' from another."""
    a = world.enterprise_a
    build_portfolio(world)
    make_patent(
        "失效专利", holders=[a], filing_date=datetime.date(2022, 2, 1), legal_status="lapsed"
    )
    make_patent("无日期专利", holders=[a], patent_type="design")
    make_copyright("甲作品", holder=a, kind="work")
    make_copyright("甲软件二", holder=a)
    make_pvr(holder=a)
    make_gi(applicant=a)
    make_gi(name="别人的标志", applicant=world.enterprise_b)
    from ipcity.rights.views.profile import profile_data

    with django_assert_num_queries(3):  # patents, the other rights, the grants
        data = profile_data(world.alice, a)
    rights = {str(r["label"]): r for r in data["rights"]}
    assert (rights["Invention"]["count"], rights["Invention"]["valid"]) == (3, 2)
    assert (rights["Design"]["count"], rights["Design"]["valid"]) == (1, 1)
    assert rights["Copyrights: Computer software"]["count"] == 2
    assert rights["Copyrights: Work"]["count"] == 1
    assert rights["Plant variety rights"]["count"] == 1
    assert rights["Geographical indications"]["count"] == 1
    assert rights["Trademarks"]["count"] == 1
    assert data["patent_total"] == 5 and data["high_value_count"] == 1
    assert data["trend"]["years"] == ["2021", "2022"]
    series = {s["name"]: s["data"] for s in data["trend"]["series"]}
    assert series["Invention"] == [1, 2] and series["Design"] == [0, 0]
    # Erin, of enterprise A, reads the same counts through her own scope.
    assert profile_data(world.erin, a)["rights"] == data["rights"]
