"""Review pages: queue (who sees it, query counts), the decision form, the panel."""

import pytest
from django.urls import reverse

from ipcity.incentives.choices import ApplicationStatus
from ipcity.incentives.models import Review

from .builders_awards import make_program, submitted

pytestmark = pytest.mark.django_db


def test_queue_access_and_four_eyes(iworld, login, client):
    iw = iworld
    app = submitted(iw.erin, make_program(iw.office), iw.enterprise_a, iw.inv_a)
    url = reverse("incentives:review_queue")
    assert app.number in login(iw.rita).get(url).content.decode()
    response = client.post(
        reverse("incentives:review_decide", args=[app.pk]),
        {"stage": "first", "decision": "pass", "comment": "", "_once": "a1"},
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.FIRST_PASSED
    # rita took the first review: the second is not in her queue and her form is refused.
    assert app.number not in client.get(url).content.decode()
    client.logout()
    for person, code in ((iw.erin, 403), (iw.leo, 403), (iw.charlie, 403)):
        assert login(person).get(url).status_code == code
        client.logout()
    assert (
        login(iw.charlie).get(reverse("incentives:review_decide", args=[app.pk])).status_code == 404
    )


def test_reason_required_on_the_form(iworld, login, client):
    iw = iworld
    app = submitted(iw.erin, make_program(iw.office), iw.enterprise_a, iw.inv_a)
    response = login(iw.rita).post(
        reverse("incentives:review_decide", args=[app.pk]),
        {"stage": "first", "decision": "return", "comment": ""},
    )
    assert response.status_code == 400
    assert not Review.objects.exists()


def test_panel_shows_form_to_reviewer_history_to_applicant(iworld):
    from ipcity.incentives import review
    from ipcity.incentives.choices import ReviewDecision, ReviewStage

    iw = iworld
    app = submitted(iw.erin, make_program(iw.office), iw.enterprise_a, iw.inv_a)
    assert review.panel_context(iw.rita, app)["review_form"] is not None
    assert review.panel_context(iw.erin, app)["review_form"] is None
    assert review.panel_context(iw.leo, app)["review_form"] is None
    review.decide(iw.rita, app, ReviewStage.FIRST, ReviewDecision.PASS)
    assert len(review.panel_context(iw.erin, app)["review_history"]) == 1
    assert review.panel_context(iw.rita, app)["review_blocked"]


def test_queue_query_count(iworld, login, django_assert_max_num_queries):
    from ipcity.orgs.models import Organization

    iw = iworld
    client = login(iw.rita)
    url = reverse("incentives:review_queue")
    for n in (3, 10):
        program = make_program(iw.office)
        for i in range(n):
            org = Organization.objects.create(name=f"企业{n}-{i}", kind=iw.enterprise_a.kind)
            from ipcity.incentives.models import Application

            Application.objects.create(
                program=program,
                applicant=org,
                status="submitted",
                contact_name="x",
                contact_phone="1",
                number=f"T{n}-{i}",
            )
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200
