"""Where uploaded protection files go: random names, never the name the sender gave."""

import os
import uuid

from django.utils import timezone
from django.utils.deconstruct import deconstructible


@deconstructible
class private_upload:
    """`upload_to` for evidence and attachments: `<prefix>/<year>/<uuid><ext>`.

    The original name is kept in the row (`name`) for display and download only."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def __call__(self, instance, filename: str) -> str:
        ext = os.path.splitext(filename)[1].lower()[:10]
        return f"{self.prefix}/{timezone.now():%Y}/{uuid.uuid4().hex}{ext}"

    def __eq__(self, other):
        return isinstance(other, private_upload) and other.prefix == self.prefix
