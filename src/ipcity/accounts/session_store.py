"""The session store: Django's database store, whose session is read on every request with SQL
written once (core.compiled) instead of a queryset compiled each time."""

from datetime import UTC, datetime

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from ipcity.core.compiled import Compiled

LOAD = Compiled(
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now).values_list(
        "session_data"
    ),
    "ipcity-stand-in-session-key",
    datetime(2001, 2, 3, 4, 5, 6, 789, tzinfo=UTC),
)


class SessionStore(db.SessionStore):
    def load(self):
        key = self.session_key
        row = LOAD.first(key, timezone.now()) if key else None
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])
