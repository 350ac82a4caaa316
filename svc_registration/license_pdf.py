"""Draws the electronic business license (电子营业执照) as a one-page A4 PDF: the printed fields
of the license in an embedded CJK TrueType font, and a vector QR code carrying the USCC and the
status-lookup reference. Signing is the caller's (``documents.sign_license``)."""

from __future__ import annotations

from io import BytesIO

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from onestop_common.fonts import cjk_font
from svc_registration.domain import LicenseFacts

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
FRAME_RED = colors.Color(0.62, 0.12, 0.10)
INK = colors.Color(0.1, 0.1, 0.1)
QR_SIZE = 32 * mm
# Where the registration authority's (invisible) certification signature sits, for reference.
SIGNATURE_FIELD = "RegistrationAuthority"


def render_license(facts: LicenseFacts) -> bytes:
    """The unsigned license PDF."""
    sans, song = cjk_font("sans"), cjk_font("song")
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1)
    canvas.setTitle(f"营业执照 {facts.company_name}")
    canvas.setAuthor(facts.registration_authority)
    canvas.setSubject(f"统一社会信用代码 {facts.uscc}")
    canvas.setCreator("OneStop registration service")
    _frame(canvas)
    _heading(canvas, facts, sans, song)
    _fields(canvas, facts, sans, song)
    _footer(canvas, facts, sans, song)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _frame(canvas: Canvas) -> None:
    canvas.setStrokeColor(FRAME_RED)
    canvas.setLineWidth(3)
    canvas.rect(10 * mm, 10 * mm, PAGE_WIDTH - 20 * mm, PAGE_HEIGHT - 20 * mm)
    canvas.setLineWidth(0.8)
    canvas.rect(13 * mm, 13 * mm, PAGE_WIDTH - 26 * mm, PAGE_HEIGHT - 26 * mm)


def _heading(canvas: Canvas, facts: LicenseFacts, sans: str, song: str) -> None:
    top = PAGE_HEIGHT - 30 * mm
    canvas.setFillColor(INK)
    canvas.setFont(song, 11)
    canvas.drawString(MARGIN + 4 * mm, top, f"统一社会信用代码  {facts.uscc}")
    canvas.setFont(sans, 8)
    canvas.drawString(MARGIN + 4 * mm, top - 5 * mm, f"编号 / No.  {facts.license_number}")
    canvas.setFillColor(FRAME_RED)
    canvas.setFont(song, 40)
    canvas.drawCentredString(PAGE_WIDTH / 2, top - 26 * mm, "营 业 执 照")
    canvas.setFont(song, 13)
    canvas.drawCentredString(PAGE_WIDTH / 2, top - 34 * mm, "（电 子 营 业 执 照）")
    canvas.setFont(sans, 9)
    canvas.drawCentredString(PAGE_WIDTH / 2, top - 40 * mm, "BUSINESS LICENSE (ELECTRONIC)")
    _qr(canvas, facts.qr_payload, PAGE_WIDTH - MARGIN - QR_SIZE - 4 * mm, top - QR_SIZE + 4 * mm)
    canvas.setFillColor(INK)
    canvas.setFont(sans, 6.5)
    canvas.drawCentredString(
        PAGE_WIDTH - MARGIN - QR_SIZE / 2 - 4 * mm, top - QR_SIZE + 1 * mm, "扫描二维码查询执照状态"
    )


def _qr(canvas: Canvas, payload: str, x: float, y: float) -> None:
    widget = QrCodeWidget(payload, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(
        QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x2 - x1), 0, 0, QR_SIZE / (y2 - y1), 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def _fields(canvas: Canvas, facts: LicenseFacts, sans: str, song: str) -> None:
    label_style = ParagraphStyle("label", fontName=sans, fontSize=11, leading=16, textColor=INK)
    value_style = ParagraphStyle(
        "value", fontName=song, fontSize=11.5, leading=17, textColor=INK, wordWrap="CJK"
    )
    rows = [
        ("名称", facts.company_name),
        ("类型", facts.type_label),
        (facts.legal_rep_label, facts.legal_representative),
        (facts.capital_label, facts.capital_text),
        ("成立日期", f"{facts.date_of_establishment:%Y年%m月%d日}"),
        (facts.term_label, facts.term_text),
        (facts.domicile_label, facts.domicile),
        ("经营范围", facts.business_scope),
    ]
    label_x = MARGIN + 8 * mm
    value_x = MARGIN + 40 * mm
    width = PAGE_WIDTH - value_x - MARGIN - 8 * mm
    y = PAGE_HEIGHT - 88 * mm
    for label, value in rows:
        # Two-character labels are spread to the width of four, as licenses print them.
        spaced = "\u3000\u3000".join(label) if len(label) == 2 else label
        label_par = Paragraph(spaced, label_style)
        value_par = Paragraph(_escape(value), value_style)
        _, value_height = value_par.wrap(width, PAGE_HEIGHT)
        label_par.wrap(value_x - label_x, PAGE_HEIGHT)
        y -= max(value_height, label_style.leading)
        label_par.drawOn(canvas, label_x, y + value_height - label_style.leading)
        value_par.drawOn(canvas, value_x, y)
        y -= 6 * mm


def _footer(canvas: Canvas, facts: LicenseFacts, sans: str, song: str) -> None:
    base = 40 * mm
    canvas.setFillColor(INK)
    canvas.setFont(song, 12)
    right = PAGE_WIDTH - MARGIN - 10 * mm
    canvas.drawRightString(right, base + 14 * mm, f"登记机关  {facts.registration_authority}")
    canvas.drawRightString(right, base + 6 * mm, f"{facts.issued_on:%Y年%m月%d日}")
    canvas.setFont(sans, 7.5)
    canvas.drawString(
        MARGIN + 4 * mm,
        22 * mm,
        "本执照由登记机关以电子签名（PAdES，认证签名）签署并加盖时间戳；"
        "任何改动都会使签名失效。可凭统一社会信用代码查询执照状态。",
    )
    canvas.drawString(
        MARGIN + 4 * mm,
        18 * mm,
        "Signed by the registration authority (PAdES certification signature with a "
        "timestamp); any change invalidates it. Status lookup by USCC.",
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
