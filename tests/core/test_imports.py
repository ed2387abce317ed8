"""The import framework and the readers, fed with real bad files written by the tests."""

import pytest
from openpyxl import Workbook

from ipcity.core.imports import get_format, normalize_header, validate
from ipcity.core.readers import ReaderError, Table, iter_rows
from tests.data.sheets import HEADER, org_row, valid_uscc, write_csv, write_xlsx

ORGS = "orgs.organization"


def check(path, user, name=""):
    return validate(get_format(ORGS), path, name or path.name, user)


# -- readers ---------------------------------------------------------------------------------


def test_a_text_file_renamed_xlsx_is_reported_not_crashed(tmp_path):
    path = tmp_path / "orgs.xlsx"
    path.write_text("名称,简称\n甲公司,甲\n", encoding="utf-8")
    with pytest.raises(ReaderError, match="not a valid Excel workbook"):
        list(iter_rows(path))


def test_a_damaged_workbook_is_reported_not_crashed(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 100)
    with pytest.raises(ReaderError, match="not a valid Excel workbook"):
        list(iter_rows(path))


def test_a_damaged_old_excel_file_is_reported_not_crashed(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(ReaderError, match="not a valid Excel workbook"):
        list(iter_rows(path))


def test_the_type_comes_from_the_content_not_the_name(tmp_path):
    path = write_xlsx(tmp_path / "really-a-workbook.csv", [["甲公司"]], header=["名称"])
    assert Table(path).kind == "xlsx"
    assert list(iter_rows(path)) == [(1, ["名称"]), (2, ["甲公司"])]


def test_an_empty_file_is_reported(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ReaderError, match="empty"):
        Table(path)


def test_a_gb18030_csv_is_decoded(tmp_path):
    path = write_csv(
        tmp_path / "gbk.csv", [["示例丙有限公司"]], header=["名称"], encoding="gb18030"
    )
    assert list(iter_rows(path)) == [(1, ["名称"]), (2, ["示例丙有限公司"])]


def test_a_utf8_csv_with_or_without_bom_is_decoded(tmp_path):
    bom = write_csv(tmp_path / "bom.csv", [["甲"]], header=["名称"], encoding="utf-8-sig")
    plain = write_csv(tmp_path / "plain.csv", [["甲"]], header=["名称"], encoding="utf-8")
    assert list(iter_rows(bom)) == list(iter_rows(plain)) == [(1, ["名称"]), (2, ["甲"])]


def test_a_binary_file_named_csv_is_reported(tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ReaderError, match="neither a spreadsheet nor a text"):
        list(iter_rows(path))


def test_workbook_numbers_read_as_the_user_typed_them(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet["A3"] = "电话"
    sheet["A4"] = 13800000000
    workbook.save(tmp_path / "phones.xlsx")
    rows = [r for r in iter_rows(tmp_path / "phones.xlsx") if any(r[1])]
    # Row numbers are Excel's: the two blank rows above the header still count.
    assert rows == [(3, ["电话"]), (4, ["13800000000"])]


# -- headers -----------------------------------------------------------------------------------


def test_header_normalization_folds_brackets_spaces_and_case():
    assert normalize_header("统一社会信用代码（必填）") == normalize_header(
        "统一社会信用代码(必填)"
    )
    assert normalize_header(" 单位　名称 ") == "单位名称"
    assert normalize_header("USCC*") == "uscc"


def test_headers_are_recognized_through_synonyms_and_bracket_remarks(tmp_path, world):
    header = ["单位名称 ", "社会信用代码（18位）", "所属街乡", "备注"]
    path = write_csv(tmp_path / "a.csv", [["甲公司", valid_uscc(1), "中仓街道", "x"]], header)
    result = check(path, world.alice)
    assert not result.file_error
    assert [m["label"] for m in result.mapping] == ["名称", "统一社会信用代码", "所属区划"]
    assert result.ignored_headers == ["备注"]
    assert len(result.rows) == 1


def test_wrong_headers_name_the_missing_required_column(tmp_path, world):
    path = write_xlsx(tmp_path / "wrong.xlsx", [["甲公司", "x"]], header=["公司", "说明"])
    result = check(path, world.alice)
    assert "Required column missing: 名称" in result.file_error
    assert result.rows == []


def test_two_columns_with_the_same_meaning_are_refused(tmp_path, world):
    path = write_csv(tmp_path / "twice.csv", [["甲", "乙"]], header=["名称", "单位名称"])
    assert "both mean" in check(path, world.alice).file_error


def test_an_empty_file_gives_a_clear_error_in_the_preview(tmp_path, world):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert check(path, world.alice).file_error == "The file is empty."


def test_a_workbook_without_any_row_is_empty(tmp_path, world):
    path = write_xlsx(tmp_path / "blank.xlsx", [], header=None)
    assert check(path, world.alice).file_error == "The file is empty."


def test_a_header_only_file_has_no_data_rows(tmp_path, world):
    path = write_xlsx(tmp_path / "header.xlsx", [])
    assert check(path, world.alice).file_error == "The file has a header row but no data rows."


# -- rows --------------------------------------------------------------------------------------


@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_a_huge_cell_is_a_row_error_with_its_row_number(tmp_path, world, writer):
    rows = [org_row("甲公司"), org_row("乙公司", 地址="长" * 40_000), org_row("丙公司")]
    result = check(writer(tmp_path / f"huge.{writer.__name__[-4:]}", rows), world.alice)
    assert [(e["row"], e["column"]) for e in result.errors] == [(3, "F")]
    # Excel (and so openpyxl) cuts a cell at 32,767 characters; a CSV keeps all 40,000.
    expected = "40000" if writer is write_csv else "32767"
    assert f"holds {expected} characters" in result.errors[0]["message"]
    assert [r.raw["name"] for r in result.rows] == ["甲公司", "丙公司"]


def test_duplicate_rows_point_at_the_first_one(tmp_path, world):
    code = valid_uscc(7)
    rows = [org_row("甲公司", code), org_row("乙公司"), org_row("丙公司", code), org_row("乙公司")]
    result = check(write_csv(tmp_path / "dup.csv", rows), world.alice)
    assert [(e["row"], e["message"]) for e in result.errors] == [
        (4, "Duplicate of row 2 (same 统一社会信用代码)."),
        (5, "Duplicate of row 3 (same 名称)."),
    ]
    assert result.error_rows == 2


def test_a_missing_required_value_is_a_row_error(tmp_path, world):
    result = check(write_csv(tmp_path / "a.csv", [org_row(""), org_row("甲")]), world.alice)
    # A row with only a kind filled in is not blank, so it is checked and reported.
    assert [(e["row"], e["column"], e["message"]) for e in result.errors] == [
        (2, "名称", "This column is required.")
    ]


def test_blank_rows_are_skipped_but_keep_the_numbering(tmp_path, world):
    rows = [org_row("甲"), [""] * len(HEADER), org_row("乙", kind="不存在的类型")]
    result = check(write_csv(tmp_path / "a.csv", rows), world.alice)
    assert result.total == 2
    assert result.errors[0]["row"] == 4


def test_a_large_workbook_is_streamed_with_the_same_rows(tmp_path, settings):
    import datetime

    from openpyxl import Workbook

    from ipcity.core.readers import Table

    path = tmp_path / "big.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "电话", "日期", "比例"])
    sheet.append(["示例甲", 13800000000, datetime.date(2024, 5, 1), 0.5])
    sheet.append(["示例乙", None, datetime.datetime(2024, 5, 2, 8, 30), 2])
    book.save(path)
    whole = list(Table(path).rows)
    settings.IPCITY_XLSX_STREAM_ABOVE_BYTES = 0
    streamed = Table(path)
    assert streamed.estimated_rows == 3
    assert list(streamed.rows) == whole
    assert whole[1] == (2, ["示例甲", "13800000000", "2024-05-01", "0.5"])
