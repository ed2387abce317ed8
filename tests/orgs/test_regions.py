"""Loading the district's regions from a data file."""

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from ipcity.orgs.choices import RegionKind
from ipcity.orgs.models import Region
from ipcity.orgs.regions import RegionFileError, load_regions

pytestmark = pytest.mark.django_db


def write(tmp_path, text: str):
    path = tmp_path / "regions.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_default_file_loads_tongzhou_with_its_streets_and_towns():
    result = load_regions(settings.IPCITY_REGION_FILE)
    district = Region.objects.get(code="110112")
    assert result.created == Region.objects.count() > 20
    assert district.kind == RegionKind.DISTRICT
    assert district.parent is None
    assert Region.objects.get(name="中仓街道").kind == RegionKind.STREET
    assert Region.objects.get(name="宋庄镇").kind == RegionKind.TOWN
    assert Region.objects.exclude(pk=district.pk).filter(parent__isnull=True).count() == 0
    assert set(district.children.values_list("kind", flat=True)) <= {
        RegionKind.STREET,
        RegionKind.TOWN,
        RegionKind.TOWNSHIP,
        RegionKind.ETHNIC_TOWNSHIP,
    }


def test_loading_again_changes_nothing():
    load_regions(settings.IPCITY_REGION_FILE)
    count = Region.objects.count()
    result = load_regions(settings.IPCITY_REGION_FILE)
    assert (result.created, result.updated) == (0, 0)
    assert Region.objects.count() == count


def test_a_corrected_file_updates_rows_by_code(tmp_path):
    load_regions(settings.IPCITY_REGION_FILE)
    path = write(
        tmp_path, "code,name,kind,parent_code,source\n110112001000,中仓街道（新）,街道,110112,x\n"
    )
    result = load_regions(path)
    assert result.updated == 1
    assert Region.objects.get(code="110112001000").name == "中仓街道（新）"


def test_another_district_loads_from_its_own_file(tmp_path):
    path = write(
        tmp_path,
        "\ufeffcode,name,kind,parent_code,source\n"
        "110105,朝阳区,区,110100,GB/T 2260\n"
        "110105001000,建外街道,街道,110105,NBS\n"
        "110105400000,示例民族乡,民族乡,110105,NBS\n",
    )
    load_regions(path)
    district = Region.objects.get(code="110105")
    assert district.children.count() == 2
    assert Region.objects.get(code="110105400000").kind == RegionKind.ETHNIC_TOWNSHIP


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code,name\n110112,通州区\n", "missing column"),
        ("code,name,kind\n110112,通州区,村\n", "row 2: unknown kind"),
        ("code,name,kind\n11011,通州区,区\n", "row 2: code"),
        ("code,name,kind\n110112,,区\n", "row 2: the name is empty"),
        ("code,name,kind\n110112,通州区,区\n110112,通州区,区\n", "row 3: code 110112 appears"),
    ],
)
def test_a_bad_file_is_refused_with_the_row_and_reason(tmp_path, text, message):
    with pytest.raises(RegionFileError, match=message):
        load_regions(write(tmp_path, text))
    assert not Region.objects.exists()


def test_a_file_that_is_not_text_is_refused(tmp_path):
    path = tmp_path / "regions.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(RegionFileError, match="not a UTF-8"):
        load_regions(path)


def test_the_region_command_loads_the_configured_file(capsys):
    call_command("region", "load")
    assert Region.objects.filter(code="110112").exists()
    assert "created" in capsys.readouterr().out


def test_the_region_command_reports_a_missing_file_clearly(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("region", "load", str(tmp_path / "missing.csv"))
