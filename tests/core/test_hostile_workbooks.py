"""Hostile workbooks: XML entity expansion (billion laughs) and external entities in an xlsx are
refused with a clear error on both reading paths (calamine for small files, openpyxl through
defusedxml when streaming), without expanding anything."""

import io
import zipfile

import pytest

from ipcity.core.readers import ReaderError, iter_rows

OOXML = "http://schemas.openxmlformats.org"
SHEET_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<Types xmlns="{OOXML}/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{SHEET_MAIN}.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    f'ContentType="{SHEET_MAIN}.worksheet+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<Relationships xmlns="{OOXML}/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{OOXML}/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<workbook xmlns="{OOXML}/spreadsheetml/2006/main" '
    f'xmlns:r="{OOXML}/officeDocument/2006/relationships">'
    '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<Relationships xmlns="{OOXML}/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{OOXML}/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)

LAUGHS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE worksheet [
<!ENTITY a "hahahahahahahahahahahahahahahahahahahahahaha">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&f;</t></is></c></row></sheetData>
</worksheet>"""

EXTERNAL = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c></row></sheetData>
</worksheet>"""


def _xlsx(path, sheet_xml: str):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    path.write_bytes(buffer.getvalue())
    return path


BENIGN = '<?xml version="1.0" encoding="UTF-8"?>' + LAUGHS.split("]>")[1].replace("&f;", "hello")


@pytest.mark.parametrize("streamed", [False, True], ids=["calamine", "openpyxl"])
def test_the_same_workbook_without_entities_reads(tmp_path, settings, streamed):
    """The control: the hand-made workbook is well formed; only the entities are refused."""
    if streamed:
        settings.IPCITY_XLSX_STREAM_ABOVE_BYTES = 0
    path = _xlsx(tmp_path / "plain.xlsx", BENIGN)
    assert list(iter_rows(path, "plain.xlsx")) == [(1, ["hello"])]


@pytest.mark.parametrize("sheet", [LAUGHS, EXTERNAL], ids=["billion-laughs", "external-entity"])
@pytest.mark.parametrize("streamed", [False, True], ids=["calamine", "openpyxl"])
def test_entities_refused_never_expanded(tmp_path, settings, sheet, streamed):
    if streamed:
        settings.IPCITY_XLSX_STREAM_ABOVE_BYTES = 0
    path = _xlsx(tmp_path / "hostile.xlsx", sheet)
    with pytest.raises(ReaderError) as caught:
        list(iter_rows(path, "hostile.xlsx"))
    assert "Excel" in str(caught.value) or "safely" in str(caught.value)
