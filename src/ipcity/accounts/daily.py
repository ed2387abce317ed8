"""The accounts' daily duty: prune the login log and session rows past their time."""

from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from ipcity.core.daily import daily_duty

from .models import LoginEvent, UserSession


@daily_duty("login-log", order=90)
def prune_login_log(day: date) -> str:
    now = timezone.now()
    days = settings.IPCITY_LOGIN_LOG_DAYS
    events = 0
    if days > 0:
        events, _ = LoginEvent.objects.filter(at__lt=now - timedelta(days=days)).delete()
    # A session row unseen for longer than a sign-in may last belongs to an ended session.
    hours = max(settings.IPCITY_SESSION_MAX_HOURS, settings.SESSION_COOKIE_AGE // 3600, 1)
    rows, _ = UserSession.objects.filter(last_seen_at__lt=now - timedelta(hours=hours)).delete()
    return f"{events} login events older than {days} days and {rows} ended sessions removed"
