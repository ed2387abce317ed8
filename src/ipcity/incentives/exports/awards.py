"""Award exports: the award list of a programme (xlsx: applicant, USCC, items, approved,
paid, status) and the award notice (docx in the official layout: the 公示 text of a public
notice, or the payment notice 拨付通知 of a programme's confirmed awards)."""

from __future__ import annotations

import io

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from ipcity.core.documents import OfficialDocument, format_date
from ipcity.core.exports import escape_formula, sheet_title

from ..budget import fmt, money
from ..choices import ApplicationStatus
from ..models import Application, ApplicationItem

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Applications that hold an award (approved and not revoked).
AWARDED = (
    ApplicationStatus.APPROVED,
    ApplicationStatus.IN_NOTICE,
    ApplicationStatus.CONFIRMED,
    ApplicationStatus.PAID,
)


def with_items(queryset):
    return queryset.select_related("applicant", "program").prefetch_related(
        Prefetch(
            "items",
            queryset=ApplicationItem.objects.select_related("rule").order_by("pk"),
            to_attr="ordered_items",
        )
    )


def items_text(application: Application) -> str:
    parts = []
    items = getattr(application, "ordered_items", None)  # prefetched by with_items
    if items is None:
        items = application.items.all()
    for item in items:
        if item.approved_amount is not None and item.approved_amount <= 0:
            continue
        amount = item.approved_amount if item.approved_amount is not None else item.computed_amount
        parts.append(f"{item.rule}：{item.reference}（{fmt(amount)}）")
    return "；".join(parts)


def award_list_xlsx(program, applications) -> bytes:
    """The award list of one programme as an xlsx workbook (amounts as numbers)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(program.code or program.name)
    sheet.append([escape_formula(f"{program.name}（{program.year}）")])
    sheet["A1"].font = Font(bold=True, size=13)
    headers = [
        _("Application number"),
        _("Applicant"),
        _("Unified social credit code"),
        _("Items"),
        _("Approved (yuan)"),
        _("Paid (yuan)"),
        _("Status"),
    ]
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    approved = paid = money(0)
    for a in applications:
        sheet.append(
            [
                escape_formula(a.number),
                escape_formula(a.applicant.name),
                escape_formula(getattr(a.applicant, "uscc", "") or ""),
                escape_formula(items_text(a)),
                float(money(a.approved_amount)),
                float(money(a.paid_amount)),
                str(a.get_status_display()),
            ]
        )
        approved += money(a.approved_amount)
        paid += money(a.paid_amount)
    sheet.append(["", _("Total"), "", "", float(approved), float(paid), ""])
    for row in sheet.iter_rows(min_row=3, min_col=5, max_col=6):
        for cell in row:
            cell.number_format = "#,##0.00"
    for letter, width in zip("ABCDEFG", (16, 32, 22, 60, 16, 16, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _table(doc, applications, with_paid: bool = False):
    headers = [
        _("No."),
        _("Applicant"),
        _("Unified social credit code"),
        _("Items"),
        _("Amount (yuan)"),
    ]
    rows = []
    total = money(0)
    for index, a in enumerate(applications, start=1):
        rows.append(
            [
                index,
                a.applicant.name,
                getattr(a.applicant, "uscc", "") or "",
                items_text(a),
                fmt(a.approved_amount),
            ]
        )
        total += money(a.approved_amount)
    rows.append(["", _("Total"), "", "", fmt(total)])
    doc.table(headers, rows, widths_mm=(12, 45, 40, 45, 28))
    return total


def notice_docx(notice, applications) -> bytes:
    """The public notice of proposed awards (公示), as an official document."""
    program = notice.program
    doc = OfficialDocument(notice.title, doc_number=notice.number or None)
    doc.paragraph(
        _(
            "Under %(basis)s, the applications to %(program)s have passed the first review, the "
            "second review and approval. The proposed awards are published as follows."
        )
        % {"basis": program.policy_basis or program.name, "program": program.name}
    )
    if notice.text.strip():
        for line in notice.text.splitlines():
            if line.strip():
                doc.paragraph(line.strip())
    doc.paragraph(
        _(
            "The notice runs from %(start)s to %(end)s. Anyone who objects may state the "
            "objection with its facts and their name and contact during the notice period%(to)s."
        )
        % {
            "start": format_date(notice.starts_on) if notice.starts_on else "",
            "end": format_date(notice.ends_on) if notice.ends_on else "",
            "to": (_(", to %(contact)s") % {"contact": notice.objection_contact})
            if notice.objection_contact
            else "",
        }
    )
    _table(doc, applications)
    doc.signature(program.organizer.name, notice.starts_on or timezone.localdate())
    return doc.to_bytes()


def payment_notice_docx(program, applications) -> bytes:
    """The payment notice (拨付通知) of a programme's confirmed awards."""
    doc = OfficialDocument(
        _("Notice on the payment of the %(program)s awards") % {"program": program.name}
    )
    doc.paragraph(
        _(
            "The public notice of the proposed awards of %(program)s has ended without an upheld "
            "objection. The awards below are confirmed and will be paid to the accounts the "
            "applicants gave."
        )
        % {"program": program.name}
    )
    _table(doc, applications)
    doc.signature(program.organizer.name, timezone.localdate())
    return doc.to_bytes()
