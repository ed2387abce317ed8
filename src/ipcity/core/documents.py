"""Word documents in the layout of a Chinese official document (党政机关公文格式, GB/T 9704-2012).

Reports that leave the platform (circulars, assessment reports) are handed on as Word files, and
readers expect them to look like any other document from the office: A4, fixed margins, the title
in 小标宋 2号, the body in 仿宋_GB2312 3号 on a 28-point grid, headings in 黑体 / 楷体, and the page
number as "— 1 —" in the footer.

    doc = OfficialDocument("关于2026年度考核结果的通报", doc_number="通知识产权〔2026〕1号")
    doc.heading("一、考核情况", level=1)
    doc.paragraph("……")
    doc.table(["排名", "单位", "得分"], [[1, "区科委", "95.50"]])
    doc.signature("北京市通州区知识产权局", datetime.date(2026, 3, 5))
    doc.save(response)  # a path or any writable binary stream

Chinese fonts are named in `w:eastAsia` (python-docx's `font.name` only sets the Latin slots, so
Word would otherwise render Chinese text in the theme font). Machines without the GB2312-era fonts
substitute them through the `w:altName` entries written to the font table (仿宋_GB2312 → 仿宋, …).
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Sequence

from django.utils import timezone
from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from lxml import etree

# Font sizes by their Chinese names (号), in points.
SIZE_2 = Pt(22)  # 二号: title
SIZE_3 = Pt(16)  # 三号: body, headings, document number
SIZE_4 = Pt(14)  # 四号: page number, table text
LINE_PITCH = Pt(28)  # 22 lines per page on the standard's text block
CHAR = 16  # one body character in points: indents are counted in characters

FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_HEI = "黑体"
FONT_KAI = "楷体_GB2312"
FONT_SONG = "宋体"
FONT_LATIN = "Times New Roman"

# Substitutes Word uses when the preferred font is missing on the reader's machine.
FONT_FALLBACKS = {
    FONT_TITLE: "华文中宋",
    FONT_BODY: "仿宋",
    FONT_KAI: "楷体",
    FONT_HEI: "SimHei",
    FONT_SONG: "SimSun",
}

HEADING_FONTS = {1: FONT_HEI, 2: FONT_KAI, 3: FONT_BODY, 4: FONT_BODY}


def format_date(value: datetime.date | datetime.datetime | None = None) -> str:
    """A date as written on official documents: 2026年3月5日.

    GB/T 9704-2012 §7.3.5.1: Arabic numerals, the year in full, and no padding zeros in month
    and day ("1不编为01").
    """
    value = value or timezone.localdate()
    return f"{value.year}年{value.month}月{value.day}日"


def set_run_font(
    run, east_asia: str, size=None, *, bold: bool | None = None, latin: str = FONT_LATIN
):
    """Give a run its Chinese font (w:eastAsia) and a Latin font for digits and letters."""
    font = run.font
    font.name = latin
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:hint"), "eastAsia")
    return run


def _set_indent_chars(paragraph, *, first_line: int = 0, right: int = 0) -> None:
    """Indents in characters (w:firstLineChars) so they follow the font size in Word, with the
    equivalent in twips for readers that ignore the character units."""
    pf = paragraph.paragraph_format
    if first_line:
        pf.first_line_indent = Pt(CHAR * first_line)
    if right:
        pf.right_indent = Pt(CHAR * right)
    ind = paragraph._p.get_or_add_pPr().find(qn("w:ind"))
    if ind is None:
        return
    if first_line:
        ind.set(qn("w:firstLineChars"), str(first_line * 100))
    if right:
        ind.set(qn("w:rightChars"), str(right * 100))


def _exact_spacing(paragraph, pitch=LINE_PITCH) -> None:
    pf = paragraph.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = pitch
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)


def _add_page_field(paragraph) -> None:
    """A PAGE field, so Word numbers every page itself."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run._element.append(begin)
    set_run_font(run, FONT_SONG, SIZE_4)

    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run._element.append(instr)
    set_run_font(run, FONT_SONG, SIZE_4)

    run = paragraph.add_run()
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run._element.append(sep)
    set_run_font(run, FONT_SONG, SIZE_4)

    set_run_font(paragraph.add_run("1"), FONT_SONG, SIZE_4)

    run = paragraph.add_run()
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._element.append(end)
    set_run_font(run, FONT_SONG, SIZE_4)


def _display_width(text: str) -> float:
    """Width in body characters: ASCII (digits in dates) takes half a character."""
    return sum(0.5 if ord(ch) < 128 else 1 for ch in text)


class OfficialDocument:
    """One official document being written: build it top to bottom, then `save()`."""

    def __init__(self, title: str, doc_number: str | None = None):
        self.title = title
        self.doc_number = doc_number
        self.document = Document()
        self._setup_page()
        self._setup_styles()
        self._register_font_fallbacks()
        self._add_footer()
        self.document.core_properties.title = title
        if doc_number:
            self._add_doc_number(doc_number)
        self._add_title(title)

    # Page and styles -----------------------------------------------------------------------

    def _setup_page(self) -> None:
        section = self.document.sections[0]
        section.start_type = WD_SECTION.NEW_PAGE
        section.page_width = Mm(210)
        section.page_height = Mm(297)
        section.top_margin = Mm(37)
        section.bottom_margin = Mm(35)
        section.left_margin = Mm(28)
        section.right_margin = Mm(26)
        # The page number sits about 7 mm below the text block.
        section.footer_distance = Mm(24)
        section.header_distance = Mm(15)

    def _setup_styles(self) -> None:
        normal = self.document.styles["Normal"]
        normal.font.name = FONT_LATIN
        normal.font.size = SIZE_3
        rpr = normal.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = OxmlElement("w:rFonts")
            rpr.insert(0, rfonts)
        rfonts.set(qn("w:eastAsia"), FONT_BODY)
        pf = normal.paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = LINE_PITCH
        pf.space_before = Pt(0)
        pf.space_after = Pt(0)

    def _register_font_fallbacks(self) -> None:
        part = next(
            (
                p
                for p in self.document.part.package.iter_parts()
                if str(p.partname) == "/word/fontTable.xml"
            ),
            None,
        )
        if part is None:
            return
        root = parse_xml(part.blob)
        existing = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
        for name, alt in FONT_FALLBACKS.items():
            if name in existing:
                continue
            font = parse_xml(
                f'<w:font {nsdecls("w")} w:name="{name}">'
                f'<w:altName w:val="{alt}"/><w:charset w:val="86"/>'
                f'<w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>'
            )
            root.append(font)
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def _add_footer(self) -> None:
        footer = self.document.sections[0].footer
        paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_run_font(paragraph.add_run("— "), FONT_SONG, SIZE_4)
        _add_page_field(paragraph)
        set_run_font(paragraph.add_run(" —"), FONT_SONG, SIZE_4)

    # Front matter --------------------------------------------------------------------------

    def _add_doc_number(self, doc_number: str) -> None:
        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _exact_spacing(paragraph)
        set_run_font(paragraph.add_run(doc_number), FONT_BODY, SIZE_3)
        # The red separator line (版头中的分隔线) under the document number.
        ppr = paragraph._p.get_or_add_pPr()
        ppr.append(
            parse_xml(
                f"<w:pBdr {nsdecls('w')}>"
                '<w:bottom w:val="single" w:sz="12" w:space="4" w:color="FF0000"/></w:pBdr>'
            )
        )
        self.blank_line()

    def _add_title(self, title: str) -> None:
        for line in title.split("\n"):
            paragraph = self.document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _exact_spacing(paragraph, Pt(35))
            set_run_font(paragraph.add_run(line), FONT_TITLE, SIZE_2)
        self.blank_line()

    # Body ----------------------------------------------------------------------------------

    def blank_line(self):
        paragraph = self.document.add_paragraph()
        _exact_spacing(paragraph)
        return paragraph

    def addressee(self, text: str):
        """The main recipient (主送机关): flush left, ending with a full-width colon."""
        paragraph = self.document.add_paragraph()
        _exact_spacing(paragraph)
        if not text.endswith("："):
            text += "："
        set_run_font(paragraph.add_run(text), FONT_BODY, SIZE_3)
        return paragraph

    def heading(self, text: str, level: int = 1):
        """一、 in 黑体, （一） in 楷体, 1. and （1） in 仿宋; indented two characters."""
        level = min(max(int(level), 1), 4)
        paragraph = self.document.add_paragraph()
        _exact_spacing(paragraph)
        _set_indent_chars(paragraph, first_line=2)
        paragraph.paragraph_format.keep_with_next = True
        set_run_font(paragraph.add_run(text), HEADING_FONTS[level], SIZE_3)
        return paragraph

    def paragraph(self, text: str = "", *, align: str | None = None, indent: bool = True):
        """A body paragraph in 仿宋 3号, 28-point lines, first line indented two characters."""
        paragraph = self.document.add_paragraph()
        _exact_spacing(paragraph)
        if align == "center":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif align == "right":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            if indent:
                _set_indent_chars(paragraph, first_line=2)
        if text:
            set_run_font(paragraph.add_run(text), FONT_BODY, SIZE_3)
        return paragraph

    def table(
        self,
        headers: Sequence,
        rows: Iterable[Sequence],
        *,
        widths_mm: Sequence[float] | None = None,
    ):
        """A bordered table in 仿宋 4号 with a bold 黑体 header row repeated on every page."""
        headers = [str(h) for h in headers]
        table = self.document.add_table(rows=1, cols=len(headers))
        table.style = self.document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        header_row = table.rows[0]
        trpr = header_row._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:tblHeader"))
        for cell, text in zip(header_row.cells, headers, strict=True):
            self._fill_cell(cell, text, FONT_HEI, bold=False)
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=False):
                self._fill_cell(cell, "" if value is None else str(value), FONT_BODY)
        if widths_mm:
            for row in table.rows:
                for cell, width in zip(row.cells, widths_mm, strict=False):
                    cell.width = Mm(width)
        self.blank_line()
        return table

    @staticmethod
    def _fill_cell(cell, text: str, font: str, *, bold: bool | None = None) -> None:
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        pf = paragraph.paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        pf.space_before = Pt(2)
        pf.space_after = Pt(2)
        set_run_font(paragraph.add_run(text), font, SIZE_4, bold=bold)

    def page_break(self) -> None:
        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def signature(self, issuer: str, date: datetime.date | datetime.datetime | str | None = None):
        """Issuer and date at the end: the date four characters from the right margin, the
        issuer centred above it (GB/T 9704 §7.3.5.2)."""
        date_text = date if isinstance(date, str) else format_date(date)
        self.blank_line()
        self.blank_line()
        date_width = _display_width(date_text)
        issuer_width = _display_width(issuer)
        issuer_right = max(round(4 + (date_width - issuer_width) / 2), 2)
        for text, right in ((issuer, issuer_right), (date_text, 4)):
            paragraph = self.document.add_paragraph()
            _exact_spacing(paragraph)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _set_indent_chars(paragraph, right=right)
            set_run_font(paragraph.add_run(text), FONT_BODY, SIZE_3)

    # Output --------------------------------------------------------------------------------

    def save(self, path_or_stream) -> None:
        self.document.save(path_or_stream)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()


DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

__all__ = [
    "DOCX_CONTENT_TYPE",
    "OfficialDocument",
    "format_date",
    "set_run_font",
]
