from django.conf import settings

from .menu import menu_for
from .notifications import unread_count


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"region_name": settings.IPCITY_REGION_NAME}
    return {
        "menu": menu_for(user),
        "unread_notifications": unread_count(user),
        "region_name": settings.IPCITY_REGION_NAME,
    }
