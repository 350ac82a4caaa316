"""Page geometry and the building blocks of every bundle page (reportlab platypus).

Content flows through one frame per page, between the page title and the footer rule, so
nothing is drawn over the footer or off the page: a table too long for a page continues on the
next one with its header row repeated, a cell too tall for a page is split, long text wraps.
The running header, the page title (with "continued" on a section's later pages) and the footer
are drawn around the frame when a page ends.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial
from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from onestop.common.v1 import common_pb2
from onestop_common.clock import to_shanghai
from onestop_common.fonts import cjk_font
from onestop_common.protoconv import from_timestamp
from orchestrator.bundle import tagging
from orchestrator.bundle.model import BundleError, BundleInputs
from orchestrator.bundle.tagging import Element, Tagger

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
# The running header sits above HEADER_RULE, the footer below FOOTER_RULE; everything else (the
# page title and the content) lies between BODY_BOTTOM and the rule under the header.
HEADER_RULE = PAGE_HEIGHT - 12 * mm
HEADER_RULE_GAP = 1.2 * mm
FOOTER_RULE = 18 * mm
TITLE_BASELINE = PAGE_HEIGHT - 27 * mm
BODY_TOP = PAGE_HEIGHT - 37 * mm
COVER_TOP = PAGE_HEIGHT - 18 * mm
BODY_BOTTOM = FOOTER_RULE + 4 * mm

INK = colors.Color(0.10, 0.10, 0.10)
MUTED = colors.Color(0.40, 0.40, 0.40)
RULE = colors.Color(0.75, 0.75, 0.75)
ACCENT = colors.Color(0.62, 0.12, 0.10)
BAR = colors.Color(0.16, 0.30, 0.50)
LIMIT_FILL = colors.Color(0.90, 0.91, 0.93)
LIMIT_EDGE = colors.Color(0.62, 0.65, 0.70)
BREACH = colors.Color(0.80, 0.08, 0.08)
ON_TIME = colors.Color(0.12, 0.45, 0.22)
SHADE = colors.Color(0.96, 0.96, 0.96)

_CENTI = Decimal("0.01")
_TENTH = Decimal("0.1")
_ELLIPSIS = "…"


@dataclass(frozen=True)
class Fonts:
    sans: str
    song: str


def bundle_fonts() -> Fonts:
    return Fonts(cjk_font("sans"), cjk_font("song"))


@dataclass(frozen=True)
class Placement:
    """An issued impression PDF to lay onto a page after rendering (vector, as issued), as the
    content of a tagged figure when ``mcid`` is given."""

    page: int
    x: float
    y: float
    width: float
    height: float
    pdf: bytes
    mcid: int | None = None


@dataclass
class RenderState:
    """One rendering pass: the section being laid out and the impressions to merge afterwards.

    ``total`` is the page count from the previous pass (0 on the first, counting, pass);
    ``tagger`` records the structure tree (see ``tagging``), ``heading`` the section's title.
    """

    inputs: BundleInputs
    fonts: Fonts
    total: int = 0
    pages: int = 0
    section: tuple[str, str] = ("", "")
    section_page: int = 0
    section_titled: bool = True
    placements: list[Placement] = field(default_factory=list)
    tagger: Tagger = field(default_factory=Tagger)
    heading: Element | None = None

    def styles(self) -> dict[str, ParagraphStyle]:
        return styles(self.fonts)


# --- the frame ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FrameLine:
    """One line of the running header or footer, exactly as drawn."""

    text: str
    x: float
    y: float
    size: float
    right: bool = False
    accent: bool = False


@dataclass(frozen=True)
class FrameText:
    header: tuple[FrameLine, ...]
    footer: tuple[FrameLine, ...]


def frame_text(inputs: BundleInputs, number: int, total: int, fonts: Fonts) -> FrameText:
    """The running header and footer of page ``number``, fitted to the page width."""
    header_y = HEADER_RULE + 2 * mm
    case = fit(f"办件编号 Case No. {inputs.case_id}", fonts.sans, 8, CONTENT_WIDTH / 2)
    header = (
        FrameLine("企业开办电子证照包 · E-License Bundle", MARGIN, header_y, 8, accent=True),
        FrameLine(case, PAGE_WIDTH - MARGIN, header_y, 8, right=True),
    )
    pages = f"第 {number} 页 共 {total} 页 · Page {number} of {total}"
    uscc = f"  统一社会信用代码 {inputs.license.uscc}"
    room = CONTENT_WIDTH - stringWidth(pages, fonts.sans, 7.5) - 6 * mm
    name_room = room - stringWidth(uscc, fonts.sans, 7.5)
    # A long company name is shortened here only: the pages give it in full.
    owner = fit(inputs.company_name, fonts.sans, 7.5, name_room) + uscc
    footer = (
        FrameLine(owner, MARGIN, FOOTER_RULE - 4 * mm, 7.5),
        FrameLine(pages, PAGE_WIDTH - MARGIN, FOOTER_RULE - 4 * mm, 7.5, right=True),
        FrameLine(
            "本文件由 OneStop 平台电子签名（PAdES，含时间戳与验证数据），任何改动都会使签名失效；"
            "可用 onestop verify 离线验证。",
            MARGIN,
            FOOTER_RULE - 8 * mm,
            6.5,
        ),
        FrameLine(
            "Signed by the OneStop platform (PAdES with timestamp and validation data): any "
            "change invalidates the signature. Verify offline with onestop verify.",
            MARGIN,
            FOOTER_RULE - 11 * mm,
            6.5,
        ),
    )
    return FrameText(header, footer)


def fit(text: str, font: str, size: float, width: float) -> str:
    """``text``, cut short with an ellipsis if it is wider than ``width`` at ``size``."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + _ELLIPSIS, font, size) > width:
        text = text[:-1]
    return text + _ELLIPSIS


def _draw_frame(canvas: Canvas, state: RenderState, number: int) -> None:
    fonts = state.fonts
    text = frame_text(state.inputs, number, state.total, fonts)
    canvas.saveState()
    # Running header and footer: page furniture, not read aloud.
    with tagging.artifact(canvas, "Header"):
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(1.6)
        canvas.line(MARGIN, HEADER_RULE, PAGE_WIDTH - MARGIN, HEADER_RULE)
        canvas.setLineWidth(0.5)
        low = HEADER_RULE - HEADER_RULE_GAP
        canvas.line(MARGIN, low, PAGE_WIDTH - MARGIN, low)
        _draw_lines(canvas, fonts, text.header)
    with tagging.artifact(canvas, "Footer"):
        canvas.setStrokeColor(RULE)
        canvas.line(MARGIN, FOOTER_RULE, PAGE_WIDTH - MARGIN, FOOTER_RULE)
        _draw_lines(canvas, fonts, text.footer)
    canvas.restoreState()


def _draw_lines(canvas: Canvas, fonts: Fonts, lines: Sequence[FrameLine]) -> None:
    for line in lines:
        canvas.setFillColor(ACCENT if line.accent else MUTED)
        canvas.setFont(fonts.sans, line.size)
        if line.right:
            canvas.drawRightString(line.x, line.y, line.text)
        else:
            canvas.drawString(line.x, line.y, line.text)


def _draw_title(
    canvas: Canvas, fonts: Fonts, title: str, english: str, heading: Element | None
) -> None:
    """The page title: the section's heading on its first page (``heading``), a running header
    (an artifact) on the pages it continues on."""
    canvas.saveState()
    with tagging.mark(canvas, heading) if heading else tagging.artifact(canvas, "Header"):
        canvas.setFillColor(INK)
        canvas.setFont(fonts.song, 20)
        canvas.drawString(MARGIN, TITLE_BASELINE, title)
        width = canvas.stringWidth(title, fonts.song, 20)
        canvas.setFont(fonts.sans, 10)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN + width + 4 * mm, TITLE_BASELINE + 1, english)
    with tagging.artifact(canvas):
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(0.8)
        canvas.line(MARGIN, TITLE_BASELINE - 4 * mm, MARGIN + 22 * mm, TITLE_BASELINE - 4 * mm)
    canvas.restoreState()


def _end_page(state: RenderState, canvas: Canvas, _doc: Any) -> None:
    number = canvas.getPageNumber()
    state.pages = number
    _draw_frame(canvas, state, number)
    title, english = state.section
    if state.section_page != number:
        _draw_title(canvas, state.fonts, f"{title}（续）", f"{english} (continued)", None)
    elif state.section_titled:
        _draw_title(canvas, state.fonts, title, english, state.heading)


class SectionStart(Flowable):  # type: ignore[misc]
    """Takes no room: marks where a titled section (one or more pages) begins, and starts its
    ``Sect`` in the structure tree, headed by the page title (``H1``) drawn when the page ends."""

    def __init__(self, state: RenderState, title: str, english: str, *, titled: bool = True):
        super().__init__()
        self.state, self.title, self.english, self.titled = state, title, english, titled
        self.width = self.height = 0

    def wrap(self, _aw: float, _ah: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.state.section = (self.title, self.english)
        self.state.section_page = self.canv.getPageNumber()
        self.state.section_titled = self.titled
        tagger = tagging.active()
        if tagger is not None:
            tagger.start_section()
            self.state.heading = tagger.add("H1") if self.titled else None


def render_document(
    inputs: BundleInputs,
    story: Callable[[RenderState], list[Flowable]],
    metadata: Mapping[str, str],
) -> tuple[bytes, RenderState]:
    """Lay ``story`` out twice: once to count the pages, once with "page n of N" in the footer.

    The state of the second pass holds the impressions to merge and the structure tree."""
    fonts = bundle_fonts()
    total = 0
    for _pass in range(2):
        state = RenderState(inputs, fonts, total)
        buffer = BytesIO()
        doc = BaseDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=PAGE_HEIGHT - BODY_TOP,
            bottomMargin=BODY_BOTTOM,
            initialFontName=fonts.sans,
            pageCompression=1,
            **metadata,
        )
        end = partial(_end_page, state)
        cover = Frame(MARGIN, BODY_BOTTOM, CONTENT_WIDTH, COVER_TOP - BODY_BOTTOM, 0, 0, 0, 0)
        body = Frame(MARGIN, BODY_BOTTOM, CONTENT_WIDTH, BODY_TOP - BODY_BOTTOM, 0, 0, 0, 0)
        doc.addPageTemplates(
            [
                PageTemplate("cover", [cover], onPageEnd=end, autoNextPageTemplate="body"),
                PageTemplate("body", [body], onPageEnd=end),
            ]
        )
        # The counting pass's pages are thrown away: only the final pass records the tags.
        with tagging.recording(state.tagger) if total else nullcontext():
            doc.build(story(state))
        if total == state.pages:
            return buffer.getvalue(), state
        total = state.pages
    raise BundleError(f"the page count changed between layout passes ({total}, {state.pages})")


# --- type and text --------------------------------------------------------------------------


# Each paragraph style: font ("sans" or "song"), size, leading, colour, alignment, and whether a
# line may break between any two CJK characters.
STYLES: dict[str, tuple[str, float, float, colors.Color, int, bool]] = {
    "label": ("sans", 9, 11, INK, TA_LEFT, True),
    "label_en": ("sans", 6.5, 8, MUTED, TA_LEFT, False),
    "value": ("song", 10, 13.5, INK, TA_LEFT, True),
    "small": ("sans", 7.5, 10, INK, TA_LEFT, True),
    "note": ("sans", 7, 9.5, MUTED, TA_LEFT, True),
    "cell": ("sans", 8, 10, INK, TA_LEFT, True),
    "head": ("sans", 7.5, 9.5, colors.white, TA_LEFT, True),
    "cover_title": ("song", 28, 34, ACCENT, TA_CENTER, False),
    "cover_sub": ("sans", 10.5, 14, INK, TA_CENTER, False),
    "cover_note": ("sans", 8.5, 11, MUTED, TA_CENTER, True),
}


def styles(fonts: Fonts) -> dict[str, ParagraphStyle]:
    return {
        name: ParagraphStyle(
            name,
            fontName=getattr(fonts, font),
            fontSize=size,
            leading=leading,
            textColor=colour,
            alignment=alignment,
            wordWrap="CJK" if cjk_wrap else None,
        )
        for name, (font, size, leading, colour, alignment, cjk_wrap) in STYLES.items()
    }


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_LATIN_RUN = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")


def song_with_latin(text: str, sheet: Mapping[str, ParagraphStyle]) -> str:
    """Paragraph markup: Chinese in the Song face, Latin letters and digits in the sans face
    (the Ming face's Latin glyphs look like a typewriter's)."""
    sans = sheet["label"].fontName
    return _LATIN_RUN.sub(lambda m: f"<font name='{sans}'>{m.group(0)}</font>", esc(text))


class TaggedParagraph(Paragraph):  # type: ignore[misc]
    """A paragraph that is a structure element: ``P`` unless given a heading's ``role``. The
    parts of a paragraph split across pages are paragraphs of their own."""

    role = "P"

    def draw(self) -> None:
        with tagging.element(self.role, self.canv):
            super().draw()


def paragraph(markup: str, style: ParagraphStyle, role: str = "P") -> TaggedParagraph:
    result = TaggedParagraph(markup, style)
    result.role = role
    return result


def para(text: str, style: ParagraphStyle, role: str = "P") -> TaggedParagraph:
    return paragraph(esc(text), style, role)


class Heading(Flowable):  # type: ignore[misc]
    """A section heading: Chinese in the accent colour, English after it."""

    def __init__(self, fonts: Fonts, zh: str, en: str, *, space: float = 3.5 * mm):
        super().__init__()
        self.fonts, self.zh, self.en = fonts, zh, en
        self.space = space

    def wrap(self, aw: float, _ah: float) -> tuple[float, float]:
        self.width, self.height = aw, self.space + 7 * mm
        return self.width, self.height

    def draw(self) -> None:
        c, f = self.canv, self.fonts
        baseline = 3 * mm
        with tagging.element("H2", c):
            c.setFillColor(ACCENT)
            c.setFont(f.sans, 10.5)
            c.drawString(0, baseline, self.zh)
            c.setFillColor(MUTED)
            c.setFont(f.sans, 8)
            x = c.stringWidth(self.zh, f.sans, 10.5) + 2 * mm
            c.drawString(x, baseline, fit(self.en, f.sans, 8, self.width - x))


def section(fonts: Fonts, zh: str, en: str, *, keep: float = 30 * mm) -> list[Flowable]:
    """A heading that starts a new page rather than sit alone at the bottom of one."""
    return [CondPageBreak(keep), Heading(fonts, zh, en)]


def label(zh: str, en: str, sheet: Mapping[str, ParagraphStyle]) -> list[Paragraph]:
    return [para(zh, sheet["label"]), para(en, sheet["label_en"])]


# The look of a field table: a heavy rule above, a hairline under each row.
FIELD_RULES: list[tuple[Any, ...]] = [
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
    ("LINEABOVE", (0, 0), (-1, 0), 0.8, INK),
    ("LEFTPADDING", (0, 0), (-1, -1), 2),
    ("TOPPADDING", (0, 0), (-1, -1), 4),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
]


def field_table(
    rows: Sequence[tuple[str, str, str]],
    sheet: Mapping[str, ParagraphStyle],
    width: float = CONTENT_WIDTH,
    label_width: float = 38 * mm,
) -> Table:
    """Label (Chinese over English) and value rows; a value too long for a page is split."""
    data = [
        [label(zh, en, sheet), paragraph(song_with_latin(value or "—", sheet), sheet["value"])]
        for zh, en, value in rows
    ]
    return table(
        data,
        [label_width, width - label_width],
        sheet,
        FIELD_RULES,
        header=False,
        tags=TableTags(header_columns=(0,)),
    )


def paired_field_table(
    rows: Sequence[Sequence[tuple[str, str, str]]],
    sheet: Mapping[str, ParagraphStyle],
    label_width: float = 36 * mm,
) -> Table:
    """Like ``field_table`` with one or two fields a row: a single field spans the row."""
    value_width = CONTENT_WIDTH / 2 - label_width
    data: list[list[Any]] = []
    spans: list[tuple[Any, ...]] = []
    for index, fields in enumerate(rows):
        cells: list[Any] = []
        for zh, en, value in fields:
            markup = song_with_latin(value or "—", sheet)
            cells += [label(zh, en, sheet), paragraph(markup, sheet["value"])]
        if len(fields) == 1:
            cells += ["", ""]
            spans.append(("SPAN", (1, index), (3, index)))
        data.append(cells)
    tags = TableTags(header_columns=(0, 2), column_spans={(r, 1): 3 for (_s, (_c, r), _e) in spans})
    return table(
        data,
        [label_width, value_width, label_width, value_width],
        sheet,
        [*spans, *FIELD_RULES],
        header=False,
        tags=tags,
    )


class TableTags:
    """A table's structure, as reportlab's table render callback (``renderCB``, which the parts
    of a split table keep): ``Table``, ``TR``, ``TH`` (the first ``header_rows`` rows, scope
    column; the ``header_columns``, scope row) and ``TD``; the backgrounds and rules are
    artifacts. A ``layout`` table (one used to place things side by side or to draw a box) is
    no table: only its cells' contents are tagged, a text cell as a ``P``.

    A cell holding flowables is their container (they tag themselves); a text cell is a leaf.
    """

    def __init__(
        self,
        *,
        header_rows: int = 0,
        header_columns: Sequence[int] = (),
        column_spans: Mapping[tuple[int, int], int] | None = None,
        layout: bool = False,
    ):
        self.header_rows, self.header_columns = header_rows, tuple(header_columns)
        self.column_spans = dict(column_spans or {})
        self.layout = layout
        self._open: list[ExitStack] = []

    def _enter(self, context: Any = None) -> None:
        stack = ExitStack()
        if context is not None:
            stack.enter_context(context)
        self._open.append(stack)

    def _exit(self) -> None:
        self._open.pop().close()

    def __call__(self, table: Table, event: str, *args: Any) -> None:
        if tagging.active() is None:
            return
        canvas = table.canv
        if event in ("startBG", "startLines"):
            self._enter(tagging.artifact(canvas))
        elif event in ("endBG", "endLines"):
            self._exit()
        elif self.layout:
            if event == "startCell":
                text = not isinstance(args[2], list | tuple | Flowable)
                self._enter(tagging.element("P", canvas) if text else None)
            elif event == "endCell":
                self._exit()
        elif event == "startTable":
            self._enter(tagging.element("Table"))
        elif event == "startRow":
            self._enter(tagging.element("TR"))
        elif event == "startCell":
            row, column, value = args[0], args[1], args[2]
            attributes: dict[str, str | int] = {}
            if row < self.header_rows:
                role, attributes["Scope"] = "TH", "Column"
            elif column in self.header_columns:
                role, attributes["Scope"] = "TH", "Row"
            else:
                role = "TD"
            span = self.column_spans.get((row, column))
            if span:
                attributes["ColSpan"] = span
            leaf = not isinstance(value, list | tuple | Flowable)
            self._enter(tagging.element(role, canvas if leaf else None, attributes=attributes))
        elif event in ("endCell", "endRow", "endTable"):
            self._exit()


def table(
    data: list[list[Any]],
    widths: Sequence[float],
    sheet: Mapping[str, ParagraphStyle],
    commands: list[tuple[Any, ...]],
    *,
    header: bool,
    tags: TableTags | None = None,
) -> Table:
    """A table that continues across pages (header row repeated) and splits a row too tall for
    one page; tagged as ``tags`` says (by default: a header row if ``header``)."""
    if sum(widths) > CONTENT_WIDTH + 0.01:
        raise BundleError(f"a table {sum(widths):.1f} pt wide does not fit the page")
    # Every cell holds a Paragraph, but a Table still selects its default font (a Helvetica
    # that is never embedded) for each cell unless told otherwise.
    font = ("FONTNAME", (0, 0), (-1, -1), sheet["cell"].fontName)
    result = Table(
        data,
        colWidths=list(widths),
        repeatRows=1 if header else 0,
        splitInRow=1,
        hAlign="LEFT",
        longTableOptimize=1,
        renderCB=tags or TableTags(header_rows=1 if header else 0),
    )
    result.setStyle(TableStyle([font, *commands]))
    return result


def grid_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    sheet: Mapping[str, ParagraphStyle],
    widths: Sequence[float],
    *,
    total_row: bool = False,
) -> Table:
    """A table with a header bar; long cells wrap, long tables continue on the next page."""

    body = sheet["cell"]
    padding = 3

    def cell(value: Any, width: float) -> Any:
        # A Paragraph only where the text needs wrapping: laying out thousands of them is what
        # makes a long table slow.
        if not isinstance(value, str):
            return value
        if stringWidth(value, body.fontName, body.fontSize) <= width - 2 * padding:
            return value
        return para(value, body)

    data: list[list[Any]] = [[para(h, sheet["head"]) for h in header]]
    data += [[cell(v, w) for v, w in zip(row, widths, strict=True)] for row in rows]
    commands: list[tuple[Any, ...]] = [
        ("FONTSIZE", (0, 1), (-1, -1), body.fontSize),
        ("LEADING", (0, 1), (-1, -1), body.leading),
        ("TEXTCOLOR", (0, 1), (-1, -1), body.textColor),
        ("BACKGROUND", (0, 0), (-1, 0), BAR),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
    ]
    last = len(data) - 1
    for row in range(2, len(data), 2):
        commands.append(("BACKGROUND", (0, row), (-1, row), SHADE))
    if total_row and last > 0:
        commands += [
            ("LINEABOVE", (0, last), (-1, last), 0.8, INK),
            ("BACKGROUND", (0, last), (-1, last), colors.white),
        ]
    return table(data, widths, sheet, commands, header=True)


# --- values ---------------------------------------------------------------------------------


def when(ts: Any) -> str:
    value = from_timestamp(ts) if not isinstance(ts, datetime) else to_shanghai(ts)
    return "—" if value is None else f"{value:%Y-%m-%d %H:%M}"


def money(value: common_pb2.Money) -> str:
    if not value.amount:
        return "—"
    try:
        amount = Decimal(value.amount)
    except InvalidOperation:
        return value.amount
    currency = value.currency or "CNY"
    text = f"{amount.quantize(_CENTI, ROUND_HALF_UP):,}"
    return f"{text} 元" if currency == "CNY" else f"{text} {currency}"


def money_sum(values: Sequence[common_pb2.Money]) -> common_pb2.Money:
    total = Decimal(0)
    currency = "CNY"
    for value in values:
        if value.amount:
            total += Decimal(value.amount)
            currency = value.currency or currency
    return common_pb2.Money(amount=format(total, "f"), currency=currency)


def hours(value: Decimal) -> str:
    # Two decimals below an hour: the automatic steps take minutes, not "0.0 h".
    return f"{value.quantize(_CENTI if value < 1 else _TENTH, ROUND_HALF_UP)}"


def rate(text: str) -> str:
    try:
        return f"{(Decimal(text) * 100).normalize():f}%"
    except InvalidOperation:
        return text or "—"


def decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
