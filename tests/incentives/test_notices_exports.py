"""Award list (xlsx) and notice (docx) open and hold the applicants and amounts; the public
pages list notices and take objections with CSRF, honeypot and rate limit."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from ipcity.incentives.models import Objection

from .builders_awards import approved, make_program, published

pytestmark = pytest.mark.django_db


def test_award_list_and_notice_documents(iworld, login, client):
    iw = iworld
    program = make_program(iw.office, name="通州区知识产权资助")
    app = approved(iw, program)
    notice = published(iw, program, [app])
    login(iw.alice)
    response = client.get(reverse("incentives:notice_download", args=[notice.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert iw.enterprise_a.name in values and "91110112MA01ABCD1X" in values
    assert 10000.0 in values
    response = client.get(reverse("incentives:notice_download", args=[notice.pk, "docx"]))
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs) + "".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells
    )
    assert iw.enterprise_a.name in text and "10,000.00" in text
    client.logout()
    assert login(iw.charlie).get(
        reverse("incentives:notice_download", args=[notice.pk, "xlsx"])
    ).status_code in (403, 404)


def test_public_pages_and_objection_form(iworld, settings):
    iw = iworld
    program = make_program(iw.office)
    app = approved(iw, program)
    notice = published(iw, program, [app])
    client = Client(enforce_csrf_checks=True)
    assert program.name in client.get(reverse("incentives_public:program_list")).content.decode()
    assert notice.title in client.get(reverse("incentives_public:notice_list")).content.decode()
    url = reverse("incentives_public:notice_detail", args=[notice.pk])
    page = client.get(url)
    assert iw.enterprise_a.name in page.content.decode()
    token = (
        page.cookies["csrftoken"].value
        if "csrftoken" in page.cookies
        else client.cookies["csrftoken"].value
    )
    data = {
        "application": app.pk,
        "objector_name": "王五",
        "objector_contact": "13800000000",
        "reason": "专利已转让",
        "csrfmiddlewaretoken": token,
    }
    assert Client(enforce_csrf_checks=True).post(url, data).status_code == 403  # no CSRF cookie
    assert client.post(url, {**data, "website": "http://spam"}).status_code == 400
    assert client.post(url, data).status_code == 302
    assert Objection.objects.count() == 1
    settings.IPCITY_PUBLIC_FORM_RATE = 2
    assert client.post(url, data).status_code == 429
    draft_url = reverse("incentives_public:notice_detail", args=[notice.pk + 1000])
    assert client.get(draft_url).status_code == 404
