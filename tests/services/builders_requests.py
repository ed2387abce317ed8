"""Builders for service request tests: requests in a given state, files, and the protection
agency a hand-over goes to."""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from ipcity.protection.choices import AgencyKind
from ipcity.protection.models import Agency
from ipcity.services import requests as actions
from ipcity.services.choices import RequestStatus, ServiceKind
from ipcity.services.models import ServiceRequest

PHONE = "13812345678"
EMAIL = "asker@example.com"


def pdf(name="evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% test\n", content_type="application/pdf")


def exe(name="evil.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", content_type="application/pdf"
    )


def ask(user, kind=ServiceKind.CONSULTATION, **fields) -> ServiceRequest:
    """A request submitted by `user` (None: the public form) through the action."""
    fields.setdefault("subject", "专利申请咨询")
    fields.setdefault("description", "想了解发明专利申请流程。")
    if user is None:
        fields.setdefault("requester_name", "张三")
        fields.setdefault("contact_phone", PHONE)
    else:
        fields.setdefault("requester_name", user.organization.name)
    return actions.submit_request(user, kind=kind, **fields)


def make_request(
    requester=None,
    *,
    kind=ServiceKind.CONSULTATION,
    point=None,
    status=None,
    assigned_on=None,
    **fields,
) -> ServiceRequest:
    """A request row written directly (for scope and list tests)."""
    from ipcity.protection.leads import new_tracking_code

    today = datetime.date.today()
    values = {
        "tracking_code": new_tracking_code(),
        "kind": kind,
        "subject": "测试请求",
        "description": "说明",
        "requester": requester,
        "requester_name": requester.name if requester else "公众",
        "contact_phone": PHONE,
        "submitted_on": today,
    }
    if point is not None:
        assigned_on = assigned_on or today
        values.update(
            service_point=point,
            assigned_on=assigned_on,
            response_due=actions.due_from(assigned_on, kind),
            status=RequestStatus.ASSIGNED,
        )
    if status is not None:
        values["status"] = status
    values.update(fields)
    return ServiceRequest.objects.create(**values)


def make_enforcement_agency(org) -> Agency:
    return Agency.objects.create(
        organization=org, kind=AgencyKind.MARKET_REGULATION, case_prefix="京通市监处罚"
    )


def xlsx(rows) -> SimpleUploadedFile:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(
        "institutions.xlsx",
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
