"""Cross-cutting fixes: sheet titles, time zones in generic rendering, boolean filters, titles."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ipcity.core.exports import sheet_title
from ipcity.core.imports import REGISTRY


def test_sheet_titles_drop_forbidden_characters_and_are_short():
    assert sheet_title("GB/T 29490 证书") == "GB T 29490 证书"
    assert sheet_title("a[b]c:d*e?f\\g") == "a b c d e f g"
    assert len(sheet_title("x" * 50)) == 31
    assert sheet_title("///", "import") == "import"


@pytest.mark.django_db
def test_the_template_of_every_registered_import_format_downloads(client, world):
    world.alice.is_superuser = True
    world.alice.save()
    client.force_login(world.alice)
    assert REGISTRY
    for key, fmt in REGISTRY.items():
        response = client.get(reverse("core:import_template", args=[key]))
        assert response.status_code == 200, key
        workbook = load_workbook(BytesIO(response.content))
        sheet = workbook.active
        assert sheet.title == sheet_title(fmt.title, "import")
        assert [c.value for c in sheet[1]] == [c.label for c in fmt.columns]


# -- 2. datetimes and choices in generic rendering ---------------------------------------------


def test_datetimes_are_shown_in_the_current_time_zone_to_the_minute():
    import datetime

    from django.db import models
    from django.utils import timezone

    from ipcity.core.templatetags.ipcity import format_datetime
    from ipcity.core.views.generic import _display

    moment = datetime.datetime(2026, 11, 26, 12, 44, 37, 159569, tzinfo=datetime.UTC)
    with timezone.override("Asia/Shanghai"):
        assert format_datetime(moment) == "2026-11-26 20:44"
        assert _display(models.DateTimeField(name="published_at"), moment, {}) == (
            "2026-11-26 20:44"
        )
    assert format_datetime(datetime.date(2026, 1, 2)) == "2026-01-02"


@pytest.mark.django_db
def test_detail_rows_show_local_times(world):
    from django.utils import timezone

    from ipcity.core.templatetags.ipcity import field_rows

    org = world.enterprise_a
    with timezone.override("Asia/Shanghai"):
        rows = dict(field_rows(org, "created_at", "kind"))
    value = str(next(iter(rows.values())))
    assert "+00:00" not in value
    assert value == timezone.localtime(org.created_at, timezone.get_fixed_timezone(480)).strftime(
        "%Y-%m-%d %H:%M"
    )
    assert str(list(rows.values())[1]) == org.get_kind_display()


def test_lists_of_choice_values_read_as_labels(monkeypatch):
    from ipcity.core.templatetags.ipcity import plain_value, value_choices
    from ipcity.orgs.models import Organization

    monkeypatch.setattr(
        Organization,
        "value_choices",
        {"notes": [("sole", "Sole licence"), ("ordinary", "Ordinary licence")]},
        raising=False,
    )
    labels = value_choices(Organization, "notes")
    assert plain_value(["sole", "ordinary"], labels) == "Sole licence、Ordinary licence"
    assert plain_value(["other"], labels) == "other"
    assert value_choices(Organization, "kind")["enterprise"]


@pytest.mark.django_db
def test_history_shows_choice_labels(world):
    from ipcity.core.views.generic import history_rows
    from ipcity.orgs.choices import OrganizationKind

    org = world.enterprise_b
    org.kind = OrganizationKind.UNIVERSITY
    org.save()
    rows = history_rows(org.history.all())
    change = next(c for c in rows[0]["changes"] if c["field"] == "kind")
    assert change["new"] == str(OrganizationKind.UNIVERSITY.label)
    assert change["old"] == str(OrganizationKind.ENTERPRISE.label)


# -- 3. yes/no filters -------------------------------------------------------------------------


def _all_filtersets():
    import importlib
    import pkgutil

    import django_filters
    from django.apps import apps

    for config in apps.get_app_configs():
        if not config.name.startswith("ipcity."):
            continue
        for name in ("filters",):
            try:
                module = importlib.import_module(f"{config.name}.{name}")
            except ModuleNotFoundError:
                continue
            if hasattr(module, "__path__"):
                for info in pkgutil.iter_modules(module.__path__):
                    importlib.import_module(f"{module.__name__}.{info.name}")
    found, todo = [], [django_filters.FilterSet]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("ipcity."):
                found.append(sub)
    return found


def test_every_yes_no_filter_offers_any_as_its_empty_choice():
    import django_filters

    from ipcity.core.filters import AnyBooleanSelect, BooleanFilter

    checked = 0
    for filterset in _all_filtersets():
        for name, flt in filterset.base_filters.items():
            if isinstance(flt, django_filters.BooleanFilter):
                where = f"{filterset.__module__}.{filterset.__name__}.{name}"
                assert isinstance(flt, BooleanFilter), where
                widget = flt.field.widget
                labels = [str(label) for _, label in widget.choices]
                assert "Unknown" not in labels, where
                if "widget" not in flt.extra:  # a page may word its own choices
                    assert isinstance(widget, AnyBooleanSelect), where
                    assert labels == ["Any", "Yes", "No"], where
                checked += 1
    assert checked >= 10


@pytest.mark.django_db
def test_a_list_page_shows_any_for_a_yes_no_filter(client, world):
    client.force_login(world.alice)
    response = client.get(reverse("orgs:organization_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="unknown" selected>Any</option>' in html
    assert ">Unknown</option>" not in html
    response = client.get(reverse("orgs:organization_list"), {"is_active": "false"})
    assert response.status_code == 200


# -- 4, 5. page titles and the icon ------------------------------------------------------------


@pytest.mark.django_db
def test_page_titles_separate_the_page_from_the_site(client, world):
    response = client.get(reverse("accounts:login"))
    html = response.content.decode()
    assert "<title>Sign in · ipcity</title>" in html
    assert 'rel="icon"' in html
    client.force_login(world.alice)
    html = client.get(reverse("orgs:organization_list")).content.decode()
    assert " · ipcity</title>" in html
    assert 'rel="icon"' in html


def test_page_title_filter():
    from ipcity.core.templatetags.ipcity import page_title

    assert page_title("Organizations") == "Organizations · ipcity"
    assert page_title("  ") == "ipcity"


@pytest.mark.django_db
def test_favicon_ico_leads_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith(".svg")
    assert "ipcity/favicon" in response["Location"]


# -- 7. import usability -----------------------------------------------------------------------


def _upload(client, path, capture):
    from ipcity.core.models import ImportBatch

    with capture(execute=True), open(path, "rb") as fh:
        response = client.post(
            reverse("core:import_upload", args=["orgs.organization"]), {"file": fh}
        )
    assert response.status_code == 302, response.content[:300]
    return ImportBatch.objects.latest("created_at")


@pytest.mark.django_db
def test_a_file_with_errors_cannot_be_imported_without_ticking_the_box(
    client, world, tmp_path, django_capture_on_commit_callbacks
):
    from ipcity.core.models import Notification
    from tests.data.sheets import org_row, valid_uscc, write_xlsx

    client.force_login(world.alice)
    rows = [org_row("新公司甲", valid_uscc(1)), org_row("", valid_uscc(2))]
    batch = _upload(
        client, write_xlsx(tmp_path / "o.xlsx", rows), django_capture_on_commit_callbacks
    )
    assert batch.report["error_rows"] == 1 and batch.report["valid"] == 1
    html = client.get(reverse("core:import_batch", args=[batch.pk])).content.decode()
    assert 'id="import-commit-button" disabled' in html
    assert "Import the 1 valid row" in html
    assert "Import 1 row<" not in html
    assert 'data-enables="#import-commit-button"' in html
    note = Notification.objects.filter(user=world.alice).latest("created_at")
    assert note.title.endswith(": problems found in 1 row"), note.title

    rows = [org_row("新公司乙", valid_uscc(3))]
    batch = _upload(
        client, write_xlsx(tmp_path / "g.xlsx", rows), django_capture_on_commit_callbacks
    )
    html = client.get(reverse("core:import_batch", args=[batch.pk])).content.decode()
    assert 'id="import-commit-button">' in html and "Import 1 row<" in html
    note = Notification.objects.filter(user=world.alice).latest("created_at")
    assert note.title.endswith(": no problems found"), note.title


@pytest.mark.django_db
def test_a_file_missing_a_required_column_is_not_announced_as_a_success(
    client, world, tmp_path, django_capture_on_commit_callbacks
):
    from ipcity.core.models import Notification
    from tests.data.sheets import write_xlsx

    client.force_login(world.alice)
    path = write_xlsx(tmp_path / "bad.xlsx", [["x", "y"]], ["地址", "邮箱"])
    batch = _upload(client, path, django_capture_on_commit_callbacks)
    assert batch.report.get("file_error")
    note = Notification.objects.filter(user=world.alice).latest("created_at")
    assert "succeeded" not in note.title.lower()
    assert note.title.endswith(": problems found, the file cannot be imported"), note.title


@pytest.mark.django_db
def test_a_job_waiting_long_in_the_queue_points_at_the_worker(client, world):
    import datetime

    from django.utils import timezone

    from ipcity.core.jobs import submit
    from ipcity.core.models import Job

    job = submit("core.import_validate", "Check x.xlsx", world.alice, {})
    client.force_login(world.alice)
    url = reverse("core:job_detail", args=[job.pk])
    assert 'data-testid="queue-hint"' not in client.get(url).content.decode()
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    html = client.get(url).content.decode()
    assert 'data-testid="queue-hint"' in html
    assert "ipcity worker" in html
