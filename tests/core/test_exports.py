import csv
import io

from django.urls import reverse
from openpyxl import load_workbook

from ipcity.core.exports import escape_formula
from ipcity.core.models import Job, JobStatus
from ipcity.orgs.models import Organization

from ..factories import make_org

LIST = reverse("orgs:organization_list")


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def read_xlsx(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_escape_formula_prefixes_dangerous_text_only():
    assert escape_formula("=SUM(A1)") == "'=SUM(A1)"
    assert escape_formula("+86 10") == "'+86 10"
    assert escape_formula("-1") == "'-1"
    assert escape_formula("@cmd") == "'@cmd"
    assert escape_formula("示例") == "示例"
    assert escape_formula(-1) == -1


def test_xlsx_export_contains_the_filtered_rows_with_headers(world, login):
    response = login(world.alice).get(LIST, {"kind": "government", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = read_xlsx(body(response))
    header, data = rows[0], rows[1:]
    assert "名称" in header or "name" in header
    names = {row[0] for row in data}
    assert names == {world.office.name, world.unit.name, world.subunit.name}
    subunit = next(row for row in data if row[0] == world.subunit.name)
    assert world.unit.name in subunit  # the parent, by name


def test_an_export_with_a_refused_filter_holds_no_rows(world, login):
    """As the list shows none: a filter value the form refuses is not left out."""
    client = login(world.alice)
    response = client.get(LIST, {"kind": "no-such-kind", "export": "csv"})
    assert response.status_code == 200
    assert len(read_csv(body(response))) == 1  # the header alone
    listed = read_csv(body(client.get(LIST, {"kind": "government", "export": "csv"})))
    assert len(listed) == 4


def test_csv_export_follows_the_users_scope(world, login):
    response = login(world.charlie).get(LIST, {"export": "csv"})
    rows = read_csv(body(response))
    assert [row[0] for row in rows[1:]] == [world.enterprise_b.name]


def test_exports_escape_cells_that_would_run_as_formulas(world, login):
    make_org('=HYPERLINK("http://evil")', address="+cmd|' /C calc'!A0", phone="-2")
    client = login(world.alice)
    xlsx = read_xlsx(body(client.get(LIST, {"q": "HYPERLINK", "export": "xlsx"})))
    assert xlsx[1][0] == '\'=HYPERLINK("http://evil")'
    assert "'+cmd|' /C calc'!A0" in xlsx[1]
    assert "'-2" in xlsx[1]
    rows = read_csv(body(client.get(LIST, {"q": "HYPERLINK", "export": "csv"})))
    assert rows[1][0].startswith("'=")


def test_a_large_export_runs_as_a_job_with_a_downloadable_file(
    world, login, settings, django_capture_on_commit_callbacks
):
    settings.IPCITY_EXPORT_INLINE_MAX = 3
    client = login(world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(LIST, {"export": "xlsx"})
    job = Job.objects.get(kind="core.export")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.result
    assert job.result["rows"] == Organization.objects.count()
    assert job.result_name.endswith(".xlsx")
    from django.conf import settings as django_settings

    path = django_settings.MEDIA_ROOT / job.result_file
    rows = read_xlsx(path.read_bytes())
    assert len(rows) == Organization.objects.count() + 1


def test_export_is_forbidden_without_the_view_permission(world, login):
    from ..factories import make_user

    nobody = make_user("nobody", world.enterprise_b)
    assert login(nobody).get(LIST, {"export": "csv"}).status_code == 403
