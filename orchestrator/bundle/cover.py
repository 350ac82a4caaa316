"""The cover: the case at a glance, the time each step took against its statutory limit, what
the file holds, and how its signature and its times are to be read."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from onestop_common.calendar import BusinessCalendar, CalendarError
from onestop_common.signing import Attachment
from orchestrator.bundle import tagging
from orchestrator.bundle.layout import (
    ACCENT,
    BAR,
    BREACH,
    CONTENT_WIDTH,
    INK,
    LIMIT_EDGE,
    LIMIT_FILL,
    MUTED,
    ON_TIME,
    RULE,
    SHADE,
    Fonts,
    RenderState,
    SectionStart,
    TableTags,
    decimal_text,
    fit,
    hours,
    paired_field_table,
    para,
    section,
    when,
)
from orchestrator.bundle.model import CERTIFICATE_DIR, CRL_DIR, BundleInputs

TITLE = ("企业开办电子证照包", "Company start-up e-license bundle")


def cover_story(
    state: RenderState,
    attachments: Sequence[Attachment],
    trust_root: x509.Certificate,
    signer: x509.Certificate | None,
    lta: bool,
) -> list[Flowable]:
    inputs, fonts, sheet = state.inputs, state.fonts, state.styles()
    hours_per_day = BusinessCalendar().hours_per_day
    limit_hours = inputs.case_limit_workdays * hours_per_day
    used = inputs.case_working_hours
    verdict = (
        "按时办结 completed within the limit" if used <= limit_hours else "超出时限 limit exceeded"
    )
    rows = [
        [("企业名称", "Company name", inputs.company_name)],
        [
            ("统一社会信用代码", "Unified social credit code", inputs.license.uscc),
            ("办件编号", "Case number", inputs.case_id),
        ],
        [
            ("提交时间（业务时钟）", "Submitted (business clock)", when(inputs.submitted_at)),
            ("办结时间（业务时钟）", "Completed (business clock)", when(inputs.completed_at)),
        ],
        [
            (
                "全程用时",
                "Working time, whole case",
                f"{hours(used)} 工作小时（法定时限 {decimal_text(inputs.case_limit_workdays)}"
                f" 个工作日 = {hours(limit_hours)} 工作小时）· {verdict}",
            )
        ],
    ]
    names = [a.name for a in attachments]
    lines = [
        "页面 Pages: 封面 cover · 营业执照 license · 印章 seals · 税务 tax · "
        "社保 social insurance · 银行 bank",
        f"附件 Embedded files ({len(names)}): " + _file_summary(names),
        "营业执照原件 license.pdf 保留登记机关的认证签名；manifest.json 列出各环节结果、"
        "所依据规则的出处及每个附件的 SHA-256。The original license keeps the authority's "
        "certification signature; manifest.json lists every step's result, where the rules "
        "behind the figures come from, and each file's SHA-256.",
        (f"在线核验 Current status online: {inputs.public_url}　" if inputs.public_url else "")
        + "离线验证 Verify offline: onestop verify bundle.pdf --root root.pem　"
        f"平台根证书 Platform root: {trust_root.subject.rfc4514_string()}",
        "根证书 SHA-256 fingerprint: " + _fingerprint(trust_root),
    ]
    return [
        SectionStart(state, *TITLE, titled=False),
        para(TITLE[0], sheet["cover_title"], role="H1"),
        para("COMPANY START-UP E-LICENSE BUNDLE", sheet["cover_sub"]),
        para(
            "天津市宝坻区 企业开办“一窗通办”平台 · Tianjin Baodi District OneStop platform",
            sheet["cover_note"],
        ),
        Spacer(0, 3 * mm),
        paired_field_table(rows, sheet),
        *section(fonts, "办理时限", "Working hours per step against its statutory limit"),
        Timeline(fonts, _timeline_bars(inputs, hours_per_day), inputs, hours_per_day),
        *section(fonts, "内容与验证", "Contents and verification"),
        *[_spaced(para(line, sheet["small"])) for line in lines],
        Spacer(0, 2.5 * mm),
        KeepTogether([_signature_box(inputs, signer, sheet, lta)]),
    ]


def _spaced(flowable: Paragraph) -> Paragraph:
    flowable.spaceAfter = 1.2 * mm
    return flowable


def _file_summary(names: Sequence[str]) -> str:
    certs = sum(name.startswith(CERTIFICATE_DIR) for name in names)
    crls = sum(name.startswith(CRL_DIR) for name in names)
    others = [n for n in names if not n.startswith((CERTIFICATE_DIR, CRL_DIR))]
    groups = [f"{CERTIFICATE_DIR} 证书 certificates ×{certs}", f"{CRL_DIR} 吊销列表 CRLs ×{crls}"]
    return ", ".join([*others, *groups])


def clock_texts(inputs: BundleInputs) -> tuple[str, str]:
    """The cover's statement of the two clocks: the signing time is wall-clock time, the times
    of the case are business-clock times."""
    speed = inputs.business_clock_speed
    zh = (
        "时间说明：签名时间是实际时间（挂钟时间），取自平台签名所附的时间戳，"
        "可在 PDF 阅读器的签名面板查看。本包所列提交、办结及各环节时间是业务时钟时间："
        "业务时钟只在工作日的办公时间内计时，办公时间以外、周末和法定节假日不计；"
        "在演示环境中业务时钟快于实际时间。两种时间因此可能不一致。"
    )
    en = (
        "Times: the signing time is wall-clock time, from the timestamp in the platform's "
        "signature (see your PDF reader's signature panel). The submission, completion and step "
        "times in this bundle are business-clock times: the business clock counts office hours "
        "on working days only, not nights, weekends or public holidays, and in a demonstration "
        "it runs faster than the wall clock. The two can therefore disagree."
    )
    if speed is not None and speed != 1:
        zh += f"本案业务时钟为实际时间的 {speed:g} 倍速。"
        en += f" In this case the business clock ran at {speed:g} times the wall clock."
    elif speed == 1:
        zh += "本案业务时钟与实际时间同速。"
        en += " In this case the business clock ran at wall-clock speed."
    return zh, en


def _signature_box(
    inputs: BundleInputs,
    signer: x509.Certificate | None,
    sheet: Mapping[str, ParagraphStyle],
    lta: bool,
) -> Table:
    """Who signs and how (the signature is invisible), and which clock each time is on."""
    who = _common_name(signer.subject) if signer else "OneStop Platform Bundle Signer"
    issuer = _common_name(signer.issuer) if signer else "OneStop Platform Signing CA"
    archive_zh = "并加盖文档时间戳（B-LTA）" if lta else "（B-LT）"
    archive_en = ", and a document timestamp (B-LTA)" if lta else " (B-LT)"
    text = (
        f"本证照包由 OneStop 平台签名：签名证书 {who}（签发者 {issuer}），PAdES 签名附时间戳，"
        f"内嵌证书与吊销列表{archive_zh}，离线即可验证。"
    )
    english = (
        f"Signed by the OneStop platform with the certificate {who} (issued by {issuer}): a "
        f"PAdES signature with a timestamp, the certificates and CRLs embedded{archive_en}, so "
        "it verifies offline."
    )
    clock_zh, clock_en = clock_texts(inputs)
    heading = ParagraphStyle("box_heading", parent=sheet["small"], textColor=ACCENT, fontSize=8)
    cells = [
        [para("电子签名与时间  Electronic signature and times", heading, role="H3")],
        [para(text, sheet["small"])],
        [para(clock_zh, sheet["small"])],
        [para(english, sheet["note"])],
        [para(clock_en, sheet["note"])],
    ]
    box = Table(
        cells,
        colWidths=[CONTENT_WIDTH],
        splitInRow=1,
        hAlign="LEFT",
        renderCB=TableTags(layout=True),
    )
    box.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), sheet["cell"].fontName),
                ("BOX", (0, 0), (-1, -1), 0.6, ACCENT),
                ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 0.6 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0.6 * mm),
                ("TOPPADDING", (0, 0), (-1, 0), 2.5 * mm),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 2.5 * mm),
            ]
        )
    )
    return box


def _common_name(name: x509.Name) -> str:
    values = [a.value for a in name.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return str(values[0]) if values else name.rfc4514_string()


def _fingerprint(cert: x509.Certificate) -> str:
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


# --- the timeline ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label_zh: str
    label_en: str
    detail: str
    start: Decimal
    used: Decimal
    limit: Decimal
    total: bool = False

    @property
    def breached(self) -> bool:
        return self.used > self.limit


def _timeline_bars(inputs: BundleInputs, hours_per_day: Decimal) -> list[Bar]:
    calendar = BusinessCalendar()
    bars = []
    for timing in inputs.timings:
        try:
            offset = calendar.working_time_between(inputs.submitted_at, timing.started_at)
            start = max(Decimal(0), Decimal(int(offset.total_seconds())) / 3600)
        except CalendarError:
            # The holiday schedule of that year is not installed: draw the bar from zero.
            start = Decimal(0)
        bars.append(
            Bar(
                timing.title_zh,
                timing.name,
                f"{when(timing.started_at)[5:]} → {when(timing.finished_at)[5:]}",
                start,
                timing.working_hours,
                timing.limit_workdays * hours_per_day,
            )
        )
    bars.append(
        Bar(
            "全程",
            "whole case",
            f"{when(inputs.submitted_at)[5:]} → {when(inputs.completed_at)[5:]}",
            Decimal(0),
            inputs.case_working_hours,
            inputs.case_limit_workdays * hours_per_day,
            total=True,
        )
    )
    return bars


_ROW_H = 8.5 * mm
_AXIS_H = 7 * mm
_FOOT_H = 14 * mm  # the limit's label and the legend under the rows
_LABEL_W = 50 * mm
_VALUE_W = 30 * mm


class Timeline(Flowable):  # type: ignore[misc]
    """A Gantt chart in working hours since submission: each step's limit window (grey) and the
    time it took (blue, red when over its limit), the whole case against its limit below.

    Too many rows for the space left: the chart continues on the next page, axis repeated.
    """

    def __init__(
        self,
        fonts: Fonts,
        bars: Sequence[Bar],
        inputs: BundleInputs,
        hours_per_day: Decimal,
        *,
        legend: bool = True,
    ):
        super().__init__()
        self.fonts, self.bars, self.inputs = fonts, list(bars), inputs
        self.hours_per_day, self.legend = hours_per_day, legend
        self.hAlign = "LEFT"

    def _height(self, rows: int, legend: bool) -> float:
        return _AXIS_H + rows * _ROW_H + 2 * mm + (_FOOT_H if legend else 1 * mm)

    def wrap(self, aw: float, _ah: float) -> tuple[float, float]:
        self.width = min(aw, CONTENT_WIDTH)
        self.height = self._height(len(self.bars), self.legend)
        return self.width, self.height

    def split(self, _aw: float, ah: float) -> list[Flowable]:
        fit_rows = int((ah - self._height(0, False)) // _ROW_H)
        if fit_rows < 2 or fit_rows >= len(self.bars):
            return []
        args = (self.fonts, self.bars[:fit_rows], self.inputs, self.hours_per_day)
        rest = (self.fonts, self.bars[fit_rows:], self.inputs, self.hours_per_day)
        return [Timeline(*args, legend=False), Timeline(*rest, legend=self.legend)]

    def alt(self) -> str:
        """The chart in words, for a screen reader: each step's time against its limit."""
        rows = []
        for bar in self.bars:
            verdict = (
                f"超时 {hours(bar.used - bar.limit)} 小时 over by {hours(bar.used - bar.limit)} h"
                if bar.breached
                else "未超时 within the limit"
            )
            rows.append(
                f"{bar.label_zh}（{bar.label_en}，{bar.detail}）："
                f"用时 {hours(bar.used)} / 时限 {hours(bar.limit)} 工作小时 "
                f"{hours(bar.used)} of {hours(bar.limit)} working hours, {verdict}"
            )
        return "办理时限图 Chart of working hours per step against its limit. " + "；".join(rows)

    def draw(self) -> None:
        with tagging.element("Figure", self.canv, alt=self.alt()):
            self._draw()

    def _draw(self) -> None:
        c, f = self.canv, self.fonts
        hours_per_day = self.hours_per_day
        case_limit = self.inputs.case_limit_workdays * hours_per_day
        every = _timeline_bars(self.inputs, hours_per_day)
        furthest = max([case_limit] + [b.start + max(b.used, b.limit) for b in every])
        days = int((furthest / hours_per_day).to_integral_value(rounding=ROUND_CEILING))
        span = float(days * hours_per_day)
        right = self.width
        x0 = _LABEL_W
        plot_w = right - _LABEL_W - _VALUE_W
        top = self.height
        plot_top = top - _AXIS_H
        rows_h = _ROW_H * len(self.bars) + 2 * mm

        def x_of(value: Decimal | float) -> float:
            return x0 + plot_w * float(value) / span

        # Day bands and the hour scale.
        for day in range(days):
            if day % 2 == 0:
                c.setFillColor(SHADE)
                c.rect(x_of(day * hours_per_day), plot_top - rows_h, plot_w / days, rows_h, 0, 1)
            c.setFillColor(MUTED)
            c.setFont(f.sans, 6.5)
            c.drawCentredString(
                x_of((day + Decimal("0.5")) * hours_per_day),
                top - 3 * mm,
                fit(f"第{day + 1}个工作日 · day {day + 1}", f.sans, 6.5, plot_w / days),
            )
        c.setStrokeColor(RULE)
        c.setLineWidth(0.3)
        whole = int(hours_per_day)
        for hour in range(int(span) + 1):
            tick = 1.8 * mm if hour % whole == 0 else 0.9 * mm
            c.line(x_of(hour), plot_top, x_of(hour), plot_top - tick)
            if hour % whole == 0:
                c.setFillColor(MUTED)
                c.setFont(f.sans, 6)
                c.drawCentredString(x_of(hour), plot_top + 0.8 * mm, f"{hour}h")
                c.line(x_of(hour), plot_top, x_of(hour), plot_top - rows_h)
        c.setStrokeColor(INK)
        c.setLineWidth(0.6)
        c.line(x0, plot_top, x0 + plot_w, plot_top)

        y = plot_top - 1 * mm
        for bar in self.bars:
            y -= _ROW_H
            self._draw_bar(bar, y, x_of, right)

        # The whole case's statutory limit as a line through every row.
        limit_x = x_of(case_limit)
        c.setStrokeColor(ACCENT)
        c.setLineWidth(0.9)
        c.setDash(3, 2)
        c.line(limit_x, plot_top + 0.5 * mm, limit_x, y - 1 * mm)
        c.setDash()
        if self.legend:
            self._draw_legend(y, limit_x, right)

    def _draw_bar(
        self, bar: Bar, y: float, x_of: Callable[[Decimal | float], float], right: float
    ) -> None:
        c, f = self.canv, self.fonts
        if bar.total:
            c.setStrokeColor(INK)
            c.setLineWidth(0.6)
            c.line(0, y + _ROW_H + 0.5 * mm, right, y + _ROW_H + 0.5 * mm)
        colour = BREACH if bar.breached else (INK if bar.total else BAR)
        c.setFillColor(INK)
        c.setFont(f.sans, 8.5 if bar.total else 8)
        c.drawString(0, y + 4.4 * mm, fit(bar.label_zh, f.sans, 8.5, _LABEL_W - 2 * mm))
        c.setFillColor(MUTED)
        c.setFont(f.sans, 6)
        detail = fit(f"{bar.label_en} · {bar.detail}", f.sans, 6, _LABEL_W - 2 * mm)
        c.drawString(0, y + 1.5 * mm, detail)
        # The limit window, then the time actually used.
        c.setFillColor(LIMIT_FILL)
        c.setStrokeColor(LIMIT_EDGE)
        c.setLineWidth(0.4)
        start, end = x_of(bar.start), x_of(bar.start + bar.limit)
        c.rect(start, y + 1.1 * mm, end - start, 5.8 * mm, 1, 1)
        used_w = max(0.6, x_of(bar.start + bar.used) - start)
        c.setFillColor(colour)
        c.rect(start, y + 2.4 * mm, used_w, 3.2 * mm, 0, 1)
        if bar.breached:
            c.setStrokeColor(BREACH)
            c.setLineWidth(1)
            c.line(end, y + 0.7 * mm, end, y + 7.3 * mm)
        c.setFillColor(BREACH if bar.breached else INK)
        c.setFont(f.sans, 8)
        c.drawRightString(right, y + 4.4 * mm, f"{hours(bar.used)} / {hours(bar.limit)} h")
        c.setFont(f.sans, 6.5)
        c.setFillColor(BREACH if bar.breached else ON_TIME)
        c.drawRightString(
            right,
            y + 1.5 * mm,
            f"超时 over by {hours(bar.used - bar.limit)} h"
            if bar.breached
            else "未超时 within the limit",
        )

    def _draw_legend(self, y: float, limit_x: float, right: float) -> None:
        c, f = self.canv, self.fonts
        c.setFillColor(ACCENT)
        c.setFont(f.sans, 6.5)
        label = f"法定时限 {decimal_text(self.inputs.case_limit_workdays)} 个工作日"
        half = c.stringWidth(label, f.sans, 6.5) / 2
        c.drawCentredString(min(max(limit_x, half), right - half), y - 4 * mm, label)
        legend_y = y - 9 * mm
        x = 0.0
        for fill, edge, text in (
            (LIMIT_FILL, LIMIT_EDGE, "时限 limit"),
            (BAR, None, "实际用时 time used"),
            (BREACH, None, "超时 over the limit"),
        ):
            c.setFillColor(fill)
            c.setStrokeColor(edge or fill)
            c.rect(x, legend_y, 5 * mm, 2.6 * mm, 1 if edge else 0, 1)
            c.setFillColor(MUTED)
            c.setFont(f.sans, 6.5)
            c.drawString(x + 6.5 * mm, legend_y + 0.5 * mm, text)
            x += 8 * mm + c.stringWidth(text, f.sans, 6.5) + 4 * mm
        note = (
            f"业务时钟工作小时，自提交起计，每个工作日 {decimal_text(self.hours_per_day)} 小时 · "
            "business-clock working hours since submission"
        )
        c.drawString(0, legend_y - 3 * mm, fit(note, f.sans, 6.5, right))
