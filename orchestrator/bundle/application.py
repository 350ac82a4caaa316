"""The application PDF every person the form names signs (公司设立登记申请书): the company, its
capital, scope and address, the persons with their roles (ID numbers masked), and the SHA-256 of
the form as submitted, so a signature on this page is a signature on exactly that form.

The persons' PAdES signatures are added to it one after another (incremental updates), and the
signed file travels in the e-license bundle as an attachment.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Spacer

from onestop.common.v1 import application_pb2
from onestop_common.clock import to_shanghai
from orchestrator.bundle.layout import (
    CONTENT_WIDTH,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    bundle_fonts,
    field_table,
    grid_table,
    money,
    para,
    section,
    styles,
)
from orchestrator.signatures import NamedPerson, form_sha256, role_text

FILE_NAME = "application-signed.pdf"


def application_pdf(
    form: application_pb2.ApplicationForm,
    *,
    case_id: str,
    company_name: str,
    submitted_at: datetime,
    persons: list[NamedPerson],
) -> bytes:
    fonts = bundle_fonts()
    sheet = styles(fonts)
    story: list[Flowable] = [
        para("公司设立登记申请书", sheet["cover_title"]),
        para("Application for company establishment registration", sheet["cover_sub"]),
        Spacer(1, 6 * mm),
        field_table(
            [
                ("案件编号", "Case", case_id),
                ("企业名称", "Company name", company_name),
                ("注册资本", "Registered capital", money(form.registered_capital)),
                ("住所", "Domicile", _address(form)),
                ("经营范围", "Business scope", "；".join(i.name_zh for i in form.business_scope)),
                ("提交时间", "Submitted", to_shanghai(submitted_at).strftime("%Y-%m-%d %H:%M")),
            ],
            sheet,
        ),
        *section(fonts, "申请人签署", "Persons who confirm and sign"),
        grid_table(
            ["姓名 Name", "证件号码 ID number", "身份 Role"],
            [[p.name, p.masked_id_number, role_text(p.roles)] for p in persons],
            sheet,
            [40 * mm, 50 * mm, CONTENT_WIDTH - 90 * mm],
        ),
        Spacer(1, 4 * mm),
        para(
            "以上人员经实名认证后逐一对本申请书进行电子签名，确认申请内容真实、准确、完整。"
            "Each person above, identified by the real-name provider, signs this application "
            "electronically, confirming that it is true, accurate and complete.",
            sheet["small"],
        ),
        Spacer(1, 3 * mm),
        para(f"申请表摘要 Form digest (SHA-256): {form_sha256(form)}", sheet["note"]),
    ]
    buffer = BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        title=f"公司设立登记申请书 {company_name}",
        author="OneStop",
        subject=case_id,
        pageTemplates=[
            PageTemplate(
                "application",
                [
                    Frame(
                        MARGIN,
                        MARGIN,
                        CONTENT_WIDTH,
                        PAGE_HEIGHT - 2 * MARGIN,
                        leftPadding=0,
                        rightPadding=0,
                    )
                ],
            )
        ],
    )
    document.build(story)
    return buffer.getvalue()


def _address(form: application_pb2.ApplicationForm) -> str:
    d = form.domicile
    return f"{d.province}{d.city}{d.district}{d.detail}"
