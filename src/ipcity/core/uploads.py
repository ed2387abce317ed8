"""Checks for files people attach to records: size cap and type read from the content.

    info = check_upload(request.FILES["file"])   # raises ValidationError with a clear message
    Evidence.objects.create(file=upload, name=info.name, size=info.size,
                            content_type=info.content_type, sha256=info.sha256, ...)

The type is decided by the first bytes (and, for Office files, by the parts inside the zip),
never by the name or the browser's claim, against an allow-list. Office zips are opened only to
read their directory: more than `MAX_ZIP_ENTRIES` entries or an uncompressed total over
`MAX_ZIP_RATIO` times the file's size is refused as a possible zip bomb.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAX_ZIP_ENTRIES = 2000
MAX_ZIP_RATIO = 100

# kind -> (content type, extensions accepted for the name)
KINDS = {
    "pdf": ("application/pdf", {".pdf"}),
    "png": ("image/png", {".png"}),
    "jpeg": ("image/jpeg", {".jpg", ".jpeg"}),
    "gif": ("image/gif", {".gif"}),
    "webp": ("image/webp", {".webp"}),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        {".docx"},
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {".xlsx"}),
    "text": ("text/plain", {".txt", ".csv"}),
    "mp4": ("video/mp4", {".mp4"}),
}
DEFAULT_KINDS = ("pdf", "png", "jpeg", "gif", "webp", "docx", "xlsx", "text", "mp4")
IMAGE_KINDS = ("png", "jpeg", "gif", "webp")


@dataclass(frozen=True)
class UploadInfo:
    name: str
    size: int
    content_type: str
    sha256: str
    kind: str


def _sniff(head: bytes, upload) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(upload)
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the end of the sample is still text.
            if exc.start < len(head) - 4:
                try:
                    head.decode("gb18030")
                except UnicodeDecodeError:
                    return None
        return "text"
    return None


def _office_kind(upload) -> str | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise ValidationError(_("The file holds too many parts to be a document."))
            total = sum(info.file_size for info in infos)
            if total > max(upload.size, 1) * MAX_ZIP_RATIO:
                raise ValidationError(
                    _("The file expands to far more than its size; it was refused.")
                )
            names = {info.filename for info in infos}
    except zipfile.BadZipFile:
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def check_upload(upload, kinds=DEFAULT_KINDS, max_bytes: int | None = None) -> UploadInfo:
    """Validate one uploaded file; return what to store about it."""
    limit = max_bytes or settings.IPCITY_ATTACHMENT_MAX_BYTES
    name = os.path.basename(upload.name or "file")[:200]
    if upload.size > limit:
        raise ValidationError(
            _("%(name)s is %(size)s; files up to %(limit)s are accepted.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    if upload.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name})
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    kind = _sniff(head, upload)
    if kind is None or kind not in kinds:
        allowed = ", ".join(sorted({ext for k in kinds for ext in KINDS[k][1]}))
        raise ValidationError(
            _("%(name)s is not a file type accepted here (%(allowed)s).")
            % {"name": name, "allowed": allowed}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return UploadInfo(
        name=name,
        size=upload.size,
        content_type=KINDS[kind][0],
        sha256=digest.hexdigest(),
        kind=kind,
    )


def check_uploads(attachments, *, limit: int, too_many: str, already: int = 0) -> list:
    """(upload, UploadInfo) for each attachment, each checked by its content.

    An attachment is an upload or, when a form has already run `check_upload` on it, the pair
    (upload, UploadInfo), which is not checked twice. More than `limit` files (counting
    `already` stored ones) is refused with `too_many`; every bad file's message is collected, so
    the sender learns of all of them at once."""
    attachments = [f for f in attachments if f]
    if len(attachments) + already > limit:
        raise ValidationError({"attachments": too_many})
    infos, errors = [], []
    for upload in attachments:
        if isinstance(upload, tuple) and len(upload) == 2 and isinstance(upload[1], UploadInfo):
            infos.append(upload)
            continue
        try:
            infos.append((upload, check_upload(upload)))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"attachments": errors})
    return infos


def remove_stored(names) -> None:
    """Delete files written to storage by a transaction that then failed (Django has no
    on-rollback hook); a file already gone is fine."""
    from django.core.files.storage import default_storage

    for name in names:
        with contextlib.suppress(OSError):
            default_storage.delete(name)
