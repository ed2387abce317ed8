"""The public complaint form and status look-up: no sign-in, bad inputs answered clearly with
nothing written, the rate limit, and a status page that reveals nothing to a wrong pair."""

import datetime

import pytest
from django.test import Client

from ipcity.protection import leads
from ipcity.protection.choices import LeadSource
from ipcity.protection.models import Lead, LeadAttachment

from .test_leads_actions import EXE, PDF, _isolated, pdf, public_fields  # noqa: F401

pytestmark = pytest.mark.django_db

FORM = "/public/protection/complaint/"
DONE = "/public/protection/complaint/done/"
STATUS = "/public/protection/status/"


@pytest.fixture
def anon():
    return Client(enforce_csrf_checks=True)


def csrf_post(client, url, data):
    client.get(url)
    data = {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    return client.post(url, data)


def test_pages_render_for_anonymous(pworld, anon):
    page = anon.get(FORM)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Report an IP infringement" in text and 'name="website"' in text
    assert "csrfmiddlewaretoken" in text and 'enctype="multipart/form-data"' in text
    # Only agencies listed on the public form are offered.
    assert "通州区市场监管综合执法大队" in text and "通州区农业综合执法大队" not in text
    assert anon.get(STATUS).status_code == 200
    assert anon.get(DONE).status_code == 302  # nothing submitted in this session


def test_csrf_stays_on(pworld, anon):
    assert anon.post(FORM, public_fields()).status_code == 403
    assert Lead.objects.count() == 0


def test_submit_shows_tracking_code(pworld, anon):
    response = csrf_post(
        anon, FORM, {**public_fields(), "agency": pworld.amr.pk, "attachments": [pdf()]}
    )
    assert response.status_code == 302 and response["Location"] == DONE
    lead = Lead.objects.get()
    assert lead.source == LeadSource.PUBLIC and lead.agency == pworld.amr
    assert lead.attachments.count() == 1
    done = anon.get(DONE)
    assert lead.tracking_code in done.content.decode()
    # Kept for the session: a repeated submission (double click) lands on this page again.
    assert lead.tracking_code in anon.get(DONE).content.decode()


@pytest.mark.parametrize(
    "overrides,files,message",
    [
        (
            {"complainant_phone": "", "complainant_email": ""},
            [],
            "Give a phone number or an email address",
        ),
        ({"complainant_email": "not-an-email"}, [], "Enter a valid email address"),
        ({}, [("big.pdf", PDF + b"x" * 4000)], "files up to"),
        ({}, [("setup.pdf", EXE)], "is not a file type accepted here"),
        ({}, [(f"{i}.pdf", PDF) for i in range(6)], "At most 5 files"),
        ({"website": "http://spam.example"}, [], "a hidden field was filled in"),
        ({"agency": "999999"}, [], "Select a valid choice"),
    ],
)
def test_bad_inputs(pworld, anon, settings, overrides, files, message):
    settings.IPCITY_ATTACHMENT_MAX_BYTES = 2000
    data = {**public_fields(**overrides)}
    data["attachments"] = [pdf(name, content) for name, content in files]
    response = csrf_post(anon, FORM, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Nothing has been sent yet" in response.content.decode()
    assert Lead.objects.count() == 0 and LeadAttachment.objects.count() == 0


def test_rate_limit(pworld, anon, settings):
    settings.IPCITY_PUBLIC_FORM_RATE = 2
    for _ in range(2):
        assert csrf_post(anon, FORM, public_fields()).status_code == 302
    response = csrf_post(anon, FORM, public_fields())
    assert response.status_code == 429
    assert "Too many submissions" in response.content.decode()
    assert Lead.objects.count() == 2
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(FORM, public_fields()).status_code == 302
    assert Lead.objects.count() == 3


def test_status_lookup(pworld, anon):
    p = pworld
    lead = leads.create_lead(
        None,
        source=LeadSource.PUBLIC,
        received_on=datetime.date(2026, 9, 28),
        **public_fields(complainant_email="zhang@example.com"),
    )
    code = lead.tracking_code
    # The right pair, by phone (any spacing) or by email (any case).
    for contact in ("13800001234", "ZHANG@example.com"):
        page = csrf_post(anon, STATUS, {"code": code.lower(), "contact": contact})
        assert page.status_code == 200
        text = page.content.decode()
        assert "2026-10-23" in text and "Being routed by the IP office" in text
        assert "某某商贸有限公司" not in text and "张三" not in text
    # A wrong pair and an unknown code answer the same.
    wrong = csrf_post(anon, STATUS, {"code": code, "contact": "13900000000"})
    unknown = csrf_post(anon, STATUS, {"code": "ZZZZZZZZZZ", "contact": "13800001234"})
    for page in (wrong, unknown):
        assert page.status_code == 404
        assert "No complaint matches" in page.content.decode()
        assert "lead-status" not in page.content.decode()
    # Once decided: the status and the reply to the complainant, never the internal reason.
    leads.route(p.alice, lead, p.amr)
    leads.decide_not_open(
        p.mia, lead, "内部备注：不属于本部门管辖", public_reply="请向文化执法大队反映。"
    )
    page = csrf_post(anon, STATUS, {"code": code, "contact": "138 0000 1234"})
    text = page.content.decode()
    assert "Not opened" in text and "请向文化执法大队反映。" in text
    assert "内部备注" not in text
    assert p.amr.name in text


def test_status_rate_limit(pworld, anon, settings):
    settings.IPCITY_PUBLIC_FORM_RATE = 1
    for _ in range(4):
        assert csrf_post(anon, STATUS, {"code": "ZZZZZZZZZZ", "contact": "1"}).status_code == 404
    assert csrf_post(anon, STATUS, {"code": "ZZZZZZZZZZ", "contact": "1"}).status_code == 429
