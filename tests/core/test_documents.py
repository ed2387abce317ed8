"""The official-document writer produces the GB/T 9704 layout that readers expect."""

import datetime
import io

import docx
import pytest
from docx.oxml.ns import qn

from ipcity.core.documents import OfficialDocument, format_date


def _build():
    doc = OfficialDocument("关于2026年度考核结果的通报", doc_number="通知识产权〔2026〕1号")
    doc.heading("一、总体情况", level=1)
    doc.heading("（一）考核范围", level=2)
    doc.paragraph("各成员单位认真落实工作方案。")
    doc.table(["排名", "单位", "得分"], [[1, "区科委", "95.50"], [2, "区财政局", None]])
    doc.signature("北京市通州区知识产权局", datetime.date(2026, 3, 5))
    buffer = io.BytesIO()
    doc.save(buffer)
    buffer.seek(0)
    return docx.Document(buffer)


def _east_asia(run):
    return run._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def _paragraph(document, text):
    return next(p for p in document.paragraphs if p.text == text)


@pytest.fixture(scope="module")
def document():
    return _build()


def test_it_uses_a4_with_the_standard_margins(document):
    section = document.sections[0]
    assert round(section.page_width.mm) == 210
    assert round(section.page_height.mm) == 297
    assert round(section.top_margin.mm) == 37
    assert round(section.bottom_margin.mm) == 35
    assert round(section.left_margin.mm) == 28
    assert round(section.right_margin.mm) == 26


def test_it_sets_the_title_in_xiaobiaosong_size_2_centred(document):
    title = _paragraph(document, "关于2026年度考核结果的通报")
    assert title.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    run = title.runs[0]
    assert _east_asia(run) == "方正小标宋简体"
    assert run.font.size.pt == 22


def test_it_puts_the_document_number_centred_above_the_title(document):
    texts = [p.text for p in document.paragraphs]
    assert texts.index("通知识产权〔2026〕1号") < texts.index("关于2026年度考核结果的通报")
    number = _paragraph(document, "通知识产权〔2026〕1号")
    assert number.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER


def test_it_writes_the_body_in_fangsong_size_3_on_28_point_lines(document):
    body = _paragraph(document, "各成员单位认真落实工作方案。")
    run = body.runs[0]
    assert _east_asia(run) == "仿宋_GB2312"
    assert run.font.size.pt == 16
    assert body.paragraph_format.line_spacing.pt == 28
    assert body.paragraph_format.first_line_indent.pt == 32
    ind = body._p.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200"


def test_it_writes_headings_in_heiti_and_kaiti(document):
    assert _east_asia(_paragraph(document, "一、总体情况").runs[0]) == "黑体"
    assert _east_asia(_paragraph(document, "（一）考核范围").runs[0]) == "楷体_GB2312"


def test_it_numbers_pages_with_a_page_field_between_dashes(document):
    footer = document.sections[0].footer
    xml = footer._element.xml
    assert "PAGE" in "".join(t.text for t in footer._element.iter(qn("w:instrText")))
    assert 'w:fldCharType="begin"' in xml
    assert footer.paragraphs[0].text.startswith("— ")
    assert footer.paragraphs[0].text.endswith(" —")


def test_it_ends_with_the_issuer_and_a_chinese_date(document):
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts[-2:] == ["北京市通州区知识产权局", "2026年3月5日"]


def test_it_writes_a_table_with_a_repeated_header_row(document):
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["排名", "单位", "得分"]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [c.text for c in table.rows[2].cells] == ["2", "区财政局", ""]


def test_it_registers_fallbacks_for_missing_chinese_fonts(document):
    blob = next(
        p.blob
        for p in document.part.package.iter_parts()
        if str(p.partname) == "/word/fontTable.xml"
    ).decode()
    assert 'w:name="仿宋_GB2312"' in blob
    assert 'w:val="仿宋"' in blob


def test_it_formats_dates_without_padding_zeros():
    assert format_date(datetime.date(2026, 1, 9)) == "2026年1月9日"
    assert format_date(datetime.datetime(2024, 12, 31, 8, 0)) == "2024年12月31日"


def test_it_omits_the_number_line_when_there_is_no_document_number():
    doc = OfficialDocument("通报")
    texts = [p.text for p in doc.document.paragraphs if p.text]
    assert texts == ["通报"]
    assert doc.to_bytes().startswith(b"PK")
