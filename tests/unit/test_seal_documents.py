"""What the seal service accepts as a document to seal: a readable, unencrypted PDF."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from onestop_common.errors import InvalidInput
from svc_seal.documents import inspect_pdf


def _pdf(*sizes: tuple[float, float]) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    for size in sizes:
        canvas.setPageSize(size)
        canvas.drawString(72, 72, "contract")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _rule(data: bytes) -> tuple[str, str]:
    with pytest.raises(InvalidInput) as caught:
        inspect_pdf(data)
    (problem,) = caught.value.violations
    assert problem.message_zh and problem.message_en
    return problem.field, problem.rule


def test_pages_and_their_visible_boxes_are_read() -> None:
    facts = inspect_pdf(_pdf(A4, landscape(A4)))
    assert len(facts.pages) == 2
    assert (facts.pages[0].right, facts.pages[0].top) == pytest.approx(A4)
    assert (facts.pages[1].right, facts.pages[1].top) == pytest.approx(landscape(A4))


@pytest.mark.parametrize(
    "data",
    [b"", b"hello, I am a text file", b"%PDF-1.7\nnot really a pdf"],
    ids=["empty", "text", "truncated"],
)
def test_anything_but_a_pdf_is_refused(data: bytes) -> None:
    assert _rule(data) == ("pdf", "pdf_format")


def test_encrypted_pdf_is_refused() -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert _rule(buffer.getvalue()) == ("pdf", "pdf_encrypted")
