"""core/uploads.py: the type comes from the content, sizes are capped, zip bombs are refused."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from openpyxl import Workbook

from ipcity.core.uploads import check_upload

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def upload(name, content):
    return SimpleUploadedFile(name, content)


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("证据清单")
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "kind", "content_type"),
    [
        ("photo.png", PNG, "png", "image/png"),
        ("scan.pdf", PDF, "pdf", "application/pdf"),
        ("list.docx", None, "docx", None),
        ("sheet.xlsx", None, "xlsx", None),
        ("notes.txt", "通州区 侵权线索\n".encode(), "text", "text/plain"),
        ("gbk.txt", "通州区侵权线索说明".encode("gb18030"), "text", "text/plain"),
    ],
)
def test_accepted_types_are_read_from_the_content(name, content, kind, content_type):
    if content is None:
        content = docx_bytes() if kind == "docx" else xlsx_bytes()
    info = check_upload(upload(name, content))
    assert info.kind == kind
    if content_type:
        assert info.content_type == content_type
    assert info.size == len(content)
    assert len(info.sha256) == 64


def test_a_program_renamed_to_pdf_is_refused():
    with pytest.raises(ValidationError, match="not a file type accepted here"):
        check_upload(upload("evidence.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100))


def test_a_png_named_pdf_is_stored_as_png():
    assert check_upload(upload("evidence.pdf", PNG)).content_type == "image/png"


def test_kinds_limit_what_is_accepted():
    with pytest.raises(ValidationError):
        check_upload(upload("scan.pdf", PDF), kinds=("png", "jpeg"))


def test_size_cap_and_empty_files(settings):
    with pytest.raises(ValidationError, match="files up to"):
        check_upload(upload("big.png", PNG + b"\x00" * 2000), max_bytes=1000)
    with pytest.raises(ValidationError, match="empty"):
        check_upload(upload("empty.txt", b""))


def test_a_zip_that_expands_far_beyond_its_size_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"0" * (20 * 1024 * 1024))
    with pytest.raises(ValidationError, match="expands"):
        check_upload(upload("bomb.docx", buffer.getvalue()))


def test_a_plain_zip_is_not_an_office_document():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValidationError):
        check_upload(upload("archive.docx", buffer.getvalue()))
