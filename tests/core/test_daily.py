"""`ipcity supervise` runs the daily duties every app registers."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def test_every_module_registers_its_daily_duties(db):
    out = io.StringIO()
    call_command("supervise", "--list", stdout=out)
    assert out.getvalue().split() == [
        "plan-reminders",
        "kpis",
        "certificate-reminders",
        "pool-evaluation",
        "pledge-risks",
        "lead-deadlines",
        "case-deadlines",
        "transfer-clocks",
        "officer-certificates",
        "service-request-deadlines",
        "incentive-notices",
        "login-log",
        "audit-trail",
    ]


def test_each_duty_reports_one_line_and_a_skipped_one_does_not_run(db):
    out = io.StringIO()
    call_command("supervise", "--date", "2026-01-05", "--skip", "kpis", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "plan-reminders",
        "certificate-reminders",
        "pool-evaluation",
        "pledge-risks",
        "lead-deadlines",
        "case-deadlines",
        "transfer-clocks",
        "officer-certificates",
        "service-request-deadlines",
        "incentive-notices",
        "login-log",
        "audit-trail",
    ]
    assert "0 certificate reminders sent" in out.getvalue()


def test_an_unknown_duty_is_refused(db):
    with pytest.raises(CommandError, match="unknown duty: nonsense"):
        call_command("supervise", "--skip", "nonsense")
