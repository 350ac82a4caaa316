"""The bundle's pages: the cover, then the license, seals, tax, social insurance and bank
sections, each starting on a new page and continuing on as many pages as its content needs.

The pages carry the registered facts only; where a rule or rate comes from and how far it was
checked is in the manifest's provenance section (see ``provenance``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from io import BytesIO
from typing import Any

import pikepdf
from cryptography import x509
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Rect
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table, TableStyle

from onestop.common.v1 import application_pb2
from onestop.invoice.v1 import invoice_pb2
from onestop.registration.v1 import registration_pb2
from onestop.seal.v1 import seal_pb2
from onestop.social_insurance.v1 import social_insurance_pb2
from onestop_common.identifiers import mask_account_number, mask_id_number
from onestop_common.seal_drawing import draw_seal
from onestop_common.seal_spec import SealKind, SealSpec, seal_size_mm
from onestop_common.signing import Attachment
from orchestrator.bundle import tagging
from orchestrator.bundle.cover import cover_story
from orchestrator.bundle.layout import (
    CONTENT_WIDTH,
    INK,
    MUTED,
    RULE,
    Placement,
    RenderState,
    SectionStart,
    TableTags,
    esc,
    field_table,
    grid_table,
    money,
    money_sum,
    para,
    paragraph,
    rate,
    render_document,
    section,
    table,
    when,
)
from orchestrator.bundle.manifest import sha256_hex
from orchestrator.bundle.model import APPLICATION_NAME, BundleInputs
from orchestrator.bundle.provenance import official_text
from orchestrator.signatures import role_text

_SEAL_KINDS = {
    application_pb2.SEAL_KIND_OFFICIAL: SealKind.OFFICIAL,
    application_pb2.SEAL_KIND_FINANCE: SealKind.FINANCE,
    application_pb2.SEAL_KIND_INVOICE: SealKind.INVOICE,
    application_pb2.SEAL_KIND_LEGAL_REP: SealKind.LEGAL_REP,
    application_pb2.SEAL_KIND_CONTRACT: SealKind.CONTRACT,
}
_SEAL_KIND_EN = {
    SealKind.OFFICIAL: "Official seal",
    SealKind.FINANCE: "Finance seal",
    SealKind.INVOICE: "Invoice seal",
    SealKind.LEGAL_REP: "Legal representative's seal",
    SealKind.CONTRACT: "Contract seal",
}
_VAT_STATUS = {
    invoice_pb2.VAT_STATUS_SMALL_SCALE: ("小规模纳税人", "small-scale taxpayer"),
    invoice_pb2.VAT_STATUS_GENERAL: ("一般纳税人", "general taxpayer"),
}
_INVOICE_KINDS = {
    application_pb2.INVOICE_KIND_DIGITAL_ORDINARY: (
        "数电票（普通发票）",
        "digital ordinary invoice",
    ),
    application_pb2.INVOICE_KIND_DIGITAL_SPECIAL: (
        "数电票（增值税专用发票）",
        "digital special VAT invoice",
    ),
}
_INSURANCES = {
    "pension": ("养老保险", "pension"),
    "medical": ("医疗保险", "medical"),
    "unemployment": ("失业保险", "unemployment"),
    "work_injury": ("工伤保险", "work injury"),
    "maternity": ("生育保险", "maternity"),
}
_ACCOUNT_TYPES = {"basic": ("基本存款账户", "basic deposit account")}

Story = Callable[[RenderState], list[Flowable]]


def render_pages(
    inputs: BundleInputs,
    attachments: Sequence[Attachment] = (),
    *,
    trust_root: x509.Certificate,
    signer: x509.Certificate | None = None,
    lta: bool = True,
) -> bytes:
    """The unsigned bundle pages (A4, embedded CJK fonts, Chinese first with English labels), a
    tagged PDF (structure tree in reading order, language zh-CN, alternate text for the figures;
    see ``tagging``)."""
    sections: list[tuple[str, str, Story]] = [
        ("营业执照", "Business license", _license),
        ("印章", "Company seals", _seals),
        ("税务登记与发票", "Tax registration and invoices", _tax),
        ("社会保险登记", "Social insurance registration", _social_insurance),
        ("银行基本存款账户", "Basic deposit bank account", _bank),
    ]
    if inputs.person_signatures:
        sections.append(("申请人签署", "Who confirmed and signed the application", _signatures))

    def story(state: RenderState) -> list[Flowable]:
        flow = cover_story(state, attachments, trust_root, signer, lta)
        for title, english, build in sections:
            flow += [PageBreak(), SectionStart(state, title, english), *build(state)]
        return flow

    metadata = {
        "title": f"企业开办电子证照包 {inputs.company_name}",
        "author": "OneStop 企业开办平台 (Tianjin Baodi)",
        "subject": f"统一社会信用代码 {inputs.license.uscc} · 办件 {inputs.case_id}",
        "creator": "OneStop orchestrator",
    }
    pdf, state = render_document(inputs, story, metadata)
    with pikepdf.open(BytesIO(pdf)) as doc:
        _merge_impressions(doc, state.placements)
        tagging.write_structure(doc, state.tagger, title=metadata["title"])
        out = BytesIO()
        doc.save(out, compress_streams=True)
    return out.getvalue()


def _merge_impressions(doc: pikepdf.Pdf, placements: Sequence[Placement]) -> None:
    """Lay each issued impression onto its page as a form XObject, as it was issued (vector),
    inside its figure's marked content."""
    drawn: dict[int, list[bytes]] = {}
    for placement in placements:
        with pikepdf.open(BytesIO(placement.pdf)) as source:
            impression = source.pages[0]
            left, bottom, right, top = (float(v) for v in impression.mediabox)
            form = doc.copy_foreign(impression.as_form_xobject())
        width, height = right - left, top - bottom
        scale = min(1.0, placement.width / width, placement.height / height)
        dx = placement.x + (placement.width - width * scale) / 2 - left * scale
        dy = placement.y + (placement.height - height * scale) / 2 - bottom * scale
        name = doc.pages[placement.page].add_resource(form, pikepdf.Name.XObject, prefix="Seal")
        ops = f"q {scale:.6f} 0 0 {scale:.6f} {dx:.4f} {dy:.4f} cm {name} Do Q"
        if placement.mcid is not None:
            ops = f"/Figure <</MCID {placement.mcid}>> BDC {ops} EMC"
        drawn.setdefault(placement.page, []).append(ops.encode())
    for number, operators in drawn.items():
        page = doc.pages[number]
        # The page's own content in a saved graphics state, so the impressions start from the
        # page's default one.
        page.contents_add(b"q\n", prepend=True)
        page.contents_add(b"\nQ\n" + b"\n".join(operators) + b"\n")


# --- license --------------------------------------------------------------------------------


def _license(state: RenderState) -> list[Flowable]:
    lic, sheet, fonts = state.inputs.license, state.styles(), state.fonts
    qr_size = 34 * mm
    gap = 6 * mm
    text_w = CONTENT_WIDTH - qr_size - gap
    intro = (
        "以下为电子营业执照记载事项。登记机关签发的原件作为附件 license.pdf 嵌入本文件，"
        "其认证签名保持完整，可单独验证。"
    )
    intro_en = (
        "The particulars of the electronic business license. The registration authority's "
        "signed original is embedded as license.pdf, its certification signature intact and "
        "verifiable on its own."
    )
    head = [
        ("统一社会信用代码", "Unified social credit code", lic.uscc),
        ("执照编号", "License number", lic.license_number),
        ("状态", "Status", _license_status(lic.status)),
    ]
    caption = ParagraphStyle("qr", parent=sheet["note"], alignment=TA_CENTER, fontSize=6.5)
    left = [
        para(intro, sheet["small"]),
        Spacer(0, 1 * mm),
        para(intro_en, sheet["note"]),
        Spacer(0, 3 * mm),
        field_table(head, sheet, text_w),
    ]
    right = [
        _QrCode(state.inputs.public_url or lic.qr_payload or lic.uscc, qr_size),
        para("扫码查询执照状态 · status lookup", caption),
    ]
    top = Table(
        [[left, right]],
        colWidths=[text_w + gap, qr_size],
        hAlign="LEFT",
        renderCB=TableTags(layout=True),
    )
    top.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.sans),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), gap),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    rows = [
        ("名称", "Name", lic.company_name),
        ("类型", "Enterprise type", lic.enterprise_type),
        ("法定代表人", "Legal representative", lic.legal_representative),
        ("注册资本", "Registered capital (subscribed)", money(lic.registered_capital)),
        ("成立日期", "Date of establishment", lic.date_of_establishment),
        ("营业期限", "Operating term", lic.operating_term or "长期"),
        ("住所", "Domicile", lic.domicile),
        ("经营范围", "Business scope", lic.business_scope),
        ("登记机关", "Registration authority", lic.registration_authority),
        ("核准时间", "Issued", when(lic.issued_at)),
    ]
    flow: list[Flowable] = [top, Spacer(0, 4 * mm), field_table(rows, sheet)]
    if lic.committed_materials:
        items = [f"{m.name_zh}（{m.name_en}）" for m in lic.committed_materials]
        # The 60 days run from the day of the commitment and end at 24:00 of their last day.
        due = (
            f"{lic.commitment_last_day} 24:00"
            if lic.commitment_last_day
            else when(lic.commitment_due_at)
        )
        text = (
            "；".join(items) + f"。承诺期限 due {due}；状态 state: {lic.commitment_state or 'open'}"
        )
        flow += [
            *section(fonts, "承诺制", "Commitment route: materials still owed"),
            para(text, sheet["small"]),
        ]
    digest = sha256_hex(state.inputs.license_pdf)
    lines = [
        f"SHA-256: {digest}",
        f"大小 size: {len(state.inputs.license_pdf):,} bytes · 登记记录中的哈希 hash on record: "
        + _record_match(lic.pdf_sha256, digest),
        f"二维码内容 QR payload: {lic.qr_payload or lic.uscc}",
    ]
    flow += section(fonts, "原件", "The signed original (embedded file license.pdf)")
    flow += [_spaced(para(line, sheet["small"])) for line in lines]
    return flow


def _spaced(paragraph: Paragraph, after: float = 1 * mm) -> Paragraph:
    paragraph.spaceAfter = after
    return paragraph


def _record_match(recorded: str, digest: str) -> str:
    if not recorded:
        return "无记录 none on record"
    return "一致 matches" if recorded == digest else f"不一致 DIFFERS ({recorded})"


def _license_status(status: int) -> str:
    return {
        registration_pb2.LICENSE_STATUS_VALID: "有效 valid",
        registration_pb2.LICENSE_STATUS_REVOKED: "已吊销 revoked",
    }.get(status, "—")


class _QrCode(Flowable):  # type: ignore[misc]
    """The QR code as filled squares; renderPDF would reference a non-embedded Helvetica."""

    def __init__(self, payload: str, size: float):
        super().__init__()
        self.payload, self.size = payload, size

    def wrap(self, _aw: float, _ah: float) -> tuple[float, float]:
        self.width = self.height = self.size
        return self.size, self.size + 1 * mm

    def draw(self) -> None:
        canvas: Canvas = self.canv
        alt = f"二维码，扫码查询执照状态 QR code for the license status: {self.payload}"
        with tagging.element("Figure", canvas, alt=alt):
            self._draw(canvas)

    def _draw(self, canvas: Canvas) -> None:
        widget = QrCodeWidget(self.payload, barLevel="M")
        x1, y1, x2, y2 = widget.getBounds()
        scale_x, scale_y = self.size / (x2 - x1), self.size / (y2 - y1)
        canvas.saveState()
        canvas.setFillColor(colors.black)
        for shape in widget.draw().contents:
            if isinstance(shape, Rect) and shape.fillColor is not None:
                canvas.rect(
                    (shape.x - x1) * scale_x,
                    1 * mm + (shape.y - y1) * scale_y,
                    shape.width * scale_x,
                    shape.height * scale_y,
                    stroke=0,
                    fill=1,
                )
        canvas.restoreState()


# --- seals ----------------------------------------------------------------------------------


def _seals(state: RenderState) -> list[Flowable]:
    sheet = state.styles()
    if not state.inputs.seals:
        return [para("本案未刻制印章。No seals were made in this case.", sheet["small"])]
    intro = (
        "印模按印章服务签发的矢量印模原样呈现；电子印章证书及其吊销列表作为附件嵌入。"
        "The impressions as issued by the seal service (vector); the e-seal certificates "
        "and CRLs are embedded."
    )
    return [
        _spaced(para(intro, sheet["note"]), 2 * mm),
        *(_SealCard(state, seal) for seal in state.inputs.seals),
    ]


_IMPRESSION = 42 * mm


class _SealCard(Flowable):  # type: ignore[misc]
    """One seal: its impression beside its code, filing and certificate; as tall as it needs."""

    def __init__(self, state: RenderState, seal: seal_pb2.Seal):
        super().__init__()
        self.state, self.seal = state, seal
        self.hAlign = "LEFT"
        self.info_x = _IMPRESSION + 8 * mm
        kind = _SEAL_KINDS.get(seal.kind)
        self.title = (kind.label_zh, _SEAL_KIND_EN[kind]) if kind else ("印章", "Seal")
        self.origin = (0.0, 0.0)

    def _table(self, width: float) -> Table:
        seal = self.seal
        forms = [
            w
            for w, on in (
                ("实体章 physical", seal.physical),
                ("电子印章 electronic", seal.electronic),
            )
            if on
        ]
        rows = [
            ("印章编码", "Seal code", seal.seal_code),
            (
                "公安备案号",
                "Police filing",
                f"{seal.filing_number}　备案 filed {when(seal.filed_at)}",
            ),
            ("形式", "Form", " + ".join(forms) or "—"),
            ("证书序列号", "Certificate serial", seal.certificate_serial or "—"),
            ("证书签发者", "Certificate issuer", _seal_issuer(seal)),
            ("证书有效期", "Certificate validity", _validity(seal)),
        ]
        return _seal_table(rows, self.state.styles(), width)

    def wrap(self, aw: float, _ah: float) -> tuple[float, float]:
        self.width = aw
        self.table = self._table(aw - self.info_x - 3 * mm)
        _w, table_h = self.table.wrap(aw - self.info_x - 3 * mm, 10_000)
        self.table_h = table_h
        self.card_h = max(_IMPRESSION + 5 * mm, 8.5 * mm + table_h + 3 * mm)
        self.height = self.card_h + 1 * mm
        return self.width, self.height

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        # The issued impression is merged in after rendering, at this absolute position.
        self.origin = (x, y)
        super().drawOn(canvas, x, y, _sW)

    def draw(self) -> None:
        # Read as: the seal's name (a heading), its impression (a figure), its particulars.
        c, f = self.canv, self.state.fonts
        with tagging.artifact(c):
            c.setStrokeColor(RULE)
            c.setLineWidth(0.5)
            c.roundRect(0, 0, self.width, self.card_h, 2 * mm, 1, 0)
        top = self.card_h
        title_zh, title_en = self.title
        with tagging.element("H2", c):
            c.setFillColor(INK)
            c.setFont(f.song, 12.5)
            c.drawString(self.info_x, top - 6 * mm, title_zh)
            c.setFillColor(MUTED)
            c.setFont(f.sans, 8.5)
            x = self.info_x + c.stringWidth(title_zh, f.song, 12.5) + 3 * mm
            c.drawString(x, top - 6 * mm, title_en)
        box_x, box_y = 2.5 * mm, (self.card_h - _IMPRESSION) / 2
        self._impression(box_x, box_y)
        self.table.drawOn(c, self.info_x, top - 8.5 * mm - self.table_h)

    def _alt(self) -> str:
        seal, (title_zh, title_en) = self.seal, self.title
        name = seal.company_name or self.state.inputs.company_name
        if not seal.impression_pdf and _SEAL_KINDS.get(seal.kind) is None:
            return f"{title_zh}：无印模 {title_en}: no impression"
        return (
            f"{title_zh}印模：{name}，印章编码 {seal.seal_code or '—'} · "
            f"{title_en} impression: {name}, seal code {seal.seal_code or '—'}"
        )

    def _impression(self, x: float, y: float) -> None:
        seal, size = self.seal, _IMPRESSION
        if seal.impression_pdf:
            page = self.canv.getPageNumber() - 1
            ox, oy = self.origin
            tagger = tagging.active()
            mcid = None
            if tagger is not None:
                mcid = tagger.reserve(page, tagger.add("Figure", alt=self._alt()))
            self.state.placements.append(
                Placement(page, ox + x, oy + y, size, size, seal.impression_pdf, mcid)
            )
            return
        with tagging.element("Figure", self.canv, alt=self._alt()):
            self._drawn_impression(x, y)

    def _drawn_impression(self, x: float, y: float) -> None:
        seal, inputs, size = self.seal, self.state.inputs, _IMPRESSION
        kind = _SEAL_KINDS.get(seal.kind)
        try:
            if kind is None:
                raise ValueError("unknown seal kind")
            spec = SealSpec(
                kind=kind,
                company_name=seal.company_name or inputs.company_name,
                seal_code=seal.seal_code,
                uscc=seal.uscc or inputs.license.uscc,
                person_name=inputs.form.legal_representative.name,
            )
        except ValueError:
            c = self.canv
            c.setStrokeColor(RULE)
            c.rect(x, y, size, size)
            c.setFont(self.state.fonts.sans, 7)
            c.setFillColor(MUTED)
            c.drawCentredString(x + size / 2, y + size / 2, "无印模 no impression")
            return
        width, height = (side * mm for side in seal_size_mm(kind))
        draw_seal(self.canv, spec, x + (size - width) / 2, y + (size - height) / 2)


def _validity(seal: seal_pb2.Seal) -> str:
    if not seal.certificate_pem:
        return "—"
    return f"{when(seal.certificate_not_before)} 至 to {when(seal.certificate_not_after)}"


def _seal_issuer(seal: seal_pb2.Seal) -> str:
    if not seal.certificate_pem:
        return "—"
    try:
        cert = x509.load_pem_x509_certificate(seal.certificate_pem.encode())
    except ValueError:
        return "证书无法解析 unreadable certificate"
    values = [a.value for a in cert.issuer.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
    return str(values[0]) if values else cert.issuer.rfc4514_string()


def _seal_table(
    rows: Sequence[tuple[str, str, str]], sheet: Mapping[str, ParagraphStyle], width: float
) -> Table:
    label_w = 36 * mm
    data = [
        [
            paragraph(f"{esc(zh)} <font size=6 color='#666666'>{esc(en)}</font>", sheet["cell"]),
            para(value, sheet["cell"]),
        ]
        for zh, en, value in rows
    ]
    return table(
        data,
        [label_w, width - label_w],
        sheet,
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LINEBELOW", (0, 0), (-1, -2), 0.3, RULE),
        ],
        header=False,
        tags=TableTags(header_columns=(0,)),
    )


# --- tax ------------------------------------------------------------------------------------


def _tax(state: RenderState) -> list[Flowable]:
    tax, sheet, fonts = state.inputs.taxpayer, state.styles(), state.fonts
    vat_zh, vat_en = _VAT_STATUS.get(tax.vat_status, ("—", "unspecified"))
    basis, _caveats = official_text(tax.vat_status_legal_basis)
    rows = [
        ("纳税人识别号", "Taxpayer ID", tax.taxpayer_id),
        ("纳税人名称", "Taxpayer", tax.company_name),
        ("主管税务机关", "Competent tax office", tax.tax_office),
        ("登记时间", "Registered", when(tax.registered_at)),
        ("增值税纳税人类型", "VAT status", f"{vat_zh}（{vat_en}）"),
        ("征收率 / 税率", "VAT rate", rate(tax.vat_rate)),
        ("认定依据", "Legal basis", basis),
        (
            "法定代表人",
            "Legal representative",
            f"{tax.legal_representative_name}　{tax.legal_representative_id_masked}",
        ),
        (
            "财务负责人",
            "Finance contact",
            f"{tax.finance_contact_name}　{tax.finance_contact_id_masked}",
        ),
    ]
    quota = tax.quota
    kinds = "、".join(
        "{}（{}）".format(*_INVOICE_KINDS.get(k, ("—", "unspecified"))) for k in quota.kinds
    )
    quota_rows = [
        ("票种", "Invoice kinds", kinds or "—"),
        ("发票总额度（每月）", "Monthly credit line (授信额度)", money(quota.credit_line)),
        (
            "额度测算依据",
            "Line estimated from",
            f"单张约 about {money(quota.max_amount_per_invoice)} × "
            f"每月约 about {quota.monthly_quantity} 张 invoices（非限额 not limits）",
        ),
    ]
    flow: list[Flowable] = [
        field_table(rows, sheet, label_width=44 * mm),
        *section(fonts, "发票核定", "Invoice kinds and credit line (票种核定)"),
        field_table(quota_rows, sheet, label_width=44 * mm),
    ]
    if tax.rules:
        widths = [62 * mm, CONTENT_WIDTH - 62 * mm]
        data = [[r.rule, r.value or "—"] for r in tax.rules]
        flow += [
            *section(fonts, "适用规则", "Rules applied to this registration"),
            grid_table(["规则 rule", "取值 value"], data, sheet, widths),
        ]
    note = (
        "登记事项以主管税务机关的记录为准；所适用规则的出处见内嵌文件 manifest.json。"
        "The tax office's records prevail; where each rule applied comes from is recorded in "
        "the embedded manifest.json."
    )
    flow += [Spacer(0, 2 * mm), para(note, sheet["note"])]
    return flow


# --- social insurance -----------------------------------------------------------------------


def _social_insurance(state: RenderState) -> list[Flowable]:
    employer, sheet, fonts = state.inputs.employer, state.styles(), state.fonts
    rows = [
        ("社会保险登记编号", "Registration number", employer.registration_number),
        ("单位名称", "Employer", employer.company_name),
        ("统一社会信用代码", "USCC", employer.uscc),
        ("经办机构", "Agency", employer.agency),
        ("登记时间", "Registered", when(employer.registered_at)),
    ]
    enrolments = list(employer.enrolments)
    data: list[list[str]] = []
    for number, e in enumerate(enrolments, start=1):
        total = money_sum([e.employer_total, e.employee_total])
        data.append(
            [
                str(number),
                e.name,
                mask_id_number(e.social_security_number),
                e.start_date,
                money(e.contribution_base) + (" *" if e.base_adjusted else ""),
                money(e.employer_total),
                money(e.employee_total),
                money(total),
            ]
        )
    data.append(
        [
            "",
            f"合计 total ({len(enrolments)})",
            "",
            "",
            "",
            money(employer.employer_total),
            money(employer.employee_total),
            money(money_sum([employer.employer_total, employer.employee_total])),
        ]
    )
    widths = [9 * mm, 21 * mm, 34 * mm, 19.5 * mm, 22.5 * mm, 22.5 * mm, 22.5 * mm]
    widths.append(CONTENT_WIDTH - sum(widths))
    header = [
        "#",
        "姓名 name",
        "社会保障号码 SSN (masked)",
        "参保日期 start",
        "缴费基数 base",
        "单位 employer",
        "个人 employee",
        "合计 total",
    ]
    flow: list[Flowable] = [
        field_table(rows, sheet, label_width=44 * mm),
        *section(fonts, "职工参保", "Enrolled employees and first-month contributions"),
        grid_table(header, data, sheet, widths, total_row=True),
    ]
    if any(e.base_adjusted for e in enrolments):
        note = (
            "* 申报工资超出缴费基数上下限，已按上下限调整。* base adjusted to the floor or ceiling."
        )
        flow += [Spacer(0, 1.5 * mm), para(note, sheet["note"])]
    flow += [
        *section(fonts, "分险种", "By insurance, all employees, first month"),
        _insurance_table(enrolments, sheet),
    ]
    return flow


def _insurance_table(
    enrolments: Sequence[social_insurance_pb2.Enrolment], sheet: Mapping[str, ParagraphStyle]
) -> Table:
    order: list[str] = []
    sums: dict[str, dict[str, Any]] = {}
    for enrolment in enrolments:
        for item in enrolment.contributions:
            if item.insurance not in sums:
                order.append(item.insurance)
                sums[item.insurance] = {
                    "employer_rate": item.employer_rate,
                    "employee_rate": item.employee_rate,
                    "employer": [],
                    "employee": [],
                }
            sums[item.insurance]["employer"].append(item.employer_amount)
            sums[item.insurance]["employee"].append(item.employee_amount)
    rows = []
    for insurance in order:
        s = sums[insurance]
        zh, en = _INSURANCES.get(insurance, (insurance, insurance))
        rows.append(
            [
                f"{zh} {en}",
                rate(s["employer_rate"]),
                rate(s["employee_rate"]),
                money(money_sum(s["employer"])),
                money(money_sum(s["employee"])),
            ]
        )
    widths = [50 * mm, 28 * mm, 28 * mm, 34 * mm]
    widths.append(CONTENT_WIDTH - sum(widths))
    header = [
        "险种 insurance",
        "单位费率 employer rate",
        "个人费率 employee rate",
        "单位 employer",
        "个人 employee",
    ]
    return grid_table(header, rows, sheet, widths)


# --- bank -----------------------------------------------------------------------------------


def _bank(state: RenderState) -> list[Flowable]:
    account, sheet, fonts = state.inputs.account, state.styles(), state.fonts
    type_zh, type_en = _ACCOUNT_TYPES.get(account.account_type, (account.account_type, ""))
    rows = [
        ("开户银行", "Bank", account.bank_name),
        ("开户网点", "Branch", account.branch_name),
        ("账户类型", "Account type", f"{type_zh}（{type_en}）" if type_en else type_zh),
        ("账号", "Account number (masked)", mask_account_number(account.account_number)),
        ("户名", "Account holder", account.company_name),
        ("开户时间", "Opened", when(account.opened_at)),
        ("基本存款账户备案号", "Central-bank filing number", account.filing_number),
        ("备案日期", "Filed", when(account.filed_at)),
        ("开户信息告知书编号", "Account notice number", account.notice_number),
        ("预留印鉴", "Specimen seals", "、".join(account.specimen_seal_codes) or "—"),
    ]
    flow: list[Flowable] = [field_table(rows, sheet, label_width=48 * mm)]
    if account.due_diligence:
        data = [
            [d.check, "通过 passed" if d.passed else "未通过 FAILED", d.detail]
            for d in account.due_diligence
        ]
        widths = [50 * mm, 26 * mm, CONTENT_WIDTH - 76 * mm]
        flow += [
            *section(fonts, "尽职调查", "Customer due diligence"),
            grid_table(["检查 check", "结果 result", "说明 detail"], data, sheet, widths),
        ]
    if account.beneficial_owners:
        data = [[o.name, o.id_number_masked, rate(o.share)] for o in account.beneficial_owners]
        widths = [50 * mm, 60 * mm, CONTENT_WIDTH - 110 * mm]
        flow += [
            *section(fonts, "受益所有人", "Beneficial owners"),
            grid_table(["姓名 name", "证件号码 ID (masked)", "份额 share"], data, sheet, widths),
        ]
    note = (
        "账号仅显示首尾各四位；完整账号见银行出具的开户信息告知书。"
        "Only the first and last four digits of the account number are shown; the full number "
        "is on the bank's account notice."
    )
    flow += [Spacer(0, 3 * mm), para(note, sheet["note"])]
    return flow


def _signatures(state: RenderState) -> list[Flowable]:
    sheet = state.styles()
    data = [
        [
            p.name,
            p.masked_id_number,
            role_text(list(p.roles)),
            when(p.signed_at),
            p.certificate_serial[:20],
        ]
        for p in state.inputs.person_signatures
    ]
    widths = [26 * mm, 38 * mm, 44 * mm, 30 * mm, CONTENT_WIDTH - 138 * mm]
    note = (
        f"每位签署人经实名认证后对申请书进行了电子签名（PAdES），签名后的申请书作为附件 "
        f"{APPLICATION_NAME} 嵌入本证照包，可用 onestop verify 校验。Each person, identified by "
        f"the real-name provider, signed the application (PAdES); the signed application is "
        f"embedded as {APPLICATION_NAME} and checked by onestop verify."
    )
    return [
        grid_table(
            [
                "姓名 name",
                "证件号码 ID (masked)",
                "身份 role",
                "签署时间 signed",
                "证书 certificate",
            ],
            data,
            sheet,
            widths,
        ),
        Spacer(0, 3 * mm),
        para(note, sheet["note"]),
    ]
