"""Two approvals at the same moment against the last of the budget: exactly one passes.

Runs on SQLite (IMMEDIATE transactions) and, with DATABASE_URL, on PostgreSQL."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from ipcity.incentives import budget, review
from ipcity.incentives.choices import ApplicationStatus, ReviewDecision, ReviewStage
from ipcity.incentives.models import Program, Reward

from .builders_awards import make_program, submitted, through


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_against_the_last_of_the_budget(iworld):
    iw = iworld
    program = make_program(iw.office, budget="15000")
    app_a = through(submitted(iw.erin, program, iw.enterprise_a, iw.inv_a), iw.rita, iw.otto)
    app_b = through(submitted(iw.charlie, program, iw.enterprise_b, iw.inv_b), iw.rita, iw.otto)
    barrier = threading.Barrier(2)
    results: dict = {}

    def approve(application):
        try:
            barrier.wait(timeout=10)
            review.decide(iw.alice, application, ReviewStage.APPROVAL, ReviewDecision.PASS)
            results[application.pk] = "ok"
        except ValidationError as exc:
            results[application.pk] = " ".join(exc.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(a,)) for a in (app_a, app_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(v == "ok" for v in results.values()) == [False, True], results
    program.refresh_from_db()
    assert program.committed_amount == Decimal("10000.00") <= program.budget
    statuses = sorted(program.applications.values_list("status", flat=True))
    assert statuses == sorted([ApplicationStatus.APPROVED, ApplicationStatus.SECOND_PASSED])
    assert Reward.objects.count() == 1


@pytest.mark.django_db
def test_reserve_release_pay_bounds(iworld):
    program = make_program(iworld.office, budget="1000")
    budget.reserve(program, Decimal("600"))
    with pytest.raises(ValidationError) as err:
        budget.reserve(program, Decimal("400.01"))
    assert "400.00" in " ".join(err.value.messages)
    budget.pay(program, Decimal("500"))
    with pytest.raises(ValidationError):
        budget.pay(program, Decimal("100.01"))
    with pytest.raises(ValidationError):
        budget.release(program, Decimal("100.01"))
    budget.release(program, Decimal("100"))
    program = Program.objects.get(pk=program.pk)
    assert (program.committed_amount, program.paid_amount) == (Decimal("500"), Decimal("500"))
