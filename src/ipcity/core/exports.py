"""Export a filtered list to xlsx or csv: inside the request when small, as a job when large.

An `ExportSpec` names the model, its FilterSet and the columns (dotted field paths). The job
rebuilds the queryset from the spec's import path, the user and the filter parameters, so the
export always shows exactly what that user may see, whichever process runs it.
"""

from __future__ import annotations

import csv
import datetime
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import FileResponse, HttpResponseRedirect, QueryDict
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import audit, jobs
from .filters import filtered
from .models import AuditAction

CHUNK_SIZE = 2000
FORMATS = ("xlsx", "csv")
# Characters that make a spreadsheet treat a cell as a formula (or a DDE command).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_SHEET_TITLE = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL_XLSX = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def sheet_title(text, default: str = "Sheet") -> str:
    """A valid worksheet title: no []:*?/\\ (e.g. the "/" of "GB/T"), at most 31 characters."""
    title = _SHEET_TITLE.sub(" ", str(text))[:31].strip()
    return title or default


def escape_formula(value):
    """Neutralize a text cell that a spreadsheet would run as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@dataclass
class ExportSpec:
    """What to export for one list: model, filters and columns (dotted paths, e.g. region.name).

    `path` is the dotted import path of the spec itself, used by the background job to find it.
    """

    model: type[models.Model]
    fields: list[str]
    path: str
    filterset_class: type | None = None
    select_related: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    filename: str = ""

    def queryset(self, user, params):
        qs = self.model.objects.restrict(user, "view")
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.filterset_class is not None:
            if not isinstance(params, QueryDict):
                params = _querydict(params)
            filterset = self.filterset_class(params, queryset=qs, request=_FakeRequest(user))
            qs = filtered(filterset, qs)
        return qs.order_by(*(self.model._meta.ordering or ["pk"]))

    def header(self, path: str) -> str:
        if path in self.headers:
            return str(self.headers[path])
        model, label = self.model, path
        for part in path.split("."):
            try:
                f = model._meta.get_field(part)
            except FieldDoesNotExist:
                return path
            label = f.verbose_name if hasattr(f, "verbose_name") else part
            model = f.related_model or model
        return str(label)

    def headers_row(self) -> list[str]:
        return [self.header(p) for p in self.fields]

    def row(self, obj) -> list:
        return [_cell(obj, p) for p in self.fields]

    def download_name(self, fmt: str) -> str:
        base = self.filename or str(self.model._meta.verbose_name_plural)
        return f"{base}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"


class _FakeRequest:
    """Enough of a request for FilterSets that restrict their choices to the user's scope."""

    def __init__(self, user):
        self.user = user


def _querydict(params: dict) -> QueryDict:
    qd = QueryDict(mutable=True)
    for key, values in params.items():
        qd.setlist(key, values if isinstance(values, list) else [values])
    return qd


def _cell(obj, path: str):
    value = obj
    parts = path.split(".")
    for i, part in enumerate(parts):
        if value is None:
            return ""
        try:
            f = value._meta.get_field(part)
        except (FieldDoesNotExist, AttributeError):
            f = None
        if f is not None and getattr(f, "choices", None) and i == len(parts) - 1:
            value = getattr(value, f"get_{part}_display")()
        else:
            value = getattr(value, part, None)
            if callable(value):
                value = value()
    return _plain(value)


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, int | float | datetime.date):
        return value
    return escape_formula(str(value))


def write_csv(spec: ExportSpec, qs, path: Path, progress=None) -> int:
    # utf-8-sig: Excel on Chinese Windows reads a BOM-less csv as GBK and garbles it.
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(spec.headers_row())
        for obj in qs.iterator(chunk_size=CHUNK_SIZE):
            writer.writerow(spec.row(obj))
            count += 1
            if progress and count % 500 == 0:
                progress(count)
    return count


def write_xlsx(spec: ExportSpec, qs, path: Path, progress=None) -> int:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title(spec.model._meta.verbose_name_plural, "export"))
    ws.append(spec.headers_row())
    count = 0
    for obj in qs.iterator(chunk_size=CHUNK_SIZE):
        ws.append([_ILLEGAL_XLSX.sub("", v) if isinstance(v, str) else v for v in spec.row(obj)])
        count += 1
        if progress and count % 500 == 0:
            progress(count)
    wb.save(path)
    return count


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_response(request, spec: ExportSpec, fmt: str, params=None):
    """The file itself for a small list; for a large one, a job and a redirect to its page."""
    if fmt not in FORMATS:
        fmt = "xlsx"
    params = request.GET if params is None else params
    clean = {k: v for k, v in params.lists() if k not in ("export", "page", "per_page")}
    qs = spec.queryset(request.user, _querydict(clean))
    total = qs.count()
    listed = spec.filename or spec.model._meta.verbose_name_plural
    details = {"rows": total, "format": fmt, "filters": clean}
    audit.record(
        AuditAction.EXPORT, obj=spec.model, summary=listed, request=request, details=details
    )
    if total > settings.IPCITY_EXPORT_INLINE_MAX:
        job = jobs.submit(
            "core.export",
            _("Export %(what)s (%(n)d rows)")
            % {"what": spec.model._meta.verbose_name_plural, "n": total},
            request.user,
            {"spec": spec.path, "format": fmt, "params": clean, "total": total},
        )
        return HttpResponseRedirect(jobs.job_url(job))
    tmp = tempfile.NamedTemporaryFile(suffix=f".{fmt}", delete=False)  # noqa: SIM115
    tmp.close()
    path = Path(tmp.name)
    WRITERS[fmt](spec, qs, path)
    response = FileResponse(
        _UnlinkingFile(path),
        as_attachment=True,
        filename=spec.download_name(fmt),
        content_type=CONTENT_TYPES[fmt],
    )
    response.audit_recorded = True  # an export, not another download (AuditDownloadsMiddleware)
    return response


class _UnlinkingFile:
    """A file that removes itself once the response has been sent."""

    def __init__(self, path: Path):
        self.path = path
        self.fh = open(path, "rb")  # noqa: SIM115
        self.name = str(path)

    def read(self, *args):
        return self.fh.read(*args)

    def close(self):
        self.fh.close()
        self.path.unlink(missing_ok=True)


@jobs.job_handler("core.export")
def run_export(job, ctx):
    spec: ExportSpec = import_string(job.params["spec"])
    fmt = job.params.get("format", "xlsx")
    if job.created_by is None:
        raise ValueError(_("The user who asked for this export no longer exists."))
    qs = spec.queryset(job.created_by, _querydict(job.params.get("params", {})))
    total = job.params.get("total") or 0
    ctx.progress(0, total, _("Writing rows"))
    path = jobs.jobs_dir() / f"{job.pk}.{fmt}"
    count = WRITERS[fmt](spec, qs, path, progress=lambda n: ctx.progress(n, max(total, n)))
    ctx.progress(count, count)
    ctx.log(_("%(n)d rows written.") % {"n": count})
    ctx.attach(path, spec.download_name(fmt))
    return {"rows": count}
