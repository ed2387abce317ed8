"""In-app notifications, mailed as well when SMTP is configured."""

import logging

from django.conf import settings
from django.core.mail import send_mail

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


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
