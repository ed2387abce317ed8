"""Certificate pages: list and filters, detail with audits, create and edit, status changes,
audits, history, statistics; each with the allowed, read-only and stranger personas."""

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from ipcity.accounts.models import Role
from ipcity.core.menu import menu_for
from ipcity.utilization.models import Certificate

from ..factories import grant, make_org, make_region, make_user
from .test_certification import make_cert, pin_today  # noqa: F401

LIST = "utilization:certificate_list"


def url(name, *args):
    return reverse(f"utilization:certificate_{name}", args=args)


def listed(client, **params):
    response = client.get(reverse(LIST), params)
    assert response.status_code == 200
    return {row.record.number for row in response.context["table"].paginated_rows}


@pytest.fixture
def certs(world, pin_today):  # noqa: F811
    """Pinned to 2026-03-01: A has an overdue 2013 certificate and a converted one; B has a 2023
    certificate expiring within 90 days and a withdrawn one."""
    pin_today(date(2026, 3, 1))
    a_old = make_cert(world.enterprise_a, "A-2013", issue=date(2024, 3, 10))
    a_conv = make_cert(world.enterprise_a, "A-CONV", issue=date(2023, 6, 1))
    Certificate.objects.filter(pk=a_conv.pk).update(
        standard_version="2023", converted_on=date(2024, 6, 5)
    )
    b_new = make_cert(
        world.enterprise_b,
        "B-2023",
        version="2023",
        issue=date(2024, 1, 20),
        expiry_date=date(2026, 4, 15),
    )
    b_gone = make_cert(world.enterprise_b, "B-GONE", issue=date(2023, 1, 5), status="withdrawn")
    return {"a_old": a_old, "a_conv": a_conv, "b_new": b_new, "b_gone": b_gone}


def test_alice_lists_certificates_with_flags_counts_and_filters(world, login, certs):
    client = login(world.alice)
    response = client.get(reverse(LIST))
    body = response.content.decode()
    assert {"A-2013", "A-CONV", "B-2023", "B-GONE"} == listed(client)
    assert body.count('data-flag="transition-overdue"') == 1
    assert response.context["counts"] == {"valid": 2, "overdue": 1, "expiring": 1}
    assert url("add") in body and url("stats") in body
    assert reverse("core:import_upload", args=["utilization.certificate"]) in body
    assert listed(client, transition_overdue="true") == {"A-2013"}
    assert listed(client, transition_overdue="false") == {"A-CONV", "B-2023", "B-GONE"}
    assert listed(client, standard_version="2013") == {"A-2013", "B-GONE"}
    assert listed(client, status="withdrawn") == {"B-GONE"}
    assert listed(client, issue_year=2023) == {"A-CONV", "B-GONE"}
    assert listed(client, valid_at_end_of=2025) == {"A-2013", "A-CONV", "B-2023"}
    assert listed(client, valid_at_end_of=2026) == set()
    assert listed(client, valid_at_end_of=2023, standard_version="2013") == {"A-CONV"}
    assert listed(client, valid_on="2026-03-01") == {"A-CONV", "B-2023"}
    assert listed(client, expiring_within=90) == {"B-2023"}
    assert listed(client, organization=world.enterprise_b.pk) == {"B-2023", "B-GONE"}
    assert listed(client, street=world.street.pk) == {"A-2013", "A-CONV", "B-2023", "B-GONE"}
    assert listed(client, street="null") == set()
    assert listed(client, q="conv") == {"A-CONV"}
    assert listed(client, q=world.enterprise_b.name) == {"B-2023", "B-GONE"}


def test_the_list_answers_htmx_with_the_table_and_exports(world, login, certs):
    client = login(world.alice)
    response = client.get(
        reverse(LIST),
        {"standard_version": "2013"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="object-table",
    )
    assert response.status_code == 200 and b"<html" not in response.content
    response = client.get(reverse(LIST), {"export": "xlsx", "status": "valid"})
    assert response.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    numbers = {row[4] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert numbers == {"A-2013", "A-CONV", "B-2023"}


def test_list_queries_do_not_grow_with_rows(world, login, certs, django_assert_max_num_queries):
    client = login(world.alice)
    client.get(reverse(LIST))
    with django_assert_max_num_queries(16) as few:
        client.get(reverse(LIST))
    for n in range(30):
        make_cert(world.enterprise_b, f"MANY-{n}", version="2023", issue=date(2025, 1, 2))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse(LIST), {"per_page": 50})
    assert len(response.context["table"].paginated_rows) == 34


def test_erin_sees_only_her_enterprise(world, login, certs):
    client = login(world.erin)
    assert listed(client) == {"A-2013", "A-CONV"}
    assert client.get(url("detail", certs["a_old"].pk)).status_code == 200
    assert client.get(url("detail", certs["b_new"].pk)).status_code == 404
    assert client.get(url("edit", certs["a_old"].pk)).status_code == 403
    assert client.get(url("add")).status_code == 403
    assert client.get(reverse(LIST)).context["counts"]["overdue"] == 1
    # The enterprise filter offers only what she sees.
    form = client.get(reverse(LIST)).context["filterset"].form
    assert list(form.fields["organization"].queryset) == [world.enterprise_a]


def test_charlie_the_stranger_gets_404_on_a_certificate(world, login, certs):
    client = login(world.charlie)
    cert = certs["a_old"]
    assert listed(client) == {"B-2023", "B-GONE"}
    for name in ("detail", "history"):
        assert client.get(url(name, cert.pk)).status_code == 404
    assert (
        client.post(url("status", cert.pk), {"action": "suspend", "on": "2026-02-01"}).status_code
        == 404
    )
    audit = cert.audits.first()
    assert client.post(url("audit_record", cert.pk, audit.pk), {}).status_code == 404
    response = client.post(url("audit_add", cert.pk), {"new-audit-due_date": "2025-06-01"})
    assert response.status_code == 404
    assert cert.audits.count() == 2
    assert client.get(url("detail", 999999)).status_code == 404


def test_leo_reads_everything_and_changes_nothing(world, login, certs):
    client = login(world.leo)
    cert = certs["a_old"]
    assert len(listed(client)) == 4
    body = client.get(url("detail", cert.pk)).content.decode()
    assert url("edit", cert.pk) not in body and url("status", cert.pk) not in body
    assert client.get(url("history", cert.pk)).status_code == 200
    assert client.get(url("stats")).status_code == 200
    assert client.get(url("add")).status_code == 403
    assert client.get(url("edit", cert.pk)).status_code == 403
    assert client.post(url("edit", cert.pk), {}).status_code == 403
    assert client.post(url("delete", cert.pk)).status_code == 403
    response = client.post(url("status", cert.pk), {"action": "suspend", "on": "2026-02-01"})
    assert response.status_code == 403
    audit = cert.audits.first()
    data = {f"audit-{audit.pk}-done_date": "2025-03-12", f"audit-{audit.pk}-result": "passed"}
    assert client.post(url("audit_record", cert.pk, audit.pk), data).status_code == 403
    audit.refresh_from_db()
    assert audit.result == "planned"
    assert (
        client.post(url("audit_add", cert.pk), {"new-audit-due_date": "2025-06-01"}).status_code
        == 403
    )
    assert cert.audits.count() == 2


def test_detail_shows_the_audits_the_overdue_warning_and_actions(world, login, certs):
    client = login(world.alice)
    cert = certs["a_old"]
    response = client.get(url("detail", cert.pk))
    body = response.content.decode()
    assert 'data-testid="transition-overdue"' in body
    assert "2025-03-10" in body and "2026-03-10" in body
    assert url("status", cert.pk) in body and url("edit", cert.pk) in body
    assert [a["audit"].due_date for a in response.context["audits"]] == [
        date(2025, 3, 10),
        date(2026, 3, 10),
    ]
    body = client.get(url("detail", certs["a_conv"].pk)).content.decode()
    assert 'data-testid="transition-overdue"' not in body and 'data-flag="converted"' in body


def test_alice_adds_a_certificate_with_the_default_expiry(world, login, certs):
    client = login(world.alice)
    assert client.get(url("add")).status_code == 200
    response = client.post(
        url("add"),
        {
            "organization": world.enterprise_a.pk,
            "standard_version": "2023",
            "number": "NEW-1",
            "body_name": "示例知识产权认证中心",
            "issue_date": "2025-06-30",
        },
    )
    cert = Certificate.objects.get(number="NEW-1")
    assert response.status_code == 302 and response["Location"] == url("detail", cert.pk)
    assert cert.expiry_date == date(2028, 6, 30)
    assert cert.audits.count() == 2


def test_bad_dates_are_field_errors_and_nothing_is_written(world, login, certs):
    response = login(world.alice).post(
        url("add"),
        {
            "organization": world.enterprise_a.pk,
            "standard_version": "2023",
            "number": "BAD-1",
            "body_name": "示例认证",
            "issue_date": "2025-06-30",
            "expiry_date": "2025-01-01",
        },
    )
    assert response.status_code == 400
    assert "after the issue date" in response.context["form"].errors["expiry_date"][0]
    assert not Certificate.objects.filter(number="BAD-1").exists()


def test_editing_dates_moves_the_planned_audits(world, login, certs):
    cert = certs["b_new"]
    client = login(world.alice)
    form = client.get(url("edit", cert.pk)).context["form"]
    assert "status" not in form.fields
    response = client.post(
        url("edit", cert.pk),
        {
            "organization": world.enterprise_b.pk,
            "standard_version": "2023",
            "number": "B-2023",
            "body_name": "示例认证",
            "issue_date": "2024-02-20",
            "expiry_date": "2027-02-19",
        },
    )
    assert response.status_code == 302
    assert list(cert.audits.values_list("due_date", flat=True)) == [
        date(2025, 2, 20),
        date(2026, 2, 20),
    ]


def test_alice_suspends_and_the_history_says_so(world, login, certs):
    cert = certs["b_new"]
    client = login(world.alice)
    response = client.post(
        url("status", cert.pk), {"action": "suspend", "on": "2026-02-20", "note": "未按期监督审核"}
    )
    assert response.status_code == 302
    cert.refresh_from_db()
    assert (cert.status, cert.status_date) == ("suspended", date(2026, 2, 20))
    body = client.get(url("history", cert.pk)).content.decode()
    assert "未按期监督审核" in body and "Suspended" in body
    # A change that does not apply is a message, not an error page.
    response = client.post(url("status", cert.pk), {"action": "suspend", "on": "2026-02-21"})
    assert response.status_code == 302
    cert.refresh_from_db()
    assert cert.status_date == date(2026, 2, 20)


def test_alice_records_an_audit_that_converts_the_certificate(world, login, certs):
    cert = certs["a_old"]
    audit = cert.audits.order_by("due_date").first()
    client = login(world.alice)
    prefix = f"audit-{audit.pk}"
    response = client.post(
        url("audit_record", cert.pk, audit.pk),
        {
            f"{prefix}-done_date": "2025-03-12",
            f"{prefix}-result": "passed",
            f"{prefix}-shows_convert": "1",
            f"{prefix}-converts_to_2023": "on",
            f"{prefix}-notes": "转版",
        },
    )
    assert response.status_code == 302
    cert.refresh_from_db()
    audit.refresh_from_db()
    assert (audit.result, audit.done_date, audit.notes) == ("passed", date(2025, 3, 12), "转版")
    assert (cert.standard_version, cert.converted_on) == ("2023", date(2025, 3, 12))
    assert cert.expiry_date == date(2027, 3, 10)
    assert audit.due_date == date(2025, 3, 10)
    body = client.get(url("history", cert.pk)).content.decode()
    assert "Converted at a surveillance audit" in body and "2025-03-10" in body
    assert listed(client, transition_overdue="true") == set()


def test_a_bad_audit_result_is_a_message_and_nothing_changes(world, login, certs):
    cert = certs["b_new"]
    audit = cert.audits.order_by("due_date").first()
    client = login(world.alice)
    response = client.post(
        url("audit_record", cert.pk, audit.pk),
        {f"audit-{audit.pk}-done_date": "", f"audit-{audit.pk}-result": "passed"},
        follow=True,
    )
    assert "Give the date the audit was held." in response.content.decode()
    audit.refresh_from_db()
    assert audit.result == "planned"


def test_alice_adds_a_special_audit(world, login, certs):
    cert = certs["b_new"]
    response = login(world.alice).post(
        url("audit_add", cert.pk),
        {
            "new-audit-due_date": "2025-09-01",
            "new-audit-done_date": "2025-09-02",
            "new-audit-result": "passed",
        },
    )
    assert response.status_code == 302
    assert cert.audits.filter(due_date=date(2025, 9, 1), result="passed").exists()


def test_alice_deletes_a_certificate(world, login, certs):
    cert = certs["b_gone"]
    client = login(world.alice)
    assert client.get(url("delete", cert.pk)).status_code == 200
    assert client.post(url("delete", cert.pk)).status_code == 302
    assert not Certificate.objects.filter(pk=cert.pk).exists()


def test_every_statistics_figure_links_to_a_list_of_exactly_its_rows(world, login, certs):
    north = make_region("110112002000", "北苑街道", "street", parent=world.district)
    make_cert(
        make_org("示例丙有限公司", region=north), "C-2023", version="2023", issue=date(2025, 5, 5)
    )
    make_cert(make_org("示例丁有限公司"), "D-2023", version="2023", issue=date(2024, 8, 8))
    client = login(world.alice)
    response = client.get(url("stats"))
    assert response.status_code == 200
    stats = response.context["stats"]
    figures = []
    for row in stats["years"]:
        figures += [(row["issued"], row["issued_url"]), (row["valid"], row["valid_url"])]
        figures += [(cell["count"], cell["url"]) for cell in row["by_edition"]]
    for row in stats["streets"]:
        figures += [(row["valid"], row["valid_url"]), (row["overdue"], row["overdue_url"])]
        figures += [(cell["count"], cell["url"]) for cell in row["by_edition"]]
    assert len(figures) > 20 and sum(n for n, _ in figures) > 10
    body = response.content.decode()
    for count, link in figures:
        assert link.replace("&", "&amp;") in body
        params = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
        response = client.get(reverse(LIST), {**params, "per_page": 100})
        assert response.context["table"].paginator.count == count, (link, count)
    streets = {row["name"]: row["valid"] for row in stats["streets"]}
    assert streets == {"中仓街道": 2, "北苑街道": 1, "": 1}


def test_statistics_are_scoped_to_the_reader(world, login, certs):
    stats = login(world.erin).get(url("stats")).context["stats"]
    assert sum(row["issued"] for row in stats["years"]) == 2
    assert stats["overdue"] == 1 and stats["valid"] == 1
    charlie = login(world.charlie).get(url("stats")).context["stats"]
    assert charlie["overdue"] == 0 and charlie["valid"] == 1


def test_menu_entries_show_to_viewers(world):
    def entries(user):
        return {
            item.url_name
            for section in menu_for(user)
            if section["key"] == "utilization"
            for item in section["items"]
        }

    ours = {LIST, "utilization:certificate_stats"}
    for user in (world.alice, world.leo, world.erin, world.charlie):
        assert ours <= entries(user), user
    nobody = make_user("nobody", world.enterprise_a)  # no role: no certificates to see
    assert not ours & entries(nobody)


def test_certificates_not_valid_show_no_audit_to_come(world, login, certs):
    client = login(world.alice)

    def next_audits():
        response = client.get(reverse(LIST), {"per_page": 50})
        return {r.record.number: r.record.next_audit for r in response.context["table"].rows}

    assert next_audits() == {
        "A-2013": None,  # transition overdue: not valid
        "A-CONV": date(2024, 6, 1),
        "B-2023": date(2025, 1, 20),
        "B-GONE": None,  # withdrawn
    }
    cert = certs["b_new"]
    assert [a["overdue"] for a in client.get(url("detail", cert.pk)).context["audits"]] == [
        True,
        True,
    ]
    client.post(url("status", cert.pk), {"action": "suspend", "on": "2026-02-20"})
    assert next_audits()["B-2023"] is None
    response = client.get(url("detail", cert.pk))
    assert [a["overdue"] for a in response.context["audits"]] == [False, False]
    assert 'text-bg-warning">Overdue' not in response.content.decode()


def reader_role(code, codenames, scope="district"):
    role = Role.objects.create(code=code, name=code, default_scope=scope)
    role.permissions.add(
        *Permission.objects.filter(content_type__app_label="utilization", codename__in=codenames)
    )
    return role


def test_audits_are_read_through_their_own_scope(world, login, certs):
    reader_role("cert_reader", ["view_certificate"])
    reader = make_user("rhea", world.office)
    grant(reader, "cert_reader")
    client = login(reader)
    cert = certs["b_new"]
    response = client.get(url("detail", cert.pk))
    assert response.status_code == 200 and response.context["audits"] == []
    rows = client.get(reverse(LIST)).context["table"].rows
    assert len(rows) == 4 and all(r.record.next_audit is None for r in rows)
    history = client.get(url("history", cert.pk)).context["rows"]
    assert history and all(r["record"].instance_type is Certificate for r in history)
    # The office sees them all.
    client = login(world.alice)
    assert len(client.get(url("detail", cert.pk)).context["audits"]) == 2
    history = client.get(url("history", cert.pk)).context["rows"]
    assert any(r["record"].instance_type is not Certificate for r in history)


def test_the_form_offers_the_enterprises_the_user_may_add_certificates_for(world, login, certs):
    reader_role("cert_clerk", ["view_certificate", "add_certificate", "change_certificate"], "own")
    grant(world.leo, "cert_clerk", organization=world.enterprise_a)
    client = login(world.leo)  # reads every organization, adds certificates for A only
    form = client.get(url("add")).context["form"]
    assert list(form.fields["organization"].queryset) == [world.enterprise_a]
    data = {
        "organization": world.enterprise_b.pk,
        "standard_version": "2023",
        "number": "CLERK-1",
        "body_name": "示例知识产权认证中心",
        "issue_date": "2025-06-30",
    }
    response = client.post(url("add"), data)
    assert response.status_code == 400 and "organization" in response.context["form"].errors
    response = client.post(url("add"), {**data, "organization": world.enterprise_a.pk})
    assert response.status_code == 302
    assert Certificate.objects.get(number="CLERK-1").organization == world.enterprise_a


def test_a_transition_overdue_certificate_shows_a_warning_status_not_valid(world, login, certs):
    """The 2013 certificate not converted by the end of the transition is counted not valid; the
    list and the detail show its status as transition-overdue, never the green "Valid"."""
    client = login(world.alice)
    body = client.get(reverse(LIST), {"q": "A-2013"}).content.decode()
    assert 'data-status="transition-overdue"' in body
    assert "text-bg-warning" in body and 'data-status="valid"' not in body
    body = client.get(reverse(LIST), {"q": "B-2023"}).content.decode()
    assert 'class="badge text-bg-success" data-status="valid"' in body
    body = client.get(url("detail", certs["a_old"].pk)).content.decode()
    status = body.split('data-testid="status">')[1].split("</td>")[0]
    assert 'data-status="transition-overdue"' in status and "text-bg-success" not in status
    assert "Transition overdue" in status
    body = client.get(url("detail", certs["a_conv"].pk)).content.decode()
    assert 'data-status="valid"' in body.split('data-testid="status">')[1].split("</td>")[0]


def test_the_conversion_box_is_offered_only_where_a_conversion_is_possible(
    world,
    login,
    certs,
    pin_today,  # noqa: F811
):
    """After the 2013 transition ended, "convert to 2023" is offered only at an audit due or held
    by its end (recorded late); at later audits it would always be refused, so it is hidden."""
    cert = certs["a_old"]  # audits due 2025-03-10 and 2026-03-10; transition ended 2025-12-31
    early, late = cert.audits.order_by("due_date")
    client = login(world.alice)
    response = client.get(url("detail", cert.pk))
    body = response.content.decode()
    assert f'name="audit-{early.pk}-converts_to_2023"' in body
    assert f'name="audit-{late.pk}-converts_to_2023"' not in body
    early.done_date, early.result = date(2025, 3, 12), "failed"
    early.save()
    body = client.get(url("detail", cert.pk)).content.decode()
    assert f'name="audit-{early.pk}-converts_to_2023"' in body
    # Before the transition ended, every audit of a 2013 certificate offers it.
    pin_today(date(2025, 6, 1))
    body = client.get(url("detail", cert.pk)).content.decode()
    assert f'name="audit-{late.pk}-converts_to_2023"' in body
    # A 2023 certificate never does.
    body = client.get(url("detail", certs["b_new"].pk)).content.decode()
    assert "converts_to_2023" not in body


def test_the_enterprise_filter_offers_holders_by_name(world, login, certs):
    make_org("示例无证书科技有限公司")
    client = login(world.alice)
    response = client.get(reverse(LIST))
    field = response.context["filterset"].form.fields["organization"]
    assert set(field.queryset) == {world.enterprise_a, world.enterprise_b}
    assert f">{world.enterprise_b.name}</option>" in response.content.decode()
    assert listed(client, organization=world.enterprise_a.pk) == {"A-2013", "A-CONV"}
    assert listed(client, organization=999999) == set()
    erin = login(world.erin).get(reverse(LIST)).context["filterset"].form.fields["organization"]
    assert set(erin.queryset) == {world.enterprise_a}
    # charlie's link to A's certificates matches nothing.
    assert listed(login(world.charlie), organization=world.enterprise_a.pk) == set()
