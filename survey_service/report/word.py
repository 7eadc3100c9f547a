"""The satisfaction analysis report as a Word document (.docx), typeset as Chinese evaluation reports are.

A4; headings in 黑体 as Word headings (the navigation pane and the table of contents use them); body 宋体 小四,
1.5 lines, first lines indented two characters; 三线表 tables (rules above and below, a thin one under the
header) with 表N titles above, figures with 图N captions below, page numbers in the footer. The East Asian font is
set in the styles (``w:eastAsia``), so text typed later in Word keeps it. Tables are Word tables (editable), the
charts PNG images drawn from the pages' chart rows (``images.py``).
"""
from __future__ import annotations

import io
import unicodedata

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from flask import current_app
from flask_babel import force_locale, gettext as _

from survey_service.formatting import local_date
from survey_service.report.content import generated_on
from survey_service.report.outline import (CommentGroup, IndexFigure, LikertFigure, ReportOutline, Table,
                                           report_outline)
from survey_service.results.documents import report_document
from survey_service.surveys.models import Survey

#: (Latin font, East Asian font) per role and language
FONTS = {
    "zh": {"body": ("Times New Roman", "宋体"), "heading": ("Times New Roman", "黑体")},
    "en": {"body": ("Times New Roman", "宋体"), "heading": ("Arial", "黑体")},
}
#: 小四 = 12 pt body; headings 三号 (16), 四号 (14); tables and captions 五号 (10.5)
SIZES = {"Title": 22, "Subtitle": 16, "Heading 1": 16, "Heading 2": 14, "Normal": 12, "Table Text": 10.5,
         "Caption": 10.5, "Note": 10.5}
PAGE_WIDTH, PAGE_HEIGHT = Cm(21), Cm(29.7)
MARGIN_TOP, MARGIN_SIDE = Cm(2.54), Cm(3.17)
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_SIDE
#: half-ems of a text column that never wrap (six CJK characters: a district's or an option's name), and the most
#: it asks for (ten); beyond that its text wraps
TEXT_COLUMN_FIRM, TEXT_COLUMN_MOST = 12, 20
#: a table of at most this many lines moves to the next page whole; a longer one breaks, its header repeated
KEEP_WHOLE = 10
#: 1.5 pt and 0.75 pt rules, in eighths of a point
THICK, THIN = 12, 6


def build_docx(survey: Survey, language: str) -> bytes:
    """The Word report of ``survey`` in ``language`` ("zh" or "en"); needs an app context, not a request."""
    with force_locale(language):
        state = str(current_app.jinja_env.globals["state_labels"][survey.status])
        outline = report_outline(survey, language, state, local_date(generated_on(report_document(survey))))
        return write_docx(outline)


def write_docx(outline: ReportOutline) -> bytes:
    """Typeset an outline (translated already) as a .docx file."""
    document = Document()
    _page_setup(document)
    _styles(document, outline.language)
    _settings(document)
    document.core_properties.title = f"{outline.title} · {outline.subtitle}"
    document.core_properties.language = "zh-CN" if outline.language == "zh" else "en-GB"

    _title_page(document, outline)
    for section in outline.sections:
        document.add_heading(section.heading, level=1)
        for sentence in section.paragraphs:
            document.add_paragraph(sentence)
        for block in section.blocks:
            if isinstance(block, Table):
                _table(document, block)
            elif isinstance(block, (IndexFigure, LikertFigure)):
                _figure(document, block)
            elif isinstance(block, CommentGroup):
                _comment_group(document, block)
            else:
                document.add_paragraph(block, style="Note")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- page, styles, settings ---------------------------------------------------------------------------------

def _page_setup(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin = section.bottom_margin = MARGIN_TOP
    section.left_margin = section.right_margin = MARGIN_SIDE
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.paragraph_format.first_line_indent = Pt(0)
    _field(footer, "PAGE", "1")


def _fonts(style, latin: str, east_asian: str, size: float, language: str) -> None:
    """Name both fonts explicitly and drop the theme's, which would otherwise win over the names."""
    style.font.name = latin
    style.font.size = Pt(size)
    style.font.color.rgb = RGBColor(0, 0, 0)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    lang = style.element.get_or_add_rPr().find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        style.element.get_or_add_rPr().append(lang)
    lang.set(qn("w:val"), "zh-CN" if language == "zh" else "en-GB")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _indent_chars(paragraph_format, chars: int) -> None:
    """A first-line indent in characters (w:firstLineChars, hundredths), with its length for older readers."""
    paragraph_format.first_line_indent = Pt(12 * chars)
    indent = paragraph_format.element.get_or_add_pPr().find(qn("w:ind"))
    indent.set(qn("w:firstLineChars"), str(100 * chars))


def _styles(document, language: str) -> None:
    fonts = FONTS[language]
    styles = document.styles
    normal = styles["Normal"]
    _fonts(normal, *fonts["body"], SIZES["Normal"], language)
    normal.paragraph_format.line_spacing = 1.5
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if language == "zh":
        _indent_chars(normal.paragraph_format, 2)
    else:
        normal.paragraph_format.space_after = Pt(6)

    for name, level_size in (("Heading 1", SIZES["Heading 1"]), ("Heading 2", SIZES["Heading 2"])):
        heading = styles[name]
        _fonts(heading, *fonts["heading"], level_size, language)
        heading.font.bold = language == "en"
        heading.font.italic = False
        heading.paragraph_format.first_line_indent = Pt(0)
        heading.paragraph_format.space_before = Pt(12 if name == "Heading 1" else 6)
        heading.paragraph_format.space_after = Pt(6)
        heading.paragraph_format.line_spacing = 1.5
        heading.paragraph_format.keep_with_next = True
        heading.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT

    for name, size in (("Title", SIZES["Title"]), ("Subtitle", SIZES["Subtitle"])):
        style = styles[name]
        _fonts(style, *fonts["heading"], size, language)
        style.font.bold = language == "en"
        style.font.italic = False
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        style.paragraph_format.first_line_indent = Pt(0)
        style.paragraph_format.space_after = Pt(12)
        # the template's title carries a rule below it; a report title has none
        borders = style.element.get_or_add_pPr().find(qn("w:pBdr"))
        if borders is not None:
            style.element.get_or_add_pPr().remove(borders)

    caption = styles["Caption"]
    _fonts(caption, *fonts["heading"], SIZES["Caption"], language)
    caption.font.bold = language == "en"
    caption.font.italic = False
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.first_line_indent = Pt(0)
    caption.paragraph_format.line_spacing = 1.25
    caption.paragraph_format.space_before = Pt(6)
    caption.paragraph_format.space_after = Pt(3)

    for name in ("Table Text", "Note"):
        style = styles.add_style(name, 1)  # 1: a paragraph style
        style.base_style = normal
        _fonts(style, *fonts["body"], SIZES[name], language)
        style.paragraph_format.first_line_indent = Pt(0)
        indent = style.element.get_or_add_pPr().find(qn("w:ind"))
        if indent is not None:
            indent.set(qn("w:firstLineChars"), "0")
        style.paragraph_format.line_spacing = 1.0 if name == "Table Text" else 1.25
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
        style.paragraph_format.space_after = Pt(0 if name == "Table Text" else 6)
    document.styles["Table Text"].paragraph_format.space_before = Pt(1.5)
    document.styles["Table Text"].paragraph_format.space_after = Pt(1.5)


def _settings(document) -> None:
    """Ask Word to refresh the fields (the table of contents' page numbers) when the file opens."""
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    _insert_before(document.settings.element, update, ("w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr",
                                                      "w:compat", "w:docVars", "w:rsids"))


def _insert_before(parent, child, successors: tuple[str, ...]) -> None:
    """Insert where the schema's order puts it (Word refuses a file whose elements are out of order)."""
    for name in successors:
        found = parent.find(qn(name))
        if found is not None:
            found.addprevious(child)
            return
    parent.append(child)


def _field(paragraph, instruction: str, shown: str) -> None:
    """A Word field (PAGE, TOC …) with the text shown until Word updates it."""
    def add(kind: str) -> None:
        run = paragraph.add_run()
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        run._r.append(char)

    add("begin")
    run = paragraph.add_run()
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run._r.append(text)
    add("separate")
    paragraph.add_run(shown)
    add("end")


# --- blocks -------------------------------------------------------------------------------------------------

def _title_page(document, outline: ReportOutline) -> None:
    if outline.appendix:
        # the appendix line is a label, not a heading of the report: it stays out of the navigation pane
        document.add_paragraph(style="Note").add_run(outline.appendix).bold = True
    if outline.title_page:
        spacer = document.add_paragraph()
        spacer.paragraph_format.space_before = Pt(120)
    document.add_paragraph(outline.title, style="Title")
    document.add_paragraph(outline.subtitle, style="Subtitle")
    for label, value in outline.facts:
        fact = document.add_paragraph(style="Note")
        fact.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fact.add_run(f"{label}：" if outline.language == "zh" else f"{label}: ").bold = True
        fact.add_run(value)
    if not outline.title_page:
        return
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    document.add_paragraph(_("Contents"), style="Title")
    # the entries as LibreOffice shows them until Word refreshes the field with page numbers
    toc = document.add_paragraph(style="Note")
    _field(toc, 'TOC \\o "1-2" \\h \\z \\u', "")
    for section in outline.sections:
        document.add_paragraph(section.heading, style="Note")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _width(text: str) -> int:
    """Text width in half-em units: CJK characters count two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _header_width(text: str, numeric: bool) -> int:
    """The least width a header needs: CJK words may wrap down to two characters a line, Latin words never break."""
    if any(_width(char) == 2 for char in text):
        return min(_width(text), 4 if numeric else 8)
    # above a figure, a long word may break rather than push the figures of the row into two lines
    return min(max((_width(word) for word in text.split()), default=0), 9 if numeric else 14)


def _column_widths(table: Table) -> list[int]:
    """Widths in EMU: figures never wrap, names of up to six CJK characters neither; longer text wraps in the room
    that is left (a long note over a few lines rather than the names beside it a character a line)."""
    unit = Pt(SIZES["Table Text"] / 2)  # half an em: a Latin digit or half a CJK character
    padding = 3  # the cell's left and right margins
    base, extra = [], []
    for column in range(len(table.header)):
        cells = [_width(row[column]) for row in (*table.rows, *table.footer)]
        header = _header_width(table.header[column], column in table.numeric)
        widest = max(cells + [header])
        if column in table.numeric:
            base.append(widest + padding)
            extra.append(0)
        else:
            base.append(min(widest, TEXT_COLUMN_FIRM) + padding)
            extra.append(min(widest, TEXT_COLUMN_MOST) - min(widest, TEXT_COLUMN_FIRM))
    available = TEXT_WIDTH / unit
    room = available - sum(base)
    text_columns = [c for c in range(len(base)) if c not in table.numeric]
    if room < 0 and text_columns:
        # short of room: the text columns wrap more, down to four CJK characters, before any figure would
        give = min(-room, sum(base[c] - min(base[c], 8 + padding) for c in text_columns))
        spare = sum(base[c] - min(base[c], 8 + padding) for c in text_columns) or 1
        base = [width - (width - min(width, 8 + padding)) * give / spare if c in text_columns else width
                for c, width in enumerate(base)]
        room = available - sum(base)
    if room < 0:
        widths = [width * available / sum(base) for width in base]
    else:
        share = min(room / sum(extra), 1.5) if sum(extra) else 0
        widths = [firm + wrap * share for firm, wrap in zip(base, extra)]
    return [int(width * unit) for width in widths]


def _borders(element, **sides: int) -> None:
    """Single rules of the given widths (eighths of a point) on a table's or cell's sides."""
    tag = "w:tblBorders" if element.tag == qn("w:tblPr") else "w:tcBorders"
    borders = element.find(qn(tag))
    if borders is None:
        borders = OxmlElement(tag)
        successors = (("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook") if tag == "w:tblBorders" else
                      ("w:shd", "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark"))
        _insert_before(element, borders, successors)
    for side, size in sides.items():
        rule = OxmlElement(f"w:{side}")
        rule.set(qn("w:val"), "single" if size else "nil")
        rule.set(qn("w:sz"), str(size))
        rule.set(qn("w:space"), "0")
        rule.set(qn("w:color"), "000000")
        borders.append(rule)


def _row_properties(row, header: bool = False) -> None:
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))  # repeated at the top of each page the table runs onto


def _table(document, table: Table) -> None:
    title = document.add_paragraph(table.title, style="Caption")
    title.paragraph_format.keep_with_next = True
    lines = (table.header, *table.rows, *table.footer)
    word_table = document.add_table(rows=len(lines), cols=len(table.header))
    word_table.alignment = WD_TABLE_ALIGNMENT.CENTER
    word_table.autofit = False
    _borders(word_table._tbl.tblPr, top=THICK, bottom=THICK, left=0, right=0, insideH=0, insideV=0)
    widths = _column_widths(table)
    for column, width in zip(word_table.columns, widths):
        column.width = width
    last_body = len(table.rows)
    for r, (line, row) in enumerate(zip(lines, word_table.rows)):
        _row_properties(row, header=r == 0)
        for c, (text, cell) in enumerate(zip(line, row.cells)):
            cell.width = widths[c]
            paragraph = cell.paragraphs[0]
            paragraph.style = document.styles["Table Text"]
            run = paragraph.add_run(text)
            if r == 0:
                run.bold = True
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _borders(cell._tc.get_or_add_tcPr(), bottom=THIN)
            elif c in table.numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if r == last_body + 1 and table.footer:
                _borders(cell._tc.get_or_add_tcPr(), top=THIN)
            # rows of a table stay on one page with the next while the table is short enough to move whole
            if len(lines) <= KEEP_WHOLE and r < len(lines) - 1:
                paragraph.paragraph_format.keep_with_next = True
    if table.note:
        document.add_paragraph(table.note, style="Note")
    spacer = document.add_paragraph(style="Note")
    spacer.paragraph_format.space_after = Pt(3)


def _figure(document, figure: IndexFigure | LikertFigure) -> None:
    # matplotlib takes about a third of a second to import: only a Word report with charts pays for it
    from survey_service.report import images

    if isinstance(figure, IndexFigure):
        png = images.index_png(figure.bars, figure.reference, figure.reference_label)
    else:
        png = images.likert_png(figure.rows, figure.labels, figure.not_applicable_label)
    holder = document.add_paragraph(style="Note")
    holder.alignment = WD_ALIGN_PARAGRAPH.CENTER
    holder.paragraph_format.keep_with_next = True
    holder.add_run().add_picture(io.BytesIO(png), width=TEXT_WIDTH)
    document.add_paragraph(figure.caption, style="Caption")


def _comment_group(document, group: CommentGroup) -> None:
    count = f"（{len(group.texts)}）" if document.core_properties.language == "zh-CN" else f" ({len(group.texts)})"
    document.add_heading(group.group + count, level=2)
    for number, text in enumerate(group.texts, 1):
        document.add_paragraph(f"{number}. {text}", style="Note")
