"""In-app notifications, mailed as well when SMTP is configured."""

import logging

from django.conf import settings
from django.core.mail import send_mail

from .compiled import Compiled
from .models import Notification

logger = logging.getLogger(__name__)


def notify(user, title: str, body: str = "", link: str = "") -> Notification:
    note = Notification.objects.create(user=user, title=title[:200], body=body, link=link)
    if settings.EMAIL_HOST and user.email:
        try:
            url = settings.SITE_URL.rstrip("/") + link if link else ""
            send_mail(
                title,
                "\n\n".join(p for p in (body, url) if p),
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
            )
        except OSError:
            logger.warning("could not mail notification %s to %s", note.pk, user.email)
    return note


# Counted for every page's header: the SQL is written once (core.compiled).
UNREAD = Compiled(
    lambda user_pk: (
        Notification.objects.filter(user_id=user_pk, read_at__isnull=True).order_by().values("pk")
    ),
    -7_390_516_284,
    count=True,
)


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return UNREAD.first(user.pk)[0]
